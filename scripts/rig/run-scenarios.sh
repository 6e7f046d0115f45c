#!/bin/bash
# dom0 side: run each scenario of RIG_SCENARIOS (from /rig/config) in order,
# each in its own bash with the rig library sourced and a time limit
# (RIG_SCENARIO_TIMEOUT). Output lines the host reads:
#   RIG-SCENARIO-BEGIN <name>
#   RIG-TEST: <test> PASS|FAIL|SKIP <reason>     (printed by the scenario)
#   RIG-SCENARIO-END <name> rc=<rc> secs=<s> verdicts=<n>
#   RIG-ALL-DONE
# A scenario that prints no verdict gets a FAIL line from here. Guests it
# leaves behind are destroyed, so the next scenario starts clean.
# shellcheck disable=SC1091
. /rig/config
. /rig/dom0-lib.sh
for name in $RIG_SCENARIOS; do
	f=/rig/scenarios/$name.sh
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
	for d in $(rig_domains); do
		echo "RIG-LOG [$(rig_uptime)] runner: destroying leftover guest $d"
		xl destroy "$d"
		rm -f "/run/rig/domid.$d"
	done
	echo "RIG-SCENARIO-END $name rc=$rc secs=$((SECONDS - t0)) verdicts=$n"
done
echo "RIG-ALL-DONE"
