#!/bin/bash
# `make bench`: one rig boot running the benchmark scenario
# tests/scenarios/bench/xenblk-bench.sh in dom0 (our pair vs the in-tree pair,
# A/B/A/B in the same boot, dom0-native limit, ablations, multi-guest
# scaling), then build/reports/bench.md + PNG plots from its BENCH lines.
# Benchmarks are never pass/fail: the exit status only says whether a report
# could be written.
#
# Usage: scripts/bench/run.sh [--quick] [--rounds N] [--runtime S]
#            [--parts "ab ablate scale"] [--devs "null brd"] [--wl "rr4k ..."]
#            [--report-only SERIAL_LOG...]   (re-parse; several logs are merged)
# Env (same meaning): BENCH_QUICK=1, BENCH_ROUNDS (3), BENCH_RUNTIME (10 s),
#   BENCH_PARTS, BENCH_DEVS, BENCH_WL, BENCH_ABL, BENCH_ABL_WL, BENCH_GUESTS
#   ("1 2 4"), BENCH_VCPUS (2), BENCH_SMEM (256 MiB per scaling guest),
#   BENCH_MAKE=0 (do not rebuild the modules first), BENCH_TIMEOUT (s),
#   BENCH_OUT (report directory, build/reports),
#   FLAVOUR, ACCEL, QEMU_MEM, QEMU_SMP, DOM0_MEM (passed to the rig).
# See scripts/bench/README.md.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
REPORT_ONLY=""
while (($#)); do
	case $1 in
	--quick) BENCH_QUICK=1; shift ;;
	--rounds) BENCH_ROUNDS=$2; shift 2 ;;
	--runtime) BENCH_RUNTIME=$2; shift 2 ;;
	--parts) BENCH_PARTS=$2; shift 2 ;;
	--devs) BENCH_DEVS=$2; shift 2 ;;
	--wl) BENCH_WL=$2; shift 2 ;;
	--report-only) shift; REPORT_ONLY="$*"; set -- ;;
	-h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "unknown argument '$1' (try --help)" >&2; exit 2 ;;
	esac
done
FLAVOUR=${FLAVOUR:-bookworm}
OUT=${BENCH_OUT:-$REPO/build/reports}
mkdir -p "$OUT"
say() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

if [[ ${BENCH_QUICK:-0} == 1 ]]; then
	: "${BENCH_ROUNDS:=1}" "${BENCH_RUNTIME:=3}" "${BENCH_DEVS:=null}"
	: "${BENCH_WL:=lat4k rr4k sr1m}" "${BENCH_ABL_WL:=rr4k}"
	: "${BENCH_ABL:=ind0 pers0}" "${BENCH_GUESTS:=1 2}"
fi
: "${BENCH_ROUNDS:=3}" "${BENCH_RUNTIME:=10}" "${BENCH_PARTS:=ab ablate scale}"
: "${BENCH_DEVS:=null brd}" "${BENCH_WL:=lat4k rr4k rw4k mix4k sr64k sw64k sr1m sw1m}"
: "${BENCH_ABL_WL:=lat4k rr4k sr1m}" "${BENCH_GUESTS:=1 2 4}" "${BENCH_VCPUS:=2}" "${BENCH_SMEM:=256}"
: "${BENCH_ABL:=default ind0 ind32 ind256 pers0 rings1 rings2 rings4 order0 order4}"

report() { # SERIAL_LOG... (several boots: their lines are merged, later INFO wins)
	local log=$1 py=/usr/bin/python3
	grep -ahoE 'BENCH(-INFO|-NEG|-ERR|-DBG)?: .*' "$@" | tr -d '\r' >"$OUT/bench-raw.txt" || true
	say "$(grep -c '^BENCH: ' "$OUT/bench-raw.txt" || true) BENCH lines -> $OUT/bench-raw.txt"
	[[ -x $py ]] || py=python3
	if ! "$py" -c 'import matplotlib' 2>/dev/null; then
		if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
			say "installing python3-matplotlib (Debian) for the plots"
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-matplotlib >"$OUT/apt-matplotlib.log" 2>&1 ||
				say "apt-get install python3-matplotlib failed (see $OUT/apt-matplotlib.log): report without plots"
		fi
	fi
	"$py" "$HERE/report.py" --raw "$OUT/bench-raw.txt" --out "$OUT" --log "$*" \
		--runlog "$OUT/bench-run.log" --cmd "${BENCH_CMD:-scripts/bench/run.sh}"
}

if [[ -n $REPORT_ONLY ]]; then
	# shellcheck disable=SC2086
	report $REPORT_ONLY
	exit 0
fi
[[ $(id -u) == 0 ]] || { say "run as root (the rig needs it)"; exit 1; }

# A private rig cache: the big read-only parts (debootstrap tree, kernel, Xen)
# are shared with build/rig through symlinks, the images and logs are our own,
# so a `make check` someone starts meanwhile cannot swap dom0.cpio under us.
SHARED=${XENBLK_CACHE:-$REPO/build/rig}
if [[ ! -f $SHARED/$FLAVOUR/env ]]; then
	say "no rig cache yet: scripts/rig/prep.sh --flavour $FLAVOUR (one-off, slow)"
	XENBLK_CACHE=$SHARED "$REPO/scripts/rig/prep.sh" --flavour "$FLAVOUR"
fi
PRIV=$REPO/build/bench/rig
mkdir -p "$PRIV/$FLAVOUR/images" "$PRIV/logs"
for x in tree debs kernel xen env; do ln -sfn "$SHARED/$FLAVOUR/$x" "$PRIV/$FLAVOUR/$x"; done
for x in xen vmlinux vmlinuz domU-base.cpio dom0-base.cpio; do
	s=$SHARED/$FLAVOUR/images/$x
	[[ -f $s && ! $PRIV/$FLAVOUR/images/$x -nt $s ]] && cp -p "$s" "$PRIV/$FLAVOUR/images/$x"
done
# shellcheck disable=SC1090
KVER=$(. "$PRIV/$FLAVOUR/env" && echo "$KVER")
if [[ ${BENCH_MAKE:-1} == 1 ]]; then
	say "building our modules against $KVER"
	make -C "$REPO" KDIR="/usr/src/linux-headers-$KVER" >"$OUT/bench-make.log" 2>&1 ||
		say "make failed (see $OUT/bench-make.log); benchmarking whatever .ko files exist"
fi
{
	echo "git $(git -C "$REPO" log -1 --format='%h %cI %s' 2>/dev/null) $(git -C "$REPO" status --porcelain -- xen-blkback xen-blkfront common include 2>/dev/null | grep -q . && echo '(+ uncommitted driver changes)')"
	for m in xen-blkback xen-blkfront; do
		if [[ -f $REPO/$m/$m.ko ]]; then
			echo "$m.ko built $(date -u -r "$REPO/$m/$m.ko" +%FT%TZ) srcversion $(modinfo -F srcversion "$REPO/$m/$m.ko" 2>/dev/null)"
		else
			say "*** WARNING: no $m/$m.ko: the 'ours' side falls back to the IN-TREE module ***"
			echo "$m.ko missing: in-tree module used instead"
		fi
	done
} >"$OUT/bench-modules.txt"

plus() { local a IFS=" "; read -ra a <<<"$*"; IFS=+; echo "${a[*]}"; }
DOM0_EXTRA="xbbench_rounds=$BENCH_ROUNDS xbbench_runtime=$BENCH_RUNTIME xbbench_parts=$(plus $BENCH_PARTS)"
DOM0_EXTRA+=" xbbench_devs=$(plus $BENCH_DEVS) xbbench_wl=$(plus $BENCH_WL) xbbench_ablwl=$(plus $BENCH_ABL_WL)"
DOM0_EXTRA+=" xbbench_abl=$(plus $BENCH_ABL) xbbench_guests=$(plus $BENCH_GUESTS) xbbench_vcpus=$BENCH_VCPUS"
DOM0_EXTRA+=" xbbench_smem=$BENCH_SMEM ${DOM0_EXTRA_USER:-}"
# estimate from what a loaded 2-core TCG host measured: an agent-driven fio run
# costs its runtime + ~70 s, a native one + ~25 s, a module swap ~150 s (+60 s
# per further guest), a guest boot ~90 s. KVM is several times faster.
nab=$(($(wc -w <<<"$BENCH_DEVS") * $(wc -w <<<"$BENCH_WL")))
est=$((300 + 90 + BENCH_ROUNDS * (nab * (BENCH_RUNTIME + 25) + 2 * (150 + nab * (BENCH_RUNTIME + 70)))))
[[ " $BENCH_PARTS " == *" ablate "* ]] && est=$((est + $(wc -w <<<"$BENCH_ABL") * (150 + $(wc -w <<<"$BENCH_ABL_WL") * (BENCH_RUNTIME + 70))))
if [[ " $BENCH_PARTS " == *" scale "* ]]; then
	maxg=$(tr ' ' '\n' <<<"$BENCH_GUESTS" | sort -n | tail -n 1)
	est=$((est + maxg * 90 + 2 * (150 + 60 * (maxg - 1) + $(wc -w <<<"$BENCH_GUESTS") * (BENCH_RUNTIME + 90))))
fi
export TIMEOUT=${BENCH_TIMEOUT:-$((est * 2 + 600))}
export RIG_SCENARIO_TIMEOUT=$((TIMEOUT - 120))
export DOM0_EXTRA XENBLK_CACHE=$PRIV FLAVOUR RIG_BACK=ours RIG_FRONT=ours
unset RIG_BACK_PARAMS RIG_FRONT_PARAMS
say "rounds=$BENCH_ROUNDS runtime=${BENCH_RUNTIME}s parts='$BENCH_PARTS' devs='$BENCH_DEVS' workloads='$BENCH_WL'"
say "estimated $((est / 60)) min under a loaded TCG host (QEMU limit ${TIMEOUT}s); progress below, full log $OUT/bench-run.log"

rm -f "$PRIV/logs/serial-latest.log"
# progress: follow the serial log as soon as boot.sh creates it
(
	while [[ ! -e $PRIV/logs/serial-latest.log ]]; do sleep 2; done
	exec tail -n +1 -F --pid=$$ "$PRIV/logs/serial-latest.log" 2>/dev/null |
		grep --line-buffered -aE 'progress:|BENCH-ERR|BENCH-NEG|RIG-TEST|RIG-ALL-DONE|RIG-BOOT-FAILED|ERROR' |
		sed -u 's/^\[ *[0-9.]*\] //; s/^RIG-LOG \[[0-9.]*\] [^:]*: //; s/^/[bench] /' >&2
) &
TAILPID=$!
# host load while the rig runs (other QEMUs on the same cores skew TCG numbers)
(
	while sleep 30; do
		echo "$(date +%s) $(cut -d' ' -f1 /proc/loadavg) $(pgrep -c qemu-system || true)"
	done
) >"$OUT/bench-hostload.txt" 2>/dev/null &
LOADPID=$!
set +e
"$REPO/scripts/rig/run.sh" --no-prep --flavour "$FLAVOUR" --scenarios bench/xenblk-bench >"$OUT/bench-run.log" 2>&1
rc=$?
set -e
sleep 1
kill "$TAILPID" "$LOADPID" 2>/dev/null || true
log=$(readlink -f "$PRIV/logs/serial-latest.log" 2>/dev/null || true)
[[ -f $log ]] || { say "no serial log (rig rc=$rc); see $OUT/bench-run.log"; tail -n 20 "$OUT/bench-run.log" >&2; exit 1; }
cp "$log" "$OUT/bench-serial.log"
say "rig finished (rc=$rc; a benchmark has no verdict); serial log $log"
report "$log"
say "report: $OUT/bench.md"
