#!/bin/bash
# Our xen-blkfront under different module parameters: 1 queue / order-0
# ring / plain 11-segment requests / zero-copy grants; 2 queues with 32
# indirect segments and zero-copy; untrusted (bounce) with persistent
# grants; 4 queues (4 vCPUs, backend offering 4) with order-4 rings and
# persistent grants.  Each: xenstore keys as negotiated, crc32c-verified
# randrw.
. "${RIG_LIB:-/rig/dom0-lib.sh}"
T=front-matrix
D=fm
fail() { rig_result "$T/$1" FAIL "$2"; rig_domu_stop $D >/dev/null 2>&1; exit 0; }
SYS=/sys/bus/xen/devices/vbd-51744

rd=$(rig_brd 64) || fail setup "backing device"
rig_load_back "$RIG_BACK" max_queues=4 || fail setup "backend did not load"
rig_domu_start $D 4 512 || fail setup "domU did not start"

# one configuration: NAME PARAMS EXPECT(nr_rings/order/segs/persistent/bounce)
one() {
	local name=$1 params=$2 want=$3 got keys out rc
	rig_load_front $D ours $params || { rig_result $T/$name FAIL "insmod $params failed"; return; }
	rig_attach $D "$rd" xvdc || { rig_result $T/$name FAIL "attach failed"; return; }
	if ! { rig_wait_state $D xvdc back 4 && rig_wait_state $D xvdc front 4 && rig_wait_disk $D xvdc; }; then
		rig_result $T/$name FAIL "xvdc did not connect"
		rig_detach $D xvdc
		return
	fi
	got=$(rig_domu_run $D "cd $SYS && cat nr_rings ring_page_order max_indirect_segments persistent_grants bounce" | tr '\n' /)
	keys="num-queues=$(rig_fe_key $D xvdc multi-queue-num-queues) order=$(rig_fe_key $D xvdc ring-page-order)"
	keys="$keys ring-ref=$(rig_fe_key $D xvdc ring-ref) ring-ref0=$(rig_fe_key $D xvdc ring-ref0) q0/ring-ref=$(rig_fe_key $D xvdc queue-0/ring-ref) q0/ring-ref0=$(rig_fe_key $D xvdc queue-0/ring-ref0)"
	keys="$keys persistent=$(rig_fe_key $D xvdc feature-persistent)"
	out=$(rig_fio $D m$name --filename=/dev/xvdc --rw=randrw --bsrange=512-1M --size=16M --iodepth=8 \
		--ioengine=libaio --direct=1 --verify=crc32c --do_verify=1 --verify_fatal=1)
	rc=$?
	if [[ ${got%/} == "$want" && $rc == 0 ]] && grep -q 'err= 0' <<<"$out"; then
		rig_result $T/$name PASS "[$params] rings/order/segs/persistent/bounce=${got%/}; $keys; randrw 512B-1M verify clean"
	else
		echo "$out" | tail -15
		rig_result $T/$name FAIL "[$params] got ${got%/} want $want; $keys; fio rc=$rc"
	fi
	rig_detach $D xvdc || fail detach "detach failed"
}

one q1-o0-s11-direct "max_queues=1 max_ring_page_order=0 max_indirect_segments=11 feature_persistent=0" 1/0/11/0/0
one q2-o4-s32-direct "max_queues=2 max_indirect_segments=32 feature_persistent=0" 2/4/32/0/0
one q4-o4-s256-persistent "max_queues=4" 4/4/256/1/0
one q2-untrusted-persistent "trusted=0" 2/4/256/1/1
one q1-o1-untrusted-direct "max_queues=1 max_ring_page_order=1 trusted=0 feature_persistent=0" 1/1/256/0/1
out=$(rig_domu_run $D '/usr/sbin/rmmod xen_blkfront && echo rmmod-ok; dmesg | grep -ciE "oops|bug:|warning:|call trace"')
[[ $(echo $out) == "rmmod-ok 0" ]] && rig_result $T/clean PASS "rmmod ok, no oops/warning in 5 configurations" ||
	rig_result $T/clean FAIL "$(echo $out)"
rig_domu_stop $D
