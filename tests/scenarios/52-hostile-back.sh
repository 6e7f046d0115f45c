#!/bin/bash
# Hostile BACKEND (tests/hostile/hback.c in dom0) against OUR xen-blkfront
# (trusted=0): hback creates its own VBD (backend dir backend/hvbd, so no
# kernel backend claims it) next to a control VBD served by the in-tree
# backend. Verdict per case: no oops/BUG/WARN in the domU, the domU and the
# control VBD keep working, I/O on the hostile VBD ends (data or EIO) instead
# of hanging, a bogus response leaves a log line, kept grants corrupt nothing.
. "${RIG_LIB:-/rig/dom0-lib.sh}"
. /rig/hostile/scen-lib.sh 2>/dev/null || { rig_result hostile-back SKIP "no /rig/hostile/scen-lib.sh (rig hook missing)"; exit 0; }
hs_back_suite ours
