#!/bin/bash
# Lifecycle: resource exhaustion, our xen-blkback and xen-blkfront.
# grants: a guest with a two-frame grant table (xl max_grant_frames = 2:
#   1024 entries; with 1 frame Linux 6.1's own gnttab_init oopses at boot)
#   and 4 vCPUs (4 rings of 16 pages: 64 grants per VBD before any I/O)
#   gets loop-backed VBDs one by one (xvdb..xvdz), each checked with a fio
#   verify, until one cannot connect: that disk must fail with a clear
#   error (xenstore error node or a guest log line), not hang; the earlier
#   disks pass fio verify again; then all connected disks run fio verify at
#   QD 64 at once (the persistent-grant pools compete for the full table:
#   requests must wait, not fail or hang; dom0 watches the backend's request
#   counters, and 90 s without a request while fio runs is a livelock), and
#   every disk detaches cleanly.
# mem: a guest whose free memory is pinned by a ramfs hog (all but ~32 MiB)
#   while dom0 is ballooned down by 384 MiB (xl mem-set 0) runs fio verify
#   (direct at QD 32 and buffered): 0 errors, no hang, dom0 restored after.
# shellcheck source=scripts/rig/dom0-lib.sh
. "${RIG_LIB:-/rig/dom0-lib.sh}"
T=life-exh
export RIG_DOMU_LOGLEVEL=6
MAXV=25			# xvdb..xvdz (q..z are extended ids)
BAD='BUG:|Oops|WARNING:|general protection|Call Trace|kernel BUG|RIP: |list_del corruption|refcount_t|use-after-free|soft lockup|hung_task|blocked for more than'
LOOPS=()
D0MEM=
cleanup() {
	local l
	xl destroy lxg >/dev/null 2>&1
	xl destroy lxm >/dev/null 2>&1
	[[ -n $D0MEM ]] && xl mem-set 0 "${D0MEM}m" >/dev/null 2>&1
	for l in "${LOOPS[@]}"; do losetup -d "$l" 2>/dev/null; done
	rm -f /run/rig/life-exh-*.img
}
fail() { rig_result "$T/$1" FAIL "$2"; cleanup; exit 0; }
V="--ioengine=libaio --direct=1 --verify=crc32c --do_verify=1 --verify_fatal=1"

# newloop TAG MIB: a loop device over a sparse file (printed)
newloop() {
	local f=/run/rig/life-exh-$1.img l
	truncate -s "${2}M" "$f"
	l=$(losetup -f --show "$f") || return 1
	LOOPS+=("$l")
	echo "$l"
}

# devid VDEV: xenstore id of xvdX, extended ids from xvdq on
devid() {
	local n=$(($(printf '%d' "'${1#xvd}") - 97))
	if ((n < 16)); then echo $((202 * 256 + n * 16)); else echo $(((1 << 28) + n * 256)); fi
}
# fe DOM VDEV: the frontend's xenstore directory
fe() { echo "/local/domain/$(rig_domid "$1")/device/vbd/$(devid "$2")"; }

# fio_errs OUT: "rc=<fio rc> errs=<jobs with err!=0>" of a fio output with
# "FIO-RC=<rc>" appended
fio_errs() { echo "rc=$(sed -n 's/^FIO-RC=//p' <<<"$1") errs=$(grep -c 'err= *[1-9]' <<<"$1")"; }

modprobe loop 2>/dev/null
rig_load_back ours max_queues=4 || fail setup "our backend did not load"

# ------------------------------------------------------------ grants
G=lxg
RIG_DOMU_CFG="max_grant_frames = 2" rig_domu_start $G 4 256 || fail setup "guest with max_grant_frames=2 did not start"
rig_load_front $G ours || fail setup "our xen-blkfront did not load in $G"
t0=$SECONDS
ok=() failed='' why=''
letters=(b c d e f g h i j k l m n o p q r s t u v w x y z)
for ((k = 0; k < MAXV; k++)); do
	v=xvd${letters[k]}
	l=$(newloop "$v" 64) || fail setup "losetup"
	rig_attach $G "$l" "$v" || { why="xl block-attach of $v failed"; failed=$v; break; }
	# Connected, or the frontend gave up (Closing/Closed)
	if ! s=$(rig_xs_wait "$(fe $G "$v")/state" "[456]" 60); then
		failed=$v why="$v: frontend state '$(xenstore-read "$(fe $G "$v")/state")' after 60 s (neither Connected nor closed: hang)"
		break
	fi
	if [[ $s != 4 ]]; then
		failed=$v
		break
	fi
	rig_wait_disk $G "$v" || { failed=$v why="$v Connected but /dev/$v did not appear"; break; }
	out=$(rig_domu_run $G "fio --name=$v --eta=never --filename=/dev/$v --rw=randwrite --bs=16k --size=1M --iodepth=8 $V 2>&1; echo FIO-RC=\$?" 300)
	r=$(fio_errs "$out")
	[[ $r == "rc=0 errs=0" ]] || { failed=$v why="fio verify on the new disk $v failed ($r)"; break; }
	ok+=("$v")
done
lim=$(rig_domu_run $G "d=/sys/block/xvdb/device; echo \$(cat \$d/nr_rings)x\$(cat \$d/ring_page_order)" 30)
rig_log "${#ok[@]} disks connected (rings x order: $lim) in $((SECONDS - t0)) s; first refused: ${failed:-none}"
if [[ -z $failed ]]; then
	rig_result $T/grant-limit FAIL "all $MAXV disks connected with max_grant_frames=2: the grant limit was never reached"
elif [[ -n $why ]]; then
	rig_result $T/grant-limit FAIL "after ${#ok[@]} good disks: $why"
else
	id=$(rig_domid $G) devid=$(devid "$failed")
	err=$(xenstore-read "/local/domain/$id/error/device/vbd/$devid/error" 2>/dev/null)
	glog=$(rig_domu_run $G "dmesg | grep -iE 'vbd-$devid|$failed|grant' | tail -n 3" 30 | tr '\n' '|')
	if [[ -n $err || -n $glog ]]; then
		rig_result $T/grant-limit PASS "${#ok[@]} disks (${ok[*]}) connected and verified, $failed refused: error node '${err:-none}', guest log: ${glog:-none}"
	else
		rig_result $T/grant-limit FAIL "$failed did not connect (state $(xenstore-read "$(fe $G "$failed")/state")) and nobody said why: no error node, no guest log line"
	fi
fi

# the connected disks once more, one after the other (fio --stonewall)
if ((${#ok[@]})); then
	jobs=''
	for v in "${ok[@]}"; do jobs+=" --name=$v --filename=/dev/$v --stonewall"; done
	out=$(rig_domu_run $G "fio --eta=never --rw=randwrite --bs=16k --size=1M --iodepth=8 $V$jobs 2>&1; echo FIO-RC=\$?" 400)
	r=$(fio_errs "$out")
	if [[ $r == "rc=0 errs=0" ]]; then
		rig_result $T/earlier-disks PASS "after the refused disk, fio verify passes again on all ${#ok[@]} connected disks"
	else
		rig_result $T/earlier-disks FAIL "fio verify on the connected disks after the refusal: $r"
	fi
fi

# backend requests served so far, all VBDs of the guest
be_reqs() {
	cat /sys/bus/xen-backend/devices/vbd-"$(rig_domid $G)"-*/statistics/{rd,wr}_req 2>/dev/null |
		awk '{s += $1} END {print s + 0}'
}
# guest CPU seconds (xl list)
g_cpu() { xl list $G 2>/dev/null | awk 'NR == 2 {print int($6)}'; }

# all connected disks at QD 64 at once: the persistent-grant pools compete
# for a full table. fio runs in the background in the guest (its end is a
# console line); dom0 watches the backend's request counters, so a guest
# too busy to answer its agent is still observed. No request served for
# STALL s while fio has not ended = livelock.
STALL=90
livelock=0
if ((${#ok[@]})); then
	jobs=''
	for v in "${ok[@]}"; do jobs+=" --name=$v --filename=/dev/$v"; done
	t1=$SECONDS
	rig_domu_run $G "(timeout 600 fio --eta=never --output=/tmp/qd.out --rw=randwrite --bs=64k --size=8M --iodepth=64 $V$jobs
echo \"XBF-QD64-END rc=\$? errs=\$(grep -c 'err= *[1-9]' /tmp/qd.out)\") </dev/null >/dev/hvc0 2>&1 &" 60 >/dev/null
	n0=$(be_reqs) c0=$(g_cpu) last=$n0 tl=$SECONDS end=''
	while ((SECONDS - t1 < 660)); do
		sleep 10
		end=$(tr -d '\r' <"$RIG_CONSOLE_DIR/guest-$G.log" | grep -a '^XBF-QD64-END' | tail -n 1)
		[[ -n $end ]] && break
		n=$(be_reqs)
		((n != last)) && { last=$n tl=$SECONDS; }
		rig_log "QD64: $((SECONDS - t1)) s, backend requests +$((n - n0)), guest CPU $(($(g_cpu) - c0)) s"
		((SECONDS - tl >= STALL)) && { livelock=1; break; }
	done
	n=$(be_reqs)
	if ((livelock)); then
		rig_result $T/all-disks-qd64 FAIL "LIVELOCK: fio on ${#ok[@]} disks at QD 64 x 64 KiB on a full grant table: no request reached the backend for $STALL s (+$((n - n0)) requests in $((SECONDS - t1)) s, then none) while the guest burned $(($(g_cpu) - c0)) s CPU; the guest's agent does not answer"
	elif [[ -z $end ]]; then
		rig_result $T/all-disks-qd64 FAIL "fio on ${#ok[@]} disks at QD 64 did not end in $((SECONDS - t1)) s (still making progress: +$((n - n0)) backend requests)"
	elif [[ $end == *"rc=0 errs=0"* ]]; then
		rig_result $T/all-disks-qd64 PASS "${#ok[@]} disks x QD 64 x 64 KiB verify at once on a full grant table: 0 errors in $((SECONDS - t1)) s (+$((n - n0)) backend requests)"
	else
		rig_result $T/all-disks-qd64 FAIL "fio on ${#ok[@]} disks at QD 64: ${end#XBF-QD64-END }"
	fi
fi

# every disk (the refused one too) detaches; the guest stays healthy
bad=''
if ((livelock)); then
	rig_result $T/detach-all FAIL "not run: the guest is livelocked (see all-disks-qd64); destroyed"
	ok=() failed=''
	xl destroy $G
fi
for v in "${ok[@]}" $failed; do
	rig_detach $G "$v" || bad+=" $v: xl block-detach failed;"
done
for v in "${ok[@]}" $failed; do
	b=/sys/bus/xen-backend/devices/vbd-$(rig_domid $G)-$(devid "$v")
	for ((i = 0; i < 100; i++)); do [[ -e $b ]] || break; sleep 0.2; done
	[[ -e $b ]] && bad+=" $v: backend device still there;"
done
alive=$(rig_domu_run $G 'ls /sys/block | grep -c xvd; echo alive' 30 | tr '\n' ' ')
[[ $alive == "0 alive " ]] || bad+=" guest: '$alive' (want no xvd left and an answer);"
gk=$(rig_domu_run $G "dmesg | grep -E '$BAD' | head -n 3" 30 | tr '\n' '|')
[[ -n $gk ]] && bad+=" guest kernel: $gk;"
if ((livelock)); then
	:
elif [[ -z $bad ]]; then
	rig_result $T/detach-all PASS "$((${#ok[@]} + ${failed:+1})) disks detached, backend devices gone, guest healthy, no oops/warning"
else
	rig_result $T/detach-all FAIL "${bad# }"
fi
xl destroy $G >/dev/null 2>&1

# ------------------------------------------------------------ memory
M=lxm
rig_domu_start $M 2 256 || fail setup "guest $M did not start"
rig_load_front $M ours || fail setup "our xen-blkfront did not load in $M"
l=$(newloop mem 256) || fail setup "losetup"
{ rig_attach $M "$l" xvdb && rig_wait_state $M xvdb front 4 && rig_wait_disk $M xvdb; } || fail mem-pressure "xvdb did not connect"
D0MEM=$(xl list 0 | awk 'NR == 2 {print $3}')
out=$(rig_domu_run $M "mkdir -p /hog; mount -t ramfs ramfs /hog
a=\$(awk '/^MemAvailable:/ {print int(\$2 / 1024)}' /proc/meminfo); n=\$((a - 32))
dd if=/dev/zero of=/hog/fill bs=1M count=\$n 2>/dev/null; echo hog=\$n MiB of \$a available
grep -E '^(MemFree|MemAvailable):' /proc/meminfo | tr -s ' \n' ' '; echo" 120)
rig_log "memory hog: ${out//$'\n'/ }"
xl mem-set 0 "$((D0MEM - 384))m" || rig_log "xl mem-set 0 $((D0MEM - 384))m failed"
sleep 2
d0=$(xl list 0 | awk 'NR == 2 {print $3}')
t1=$SECONDS
out=$(rig_domu_run $M "timeout 400 fio --eta=never --size=24M --bs=64k --ioengine=libaio --verify=crc32c --do_verify=1 --verify_fatal=1 --rw=randwrite \
--name=direct --filename=/dev/xvdb --direct=1 --iodepth=32 --name=buffered --filename=/dev/xvdb --offset=128M --direct=0 --iodepth=4 2>&1; echo FIO-RC=\$?" 480)
k=$?
r=$(fio_errs "$out")
mk=$(rig_domu_run $M "dmesg | grep -E 'Out of memory|oom-kill|page allocation failure|$BAD' | head -n 3; grep -E '^MemFree:' /proc/meminfo; umount /hog" 60 | tr -s ' \n' ' ')
xl mem-set 0 "${D0MEM}m" || rig_log "xl mem-set 0 ${D0MEM}m (restore) failed"
sleep 2
d1=$(xl list 0 | awk 'NR == 2 {print $3}')
D0MEM=
if ((k == 124 || k == 125)) || [[ $r == rc=124* ]]; then
	rig_result $T/mem-pressure FAIL "fio under memory pressure hung (rc $k, $r); guest: $mk"
elif [[ $r != "rc=0 errs=0" ]]; then
	rig_result $T/mem-pressure FAIL "fio under memory pressure: $r; $(grep -m2 -E 'err=|error' <<<"$out" | tr '\n' '|') guest: $mk"
elif [[ $mk == *Out\ of\ memory* || $mk == *oom-kill* || $mk == *failure* || $mk =~ BUG:|Oops|WARNING:|Call\ Trace ]]; then
	rig_result $T/mem-pressure FAIL "fio ok ($r) but the guest logged: $mk"
else
	rig_result $T/mem-pressure PASS "guest with all but 32 MiB pinned, dom0 ballooned to $d0 MiB: direct QD32 + buffered fio verify 0 errors in $((SECONDS - t1)) s; guest after: $mk; dom0 back to $d1 MiB"
fi
rig_detach $M xvdb
cleanup
