#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms-build.sh [--flavour F]: build both modules the way a user's machine
# does, with DKMS, and print the path of a tar holding the result.
#
#   1. a chroot of the flavour's suite with dkms and linux-headers-$KVER
#      ($CACHE/<flavour>/dkms-tree, a copy of the rig's debootstrap tree; the
#      shared dom0 tree is only read);
#   2. the sources exactly as `make deb` packages them (scripts/deb/
#      build-deb.sh) copied to /usr/src/xenblk-<VERSION> in the chroot;
#   3. dkms add, dkms build -k $KVER, dkms install -k $KVER in the chroot;
#   4. the installed modules (updates/dkms/xen-blk*.ko) with their
#      srcversions and the DKMS logs go into
#      $CACHE/<flavour>/dkms/xenblk-dkms-<source hash>-<KVER>.tar
#      (a tar, not loose .ko files: kbuild's clean deletes *.ko below the repo).
# The tar is reused while the packaged sources stay byte-identical.
# Runs as root; needs the rig's prep cache (scripts/rig/prep.sh). Log:
# $CACHE/logs/dkms-<flavour>.log. Exit status: 0 done, 3 the chroot could
# not be made (no Debian archive?), anything else: the DKMS build failed.
# shellcheck source=scripts/rig/flavour-arg.sh
source "$(dirname "$0")/../../scripts/rig/flavour-arg.sh" "$@"
# shellcheck source=scripts/rig/lib.sh
source "$(dirname "$0")/../../scripts/rig/lib.sh"
[[ $(id -u) == 0 ]] || die "dkms-build needs root (chroot)"
[[ -f $TREE/.rig-pkgs && -n ${KVER:-} ]] || die "no prep cache for $FLAVOUR: run scripts/rig/prep.sh"
DT=$FDIR/dkms-tree
OUTD=$FDIR/dkms
DLOG=$LOGS/dkms-$FLAVOUR.log
VER=$(cat "$REPO/VERSION")
# packages of the DKMS chroot: what `apt-get install xenblk-dkms` pulls in on a
# user's machine (dkms brings gcc and make) plus the headers of the rig kernel
DKMS_PKGS="dkms linux-headers-$KVER"
STAMP="dkms-tree-v1 $KVER $DKMS_PKGS"
mkdir -p "$OUTD" "$LOGS"
exec 8>"$FDIR/.dkms-lock"
flock 8
W=$(mktemp -d "${TMPDIR:-/tmp}/xenblk-dkms.XXXXXX")
cleanup() {
	mountpoint -q "$DT/proc" && umount "$DT/proc"
	rm -rf "$W"
}
trap cleanup EXIT

mount_proc() { mountpoint -q "$DT/proc" || mount -t proc proc "$DT/proc"; }

# the environment, not our code: no chroot with dkms and headers
env_die() { log "ERROR: $*"; exit 3; }

in_dkms() {
	chroot "$DT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"
}

# the chroot is usable: stamp matches, the headers are there and gcc still
# compiles. (kbuild's clean, run by mistake at the repo, deletes *.o and *.a
# inside it; if dkms build then fails oddly, rm -rf the chroot.)
tree_ok() {
	[[ -f $DT/.dkms-tree && $(<"$DT/.dkms-tree") == "$STAMP" ]] || return 1
	[[ -e $DT/lib/modules/$KVER/build/Makefile ]] || return 1
	printf 'int main(void) { return 0; }\n' >"$DT/tmp/dkms-cc.c"
	in_dkms gcc -c -o /tmp/dkms-cc.o /tmp/dkms-cc.c >>"$DLOG" 2>&1 || return 1
	rm -f "$DT/tmp/dkms-cc.o" "$DT/tmp/dkms-cc.c"
}

make_tree() {
	tree_ok && return 0
	phase "DKMS chroot: copy of $TREE + $DKMS_PKGS -> $DT"
	mountpoint -q "$DT/proc" && umount "$DT/proc"
	rm -rf "$DT"
	# the shared tree is copied under the flavour's prep lock (prep may be
	# installing into it)
	(
		flock 7
		cp -a --reflink=auto "$TREE" "$DT"
	) 7>"$FDIR/.lock" || env_die "copying $TREE to $DT failed"
	rm -f "$DT"/.rig-*
	printf '#!/bin/sh\nexit 101\n' >"$DT/usr/sbin/policy-rc.d"
	chmod +x "$DT/usr/sbin/policy-rc.d"
	cp /etc/resolv.conf "$DT/etc/resolv.conf" 2>/dev/null || true
	# dkms (also run by the headers' postinst hook) needs /dev/fd -> /proc
	mount_proc
	# shellcheck disable=SC2086
	if ! in_dkms apt-get install -y --no-install-recommends $DKMS_PKGS >>"$DLOG" 2>&1; then
		log "dkms chroot: install failed, apt-get update and retry"
		in_dkms apt-get update >>"$DLOG" 2>&1 || true
		# shellcheck disable=SC2086
		in_dkms apt-get install -y --no-install-recommends $DKMS_PKGS >>"$DLOG" 2>&1 ||
			{ tail -n 20 "$DLOG" >&2; env_die "apt-get install $DKMS_PKGS in $DT"; }
	fi
	in_dkms apt-get clean
	echo "$STAMP" >"$DT/.dkms-tree"
	tree_ok || env_die "DKMS chroot $DT: no working gcc or no /lib/modules/$KVER/build"
}

# the package's source tree and its hash
"$REPO/scripts/deb/build-deb.sh" "$W/deb" >>"$DLOG" 2>&1 ||
	{ tail -n 5 "$DLOG" >&2; die "scripts/deb/build-deb.sh failed"; }
SRC=$W/deb/pkg/usr/src/xenblk-$VER
[[ -f $SRC/dkms.conf ]] || die "no dkms.conf in the package source"
HASH=$( (cd "$W/deb/pkg/usr/src" && tar --sort=name --mtime=@0 --owner=0 --group=0 \
	--numeric-owner -cf - "xenblk-$VER") | sha256sum | cut -c1-16)
OUT=$OUTD/xenblk-dkms-$HASH-$KVER.tar
if [[ -f $OUT ]]; then
	log "DKMS build of sources $HASH for $KVER: cached ($OUT)"
	echo "$OUT"
	exit 0
fi

{ echo "=== $(date -u +%FT%TZ) DKMS build of xenblk $VER, sources $HASH, kernel $KVER"; } >>"$DLOG"
timed dkms-chroot make_tree
t0=$SECONDS
mount_proc
# forget earlier builds (any version), then add the current sources
for old in "$DT"/usr/src/xenblk-*; do
	[[ -e $old ]] || continue
	in_dkms dkms remove -m xenblk -v "${old##*/xenblk-}" --all >>"$DLOG" 2>&1 || true
	rm -rf "$old"
done
rm -rf "$DT/var/lib/dkms/xenblk"
cp -a "$SRC" "$DT/usr/src/"
for step in "add -m xenblk -v $VER" "build -m xenblk -v $VER -k $KVER" "install -m xenblk -v $VER -k $KVER"; do
	echo "=== dkms $step" >>"$DLOG"
	# shellcheck disable=SC2086
	if ! in_dkms dkms $step >>"$DLOG" 2>&1; then
		find "$DT/var/lib/dkms/xenblk" -name make.log -exec tail -n 30 {} \; >>"$DLOG" 2>/dev/null
		tail -n 30 "$DLOG" >&2
		die "dkms $step failed (log: $DLOG)"
	fi
done
status=$(in_dkms dkms status -m xenblk 2>&1) || true
echo "$status" >>"$DLOG"
umount "$DT/proc"

# collect: updates/dkms/*.ko as dkms installed them, plus what the scenario
# compares against
mkdir -p "$W/out/updates/dkms" "$W/out/meta"
n=0
while read -r ko; do
	cp "$ko" "$W/out/updates/dkms/"
	n=$((n + 1))
done < <(find "$DT/lib/modules/$KVER/" -path "$DT/lib/modules/$KVER/kernel" -prune -o \
	-name 'xen-blk*.ko*' -print)
((n == 2)) || die "dkms install left $n xen-blk*.ko under /lib/modules/$KVER (want 2)"
for ko in "$W"/out/updates/dkms/*; do
	printf '%s %s %s\n' "$(basename "$ko")" "$(modinfo -F srcversion "$ko")" \
		"$(find "$DT/lib/modules/$KVER/" -name "$(basename "$ko")" -printf '%P\n' | head -n 1)"
done >"$W/out/meta/srcversions"
find "$DT/var/lib/dkms/xenblk" -name make.log -exec cp {} "$W/out/meta/make.log" \;
echo "$status" >"$W/out/meta/dkms-status"
printf 'sources %s\nkernel %s\nversion %s\nbuilt %s\nseconds %s\n' "$HASH" "$KVER" "$VER" \
	"$(date -u +%FT%TZ)" $((SECONDS - t0)) >"$W/out/meta/build-info"
tar -cf "$OUT.tmp" -C "$W/out" .
mv "$OUT.tmp" "$OUT"
# keep the three newest builds
find "$OUTD" -name 'xenblk-dkms-*.tar' -printf '%T@ %p\n' | sort -rn | tail -n +4 |
	cut -d' ' -f2- | xargs -r rm -f
log "DKMS build of sources $HASH for $KVER: $((SECONDS - t0)) s -> $OUT"
cat "$W/out/meta/srcversions" >&2
echo "$OUT"
