#!/bin/bash
# The whole interoperability / data-integrity matrix (make check-full):
# one rig boot of tests/scenarios/interop/matrix.sh per kernel generation
# pair <dom0 flavour>-<domU flavour>, then build/reports/interop.md.
#
# Usage: scripts/interop/run.sh [--gens "bookworm-bookworm trixie-trixie
#            bookworm-trixie trixie-bookworm"] [--cases "base ro ..."]
#            [--pairs "ours-ours ..."] [--no-build] [--jobs N]
#   --gens      generations to boot, in order (default: all four)
#   --cases     matrix cases (default: all, see tests/interop/README.md)
#   --pairs     frontend-backend pairs (default: ours-ours ours-intree
#               intree-ours intree-intree)
#   --no-build  use the modules already in build/interop/ko/<KVER>/
#   --jobs N    boots side by side (default 2; each boot is one QEMU)
# Our modules are built from the working tree for each generation's kernel:
# 6.1 with the host's headers in a private copy (build/interop/src), 6.12 in
# the build matrix's trixie chroot (/var/cache/xenblk-matrix/chroots/trixie,
# see scripts/build-matrix.sh), and cached in build/interop/ko/<KVER>/.
# Env: INTEROP_DEV_MIB (32), INTEROP_WL (workloads of every case),
#      XENBLK_CHROOTS (chroot store).
# Exit: 0 when no cell with our drivers failed and every boot finished.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
GENS="bookworm-bookworm trixie-trixie bookworm-trixie trixie-bookworm"
CASES='' PAIRS='' BUILD=1 JOBS=2
while (($#)); do
	case $1 in
	--gens) GENS=$2; shift 2 ;;
	--cases) CASES=$2; shift 2 ;;
	--pairs) PAIRS=$2; shift 2 ;;
	--no-build) BUILD=0; shift ;;
	--jobs) JOBS=$2; shift 2 ;;
	-h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "unknown argument '$1' (try --help)" >&2; exit 2 ;;
	esac
done
[[ $(id -u) == 0 ]] || { echo "run as root (rig, chroot)" >&2; exit 2; }
CACHE=$ROOT/build/rig
OUTD=$ROOT/build/interop
LOGD=$OUTD/logs
CHROOTS=${XENBLK_CHROOTS:-/var/cache/xenblk-matrix/chroots}
mkdir -p "$LOGD"
say() { printf '[interop %(%H:%M:%S)T] %s\n' -1 "$*"; }
kver_of() { sed -n 's/^KVER=//p' "$CACHE/$1/env" 2>/dev/null; }

# build_for FLAVOUR: our two modules for that flavour's kernel into
# build/interop/ko/<KVER>/ (kept when the build fails: the cells then SKIP)
build_for() {
	local fl=$1 kv dst src c rc
	kv=$(kver_of "$fl")
	[[ -n $kv ]] || { say "no $CACHE/$fl/env: prep that flavour (scripts/rig/prep.sh --flavour $fl)"; return 1; }
	dst=$OUTD/ko/$kv
	mkdir -p "$dst"
	if [[ -d /usr/src/linux-headers-$kv ]]; then
		src=$OUTD/src
		rsync -a --delete --exclude build --exclude .git "$ROOT/" "$src/"
		make -C "$src" KDIR="/usr/src/linux-headers-$kv" -j2 >"$LOGD/make-$kv.log" 2>&1
		rc=$?
		((rc == 0)) && cp "$src"/xen-blkback/xen-blkback.ko "$src"/xen-blkfront/xen-blkfront.ko "$dst/"
	else
		c=$CHROOTS/$fl
		[[ -d $c/usr/src/linux-headers-$kv ]] ||
			{ say "no headers for $kv on the host or in $c (run scripts/build-matrix.sh once)"; return 1; }
		exec 7>"$CHROOTS/.lock"
		flock 7
		mkdir -p "$c/work/interop-src"
		rsync -a --delete --exclude build --exclude .git --exclude '*.o' --exclude '*.ko' --exclude '*.mod*' \
			--exclude '.*.cmd' --exclude modules.order --exclude Module.symvers "$ROOT/" "$c/work/interop-src/"
		local mounted=0
		mountpoint -q "$c/proc" || { mount -t proc proc "$c/proc" && mounted=1; }
		LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$c" \
			make -C /work/interop-src KDIR="/usr/src/linux-headers-$kv" -j2 >"$LOGD/make-$kv.log" 2>&1
		rc=$?
		((mounted)) && umount "$c/proc"
		flock -u 7
		((rc == 0)) && cp "$c"/work/interop-src/xen-blkback/xen-blkback.ko \
			"$c"/work/interop-src/xen-blkfront/xen-blkfront.ko "$dst/"
	fi
	((rc == 0)) || { say "building our modules for $kv failed (see $LOGD/make-$kv.log)"; return 1; }
	say "our modules for $kv: $dst"
}

T0=$SECONDS
if ((BUILD)); then
	for fl in $(tr ' -' '\n' <<<"$GENS" | sort -u); do build_for "$fl"; done
fi
ncases=$(wc -w <<<"${CASES:-x x x x x x x x x x x x x x x x x x}")
npairs=$(wc -w <<<"${PAIRS:-x x x x}")
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || { echo "--jobs wants a positive number" >&2; exit 2; }
# boot_gen GEN LOG: one rig boot of the matrix for that generation pair
boot_gen() {
	local g=$1 log=$2 d0 du kv t r=0
	d0=${g%-*} du=${g#*-}
	kv=$(kver_of "$d0")
	say "boot $g: dom0 $d0 ($kv), domU $du; $ncases case(s) x $npairs pair(s); serial $log"
	t=$SECONDS
	FLAVOUR=$d0 INTEROP_DOMU_FLAVOUR=$du INTEROP_CASES=$CASES INTEROP_PAIRS=$PAIRS \
		RIG_BACK_KO=$OUTD/ko/$kv/xen-blkback.ko RIG_FRONT_KO=$OUTD/ko/$kv/xen-blkfront.ko \
		RIG_SCENARIO_TIMEOUT=$((300 + ncases * npairs * 300)) RIG_LOG=$log \
		"$ROOT/scripts/rig/run.sh" --no-prep --flavour "$d0" --scenarios interop/matrix \
		>"$LOGD/run-$g.log" 2>&1 || r=1
	say "boot $g took $((SECONDS - t)) s: $(grep -E 'passed,' "$LOGD/run-$g.log" | tail -n 1)"
	echo "run log: $LOGD/run-$g.log" # tests/run-check.sh reads these
	echo $r >"$LOGD/rc-$g"
}
logs=()
rc=0
for g in $GENS; do
	# at most JOBS boots at once
	while (($(jobs -rp | wc -l) >= JOBS)); do wait -n; done
	log=$LOGD/serial-$g-$(date +%Y%m%d-%H%M%S).log
	logs+=("$log")
	rm -f "$LOGD/rc-$g"
	boot_gen "$g" "$log" &
	sleep 20 # image builds do not overlap
done
wait
for g in $GENS; do [[ $(cat "$LOGD/rc-$g" 2>/dev/null) == 0 ]] || rc=1; done
"$ROOT/scripts/interop/report.sh" -t "Interoperability and data-integrity matrix (full)" "${logs[@]}" || rc=1
say "whole matrix took $((SECONDS - T0)) s"
exit $rc
