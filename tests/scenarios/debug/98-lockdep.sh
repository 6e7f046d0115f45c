#!/bin/bash
# make check-debug: is dom0's lockdep still on? Lockdep switches itself off
# after its first report, whoever caused it; every scenario before this one
# was then only partly checked. check-debug runs this after the scenarios
# with our blkback and before the ones with the hostile backend hback
# (52, 53, 65), which maps grants with Linux's gntdev: its lock-order
# report would switch lockdep off.
# shellcheck source=scripts/rig/dom0-lib.sh
. "${RIG_LIB:-/rig/dom0-lib.sh}"
T=debug-lockdep
S=/proc/lockdep_stats
if [[ ! -r $S ]]; then
	rig_result $T/dom0-on FAIL "no $S: this dom0 kernel has no lockdep (flavour ${RIG_FLAVOUR:-?})"
	exit 0
fi
on=$(awk '$1 == "debug_locks:" { print $2 }' $S)
deps=$(awk -F: '/direct dependencies/ { split($2, a, " "); print a[1]; exit }' $S)
if [[ $on == 1 ]]; then
	rig_result $T/dom0-on PASS "dom0 lockdep still on ($deps direct dependencies recorded, xenstored: ${RIG_XENSTORED:-xenstored})"
else
	rig_result $T/dom0-on FAIL "dom0 lockdep switched itself off (debug_locks=${on:-?}): $(dmesg | grep -m1 -E 'possible (circular|recursive)|inconsistent lock state|WARNING: .*lock' || echo 'no report line found')"
fi
