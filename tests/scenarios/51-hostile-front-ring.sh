#!/bin/bash
# Hostile frontend vs OUR xen-blkback: ring indexes, event storms, xenstore handshake abuse, xl destroy mid-I/O, grants left.
# Cases and pass criteria: tests/hostile/README.md. Verdicts: RIG-TEST lines.
. "${RIG_LIB:-/rig/dom0-lib.sh}"
. /rig/hostile/scen-lib.sh 2>/dev/null || { rig_result 51-hostile-front-ring SKIP "no /rig/hostile/scen-lib.sh (rig hook missing)"; exit 0; }
hs_front_suite ours "$HS_FRONT_RING" 1
