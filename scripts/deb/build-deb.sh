#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-deb.sh OUTDIR: builds xenblk-dkms_<version>_all.deb, a DKMS source
# package: the sources go to /usr/src/xenblk-<version>/ and the postinst
# builds and installs both modules for every kernel with headers present.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/build/deb}
VER=$(cat "$ROOT/VERSION")
grep -q "^PACKAGE_VERSION=\"$VER\"$" "$ROOT/dkms.conf" ||
	{ echo "build-deb: dkms.conf's PACKAGE_VERSION differs from VERSION ($VER)" >&2; exit 1; }
PKG=$OUT/pkg
rm -rf "$PKG"
SRC=$PKG/usr/src/xenblk-$VER
mkdir -p "$SRC/scripts" "$PKG/DEBIAN" "$PKG/usr/share/doc/xenblk-dkms"
(cd "$ROOT" && git ls-files Makefile Kbuild Kbuild.include VERSION dkms.conf \
	common include compat xen-blkback xen-blkfront scripts/probe-kernel.sh) |
	while read -r f; do
		mkdir -p "$SRC/$(dirname "$f")"
		cp -p "$ROOT/$f" "$SRC/$f"
	done
cp "$ROOT/README.md" "$PKG/usr/share/doc/xenblk-dkms/"
cp "$ROOT/scripts/deb/xenblk.modprobe.conf" "$PKG/usr/share/doc/xenblk-dkms/"
cat > "$PKG/DEBIAN/control" <<CTRL
Package: xenblk-dkms
Version: $VER
Architecture: all
Section: kernel
Priority: optional
Depends: dkms (>= 2.1), make, gcc
Recommends: linux-headers-amd64 | linux-headers
Maintainer: xenblk developers <xenblk-dev@localhost>
Description: Xen PV block drivers (xen-blkfront, xen-blkback), DKMS source
 Out-of-tree replacements for the in-tree Xen paravirtual block frontend
 and backend: multi-queue rings, multi-page rings, indirect segments,
 persistent grants, hardened against hostile peers.  DKMS builds them for
 every installed kernel into updates/dkms, where they take precedence over
 the in-tree modules.
CTRL
cat > "$PKG/DEBIAN/postinst" <<POST
#!/bin/sh
set -e
# A kernel without headers or a failed build must not fail the package (the
# other kernels still get the modules), but it must be said.
if [ "\$1" = configure ]; then
	dkms add -m xenblk -v $VER 2>/dev/null || true
	for k in \$(ls /lib/modules); do
		if [ ! -e /lib/modules/\$k/build ]; then
			echo "xenblk-dkms: no headers for \$k, modules not built (apt install linux-headers-\$k)" >&2
			continue
		fi
		dkms build -m xenblk -v $VER -k \$k && dkms install -m xenblk -v $VER -k \$k ||
			echo "xenblk-dkms: WARNING: build/install for \$k failed; see /var/lib/dkms/xenblk/$VER/build/make.log" >&2
	done
fi
POST
cat > "$PKG/DEBIAN/prerm" <<PRERM
#!/bin/sh
set -e
dkms remove -m xenblk -v $VER --all 2>/dev/null || true
PRERM
chmod 755 "$PKG/DEBIAN/postinst" "$PKG/DEBIAN/prerm"
mkdir -p "$OUT"
dpkg-deb --root-owner-group --build "$PKG" "$OUT/xenblk-dkms_${VER}_all.deb" >/dev/null
echo "$OUT/xenblk-dkms_${VER}_all.deb"
