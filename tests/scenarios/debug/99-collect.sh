#!/bin/bash
# make check-debug, last scenario of the boot: one more attach/IO/detach
# cycle with our pair, kmemleak scans while our modules are still loaded
# (their frames resolve) and again after they are unloaded, then the report
# windows of dom0's dmesg and of every guest console log of the whole boot.
# Output for the host (scripts/debugkernel/scan-reports.py):
#   RIG-KMEMLEAK <where>: <kmemleak line>
#   RIG-SPLAT <where>: <line>     (a "@@@@" line starts each report window)
#   RIG-DEBUG-COLLECTED
# The verdicts here only say whether collecting worked; the reports are
# judged on the host.
# shellcheck source=scripts/rig/dom0-lib.sh
. "${RIG_LIB:-/rig/dom0-lib.sh}"
T=debug-collect
D=dbg
KL=/sys/kernel/debug/kmemleak
# what opens a report (kept in step with scan-reports.py)
PAT='BUG: KASAN|BUG: KFENCE|WARNING: possible|inconsistent lock state|possible circular locking|UBSAN:|BUG: sleeping function called from invalid context|BUG: scheduling while atomic|ODEBUG:|list_(add|del) corruption|BUG [a-zA-Z0-9_:.()-]+ \(|WARNING: CPU:|BUG: unable to handle|Oops|general protection fault|kernel BUG|INFO: task .* blocked'

# windows FILE WHERE: each report of FILE and the 70 lines after it
windows() {
	tr -d '\r' <"$1" | awk -v pat="$PAT" -v w="$2" '
		$0 ~ pat && left == 0 { print "RIG-SPLAT " w ": @@@@"; left = 70 }
		left > 0 { print "RIG-SPLAT " w ": " $0; left-- }'
}
dom0_kmemleak() { # label
	[[ -w $KL ]] || { echo "RIG-KMEMLEAK $1: no $KL"; return 1; }
	echo scan >$KL
	sleep 6
	echo scan >$KL
	head -n 2000 $KL | sed "s/^/RIG-KMEMLEAK $1: /"
}

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
if [[ -w $KL ]]; then rig_result $T/kmemleak-on PASS "kmemleak active in dom0"
else rig_result $T/kmemleak-on FAIL "no writable $KL in dom0 (kmemleak off or disabled itself: $(dmesg | grep -m1 -i kmemleak))"; fi

# one more cycle with our pair, so that both modules are loaded at the scan
step=
rig_load_back ours || step="load our blkback"
[[ -n $step ]] || rig_domu_start $D || step="start domU $D"
[[ -n $step ]] || rig_load_front $D ours || step="load our blkfront"
# brd, not null_blk: null_blk without memory_backed=1 reads back zeros
[[ -n $step ]] || { rig_attach $D "$(rig_brd 64)" xvdb && rig_wait_state $D xvdb front 4 &&
	rig_wait_disk $D xvdb; } || step="attach xvdb"
if [[ -z $step ]]; then
	out=$(rig_fio $D v --filename=/dev/xvdb --rw=randwrite --bs=4k --size=8m --iodepth=8 \
		--ioengine=libaio --direct=1 --verify=crc32c 2>&1) ||
		step="fio verify ($(tail -n 3 <<<"$out" | tr '\n' ' '))"
fi
[[ -n $step ]] || rig_detach $D xvdb || step="detach xvdb"
if [[ -z $step ]]; then rig_result $T/cycle PASS "attach, fio verify, detach with our pair"
else rig_result $T/cycle FAIL "the attach/fio/detach cycle failed at: $step"; fi
if rig_alive $D; then
	rig_kmemleak_guest $D | sed "s/^RIG-KMEMLEAK $D: /RIG-KMEMLEAK $D-loaded: /"
	rig_unload_front $D
	rig_domu_stop $D # scans once more (rig_domu_stop on flavour debug)
fi
dom0_kmemleak dom0-loaded
rig_unload_back
dom0_kmemleak dom0-unloaded

# report windows of the whole boot
windows <(dmesg) dom0
for f in /var/log/xen/console/guest-*.log; do
	[[ -f $f ]] && windows "$f" "$(basename "$f" .log | sed 's/^guest-//')"
done
echo "RIG-DEBUG-COLLECTED"
rig_result $T/collected PASS "dom0 dmesg $(dmesg | wc -l) lines, $(find /var/log/xen/console -name 'guest-*.log' | wc -l) guest console logs scanned"
