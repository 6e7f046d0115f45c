#!/bin/bash
# Informative: the hostile-frontend suite of 50-hostile-front.sh against the
# IN-TREE xen-blkback. Prints HOSTILE-INFO lines, not RIG-TEST verdicts
# (only a setup problem or missing tooling is reported to the rig).
. "${RIG_LIB:-/rig/dom0-lib.sh}"
. /rig/hostile/scen-lib.sh 2>/dev/null || { rig_result hostile-front-intree SKIP "no /rig/hostile/scen-lib.sh (rig hook missing)"; exit 0; }
hs_front_suite intree ${HOSTILE_CASES:-}
rig_result hostile-front-intree PASS "informative run finished (see HOSTILE-INFO lines)"
