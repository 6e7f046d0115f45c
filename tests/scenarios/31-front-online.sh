#!/bin/bash
# Our xen-blkfront while I/O runs: max_indirect_segments changed during a
# crc32c-verified fio (request size seen by the backend follows, no error),
# xl block-detach during fio (fio gets I/O errors, the disk goes, the guest
# stays healthy), xl save + xl restore during a verified fio (0 errors).
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
rig_load_back || fail setup "backend did not load"
rig_domu_start $D 2 384 || fail setup "domU did not start"
rig_load_front $D ours || fail setup "our xen-blkfront did not load"
rig_attach $D "$rd" xvdc && rig_attach $D "$nb" xvdb || fail attach "xl block-attach failed"
for v in xvdb xvdc; do
	rig_wait_state $D $v back 4 && rig_wait_state $D $v front 4 && rig_wait_disk $D $v ||
		fail attach "$v did not connect"
done
SEGS=/sys/block/xvdc/device/max_indirect_segments

# 1. max_indirect_segments 256 -> 32 during a verified sequential write
w0=$(bestat xvdc wr_req) ws0=$(bestat xvdc wr_sect)
bg_fio ind --filename=/dev/xvdc --rw=write --bs=1M --size=16M --iodepth=4 --ioengine=libaio \
	--direct=1 --verify=crc32c --do_verify=1 --verify_fatal=1 --thinktime=4s
wait_io xvdc 6 || fail indirect "no I/O reached the backend"
w1=$(bestat xvdc wr_req) ws1=$(bestat xvdc wr_sect) r1=$(bestat xvdc rd_req) rs1=$(bestat xvdc rd_sect)
rig_log "indirect: writing 32 to max_indirect_segments after $((w1 - w0)) writes"
now=$(rig_domu_run $D "echo 32 > $SEGS && cat $SEGS /sys/block/xvdc/queue/max_hw_sectors_kb")
rig_log "indirect: sysfs write returned"
w2=$(bestat xvdc wr_req) ws2=$(bestat xvdc wr_sect) r2=$(bestat xvdc rd_req) rs2=$(bestat xvdc rd_sect)
v=$(wait_fio ind 900) || fail indirect "fio did not finish"
conlog | grep -a "^XBF-DMESG ind" | sed 's/^/RIG-LOG /'
w3=$(bestat xvdc wr_req) ws3=$(bestat xvdc wr_sect) r3=$(bestat xvdc rd_req) rs3=$(bestat xvdc rd_sect)
before=$(avg $((ws1 - ws0)) $((w1 - w0)))
after_w=$(avg $((ws3 - ws2)) $((w3 - w2))) after_r=$(avg $((rs3 - rs2)) $((r3 - r2)))
rig_log "indirect: sysfs now $(echo $now); before: $((w1 - w0)) writes avg $before sectors;" \
	"after: $((w3 - w2)) writes avg $after_w, $((r3 - r2)) reads avg $after_r; $v"
if [[ $v == *"rc=0 errs=0" && $(echo $now) == "32 128" && $before -gt 256 && $after_r -le 256 && $after_r -gt 0 ]]; then
	rig_result $T/indirect-change PASS "256->32 segments during fio verify: backend request avg $before -> $after_r sectors (reads), $after_w (writes); fio 0 errors"
else
	rig_result $T/indirect-change FAIL "now=$(echo $now) before=$before after_w=$after_w after_r=$after_r; $v"
fi
now=$(rig_domu_run $D "echo 256 > $SEGS && cat $SEGS")
[[ $now == 256 ]] || rig_result $T/indirect-restore FAIL "could not set 256 again: $now"

# 2. xl block-detach of xvdb while fio reads it
bg_fio det --filename=/dev/xvdb --rw=randread --bs=4k --iodepth=16 --ioengine=libaio --direct=1 \
	--time_based --runtime=120
wait_io xvdb 20 || fail detach "no I/O on xvdb"
rig_detach $D xvdb || fail detach "xl block-detach failed during I/O"
v=$(wait_fio det 300) || fail detach "fio did not end after the detach"
conlog | grep -a "^XBF-DMESG det" | sed 's/^/RIG-LOG /'
out=$(rig_domu_run $D 'ls /sys/block | grep -c xvdb; dmesg | grep -ciE "oops|bug:|call trace"; echo alive' 60)
if [[ $v != *"rc=0 "* && $(echo $out) == "0 0 alive" ]]; then
	rig_result $T/detach-under-io PASS "fio ended with errors ($v), xvdb gone, guest healthy"
else
	rig_result $T/detach-under-io FAIL "fio: $v; guest: $(echo $out)"
fi

# 3. xl save + xl restore during a verified randrw (the agent does not
#    survive the restore, so the verdict comes from the console log)
bg_fio sr --filename=/dev/xvdc --rw=randrw --bs=64k --size=4M --iodepth=8 --ioengine=libaio \
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
