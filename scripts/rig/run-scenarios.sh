#!/bin/bash
# dom0 side: run each scenario of RIG_SCENARIOS (from /rig/config) in order,
# each in its own bash with the rig library sourced and a time limit
# (RIG_SCENARIO_TIMEOUT). Output lines the host reads:
#   RIG-SCENARIO-BEGIN <name>
#   RIG-TEST: <test> PASS|FAIL|SKIP <reason>     (printed by the scenario)
#   RIG-SCENARIO-END <name> rc=<rc> secs=<s> verdicts=<n>
#   RIG-ALL-DONE
# A scenario that prints no verdict gets a FAIL line from here, and so does
# one during which dom0's dmesg or a guest console shows an oops, BUG, WARN
# or panic (<name>/kernel-log). Guests it leaves behind are destroyed, so the
# next scenario starts clean.
# shellcheck disable=SC1091
. /rig/config
. /rig/dom0-lib.sh
# kernel_trouble: new lines of dom0's dmesg and of the guests' console logs
# (domUs log at console loglevel 5, so warnings are there) since the marks
# taken before the scenario, filtered for oopses, BUGs, WARNs and panics
KPAT='BUG:|Oops|WARNING:|Kernel panic|general protection fault|kernel BUG|RIP: |Call Trace:|refcount_t:|list_(add|del) corruption|UBSAN:|KASAN:'
mark_logs() {
	dmesg_mark=$(dmesg | wc -l)
	declare -gA con_mark=()
	local f
	for f in /var/log/xen/console/guest-*.log; do
		[[ -f $f ]] && con_mark[$f]=$(stat -c %s "$f")
	done
}
kernel_trouble() {
	local f
	dmesg | tail -n +"$((dmesg_mark + 1))" | grep -E "$KPAT" | sed 's/^/dom0: /'
	for f in /var/log/xen/console/guest-*.log; do
		[[ -f $f ]] || continue
		tail -c +"$((${con_mark[$f]:-0} + 1))" "$f" | tr -d '\r' | grep -E "$KPAT" |
			sed "s|^|$(basename "$f" .log | sed 's/^guest-//'): |"
	done
}

for name in $RIG_SCENARIOS; do
	f=/rig/scenarios/$name.sh
	mark_logs
	rm -f /run/rig/expect-kernel-trouble
	echo "RIG-SCENARIO-BEGIN $name"
	t0=$SECONDS
	out=/run/rig/scenario-${name//\//_}.out
	if [[ ! -f $f ]]; then
		echo "RIG-TEST: $name FAIL scenario file $name.sh not in the image" | tee "$out"
		rc=127
	else
		RIG_SCENARIO=${name##*/} timeout -k 10 "${RIG_SCENARIO_TIMEOUT:-600}" \
			bash -c '. /rig/dom0-lib.sh; . "$1"' "rig-$name" "$f" 2>&1 | tee "$out"
		rc=${PIPESTATUS[0]}
	fi
	n=$(grep -c '^RIG-TEST: ' "$out")
	if ((rc == 124 || rc == 137)); then
		RIG_SCENARIO=${name##*/} rig_result "${name##*/}" FAIL "timed out after ${RIG_SCENARIO_TIMEOUT:-600}s"
		n=$((n + 1))
	elif ((n == 0)); then
		RIG_SCENARIO=${name##*/} rig_result "${name##*/}" FAIL "scenario exited rc=$rc without a verdict"
		n=1
	fi
	trouble=$(kernel_trouble)
	if [[ -n $trouble && -f /run/rig/expect-kernel-trouble ]]; then
		echo "$trouble" | head -n 30 | sed 's/^/RIG-KERNEL-TROUBLE (expected): /'
		echo "RIG-LOG [$(rig_uptime)] runner: kernel trouble expected by ${name##*/}: $(cat /run/rig/expect-kernel-trouble)"
	elif [[ -n $trouble ]]; then
		echo "$trouble" | head -n 30 | sed 's/^/RIG-KERNEL-TROUBLE: /'
		RIG_NO_DUMP=1 RIG_SCENARIO=${name##*/} rig_result "${name##*/}/kernel-log" FAIL \
			"oops/BUG/WARN during the scenario: $(echo "$trouble" | head -n 1)"
		n=$((n + 1))
	fi
	for d in $(rig_domains); do
		echo "RIG-LOG [$(rig_uptime)] runner: destroying leftover guest $d"
		xl destroy "$d"
		rm -f "/run/rig/domid.$d"
	done
	echo "RIG-SCENARIO-END $name rc=$rc secs=$((SECONDS - t0)) verdicts=$n"
done
echo "RIG-ALL-DONE"
