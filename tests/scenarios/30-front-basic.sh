#!/bin/bash
# Our xen-blkfront, default parameters, against the backend under test
# (RIG_BACK): negotiation keys, 4k random reads, crc32c-verified randrw from
# 512 B to 4 MiB, flush and discard reaching the backend (its statistics
# move), online resize, 4 KiB logical blocks, a CD-ROM, per-ring debugfs
# statistics, tracepoints, detach and rmmod.
. "${RIG_LIB:-/rig/dom0-lib.sh}"
T=front-basic
D=fb
fail() { rig_result "$T/$1" FAIL "$2"; rig_domu_stop $D >/dev/null 2>&1; exit 0; }
bestat() { cat "/sys/bus/xen-backend/devices/vbd-$(rig_domid $D)-$(rig_devid "$1")/statistics/$2" 2>/dev/null; }

nb=$(rig_null_blk 1) && rd=$(rig_brd 128) || fail setup "backing devices"
# a loop device on a tmpfs file has a write cache (flush) and discard
modprobe loop 2>/dev/null; truncate -s 64M /run/rig/fb-loop.img && lo=$(losetup -f --show /run/rig/fb-loop.img) ||
	fail setup "loop device"
rig_load_back || fail setup "backend did not load"
rig_domu_start $D 2 512 || fail setup "domU did not start"
rig_load_front $D ours || fail setup "our xen-blkfront did not load"
rig_attach $D "$nb" xvdb && rig_attach $D "$rd" xvdc && rig_attach $D "$lo" xvdd ||
	fail attach "xl block-attach failed"
for v in xvdb xvdc xvdd; do
	rig_wait_state $D $v back 4 && rig_wait_state $D $v front 4 && rig_wait_disk $D $v ||
		fail attach "$v did not connect"
done
[[ $(rig_mod_origin $D xen_blkfront) == ours ]] || fail attach "frontend is not ours"
nq=$(rig_fe_key $D xvdc multi-queue-num-queues) ro=$(rig_fe_key $D xvdc ring-page-order)
info=$(rig_domu_run $D 'ls /sys/block/xvdc/mq | wc -l; cat /sys/block/xvdc/device/max_indirect_segments /sys/block/xvdc/queue/max_hw_sectors_kb')
rig_result $T/attach PASS "connected; num-queues=${nq:-absent} ring-page-order=${ro:-absent}" \
	"hwq/segs/max_hw_kb=$(echo $info | tr ' ' /)"

out=$(rig_fio $D rr --filename=/dev/xvdb --rw=randread --bs=4k --iodepth=16 --ioengine=libaio \
	--direct=1 --time_based --runtime=3)
rc=$?
[[ $rc == 0 ]] && rig_result $T/randread PASS "4k randread QD16: $(grep -o 'IOPS=[^,]*' <<<"$out" | head -1)" ||
	{ echo "$out"; rig_result $T/randread FAIL "fio rc=$rc"; }

for spec in 512:1M 4k:4M 64k:16M 1M:32M 4M:32M; do
	bs=${spec%:*} sz=${spec#*:}
	out=$(rig_fio $D v$bs --filename=/dev/xvdc --rw=randrw --bs=$bs --size=$sz --iodepth=8 \
		--ioengine=libaio --direct=1 --verify=crc32c --do_verify=1 --verify_fatal=1)
	rc=$?
	if [[ $rc == 0 ]] && grep -q 'err= 0' <<<"$out"; then
		rig_result $T/verify-$bs PASS "randrw bs=$bs $sz crc32c verify clean"
	else
		echo "$out" | tail -20
		rig_result $T/verify-$bs FAIL "fio rc=$rc"
	fi
done

f0=$(bestat xvdd f_req) d0=$(bestat xvdd ds_req)
out=$(rig_domu_run $D 'cat /sys/block/xvdd/queue/write_cache /sys/block/xvdd/queue/discard_max_bytes;
	fio --name=fl --eta=never --filename=/dev/xvdd --rw=write --bs=64k --size=4M --fsync=4 --ioengine=sync >/dev/null &&
	echo fio-ok; blkdiscard -o 0 -l 8388608 /dev/xvdd && echo discard-ok')
f1=$(bestat xvdd f_req) d1=$(bestat xvdd ds_req)
rig_log "xvdd: $(echo $out) f_req $f0->$f1 ds_req $d0->$d1"
((f1 > f0)) && rig_result $T/flush PASS "fsync reached the backend: f_req $f0 -> $f1" ||
	rig_result $T/flush FAIL "f_req $f0 -> $f1 ($(echo $out))"
((d1 > d0)) && rig_result $T/discard PASS "blkdiscard reached the backend: ds_req $d0 -> $d1" ||
	rig_result $T/discard FAIL "ds_req $d0 -> $d1 ($(echo $out))"

# online resize: grow the loop file; the backend notices at the next I/O
truncate -s 96M /run/rig/fb-loop.img && losetup -c "$lo"
out=$(rig_domu_run $D 'dd if=/dev/xvdd of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null;
	i=0; while [ $(cat /sys/block/xvdd/size) != 196608 ] && [ $i -lt 300 ]; do
	i=$((i+1)); sleep 0.2; dd if=/dev/xvdd of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null; done
	cat /sys/block/xvdd/size')
[[ $out == 196608 ]] && rig_result $T/resize PASS "64 MiB -> 96 MiB seen online (196608 sectors)" ||
	rig_result $T/resize FAIL "size after resize: $out (backend sectors $(rig_be_key $D xvdd sectors))"

st=$(rig_domu_run $D 'mount -t debugfs none /sys/kernel/debug 2>/dev/null; cat /sys/kernel/debug/xen-blkfront/xvdc/ring-0')
echo "$st" | sed 's/^/RIG-LOG debugfs xvdc ring-0: /'
grep -q '^requests: [1-9]' <<<"$st" && rig_result $T/debugfs PASS "$(grep -E '^(requests|indirect_requests|persistent_hits):' <<<"$st" | tr '\n' ' ')" ||
	rig_result $T/debugfs FAIL "no ring statistics"

tr=$(rig_domu_run $D 'mount -t tracefs none /sys/kernel/tracing 2>/dev/null; t=/sys/kernel/tracing;
	echo 1 > $t/events/xen_blkfront/enable && dd if=/dev/xvdc of=/dev/null bs=64k count=4 iflag=direct 2>/dev/null;
	echo 0 > $t/events/xen_blkfront/enable; grep -c "xbf_submit:" $t/trace; grep -c "xbf_complete:" $t/trace;
	grep -m1 "xbf_submit:" $t/trace')
echo "$tr" | sed 's/^/RIG-LOG trace: /'
read -r ns nc <<<"$(echo $tr | cut -d' ' -f1-2)"
((ns > 0 && nc > 0)) && rig_result $T/tracepoints PASS "$ns xbf_submit, $nc xbf_complete events" ||
	rig_result $T/tracepoints FAIL "$(echo $tr)"

# 4 KiB logical blocks (loop --sector-size 4096): the backend's sector-size
# becomes the disk's logical block size; "sectors" stays in 512-byte units.
truncate -s 32M /run/rig/fb-4k.img && l4k=$(losetup -f --show --sector-size 4096 /run/rig/fb-4k.img) ||
	fail 4k "4K loop device"
if rig_attach $D "$l4k" xvde && rig_wait_state $D xvde front 4 && rig_wait_disk $D xvde; then
	geo=$(rig_domu_run $D 'cd /sys/block/xvde && echo $(cat queue/logical_block_size queue/physical_block_size size)')
	out=$(rig_fio $D v4k --filename=/dev/xvde --rw=randrw --bsrange=4k-1M --size=32M --iodepth=8 \
		--ioengine=libaio --direct=1 --verify=crc32c --do_verify=1 --verify_fatal=1)
	rc=$?
	bad=$(rig_domu_run $D 'fio --name=b512 --eta=never --filename=/dev/xvde --rw=write --bs=512 --size=4k \
		--direct=1 --ioengine=psync >/dev/null 2>&1 && echo accepted || echo refused')
	if [[ $geo == "4096 4096 65536" && $rc == 0 && $bad == refused ]] && grep -q 'err= 0' <<<"$out"; then
		rig_result $T/lbs-4k PASS "lbs/pbs/size=$geo (backend sector-size=$(rig_be_key $D xvde sector-size) sectors=$(rig_be_key $D xvde sectors)); randrw 4k-1M crc32c clean; 512 B direct write $bad"
	else
		echo "$out" | tail -15
		rig_result $T/lbs-4k FAIL "lbs/pbs/size='$geo' want '4096 4096 65536'; fio rc=$rc; 512 B direct write $bad"
	fi
	rig_detach $D xvde
else
	rig_result $T/lbs-4k FAIL "4K VBD did not connect"
fi
losetup -d "$l4k"

# a CD-ROM: read-only and removable from the backend's info (VDISK_CDROM)
truncate -s 8M /run/rig/fb-cd.img && lcd=$(losetup -f --show /run/rig/fb-cd.img) || fail cdrom "loop device"
if rig_attach $D "$lcd" xvdf ro devtype=cdrom && rig_wait_state $D xvdf front 4 && rig_wait_disk $D xvdf; then
	cd=$(rig_domu_run $D 'cd /sys/block/xvdf && echo $(cat ro removable);
		dd if=/dev/zero of=/dev/xvdf bs=4k count=1 oflag=direct 2>/dev/null && echo write-accepted || echo write-refused')
	[[ $(echo $cd) == "1 1 write-refused" ]] &&
		rig_result $T/cdrom PASS "info=$(rig_be_key $D xvdf info): ro=1 removable=1, write refused" ||
		rig_result $T/cdrom FAIL "info=$(rig_be_key $D xvdf info): ro/removable/write: $(echo $cd)"
	rig_detach $D xvdf
else
	rig_result $T/cdrom FAIL "cdrom VBD did not connect"
fi
losetup -d "$lcd"

rig_detach $D xvdb && rig_detach $D xvdc && rig_detach $D xvdd || fail detach "xl block-detach failed"
left=$(rig_domu_run $D 'ls /sys/block | grep -c xvd')
out=$(rig_domu_run $D '/usr/sbin/rmmod xen_blkfront && echo rmmod-ok; dmesg | grep -ciE "oops|bug:|warning:|call trace"')
[[ $left == 0 && $out == $'rmmod-ok\n0' ]] && rig_result $T/detach PASS "VBDs gone, rmmod ok, no oops/warning" ||
	rig_result $T/detach FAIL "xvd left: $left; rmmod/oops: $(echo $out)"
rig_domu_stop $D
losetup -d "$lo"
