#!/bin/bash
# Informative: 54-hostile-front-abi against the IN-TREE xen-blkback.
# Cases and pass criteria: tests/hostile/README.md. Informative: HOSTILE-INFO lines, not RIG-TEST verdicts.
. "${RIG_LIB:-/rig/dom0-lib.sh}"
# in-tree drivers may oops or WARN under hostile input: informative here
rig_expect_kernel_trouble "informative hostile run against an in-tree driver"
. /rig/hostile/scen-lib.sh 2>/dev/null || { rig_result 59-hostile-intree-front-abi SKIP "no /rig/hostile/scen-lib.sh (rig hook missing)"; exit 0; }
hs_front_suite intree "$HS_FRONT_ABI"
rig_result 59-hostile-intree-front-abi PASS "informative run finished (HOSTILE-INFO lines)"
