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

# check-full: block and driver tracepoints, read back if fio hangs
((${RIG_FULL:-0})) && rig_domu_run $D 'mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
	cd /sys/kernel/tracing && echo 8192 >buffer_size_kb &&
	for e in block/block_bio_queue block/block_rq_issue block/block_rq_complete \
		block/block_rq_requeue block/block_split xen_blkfront/xbf_submit xen_blkfront/xbf_complete; do
		echo 1 >events/$e/enable || echo "RIG-TRACE no $e"; done
	echo "p:aiodone aio_complete_rw pos=+8(%di):s64 res=%si:s64" >>kprobe_events &&
		echo 1 >events/kprobes/aiodone/enable || echo "RIG-TRACE no kprobe on aio_complete_rw"
	echo "p:submitnr __x64_sys_io_submit nr=+104(%di):s64" >>kprobe_events &&
		echo "r:submitret __x64_sys_io_submit ret=\$retval:s64" >>kprobe_events &&
		echo 1 >events/kprobes/submitnr/enable && echo 1 >events/kprobes/submitret/enable ||
		echo "RIG-TRACE no kprobes on io_submit"
	echo "comm == \"fio\"" >events/sched/sched_wakeup/filter &&
		echo "prev_comm == \"fio\" || next_comm == \"fio\"" >events/sched/sched_switch/filter &&
		echo 1 >events/sched/sched_wakeup/enable && echo 1 >events/sched/sched_switch/enable ||
		echo "RIG-TRACE no sched events for fio"
	echo 1 >tracing_on' 60 | sed 's/^/RIG-LOG /'
rig_domu_run $D "(fio --name=mg --eta=never --output=/tmp/mg.out --filename=/dev/xvdc --rw=randrw --bs=1M \
	--size=64M --loops=4 --iodepth=16 --ioengine=libaio --direct=1 --verify=crc32c --do_verify=1 \
	--verify_fatal=1; echo \"XBF-FIO mg rc=\$? errs=\$(grep -c 'err= *[1-9]' /tmp/mg.out)\";
	dmesg | grep -E 'blkfront|vbd-' | tail -n 6 | sed 's/^/XBF-DMESG mg /') >/dev/hvc0 2>&1 &"
n0=$(bestat xvdc wr_req)
for ((i = 0; i < 600; i++)); do (($(bestat xvdc wr_req) >= n0 + 8)) && break; sleep 0.2; done
# check-full only: with requests held at the save, fio often never ends
# after the restore (9 of 12 first runs in a boot, 3 boots side by side;
# Linux's frontend: 0 of 4).  Open bug, see issue 4: every bio fio queued
# was completed up to aio_complete_rw (the trace below), yet fio sleeps in
# io_getevents until its vCPUs are woken (the nudge): a lost wake-up that
# our frontend provokes after a restore and Linux's does not.
((${RIG_FULL:-0})) && { delay 8000 || fail save "dm-delay reload"; }
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
	# each 1 MiB I/O of fio is one 2048-sector key: the keys with fewer
	# aio completions than bios queued, with all their events and the
	# sectors whose request never completed; then a
	# task on each vCPU (a wake-up stranded on a vCPU would end the hang),
	# then a signal to fio
	rig_domu_run $D "$(cat <<'CMD'
cd /sys/kernel/tracing && echo 0 >tracing_on
cat >/tmp/lost.awk <<'AWK'
function key(  i) {
	for (i = 1; i < NF; i++) if ($(i + 1) == "+" || $(i + 1) == "/") return int($i / 2048)
	if (match($0, /sector=[0-9]+/)) return int(substr($0, RSTART + 7, RLENGTH - 7) / 2048)
	return -1
}
{ k = -1 }
/ 202,32 |xbf_submit:/ { k = key() }
/block_bio_queue: 202,32 / { q[k]++; need[k] += 2048; nq++ }
/block_rq_complete: 202,32 / { for (i = 1; i < NF; i++) if ($(i + 1) == "+") need[k] -= $(i + 2) }
/aiodone:/ { match($0, /pos=-?[0-9]+/); k = substr($0, RSTART + 4, RLENGTH - 4) / 1048576 - 1; aio[k]++; na++ }
k >= 0 { ev[k] = ev[k] $0 "\n" }
END {
	printf "bios queued %d, aio completions %d\n", nq, na
	for (k in q) if (q[k] != aio[k])
		printf "== key %d: %d bios, %d aio completions, %d sectors not completed\n%s", k, q[k], aio[k], need[k], ev[k]
}
AWK
awk -f /tmp/lost.awk trace | head -n 200
echo "xbf events in the trace: $(grep -c xbf_ trace)"
echo "io_submit calls that did not take all their iocbs:"
grep -E "submitnr:|submitret:" trace | awk '/submitnr:/ { sub(/.*nr=/, ""); want = $0; next }
	{ sub(/.*ret=/, ""); if ($0 != want) { bad++; print "  asked " want ", returned " $0 } }
	END { print "  " bad + 0 " of them" }' | tail -n 6
echo "fio's last wake-ups and switches, io_submit returns and aio completions:"
grep -E "sched_wakeup|sched_switch|aiodone|submit" trace | tail -n 30
for p in $(pidof fio); do grep State /proc/$p/status; awk '{print "cpu", $39}' /proc/$p/stat; done
grep -E "CPU|callfunc|resched|xbf" /proc/interrupts
CMD
)" 120 | sed 's/^/RIG-LOG trace fmg: /'
	rig_domu_run $D 'busybox taskset -c 1 busybox sleep 0.2; busybox taskset -c 0 busybox sleep 0.2; echo nudged' 60 | sed 's/^/RIG-LOG nudge fmg: /'
	sleep 20
	rig_log "after running a task on each vCPU: $(conlog | grep -a "^XBF-FIO mg rc=" | tail -n 1)"
	# a signal interrupts io_getevents: fio prints its counts and waits again
	rig_domu_run $D 'for p in $(pidof fio); do kill -USR1 $p; done; sleep 3
		tail -n 25 /tmp/mg.out | grep -E "issued|READ|WRITE"' 60 | sed 's/^/RIG-LOG signal fmg: /'
	sleep 20
	rig_log "after SIGUSR1 to fio: $(conlog | grep -a "^XBF-FIO mg rc=" | tail -n 1)"
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
	if ! ((${RIG_FULL:-0})); then
		rig_result $T/reissue SKIP "requests held in flight at the save: make check-full only (known hang, issue 4)"
	elif [[ -n $re ]]; then
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
