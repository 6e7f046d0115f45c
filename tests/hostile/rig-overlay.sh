# shellcheck shell=bash
# Hook of the hostile-peer suite into the rig's image build. Sourced by
# scripts/rig/build-images.sh (build_overlays) as
#     source tests/hostile/rig-overlay.sh <domU overlay dir> <dom0 overlay dir>
# with lib.sh's variables set (REPO, KDIR, KVER). It adds:
#   domU: /rig/bin/hfront, /rig/hostile/{xen-evtchn,xen-gntalloc}.ko
#   dom0: /rig/bin/{hfront,hback}, /rig/hostile/scen-lib.sh
# A build failure only drops the programs (the scenarios then SKIP).
hostile_u=$1 hostile_o=$2
hostile_bin=$REPO/build/hostile
mkdir -p "$hostile_u/rig/bin" "$hostile_u/rig/hostile" "$hostile_o/rig/bin" "$hostile_o/rig/hostile"
if make -s -C "$REPO/tests/hostile" BUILD="$hostile_bin" >"$LOGS/hostile-make.log" 2>&1; then
	install -m 755 "$hostile_bin/hfront" "$hostile_u/rig/bin/hfront"
	install -m 755 "$hostile_bin/hfront" "$hostile_bin/hback" "$hostile_o/rig/bin/"
else
	log "tests/hostile: build failed (see $LOGS/hostile-make.log); hostile scenarios will SKIP"
fi
install -m 644 "$REPO/tests/hostile/scen-lib.sh" "$hostile_o/rig/hostile/scen-lib.sh"
# the domU's xen-evtchn/xen-gntalloc: from the rig's module tree (modtree()
# unpacks the kernel .deb) or from an unpacked kernel under KDIR
if declare -F modtree >/dev/null; then
	modtree
fi
for hostile_m in xen-evtchn xen-gntalloc; do
	hostile_p=$(find ${MODTREE:+"$MODTREE"} "$KDIR" -name "$hostile_m.ko*" 2>/dev/null | head -n 1) || true
	if [[ -n $hostile_p ]]; then
		cp "$hostile_p" "$hostile_u/rig/hostile/"
	else
		log "tests/hostile: no $hostile_m.ko found for the domU; hfront cannot run"
	fi
done
unset hostile_u hostile_o hostile_bin hostile_m hostile_p
