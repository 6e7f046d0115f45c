# shellcheck shell=bash
# Host-side settings and helpers of the xenblk rig. Sourced by the other
# host scripts in this directory (never by dom0; dom0 has dom0-lib.sh).
#
# Everything large is cached under $XENBLK_CACHE (default <repo>/build/rig),
# one sub-directory per flavour:
#   $CACHE/<flavour>/tree      debootstrap tree (dom0 root, source of domU bins)
#   $CACHE/<flavour>/debs      linux-image + xen-hypervisor .debs
#   $CACHE/<flavour>/kernel    unpacked linux-image (boot/, lib/modules/)
#   $CACHE/<flavour>/xen       unpacked hypervisor + uncompressed ELF "xen"
#   $CACHE/<flavour>/images    boot artefacts (xen, vmlinux, vmlinuz, cpios)
#   $CACHE/<flavour>/env       resolved KVER / XENVER of this flavour
#   $CACHE/logs                serial logs, timings, apt/debootstrap logs
set -euo pipefail

RIG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$RIG_DIR/../.." && pwd)
CACHE=${XENBLK_CACHE:-$REPO/build/rig}
FLAVOUR=${FLAVOUR:-bookworm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
LOGS=$CACHE/logs

flavour_setup() {
	case $FLAVOUR in
	bookworm | trixie) SUITE=$FLAVOUR ;;
	# debug: bookworm's tree and Xen, the kernel (boot/ + lib/modules/ in
	# $FDIR/kernel, env in $FDIR/env) from scripts/debugkernel/rig-flavour.sh
	debug) SUITE=bookworm ;;
	*) die "unknown flavour '$FLAVOUR' (bookworm|trixie|debug)" ;;
	esac
	FDIR=$CACHE/$FLAVOUR
	TREE=$CACHE/$SUITE/tree
	DEBS=$CACHE/$SUITE/debs
	KDIR=$FDIR/kernel
	XENDIR=$CACHE/$SUITE/xen
	IMG=$FDIR/images
	# KVER / XENVER are resolved by prep.sh and recorded here
	if [[ -f $FDIR/env ]]; then
		# shellcheck disable=SC1091
		source "$FDIR/env"
	fi
}

log() { printf '[rig %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
phase() { printf '[rig] phase: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
notice() {
	local l
	printf '\n' >&2
	printf '[rig] ******************************************************************\n' >&2
	for l in "$@"; do printf '[rig] *** NOTICE: %s\n' "$l" >&2; done
	printf '[rig] ******************************************************************\n\n' >&2
}

# timed NAME cmd...: run cmd, log and record its duration in $LOGS/timings.txt
timed() {
	local name=$1 t0=$SECONDS rc=0
	shift
	"$@" || rc=$?
	mkdir -p "$LOGS"
	printf '%s %s %s %ds rc=%d\n' "$(date -u +%FT%TZ)" "$FLAVOUR" "$name" \
		$((SECONDS - t0)) "$rc" >>"$LOGS/timings.txt"
	log "$name took $((SECONDS - t0))s"
	return $rc
}

# in_tree cmd...: run a command inside the flavour's debootstrap tree
in_tree() {
	chroot "$TREE" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"
}

flavour_setup
