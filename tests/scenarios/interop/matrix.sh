#!/bin/bash
# The whole interoperability / data-integrity matrix (issue 5) in one boot:
# every case of tests/interop/matrix-lib.sh for every pair (frontend-backend:
# ours-ours, ours-intree, intree-ours, intree-intree). In a sub-directory so
# that make check does not pick it up; scripts/interop/run.sh boots it per
# kernel generation (INTEROP_CASES / INTEROP_PAIRS narrow it down).
# shellcheck disable=SC1090,SC1091
. "${RIG_LIB:-/rig/dom0-lib.sh}"
# shellcheck disable=SC1091
. /rig/interop/matrix-lib.sh 2>/dev/null || {
	rig_result interop/matrix FAIL "/rig/interop/matrix-lib.sh missing (tests/interop/rig-overlay.sh did not run)"
	exit 0
}
cases=${MX_CASES:-$MX_ALL_CASES}
pairs=${MX_PAIRS:-$MX_ALL_PAIRS}
export MX_GEN_SUFFIX=1
rig_log "interop matrix $(mx_gen): cases: ${cases//$'\n'/ }; pairs: $pairs; ${MX_DEV_MIB} MiB devices"
if ! mx_setup; then
	for c in $cases; do for p in $pairs; do
		rig_result "$(mx_name "$c" "$p")" FAIL "the matrix guest did not start"
	done; done
	exit 0
fi
for c in $cases; do
	for p in $pairs; do
		mx_run "$c" "$p"
	done
done
mx_teardown
