#!/bin/bash
# Lifecycle: a failing backing device under our blkback. xvdb sits on a
# device-mapper table linear | error | linear over a loop device: the guest
# gets EIO on exactly the 4 MiB error range (reads, writes, discards), the
# ranges around it keep passing fio verify, also while the errors happen,
# and nothing hangs. xvdc sits on dm-flakey with error_writes (always in its
# down interval): reads pass, writes and flushes fail with EIO.
# shellcheck source=scripts/rig/dom0-lib.sh
. "${RIG_LIB:-/rig/dom0-lib.sh}"
# shellcheck source=tests/lifecycle/life-lib.sh
. /rig/life/life-lib.sh
T=life-dm
D=ldm
export RIG_DOMU_LOGLEVEL=6
export DM_DISABLE_UDEV=1	# no udev in dom0: libdevmapper makes the nodes
LOOP=
cleanup() {
	xl destroy $D >/dev/null 2>&1
	dmsetup remove life-err >/dev/null 2>&1
	dmsetup remove life-flk >/dev/null 2>&1
	[[ -n $LOOP ]] && losetup -d "$LOOP"
	rm -f /run/rig/life-dm.img
}
fail() { rig_result "$T/$1" FAIL "$2"; cleanup; exit 0; }
# geometry in 512-byte sectors: 64 MiB, error range [16 MiB, 20 MiB)
S=131072 E0=32768 EL=8192
E1=$((E0 + EL))

modprobe loop 2>/dev/null
modprobe dm-mod && modprobe dm-flakey || fail setup "modprobe dm-mod/dm-flakey failed"
truncate -s 64M /run/rig/life-dm.img
LOOP=$(losetup -f --show /run/rig/life-dm.img) || fail setup "losetup failed"
printf '0 %d linear %s 0\n%d %d error\n%d %d linear %s %d\n' $E0 "$LOOP" $E0 $EL $E1 $((S - E1)) "$LOOP" $E1 |
	dmsetup create life-err || fail setup "dmsetup create life-err failed"
echo "0 $S flakey $LOOP 0 0 3600 1 error_writes" | dmsetup create life-flk ||
	fail setup "dmsetup create life-flk (flakey error_writes) failed"
dmsetup table | sed 's/^/RIG-LOG dm: /'
[[ -b /dev/mapper/life-err && -b /dev/mapper/life-flk ]] || fail setup "no /dev/mapper nodes"
rig_load_back ours || fail setup "our backend did not load"
rig_domu_start $D 2 192 || fail setup "domU did not start"
rig_load_front $D ours || fail setup "our xen-blkfront did not load"
rig_attach $D /dev/mapper/life-err xvdb && rig_attach $D /dev/mapper/life-flk xvdc ||
	fail attach "xl block-attach failed"
for v in xvdb xvdc; do
	rig_wait_state $D $v back 4 && rig_wait_state $D $v front 4 && rig_wait_disk $D $v ||
		fail attach "$v did not connect"
done
V="--bs=16k --iodepth=16 --ioengine=libaio --direct=1 --verify=crc32c --do_verify=1 --verify_fatal=1"

# 1. exact ranges: one 4 KiB block each side of both edges, read and write
# (rc of busybox dd: 0 = ok); then fio verify on either side
out=$(rig_domu_run $D "for b in 4095 4096 5119 5120; do
	dd if=/dev/xvdb of=/dev/null bs=4k skip=\$b count=1 iflag=direct 2>/dev/null; r=\$?
	dd if=/dev/zero of=/dev/xvdb bs=4k seek=\$b count=1 oflag=direct 2>/dev/null; echo \"\$b r=\$r w=\$?\"; done" 180)
rig_log "edges: $(echo $out)"
exp="4095 r=0 w=0 4096 r=1 w=1 5119 r=1 w=1 5120 r=0 w=0"
if [[ $(echo $out) == "$exp" ]]; then
	rig_result $T/exact-range PASS "4 KiB blocks 4095|4096 and 5119|5120 (error range 16-20 MiB): $(echo $out)"
else
	rig_result $T/exact-range FAIL "got '$(echo $out)', want '$exp'"
fi

# 2. I/O around the error range goes on (with verify) while the errors happen
rig_domu_run $D "(fio --name=bg --eta=never --output=/tmp/bg.out --filename=/dev/xvdb --rw=randwrite --offset=21M \
	--size=4M --loops=3 $V; echo \"XBF-BG rc=\$? errs=\$(grep -c 'err= *[1-9]' /tmp/bg.out)\") >/dev/hvc0 2>&1 &"
life_wait_io $D xvdb 10
e=$(rig_domu_run $D 'n=0; i=0; while [ $i -lt 20 ]; do
	dd if=/dev/xvdb of=/dev/null bs=64k skip=$((256 + i % 64)) count=1 iflag=direct 2>/dev/null || n=$((n+1)); i=$((i+1)); done; echo $n' 300)
lo=$(rig_fio $D lo --filename=/dev/xvdb --rw=randwrite --offset=8M --size=4M $V)
lorc=$?
bg=$(life_wait_line $D "^XBF-BG " 600)
if [[ $(echo $e) == 20 && $lorc == 0 && $bg == *"rc=0 errs=0" ]]; then
	rig_result $T/io-continues PASS "20 of 20 reads in the error range failed while fio verify below (8-12 MiB) and above (21-25 MiB, in flight meanwhile) passed"
else
	rig_result $T/io-continues FAIL "failed error-range reads: $(echo $e)/20; fio below rc=$lorc $(grep -m1 -o 'err= *[0-9]*' <<<"$lo"); above: ${bg:-no verdict}"
fi

# 3. discard: the error range must fail, the rest succeed (when offered)
fd=$(rig_be_key $D xvdb feature-discard)
if [[ $fd == 1 ]]; then
	out=$(rig_domu_run $D 'busybox blkdiscard -o 8388608 -l 1048576 /dev/xvdb; a=$?
		busybox blkdiscard -o 16777216 -l 1048576 /dev/xvdb 2>/dev/null; echo "ok-range=$a err-range=$?"' 120)
	if [[ $(echo $out) == *"ok-range=0 err-range="[1-9]* ]]; then
		rig_result $T/discard-error PASS "blkdiscard outside the error range: ok; inside: fails ($(echo $out))"
	else
		rig_result $T/discard-error FAIL "$(echo $out) (want ok-range=0 and a non-zero err-range)"
	fi
else
	# dm's error target takes no discards in Linux 6.1, so the table has none
	fd2=$(rig_be_key $D xvdc feature-discard)
	if [[ $fd2 == 1 ]]; then
		# dm-flakey in its down interval with error_writes fails discards too
		out=$(rig_domu_run $D 'busybox blkdiscard -o 8388608 -l 1048576 /dev/xvdc 2>/dev/null; echo "flakey-discard=$?"' 120)
		if [[ $(echo $out) == flakey-discard=[1-9]* ]]; then
			rig_result $T/discard-error PASS "no discard on linear+error (feature-discard='$fd'); on dm-flakey error_writes the discard fails in the guest ($(echo $out))"
		else
			rig_result $T/discard-error FAIL "discard on dm-flakey error_writes did not fail: $(echo $out)"
		fi
	else
		rig_result $T/discard-error SKIP "the backend offers no discard on either dm device over loop (feature-discard '$fd' / '$fd2'): dm's error target and this loop file take none"
	fi
fi

# 4. dm-flakey error_writes: reads pass, writes and flushes fail
ff=$(rig_be_key $D xvdc feature-flush-cache)
f0=$(life_bestat $D xvdc f_req)
out=$(rig_domu_run $D 'dd if=/dev/xvdc of=/dev/null bs=64k count=16 iflag=direct 2>/dev/null; r=$?
	dd if=/dev/zero of=/dev/xvdc bs=4k seek=100 count=1 oflag=direct 2>/dev/null; w=$?
	busybox sync /dev/xvdc 2>/dev/null; echo "read=$r write=$w flush=$?"' 180)
f1=$(life_bestat $D xvdc f_req)
out=$(echo $out)
if [[ $ff != 1 ]]; then
	[[ $out == "read=0 write="[1-9]* ]] && rig_result $T/flakey-writes PASS "$out" ||
		rig_result $T/flakey-writes FAIL "$out (want read=0, write failing)"
	rig_result $T/flush-error SKIP "no feature-flush-cache on dm-flakey over loop ('$ff'): the guest sends no flush"
elif [[ $out == "read=0 write="[1-9]*" flush="[1-9]* ]] && ((f1 > f0)); then
	rig_result $T/flakey-writes PASS "dm-flakey error_writes: $out"
	rig_result $T/flush-error PASS "fsync of /dev/xvdc: $((f1 - f0)) flush request(s) reached the backend and failed, the guest got the error ($out)"
else
	rig_result $T/flakey-writes FAIL "$out (want read=0 write!=0)"
	rig_result $T/flush-error FAIL "$out, backend flushes $f0 -> $f1 (want a failing flush)"
fi
# the guest is still healthy and its disks answer
out=$(rig_domu_run $D 'dd if=/dev/xvdc of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null && echo alive' 60)
[[ $out == *alive* ]] && rig_result $T/no-hang PASS "guest and both VBDs answer after the errors" ||
	rig_result $T/no-hang FAIL "guest/xvdc did not answer: $(echo $out)"
rig_dmesgU $D 12
rig_detach $D xvdb
rig_detach $D xvdc
cleanup
