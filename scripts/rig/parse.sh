#!/bin/bash
# Turn a serial log into a verdict.
# Usage: parse.sh LOG ["expected scenario names"]
# Prints every RIG-TEST line, one FAIL per expected scenario that never
# finished (boot died or QEMU timed out), then "N passed, N failed, N skipped".
# Exit 0 only if nothing failed and dom0 printed RIG-ALL-DONE.
log=${1:?usage: parse.sh LOG [scenarios]}
expected=${2:-}
[[ -f $log ]] || { echo "parse.sh: no log $log" >&2; exit 2; }
awk -v expected="$expected" '
	function verdict(name, v, reason) {
		printf "  %-4s %s: %s\n", v, name, reason
		count[v]++
	}
	/RIG-TEST: / {
		line = substr($0, index($0, "RIG-TEST: ") + 10)
		n = split(line, f, " ")
		reason = line; sub(/^[^ ]+ +[^ ]+ */, "", reason)
		verdict(f[1], f[2], reason)
	}
	/RIG-SCENARIO-BEGIN / { cur = $NF; begun[cur] = 1 }
	/RIG-SCENARIO-END / {
		s = substr($0, index($0, "RIG-SCENARIO-END ") + 17); split(s, f, " "); ended[f[1]] = 1
	}
	/RIG-ALL-DONE/ { done = 1 }
	/RIG-BOOT-FAILED/ { bootfail = substr($0, index($0, "RIG-BOOT-FAILED")) }
	/\(XEN\) .*(Panic on CPU|FATAL)|Kernel panic - not syncing/ { if (!panic) panic = $0 }
	END {
		n = split(expected, e, " ")
		for (i = 1; i <= n; i++) {
			if (e[i] in ended) continue
			why = (e[i] in begun) ? "started but never finished" : "never started"
			if (bootfail) why = why " (" bootfail ")"
			else if (panic) why = why " (" panic ")"
			else why = why " (boot died or QEMU timed out)"
			verdict(e[i], "FAIL", why)
		}
		if (!done) {
			print "  rig: dom0 never printed RIG-ALL-DONE: the boot died or timed out"
			if (panic) print "  rig: first panic line: " panic
		}
		printf "%d passed, %d failed, %d skipped\n", count["PASS"], count["FAIL"], count["SKIP"]
		exit (count["FAIL"] > 0 || !done || (count["PASS"] + count["FAIL"] + count["SKIP"]) == 0) ? 1 : 0
	}' "$log"
