#!/bin/bash
# Interoperability: our backend with the in-tree frontend, then the in-tree
# backend with our frontend. One domU; for each pair a brd VBD is attached,
# written and verified with fio (crc32c), then detached. SKIPs a pair whose
# .ko of ours is not in the image (RIG_BACK/RIG_FRONT fell back to intree).
. "${RIG_LIB:-/rig/dom0-lib.sh}"
T=cross-pairs
D=xp
have_back=0 have_front=0
[[ -f $RIG_OURS/xen-blkback.ko ]] && have_back=1
[[ -f $RIG_OURS/xen-blkfront.ko ]] && have_front=1
if ((!have_back && !have_front)); then
	rig_result $T SKIP "neither of our modules is in the image"
	exit 0
fi
rd=$(rig_brd 64) || { rig_result $T FAIL "brd"; exit 0; }
rig_domu_start $D 2 512 || { rig_result $T FAIL "domU did not start"; exit 0; }

# pair BACK FRONT: one attach / verify / detach cycle
pair() {
	local back=$1 front=$2 name="$T/back-$1+front-$2" out rc drv
	rig_unload_front $D >/dev/null
	rig_load_back "$back" || { rig_result "$name" FAIL "backend did not load"; return; }
	rig_load_front $D "$front" || { rig_result "$name" FAIL "frontend did not load"; return; }
	if ! { rig_attach $D "$rd" xvdb && rig_wait_state $D xvdb front 4 60 && rig_wait_disk $D xvdb 60; }; then
		rig_result "$name" FAIL "xvdb did not connect"
		rig_detach $D xvdb
		return
	fi
	drv="$(rig_mod_origin_local xen_blkback)/$(rig_mod_origin $D xen_blkfront)"
	out=$(rig_fio $D xp --filename=/dev/xvdb --rw=randwrite --bs=16k --size=16M --iodepth=8 \
		--ioengine=libaio --direct=1 --verify=crc32c --do_verify=1 --verify_fatal=1)
	rc=$?
	if [[ $rc == 0 && $drv == "$back/$front" ]]; then
		rig_result "$name" PASS "16 MiB random write + crc32c verify clean (back/front = $drv)"
	else
		echo "$out"
		rig_result "$name" FAIL "fio rc=$rc, back/front = $drv"
	fi
	rig_detach $D xvdb || rig_result "$name-detach" FAIL "xl block-detach failed"
}

if ((have_back)); then pair ours intree; else rig_result "$T/back-ours+front-intree" SKIP "no xen-blkback.ko of ours"; fi
if ((have_front)); then pair intree ours; else rig_result "$T/back-intree+front-ours" SKIP "no xen-blkfront.ko of ours"; fi
rig_domu_stop $D
rig_unload_back
