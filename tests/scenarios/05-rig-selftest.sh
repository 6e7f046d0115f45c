#!/bin/bash
# Rig self-test: the dom0 -> domU command channel (rig_domu_run) returns
# output and exit status faithfully. Needs no block driver.
. "${RIG_LIB:-/rig/dom0-lib.sh}"
T=rig-selftest
rig_domu_start st 1 512 || { rig_result $T/start FAIL "domU did not start"; exit 0; }
rig_result $T/start PASS "domU agent ready"

out=$(rig_domu_run st 'echo hello; echo err >&2; exit 3')
rc=$?
if [[ $rc == 3 && $out == $'hello\nerr' ]]; then
	rig_result $T/run PASS "output and rc=3 round-trip"
else
	rig_result $T/run FAIL "rc=$rc out=$(printf %q "$out")"
fi

out=$(rig_domu_run st 'printf "no-newline"')
rc=$?
[[ $rc == 0 && $out == no-newline ]] && rig_result $T/no-newline PASS "unterminated output" ||
	rig_result $T/no-newline FAIL "rc=$rc out=$(printf %q "$out")"

t0=$(rig_uptime)
for i in 1 2 3 4 5; do RIG_DEBUG=1 rig_domu_run st "echo $i" >/dev/null || break; done
rig_log "5 round-trips took $(awk -v a="$t0" -v b="$(rig_uptime)" 'BEGIN{printf "%.2f", b-a}') s"
out=$(rig_domu_run st 'seq 1 2000 | wc -l; uname -r; lsmod | grep -c xen_blk')
[[ $out == $'2000\n'"$(uname -r)"$'\n0' ]] && rig_result $T/state PASS "same kernel, no xen_blk* module auto-loaded" ||
	rig_result $T/state FAIL "$(printf %q "$out")"

rig_domu_run st 'sleep 5' 1 >/dev/null
rc=$?
[[ $rc == 124 ]] && rig_result $T/timeout PASS "a hung command times out (124)" ||
	rig_result $T/timeout FAIL "rc=$rc"
sleep 4.5
out=$(rig_domu_run st 'echo after')
[[ $out == after ]] && rig_result $T/after-timeout PASS "agent usable after a timeout" ||
	rig_result $T/after-timeout FAIL "$(printf %q "$out")"
rig_domu_stop st
rig_alive st && rig_result $T/stop FAIL "still running" || rig_result $T/stop PASS "domU powered off"
