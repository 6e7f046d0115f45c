#!/bin/bash
# In-tree pair smoke test (proves the framework, independent of our modules):
# Linux's own xen-blkback in dom0 and xen-blkfront in a domU; a null_blk and
# a brd VBD attached with xl block-attach; fio random reads and a verified
# sequential write; both VBDs detached again.
. "${RIG_LIB:-/rig/dom0-lib.sh}"
T=intree-smoke
fail() { rig_result "$T/$1" FAIL "$2"; rig_domu_stop sm >/dev/null 2>&1; exit 0; }

nb=$(rig_null_blk 1) && rd=$(rig_brd 64) || fail setup "backing devices"
rig_load_back intree || fail setup "in-tree xen-blkback did not load"
rig_domu_start sm 2 512 || fail setup "domU did not start"
rig_load_front sm intree || fail setup "in-tree xen-blkfront did not load"
rig_attach sm "$nb" xvdb && rig_attach sm "$rd" xvdc || fail attach "xl block-attach failed"
for v in xvdb xvdc; do
	rig_wait_state sm $v back 4 && rig_wait_state sm $v front 4 && rig_wait_disk sm $v ||
		fail attach "$v did not connect"
done
drv=$(rig_bound_driver sm xvdb)
[[ $drv == xen_blkback/xen_blkfront ]] || fail attach "xvdb bound to $drv"
[[ $(rig_mod_origin_local xen_blkback) == intree && $(rig_mod_origin sm xen_blkfront) == intree ]] ||
	fail attach "a module is not the in-tree one"
rig_result $T/attach PASS "xvdb+xvdc connected, bound to $drv (in-tree both sides)"

out=$(rig_fio sm rr --filename=/dev/xvdb --rw=randread --bs=4k --iodepth=16 --ioengine=libaio \
	--direct=1 --time_based --runtime=3)
rc=$?
iops=$(grep -o 'IOPS=[^,]*' <<<"$out" | head -1)
[[ $rc == 0 ]] && rig_result $T/randread PASS "null_blk 4k randread QD16 3s: $iops" ||
	{ echo "$out"; rig_result $T/randread FAIL "fio rc=$rc"; }

out=$(rig_fio sm vw --filename=/dev/xvdc --rw=write --bs=64k --size=32M --iodepth=8 --ioengine=libaio \
	--direct=1 --verify=crc32c --do_verify=1 --verify_fatal=1)
rc=$?
[[ $rc == 0 ]] && grep -q 'err= 0' <<<"$out" && rig_result $T/verify PASS "brd 32 MiB write+crc32c verify clean" ||
	{ echo "$out"; rig_result $T/verify FAIL "fio rc=$rc"; }

rig_detach sm xvdb && rig_detach sm xvdc || fail detach "xl block-detach failed"
left=$(rig_domu_run sm 'ls /sys/block | grep -c xvd')
vbds=$(cd /sys/bus/xen-backend/devices && ls -d vbd-* 2>/dev/null | tr '\n' ' ')
[[ $left == 0 && -z $vbds ]] &&
	rig_result $T/detach PASS "both VBDs gone on both sides" ||
	rig_result $T/detach FAIL "left: domU xvd=$left backend: $vbds"
rig_domu_stop sm
rig_unload_back && rig_log "in-tree xen-blkback unloaded"
