#!/bin/bash
# Hostile backend (hback in dom0) vs OUR xen-blkfront (trusted=0): bogus responses, storms, kept grants.
# Cases and pass criteria: tests/hostile/README.md. Verdicts: RIG-TEST lines.
. "${RIG_LIB:-/rig/dom0-lib.sh}"
. /rig/hostile/scen-lib.sh 2>/dev/null || { rig_result 52-hostile-back-io SKIP "no /rig/hostile/scen-lib.sh (rig hook missing)"; exit 0; }
hs_back_suite ours "$HS_BACK_IO" 
