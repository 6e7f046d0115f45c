#!/bin/bash
# Hostile backend vs OUR xen-blkfront: absurd xenstore geometry and limits.
# Cases and pass criteria: tests/hostile/README.md. Verdicts: RIG-TEST lines.
. "${RIG_LIB:-/rig/dom0-lib.sh}"
. /rig/hostile/scen-lib.sh 2>/dev/null || { rig_result 53-hostile-back-keys SKIP "no /rig/hostile/scen-lib.sh (rig hook missing)"; exit 0; }
hs_back_suite ours "$HS_BACK_KEYS" 
