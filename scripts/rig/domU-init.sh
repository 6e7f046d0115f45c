#!/bin/busybox sh
# /init of the rig's PV domU initramfs. Brings up a minimal userland and then
# runs the command agent (rig-agent.sh) forever; dom0 drives everything else
# through xenstore (see dom0-lib.sh: rig_domu_run).
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /etc/modprobe.d
/bin/busybox --install -s /bin
export PATH=/rig/bin:/usr/sbin:/usr/bin:/sbin:/bin
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox mount -t tmpfs tmpfs /tmp
exec </dev/null >/dev/console 2>&1
# nothing may auto-load a block frontend: there is no udev/mdev and no
# modprobe helper, so an unexpected xen-blkfront load would be visible in lsmod
echo "" >/proc/sys/kernel/modprobe 2>/dev/null
echo "rig-domU: userspace up: kernel $(uname -r), $(nproc) vcpus, $(awk '/MemTotal/{print $2}' /proc/meminfo) kB"
exec /bin/busybox sh /rig/rig-agent.sh
