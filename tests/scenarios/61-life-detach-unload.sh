#!/bin/bash
# Lifecycle: xl block-detach during heavy I/O (fio ends with I/O errors, no
# oops or hang, our blkback drops the device, every grant and its ring
# threads), re-attach with fio verify; rmmod of either driver while a VBD
# is in use refuses cleanly; unbinding our blkfront from a connected VBD
# returns every grant, and binding it again reconnects; rmmod/insmod of
# both drivers between attach cycles without leaking slab memory, pages,
# grants or kthreads.
# After every detach our blkfront holds no grant and ended none while the
# backend still mapped it (those return to the guest's grant table only
# slowly, through Linux's deferred release).
# Cycles: detach 3 / unload 5 (make check), 20 / 50 (make check-full).
# shellcheck source=scripts/rig/dom0-lib.sh
. "${RIG_LIB:-/rig/dom0-lib.sh}"
# shellcheck source=tests/lifecycle/life-lib.sh
. /rig/life/life-lib.sh
T=life-hot
D=lhp
export RIG_DOMU_LOGLEVEL=6
NDET=$(life_n 3 20)
NUN=$(life_n 5 50)
fail() { rig_result "$T/$1" FAIL "$2"; xl destroy $D >/dev/null 2>&1; exit 0; }
bedev() { echo "/sys/bus/xen-backend/devices/vbd-$(rig_domid $D)-$(rig_devid xvdb)"; }
# gone_clean: after a detach, the backend device goes away and our blkback
# holds no grant and no ring thread; prints what is left otherwise
gone_clean() {
	local i g t
	for ((i = 0; i < 100; i++)); do
		[[ -e $(bedev) ]] || break
		sleep 0.1
	done
	g=$(life_mapped_grants) t=$(life_ring_threads)
	[[ ! -e $(bedev) && $g == 0 && $t == 0 ]] && return 0
	echo "backend device $( [[ -e $(bedev) ]] && echo still there || echo gone), mapped_grants=$g, ring threads=$t"
	return 1
}
connect() {
	rig_attach $D "$rd" xvdb && rig_wait_state $D xvdb back 4 && rig_wait_state $D xvdb front 4
}
VERIFY="--filename=/dev/xvdb --rw=randwrite --bs=16k --size=2M --offset_increment=2M --numjobs=2
	--iodepth=16 --ioengine=libaio --direct=1 --verify=crc32c --do_verify=1 --verify_fatal=1 --group_reporting"

rd=$(rig_brd 64) || fail setup "backing device"
life_debugfs || fail setup "debugfs"
rig_load_back ours || fail setup "our backend did not load"
[[ $(life_mapped_grants) != n/a ]] || fail setup "no mapped_grants in our blkback's debugfs status"
rig_domu_start $D 2 256 || fail setup "domU did not start"
rig_load_front $D ours || fail setup "our xen-blkfront did not load"

# 1. detach under heavy I/O, NDET cycles
bad='' secs=''
for ((k = 1; k <= NDET; k++)); do
	t0=$SECONDS
	connect && rig_wait_disk $D xvdb || { bad+="cycle $k: no connect; "; break; }
	rig_domu_run $D "(fio --name=dt --eta=never --output=/tmp/dt.out --filename=/dev/xvdb --rw=randrw \
		--bs=64k --numjobs=2 --iodepth=32 --ioengine=libaio --direct=1 --time_based --runtime=300;
		echo \"XBF-DT $k rc=\$? errs=\$(grep -c 'err= *[1-9]' /tmp/dt.out)\") >/dev/hvc0 2>&1 &"
	life_wait_io $D xvdb 30 || { bad+="cycle $k: no I/O; "; break; }
	rig_detach $D xvdb || { bad+="cycle $k: block-detach failed or hung; "; break; }
	v=$(life_wait_line $D "^XBF-DT $k " 120) || { bad+="cycle $k: fio did not end after the detach; "; break; }
	[[ $v == *"rc=0 "* ]] && bad+="cycle $k: fio saw no error ($v); "
	left=$(gone_clean) || bad+="cycle $k: $left; "
	fg=$(rig_front_grants $D)
	[[ $fg == "0 0" ]] || bad+="cycle $k: our blkfront's grants held, deferred: $fg (want 0 0); "
	g=$(rig_domu_run $D '[ -e /sys/block/xvdb ] && echo xvdb-still-there; echo ok' 60)
	[[ $(echo $g) == ok ]] || bad+="cycle $k: guest: $(echo $g); "
	secs+="$((SECONDS - t0)) "
done
if [[ -z $bad ]]; then
	rig_result $T/detach-under-io-$NDET PASS "$NDET cycles (s: ${secs% }): fio got I/O errors, backend device gone, 0 mapped grants, 0 ring threads, our blkfront holds 0 grants and ended none still mapped, guest healthy"
else
	rig_result $T/detach-under-io-$NDET FAIL "$bad"
fi
connect && rig_wait_disk $D xvdb || fail reattach "xvdb did not connect again"
out=$(rig_fio $D rv $VERIFY)
if [[ $? == 0 && $(grep -c 'err= *[1-9]' <<<"$out") == 0 ]]; then
	rig_result $T/reattach-verify PASS "after $NDET detaches under I/O: fio verify 0 errors"
else
	rig_result $T/reattach-verify FAIL "fio verify after re-attach: $(grep -m1 -E 'err=|verify' <<<"$out")"
fi

# 2. rmmod while a VBD is in use refuses cleanly
t0=$SECONDS
out=$(timeout 60 rmmod xen_blkback 2>&1)
rc=$?
if ((rc != 0 && rc != 124)) && [[ -d /sys/module/xen_blkback && -e $(bedev) ]] &&
	rig_fio $D rb --filename=/dev/xvdb --rw=read --bs=64k --size=1M --ioengine=libaio --direct=1 >/dev/null; then
	rig_result $T/rmmod-busy-back PASS "rmmod xen_blkback with a connected VBD: rc=$rc in $((SECONDS - t0)) s ($out); VBD still serves I/O"
else
	rig_result $T/rmmod-busy-back FAIL "rc=$rc ($out) after $((SECONDS - t0)) s; module $( [[ -d /sys/module/xen_blkback ]] && echo loaded || echo gone)"
	[[ -d /sys/module/xen_blkback ]] || fail rmmod-busy-back "backend unloaded under a connected VBD; cannot go on"
fi
out=$(rig_domu_run $D 'sleep 600 </dev/xvdb >/dev/null 2>&1 & h=$!; sleep 1
timeout 60 /usr/sbin/rmmod xen_blkfront 2>&1; echo "rc=$?"; [ -b /dev/xvdb ] && echo disk-ok
dd if=/dev/xvdb of=/dev/null bs=64k count=16 iflag=direct 2>/dev/null && echo read-ok; kill $h' 120)
if [[ $out == *rc=[1-9]* && $out == *disk-ok* && $out == *read-ok* ]]; then
	rig_result $T/rmmod-busy-front PASS "rmmod xen_blkfront with /dev/xvdb open: $(echo $out)"
else
	rig_result $T/rmmod-busy-front FAIL "rmmod xen_blkfront with /dev/xvdb open: $(echo $out)"
fi

# 2b. unbinding our blkfront from a connected, idle VBD (its remove while
# the backend still maps the rings and the persistent grants): it closes
# and lets the backend unmap first, so every grant returns at once;
# binding it again reconnects
dev=vbd-$(rig_devid xvdb)
fd0=$(rig_domu_run $D "awk '/^grants_deferred:/ {print \$2}' /sys/kernel/debug/xen-blkfront/status" 30)
out=$(rig_domu_run $D "echo $dev >/sys/bus/xen/drivers/vbd/unbind && echo unbound" 60)
fg=$(rig_front_grants $D) bs=$(rig_be_key $D xvdb state)
warn=$(rig_domu_run $D "dmesg | grep -c 'ending our grants anyway'" 30)
rig_domu_run $D "echo $dev >/sys/bus/xen/drivers/vbd/bind" 60 >/dev/null
if [[ $out == *unbound* && $fg == "0 $fd0" && $bs == 6 && $warn == 0 ]] &&
	rig_wait_state $D xvdb front 4 && rig_wait_disk $D xvdb && rig_fio $D ub $VERIFY >/dev/null; then
	rig_result $T/unbind-connected PASS "unbind from a connected VBD: backend Closed, our blkfront holds 0 grants and ended none still mapped; bind: reconnected, fio verify"
else
	rig_result $T/unbind-connected FAIL "unbind: $(echo $out); grants held, deferred: $fg (want 0 ${fd0:-?}); backend state ${bs:-?} (want 6); 'ending anyway' warnings ${warn:-?}; front state after bind $(rig_fe_key $D xvdb state)"
	rig_wait_disk $D xvdb || { connect && rig_wait_disk $D xvdb; } || fail unbind-connected "xvdb did not come back"
fi

# 3. unload/reload cycles; memory compared from the end of cycle 1 (every
# cache, pool and lazily allocated structure exists by then) to the end
# of cycle NUN
# "SUnreclaim MemFree Cached" in KiB, the order leak() reads
memU() { rig_domu_run $D "awk '{v[\$1] = \$2} END {print v[\"SUnreclaim:\"], v[\"MemFree:\"], v[\"Cached:\"]}' /proc/meminfo" 60; }
# slab caches (bytes of all objects) for naming the growers on a leak
slabU() { rig_domu_run $D "awk 'NR > 2 {print \$1, \$3 * \$4}' /proc/slabinfo >/tmp/slab$1" 60; }
bad='' secs='' th='' su=''
for ((k = 1; k <= NUN; k++)); do
	t0=$SECONDS
	rig_detach $D xvdb || { bad+="cycle $k: detach; "; break; }
	left=$(gone_clean) || bad+="cycle $k: after detach: $left; "
	fg=$(rig_front_grants $D)
	[[ $fg == "0 0" ]] || bad+="cycle $k: after detach, our blkfront's grants held, deferred: $fg (want 0 0); "
	rig_unload_back || { bad+="cycle $k: rmmod xen_blkback; "; break; }
	rig_load_back ours || { bad+="cycle $k: insmod xen_blkback; "; break; }
	rig_domu_run $D "/usr/sbin/rmmod xen_blkfront && /usr/sbin/insmod $RIG_OURS/xen-blkfront.ko" 120 >/dev/null ||
		{ bad+="cycle $k: front rmmod/insmod; "; break; }
	connect && rig_wait_disk $D xvdb || { bad+="cycle $k: no connect; "; break; }
	rig_fio $D uv $VERIFY >/dev/null || bad+="cycle $k: fio verify failed; "
	th+="$(life_ring_threads) "
	if ((k == 1)); then
		d0="$(life_meminfo SUnreclaim) $(life_meminfo MemFree) $(life_meminfo Cached)"
		u0=$(memU)
		slabU 0
	fi
	su+="$(rig_domu_run $D "awk '/^SUnreclaim:/ {print \$2}' /proc/meminfo" 60) "
	secs+="$((SECONDS - t0)) "
done
d1="$(life_meminfo SUnreclaim) $(life_meminfo MemFree) $(life_meminfo Cached)"
u1=$(memU)
slabU 1
grow=$(rig_domu_run $D "awk 'NR == FNR {a[\$1] = \$2; next} \$2 - a[\$1] > 32768 {printf \"%s +%d KiB, \", \$1, (\$2 - a[\$1]) / 1024}' /tmp/slab0 /tmp/slab1" 60)
rig_log "unload: guest SUnreclaim (KiB) at the end of each cycle: $su; slab caches grown by > 32 KiB since cycle 1: ${grow:-none}"
rings=$(rig_domu_run $D 'cat /sys/block/xvdb/device/nr_rings' 30)
rig_log "unload: ring threads per cycle: $th (rings $rings); dom0 SUnreclaim/MemFree/Cached $d0 -> $d1; guest $u0 -> $u1"
[[ -z $bad ]] && rig_result $T/unload-reload-$NUN PASS "$NUN cycles of detach (our blkfront then holds 0 grants, none ended still mapped), rmmod+insmod of both drivers, attach, fio verify (s: ${secs% })" ||
	rig_result $T/unload-reload-$NUN FAIL "$bad"
# threads: one per ring while connected, none after each detach (checked above)
tb=''
for t in $th; do [[ $t == "$rings" ]] || tb=1; done
[[ -z $tb && -n $th ]] && rig_result $T/no-kthread-leak PASS "ring threads with a VBD connected: $th (= $rings rings); 0 after every detach" ||
	rig_result $T/no-kthread-leak FAIL "ring threads per cycle: $th, rings $rings"
# tolerance: unreclaimable slab may move by a few hundred KiB with unrelated
# dom0 work (xenstored, console logs); a leaked VBD or ring is bigger than
# 128 KiB (request arrays, grant tables, pools) per cycle, so more than
# 512 KiB + 128 KiB per cycle is a leak. MemFree+Cached (console logs move
# pages from free to cached) may drop by 8 MiB + 256 KiB per cycle.
leak() {	# leak NAME "sunrec free cached" "sunrec free cached" cycles
	local a b da db
	read -r s0 f0 c0 <<<"$2"
	read -r s1 f1 c1 <<<"$3"
	a=$((s1 - s0)) b=$((f0 + c0 - f1 - c1))
	da=$(printf %+d "$a") db=$(printf %+d $((-b)))
	if ((a <= 512 + 128 * $4 && b <= 8192 + 256 * $4)); then
		rig_result "$T/no-mem-leak-$1" PASS "after $4 more cycles: SUnreclaim $da KiB, MemFree+Cached $db KiB (within 512+128/cycle, 8192+256/cycle)"
	else
		rig_result "$T/no-mem-leak-$1" FAIL "after $4 more cycles: SUnreclaim $da KiB, MemFree+Cached $db KiB (limits $((512 + 128 * $4)), $((8192 + 256 * $4)) KiB)${5:+; $5}"
	fi
}
if [[ -n ${d0:-} && -n ${u0:-} ]] && ((NUN > 1)); then
	leak dom0 "$d0" "$d1" $((NUN - 1))
	leak guest "$u0" "$u1" $((NUN - 1)) "guest SUnreclaim per cycle: $su; grown caches: ${grow:-none}"
else
	rig_result $T/no-mem-leak FAIL "no measurement (cycles did not run)"
fi
rig_detach $D xvdb
xl destroy $D 2>/dev/null
