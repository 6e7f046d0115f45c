#!/bin/bash
# Hostile FRONTEND (tests/hostile/hfront.c in a domU) against OUR
# xen-blkback: one fresh VBD per case; a victim domU keeps doing I/O on
# another VBD of the same backend. Verdict per case = hfront's own check
# (error response / refusal / no leaked padding) AND no oops/BUG/WARN in
# dom0 AND the other VBD still serves AND the backend device goes away on
# detach; finally xl destroy of the hostile domain mid-I/O must leave no
# dying domain (grants still mapped) behind.
. "${RIG_LIB:-/rig/dom0-lib.sh}"
. /rig/hostile/scen-lib.sh 2>/dev/null || { rig_result hostile-front SKIP "no /rig/hostile/scen-lib.sh (rig hook missing)"; exit 0; }
hs_front_suite ours ${HOSTILE_CASES:-}
