#!/bin/bash
# make check's slice of the interoperability / data-integrity matrix (the
# whole matrix: make check-full, scripts/interop/run.sh) on 16 MiB loop
# devices: ours-ours with every workload (sequential + random mixed fio with
# crc32c verify over the whole device, fsync after every write, trim + zeros
# read back, ext4 round trip with detach/re-attach and 64 fsync'ed small
# files), both cross pairs with verify/fsync/trim, and ours-ours on a
# 4096-byte-sector device.
# shellcheck disable=SC1090,SC1091
. "${RIG_LIB:-/rig/dom0-lib.sh}"
# shellcheck disable=SC1091
. /rig/interop/matrix-lib.sh 2>/dev/null || {
	rig_result interop/subset FAIL "/rig/interop/matrix-lib.sh missing (tests/interop/rig-overlay.sh did not run)"
	exit 0
}
# shellcheck disable=SC2034 # read by matrix-lib.sh
MX_DEV_MIB=16
if ! mx_setup; then
	rig_result interop/subset FAIL "the matrix guest did not start"
	exit 0
fi
mx_run base ours-ours
MX_WL="seq fsync discard" mx_run base ours-intree
MX_WL="seq fsync discard" mx_run base intree-ours
MX_WL="seq discard" mx_run sect4k ours-ours
mx_teardown
