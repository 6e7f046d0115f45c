#!/bin/bash
# make check-debug: the lifecycle and hostile suites on a debug kernel.
#   1. build.sh        Debian linux-source-6.12 + xen.config + the debug
#                      fragment (lockdep, kmemleak, UBSAN, KFENCE,
#                      DEBUG_ATOMIC_SLEEP; no KASAN, see the fragment), cached
#   2. rig-flavour.sh  the rig's flavour "debug" (bookworm userspace and Xen)
#   3. our modules built against it (W=1) from a private copy of the tree
#   4. one rig boot: tests/scenarios/5[0-4]-hostile-*, 6?-life-*, then
#      debug/99-collect (kmemleak scans, report windows of every log)
#   5. scan-reports.py: reports attributed to our modules or not
# Writes build/reports/debug.md (last line "N passed, N failed") and
# build/reports/debug-reports-full.txt (every report in full).
# Env: DEBUG_SCENARIOS (override the scenario list; debug/99-collect is
#      always appended), RIG_SCENARIO_TIMEOUT (default 2400 s: TCG with
#      lockdep and kmemleak is slow), plus everything scripts/rig/run.sh takes.
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

# 4. one boot
if [[ -n ${DEBUG_SCENARIOS:-} ]]; then
	SCEN=$DEBUG_SCENARIOS
else
	SCEN=
	for f in "$REPO"/tests/scenarios/5[0-4]-hostile-*.sh "$REPO"/tests/scenarios/6?-life-*.sh; do
		[[ -f $f ]] && SCEN+="$(basename "$f" .sh) "
	done
fi
read -r -a scen_list <<<"$SCEN"
SCEN="${scen_list[*]} debug/99-collect"
export RIG_SCENARIO_TIMEOUT=${RIG_SCENARIO_TIMEOUT:-2400}
# dom0: warnings reach the serial log too; a buffer that keeps the whole boot
export DOM0_LOGLEVEL=${DOM0_LOGLEVEL:-5}
export DOM0_EXTRA="${DOM0_EXTRA:-} slub_debug=FZP log_buf_len=16M"
LOG=$REPO/build/rig/logs/serial-debug-$(date +%Y%m%d-%H%M%S).log
say "phase: rig boot, flavour debug: $SCEN (timeout ${RIG_SCENARIO_TIMEOUT}s per scenario)"
t=$SECONDS
RIG_LOG=$LOG "$REPO/scripts/rig/run.sh" --flavour debug --no-prep --scenarios "$SCEN" \
	>"$OUT/rig.out" 2>&1
RIG_RC=$?
T_SUITE=$((SECONDS - t))
say "rig run rc=$RIG_RC in ${T_SUITE}s (log $LOG)"

# 5. reports
python3 "$HERE/scan-reports.py" "$LOG" "$OUT/reports.md" "$REPORTS/debug-reports-full.txt" >"$OUT/debug-verdicts.txt"
{
	echo "$SCANNER"
	grep -E '^  (PASS|FAIL|SKIP) ' "$OUT/rig.out"
	if ((BUILD_RC == 0 && NWARN == 0)); then echo "  PASS debug/modules-W1: both modules build against $KVER, 0 warnings"
	else echo "  FAIL debug/modules-W1: make rc=$BUILD_RC, $NWARN warning(s) (see $OUT/modules.log)"; fi
	cat "$OUT/debug-verdicts.txt"
} >"$OUT/verdicts.txt"
NP=$(grep -c '^  PASS ' "$OUT/verdicts.txt")
NF=$(grep -c '^  FAIL ' "$OUT/verdicts.txt")
NS=$(grep -c '^  SKIP ' "$OUT/verdicts.txt")
BOOT_S=$(grep -m1 -E 'RIG-SCENARIO-BEGIN ' "$LOG" 2>/dev/null | sed -n 's/^\[ *\([0-9]*\).*/\1/p')
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
	echo "- boot: dom0 \`$DOM0_EXTRA\`, domU \`slub_debug=FZP log_buf_len=4M\`; kmemleak scanned on demand"
	echo "  (each guest before it is stopped, dom0 at the end with our modules loaded and again unloaded)"
	echo "- KASAN: not available. Linux 6.12 has no Xen PV early-boot support for the KASAN"
	echo "  shadow, so a KASAN kernel cannot boot as the rig's PV dom0/domU; KFENCE and SLUB"
	echo "  redzones/poisoning are the memory-safety detectors here."
	echo
	echo "## Durations"
	echo
	echo "- kernel build (this run; 0-few s when cached): ${T_KERNEL} s; first build: $(tail -n 1 "$REPO/build/debugkernel/timings.txt" 2>/dev/null | awk '{print $3}')"
	echo "- rig run (images + boot + scenarios): ${T_SUITE} s; boot to first scenario: ${BOOT_S:-?} s"
	echo "- total: $((SECONDS - T0)) s"
	echo
	echo "## Scenarios (seconds under the debug kernel)"
	echo
	echo '| scenario | seconds | rc |'
	echo '|---|---|---|'
	sed -n 's/.*RIG-SCENARIO-END \([^ ]*\) rc=\([0-9]*\) secs=\([0-9]*\).*/| \1 | \3 | \2 |/p' "$LOG" 2>/dev/null
	echo
	echo "## Verdicts"
	echo
	echo '```'
	cat "$OUT/verdicts.txt"
	echo '```'
	echo
	cat "$OUT/reports.md"
	echo
	echo "Serial log: $LOG; every report in full: build/reports/debug-reports-full.txt"
	echo "$NS skipped"
	echo "$NP passed, $NF failed"
} >"$REPORTS/debug.md"
cat "$OUT/verdicts.txt"
say "report: $REPORTS/debug.md; total $((SECONDS - T0))s"
echo "$NP passed, $NF failed"
((NF == 0 && NP > 0))
