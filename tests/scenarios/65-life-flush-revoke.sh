#!/bin/bash
# Lifecycle: a backend that revokes flush support mid-run. hback (tests/hostile,
# a userspace backend in dom0) serves a RAM disk to OUR xen-blkfront and
# answers flushes (flush_revoke: feature-flush-cache) or barriers
# (barrier_revoke: feature-barrier only, no indirect, so O_SYNC writes go out
# as barrier writes with data) until the trigger read (sector 4096); from then
# on it refuses each one with EOPNOTSUPP and sets the feature keys to 0.
# The guest writes 1 MiB patterns (dd oflag=direct conv=fsync: data, then an
# empty flush) and runs fio O_SYNC|O_DIRECT verify writes (FUA: a barrier
# write with data under barrier_revoke) before the trigger, right after it
# (the O_SYNC write first, so under barrier_revoke the first refused op is a
# barrier with data, which the frontend must send again as a plain write),
# and after a mark read (sector 6144).
# PASS needs: flushes reached hback before the trigger; the guest's next
# direct write + fsync and O_SYNC write after it succeed; queue/write_cache turns from
# "write back" to "write through"; after a mark read (sector 6144) hback sees
# no flush/barrier at all; every pattern written before, across and after
# the revocation reads back identical (direct reads, page cache dropped);
# the guest logs "backend refused a flush" and no oops/warning.
# shellcheck source=scripts/rig/dom0-lib.sh
. "${RIG_LIB:-/rig/dom0-lib.sh}"
T=life-flush
D=lfr
export RIG_DOMU_LOGLEVEL=6
# shellcheck source=tests/hostile/scen-lib.sh
. /rig/hostile/scen-lib.sh 2>/dev/null ||
	{ rig_result $T SKIP "no /rig/hostile/scen-lib.sh (tests/hostile rig hook missing)"; exit 0; }
[[ -x $HS_BIN/hback ]] || { rig_result $T SKIP "no $HS_BIN/hback in the image (tests/hostile did not build)"; exit 0; }
hs_need_gntdev || { rig_result $T FAIL "xen-gntdev (hback maps grants with it) did not load"; exit 0; }
cleanup() { xl destroy $D >/dev/null 2>&1; }
fail() { rig_result "$T/$1" FAIL "$2"; cleanup; exit 0; }

# the guest's side of one case (busybox sh); one KEY=VALUE line per step
guest_script() {
	local v=$1
	cat <<EOF
v=$v; i=0; while [ ! -b /dev/\$v ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i+1)); done
q=/sys/block/\$v/queue; echo "wc0=\$(cat \$q/write_cache)"
for n in 1 2 3 4; do dd if=/dev/urandom of=/tmp/p\$n bs=64k count=16 2>/dev/null; done
w() { timeout 60 dd if=/tmp/p\$1 of=/dev/\$v bs=64k seek=\$2 \$3 conv=fsync 2>/tmp/e\$1; r=\$?; echo "w\$1=\$r"; [ \$r = 0 ] || tail -n 1 /tmp/e\$1; }
s() { timeout 120 fio --name=s\$1 --eta=never --output=/tmp/f\$1 --filename=/dev/\$v --offset=\$2 --size=512k --bs=16k --rw=write \
--direct=1 --sync=1 --ioengine=psync --verify=crc32c --do_verify=1 --verify_fatal=1 --end_fsync=1; echo "s\$1=\$?/\$(grep -c 'err= *[1-9]' /tmp/f\$1)"; }
w 1 16 oflag=direct; s 1 9M
timeout 40 dd if=/dev/\$v of=/dev/null bs=4096 skip=512 count=1 iflag=direct 2>/dev/null; echo "trig=\$?"
s 2 10M; w 2 48 oflag=direct
i=0; while [ "\$(cat \$q/write_cache)" != "write through" ] && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i+1)); done
echo "wc1=\$(cat \$q/write_cache)"
timeout 40 dd if=/dev/\$v of=/dev/null bs=4096 skip=768 count=1 iflag=direct 2>/dev/null; echo "mark=\$?"
w 3 80 oflag=direct; s 3 11M
w 4 112 ""
sync; echo 3 >/proc/sys/vm/drop_caches
for x in 1:16 2:48 3:80 4:112; do n=\${x%:*}; s=\${x#*:}
timeout 30 dd if=/dev/\$v bs=64k skip=\$s count=16 iflag=direct 2>/dev/null | cmp -s - /tmp/p\$n && echo "cmp\$n=ok" || echo "cmp\$n=BAD"; done
EOF
}

# val KEY OUT: the value of a KEY=VALUE line of the guest's output
val() { sed -n "s/^$1=//p" <<<"$2" | tail -n 1; }

# one_case CASE NAME: hback CASE against the guest's frontend, verdict T/NAME
one_case() {
	local c=$1 P=$T/$2 id v devid log pid i fs out new bad line why='' k t0=$SECONDS
	id=$(rig_domid $D) || { rig_result "$P" FAIL "guest $D is gone"; return; }
	v=$(hs_next_vdev "$id") || { rig_result "$P" FAIL "no free vdev"; return; }
	devid=$(hs_devid "$v")
	hs_markU $D
	log=/run/rig/hback-$c.log
	"$HS_BIN/hback" -d "$id" -v "$devid" -s 16 "$c" >"$log" 2>&1 &
	pid=$!
	for ((i = 0; i < 300; i++)); do
		fs=$(xenstore-read "/local/domain/$id/device/vbd/$devid/state" 2>/dev/null)
		[[ $fs == 4 || $fs == 5 || $fs == 6 ]] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if [[ $fs == 4 ]]; then
		out=$(rig_domu_run $D "$(guest_script "$v")" 400)
		k=$?
	else
		out="frontend state ${fs:-absent}, not Connected, within 30 s"
		k=1
	fi
	# shellcheck disable=SC2001
	sed "s/^/RIG-LOG $c guest: /" <<<"$out"
	hs_dom_alive $D || why+=" guest stopped answering;"
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 250; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid"; why+=" hback did not finish closing;"; }
	wait "$pid" 2>/dev/null
	sed "s/^/RIG-LOG hback $c: /" "$log"
	line=$(grep '^HOSTILE-RESULT:' "$log" | tail -n 1)
	new=$(hs_newU $D) || why+=" the guest's dmesg could not be read (rc $?);"
	# shellcheck disable=SC2001
	sed "s/^/RIG-LOG $c domU dmesg: /" <<<"$new"
	xenstore-rm "/local/domain/$id/device/vbd/$devid" 2>/dev/null
	((k == 124 || k == 125)) && why+=" guest commands hung (rc $k);"
	[[ $(val wc0 "$out") == "write back" ]] || why+=" write_cache before='$(val wc0 "$out")' (want write back);"
	for i in w1 s1 trig mark w3 s3 w4; do
		[[ $(val $i "$out") == 0 || $(val $i "$out") == 0/0 ]] || why+=" $i rc='$(val $i "$out")';"
	done
	[[ $(val w2 "$out") == 0 ]] ||
		why+=" the direct write + fsync right after the revocation FAILED (rc '$(val w2 "$out")': a refused flush reached the application as an error);"
	[[ $(val s2 "$out") == 0/0 ]] ||
		why+=" the O_SYNC fio verify write after the revocation FAILED (rc/errors '$(val s2 "$out")');"
	[[ $(val wc1 "$out") == "write through" ]] || why+=" write_cache after='$(val wc1 "$out")' (want write through);"
	for i in 1 2 3 4; do
		[[ $(val cmp$i "$out") == ok ]] || why+=" pattern $i read back wrong ('$(val cmp$i "$out")');"
	done
	grep -q 'refused a flush' <<<"$new" || why+=" no 'backend refused a flush' line in the guest;"
	bad=$(grep -E "$HS_BAD" <<<"$new" | head -n 2 | tr '\n' '|')
	[[ -n $bad ]] && why+=" GUEST KERNEL: $bad;"
	[[ -n $line ]] || why+=" hback printed no result;"
	[[ $(awk '{print $3}' <<<"$line") == FAIL ]] && why+=" hback: FAIL (flushes after the mark);"
	local cnt=${line##*FLUSHES }
	cnt=${cnt%%;*}
	# barrier_revoke: the first op after the trigger is an O_SYNC write, a
	# barrier with data: its refusal must make the frontend resend the data
	if [[ $c == barrier_revoke && $cnt != *"refused="[1-9]*"(with data "[1-9]* ]]; then
		why+=" no barrier WITH DATA was refused (the resend path did not run);"
	fi
	if [[ $(awk '{print $3}' <<<"$line") == SKIP && -z $why ]]; then
		rig_result "$P" SKIP "hback: ${line#HOSTILE-RESULT: }"
	elif [[ -z $why ]]; then
		rig_result "$P" PASS "hback $cnt; write+fsync and O_SYNC verify after the revocation ok, write_cache write back -> write through, 4 patterns read back ok; $(grep -m1 -o 'backend refused a flush.*' <<<"$new") ($((SECONDS - t0)) s)"
	else
		rig_result "$P" FAIL "${why# } hback: ${cnt:-no counts}"
	fi
}

rig_domu_start $D 1 256 || fail setup "guest did not start"
rig_load_front $D ours || fail setup "our xen-blkfront did not load"
one_case flush_revoke flush-revoke
one_case barrier_revoke barrier-revoke
cleanup
