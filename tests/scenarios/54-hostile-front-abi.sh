#!/bin/bash
# Hostile frontend vs OUR xen-blkback in other ring layouts: request-level cases in the x86_32-abi slot layout, valid multi-page rings (order 2, 4), two valid queues with attacks on queue 1.
# Cases and pass criteria: tests/hostile/README.md. Verdicts: RIG-TEST lines.
. "${RIG_LIB:-/rig/dom0-lib.sh}"
. /rig/hostile/scen-lib.sh 2>/dev/null || { rig_result 54-hostile-front-abi SKIP "no /rig/hostile/scen-lib.sh (rig hook missing)"; exit 0; }
hs_front_suite ours "$HS_FRONT_ABI"
