# shellcheck shell=bash
# Hook of the DKMS check into the rig's image build (sourced, in a subshell,
# by scripts/rig/build-images.sh as: source tests/dkms/rig-overlay.sh <domU>
# <dom0>, with lib.sh's variables: REPO, FLAVOUR, KVER, IMG, WORK, LOGS).
#
# Only when this boot runs tests/scenarios/85-ops-dkms.sh: both modules as
# DKMS built and installed them in a chroot (tests/dkms/dkms-build.sh, cached
# by source hash) go to usr/lib/modules/$KVER/updates/dkms/ of the dom0 AND
# the domU image, with the modules.* indexes of depmod run over each image's
# whole module tree, so `modinfo`/`modprobe xen-blkback` resolve to them.
# The rig's own loaders are not affected: rig_load_back/rig_load_front load
# `ours` from /rig/ours and `intree` by the path of the kernel/ copy.
# Extra files: dom0 /rig/dkms/{srcversions,build-info,dkms-status,make.log,
# xenblk.modprobe.conf,uevent-modprobe,status}, domU /rig/dkms/{uevent-modprobe,
# xenblk.modprobe.conf}.
# A failed build leaves /rig/dkms/status = "FAIL <why>" for the scenario
# ("SKIP <why>" when no chroot could be made, e.g. no Debian archive).
[[ " ${RIG_SCENARIOS:-} " == *" 85-ops-dkms "* ]] || return 0
dkms_u=$1 dkms_o=$2
mkdir -p "$dkms_o/rig/dkms" "$dkms_u/rig/dkms"
for dkms_d in "$dkms_o" "$dkms_u"; do
	install -m 644 "$REPO/scripts/deb/xenblk.modprobe.conf" "$dkms_d/rig/dkms/xenblk.modprobe.conf"
	install -m 755 "$REPO/tests/dkms/uevent-modprobe" "$dkms_d/rig/dkms/uevent-modprobe"
done
dkms_rc=0
dkms_tar=$("$REPO/tests/dkms/dkms-build.sh" --flavour "$FLAVOUR" 2>"$WORK/dkms-build.err") || dkms_rc=$?
if ((dkms_rc)); then
	cat "$WORK/dkms-build.err" >&2
	# 3: no chroot could be made (environment) -> the scenario SKIPs loudly
	if ((dkms_rc == 3)); then dkms_v=SKIP; else dkms_v=FAIL; fi
	echo "$dkms_v DKMS build in the chroot (rc $dkms_rc): $(grep ERROR "$WORK/dkms-build.err" | tail -n 1)" \
		>"$dkms_o/rig/dkms/status"
	notice "tests/dkms: $(cat "$dkms_o/rig/dkms/status")"
	return 1
fi
cat "$WORK/dkms-build.err" >&2
tar -x -C "$dkms_o/rig/dkms" -f "$dkms_tar" ./meta
mv "$dkms_o"/rig/dkms/meta/* "$dkms_o/rig/dkms/" && rmdir "$dkms_o/rig/dkms/meta"

# dkms_image BASE-CPIO... OVERLAY: the image's module tree from its cpio(s)
# plus updates/dkms, depmod over it, then updates/ and the modules.* indexes
# into the overlay (usr/lib/modules: never a real lib/ in an overlay)
dkms_image() {
	local ov=${*: -1} m=$WORK/dkms-img c
	rm -rf "$m"
	mkdir -p "$m"
	for c in "${@:1:$#-1}"; do
		(cd "$m" && cpio -i -d --quiet 'usr/lib/modules/*' <"$c")
	done
	[[ -d $m/usr/lib/modules/$KVER ]] || { log "dkms hook: no modules of $KVER in $*"; return 1; }
	tar -x -C "$m/usr/lib/modules/$KVER" -f "$dkms_tar" ./updates
	depmod -b "$m/usr" "$KVER"
	mkdir -p "$ov/usr/lib/modules/$KVER"
	cp -a "$m/usr/lib/modules/$KVER/updates" "$ov/usr/lib/modules/$KVER/"
	cp -a "$m/usr/lib/modules/$KVER"/modules.* "$ov/usr/lib/modules/$KVER/"
	# the check the scenario repeats at run time
	modinfo -b "$m/usr" -k "$KVER" -n xen-blkfront | grep -q '/updates/dkms/' ||
		{ log "dkms hook: depmod of $ov does not prefer updates/"; return 1; }
	rm -rf "$m"
}
dkms_image "$IMG/dom0-mods.cpio" "$dkms_o" &&
	dkms_image "$IMG/domU-base.cpio" "$dkms_u" &&
	echo "OK $(basename "$dkms_tar")" >"$dkms_o/rig/dkms/status" ||
	echo "FAIL installing the DKMS modules into the images failed" >"$dkms_o/rig/dkms/status"
log "dkms hook: $(cat "$dkms_o/rig/dkms/status")"
unset dkms_u dkms_o dkms_d dkms_tar dkms_rc dkms_v
