#!/bin/bash
# Informative: the hostile-backend suite of 52-hostile-back.sh against the
# IN-TREE xen-blkfront (HOSTILE-INFO lines, not RIG-TEST verdicts).
. "${RIG_LIB:-/rig/dom0-lib.sh}"
. /rig/hostile/scen-lib.sh 2>/dev/null || { rig_result hostile-back-intree SKIP "no /rig/hostile/scen-lib.sh (rig hook missing)"; exit 0; }
hs_back_suite intree
rig_result hostile-back-intree PASS "informative run finished (see HOSTILE-INFO lines)"
