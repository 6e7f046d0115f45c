#!/bin/bash
# shellcheck disable=SC2016  # domU commands are single-quoted: they expand in the domU
# DKMS as on a user's machine (issue 9). tests/dkms/rig-overlay.sh ran
# `dkms add/build/install` in a chroot of the rig's suite against the rig
# kernel and put the installed modules into updates/dkms/ of the dom0 AND the
# domU image (depmod run over each). This scenario proves:
#  build:          the DKMS build in the image build succeeded;
#  modinfo-dom0/-domU: `modinfo -n` resolves xen-blkback in dom0 and
#                  xen-blkfront in the domU into updates/, with the srcversion
#                  of the DKMS-built .ko (the in-tree copy is still there);
#  autoload-back/-front, fio-verify: with no block driver loaded anywhere,
#                  `xl block-attach` alone loads OUR modules: in dom0 the
#                  stock systemd-udevd (80-drivers.rules: kmod load of
#                  MODALIAS xen-backend:vbd), in the domU a busybox uevent
#                  helper doing what that rule does (modprobe -b xen:vbd);
#                  the VBD connects, fio writes and verifies crc32c;
#  modprobe-conf-dom0/-domU: scripts/deb/xenblk.modprobe.conf lets
#                  `modprobe -b <modalias>` load ours, and refuses the in-tree
#                  module once ours is gone from updates/ (control: without
#                  the snippet the in-tree module loads);
#  intree-path:    rig_load_back/rig_load_front intree still load the in-tree
#                  modules although depmod prefers ours, so the other
#                  scenarios of a boot with these images are unaffected.
. "${RIG_LIB:-/rig/dom0-lib.sh}"
T=ops-dkms
D=dkms
DK=/rig/dkms
MD=/lib/modules/$(uname -r)
CONF=/etc/modprobe.d/xenblk.conf
HIDDEN=/run/rig/dkms-updates
UDEVD_UP=0

cleanup() {
	((UDEVD_UP)) && udevadm control --exit 2>/dev/null
	rm -f "$CONF"
	if [[ -d $HIDDEN ]]; then
		mv "$HIDDEN" "$MD/updates" && depmod -a
	fi
}
trap cleanup EXIT
fail() { rig_result "$T/$1" FAIL "$2"; rig_domu_stop $D >/dev/null 2>&1; exit 0; }

# origin of the loaded module $1 from its taint and srcversion: "ours <sv>",
# "intree", "none"
origin0() {
	local m=$1
	[[ -d /sys/module/$m ]] || { echo none; return; }
	echo "$(rig_mod_origin_local "$m") $(cat "/sys/module/$m/srcversion" 2>/dev/null)"
}

# ---- build ------------------------------------------------------------------
[[ -f $DK/status ]] || fail build "no $DK/status: the image was built without tests/dkms/rig-overlay.sh"
read -r st why <"$DK/status"
if [[ $st == SKIP ]]; then
	rig_result $T/build SKIP "no DKMS chroot, nothing of this scenario ran: $why"
	exit 0
fi
[[ $st == OK ]] || fail build "${why:-unknown}"
want_b=$(awk '$1 ~ /^xen-blkback\.ko/ {print $2}' "$DK/srcversions")
want_f=$(awk '$1 ~ /^xen-blkfront\.ko/ {print $2}' "$DK/srcversions")
[[ -n $want_b && -n $want_f ]] || fail build "no srcversions recorded: $(tr '\n' ' ' <"$DK/srcversions")"
rig_result $T/build PASS "$(tr '\n' ' ' <"$DK/dkms-status")in $(awk '$1 == "seconds" {print $2}' "$DK/build-info") s; srcversions back $want_b front $want_f"

# ---- modinfo in dom0 --------------------------------------------------------
rig_unload_back || fail modinfo-dom0 "a backend is loaded and cannot be unloaded"
p=$(modinfo -n xen-blkback 2>&1)
sv=$(modinfo -F srcversion xen-blkback 2>&1)
it=$(rig_intree_ko xen-blkback)
if [[ $p == */updates/* && -f $p && $sv == "$want_b" && -n $it && $it != "$p" ]]; then
	rig_result $T/modinfo-dom0 PASS "modinfo -n xen-blkback = $p, srcversion $sv = DKMS build; in-tree copy at $it not chosen"
else
	rig_result $T/modinfo-dom0 FAIL "modinfo -n xen-blkback = '$p' srcversion '$sv' (DKMS built $want_b; in-tree '$it')"
fi

# ---- modinfo in the domU ----------------------------------------------------
rd=$(rig_brd 64) || fail setup "brd"
rig_domu_start $D 2 384 || fail setup "domU did not start"
out=$(rig_domu_run $D '/usr/sbin/modinfo -n xen-blkfront; /usr/sbin/modinfo -F srcversion xen-blkfront' 30)
p=$(sed -n 1p <<<"$out") sv=$(sed -n 2p <<<"$out")
if [[ $p == */updates/* && $sv == "$want_f" ]]; then
	rig_result $T/modinfo-domU PASS "modinfo -n xen-blkfront = $p, srcversion $sv = DKMS build"
else
	rig_result $T/modinfo-domU FAIL "modinfo in the domU: $(tr '\n' ' ' <<<"$out") (DKMS built $want_f)"
fi

# ---- autoload on xl block-attach --------------------------------------------
before_f=$(rig_mod_origin $D xen_blkfront)
[[ $(origin0 xen_blkback) == none && $before_f == none ]] ||
	fail autoload-back "a block driver is loaded before the attach (back $(origin0 xen_blkback), front $before_f)"
# dom0: the stock udev daemon and rules of the dom0 tree
udevd=$(command -v systemd-udevd || echo /lib/systemd/systemd-udevd)
if ! "$udevd" --daemon --resolve-names=never >/run/rig/dkms-udevd.log 2>&1; then
	fail autoload-back "systemd-udevd did not start: $(tail -n 3 /run/rig/dkms-udevd.log | tr '\n' ' ')"
fi
UDEVD_UP=1
# domU: a netlink uevent listener running the 80-drivers.rules equivalent
rig_domu_run $D 'rm -f /tmp/uevent-modprobe.log; /bin/busybox uevent /rig/dkms/uevent-modprobe </dev/null >/dev/null 2>&1 &
echo $! >/tmp/uevent.pid; sleep 1; kill -0 $(cat /tmp/uevent.pid)' 30 ||
	fail autoload-front "busybox uevent did not start in the domU"
udevadm settle -t 10 2>/dev/null
rig_log "udevd in dom0 and the uevent helper in $D are up; xl block-attach with no driver loaded"
t0=$(rig_uptime)
if ! rig_attach $D "$rd" xvdb; then
	rig_result $T/autoload-back FAIL "xl block-attach failed: back $(origin0 xen_blkback)"
	fail autoload-front "not reached"
fi
rig_wait_state $D xvdb back 4 60 && rig_wait_state $D xvdb front 4 60 && rig_wait_disk $D xvdb 30
connected=$?
secs=$(awk -v a="$t0" -v b="$(rig_uptime)" 'BEGIN {printf "%.1f", b - a}')
ob=$(origin0 xen_blkback)
of=$(rig_domu_run $D 'if [ -d /sys/module/xen_blkfront ]; then grep -q O /sys/module/xen_blkfront/taint && echo ours || echo intree; cat /sys/module/xen_blkfront/srcversion; else echo none; fi' 30 | tr '\n' ' ')
ulog=$(rig_domu_run $D 'cat /tmp/uevent-modprobe.log' 30 | grep 'xen:vbd' | head -n 2 | tr '\n' ' ')
drv=$(rig_bound_driver $D xvdb)
rig_log "domU uevent helper: $ulog"
if [[ $ob == "ours $want_b" && $drv == xen_blkback/* ]]; then
	rig_result $T/autoload-back PASS "udevd loaded our xen-blkback (taint O, srcversion $want_b) on the vbd uevent; bound"
else
	rig_result $T/autoload-back FAIL "after attach: backend '$ob' (want 'ours $want_b'), bound $drv"
fi
if [[ $of == "ours $want_f " && $drv == */xen_blkfront ]]; then
	rig_result $T/autoload-front PASS "modprobe -b xen:vbd from the uevent loaded our xen-blkfront (srcversion $want_f); connected in $secs s"
else
	rig_result $T/autoload-front FAIL "after attach: frontend '$of' (want 'ours $want_f'), bound $drv, connected=$connected; helper: $ulog"
fi
if ((connected == 0)); then
	out=$(rig_fio $D vw --filename=/dev/xvdb --rw=write --bs=64k --size=32M --iodepth=8 --ioengine=libaio \
		--direct=1 --verify=crc32c --do_verify=1 --verify_fatal=1)
	rc=$?
	if [[ $rc == 0 ]] && grep -q 'err= 0' <<<"$out"; then
		rig_result $T/fio-verify PASS "32 MiB write + crc32c verify through the autoloaded pair"
	else
		echo "$out"
		rig_result $T/fio-verify FAIL "fio rc=$rc"
	fi
else
	rig_result $T/fio-verify FAIL "xvdb did not connect"
fi
rig_detach $D xvdb || rig_log "detach failed"
udevadm control --exit && UDEVD_UP=0
rig_domu_run $D 'kill $(cat /tmp/uevent.pid)' 30 >/dev/null

# ---- the modprobe.d snippet, dom0 (xen_blkback) -------------------------------
# a) snippet installed, ours in updates/: what udev does loads ours
# b) ours gone from updates/ (a kernel DKMS did not build for): refused
# c) control, no snippet: the in-tree module loads
rig_unload_back || rig_log "unloading the backend failed"
cp "$DK/xenblk.modprobe.conf" "$CONF"
modprobe -b xen-backend:vbd >/run/rig/dkms-a.log 2>&1
ra=$? oa=$(origin0 xen_blkback)
rig_unload_back
mv "$MD/updates" "$HIDDEN" && depmod -a
modprobe -b xen-backend:vbd >/run/rig/dkms-b.log 2>&1
rb=$? ob=$(origin0 xen_blkback)
kmsg=$(dmesg | grep -c 'xenblk.conf: not loading xen_blkback')
rig_unload_back
rm -f "$CONF"
modprobe -b xen-backend:vbd >/run/rig/dkms-c.log 2>&1
rc=$? oc=$(origin0 xen_blkback)
rig_unload_back
mv "$HIDDEN" "$MD/updates" && depmod -a
res="with snippet: rc=$ra $oa; ours hidden: rc=$rb $ob (kernel log lines $kmsg); control without snippet: rc=$rc $oc"
if [[ $ra == 0 && $oa == "ours $want_b" && $rb != 0 && $ob == none && $kmsg -ge 1 && $rc == 0 && $oc == intree* ]]; then
	rig_result $T/modprobe-conf-dom0 PASS "$res"
else
	sed 's/^/RIG-LOG modprobe: /' /run/rig/dkms-[abc].log
	rig_result $T/modprobe-conf-dom0 FAIL "$res"
fi
[[ $(modinfo -n xen-blkback) == */updates/* ]] || rig_log "WARNING: updates/ not restored in dom0"

# ---- the modprobe.d snippet, domU (xen_blkfront) ------------------------------
# a Debian guest has /sbin/modprobe (the snippet calls it by that path)
out=$(rig_domu_run $D 'M=/usr/sbin/modprobe R=/usr/sbin/rmmod U=/lib/modules/$(uname -r)
o() { if [ ! -d /sys/module/xen_blkfront ]; then echo none; elif grep -q O /sys/module/xen_blkfront/taint; then echo ours; else echo intree; fi; }
[ -e /sbin/modprobe ] || ln -s /usr/sbin/modprobe /sbin/modprobe
[ -d /sys/module/xen_blkfront ] && $R xen_blkfront
cp /rig/dkms/xenblk.modprobe.conf /etc/modprobe.d/xenblk.conf
$M -b xen:vbd >/tmp/a.log 2>&1; echo "a $? $(o)"; [ -d /sys/module/xen_blkfront ] && $R xen_blkfront
mv $U/updates /tmp/dkms-updates && /usr/sbin/depmod -a
$M -b xen:vbd >/tmp/b.log 2>&1; echo "b $? $(o) $(dmesg | grep -c "xenblk.conf: not loading xen_blkfront")"; [ -d /sys/module/xen_blkfront ] && $R xen_blkfront
rm /etc/modprobe.d/xenblk.conf
$M -b xen:vbd >/tmp/c.log 2>&1; echo "c $? $(o)"; [ -d /sys/module/xen_blkfront ] && $R xen_blkfront
mv /tmp/dkms-updates $U/updates && /usr/sbin/depmod -a; echo "n $(/usr/sbin/modinfo -n xen-blkfront)"' 120)
rig_log "domU snippet run: $(tr '\n' ' ' <<<"$out")"
ra=$(awk '$1 == "a" {print $2, $3}' <<<"$out")
rb=$(awk '$1 == "b" {print $2, $3, $4}' <<<"$out")
rc=$(awk '$1 == "c" {print $2, $3}' <<<"$out")
rn=$(awk '$1 == "n" {print $2}' <<<"$out")
res="with snippet: $ra; ours hidden: $rb (rc, module, kernel log lines); control without snippet: $rc"
if [[ $ra == "0 ours" && $rb == [1-9]*" none "[1-9]* && $rc == "0 intree" && $rn == */updates/* ]]; then
	rig_result $T/modprobe-conf-domU PASS "$res"
else
	rig_domu_run $D 'cat /tmp/a.log /tmp/b.log /tmp/c.log' 30 | sed 's/^/RIG-LOG modprobe: /'
	rig_result $T/modprobe-conf-domU FAIL "$res; modinfo after restore: $rn"
fi

# ---- the rig's intree loaders by path ------------------------------------------
rig_load_back intree >/dev/null
ib=$(origin0 xen_blkback)
rig_unload_back
rig_load_front $D intree >/dev/null
if_=$(rig_mod_origin $D xen_blkfront)
if [[ $ib == intree* && $if_ == intree && $(modinfo -n xen-blkback) == */updates/* ]]; then
	rig_result $T/intree-path PASS "rig_load_back/rig_load_front intree load the in-tree modules while depmod prefers the DKMS copies"
else
	rig_result $T/intree-path FAIL "intree loaders gave back '$ib' front '$if_'"
fi
rig_domu_stop $D
