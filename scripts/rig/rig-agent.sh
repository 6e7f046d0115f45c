#!/bin/busybox sh
# Command agent of the rig's domU (runs as the domU's init, after setup).
#
# Protocol (all keys under /local/domain/<domid>/data/, which the guest owns):
#   rig-cmd    written by dom0: "<seq> <base64 of a shell script>"
#   rig-rc     written here when a command finished: "<seq> <exit status>"
#   rig-ready  written here once the agent listens ("<domid>")
# The agent blocks in a xenstore watch on rig-cmd (no polling), runs each new
# <seq> exactly once (sourced by a busybox sh subshell; stdin /dev/null,
# cwd /) and prints its combined stdout+stderr on hvc0 between the lines
#   @@RIG-BEGIN <domid>.<seq> @@
#   @@RIG-END <domid>.<seq> rc=<rc> @@
# dom0 reads it back from xenconsoled's log. The domid makes markers unique
# even when a later domU reuses the name (and the log file).
# Under TCG every fork/exec in a PV guest is expensive: the loop uses shell
# builtins wherever it can (3 execs + 3 forks per command).
XS_READ=/usr/bin/xenstore-read
XS_WRITE=/usr/bin/xenstore-write
DOMID=$($XS_READ domid)
# Relative paths: xenstored resolves them against the guest's current home
# directory, and the kernel registers the watch again after a restore, so
# the agent keeps working when xl restore gives the guest a new domid.
D=data
LAST=/tmp/rig-last-seq # survives a restart of the watch loop
echo >"$LAST"

run_one() {
	c=$($XS_READ "$D/rig-cmd" 2>/dev/null) || return 0
	seq=${c%% *}
	read -r last <"$LAST"
	# dom0 counts seq per domid, which a restore changes
	DOMID=$($XS_READ domid)
	[ -n "$c" ] && [ "$DOMID.$seq" != "$last" ] || return 0
	echo "$DOMID.$seq" >"$LAST"
	read -r t0 _ </proc/uptime
	base64 -d >/tmp/rig-cmd.sh 2>/dev/null <<B64
${c#* }
B64
	(cd / && . /tmp/rig-cmd.sh) </dev/null >/tmp/rig-out 2>&1
	rc=$?
	echo "@@RIG-BEGIN $DOMID.$seq @@"
	# builtin copy; also terminates an unterminated last line
	while IFS= read -r l || [ -n "$l" ]; do echo "$l"; done </tmp/rig-out
	read -r t1 _ </proc/uptime
	echo "@@RIG-END $DOMID.$seq rc=$rc @@"
	echo "rig-agent: seq $seq received at $t0 s, finished at $t1 s (domU uptime)"
	$XS_WRITE "$D/rig-rc" "$seq $rc"
}

$XS_WRITE "$D/rig-rc" "0 0"
first=1
while :; do
	# one event at registration, then one per write; a write that lands
	# before the watch exists is caught by the registration event
	/usr/bin/xenstore-watch "$D/rig-cmd" | while read -r _; do
		if [ -n "$first" ]; then
			first=
			$XS_WRITE "$D/rig-ready" "$DOMID"
			echo "rig-agent: ready (domid $DOMID, watching $D/rig-cmd)"
		fi
		run_one
	done
	echo "rig-agent: xenstore-watch ended; restarting it"
	sleep 1
done
