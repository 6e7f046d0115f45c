# shellcheck shell=bash
# Hook of the operations checks into the rig's image build (sourced by
# scripts/rig/build-images.sh as: source tests/ops/rig-overlay.sh <domU> <dom0>).
# dom0 gets /rig/abi/ (Documentation/ABI/testing) and /rig/xenblk-vbd-status,
# which tests/scenarios/80-ops-abi-status.sh compares with what the modules do.
ops_o=$2
mkdir -p "$ops_o/rig/abi"
install -m 644 "$REPO"/Documentation/ABI/testing/* "$ops_o/rig/abi/"
install -m 755 "$REPO/scripts/xenblk-vbd-status" "$ops_o/rig/xenblk-vbd-status"
