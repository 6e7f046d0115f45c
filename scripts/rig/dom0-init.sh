#!/bin/bash
# /init of the rig's dom0 initramfs: mounts, Xen device modules, xenstored,
# xenconsoled; then runs the scenarios listed in /rig/config (written by the
# host's build-images.sh) with /rig/run-scenarios.sh, and powers off.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /run /tmp /var/log/xen/console /var/lib/xen /var/run/xen
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mkdir -p /run/xen /run/xenstored /run/rig
# udev normally creates these; Debian's hotplug scripts stat /dev/stdin
ln -sf /proc/self/fd /dev/fd
ln -sf fd/0 /dev/stdin
ln -sf fd/1 /dev/stdout
ln -sf fd/2 /dev/stderr
exec </dev/null >/dev/console 2>&1
# shellcheck disable=SC1091
. /rig/config
export PATH=/usr/lib/xen-$RIG_XENVER/bin:$PATH
# no module may be auto-loaded behind the rig's back (no udev here either)
echo "" >/proc/sys/kernel/modprobe
up() { cut -d' ' -f1 /proc/uptime; }
say() { echo "RIG-DOM0 [$(up)] $*"; }
fatal() {
	say "FATAL: $*"
	dmesg | tail -n 40 | sed 's/^/RIG-DMESG dom0: /'
	echo "RIG-BOOT-FAILED: $*"
	busybox poweroff -f
	sleep 10
}

# Xen gives dom0 DOM0_VCPUS vCPUs even on one pCPU, but only as many as
# there are pCPUs come up online: online the rest (blkback's default queue
# count is the number of online CPUs)
for c in /sys/devices/system/cpu/cpu[0-9]*/online; do
	[[ $(cat "$c" 2>/dev/null) == 0 ]] && echo 1 >"$c"
done
say "dom0 up: kernel $(uname -r), $(nproc) vcpus, $(awk '/MemTotal/{print $2}' /proc/meminfo) kB; flavour $RIG_FLAVOUR"
modprobe xenfs && mount -t xenfs xenfs /proc/xen || fatal "xenfs"
# RIG_DOM0_GNTDEV=0 (make check-debug): no gntdev until a scenario asks for
# it. oxenstored maps guests' xenstore pages through privcmd and xenconsoled
# falls back to it too, so Linux's own gntdev lock-order report (6.12) does
# not switch lockdep off at the first xl create.
mods="xen-evtchn xen-gntalloc xen-privcmd"
[[ ${RIG_DOM0_GNTDEV:-1} == 0 ]] || mods+=" xen-gntdev"
for m in $mods; do modprobe "$m" || fatal "modprobe $m"; done
T=$(up)
: "${RIG_XENSTORED:=xenstored}"
case $RIG_XENSTORED in
xenstored | oxenstored) ;;
*) fatal "RIG_XENSTORED=$RIG_XENSTORED: xenstored or oxenstored" ;;
esac
"$RIG_XENSTORED" --pid-file /run/xenstored.pid || fatal "$RIG_XENSTORED"
for _ in $(seq 100); do xenstore-read /local >/dev/null 2>&1 && break; sleep 0.1; done
xen-init-dom0 >/run/rig/xen-init-dom0.log 2>&1 || fatal "xen-init-dom0: $(cat /run/rig/xen-init-dom0.log)"
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console || fatal xenconsoled
say "toolstack ($RIG_XENSTORED) up in $(awk -v a="$T" -v b="$(up)" 'BEGIN{printf "%.1f", b-a}') s: xen $(xl info xen_version 2>/dev/null), $(xl info free_memory 2>/dev/null) MiB free"
echo "RIG-READY"

/rig/run-scenarios.sh

if [[ ${RIG_SHELL:-0} == 1 ]]; then
	say "RIG_SHELL=1: interactive shell on the console; exit to power off"
	setsid -c bash -i </dev/console >/dev/console 2>&1
fi
sync
busybox poweroff -f
sleep 10
busybox reboot -f
