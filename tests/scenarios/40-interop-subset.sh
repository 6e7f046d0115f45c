#!/bin/bash
# make check's slice of the interoperability / data-integrity matrix (the
# whole matrix: make check-full, scripts/interop/run.sh) on 8 MiB loop
# devices: ours-ours with sequential fio + crc32c verify over the whole
# device (one sector to 4 MiB, 4 jobs, QD 32), fsync after every write, trim
# + zeros read back, and the ext4 round trip (detach/re-attach, 64 fsync'ed
# small files, sha256 of every file); both cross pairs with the fio verify.
# About 6 minutes of rig time on a loaded host.
# shellcheck disable=SC1090,SC1091
. "${RIG_LIB:-/rig/dom0-lib.sh}"
# shellcheck disable=SC1091
. /rig/interop/matrix-lib.sh 2>/dev/null || {
	rig_result interop/subset FAIL "/rig/interop/matrix-lib.sh missing (tests/interop/rig-overlay.sh did not run)"
	exit 0
}
# shellcheck disable=SC2034 # read by matrix-lib.sh
MX_DEV_MIB=8
if ! mx_setup; then
	rig_result interop/subset FAIL "the matrix guest did not start"
	exit 0
fi
MX_WL="seq fsync discard fs" mx_run base ours-ours
MX_WL="seq" mx_run base ours-intree
MX_WL="seq" mx_run base intree-ours
mx_teardown
