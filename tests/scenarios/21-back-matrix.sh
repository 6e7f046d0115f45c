#!/bin/bash
# Our xen-blkback under different negotiations (frontend: Linux's in-tree
# xen-blkfront as the reference peer): rings 1/2/4, ring order 0/4, indirect off/32/256, persistent
# grants on/off. For each: what was negotiated (xenstore + our debugfs), a
# crc32c-verified random write, and the feature actually used (indirect
# requests, persistent-grant hits).
. "${RIG_LIB:-/rig/dom0-lib.sh}"
T=back-matrix
FRONT=${XBB_FRONT:-intree}
D=bm
DBG=/sys/kernel/debug/xen-blkback
fail() { rig_result "$T/$1" FAIL "$2"; rig_domu_stop $D >/dev/null 2>&1; exit 0; }
vdir() { echo "$DBG/vbd-$(rig_domid $D)-$(rig_devid "$1")"; }
dbg_sum() { cat "$(vdir "$1")"/ring-* 2>/dev/null | awk -v k="$2:" '$1 == k { s += $2 } END { print s + 0 }'; }
dbg_info() { awk -v k="$2:" '$1 == k { print $2 }' "$(vdir "$1")/info"; }

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
nb=$(rig_null_blk 1) && rd=$(rig_brd 64) || fail setup "backing devices"
rig_load_back ours || fail setup "our xen-blkback did not load"
# Frontends use at most one ring per vCPU (XBB_VCPUS=4 for 4 rings). With
# persistent grants or bounce buffers Linux's blkfront preallocates a page
# per possible segment: rings x slots x (indirect segments + pages), so
# 4 rings of 16 pages with 256-segment requests would need ~2 GiB; the
# large-indirect cases therefore use one-page rings.  4 vCPUs so that the
# q4 case really gets 4 rings (Xen time-slices them on the rig's one pCPU).
VCPUS=${XBB_VCPUS:-4}
rig_domu_start $D "$VCPUS" 1024 || fail setup "domU did not start"

# name queues order indirect persistent [more backend params]
for cfg in "q1-o0-ind0-p0 1 0 0 0" "q2-o4-ind32-p1 2 4 32 1" "q4-o0-ind256-p1 4 0 256 1" \
	"q2-o0-ind256-p0 2 0 256 0" \
	"q2-o2-ind32-p1-budget64-idle2 2 2 32 1 max_persistent_grants=64 persistent_grant_idle_secs=2"; do
	read -r name q o ind p more <<<"$cfg"
	rig_unload_front $D >/dev/null
	# shellcheck disable=SC2086
	rig_load_back ours max_queues=$q max_ring_page_order=$o max_indirect_segments=$ind \
		feature_persistent=$p $more || { rig_result "$T/$name" FAIL "backend reload"; continue; }
	fi=$ind
	((fi == 0)) && fi=32
	rig_load_front $D "$FRONT" max_queues=$q max_ring_page_order=$o max_indirect_segments=$fi ||
		{ rig_result "$T/$name" FAIL "frontend load"; continue; }
	if ! rig_attach $D "$nb" xvdb || ! rig_attach $D "$rd" xvdc ||
		! rig_wait_state $D xvdc back 4 60 || ! rig_wait_disk $D xvdc; then
		rig_result "$T/$name" FAIL "attach/connect"
		rig_detach $D xvdb
		rig_detach $D xvdc
		continue
	fi
	rings=$(ls "$(vdir xvdc)" | grep -c '^ring-')
	pages=$(awk '$1 == "pages:" { print $2 }' "$(vdir xvdc)/ring-0")
	neg_p=$(dbg_info xvdc persistent)
	neg_i=$(dbg_info xvdc max_indirect_segments)
	out=$(rig_domu_run $D "fio --eta=never --name=v --filename=/dev/xvdc --direct=1 --ioengine=libaio \
		--rw=randwrite --bsrange=4k-1m --size=16M --iodepth=16 --verify=crc32c --do_verify=1 \
		--verify_fatal=1" 600)
	rc=$?
	out2=$(rig_domu_run $D "fio --eta=never --name=r --filename=/dev/xvdb --direct=1 --ioengine=libaio \
		--rw=randread --bs=128k --iodepth=16 --time_based --runtime=3" 120)
	indirect=$(dbg_sum xvdc indirect)
	hits=$(dbg_sum xvdc pgrant_hits)
	why="" why_ok=""
	[[ $rc == 0 ]] && grep -q 'err= 0' <<<"$out" || why+=" verify failed (rc=$rc);"
	want=$((q < VCPUS ? q : VCPUS))
	((rings == want)) || why+=" rings=$rings want $want;"
	((pages == 1 << o)) || why+=" ring pages=$pages want $((1 << o));"
	[[ $neg_p == "$p" ]] || why+=" persistent=$neg_p want $p;"
	[[ $neg_i == "$ind" ]] || why+=" indirect limit=$neg_i want $ind;"
	((ind == 0 && indirect == 0 || ind > 0 && indirect > 0)) || why+=" indirect requests=$indirect;"
	((p == 0 && hits == 0 || p == 1 && hits > 0)) || why+=" pgrant_hits=$hits;"
	if [[ $more == *max_persistent_grants* ]]; then
		peak=$(dbg_info xvdc persistent_grants)
		((peak <= 64)) || why+=" budget 64: persistent_grants=$peak;"
		# lowering the budget at run time: LRU purge down to it
		echo 16 >/sys/module/xen_blkback/parameters/max_persistent_grants
		rig_domu_run $D "dd if=/dev/xvdc of=/dev/null bs=4k count=1 iflag=direct" >/dev/null
		sleep 1.5
		ev=$(dbg_sum xvdc pgrant_evictions)
		low=$(dbg_info xvdc persistent_grants)
		((low <= 16 && ev > 0)) || why+=" budget lowered to 16: persistent_grants=$low evictions=$ev;"
		sleep 6
		idle=$(dbg_info xvdc persistent_grants)
		((idle == 0)) || why+=" $idle persistent grants left after 6 s idle (limit 2 s);"
		why_ok=" budget 64 held ($peak mapped), lowered to 16: $low mapped after $ev LRU evictions, idle purge to $idle;"
	fi
	if [[ -z $why ]]; then
		rig_result "$T/$name" PASS "rings=$rings pages=$pages persistent=$neg_p indirect<=$neg_i: verify clean, $indirect indirect reqs, $hits pgrant hits, 128k randread $(grep -o 'IOPS=[^,]*' <<<"$out2" | head -1);$why_ok"
	else
		echo "$out" | tail -n 15
		rig_result "$T/$name" FAIL "$why"
	fi
	rig_detach $D xvdb
	rig_detach $D xvdc
done
rig_domu_stop $D
rm -f "$RIG_STATE/domid.$D"
mapped=$(awk '/mapped_grants/ {print $2}' $DBG/status)
[[ $mapped == 0 ]] && rig_result $T/teardown PASS "no grant mapped after the matrix" ||
	rig_result $T/teardown FAIL "mapped_grants=$mapped"
rig_unload_back
