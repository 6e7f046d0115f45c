#!/bin/bash
# Our xen-blkfront while I/O runs: max_indirect_segments changed during a
# crc32c-verified fio (request size seen by the backend follows, no error),
# xl block-detach during fio (fio gets I/O errors, the disk goes, the guest
# stays healthy), xl save + xl restore during a verified fio (0 errors).
# The first two run again with Linux's 6.1 blkback.
. "${RIG_LIB:-/rig/dom0-lib.sh}"
T=front-online
D=fo
RIG_DOMU_LOGLEVEL=6	# our pr_info lines reach the console log
fail() { rig_result "$T/$1" FAIL "$2"; rig_domu_stop $D >/dev/null 2>&1; exit 0; }
bestat() { cat "/sys/bus/xen-backend/devices/vbd-$(rig_domid $D)-$(rig_devid "$1")/statistics/$2" 2>/dev/null || echo 0; }
conlog() { tr -d '\r' <"$RIG_CONSOLE_DIR/guest-$D.log" 2>/dev/null; }
# bg_fio TAG fio-args: start fio in the domU; its verdict goes to the console
bg_fio() {
	local tag=$1
	shift
	rig_domu_run $D "(fio --name=$tag --eta=never --output=/tmp/$tag.out $*; echo \"XBF-FIO $tag rc=\$? errs=\$(grep -c 'err= *[1-9]' /tmp/$tag.out)\"; dmesg | grep -E 'blkfront|vbd-' | tail -n 5 | sed 's/^/XBF-DMESG $tag /') >/dev/hvc0 2>&1 &"
}
# wait_fio TAG TIMEOUT_S: print the verdict line of a background fio
wait_fio() {
	local i l
	for ((i = 0; i < $2; i++)); do
		l=$(conlog | grep -a "^XBF-FIO $1 rc=" | tail -n 1)
		[[ -n $l ]] && { echo "$l"; return 0; }
		sleep 1
	done
	return 1
}
# wait_io VDEV N: wait until the backend has served N more requests
wait_io() {
	local n0 i
	n0=$(($(bestat "$1" rd_req) + $(bestat "$1" wr_req)))
	for ((i = 0; i < 600; i++)); do
		(($(bestat "$1" rd_req) + $(bestat "$1" wr_req) >= n0 + $2)) && return 0
		sleep 0.5
	done
	return 1
}
avg() { awk -v s="$1" -v r="$2" 'BEGIN { if (r > 0) printf "%d", s / r; else print 0 }'; }

nb=$(rig_null_blk 1) && rd=$(rig_brd 64) || fail setup "backing devices"
# up BACKEND: a fresh guest with our frontend, xvdc on brd and xvdb on
# null_blk served by BACKEND
up() {
	local i
	for ((i = 0; i < 150; i++)); do	# a destroyed guest's VBDs go first
		compgen -G "/sys/bus/xen-backend/devices/vbd-*" >/dev/null || break
		sleep 0.2
	done
	rig_load_back "$1" || fail setup "backend $1 did not load"
	rig_domu_start $D 2 384 || fail setup "domU did not start"
	rig_load_front $D ours || fail setup "our xen-blkfront did not load"
	rig_attach $D "$rd" xvdc && rig_attach $D "$nb" xvdb || fail attach "xl block-attach failed"
	for v in xvdb xvdc; do
		rig_wait_state $D $v back 4 && rig_wait_state $D $v front 4 && rig_wait_disk $D $v ||
			fail attach "$v did not connect"
	done
}
SEGS=/sys/block/xvdc/device/max_indirect_segments

# 1. max_indirect_segments 256 -> 32 during a verified sequential write
indirect_change() {
	local w0 ws0 w1 ws1 w2 ws2 r2 rs2 w3 ws3 r3 rs3 now v before after_w after_r
	w0=$(bestat xvdc wr_req) ws0=$(bestat xvdc wr_sect)
	# 12 rounds of 2 x 1 MiB, 3 s apart: the change lands in the write
	# phase even on a loaded host
	bg_fio ${P}ind --filename=/dev/xvdc --rw=write --bs=1M --size=24M --iodepth=2 --ioengine=libaio \
		--direct=1 --verify=crc32c --do_verify=1 --verify_fatal=1 --thinktime=3s
	wait_io xvdc 6 || fail ${P}indirect "no I/O reached the backend"
	w1=$(bestat xvdc wr_req) ws1=$(bestat xvdc wr_sect)
	rig_log "indirect: writing 32 to max_indirect_segments after $((w1 - w0)) writes"
	now=$(rig_domu_run $D "echo 32 > $SEGS && cat $SEGS /sys/block/xvdc/queue/max_hw_sectors_kb")
	rig_log "indirect: sysfs write returned"
	w2=$(bestat xvdc wr_req) ws2=$(bestat xvdc wr_sect)
	v=$(wait_fio ${P}ind 900) || fail ${P}indirect "fio did not finish"
	conlog | grep -a "^XBF-DMESG ${P}ind" | sed 's/^/RIG-LOG /'
	w3=$(bestat xvdc wr_req) ws3=$(bestat xvdc wr_sect) r2=$(bestat xvdc rd_req) rs2=$(bestat xvdc rd_sect)
	# the request size the backend sees now: 8 MiB of direct 1 MiB reads
	rig_domu_run $D 'dd if=/dev/xvdc of=/dev/null bs=1M count=8 iflag=direct 2>&1 | tail -n 1' >/dev/null
	r3=$(bestat xvdc rd_req) rs3=$(bestat xvdc rd_sect)
	before=$(avg $((ws1 - ws0)) $((w1 - w0)))
	after_w=$(avg $((ws3 - ws2)) $((w3 - w2))) after_r=$(avg $((rs3 - rs2)) $((r3 - r2)))
	rig_log "indirect: sysfs now $(echo $now); before: $((w1 - w0)) writes avg $before sectors;" \
		"after: $((w3 - w2)) writes avg $after_w (fio), $((r3 - r2)) reads avg $after_r (dd); $v"
	if [[ $v == *"rc=0 errs=0" && $(echo $now) == "32 128" && $before -gt 256 && $after_r -le 256 && $after_r -gt 0 ]]; then
		rig_result $T/${P}indirect-change PASS "256->32 segments during fio verify (0 errors): backend request avg $before sectors before, $after_r after (1 MiB reads), fio writes after the change $after_w"
	else
		rig_result $T/${P}indirect-change FAIL "now=$(echo $now) before=$before after_w=$after_w after_r=$after_r (reads $r2..$r3 sectors $rs2..$rs3); $v"
	fi
	now=$(rig_domu_run $D "echo 256 > $SEGS && cat $SEGS")
	[[ $now == 256 ]] || rig_result $T/${P}indirect-restore FAIL "could not set 256 again: $now"
}

# 2. xl block-detach of xvdb while fio reads it
detach_under_io() {
	local v out
	bg_fio ${P}det --filename=/dev/xvdb --rw=randread --bs=4k --iodepth=16 --ioengine=libaio --direct=1 \
		--time_based --runtime=120
	wait_io xvdb 20 || fail ${P}detach "no I/O on xvdb"
	rig_detach $D xvdb || fail ${P}detach "xl block-detach failed during I/O"
	v=$(wait_fio ${P}det 300) || fail ${P}detach "fio did not end after the detach"
	conlog | grep -a "^XBF-DMESG ${P}det" | sed 's/^/RIG-LOG /'
	out=$(rig_domu_run $D 'ls /sys/block | grep -c xvdb; dmesg | grep -ciE "oops|bug:|call trace"; echo alive' 60)
	if [[ $v != *"rc=0 "* && $(echo $out) == "0 0 alive" ]]; then
		rig_result $T/${P}detach-under-io PASS "fio ended with errors ($v), xvdb gone, guest healthy"
	else
		rig_result $T/${P}detach-under-io FAIL "fio: $v; guest: $(echo $out)"
	fi
}

P=
up "$RIG_BACK"
indirect_change
detach_under_io

# 3. xl save + xl restore during a verified randrw (the verdict comes
#    from the console log); io_uring, not libaio: see "fio across xl
#    save" in tests/lifecycle/README.md
bg_fio sr --filename=/dev/xvdc --rw=randrw --bs=64k --size=4M --iodepth=8 --ioengine=io_uring \
	--direct=1 --verify=crc32c --do_verify=1 --verify_fatal=1 --thinktime=1s
wait_io xvdc 20 || fail save "no I/O on xvdc"
xl save $D /run/rig/$D.save >/run/rig/$D.save.log 2>&1 || { cat /run/rig/$D.save.log; fail save "xl save failed"; }
rig_log "saved; restoring"
xl restore /run/rig/$D.save >/run/rig/$D.restore.log 2>&1 || { cat /run/rig/$D.restore.log; fail save "xl restore failed"; }
rm -f /run/rig/$D.save
v=$(wait_fio sr 900)
conlog | grep -a "^XBF-DMESG sr" | sed 's/^/RIG-LOG /'
re=$(conlog | grep -a "^XBF-DMESG sr" | grep -c "resumed\|reconnected")
[[ $v == *"rc=0 errs=0" && $re -gt 0 ]] && rig_result $T/save-restore PASS "xl save/restore during fio verify: $v; driver reconnected" ||
	rig_result $T/save-restore FAIL "fio: ${v:-no verdict}; reconnect lines in dmesg: $re"
xl destroy $D 2>/dev/null

# 4. 1 and 2 again with Linux's 6.1 blkback under our frontend
P=intree-
up intree
indirect_change
detach_under_io
xl destroy $D 2>/dev/null
