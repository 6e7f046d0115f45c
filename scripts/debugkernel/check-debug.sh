#!/bin/bash
# make check-debug: the lifecycle and hostile suites on a debug kernel.
#   1. build.sh        Debian linux-source-6.12 + xen.config + the debug
#                      fragment (lockdep, kmemleak, UBSAN, KFENCE,
#                      DEBUG_ATOMIC_SLEEP; no KASAN, see the fragment), cached
#   2. rig-flavour.sh  the rig's flavour "debug" (bookworm userspace and Xen)
#   3. our modules built against it (W=1) from a private copy of the tree
#   4. two rig boots side by side (DEBUG_BOOTS=1: one), the hostile suite
#      (5[0-4]-hostile-*) and the lifecycle suite (6?-life-*; FULL_ONLY ones
#      with XENBLK_FULL=1). Each: the scenarios with our blkback first,
#      debug/98-lockdep, then 52, 53 or 65 (hback maps grants with gntdev),
#      then debug/99-collect (kmemleak scans, report windows of every log).
#      dom0 runs oxenstored and boots without gntdev (RIG_XENSTORED,
#      RIG_DOM0_GNTDEV) so that lockdep stays on.
#   5. scan-reports.py: reports attributed to our modules or not
# Writes build/reports/debug.md (last line "N passed, N failed") and
# build/reports/debug-reports-full.txt (every report in full).
# Env: DEBUG_SCENARIOS (these scenarios instead; "|" separates boots, and
#      debug/99-collect ends each), DEBUG_BOOTS (2; 1, or 3: the hostile suite
#      in two boots), DEBUG_DRYRUN=1 (print the boots and stop),
#      RIG_SCENARIO_TIMEOUT (default 2400 s: TCG with lockdep and kmemleak
#      is slow), plus everything scripts/rig/run.sh takes.
# Exit: 0 only when nothing failed.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
REPORTS=$REPO/build/reports
OUT=$REPO/build/debugkernel/check
MODSRC=${TMPDIR:-/tmp}/xenblk-debugkernel-src
mkdir -p "$REPORTS" "$OUT"
say() { printf '[check-debug %(%H:%M:%S)T] %s\n' -1 "$*"; }
T0=$SECONDS
[[ $(id -u) == 0 ]] || { say "ERROR: run as root (the rig needs it)"; exit 2; }

# 0. the report scanner must find and attribute the reports of a fixed log
if "$REPO/tests/debugkernel/test-scan-reports.sh" >"$OUT/scanner-test.tap" 2>&1; then
	SCANNER="  PASS debug/scanner-selftest: tests/debugkernel/test-scan-reports.sh"
else
	SCANNER="  FAIL debug/scanner-selftest: tests/debugkernel/test-scan-reports.sh (see $OUT/scanner-test.tap)"
fi

# The boots, side by side: the hostile suite and the lifecycle suite
# (DEBUG_BOOTS=1: one boot; 3: the hostile suite split into the attacks on
# our blkback, 50 51 54, and those on our blkfront, 52 53: on the debug
# kernel it needs 3-4 hours in one boot, the lifecycle suite about 1.5).
# In each, the scenarios with our blkback in dom0 come first, then debug/98-lockdep (is dom0's lockdep still
# on?), then the ones with the hostile backend hback (52, 53 and 65's flush
# revocation): hback maps grants with Linux's gntdev, whose lock-order
# report (6.12) switches dom0's lockdep off; our blkfront, the module those
# scenarios test, runs in the guests, whose lockdep it does not touch.
# debug/99-collect ends every boot. FULL_ONLY scenarios only with
# XENBLK_FULL=1. DEBUG_SCENARIOS="a b | c d" replaces all this.
early_late() { # GLOB...: "<early> debug/98-lockdep <late>" of those scenarios
	local f n early="" late=""
	for f in "$@"; do
		[[ -f $f ]] || continue
		n=$(basename "$f" .sh)
		if [[ -z ${XENBLK_FULL:-} ]] && grep -qxF "$n" "$REPO/tests/scenarios/FULL_ONLY"; then
			continue
		fi
		# late: the scenarios that run hback (they load gntdev for it)
		if grep -qE 'hs_back_suite|hs_need_gntdev' "$f"; then late+="$n "; else early+="$n "; fi
	done
	echo "${early}debug/98-lockdep ${late}"
}
BOOTS=()
S=$REPO/tests/scenarios
if [[ -n ${DEBUG_SCENARIOS:-} ]]; then
	IFS='|' read -r -a BOOTS <<<"$DEBUG_SCENARIOS"
else
	case ${DEBUG_BOOTS:-2} in
	1) BOOTS=("$(early_late "$S"/5[0-4]-hostile-*.sh "$S"/6?-life-*.sh)") ;;
	2) BOOTS=("$(early_late "$S"/5[0-4]-hostile-*.sh)" "$(early_late "$S"/6?-life-*.sh)") ;;
	3) BOOTS=("$(early_late "$S"/5[014]-hostile-*.sh)" "$(early_late "$S"/5[23]-hostile-*.sh)"
		"$(early_late "$S"/6?-life-*.sh)") ;;
	*) say "ERROR: DEBUG_BOOTS is 1, 2 or 3"; exit 2 ;;
	esac
fi
if [[ -n ${DEBUG_DRYRUN:-} ]]; then
	for i in "${!BOOTS[@]}"; do echo "boot $i: $(xargs <<<"${BOOTS[$i]}") debug/99-collect"; done
	exit 0
fi
# 1. kernel
say "phase: debug kernel (cached after the first build; the first one takes 40-90 min)"
t=$SECONDS
KVER=$("$HERE/build.sh" | sed -n 's/^KVER=//p')
T_KERNEL=$((SECONDS - t))
[[ -n $KVER ]] || { say "ERROR: the debug kernel did not build"; exit 1; }
say "kernel $KVER ready in ${T_KERNEL}s"

# 2. rig flavour
"$HERE/rig-flavour.sh" "$KVER" || exit 1

# 3. our modules, from a copy (others rebuild the repo's .ko at any time)
say "phase: our modules against $KVER (W=1)"
rsync -a --delete --exclude /build --exclude /.git "$REPO/" "$MODSRC/"
make -C "$MODSRC" clean >/dev/null 2>&1
# x86_64_defconfig has CONFIG_WERROR=y, Debian's kernels do not: judge our
# modules (and the compat probes) by their W=1 warning count, not by -Werror
export KCFLAGS="${KCFLAGS:-} -Wno-error"
BUILD_RC=0
make -C "$MODSRC" KDIR="$REPO/build/debugkernel/obj" W=1 >"$OUT/modules.log" 2>&1 || BUILD_RC=$?
NWARN=$(grep -c 'warning:' "$OUT/modules.log")
export RIG_BACK_KO=$MODSRC/xen-blkback/xen-blkback.ko RIG_FRONT_KO=$MODSRC/xen-blkfront/xen-blkfront.ko

# 4. the boots (BOOTS: see "the boots" above)
# dom0 without gntdev and with oxenstored: see scripts/rig/dom0-init.sh
export RIG_XENSTORED=${RIG_XENSTORED:-oxenstored} RIG_DOM0_GNTDEV=${RIG_DOM0_GNTDEV:-0}
export RIG_SCENARIO_TIMEOUT=${RIG_SCENARIO_TIMEOUT:-2400}
# dom0: warnings reach the serial log too; a buffer that keeps the whole boot
export DOM0_LOGLEVEL=${DOM0_LOGLEVEL:-5}
export DOM0_EXTRA="${DOM0_EXTRA:-} slub_debug=FZP log_buf_len=16M"
stamp=$(date +%Y%m%d-%H%M%S)
LOGS=() pids=()
t=$SECONDS
rm -f "$OUT"/rig-*.out
for i in "${!BOOTS[@]}"; do
	read -r -a scen_list <<<"${BOOTS[$i]}"
	scen="${scen_list[*]} debug/99-collect"
	LOGS+=("$REPO/build/rig/logs/serial-debug-$stamp-$i.log")
	say "phase: rig boot $i, flavour debug: $scen (timeout ${RIG_SCENARIO_TIMEOUT}s per scenario)"
	RIG_LOG=${LOGS[$i]} "$REPO/scripts/rig/run.sh" --flavour debug --no-prep --scenarios "$scen" \
		>"$OUT/rig-$i.out" 2>&1 &
	pids+=($!)
	sleep 20 # the image builds of the boots do not overlap
done
RIG_RC=0
for p in "${pids[@]}"; do wait "$p" || RIG_RC=1; done
T_SUITE=$((SECONDS - t))
say "rig boots rc=$RIG_RC in ${T_SUITE}s (logs ${LOGS[*]})"

# 5. reports
python3 "$HERE/scan-reports.py" "${LOGS[0]}" "$OUT/reports.md" "$REPORTS/debug-reports-full.txt" \
	"${LOGS[@]:1}" >"$OUT/debug-verdicts.txt"
{
	echo "$SCANNER"
	cat "$OUT"/rig-*.out | grep -E '^  (PASS|FAIL|SKIP) '
	if ((BUILD_RC == 0 && NWARN == 0)); then echo "  PASS debug/modules-W1: both modules build against $KVER, 0 warnings"
	else echo "  FAIL debug/modules-W1: make rc=$BUILD_RC, $NWARN warning(s) (see $OUT/modules.log)"; fi
	cat "$OUT/debug-verdicts.txt"
} >"$OUT/verdicts.txt"
NP=$(grep -c '^  PASS ' "$OUT/verdicts.txt")
NF=$(grep -c '^  FAIL ' "$OUT/verdicts.txt")
NS=$(grep -c '^  SKIP ' "$OUT/verdicts.txt")
BOOT_S=$(grep -m1 -E 'RIG-SCENARIO-BEGIN ' "${LOGS[0]}" 2>/dev/null | sed -n 's/^\[ *\([0-9]*\).*/\1/p')
KCFG=$REPO/build/debugkernel/obj/.config
{
	echo "# make check-debug"
	echo
	echo "Run $(date -u +%FT%TZ). Kernel: $KVER from Debian linux-source-6.12 $(dpkg-query -W -f '${Version}' linux-source-6.12)"
	echo "(x86_64_defconfig + xen.config + scripts/debugkernel/xenblk-debug.config), Xen $(sed -n 's/^XENVER=//p' "$REPO/build/rig/debug/env"),"
	echo "bookworm userspace; dom0 and domU run the same debug kernel."
	echo
	echo "## Kernel config"
	echo
	for s in KASAN KFENCE PROVE_LOCKING DEBUG_KMEMLEAK DEBUG_KMEMLEAK_AUTO_SCAN UBSAN UBSAN_BOUNDS \
		UBSAN_SHIFT DEBUG_ATOMIC_SLEEP DEBUG_OBJECTS DEBUG_LIST SLUB_DEBUG XEN_PV XEN_DOM0 \
		XEN_BLKDEV_BACKEND XEN_BLKDEV_FRONTEND; do
		v=$(grep -E "^CONFIG_$s=" "$KCFG" | cut -d= -f2)
		echo "- CONFIG_$s=${v:-n}"
	done
	echo "- dom0 toolstack: $RIG_XENSTORED, xen-gntdev at boot: $([[ $RIG_DOM0_GNTDEV == 0 ]] && echo no || echo yes)"
	echo "- boot: dom0 \`$DOM0_EXTRA\`, domU \`slub_debug=FZP log_buf_len=4M\`; kmemleak scanned on demand"
	echo "  (each guest before it is stopped, dom0 at the end with our modules loaded and again unloaded)"
	echo "- KASAN: not available. Linux 6.12 has no Xen PV early-boot support for the KASAN"
	echo "  shadow, so a KASAN kernel cannot boot as the rig's PV dom0/domU; KFENCE and SLUB"
	echo "  redzones/poisoning are the memory-safety detectors here."
	echo
	echo "## Durations"
	echo
	echo "- kernel build (this run; 0-few s when cached): ${T_KERNEL} s; first build: $(tail -n 1 "$REPO/build/debugkernel/timings.txt" 2>/dev/null | awk '{print $3}')"
	echo "- rig run (images + boot + scenarios, ${#LOGS[@]} boot(s) side by side): ${T_SUITE} s; boot to first scenario: ${BOOT_S:-?} s"
	echo "- total: $((SECONDS - T0)) s"
	echo
	echo "## Scenarios (seconds under the debug kernel)"
	echo
	echo '| boot | scenario | seconds | rc |'
	echo '|---|---|---|---|'
	for i in "${!LOGS[@]}"; do
		sed -n "s/.*RIG-SCENARIO-END \\([^ ]*\\) rc=\\([0-9]*\\) secs=\\([0-9]*\\).*/| $i | \\1 | \\3 | \\2 |/p" "${LOGS[$i]}" 2>/dev/null
	done
	echo
	echo "## Verdicts"
	echo
	echo '```'
	cat "$OUT/verdicts.txt"
	echo '```'
	echo
	cat "$OUT/reports.md"
	echo
	echo "Serial logs: ${LOGS[*]}; every report in full: build/reports/debug-reports-full.txt"
	echo "$NS skipped"
	echo "$NP passed, $NF failed"
} >"$REPORTS/debug.md"
cat "$OUT/verdicts.txt"
say "report: $REPORTS/debug.md; total $((SECONDS - T0))s"
echo "$NP passed, $NF failed"
((NF == 0 && NP > 0))
