#!/bin/bash
# Informative: 52-hostile-back-io against the IN-TREE xen-blkfront.
# Cases and pass criteria: tests/hostile/README.md. Informative: HOSTILE-INFO lines, not RIG-TEST verdicts.
. "${RIG_LIB:-/rig/dom0-lib.sh}"
# in-tree drivers may oops or WARN under hostile input: informative here
rig_expect_kernel_trouble "informative hostile run against an in-tree driver"
. /rig/hostile/scen-lib.sh 2>/dev/null || { rig_result 57-hostile-intree-back-io SKIP "no /rig/hostile/scen-lib.sh (rig hook missing)"; exit 0; }
hs_back_suite intree "$HS_BACK_IO" 
rig_result 57-hostile-intree-back-io PASS "informative run finished (HOSTILE-INFO lines)"
