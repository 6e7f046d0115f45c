#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rig-kdir.sh: print the kernel build tree (KDIR) of the kernel the rig
# boots (Debian bookworm's linux-image-amd64), installing its headers
# package on the host when missing.  The rig records the version it
# resolved in build/rig/bookworm/env; before the first rig run the version
# comes from apt's linux-image-amd64 dependency.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ENV=${XENBLK_CACHE:-$ROOT/build/rig}/bookworm/env
KVER=
if [[ -f $ENV ]]; then
	KVER=$(. "$ENV" && echo "${KVER:-}")
fi
if [[ -z $KVER ]]; then
	KVER=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/.*Depends: linux-image-\([0-9].*-amd64\)$/\1/p' | head -n 1)
fi
if [[ -z $KVER ]]; then
	apt-get update -qq >&2
	KVER=$(apt-cache depends linux-image-amd64 |
		sed -n 's/.*Depends: linux-image-\([0-9].*-amd64\)$/\1/p' | head -n 1)
fi
[[ -n $KVER ]] || { echo "rig-kdir: cannot resolve the rig kernel version" >&2; exit 1; }
if [[ ! -f /usr/src/linux-headers-$KVER/Makefile ]]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		"linux-headers-$KVER" >&2
fi
echo "/usr/src/linux-headers-$KVER"
