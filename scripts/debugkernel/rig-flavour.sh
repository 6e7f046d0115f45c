#!/bin/bash
# Make the debug kernel (scripts/debugkernel/build.sh) the rig's flavour
# "debug": $CACHE/debug/kernel/{boot/vmlinuz-KVER,lib/modules/KVER} and
# $CACHE/debug/env (KVER of the debug kernel, Xen of the bookworm flavour).
# The userspace tree and the hypervisor are bookworm's (scripts/rig/lib.sh),
# so `scripts/rig/prep.sh --flavour bookworm` must have run once.
# Repopulated only when the kernel build's stamp changes (images are cached
# by build-images.sh against $CACHE/debug/kernel/.rig-done).
# Usage: rig-flavour.sh KVER
set -euo pipefail
KVER=${1:?usage: rig-flavour.sh KVER}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
DK=${DK:-$REPO/build/debugkernel}
CACHE=${XENBLK_CACHE:-$REPO/build/rig}
FD=$CACHE/debug
K=$FD/kernel
die() { printf '[debugkernel] ERROR: %s\n' "$*" >&2; exit 1; }

[[ -f $DK/stamp ]] || die "no finished debug kernel build in $DK (run build.sh)"
[[ -f $CACHE/bookworm/env && -f $CACHE/bookworm/tree/.rig-pkgs && -f $CACHE/bookworm/xen/.rig-done ]] ||
	die "the rig's bookworm cache is incomplete: run scripts/rig/prep.sh --flavour bookworm once"
XENVER=$(sed -n 's/^XENVER=//p' "$CACHE/bookworm/env")
[[ -n $XENVER ]] || die "no XENVER in $CACHE/bookworm/env"
key="$(cat "$DK/stamp") $KVER"
mkdir -p "$FD"
if [[ ! -f $K/.rig-done || $(cat "$K/.rig-key" 2>/dev/null) != "$key" ]]; then
	rm -rf "$K"
	mkdir -p "$K/boot" "$K/lib/modules"
	cp "$DK/obj/arch/x86/boot/bzImage" "$K/boot/vmlinuz-$KVER"
	cp "$DK/obj/System.map" "$K/boot/System.map-$KVER"
	cp -a "$DK/modroot/lib/modules/$KVER" "$K/lib/modules/"
	rm -f "$K/lib/modules/$KVER/build" "$K/lib/modules/$KVER/source"
	echo "$key" >"$K/.rig-key"
	touch "$K/.rig-done"
fi
# sourced by scripts/rig/lib.sh: every value shell-quoted
printf 'KVER=%q\nXENVER=%q\nSUITE=bookworm\nRESOLVED=%q\n' "$KVER" "$XENVER" \
	"debug kernel from $DK ($(cat "$DK/stamp"))" >"$FD/env"
