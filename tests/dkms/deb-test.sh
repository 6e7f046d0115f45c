#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deb-test.sh [--flavour F]: `make deb`'s package on a Debian system, in the
# DKMS chroot of tests/dkms/dkms-build.sh (created by it when missing):
#   1. apt-get install ./xenblk-dkms_<version>_all.deb: the postinst must
#      leave xenblk "installed" in `dkms status` for the rig kernel, with both
#      modules in /lib/modules/$KVER/updates/dkms/;
#   2. apt-get remove xenblk-dkms: the prerm must take both modules away.
# Output is TAP; exit status 0 when every point passed. Runs as root.
# shellcheck source=scripts/rig/flavour-arg.sh
source "$(dirname "$0")/../../scripts/rig/flavour-arg.sh" "$@"
# shellcheck source=scripts/rig/lib.sh
source "$(dirname "$0")/../../scripts/rig/lib.sh"
set +e
[[ $(id -u) == 0 ]] || die "deb-test needs root (chroot)"
# the chroot (and a cached DKMS build; cheap when nothing changed)
"$(dirname "$0")/dkms-build.sh" --flavour "$FLAVOUR" >/dev/null || die "dkms-build.sh failed"
DT=$FDIR/dkms-tree
VER=$(cat "$REPO/VERSION")
DLOG=$LOGS/dkms-deb-$FLAVOUR.log
MD=$DT/lib/modules/$KVER/updates/dkms
exec 8>"$FDIR/.dkms-lock"
flock 8
W=$(mktemp -d "${TMPDIR:-/tmp}/xenblk-deb.XXXXXX")
trap 'mountpoint -q "$DT/proc" && umount "$DT/proc"; rm -rf "$W"' EXIT
in_dkms() {
	chroot "$DT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"
}
n=0 bad=0
point() { # ok? description
	n=$((n + 1))
	if [[ $1 == 0 ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; bad=$((bad + 1)); fi
}
echo "1..4"
: >"$DLOG"
make -s -C "$REPO" deb BUILD="$W" >>"$DLOG" 2>&1
deb=$W/deb/xenblk-dkms_${VER}_all.deb
[[ -f $deb ]]
point $? "make deb built $(basename "$deb")"
mountpoint -q "$DT/proc" || mount -t proc proc "$DT/proc"
# start from a system without xenblk (dkms-build.sh adds it by hand)
for old in "$DT"/usr/src/xenblk-*; do
	[[ -e $old ]] || continue
	in_dkms dkms remove -m xenblk -v "${old##*/xenblk-}" --all >>"$DLOG" 2>&1
	rm -rf "$old"
done
rm -rf "$DT/var/lib/dkms/xenblk"
cp "$deb" "$DT/tmp/"
t0=$SECONDS
in_dkms apt-get install -y --no-install-recommends "/tmp/$(basename "$deb")" >>"$DLOG" 2>&1
rc=$?
secs=$((SECONDS - t0))
st=$(in_dkms dkms status -m xenblk 2>&1)
echo "dkms status: $st" >>"$DLOG"
kos=$(find "$MD" -name "xen-blk*.ko*" 2>/dev/null | wc -l)
[[ $rc == 0 && $st == *"$KVER"*installed* && $kos == 2 ]]
point $? "apt-get install ./$(basename "$deb"): rc=$rc in ${secs}s, dkms status '$st', $kos modules in updates/dkms"
sv=$(modinfo -F srcversion "$MD/xen-blkfront.ko" 2>/dev/null)
[[ -n $sv ]]
point $? "the installed xen-blkfront.ko carries a srcversion ($sv)"
in_dkms apt-get remove -y xenblk-dkms >>"$DLOG" 2>&1
rc=$?
kos=$(find "$MD" -name "xen-blk*.ko*" 2>/dev/null | wc -l)
st=$(in_dkms dkms status -m xenblk 2>&1)
[[ $rc == 0 && $kos == 0 && -z $st ]]
point $? "apt-get remove xenblk-dkms: rc=$rc, $kos modules left, dkms status '${st}'"
rm -f "$DT/tmp/$(basename "$deb")"
echo "# log: $DLOG"
((bad == 0))
