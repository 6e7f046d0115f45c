#!/bin/bash
# xenblk rig entry point: prep (cached) -> images -> boot -> parse.
#
# Usage: scripts/rig/run.sh [--flavour bookworm|trixie] [--scenarios "a b"]
#                           [--no-prep] [--make] [--shell]
#   --scenarios  names under tests/scenarios/ without .sh (default: all
#                tests/scenarios/*.sh, sorted); "demo/00-demo" style sub-paths work
#   --no-prep    trust the cache, skip the prep checks
#   --make       run `make KDIR=<headers of the rig kernel>` at the repo root first
#   --shell      interactive dom0 shell on the console after the scenarios
# Env: RIG_BACK, RIG_FRONT = ours|intree (default ours; falls back to intree,
#      loudly, when our .ko is missing or built for another kernel),
#      RIG_BACK_KO, RIG_FRONT_KO (default <repo>/xen-blk{back,front}/*.ko),
#      RIG_BACK_PARAMS, RIG_FRONT_PARAMS (module parameters),
#      TIMEOUT (QEMU limit, default 300 s + RIG_SCENARIO_TIMEOUT per scenario),
#      RIG_SCENARIO_TIMEOUT (per scenario, 600 s), RIG_HOTPLUG (rig|debian),
#      XENBLK_CACHE (cache root, default <repo>/build/rig), RIG_KEEP=1 (keep
#      the run directory with dom0.cpio), ACCEL, CPU, QEMU_MEM, ... (boot.sh)
# Exit: 0 iff every verdict is PASS/SKIP, at least one verdict exists, and
# the boot reached RIG-ALL-DONE.
PREP=1 MAKE_MODS=0
while (($#)); do
	case $1 in
	--flavour) export FLAVOUR=$2; shift 2 ;;
	--scenarios) export RIG_SCENARIOS=$2; shift 2 ;;
	--no-prep) PREP=0; shift ;;
	--make) MAKE_MODS=1; shift ;;
	--shell) export RIG_SHELL=1; shift ;;
	-h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "unknown argument '$1' (try --help)" >&2; exit 2 ;;
	esac
done
source "$(dirname "$0")/lib.sh"
[[ $(id -u) == 0 ]] || die "run as root (debootstrap, chroot, depmod -b)"
T0=$SECONDS
if ((PREP)) || [[ ! -f $FDIR/env ]]; then
	timed prep "$RIG_DIR/prep.sh" || die "prep failed"
	flavour_setup
fi
export RIG_BACK=${RIG_BACK:-ours} RIG_FRONT=${RIG_FRONT:-ours}
if ((MAKE_MODS)); then
	phase "make KDIR=/usr/src/linux-headers-$KVER (our modules)"
	timed make make -C "$REPO" KDIR="/usr/src/linux-headers-$KVER" >"$LOGS/make.log" 2>&1 ||
		notice "make failed (see $LOGS/make.log); the image falls back to what exists"
fi
if [[ -z ${RIG_SCENARIOS:-} ]]; then
	RIG_SCENARIOS=$(cd "$REPO/tests/scenarios" && ls -1 ./*.sh 2>/dev/null |
		sed 's|^\./||; s|\.sh$||' | LC_ALL=C sort | tr '\n' ' ')
fi
RIG_SCENARIOS=$(echo $RIG_SCENARIOS)
export RIG_SCENARIOS
[[ -n $RIG_SCENARIOS ]] || die "no scenarios (tests/scenarios/*.sh)"
mkdir -p "$CACHE/runs"
find "$CACHE/runs" -mindepth 1 -maxdepth 1 -mmin +720 -exec rm -rf {} + 2>/dev/null || true
RIG_RUNDIR=$(mktemp -d "$CACHE/runs/run.XXXXXX")
export RIG_RUNDIR
[[ ${RIG_KEEP:-0} == 1 ]] || trap 'rm -rf "$RIG_RUNDIR"' EXIT
timed images "$RIG_DIR/build-images.sh" || die "building images failed"
source "$RIG_RUNDIR/config"
nscen=$(wc -w <<<"$RIG_SCENARIOS")
export TIMEOUT=${TIMEOUT:-$((300 + ${RIG_SCENARIO_TIMEOUT:-600} * nscen))}
export LOG=${RIG_LOG:-$LOGS/serial-$FLAVOUR-$(date +%Y%m%d-%H%M%S).log}
log "flavour $FLAVOUR: Xen $XENVER, Linux $KVER; back=$RIG_BACK front=$RIG_FRONT; $nscen scenario(s): $RIG_SCENARIOS"
rc=0
timed boot "$RIG_DIR/boot.sh" || rc=$?
phase "results"
set +e
"$RIG_DIR/parse.sh" "$LOG" "$RIG_SCENARIOS"
prc=$?
set -e
log "serial log: $LOG"
log "total $((SECONDS - T0))s (qemu rc=$rc)"
if [[ $RIG_BACK != ours || $RIG_FRONT != ours ]]; then
	notice "this run used back=$RIG_BACK front=$RIG_FRONT (not both of ours)"
fi
exit $((prc != 0 || (rc != 0 && rc != 124) ? 1 : prc))
