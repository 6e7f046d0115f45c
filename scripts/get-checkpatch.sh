#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# get-checkpatch.sh [OUTDIR]
#
# Fetches Debian's linux-source package for this host's suite (apt-get
# download, cached) and extracts only checkpatch.pl and the data files it
# reads into OUTDIR (default build/tools/checkpatch).  Prints the path of
# checkpatch.pl.  The kernel source is never unpacked into the tree.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/build/tools/checkpatch}
if [[ -x $OUT/scripts/checkpatch.pl ]]; then
	echo "$OUT/scripts/checkpatch.pl"
	exit 0
fi
mkdir -p "$OUT/deb"
pkg=$(apt-cache search --names-only '^linux-source-[0-9.]+$' | awk '{print $1}' | sort -V | tail -n 1)
[[ -n $pkg ]] || { apt-get update -qq >&2; pkg=$(apt-cache search --names-only '^linux-source-[0-9.]+$' | awk '{print $1}' | sort -V | tail -n 1); }
[[ -n $pkg ]] || { echo "get-checkpatch: no linux-source package found" >&2; exit 1; }
(cd "$OUT/deb" && ls "$pkg"_*.deb >/dev/null 2>&1 || apt-get download "$pkg" >&2)
deb=$(ls "$OUT/deb/$pkg"_*.deb | head -n 1)
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$OUT/deb" --wildcards '*/linux-source-*.tar.xz'
tarball=$(find "$OUT/deb" -name 'linux-source-*.tar.xz' | head -n 1)
top=$(basename "$tarball" .tar.xz)
tar -xJf "$tarball" -C "$OUT/deb" "$top/scripts/checkpatch.pl" \
	"$top/scripts/spelling.txt" "$top/scripts/const_structs.checkpatch"
mkdir -p "$OUT/scripts"
cp "$OUT/deb/$top/scripts/"{checkpatch.pl,spelling.txt,const_structs.checkpatch} "$OUT/scripts/"
rm -rf "$OUT/deb/$top" "$tarball"
echo "$OUT/scripts/checkpatch.pl"
