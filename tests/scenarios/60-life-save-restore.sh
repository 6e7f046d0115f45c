#!/bin/bash
# Lifecycle: xl save + xl restore of a guest with our xen-blkfront while
# crc32c-verified fio loops run on two VBDs (a RAM disk and an NBD device
# served by nbd-server on dom0's loopback). The first restore goes from our
# blkback's smallest offer (1 ring, order 0, 32 indirect segments, no
# persistent grants) to its full one; the next ones keep it. (Restore onto
# the in-tree blkback and fio's verify_state: 64-life-restore-intree.)
# Cycles: 3 (make check), 10 (make check-full).
# shellcheck source=scripts/rig/dom0-lib.sh
. "${RIG_LIB:-/rig/dom0-lib.sh}"
# shellcheck source=tests/lifecycle/life-lib.sh
. /rig/life/life-lib.sh
T=life-sr
D=lsr
export RIG_DOMU_LOGLEVEL=6
# the rig's agent dies with the first restore, so a FAIL's dump of the
# guest's dmesg would only wait for it; dom0's is printed on failures
export RIG_NO_DUMP=1
N=$(life_n 3 10)
WEAK="max_queues=1 max_ring_page_order=0 feature_persistent=0 max_indirect_segments=32"
STRONG="max_queues=2"	# 2 vCPUs -> 2 rings; order, indirect and persistent at the defaults
fail() { rig_result "$T/$1" FAIL "$2"; rig_dmesg0 30; life_contail $D; xl destroy $D >/dev/null 2>&1; life_nbd_stop; exit 0; }
NBD_PID=
life_nbd_stop() {
	nbd-client -d /dev/nbd0 >/dev/null 2>&1
	[[ -n $NBD_PID ]] && kill "$NBD_PID" 2>/dev/null
	rm -f /run/rig/life-nbd.img
}
# nbd-server in the foreground (-d) on 127.0.0.1:10809 exporting a 64 MiB
# file as "life"; nbd-client attaches it as /dev/nbd0
life_nbd_start() {
	busybox ip link set lo up 2>/dev/null || ip link set lo up 2>/dev/null
	modprobe nbd nbds_max=2 || { rig_log "modprobe nbd failed"; return 1; }
	truncate -s 64M /run/rig/life-nbd.img
	printf '[generic]\nlistenaddr = 127.0.0.1\n[life]\nexportname = /run/rig/life-nbd.img\n' >/run/rig/life-nbd.conf
	nbd-server -C /run/rig/life-nbd.conf -d >/run/rig/life-nbd.log 2>&1 &
	NBD_PID=$!
	local i
	for ((i = 0; i < 50; i++)); do
		nbd-client 127.0.0.1 10809 /dev/nbd0 -N life >>/run/rig/life-nbd.log 2>&1 && break
		sleep 0.2
	done
	[[ $(blockdev --getsize64 /dev/nbd0 2>/dev/null) == 67108864 ]] ||
		{ sed 's/^/RIG-LOG nbd: /' /run/rig/life-nbd.log; return 1; }
	rig_log "nbd-server pid $NBD_PID, /dev/nbd0 connected"
}
# io_uring, not libaio, across xl save: see "fio across xl save" in
# tests/lifecycle/README.md
FIO="--rw=randwrite --bs=64k --size=1M --offset_increment=1M --numjobs=2 --iodepth=16
	--ioengine=io_uring --direct=1 --verify=crc32c --do_verify=1 --verify_fatal=1 --group_reporting"

rd=$(rig_brd 64) || fail setup "backing device"
life_nbd_start || fail setup "nbd-server/nbd-client did not give /dev/nbd0"
rig_load_back ours $WEAK || fail setup "our backend did not load with [$WEAK]"
rig_domu_start $D 2 192 || fail setup "domU did not start"
rig_load_front $D ours || fail setup "our xen-blkfront did not load"
life_guest_agent $D || fail setup "could not start the restore-proof guest agent"
rig_log "restore-proof guest agent started"
rig_attach $D "$rd" xvdb && rig_attach $D /dev/nbd0 xvdc || fail attach "xl block-attach failed"
for v in xvdb xvdc; do
	rig_wait_state $D $v back 4 && rig_wait_state $D $v front 4 && rig_wait_disk $D $v ||
		fail attach "$v did not connect"
done

# 1. the loops, N save/restore cycles; the first one from WEAK to STRONG
life_guest_loop $D sr xvdb 500 --filename=/dev/xvdb $FIO || fail loop "could not start the fio loop on xvdb"
life_guest_loop $D nb xvdc 500 --filename=/dev/xvdc $FIO || fail loop "could not start the fio loop on xvdc"
rig_log "fio loops started"
life_wait_iters $D sr 1 300 || fail loop "no fio run finished before the first save"
lim_weak=$(life_conlog $D | grep -a "^XBF-IT sr " | tail -n 1 | sed 's/.*lim=//')
srok=0 secs=
for ((k = 1; k <= N; k++)); do
	have=$(life_iters $D sr)
	# I/O in flight on both disks at each save
	life_wait_io $D xvdc 4 && life_wait_io $D xvdb 8 || { rig_log "cycle $k: no I/O on xvdb"; break; }
	if ((k == 1)); then
		life_save_restore $D rig_load_back ours $STRONG || break
	else
		life_save_restore $D || break
	fi
	secs+="$LIFE_SR_SECS "
	srok=$k
done
# the run that was in flight at the last save ends after the restore
life_wait_iters $D sr $((have + 1)) 150 || rig_log "fio made no progress after the last restore"
life_xs_order $D life-stop-sr
life_xs_order $D life-stop-nb
l1=$(life_wait_line $D "^XBF-LOOP sr " 150)
l2=$(life_wait_line $D "^XBF-LOOP nb " 60)
life_conlog $D | grep -a -E "^XBF-IT (sr|nb) " | tail -n 4 | sed 's/^/RIG-LOG /'
lim_strong=$(life_conlog $D | grep -a "^XBF-IT sr " | tail -n 1 | sed 's/.*lim=//')
if ((srok == N)) && [[ $l1 == *" failed=0" && $l2 == *" failed=0" ]]; then
	rig_result $T/loop-$N PASS "$N save+restore cycles during fio verify (2 jobs QD16 randwrite+read-back, crc32c), seconds per cycle: ${secs% }; ram0: ${l1#XBF-LOOP sr }; nbd0: ${l2#XBF-LOOP nb }"
else
	rig_result $T/loop-$N FAIL "$srok of $N cycles done; ram0: ${l1:-no end line}; nbd0: ${l2:-no end line}"
	life_diag $D
fi
if [[ $l2 == *" failed=0" ]] && ((srok >= 1)); then
	rig_result $T/nbd PASS "VBD on /dev/nbd0 (nbd-server on 127.0.0.1): fio verify across $srok save+restore(s): ${l2#XBF-LOOP nb }"
else
	rig_result $T/nbd FAIL "nbd0 loop: ${l2:-no end line}; $srok cycles"
fi
# order/segments/persistent: 0/32/0 before, each bigger after. The ring
# count is its own test: our frontend keeps the hardware-queue count of its
# first connection (xbf_talk_to_backend caps nr_rings at the tag set's
# nr_hw_queues on a reconnect), so it stays at 1 here
IFS=/ read -r r0 o0 s0 p0 <<<"$lim_weak"
IFS=/ read -r r1 o1 s1 p1 <<<"$lim_strong"
if [[ $lim_weak == 1/0/32/0/ ]] && ((srok >= 1 && o1 > o0 && s1 > s0 && p1 > p0)) &&
	[[ $l1 == *" failed=0" ]]; then
	rig_result $T/weak-to-strong PASS "order/segs/persistent $o0/$s0/$p0 -> $o1/$s1/$p1 across the restore (rings/order/segs/persistent $lim_weak -> $lim_strong), fio 0 errors"
else
	rig_result $T/weak-to-strong FAIL "limits before [$lim_weak] (want 1/0/32/0/), after [$lim_strong] (want order, segs, persistent bigger); ${l1:-no loop verdict}"
fi
if ((srok >= 1 && r1 > r0)); then
	rig_result $T/weak-to-strong-rings PASS "rings $r0 -> $r1 across the restore"
else
	rig_result $T/weak-to-strong-rings FAIL "rings $r0 -> ${r1:-?} after restoring onto a backend offering max_queues=2 to a 2-vCPU guest: the frontend keeps the hardware-queue count of its first connection"
fi

xl destroy $D 2>/dev/null
life_nbd_stop
rig_load_back || true
