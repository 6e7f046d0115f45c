#!/bin/bash
# Lifecycle: 4 guests (make check: 2) with our xen-blkfront, 2 VBDs each (loop devices in
# dom0), all running crc32c-verified fio loops, while guest c1 is saved and
# restored and guest c2's second disk is detached under I/O. Every other
# loop ends with 0 errors; c2's detached disk ends with errors and no hang.
# make check-full: 3 save/restore cycles instead of 1.
# shellcheck source=scripts/rig/dom0-lib.sh
. "${RIG_LIB:-/rig/dom0-lib.sh}"
# shellcheck source=tests/lifecycle/life-lib.sh
. /rig/life/life-lib.sh
T=life-conc
export RIG_DOMU_LOGLEVEL=6
# the guests boot one after the other: four xl create side by side on a
# loaded TCG host ended in libxl's "console tty: timed out", and the last
# agent came up after 126 s; a guest still gets 300 s
export RIG_START_TIMEOUT=${RIG_START_TIMEOUT:-300}
NSR=$(life_n 1 3)
# make check: the shortened version, the two guests the events hit (c1
# saved/restored, c2 detached); make check-full: all four
GUESTS=$(life_n "c1 c2" "c1 c2 c3 c4")
NG=$(wc -w <<<"$GUESTS")
LOOPS=()
cleanup() {
	local g l
	for g in $GUESTS; do xl destroy "$g" >/dev/null 2>&1; done
	for l in "${LOOPS[@]}"; do losetup -d "$l" 2>/dev/null; done
	rm -f /run/rig/life-c*.img
}
fail() { rig_result "$T/$1" FAIL "$2"; cleanup; exit 0; }
# io_uring, not libaio, across xl save: see "fio across xl save" in
# tests/lifecycle/README.md
FIO="--rw=randwrite --bs=16k --size=1M --iodepth=16 --ioengine=io_uring --direct=1 --verify=crc32c
	--do_verify=1 --verify_fatal=1"

modprobe loop 2>/dev/null
rig_load_back ours || fail setup "our backend did not load"
t0=$SECONDS
for g in $GUESTS; do
	rig_domu_start "$g" 1 128 >/run/rig/life-start-$g.log 2>&1 ||
		{ cat /run/rig/life-start-$g.log; fail setup "guest $g did not start"; }
done
rig_log "$NG guests up in $((SECONDS - t0)) s"
for g in $GUESTS; do
	rig_load_front "$g" ours || fail setup "our xen-blkfront did not load in $g"
	for v in xvdb xvdc; do
		truncate -s 16M "/run/rig/life-$g-$v.img"
		l=$(losetup -f --show "/run/rig/life-$g-$v.img") || fail setup "losetup"
		LOOPS+=("$l")
		rig_attach "$g" "$l" $v && rig_wait_state "$g" $v back 4 && rig_wait_state "$g" $v front 4 &&
			rig_wait_disk "$g" $v || fail attach "$g $v did not connect"
	done
done
rig_log "$((2 * NG)) VBDs connected after $((SECONDS - t0)) s"
# all loops start together (under TCG, running loops slow every later setup
# step down several times)
for g in $GUESTS; do
	for v in xvdb xvdc; do
		life_guest_loop "$g" "$g$v" $v 500 --filename=/dev/$v $FIO || fail loops "fio loop $g/$v did not start"
	done
done
rig_log "$((2 * NG)) fio loops running after $((SECONDS - t0)) s"

# events: c1 saved+restored NSR times, c2's xvdc detached under I/O
life_wait_io c2 xvdc 10
rig_detach c2 xvdc &
dpid=$!
srok=0
for ((k = 1; k <= NSR; k++)); do
	have=$(life_iters c1 c1xvdb)
	life_wait_io c1 xvdb 8 || break
	life_save_restore c1 || break
	life_wait_iters c1 c1xvdb $((have + 1)) 200 || break
	srok=$k
done
wait $dpid
drc=$?
# every surviving loop: at least one more complete run, then stop
for g in $GUESTS; do
	for v in xvdb xvdc; do
		[[ $g$v == c2xvdc ]] && continue
		life_wait_iters "$g" "$g$v" $(($(life_iters "$g" "$g$v") + 1)) 200
		life_xs_order "$g" "life-stop-$g$v"
	done
done
life_xs_order c2 life-stop-c2xvdc
bad='' sum=''
for g in $GUESTS; do
	for v in xvdb xvdc; do
		l=$(life_wait_line "$g" "^XBF-LOOP $g$v " 150) || { bad+="$g/$v: no end line; "; continue; }
		sum+="$g/$v ${l#XBF-LOOP "$g$v" }, "
		[[ $g$v == c2xvdc ]] && continue
		[[ $l == *" failed=0" ]] || bad+="$g/$v: $l; "
	done
done
if [[ -z $bad ]] && ((srok == NSR)); then
	rig_result $T/${NG}x2-verify PASS "$NSR save+restore of c1 and a detach of c2/xvdc during $((2 * NG)) fio verify loops: ${sum%, }"
else
	rig_result $T/${NG}x2-verify FAIL "save+restore cycles $srok/$NSR; $bad"
fi
c2=$(life_conlog c2 | grep -a "^XBF-IT c2xvdc " | tail -n 1)
alive=$(rig_domu_run c2 '[ -e /sys/block/xvdc ] && echo still-there; echo alive' 60)
c2end=$(life_conlog c2 | grep -a "^XBF-LOOP c2xvdc " | tail -n 1)
if ((drc == 0)) && [[ -n $c2end && $(echo $alive) == alive ]]; then
	rig_result $T/detach-c2 PASS "c2/xvdc detached during I/O (its loop ended: ${c2end#XBF-LOOP }; last run: ${c2#XBF-IT }), xvdc gone, c2 healthy"
else
	rig_result $T/detach-c2 FAIL "detach rc=$drc; loop end: ${c2end:-none}; last run: ${c2:-none}; guest: $(echo $alive)"
fi
cleanup
