#!/bin/bash
# Our xen-blkfront across xl save / xl restore onto a SMALLER backend
# configuration: heavy crc32c-verified fio (1 MiB requests, QD16) runs while
# the guest is saved; the backend is reloaded with 1 queue, an order-0 ring,
# 32 indirect segments (our blkback; the in-tree one keeps 256) and no
# persistent grants; after the restore every in-flight request must be
# re-issued (split to the new limits) with 0 errors.
. "${RIG_LIB:-/rig/dom0-lib.sh}"
T=front-migrate
D=fmg
RIG_DOMU_LOGLEVEL=7
fail() { rig_result "$T/$1" FAIL "$2"; xl destroy $D >/dev/null 2>&1; exit 0; }
bestat() { cat "/sys/bus/xen-backend/devices/vbd-$(rig_domid $D)-$(rig_devid "$1")/statistics/$2" 2>/dev/null || echo 0; }
conlog() { tr -d '\r' <"$RIG_CONSOLE_DIR/guest-$D.log" 2>/dev/null; }

rd=$(rig_brd 64) || fail setup "backing device"
# A dm-delay device over brd: no delay, except that right before the save
# every new request is held 8 s in dom0, so requests are surely in flight
# when the guest suspends: they must be re-issued after the restore.
modprobe dm-delay 2>/dev/null
export DM_DISABLE_UDEV=1	# no udev in dom0: libdevmapper makes the nodes
dmsetup remove fmgdelay 2>/dev/null
brd=$rd sz=$(blockdev --getsz "$rd")
dmsetup create fmgdelay --table "0 $sz delay $brd 0 0" &&
	[[ -b /dev/mapper/fmgdelay ]] && rd=/dev/mapper/fmgdelay || fail setup "dm-delay over $rd"
delay() { dmsetup reload fmgdelay --table "0 $sz delay $brd 0 $1" && dmsetup resume fmgdelay; }
rig_load_back || fail setup "backend did not load"
rig_domu_start $D 2 384 || fail setup "domU did not start"
rig_load_front $D ours || fail setup "our xen-blkfront did not load"
rig_attach $D "$rd" xvdc || fail attach "xl block-attach failed"
rig_wait_state $D xvdc back 4 && rig_wait_state $D xvdc front 4 && rig_wait_disk $D xvdc ||
	fail attach "xvdc did not connect"
before=$(rig_domu_run $D 'echo 1 >/proc/sys/kernel/sysrq; cd /sys/block/xvdc/device && cat nr_rings ring_page_order max_indirect_segments persistent_grants' | tr '\n' /)

rig_domu_run $D "(fio --name=mg --eta=never --output=/tmp/mg.out --filename=/dev/xvdc --rw=randrw --bs=1M \
	--size=64M --loops=4 --iodepth=16 --ioengine=io_uring --direct=1 --verify=crc32c --do_verify=1 \
	--verify_fatal=1; echo \"XBF-FIO mg rc=\$? errs=\$(grep -c 'err= *[1-9]' /tmp/mg.out)\";
	dmesg | grep -E 'blkfront|vbd-' | tail -n 6 | sed 's/^/XBF-DMESG mg /') >/dev/hvc0 2>&1 &"
n0=$(bestat xvdc wr_req)
for ((i = 0; i < 600; i++)); do (($(bestat xvdc wr_req) >= n0 + 8)) && break; sleep 0.2; done
# Every request issued from here on is held 8 s in dom0, so some are surely
# in flight when the guest suspends: they must be re-issued after the
# restore.  fio runs with io_uring, not libaio: fio 3.33 (Debian 12) loses
# count in its libaio reap when io_getevents is cut short by a signal, and
# the freezer of xl save is one.  See tests/lifecycle/README.md.
delay 8000 || fail save "dm-delay reload"
xl save $D /run/rig/$D.save >/run/rig/$D.save.log 2>&1 || { cat /run/rig/$D.save.log; fail save "xl save failed"; }
delay 0 || fail save "dm-delay reload"
if [[ $(rig_mod_origin_local xen_blkback) == ours ]]; then
	small="max_queues=1 max_ring_page_order=0 max_indirect_segments=32 feature_persistent=0"
else
	small="max_queues=1 max_ring_page_order=0 feature_persistent=0"
fi
rig_load_back "$RIG_BACK" $small || fail save "backend reload with [$small] failed"
xl restore /run/rig/$D.save >/run/rig/$D.restore.log 2>&1 || { cat /run/rig/$D.restore.log; fail save "xl restore failed"; }
rm -f /run/rig/$D.save
v=
t_end=$((SECONDS + 300))
while ((SECONDS < t_end)); do
	v=$(conlog | grep -a "^XBF-FIO mg rc=" | tail -n 1)
	[[ -n $v ]] && break
	sleep 2
done
if [[ -z $v ]]; then
	# No verdict: blk-mq and ring state and fio's stacks from the agent,
	# blocked tasks and CPUs by sysrq (console), both xenbus states.
	rig_domu_run $D 'mount -t debugfs none /sys/kernel/debug 2>/dev/null; cd /sys/kernel/debug/block/xvdc &&
		grep -H . state requeue_list hctx*/state hctx*/dispatch hctx*/busy hctx*/flags hctx*/sched_tags 2>/dev/null | head -n 60
		grep -H . /sys/block/xvdc/inflight /sys/kernel/debug/xen-blkfront/*/* hctx*/run 2>/dev/null | head -n 40
		sleep 5; echo "5 s later:"
		grep -H . /sys/kernel/debug/xen-blkfront/*/* hctx*/run 2>/dev/null | grep -E "ring_full|requests:|grants|run"
		for p in $(pidof fio); do echo "== $p $(cat /proc/$p/comm)"; cat /proc/$p/stack; done
		dmesg | tail -n 30' 60 | sed 's/^/RIG-LOG guest fmg: /'
	xl sysrq $D w; sleep 3; xl sysrq $D l; sleep 3
	echo "RIG-LOG frontend state $(xenstore-read "$(rig_fe_path $D xvdc)/state" 2>&1) backend $(xenstore-read "$(rig_be_path $D xvdc)/state" 2>&1)"
	conlog | tail -n 300 | sed 's/^/RIG-LOG console fmg: /'
fi

conlog | grep -a "^XBF-DMESG mg" | sed 's/^/RIG-LOG /'
[[ -n $v ]] && rig_log "after the restore (the agent answers): rings/order/segs/persistent=$(rig_domu_run $D \
	'cd /sys/block/xvdc/device && cat nr_rings ring_page_order max_indirect_segments persistent_grants' 60 | tr '\n' /)"
after=$(conlog | grep -a "^XBF-DMESG mg" | grep -o "[0-9]* ring(s) order [0-9]*, [0-9]* segments/request, persistent [01]" | tail -n 1)
re=$(conlog | grep -a "^XBF-DMESG mg" | grep -o "[1-9][0-9]* requests re-issued" | tail -n 1)
if [[ $v == *"rc=0 errs=0" && -n $after ]]; then
	if [[ -n $re ]]; then
		rig_result $T/reissue PASS "$re after the restore (dm-delay held them at the save)"
	else
		rig_result $T/reissue FAIL "no request was in flight at the save although dm-delay held each for 8 s"
	fi
	rig_result $T/save-restore-smaller PASS "before rings/order/segs/persistent=${before%/}; after restore onto [$small]: $after; ${re:-no request was in flight}; fio verify 0 errors"
else
	rig_result $T/save-restore-smaller FAIL "fio: ${v:-no verdict}; after: ${after:-not reconnected}"
fi
xl destroy $D 2>/dev/null
for ((i = 0; i < 50; i++)); do dmsetup remove fmgdelay 2>/dev/null && break; sleep 0.2; done
rig_load_back || true
