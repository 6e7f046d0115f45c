#!/bin/bash
# Operations checks with our pair connected over a null_blk VBD:
#  abi-docs:   every sysfs file our modules create (module parameters and the
#              per-device files, both sides) and every debugfs file
#              (xen-blkback/ in dom0, xen-blkfront/ in the domU) has a
#              "What:" entry in Documentation/ABI/testing (shipped to dom0 as
#              /rig/abi), and every documented path exists;
#  vbd-status: scripts/xenblk-vbd-status prints a table whose values agree
#              with xenstore and sysfs and names our backend as out-of-tree.
. "${RIG_LIB:-/rig/dom0-lib.sh}"
T=ops
D=ops
ABI=/rig/abi
fail() { rig_result "$T/$1" FAIL "$2"; rig_domu_stop $D >/dev/null 2>&1; exit 0; }

# Files of the xenbus core (present whatever driver binds the device; the
# xenbus/ event statistics directory and power/ are skipped as a whole).
CORE_RE='^(uevent|nodename|devtype|modalias|state|driver_override)$'

# The What: lines of every document, <placeholders> turned into globs.
load_whats() {
	mapfile -t WHATS < <(sed -n 's/^What:[[:space:]]*//p' "$ABI"/* | sed 's/<[^>]*>/*/g')
}

# documented PATH: does a What: entry match PATH?
documented() {
	local pat
	for pat in "${WHATS[@]}"; do
		# shellcheck disable=SC2053
		[[ $1 == $pat ]] && return 0
	done
	return 1
}

[[ -d $ABI ]] && ls "$ABI"/* >/dev/null 2>&1 || fail setup "no ABI documents in $ABI (image build)"
load_whats
nb=$(rig_null_blk 1) || fail setup "null_blk"
rig_load_back ours || fail setup "our xen-blkback did not load"
rig_domu_start $D 2 384 || fail setup "domU did not start"
rig_load_front $D ours || fail setup "our xen-blkfront did not load"
rig_attach $D "$nb" xvdb || fail setup "xl block-attach failed"
rig_wait_state $D xvdb back 4 60 && rig_wait_state $D xvdb front 4 60 && rig_wait_disk $D xvdb ||
	fail setup "xvdb did not connect"
[[ $(rig_mod_origin_local xen_blkback) == ours && $(rig_mod_origin $D xen_blkfront) == ours ]] ||
	fail setup "not our pair: back $(rig_mod_origin_local xen_blkback), front $(rig_mod_origin $D xen_blkfront)"
id=$(rig_domid $D)
dev=$(rig_devid xvdb)
rig_log "our pair connected; listing sysfs and debugfs files"

# ---- the files that exist ------------------------------------------------
files=$(
	ls -d /sys/module/xen_blkback/parameters/* 2>/dev/null
	cd "/sys/bus/xen-backend/devices/vbd-$id-$dev" &&
		find . -maxdepth 2 -type f ! -path './power/*' ! -path './xenbus/*' | sed 's|^\./||' |
		grep -Ev "$CORE_RE" | sed "s|^|/sys/bus/xen-backend/devices/vbd-$id-$dev/|"
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
	find /sys/kernel/debug/xen-blkback -type f 2>/dev/null
	rig_domu_run $D "ls -d /sys/module/xen_blkfront/parameters/*; cd /sys/bus/xen/devices/vbd-$dev &&
		find . -maxdepth 1 -type f | sed 's|^\./||' | grep -Ev '$CORE_RE' |
		sed 's|^|/sys/bus/xen/devices/vbd-$dev/|'
		grep -q ' /sys/kernel/debug ' /proc/mounts || mount -t debugfs none /sys/kernel/debug
		find /sys/kernel/debug/xen-blkfront -type f" 30
)
n=0 missing=""
for f in $files; do
	n=$((n + 1))
	documented "$f" || missing+=" $f"
done
# ---- the documented sysfs paths that should exist here --------------------
absent=""
for pat in "${WHATS[@]}"; do
	case $pat in
	/sys/module/xen_blkback/* | /sys/bus/xen-backend/devices/vbd-*) ;;
	/sys/module/xen_blkfront/* | /sys/bus/xen/devices/vbd-*) ;;
	/sys/kernel/debug/xen-blkback/* | /sys/kernel/debug/xen-blkfront/*) ;;
	*) continue ;;
	esac
	found=0
	for f in $files; do
		# shellcheck disable=SC2053
		[[ $f == $pat ]] && { found=1; break; }
	done
	((found)) || absent+=" $pat"
done
ndbg=$(grep -c '^/sys/kernel/debug/' <<<"$files")
rig_log "listed $n sysfs and debugfs files ($ndbg in debugfs); checking the status tool"
if ((n < 10 || ndbg < 3)); then
	rig_result $T/abi-docs FAIL "only $n files ($ndbg in debugfs) found; listing failed?"
elif [[ -n $missing || -n $absent ]]; then
	rig_result $T/abi-docs FAIL "undocumented:${missing:- none}; documented but absent:${absent:- none}"
else
	rig_result $T/abi-docs PASS "$n sysfs and debugfs files ($ndbg in debugfs) of both modules, each documented; every documented path exists"
fi

# ---- the status tool --------------------------------------------------------
out=$(/rig/xenblk-vbd-status "$id" "$dev" 2>&1)
rc=$?
echo "$out" | sed 's/^/RIG-LOG status: /'
be=$(rig_be_path $D xvdb)
fe=$(rig_fe_path $D xvdb)
want_q="$(xenstore-read "$be/multi-queue-max-queues")"
want_ind="$(xenstore-read "$be/feature-max-indirect-segments")"
line() { grep -E "^  $1 " <<<"$out" | head -n 1; }
problems=""
((rc == 0)) || problems+=" rc=$rc"
grep -q "backend driver .*xen_blkback (out-of-tree" <<<"$out" || problems+=" driver-line"
line 'state' | grep -q 'Connected .*Connected' || problems+=" state"
[[ $(line 'queues \(max / used\)' | awk '{print $5}') == "$want_q" ]] || problems+=" max-queues"
fq=$(xenstore-read "$fe/multi-queue-num-queues" 2>/dev/null || echo -)
[[ $(line 'queues \(max / used\)' | awk '{print $6}') == "$fq" ]] || problems+=" num-queues"
[[ $(line 'indirect segments' | awk '{print $3}') == "$want_ind" ]] || problems+=" indirect"
line 'statistics \(sysfs\)' | grep -q 'rd_req=[0-9]' || problems+=" statistics"
if [[ -z $problems ]]; then
	rig_result $T/vbd-status PASS "table agrees with xenstore (queues $want_q/$fq, indirect $want_ind) and names our backend"
else
	rig_result $T/vbd-status FAIL "mismatch in:$problems"
fi

rig_detach $D xvdb
rig_domu_stop $D
rig_unload_back
