# shellcheck shell=bash
# Hook of the lifecycle suite into the rig's image build. Sourced by
# scripts/rig/build-images.sh (build_overlays) as
#     source tests/lifecycle/rig-overlay.sh <domU overlay dir> <dom0 overlay dir>
# It adds dom0's /rig/life/life-lib.sh (helpers of tests/scenarios/6x-life-*).
mkdir -p "$2/rig/life"
install -m 644 "$REPO/tests/lifecycle/life-lib.sh" "$2/rig/life/life-lib.sh"
