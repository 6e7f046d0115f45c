#!/bin/bash
# Build (cached) the xenblk debug kernel: Debian's linux-source-6.12 with
# x86_64_defconfig + xen.config + scripts/debugkernel/xenblk-debug.config,
# out of tree, at nice 19.
#
# Layout (all under $DK, default <repo>/build/debugkernel):
#   linux-source-6.12/   unpacked /usr/src/linux-source-6.12.tar.xz
#   obj/                 O= build directory (KDIR for our modules)
#   modroot/             make modules_install INSTALL_MOD_PATH=
#   stamp                cache key of the finished build
#   build.log            the make output
# Cache key: linux-source-6.12 package version + sha256 of the fragment +
# this script's BUILD_REV. Same key -> nothing is rebuilt.
# Env: DK, JOBS (default: nproc), DK_FORCE=1 (rebuild even on a key hit).
# Prints KVER=<kernel release> on the last line of stdout.
set -euo pipefail
BUILD_REV=1
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
DK=${DK:-$REPO/build/debugkernel}
FRAG=$HERE/xenblk-debug.config
TARBALL=/usr/src/linux-source-6.12.tar.xz
SRC=$DK/linux-source-6.12
OBJ=$DK/obj
MODROOT=$DK/modroot
JOBS=${JOBS:-$(nproc)}

say() { printf '[debugkernel %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

PKGVER=$(dpkg-query -W -f '${Version}' linux-source-6.12 2>/dev/null) ||
	die "linux-source-6.12 is not installed: apt-get install linux-source-6.12 (bookworm-security has it)"
[[ -f $TARBALL ]] || die "no $TARBALL"
KEY="rev$BUILD_REV $PKGVER $(sha256sum "$FRAG" | cut -c1-16)"

krel() { make -s -C "$SRC" O="$OBJ" kernelrelease 2>/dev/null; }

# one build at a time in $DK: a second caller waits, then finds the cache
mkdir -p "$DK"
exec 9>"$DK/.lock"
flock 9

if [[ ${DK_FORCE:-0} != 1 && -f $DK/stamp && $(cat "$DK/stamp") == "$KEY" &&
	-f $OBJ/arch/x86/boot/bzImage && -f $OBJ/Module.symvers ]]; then
	say "cached: $KEY"
	echo "KVER=$(krel)"
	exit 0
fi
say "building: $KEY"
rm -f "$DK/stamp"
mkdir -p "$DK"
if [[ ! -f $SRC/.pkgver || $(cat "$SRC/.pkgver") != "$PKGVER" ]]; then
	say "unpacking $TARBALL ($PKGVER)"
	rm -rf "$SRC" "$OBJ"
	tar -xf "$TARBALL" -C "$DK"
	echo "$PKGVER" >"$SRC/.pkgver"
fi
mkdir -p "$OBJ"
t0=$SECONDS
# the merged config is rebuilt from scratch every time the key changes
rm -f "$OBJ/.config"
make -s -C "$SRC" O="$OBJ" x86_64_defconfig
make -s -C "$SRC" O="$OBJ" xen.config
"$SRC/scripts/kconfig/merge_config.sh" -m -O "$OBJ" "$OBJ/.config" "$FRAG" >"$DK/merge.log"
make -s -C "$SRC" O="$OBJ" olddefconfig
# every line of the fragment must have survived olddefconfig
bad=0
while IFS= read -r l; do
	[[ $l =~ ^(CONFIG_[A-Z0-9_]+)=(.*)$ ]] || continue
	sym=${BASH_REMATCH[1]} want=${BASH_REMATCH[2]}
	got=$(grep -E "^$sym=" "$OBJ/.config" | cut -d= -f2- || true)
	if [[ $want == n ]]; then
		[[ -z $got ]] || { say "config: $sym wanted n, got $got"; bad=1; }
	elif [[ $got != "$want" ]]; then
		say "config: $sym wanted $want, got '${got:-unset}'"
		bad=1
	fi
done <"$FRAG"
((bad == 0)) || die "the fragment did not apply (see above); fix scripts/debugkernel/xenblk-debug.config"
KVER=$(krel)
say "config OK for $KVER; make -j$JOBS bzImage modules (log: $DK/build.log)"
if ! nice -n 19 make -C "$SRC" O="$OBJ" -j"$JOBS" bzImage modules >"$DK/build.log" 2>&1; then
	tail -n 30 "$DK/build.log" >&2
	die "kernel build failed"
fi
rm -rf "$MODROOT"
nice -n 19 make -s -C "$SRC" O="$OBJ" INSTALL_MOD_PATH="$MODROOT" modules_install >>"$DK/build.log" 2>&1 ||
	die "modules_install failed"
echo "$KEY" >"$DK/stamp"
say "built $KVER in $((SECONDS - t0))s"
printf '%s debugkernel-build %ds\n' "$(date -u +%FT%TZ)" $((SECONDS - t0)) >>"$DK/timings.txt"
echo "KVER=$KVER"
