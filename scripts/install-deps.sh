#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# install-deps.sh: the host packages the build and the tests need (Debian 12,
# run as root).  The rig's own packages (qemu, debootstrap, ...) are
# installed by scripts/rig/prep.sh.  Idempotent and quick when all present.
set -euo pipefail
PKGS=(make gcc gcc-multilib libc6-dev libxen-dev sparse perl kmod bc flex bison
      libelf-dev libssl-dev cpio file xz-utils rsync clang)
need=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		need+=("$p")
done
if ((${#need[@]})); then
	echo "install-deps: apt-get install ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y --no-install-recommends "${need[@]}" ||
		{ apt-get update && apt-get install -y --no-install-recommends "${need[@]}"; }
fi
echo "install-deps: all present"
