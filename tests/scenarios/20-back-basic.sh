#!/bin/bash
# Our xen-blkback serving a frontend (RIG_FRONT: the in-tree or our
# xen-blkfront): fio crc32c verify from 512 B to 4 MiB and random sizes,
# flush (fsync), discard (loop on tmpfs), a read-only VBD, cumulative
# statistics, a frontend restart (reconnect), rmmod refused while VBDs are
# bound, and after xl destroy: no VBD, no mapped grant, rmmod works.
. "${RIG_LIB:-/rig/dom0-lib.sh}"
T=${XBB_T:-back-basic}
FRONT=${XBB_FRONT:-${RIG_FRONT:-intree}}
D=bb
DBG=/sys/kernel/debug/xen-blkback
fail() { rig_result "$T/$1" FAIL "$2"; rig_domu_stop $D >/dev/null 2>&1; exit 0; }
st() { cat "/sys/bus/xen-backend/devices/vbd-$(rig_domid $D)-$(rig_devid "$1")/statistics/$2"; }
dbg_sum() { # VDEV KEY: sum of KEY over the rings of the VBD in debugfs
	cat "$DBG/vbd-$(rig_domid $D)-$(rig_devid "$1")"/ring-* 2>/dev/null |
		awk -v k="$2:" '$1 == k { s += $2 } END { print s + 0 }'
}
vfio() { # VDEV JOB fio-args...: a verified fio run in the domU, rc and one line
	local v=$1 j=$2
	shift 2
	rig_domu_run $D "fio --eta=never --name=$j --filename=/dev/$v --direct=1 --ioengine=libaio $*" 600
}

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
mkdir -p /run/xbb
mountpoint -q /run/xbb || mount -t tmpfs -o size=400m tmpfs /run/xbb
truncate -s 128M /run/xbb/discard.img /run/xbb/ro.img
nb=$(rig_null_blk 1) && rd=$(rig_brd 128) || fail setup "backing devices"
modprobe loop 2>/dev/null
lo=$(losetup -f --show /run/xbb/discard.img) && lro=$(losetup -f --show /run/xbb/ro.img) ||
	fail setup "loop devices"
rig_load_back ours || fail setup "our xen-blkback did not load"
rig_domu_start $D 2 512 || fail setup "domU did not start"
rig_load_front $D "$FRONT" || fail setup "$FRONT xen-blkfront did not load"
diag() {
	ps -eo pid,pcpu,time,comm | grep -E 'xbb|xenwatch|xenbus' | sed 's/^/RIG-LOG ps: /'
	grep -E '^(cpu |procs_running)' /proc/stat | sed 's/^/RIG-LOG stat: /'
}
for a in "$nb xvdb" "$rd xvdc" "$lo xvdd" "$lro xvde ro"; do
	rig_attach $D $a || { diag; xenstore-ls -f "/local/domain/0/backend/vbd/$(rig_domid $D)" | tail -n 30; fail attach "xl block-attach $a failed"; }
done
for v in xvdb xvdc xvdd xvde; do
	rig_wait_state $D $v back 4 60 && rig_wait_state $D $v front 4 60 && rig_wait_disk $D $v ||
		fail attach "$v did not connect"
done
drv=$(rig_bound_driver $D xvdc)
[[ $drv == xen_blkback/xen_blkfront && $(rig_mod_origin_local xen_blkback) == ours ]] ||
	fail attach "xvdc bound to $drv, backend $(rig_mod_origin_local xen_blkback)"
keys=""
for k in multi-queue-num-queues ring-page-order feature-persistent protocol; do
	keys+=" fe:$k=$(rig_fe_key $D xvdc $k)"
done
for k in multi-queue-max-queues max-ring-page-order feature-max-indirect-segments feature-persistent \
	feature-flush-cache feature-barrier sectors sector-size info; do
	keys+=" be:$k=$(rig_be_key $D xvdc $k)"
done
rig_result $T/attach PASS "4 VBDs connected ($drv, front $FRONT);$keys"
# progress: our per-ring counters every 20 s while the scenario runs
(while sleep 20; do
	for f in $DBG/vbd-*/ring-*; do
		[[ -f $f ]] && rig_log "$(basename "$(dirname "$f")")/$(basename "$f"): $(grep -E '^(requests|inflight|errors|pgrant_hits|indirect|notify_rx):' "$f" | tr '\n' ' ')"
	done
done) &
MON=$!
trap 'kill $MON 2>/dev/null' EXIT

# --- data integrity: sequential writes of each size, then random sizes ------
r0=$(st xvdc rd_req) w0=$(st xvdc wr_req)
ok=1
for spec in 512:256k 4k:1M 64k:4M 1m:8M 4m:16M; do
	bs=${spec%:*}
	out=$(vfio xvdc "seq$bs" --rw=write --bs=$bs --size=${spec#*:} --iodepth=8 \
		--verify=crc32c --do_verify=1 --verify_fatal=1) && grep -q 'err= 0' <<<"$out" ||
		{ ok=0; echo "$out" | tail -n 20; rig_result "$T/verify-$bs" FAIL "fio write+verify bs=$bs"; }
done
((ok)) && rig_result $T/verify-sizes PASS "crc32c write+verify clean for bs 512,4k,64k,1m,4m"
out=$(vfio xvdc rnd --rw=randwrite --bsrange=512-1m --size=16M --iodepth=16 \
	--verify=crc32c --do_verify=1 --verify_fatal=1) && grep -q 'err= 0' <<<"$out" &&
	rig_result $T/verify-random PASS "randwrite 512B..1MiB QD16 16 MiB + crc32c verify clean" ||
	{ echo "$out" | tail -n 20; rig_result $T/verify-random FAIL "randwrite+verify"; }
out=$(vfio xvdb rrw --rw=randrw --bsrange=4k-256k --iodepth=32 --time_based --runtime=3 --numjobs=2)
rc=$?
[[ $rc == 0 ]] && rig_result $T/randrw PASS "null_blk randrw 4k..256k QD32x2 3s: $(grep -o 'IOPS=[^,]*' <<<"$out" | tr '\n' ' ')" ||
	{ echo "$out" | tail -n 20; rig_result $T/randrw FAIL "fio rc=$rc"; }
r1=$(st xvdc rd_req) w1=$(st xvdc wr_req)
ind=$(dbg_sum xvdc indirect)
((r1 > r0 && w1 > w0)) &&
	rig_result $T/statistics PASS "xvdc rd_req $r0->$r1 wr_req $w0->$w1 rd_sect=$(st xvdc rd_sect) wr_sect=$(st xvdc wr_sect) indirect=$ind pgrant_hits=$(dbg_sum xvdc pgrant_hits) misses=$(dbg_sum xvdc pgrant_misses) $(grep -E '^(persistent_grants|pgtree_contended):' "$DBG/vbd-$(rig_domid $D)-$(rig_devid xvdc)/info" | tr '\n' ' ')" ||
	rig_result $T/statistics FAIL "rd_req $r0->$r1 wr_req $w0->$w1"

# --- tracepoints at request start and completion --------------------------------
TR=/sys/kernel/tracing
mountpoint -q $TR || mount -t tracefs none $TR 2>/dev/null
if [[ -d $TR/events/xen_blkback ]]; then
	echo >$TR/trace
	echo 1 >$TR/events/xen_blkback/enable
	rig_domu_run $D "dd if=/dev/xvdc of=/dev/null bs=64k count=16 iflag=direct" >/dev/null
	echo 0 >$TR/events/xen_blkback/enable
	ns=$(grep -c 'xbb_req_start:' $TR/trace) nd=$(grep -c 'xbb_req_done:' $TR/trace)
	((ns > 0 && nd > 0)) &&
		rig_result $T/trace PASS "$ns xbb_req_start, $nd xbb_req_done; e.g. $(grep -m1 'xbb_req_done:' $TR/trace | sed 's/.*xbb_req_done: //')" ||
		rig_result $T/trace FAIL "start=$ns done=$nd"
else
	rig_result $T/trace FAIL "no events/xen_blkback in tracefs"
fi

# --- flush: fsync on the block device sends FLUSH_DISKCACHE ------------------
f0=$(st xvdc f_req)
out=$(vfio xvdc fs --rw=write --bs=4k --size=1M --fsync=4) || echo "$out" | tail -n 10
f1=$(st xvdc f_req)
((f1 > f0)) && rig_result $T/flush PASS "f_req $f0->$f1 after fio --fsync=4" ||
	rig_result $T/flush FAIL "f_req $f0->$f1"

# --- discard ----------------------------------------------------------------
if [[ $(rig_be_key $D xvdd feature-discard) == 1 ]]; then
	d0=$(st xvdd ds_req)
	out=$(vfio xvdd trim --rw=trim --bs=1m --size=16M)
	rc=$?
	d1=$(st xvdd ds_req)
	[[ $rc == 0 ]] && ((d1 > d0)) &&
		rig_result $T/discard PASS "ds_req $d0->$d1 (granularity $(rig_be_key $D xvdd discard-granularity))" ||
		{ echo "$out" | tail -n 10; rig_result $T/discard FAIL "fio trim rc=$rc ds_req $d0->$d1"; }
else
	rig_result $T/discard FAIL "feature-discard not advertised for a loop device"
fi

# --- online resize: grow the loop device, the frontend sees the new size -------
truncate -s 192M /run/xbb/discard.img
losetup -c "$lo"
for ((i = 0; i < 100; i++)); do
	[[ $(rig_be_key $D xvdd sectors) == 393216 ]] && break
	sleep 0.2
done
sz=$(rig_domu_run $D "sleep 2; cat /sys/block/xvdd/size")
[[ $(rig_be_key $D xvdd sectors) == 393216 && $sz == 393216 ]] &&
	rig_result $T/resize PASS "128 -> 192 MiB: backend sectors and guest size 393216" ||
	rig_result $T/resize FAIL "backend sectors=$(rig_be_key $D xvdd sectors) guest size=$sz"

# --- read-only VBD ------------------------------------------------------------
info=$(rig_be_key $D xvde info)
out=$(rig_domu_run $D "dd if=/dev/zero of=/dev/xvde bs=4k count=1 2>&1; echo rc=\$?; dd if=/dev/xvde of=/dev/null bs=4k count=16 2>&1; echo rc=\$?")
rcs=$(grep -o 'rc=[0-9]*' <<<"$out" | tr '\n' ' ')
[[ $((info & 4)) == 4 && $rcs == "rc=1 rc=0 " && $(st xvde wr_req) == 0 && $(st xvde rd_req) -gt 0 ]] &&
	rig_result $T/readonly PASS "info=$info, guest write refused, wr_req=0 rd_req=$(st xvde rd_req)" ||
	rig_result $T/readonly FAIL "info=$info wr_req=$(st xvde wr_req) out: $(tr '\n' ' ' <<<"$out")"

# --- frontend restart: unbind the guest's VBDs and reload the frontend module;
# the backend sees Closed, then Initialising, offers again and reconnects.
# (A plain unbind+bind leaves the frontend in Closed, waiting for InitWait.)
s0=$(st xvdc wr_req)
rig_domu_run $D 'for d in /sys/bus/xen/devices/vbd-*; do [ -e $d/driver ] && echo ${d##*/} > $d/driver/unbind; done' 120
rig_load_front $D "$FRONT" && rig_wait_state $D xvdc back 4 60 && rig_wait_disk $D xvdc &&
	out=$(vfio xvdc again --rw=write --bs=64k --size=4M --verify=crc32c --do_verify=1 --verify_fatal=1) &&
	(($(st xvdc wr_req) > s0)) &&
	rig_result $T/reconnect PASS "frontend unbound and reloaded, reconnected, verify clean, wr_req $s0->$(st xvdc wr_req) (cumulative)" ||
	{ echo "$out" | tail -n 10; rig_result $T/reconnect FAIL "after frontend reload (backend state $(rig_be_key $D xvdc state))"; }

# --- xentop: libxenstat reads the statistics directory of every VBD of the
# domain; its per-domain sums must equal ours (no I/O runs now).
sum_st() { cat /sys/bus/xen-backend/devices/vbd-"$(rig_domid $D)"-*/statistics/"$1" | awk '{ s += $1 } END { print s + 0 }'; }
want="$(sum_st rd_req) $(sum_st wr_req) $(sum_st rd_sect) $(sum_st wr_sect)"
# columns: NAME STATE CPU(sec) CPU(%) MEM(k) MEM(%) MAXMEM(k) MAXMEM(%) VCPUS
# NETS NETTX(k) NETRX(k) VBDS VBD_OO VBD_RD VBD_WR VBD_RSECT VBD_WSECT SSID
row=$(xentop -b -i 1 2>&1 | awk -v n=$D '$1 == n')
got=$(awk '{ print $15, $16, $17, $18 }' <<<"$row")
if ! command -v xentop >/dev/null; then
	rig_result $T/xentop SKIP "xentop is not installed in dom0"
elif [[ -n $row && $got == "$want" && ${want%% *} -gt 0 ]]; then
	rig_result $T/xentop PASS "xentop VBDS=$(awk '{ print $13 }' <<<"$row") VBD_RD/WR/RSECT/WSECT=$got = sum of our statistics"
else
	rig_result $T/xentop FAIL "xentop row '$row': RD/WR/RSECT/WSECT '$got', ours '$want'"
fi

# --- memory pressure: drop_caches runs every shrinker; ours asks each ring
# kthread to give its cached mapping pages back.
pool() { cat $DBG/vbd-"$(rig_domid $D)"-*/ring-* 2>/dev/null | awk '$1 == "pool_pages:" { s += $2 } END { print s + 0 }'; }
# Persistent grants idle for 1 s are unmapped and their pages go back to the
# rings' caches first.
rig_domu_run $D "fio --eta=never --name=pp --filename=/dev/xvdb --direct=1 --ioengine=libaio --rw=randread --bs=64k --size=16M --iodepth=32" >/dev/null
echo 1 >/sys/module/xen_blkback/parameters/persistent_grant_idle_secs
sleep 2.5
p0=$(pool)
echo 2 >/proc/sys/vm/drop_caches
for ((i = 0; i < 30; i++)); do (($(pool) == 0)) && break; sleep 0.1; done
p1=$(pool)
((p0 > 0 && p1 == 0)) && rig_result $T/shrinker PASS "cached mapping pages $p0 -> $p1 after drop_caches" ||
	rig_result $T/shrinker FAIL "cached mapping pages $p0 -> $p1 after drop_caches (want >0 -> 0)"
echo 60 >/sys/module/xen_blkback/parameters/persistent_grant_idle_secs
# map some persistent grants again for the xl destroy check below
rig_domu_run $D "fio --eta=never --name=pg --filename=/dev/xvdc --direct=1 --ioengine=libaio --rw=randread --bs=64k --size=8M --iodepth=16" >/dev/null

# --- module rules and teardown --------------------------------------------------
if rmmod xen_blkback 2>/dev/null; then
	rig_result $T/rmmod-busy FAIL "rmmod succeeded with VBDs bound"
	exit 0
fi
rig_result $T/rmmod-busy PASS "rmmod refused while 4 VBDs are bound"
mapped=$(awk '/mapped_grants/ {print $2}' $DBG/status)
pg=$(awk '/persistent_grants/ {print $2}' "$DBG/vbd-$(rig_domid $D)-$(rig_devid xvdc)/info")
xl destroy $D
for ((i = 0; i < 300; i++)); do
	[[ -z $(ls /sys/bus/xen-backend/devices/ 2>/dev/null) ]] && break
	sleep 0.1
done
left=$(ls /sys/bus/xen-backend/devices/ 2>/dev/null | tr '\n' ' ')
after=$(awk '/mapped_grants/ {print $2}' $DBG/status)
vbds=$(ls -d $DBG/vbd-* 2>/dev/null | wc -l)
[[ -z $left && $after == 0 && $vbds == 0 ]] &&
	rig_result $T/destroy PASS "xl destroy: mapped grants $mapped (persistent $pg on xvdc) -> 0, no VBD left" ||
	rig_result $T/destroy FAIL "left: '$left' mapped_grants=$after debugfs vbds=$vbds"
rm -f "$RIG_STATE/domid.$D"
rmmod xen_blkback && rig_result $T/rmmod PASS "rmmod after the VBDs are gone" ||
	rig_result $T/rmmod FAIL "rmmod failed"
losetup -d "$lo" "$lro" 2>/dev/null
dmesg | grep -E 'xen-blkback' | tail -n 20 | sed 's/^/RIG-LOG dmesg: /'
