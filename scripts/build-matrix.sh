#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-matrix.sh: `make check-build`.
#
# Builds both modules with W=1 and sparse (C=1) against the newest
# linux-headers-amd64 of several Debian suites, each inside a debootstrapped
# chroot of that suite so the compiler the headers were made with is used,
# and runs that suite's checkpatch.pl --no-tree over every source file.
# Output is TAP: one point per kernel build (zero warnings to pass) and one
# per checkpatch run (zero errors to pass; warnings are listed).  A suite
# whose chroot cannot be made is reported as "ok N - ... # SKIP reason".
#
# Env:
#   XENBLK_CACHE           cache dir (default build/matrix): chroots/<suite>,
#                          checkpatch/<suite>-<X.Y>, logs/
#   XENBLK_CHROOTS         where the chroots really are (default: $XENBLK_CACHE/
#                          chroots, or /var/cache/xenblk-matrix/chroots with a
#                          symlink when the cache is inside the tree)
#   XENBLK_MATRIX_SUITES   suites to build (default "bookworm trixie sid";
#                          "bookworm-backports" = bookworm chroot with the
#                          backports kernel headers)
#   XENBLK_MATRIX_REFRESH  1: apt-get update/upgrade the chroots now
#                          (otherwise at most once a day)
#   XENBLK_MATRIX_STRICT   1: a skipped suite makes the exit status non-zero
#   XENBLK_MATRIX_JOBS     make -j for the module builds (default 2)
#   MIRROR                 Debian mirror (default http://deb.debian.org/debian)
#
# Exit status: 0 when no point failed (and, with STRICT, none was skipped).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${XENBLK_CACHE:-$ROOT/build/matrix}
SUITES=${XENBLK_MATRIX_SUITES:-bookworm trixie sid}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
JOBS=${XENBLK_MATRIX_JOBS:-2}
LOGS=$CACHE/logs
PKGS="linux-headers-amd64 gcc make sparse libc6-dev perl"
NICE="nice -n 10"
SRC_DIRS="xen-blkfront xen-blkback common include"

# The chroots must not live inside the source tree proper: kbuild's
# `make clean` (M=$ROOT) runs find over the whole tree and deletes every
# *.o, *.a, *.s, *.mod and .*.cmd it meets, i.e. gcc's crt*.o, libgcc.a and
# libc's *.a inside a chroot, and the objects of a build in progress.  That
# find does not follow symlinks, so when the cache is inside the tree the
# chroots are kept in $XENBLK_CHROOTS (default /var/cache/xenblk-matrix,
# shared by all checkouts on the machine) and $CACHE/chroots points there.
mkdir -p "$CACHE/checkpatch" "$LOGS"
case $(realpath -m "$CACHE")/ in
"$ROOT"/*) CHROOTS=${XENBLK_CHROOTS:-/var/cache/xenblk-matrix/chroots} ;;
*) CHROOTS=${XENBLK_CHROOTS:-$CACHE/chroots} ;;
esac
mkdir -p "$CHROOTS"
if [[ $(realpath -m "$CHROOTS") != $(realpath -m "$CACHE/chroots") ]]; then
	if [[ -d $CACHE/chroots && ! -L $CACHE/chroots ]]; then
		echo "# build-matrix: $CACHE/chroots is a directory inside the tree;" \
			"move it to $CHROOTS (make clean damages it)" >&2
		CHROOTS=$CACHE/chroots
	else
		ln -sfn "$CHROOTS" "$CACHE/chroots"
	fi
fi
# One run at a time per chroot store (builds run inside the chroots).
exec 9>"$CHROOTS/.lock"
if ! flock -n 9; then
	echo "# build-matrix: another run holds $CHROOTS/.lock, waiting" >&2
	flock 9
fi

T_START=$SECONDS
n=0
failed=0
skipped=0
passed=0
MOUNTED=()

cleanup() {
	local m
	for m in "${MOUNTED[@]}"; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

note() { printf '# %s\n' "$*"; }
# Echo a file's lines as TAP comments (at most $2 of them).
comment_lines() { head -n "${2:-200}" "$1" | sed 's/^/#   /'; }

tap_ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $*"; }
tap_fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
tap_skip() {
	n=$((n + 1)); skipped=$((skipped + 1))
	echo "ok $n - $1 # SKIP $2"
	echo "build-matrix: SKIPPED $1: $2" >&2
}

# Seconds since $1 (a $SECONDS value), as "Ns".
since() { echo "$((SECONDS - $1))s"; }

timing() { printf '%s %s\n' "$1" "$2" >> "$LOGS/timings.txt"; }

# in_chroot DIR cmd...: run a command inside the chroot with /proc mounted.
# Call ensure_proc in the main shell first when in_chroot runs in a pipeline
# (a subshell's MOUNTED is lost, and its mount would never be undone).
ensure_proc() {
	if ! mountpoint -q "$1/proc"; then
		mount -t proc proc "$1/proc" || return 1
		MOUNTED+=("$1/proc")
	fi
}

in_chroot() {
	local c=$1
	shift
	ensure_proc "$c" || return 1
	# INITRD=No: 6.12+ headers pull in linux-image, whose initramfs
	# (tens of MB, a CPU-heavy mkinitramfs) nobody here boots.
	LC_ALL=C DEBIAN_FRONTEND=noninteractive INITRD=No \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		chroot "$c" "$@"
}

# base_suite SUITE: the suite to debootstrap (bookworm-backports -> bookworm).
base_suite() { echo "${1%-backports}"; }

# write_sources SUITE CHROOT: main, -updates and -security (stable suites),
# -backports when asked for.  Kernel fixes land in -security and -updates.
write_sources() {
	local suite=$1 c=$2 base
	base=$(base_suite "$suite")
	{
		echo "deb $MIRROR $base main"
		if [[ $base != sid && $base != unstable ]]; then
			echo "deb $MIRROR $base-updates main"
			echo "deb ${MIRROR%/debian}/debian-security $base-security main"
		fi
		[[ $suite == *-backports ]] && echo "deb $MIRROR $suite main"
	} > "$c/etc/apt/sources.list"
	# The mirror may be a frozen snapshot whose sid/testing Release files
	# are past their Valid-Until; signatures are still checked.
	echo 'Acquire::Check-Valid-Until "false";' > "$c/etc/apt/apt.conf.d/99xenblk-matrix"
}

# apt_install SUITE CHROOT: install/upgrade the build packages.
apt_install() {
	local suite=$1 c=$2 target=()
	[[ $suite == *-backports ]] && target=(-t "$suite")
	in_chroot "$c" apt-get update -q &&
	in_chroot "$c" apt-get -y -q "${target[@]}" dist-upgrade &&
	in_chroot "$c" apt-get -y -q --no-install-recommends "${target[@]}" \
		install $PKGS &&
	in_chroot "$c" apt-get -y -q autoremove --purge &&
	in_chroot "$c" apt-get -q clean
}

# prepare_chroot SUITE: make or refresh $CACHE/chroots/SUITE.  Sets REASON
# and returns non-zero when the chroot cannot be made.
prepare_chroot() {
	local suite=$1 c=$CHROOTS/$1 log=$LOGS/$1-chroot.log t0=$SECONDS
	local stamp=$c/.xenblk-refreshed age
	REASON=
	if [[ ! -f $c/.xenblk-debootstrap ]]; then
		# A failed debootstrap may leave proc/sys mounted in there.
		findmnt -rn -o TARGET | grep "^$c/" | sort -r |
			while read -r m; do umount "$m" || umount -l "$m"; done
		rm -rf --one-file-system "$c"
		mkdir -p "$c"
		note "$suite: debootstrap --variant=minbase $(base_suite "$suite") (log $log)"
		if ! $NICE debootstrap --variant=minbase "$(base_suite "$suite")" \
			"$c" "$MIRROR" > "$log" 2>&1; then
			REASON="debootstrap $(base_suite "$suite") failed: $(grep -E 'E:|W:' "$log" | tail -n 1)"
			tail -n 20 "$log" | sed 's/^/#   /'
			return 1
		fi
		touch "$c/.xenblk-debootstrap"
		timing "$suite-debootstrap" "$(since "$t0")"
	fi
	age=999999
	[[ -f $stamp ]] && age=$(( $(date +%s) - $(stat -c %Y "$stamp") ))
	if [[ $age -ge 86400 || ${XENBLK_MATRIX_REFRESH:-0} == 1 ]]; then
		t0=$SECONDS
		note "$suite: apt-get install $PKGS (log $log)"
		write_sources "$suite" "$c"
		cp -L /etc/resolv.conf "$c/etc/resolv.conf" 2>/dev/null
		if ! apt_install "$suite" "$c" >> "$log" 2>&1; then
			REASON="apt-get in the $suite chroot failed: $(grep -E '^E:' "$log" | tail -n 1)"
			tail -n 20 "$log" | sed 's/^/#   /'
			[[ -f $stamp ]] || return 1
			# Packages from an earlier refresh are still usable.
			note "$suite: WARNING: refresh failed, building with the packages of $(date -r "$stamp" +%F)"
			echo "build-matrix: $suite: $REASON (using the old packages)" >&2
			REASON=
		else
			touch "$stamp"
		fi
		timing "$suite-apt" "$(since "$t0")"
	fi
	heal_chroot "$suite" "$c" "$log"
	if ! KREL=$(newest_krel "$c") || [[ -z $KREL ]]; then
		REASON="no /usr/src/linux-headers-*-amd64 in the $suite chroot"
		return 1
	fi
	return 0
}

# heal_chroot SUITE CHROOT LOG: reinstall the packages whose files went
# missing (a stray `make clean`, see above).  A few seconds of dpkg -V.
heal_chroot() {
	local suite=$1 c=$2 log=$3 pkgs
	ensure_proc "$c" || return 0
	pkgs=$(in_chroot "$c" dpkg -V 2>/dev/null | awk '$1 == "missing" { print $NF }' |
		in_chroot "$c" xargs -r dpkg -S 2>/dev/null | grep -v '^diversion' | cut -d: -f1 | tr ',' '\n' |
		sed 's/ //g' | sort -u | tr '\n' ' ')
	[[ -n ${pkgs// /} ]] || return 0
	note "$suite: files missing from $pkgs: reinstalling them"
	if ! in_chroot "$c" apt-get -y -q install --reinstall $pkgs >> "$log" 2>&1; then
		note "$suite: WARNING: could not reinstall $pkgs (see $log)"
		echo "build-matrix: $suite chroot damaged, reinstall failed: $pkgs" >&2
	fi
}

# newest_krel CHROOT: kernel release of the newest amd64 headers installed.
newest_krel() {
	local d
	d=$(ls -d "$1"/usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
	[[ -n $d ]] || return 1
	echo "${d##*/linux-headers-}"
}

# copy_tree CHROOT: the source tree (no build/, no .git, no build products)
# to CHROOT/work/xenblk.
copy_tree() {
	local dst=$1/work/xenblk
	rm -rf "$dst"
	mkdir -p "$dst"
	tar -C "$ROOT" --exclude=./build --exclude=./.git \
		--exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --exclude='modules.order' \
		--exclude='Module.symvers' --exclude='.checkpatch-camelcase.*' \
		-cf - . | tar -C "$dst" -xf -
}

# Lines of a kbuild log that are diagnostics: compiler and sparse
# warnings/errors, modpost WARNING/ERROR, make errors.
diagnostics() {
	grep -E '(warning|error):|^(WARNING|ERROR): |^ld(\.bfd)?: |^make(\[[0-9]+\])?: \*\*\*' "$1"
}

# build_suite SUITE KREL: one TAP point for the W=1 C=1 build.
build_suite() {
	local suite=$1 krel=$2 c=$CHROOTS/$1 t0=$SECONDS rc nw name
	local log=$LOGS/$suite-$krel-build.log
	local kdir=/usr/src/linux-headers-$krel
	name="build $suite $krel W=1 C=1"
	copy_tree "$c"
	note "$suite: make -k KDIR=$kdir W=1 C=1 (log $log)"
	in_chroot "$c" $NICE make -k -C /work/xenblk KDIR="$kdir" W=1 C=1 \
		-j"$JOBS" > "$log" 2>&1
	rc=$?
	timing "$suite-build" "$(since "$t0")"
	# Keep the generated compat header: the probe table is made from it.
	cp "$c"/work/xenblk/build/compat/*/xenblk_compat.h \
		"$LOGS/$suite-$krel-xenblk_compat.h" 2>/dev/null
	cp "$c"/work/xenblk/build/compat/*/probes/build.log \
		"$LOGS/$suite-$krel-probes.log" 2>/dev/null
	diagnostics "$log" > "$log.diag"
	nw=$(grep -c . "$log.diag")
	if [[ $rc -eq 0 && $nw -eq 0 ]] &&
		[[ -f $c/work/xenblk/xen-blkfront/xen-blkfront.ko &&
		   -f $c/work/xenblk/xen-blkback/xen-blkback.ko ]]; then
		tap_ok "$name: 0 warnings"
	else
		if [[ $rc -ne 0 ]]; then
			tap_fail "$name: build failed (make exit $rc), $nw diagnostics"
		elif [[ $nw -ne 0 ]]; then
			tap_fail "$name: $nw warnings"
		else
			tap_fail "$name: a module is missing"
		fi
		comment_lines "$log.diag" 200
		[[ $nw -gt 200 ]] && note "  ... $((nw - 200)) more in $log.diag"
		[[ $nw -eq 0 ]] && tail -n 15 "$log" | sed 's/^/#   /'
	fi
	probe_summary "$LOGS/$suite-$krel-xenblk_compat.h"
}

probe_summary() {
	local h=$1 on off
	[[ -f $h ]] || { note "  (no compat header generated)"; return; }
	on=$(sed -n 's/^#define \(HAVE_[A-Z0-9_]*\) 1$/\1/p' "$h" | tr '\n' ' ')
	off=$(sed -n 's|^/\* #undef \(HAVE_[A-Z0-9_]*\) \*/$|\1|p' "$h" | tr '\n' ' ')
	note "  probes present: ${on:-none}"
	note "  probes absent:  ${off:-none}"
}

# fetch_checkpatch SUITE KREL: extract checkpatch.pl and its data files from
# that suite's linux-source-X.Y into $CACHE/checkpatch/SUITE-X.Y (cached per
# package version).  Sets CP_DIR, or REASON and returns non-zero.
fetch_checkpatch() {
	local suite=$1 krel=$2 c=$CHROOTS/$1 xy pkg ver out deb tarball top
	xy=$(echo "$krel" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
	pkg=linux-source-$xy
	ensure_proc "$c" || return 1
	ver=$(in_chroot "$c" apt-cache show --no-all-versions "$pkg" 2>/dev/null |
		sed -n 's/^Version: //p' | head -n 1)
	[[ -n $ver ]] || { REASON="no $pkg package in $suite"; return 1; }
	out=$CACHE/checkpatch/$suite-$xy
	if [[ -f $out/version && $(cat "$out/version") == "$ver" &&
	      -f $out/scripts/checkpatch.pl ]]; then
		CP_DIR=$out
		return 0
	fi
	rm -rf "$out"
	mkdir -p "$c/work/deb" "$out/scripts"
	rm -f "$c"/work/deb/*.deb
	if ! in_chroot "$c" sh -c "cd /work/deb && apt-get download $pkg=$ver" \
		>> "$LOGS/$suite-checkpatch-fetch.log" 2>&1; then
		REASON="apt-get download $pkg failed"
		return 1
	fi
	deb=$(ls "$c"/work/deb/"$pkg"_*.deb | head -n 1)
	tarball=$(dpkg-deb -c "$deb" | grep -o 'usr/src/linux-source-[^ ]*\.tar\.xz' | head -n 1)
	top=$(basename "$tarball" .tar.xz)
	if ! dpkg-deb --fsys-tarfile "$deb" | tar -xO "./$tarball" |
		$NICE tar -xJ -C "$out" --strip-components=1 \
			"$top/scripts/checkpatch.pl" "$top/scripts/spelling.txt" \
			"$top/scripts/const_structs.checkpatch"; then
		REASON="could not extract checkpatch.pl from $pkg $ver"
		rm -f "$deb"
		return 1
	fi
	rm -f "$deb"
	echo "$ver" > "$out/version"
	CP_DIR=$out
}

# checkpatch_suite SUITE KREL: one TAP point, zero errors to pass.
checkpatch_suite() {
	local suite=$1 krel=$2 c=$CHROOTS/$1 cp_dir t0=$SECONDS name
	local log=$LOGS/$suite-checkpatch.log nerr nwarn nchk files ver
	if ! fetch_checkpatch "$suite" "$krel"; then
		tap_skip "checkpatch $suite" "$REASON"
		return
	fi
	timing "$suite-checkpatch-fetch" "$(since "$t0")"
	cp_dir=$CP_DIR
	ver=$(cat "$cp_dir/version")
	name="checkpatch $suite (linux-source ${ver}) --no-tree"
	rm -rf "$c/work/checkpatch"
	cp -a "$cp_dir/scripts" "$c/work/checkpatch"
	[[ -d $c/work/xenblk ]] || copy_tree "$c"
	# The tree in the chroot has been built: skip kbuild's generated files.
	files=$(cd "$c/work/xenblk" &&
		find $SRC_DIRS -name '*.[ch]' ! -name '*.mod.c' 2>/dev/null |
		sort | tr '\n' ' ')
	if [[ -z $files ]]; then
		tap_fail "$name: no source files found"
		return
	fi
	in_chroot "$c" sh -c "cd /work/xenblk && $NICE perl /work/checkpatch/checkpatch.pl \
		--no-tree --terse --show-types --no-summary -f $files" > "$log" 2>&1
	timing "$suite-checkpatch" "$(since "$t0")"
	nerr=$(grep -c ': ERROR:' "$log")
	nwarn=$(grep -c ': WARNING:' "$log")
	nchk=$(grep -c ': CHECK:' "$log")
	if grep -qE '^(Can.t locate|.* at /work/checkpatch/checkpatch.pl line [0-9]+\.$)' "$log" &&
		[[ $nerr -eq 0 && $nwarn -eq 0 ]]; then
		tap_fail "$name: checkpatch itself failed"
		comment_lines "$log" 20
		return
	fi
	if [[ $nerr -eq 0 ]]; then
		tap_ok "$name: 0 errors, $nwarn warnings, $(wc -w <<< "$files") files"
	else
		tap_fail "$name: $nerr errors, $nwarn warnings"
	fi
	grep -E ': (ERROR|WARNING):' "$log" | comment_lines /dev/stdin 200
}

suites=($SUITES)
echo "1..$((2 * ${#suites[@]}))"
note "build-matrix: cache $CACHE, suites: $SUITES"
: > "$LOGS/timings.txt"
for suite in "${suites[@]}"; do
	ts=$SECONDS
	if [[ $(id -u) != 0 ]]; then
		tap_skip "build $suite W=1 C=1" "needs root (debootstrap, chroot)"
		tap_skip "checkpatch $suite" "needs root (debootstrap, chroot)"
		continue
	fi
	if ! command -v debootstrap > /dev/null; then
		tap_skip "build $suite W=1 C=1" "debootstrap is not installed (apt-get install debootstrap)"
		tap_skip "checkpatch $suite" "debootstrap is not installed"
		continue
	fi
	if ! prepare_chroot "$suite"; then
		tap_skip "build $suite W=1 C=1" "$REASON"
		tap_skip "checkpatch $suite" "$REASON"
		continue
	fi
	build_suite "$suite" "$KREL"
	checkpatch_suite "$suite" "$KREL"
	timing "$suite-total" "$(since "$ts")"
	note "$suite: $(since "$ts")"
done
timing total "$(since "$T_START")"
note "build-matrix: $passed passed, $failed failed, $skipped skipped in $(since "$T_START") (logs in $LOGS)"
[[ $failed -eq 0 ]] || exit 1
[[ $skipped -eq 0 || ${XENBLK_MATRIX_STRICT:-0} != 1 ]] || exit 1
exit 0
