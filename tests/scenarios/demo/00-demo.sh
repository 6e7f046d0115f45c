#!/bin/bash
# `make demo`: our xen-blkback in dom0 and our xen-blkfront in a domU (or the
# in-tree pair, loudly, while ours are missing), a null_blk VBD and a brd
# VBD attached with xl block-attach, fio 4k randread QD32 10 s on the
# null_blk one and 1 MiB sequential write + crc32c verify on the brd one.
# Prints "RIG-DEMO <key> <value>" lines; scripts/rig/demo.sh makes the table.
. "${RIG_LIB:-/rig/dom0-lib.sh}"
T=demo
D=demo
RT=${RIG_DEMO_RUNTIME:-10}
kv() { echo "RIG-DEMO $1 $2"; }
fail() { rig_result "$T/$1" FAIL "$2"; rig_domu_stop $D >/dev/null 2>&1; exit 0; }

kv requested "back=$RIG_BACK front=$RIG_FRONT"
nb=$(rig_null_blk 4) && rd=$(rig_brd 256) || fail setup "backing devices"
rig_load_back "$RIG_BACK" || fail setup "backend ($RIG_BACK) did not load"
rig_domu_start $D 2 512 || fail setup "domU did not start"
rig_load_front $D "$RIG_FRONT" || fail setup "frontend ($RIG_FRONT) did not load"
rig_attach $D "$nb" xvdb && rig_attach $D "$rd" xvdc || fail attach "xl block-attach failed"
for v in xvdb xvdc; do
	rig_wait_state $D $v back 4 60 && rig_wait_state $D $v front 4 60 && rig_wait_disk $D $v 60 ||
		fail attach "$v did not connect"
done

# which drivers really serve the VBDs, and where they came from
id=$(rig_domid $D)
for v in xvdb xvdc; do
	devid=$(rig_devid $v)
	kv "$v.back.driver" "$(basename "$(readlink -f /sys/bus/xen-backend/devices/vbd-$id-$devid/driver)")/$(basename "$(readlink -f /sys/bus/xen-backend/devices/vbd-$id-$devid/driver/module)")"
	kv "$v.front.driver" "$(rig_domu_run $D "echo \$(basename \$(readlink -f /sys/bus/xen/devices/vbd-$devid/driver))/\$(basename \$(readlink -f /sys/bus/xen/devices/vbd-$devid/driver/module))")"
done
kv back.module "xen_blkback origin=$(rig_mod_origin_local xen_blkback) taint=$(cat /sys/module/xen_blkback/taint 2>/dev/null) srcversion=$(cat /sys/module/xen_blkback/srcversion 2>/dev/null)"
[[ -f /rig/ours/xen-blkback.ko ]] && kv back.ours-srcversion "$(modinfo -F srcversion /rig/ours/xen-blkback.ko)"
kv back.lsmod "$(lsmod | awk 'NR>1 && /blk/ {printf "%s ", $1}')"
kv front.module "$(rig_domu_run $D 'm=/sys/module/xen_blkfront; echo "xen_blkfront origin=$(grep -q O $m/taint && echo ours || echo intree) taint=$(cat $m/taint) srcversion=$(cat $m/srcversion 2>/dev/null)"')"
rig_domu_run $D '[ -f /rig/ours/xen-blkfront.ko ]' && kv front.ours-srcversion "$(rig_domu_run $D '/usr/sbin/modinfo -F srcversion /rig/ours/xen-blkfront.ko')"
kv front.lsmod "$(rig_domu_run $D "/usr/sbin/lsmod | awk 'NR>1 {printf \"%s \", \$1}'")"
bo=$(rig_mod_origin_local xen_blkback)
fo=$(rig_mod_origin $D xen_blkfront)
if [[ $bo == "$RIG_BACK" && $fo == "$RIG_FRONT" ]]; then
	rig_result $T/modules PASS "backend=$bo frontend=$fo, as requested"
else
	rig_result $T/modules FAIL "backend=$bo frontend=$fo, requested $RIG_BACK/$RIG_FRONT"
fi

# what the two ends negotiated
for v in xvdb xvdc; do
	bp=$(rig_be_path $D $v) fp=$(rig_fe_path $D $v)
	for k in feature-persistent feature-flush-cache feature-barrier feature-discard \
		feature-max-indirect-segments max-ring-page-order multi-queue-max-queues sectors sector-size info; do
		kv "$v.back.$k" "$(xenstore-read "$bp/$k" 2>/dev/null || echo -)"
	done
	for k in protocol feature-persistent ring-page-order multi-queue-num-queues; do
		kv "$v.front.$k" "$(xenstore-read "$fp/$k" 2>/dev/null || echo -)"
	done
	kv "$v.domU.queue" "$(rig_domu_run $D "echo hw_queues=\$(ls /sys/block/$v/mq | wc -l) max_sectors_kb=\$(cat /sys/block/$v/queue/max_sectors_kb) size_mib=\$((\$(cat /sys/block/$v/size) / 2048))")"
done

out=$(rig_fio $D randread4k --filename=/dev/xvdb --rw=randread --bs=4k --iodepth=32 --ioengine=libaio \
	--direct=1 --time_based --runtime="$RT")
rc=$?
echo "$out" | sed 's/^/RIG-FIO randread: /'
kv randread.iops "$(grep -o 'IOPS=[^,]*' <<<"$out" | head -1 | cut -d= -f2)"
kv randread.bw "$(grep -o 'BW=[^ ]*' <<<"$out" | head -1 | cut -d= -f2)"
kv randread.rc "$rc"
[[ $rc == 0 ]] && rig_result $T/randread PASS "4k randread QD32 ${RT}s on null_blk" ||
	rig_result $T/randread FAIL "fio rc=$rc"

# brd is loaded once per boot: an earlier scenario may have made it smaller
mib=$(($(cat /sys/block/ram0/size) / 2048))
((mib > 256)) && mib=256
kv seqwrite.size "${mib} MiB"
out=$(rig_fio $D seqwrite1m --filename=/dev/xvdc --rw=write --bs=1M --size="${mib}M" --iodepth=8 \
	--ioengine=libaio --direct=1 --verify=crc32c --do_verify=1 --verify_fatal=1)
rc=$?
echo "$out" | sed 's/^/RIG-FIO seqwrite: /'
verr=$(grep -ciE 'verify.*(fail|bad|mismatch)|bad magic|crc32c.*wanted' <<<"$out")
kv seqwrite.bw "$(grep -o 'BW=[^ ]*' <<<"$out" | tail -1 | cut -d= -f2)"
kv seqwrite.verify-errors "$verr"
kv seqwrite.rc "$rc"
[[ $rc == 0 && $verr == 0 ]] && rig_result $T/seqwrite-verify PASS "1M seq write $mib MiB + crc32c verify on brd" ||
	rig_result $T/seqwrite-verify FAIL "fio rc=$rc verify errors=$verr"

rig_detach $D xvdb && rig_detach $D xvdc && rig_result $T/detach PASS "both VBDs detached" ||
	rig_result $T/detach FAIL "xl block-detach failed"
rig_domu_stop $D
