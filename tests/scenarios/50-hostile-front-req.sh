#!/bin/bash
# Hostile frontend (hfront in a domU) vs OUR xen-blkback: malformed requests.
# Cases and pass criteria: tests/hostile/README.md. Verdicts: RIG-TEST lines.
. "${RIG_LIB:-/rig/dom0-lib.sh}"
. /rig/hostile/scen-lib.sh 2>/dev/null || { rig_result 50-hostile-front-req SKIP "no /rig/hostile/scen-lib.sh (rig hook missing)"; exit 0; }
hs_front_suite ours "$HS_FRONT_REQ" 
