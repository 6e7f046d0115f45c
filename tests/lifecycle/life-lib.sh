# shellcheck shell=bash
# Helpers of the lifecycle suite (tests/scenarios/6x-life-*.sh); dom0 side,
# sourced after the rig library. Installed as /rig/life/life-lib.sh.
#
# The rig's command agent does not survive xl save/restore (it watches its
# old domid's xenstore path), so anything that must outlive a restore runs
# as a background shell in the guest that prints to the console (hvc0) and
# polls relative xenstore keys (data/..., resolved against the guest's
# current domid) for orders from dom0.

# life_n CHECK FULL: the count for this run (make check-full sets RIG_FULL)
life_n() { if [[ -n ${RIG_FULL:-} ]]; then echo "$2"; else echo "$1"; fi; }

# life_conlog DOM: the guest's console log (CR stripped)
life_conlog() { tr -d '\r' <"$RIG_CONSOLE_DIR/guest-$1.log" 2>/dev/null; }

# life_contail DOM [lines=40]: the tail of the guest's console log, prefixed
# (the guest's side of a failure when its agent no longer answers)
life_contail() { life_conlog "$1" | tail -n "${2:-40}" | sed "s/^/RIG-CONSOLE $1: /"; }

# life_diag DOM: on a failure after a restore: the guest's dmesg (through
# life_guest_agent) and our blkback's per-VBD debugfs info, into the log
life_diag() {
	life_debugfs 2>/dev/null
	grep -H . /sys/kernel/debug/xen-blkback/*/info 2>/dev/null | sed 's/^/RIG-LOG debugfs: /'
	if [[ -f $RIG_STATE/life-seq.$1 ]]; then
		life_run_bg "$1" 'dmesg | tail -n 30 | sed "s/^/XBF-DMESG /" >/dev/hvc0' &&
			sleep 3
	fi
	life_contail "$1" 50
}

# life_forget DOM: drop the cached domid (it changes on xl restore)
life_forget() { rm -f "$RIG_STATE/domid.$1"; }

# life_bestat DOM VDEV KEY: one backend statistics counter (0 if absent)
life_bestat() {
	cat "/sys/bus/xen-backend/devices/vbd-$(rig_domid "$1")-$(rig_devid "$2")/statistics/$3" 2>/dev/null || echo 0
}

# life_wait_io DOM VDEV N [timeout_s=120]: wait until the backend has served
# N more requests on the VBD
life_wait_io() {
	local n0 i to=${4:-120}
	n0=$(($(life_bestat "$1" "$2" rd_req) + $(life_bestat "$1" "$2" wr_req)))
	for ((i = 0; i < to * 2; i++)); do
		(($(life_bestat "$1" "$2" rd_req) + $(life_bestat "$1" "$2" wr_req) >= n0 + $3)) && return 0
		sleep 0.5
	done
	return 1
}

# life_xs_order DOM KEY: write data/KEY=1 in the guest's current xenstore dir
life_xs_order() { xenstore-write "/local/domain/$(rig_domid "$1")/data/$2" 1; }

# life_guest_agent DOM: start a second, minimal command agent in the guest
# that survives xl save/restore: it polls data/life-cmd ("<seq> <base64>",
# a relative path) once a second and runs each new command with sh, output
# on the console. Commands given through life_run_bg must be short or end
# with "&". Must be started while the rig's agent still answers.
life_guest_agent() {
	echo 0 >"$RIG_STATE/life-seq.$1"
	rig_domu_run "$1" '(n=0; while :; do c=$(xenstore-read data/life-cmd 2>/dev/null); s=${c%% *}
if [ -n "$c" ] && [ "$s" != "$n" ]; then n=$s; echo "${c#* }" | base64 -d >/tmp/life-cmd.sh; sh /tmp/life-cmd.sh
xenstore-write data/life-ack "$s"; fi
sleep 1; done) </dev/null >/dev/hvc0 2>&1 &'
}

# life_run_bg DOM 'command': hand a command to life_guest_agent and wait
# until it has started it (data/life-ack)
life_run_bg() {
	local seq=0
	[[ -f $RIG_STATE/life-seq.$1 ]] && read -r seq <"$RIG_STATE/life-seq.$1"
	seq=$((seq + 1))
	echo "$seq" >"$RIG_STATE/life-seq.$1"
	local d
	d=/local/domain/$(rig_domid "$1")/data
	xenstore-write "$d/life-cmd" "$seq $(base64 -w0 <<<"$2")" || return 1
	# one command at a time: the agent only sees the latest value
	rig_xs_wait "$d/life-ack" "$seq" 60 >/dev/null ||
		{ rig_log "life_run_bg: $1 did not take command $seq"; return 1; }
}

# life_guest_loop DOM TAG VDEV MAXITER fio-args...: in the guest, run fio
# (with the args) again and again until dom0 orders data/life-stop-TAG or
# MAXITER runs are done or /dev/VDEV is gone. One console line per run:
#   XBF-IT TAG <i> rc=<fio rc> errs=<jobs with err!=0> lim=<nr_rings>/<ring_page_order>/<max_indirect_segments>/<persistent_grants>/
# (lim: our frontend's sysfs, empty with another frontend), then
#   XBF-LOOP TAG iters=<runs> failed=<runs with rc!=0 or errors>
life_guest_loop() {
	local dom=$1 tag=$2 vdev=$3 max=$4 run=rig_domu_run
	shift 4
	# after a restore only life_guest_agent answers
	[[ -f $RIG_STATE/life-seq.$dom ]] && run=life_run_bg
	$run "$dom" "(i=0; f=0; d=/sys/block/$vdev/device
while [ \$i -lt $max ] && [ -b /dev/$vdev ] && ! xenstore-read data/life-stop-$tag >/dev/null 2>&1; do
i=\$((i+1)); fio --name=$tag --eta=never --output=/tmp/$tag.out $*; rc=\$?
e=\$(grep -c 'err= *[1-9]' /tmp/$tag.out); [ \$rc = 0 ] && [ \$e = 0 ] || f=\$((f+1))
echo \"XBF-IT $tag \$i rc=\$rc errs=\$e lim=\$(cat \$d/nr_rings \$d/ring_page_order \$d/max_indirect_segments \$d/persistent_grants 2>/dev/null | tr '\\n' /)\"
done; echo \"XBF-LOOP $tag iters=\$i failed=\$f\") >/dev/hvc0 2>&1 &"
}

# life_iters DOM TAG: number of finished runs of a guest loop so far
life_iters() { life_conlog "$1" | grep -a -c "^XBF-IT $2 "; }

# life_wait_iters DOM TAG N TIMEOUT_S: wait until N runs have finished
life_wait_iters() {
	local i
	for ((i = 0; i < $4; i++)); do
		(($(life_iters "$1" "$2") >= $3)) && return 0
		sleep 1
	done
	return 1
}

# life_wait_line DOM REGEX TIMEOUT_S: wait for a console line matching the
# (grep -E) regex; print the last one
life_wait_line() {
	local i l
	for ((i = 0; i < $3; i++)); do
		l=$(life_conlog "$1" | grep -a -E "$2" | tail -n 1)
		[[ -n $l ]] && { echo "$l"; return 0; }
		sleep 1
	done
	return 1
}

# life_save_restore DOM [command]: xl save the guest, run the optional
# command while it is saved (e.g. a backend reload), xl restore it.
# Sets LIFE_SR_SECS to the seconds the whole cycle took.
life_save_restore() {
	local dom=$1 f=/run/rig/$1.save t0=$SECONDS
	shift
	if ! xl save "$dom" "$f" >"$f.log" 2>&1; then
		sed 's/^/RIG-XL: /' "$f.log"
		rig_log "xl save $dom failed"
		return 1
	fi
	life_forget "$dom"
	if (($#)) && ! "$@"; then
		rig_log "between save and restore: '$*' failed"
	fi
	if ! xl restore "$f" >"$f.log" 2>&1; then
		sed 's/^/RIG-XL: /' "$f.log"
		rig_log "xl restore $dom failed"
		rm -f "$f"
		return 1
	fi
	rm -f "$f"
	LIFE_SR_SECS=$((SECONDS - t0))
	rig_log "save+restore of $dom in $LIFE_SR_SECS s (now domid $(rig_domid "$dom"))"
}

# life_debugfs: mount debugfs in dom0 if needed
life_debugfs() {
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
}

# life_mapped_grants: grant pages our blkback holds mapped (its debugfs
# status file); "n/a" when our blkback is not loaded
life_mapped_grants() {
	life_debugfs 2>/dev/null
	awk '$1 == "mapped_grants:" {print $2; f = 1} END {if (!f) print "n/a"}' \
		/sys/kernel/debug/xen-blkback/status 2>/dev/null || echo n/a
}

# life_ring_threads: our blkback's ring kthreads ("xbb.<domid>.<devid>.<ring>")
life_ring_threads() { ps -e -o comm= | grep -c '^xbb\.'; }

# life_meminfo KEY: one /proc/meminfo value in KiB
life_meminfo() { awk -v k="$1:" '$1 == k {print $2}' /proc/meminfo; }
