#!/bin/bash
# Phase "images": boot artefacts in $IMG from the prep cache.
#   xen            multiboot ELF of the hypervisor
#   vmlinux        uncompressed ELF of the kernel, for dom0 and domUs (Xen or
#                  libxenguest would otherwise decompress the bzImage, slowly)
#   vmlinuz        the bzImage as shipped (kept for reference)
#   domU-base.cpio busybox, fio (engine libraries stubbed, see mkstubs.py),
#                  kmod, xenstore-utils + libraries, in-tree xen-blkfront (cached)
#   domU.cpio      domU-base.cpio + overlay (/init, agent, our .ko) (per run,
#                  in the run directory RIG_RUNDIR)
#   dom0-base.cpio the debootstrap tree minus docs/locales/python/apt (cached)
#   dom0-mods.cpio the in-tree module subset dom0 needs            (cached)
#   dom0.cpio      dom0-base.cpio + dom0-mods.cpio + overlay (/init, /rig/*,
#                  scenarios, our .ko, /boot/vmlinux, /boot/domU.cpio) (per run)
# Inputs (env, normally set by run.sh): RIG_BACK, RIG_FRONT (ours|intree),
# RIG_BACK_KO, RIG_FRONT_KO (.ko paths), RIG_SCENARIOS, RIG_BACK_PARAMS,
# RIG_FRONT_PARAMS, RIG_SCENARIO_TIMEOUT, RIG_HOTPLUG, RIG_SHELL,
# RIG_XENSTORED, RIG_DOM0_GNTDEV.
# shellcheck source=scripts/rig/flavour-arg.sh
source "$(dirname "$0")/flavour-arg.sh" "$@"
source "$(dirname "$0")/lib.sh"
[[ -f $KDIR/.rig-done && -f $XENDIR/.rig-done && -f $TREE/.rig-pkgs && -n ${KVER:-} ]] ||
	die "prep cache of '$FLAVOUR' incomplete: run scripts/rig/prep.sh --flavour $FLAVOUR"
mkdir -p "$IMG"
# Per-run files go to a private directory (RIG_RUNDIR, default a fresh one
# under $CACHE/runs): several runs may share one cache. Scratch trees go to
# /tmp: kbuild's `make clean` in the repo deletes *.ko below build/.
RUNDIR=${RIG_RUNDIR:-$(mkdir -p "$CACHE/runs" && mktemp -d "$CACHE/runs/run.XXXXXX")}
mkdir -p "$RUNDIR"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/xenblk-rig.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
MODTREE= MODBASE=
DOM0_MODS="xen-blkback null_blk brd loop xen-evtchn xen-gntdev xen-gntalloc xenfs xen-privcmd nbd dm-mod dm-flakey dm-delay"
# nbd, dm-mod (linear, error), dm-flakey: the lifecycle suite's backing devices
# xen-evtchn/xen-gntalloc: for user-space peers in the domU (tests/hostile)
DOMU_MODS="xen-blkfront xen-evtchn xen-gntalloc"
DOMU_BINS="/usr/bin/kmod /usr/bin/xenstore /usr/bin/base64"
# fio's I/O-engine libraries the rig never uses; replaced by stubs (mkstubs.py)
FIO_STUBS="libgfapi.so.0 libnbd.so.0 libibverbs.so.1 librdmacm.so.1 librados.so.2 librbd.so.1 libpmemblk.so.1 libpmem.so.1 libnfs.so.14"

mkcpio() { # dir out
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$2.tmp"
	mv "$2.tmp" "$2"
}

# fresh OUT RECIPE FILES...: OUT exists, was built from the same RECIPE
# (a string naming what goes in) and is newer than all FILES
fresh() {
	local out=$1 recipe=$2 f
	shift 2
	[[ -f $out && -f $out.recipe && $(<"$out.recipe") == "$recipe" ]] || return 1
	for f in "$@"; do [[ $f -nt $out ]] && return 1; done
	return 0
}
recipe() { echo "$2" >"$1.recipe"; }

# the kernel's module tree, unpacked from the .deb on first use into $WORK
modtree() {
	if [[ -z $MODTREE ]]; then
		# a kernel built here (flavour debug) has its modules unpacked already
		if [[ -d $KDIR/lib/modules/$KVER/kernel ]]; then
			MODTREE=$KDIR MODBASE=$KDIR
			return 0
		fi
		MODTREE=$WORK/kmods
		mkdir -p "$MODTREE"
		dpkg-deb --fsys-tarfile "$DEBS"/linux-image-"$KVER"_*.deb |
			tar -x -C "$MODTREE" --wildcards './lib/modules/*' './usr/lib/modules/*' 2>/dev/null || true
		# bookworm ships /lib/modules, trixie /usr/lib/modules
		if [[ -d $MODTREE/usr/lib/modules/$KVER ]]; then MODBASE=$MODTREE/usr
		elif [[ -d $MODTREE/lib/modules/$KVER ]]; then MODBASE=$MODTREE
		else die "no modules for $KVER in linux-image-$KVER"; fi
		depmod -b "$MODBASE" "$KVER"
	fi
}

# copy in-tree modules (+ dependencies) into $1/usr/lib/modules/$KVER
install_modules() {
	local dst=$1 m p rel mdir=lib/modules/$KVER src
	shift
	modtree
	mkdir -p "$dst/usr/$mdir"
	for m in "$@"; do
		modprobe -d "$MODBASE" -S "$KVER" --show-depends "$m" 2>/dev/null |
			awk '$1 == "insmod" {print $2}' | while read -r p; do
				rel=${p#"$MODBASE"/}
				mkdir -p "$dst/$(dirname "usr/$rel")"
				cp "$p" "$dst/usr/$rel"
			done
		compgen -G "$dst/usr/$mdir/kernel/*" >/dev/null || die "module $m not found for $KVER"
	done
	cp "$MODBASE/$mdir"/modules.{order,builtin,builtin.modinfo} "$dst/usr/$mdir/"
	depmod -b "$dst/usr" "$KVER"
}

# fio with stub engine libraries (RIG_FIO_FULL=1: the real closure, +70 MiB)
install_fio() {
	local dst=$1 so path l stubs=() keep=()
	mkdir -p "$dst/usr/bin"
	cp "$TREE/usr/bin/fio" "$dst/usr/bin/fio"
	local needed
	# direct NEEDED entries only: ldd also lists what the stubbed libraries pull in
	needed=" $(readelf -d -W "$TREE/usr/bin/fio" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ') "
	while read -r so path; do
		[[ $needed == *" $so "* ]] || continue
		if [[ -z ${RIG_FIO_FULL:-} && " $FIO_STUBS " == *" $so "* ]]; then stubs+=("$path"); else keep+=("$path"); fi
	done < <(in_tree ldd /usr/bin/fio | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}')
	keep+=("$(in_tree ldd /usr/bin/fio | awk '$1 ~ /^\/.*ld-linux/ {print $1}')")
	install_libs "$dst" /usr/bin/fio "${keep[@]}"
	((${#stubs[@]})) || return 0
	mkdir -p "$WORK/stubs"
	python3 "$RIG_DIR/mkstubs.py" "$TREE" /usr/bin/fio "$WORK/stubs" "${stubs[@]}" >/dev/null
	for l in "${stubs[@]}"; do
		so=$(basename "$l")
		gcc -shared -fPIC -O2 -nostartfiles -o "$dst/$l" -Wl,-soname,"$so" \
			-Wl,--version-script="$WORK/stubs/$so.map" "$WORK/stubs/$so.c" || die "stub $so"
	done
	# self-check: the slim fio must run a libaio job in the tree's libc world
	mkdir -p "$dst/tmp" "$dst/proc"
	mount -t proc proc "$dst/proc"
	if ! chroot "$dst" /usr/bin/fio --name=check --filename=/tmp/fio-check --size=1M --bs=4k \
		--rw=randwrite --ioengine=libaio --iodepth=4 --verify=crc32c --output=/dev/null; then
		umount "$dst/proc"
		die "fio with stub engine libraries does not run (RIG_FIO_FULL=1 avoids the stubs)"
	fi
	umount "$dst/proc"
	rm -f "$dst/tmp/fio-check"
}

# install_libs DST BIN LIB...: the libraries + their closure (ldd in the tree)
install_libs() {
	local dst=$1 bin=$2 f l
	shift 2
	for f in "$@"; do
		for l in "$f" $(in_tree ldd "$f" | grep -o '/[^ ]*'); do
			[[ -e $dst/$l ]] && continue
			mkdir -p "$dst/$(dirname "$l")"
			cp -L "$TREE/$l" "$dst/$l"
		done
	done
}

# copy binaries of the tree + their shared-library closure into $1
install_bins() {
	local dst=$1 f l
	shift
	for f in "$@"; do
		mkdir -p "$dst/$(dirname "$f")"
		cp -L "$TREE/$f" "$dst/$f"
		in_tree ldd "$f" | grep -o '/[^ ]*' | while read -r l; do
			[[ -e $dst/$l ]] && continue
			mkdir -p "$dst/$(dirname "$l")"
			cp -L "$TREE/$l" "$dst/$l"
		done
	done
}

build_kernel() {
	fresh "$IMG/vmlinux" "kernel-v2 $KVER" "$KDIR/.rig-done" "$XENDIR/.rig-done" && return 0
	cp "$XENDIR/xen" "$IMG/xen"
	cp "$KDIR/boot/vmlinuz-$KVER" "$IMG/vmlinuz"
	# find the compressed payload in the bzImage and unpack it (xz or gzip)
	python3 - "$IMG/vmlinuz" "$IMG/vmlinux.tmp" <<'PY' || cp "$IMG/vmlinuz" "$IMG/vmlinux.tmp"
import gzip, lzma, sys, zlib
data = open(sys.argv[1], 'rb').read()
for magic, unpack in ((b'\xfd7zXZ\x00', lambda b: lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(b)),
                      (b'\x1f\x8b\x08', lambda b: zlib.decompressobj(31).decompress(b))):
    at = data.find(magic)
    while at >= 0:
        try:
            out = unpack(data[at:])
        except Exception:
            out = b''
        if out[:4] == b'\x7fELF':
            open(sys.argv[2], 'wb').write(out)
            sys.exit(0)
        at = data.find(magic, at + 1)
at = data.find(b'\x28\xb5\x2f\xfd')
if at >= 0:
    import subprocess
    out = subprocess.run(['zstd', '-dc'], input=data[at:], capture_output=True).stdout
    if out[:4] == b'\x7fELF':
        open(sys.argv[2], 'wb').write(out)
        sys.exit(0)
print('no xz/gzip/zstd ELF payload found; the guests get the bzImage', file=sys.stderr)
sys.exit(1)
PY
	mv "$IMG/vmlinux.tmp" "$IMG/vmlinux"
	recipe "$IMG/vmlinux" "kernel-v2 $KVER"
}

build_domu_base() {
	local b=$IMG/domU-base.cpio t=$WORK/domU-base x
	local r="domU-v4 $KVER $DOMU_BINS $DOMU_MODS ${RIG_FIO_FULL:+fio-full}"
	fresh "$b" "$r" "$TREE/.rig-pkgs" "$KDIR/.rig-done" && return 0
	phase "building domU base tree (busybox, fio, kmod, xenstore-utils, in-tree xen-blkfront)"
	rm -rf "$t"
	mkdir -p "$t"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,rig}
	ln -s usr/lib "$t/lib"
	ln -s usr/lib64 "$t/lib64"
	mkdir -p "$t/usr/lib" "$t/usr/lib64"
	cp "$TREE/bin/busybox" "$t/bin/busybox"
	install_bins "$t" $DOMU_BINS
	install_fio "$t"
	for x in modprobe insmod rmmod lsmod modinfo depmod; do ln -sf ../bin/kmod "$t/usr/sbin/$x"; done
	for x in read write rm ls list exists watch chmod; do ln -sf xenstore "$t/usr/bin/xenstore-$x"; done
	install_modules "$t" $DOMU_MODS
	mkcpio "$t" "$b"
	recipe "$b" "$r"
	log "domU base: $(du -sh "$t" | cut -f1) tree -> $(du -h "$b" | cut -f1) cpio"
}

build_dom0_base() {
	local b=$IMG/dom0-base.cpio r="dom0-v1"
	fresh "$b" "$r" "$TREE/.rig-pkgs" && return 0
	phase "building dom0 base archive from the $SUITE tree"
	# left out: docs, man, locales, python (pygrub), udev's hwdb, apt state
	(cd "$TREE" && find . -mindepth 1 \
		\( -path ./usr/share/doc -o -path ./usr/share/man -o -path ./usr/share/locale \
		-o -path ./usr/share/info -o -path ./usr/share/i18n -o -path ./usr/share/zoneinfo \
		-o -path ./usr/share/bash-completion -o -path ./usr/share/common-licenses \
		-o -path ./usr/share/lintian -o -path './usr/lib/python3*' -o -path ./usr/lib/udev/hwdb.bin \
		-o -path ./usr/lib/udev/hwdb.d -o -path ./var/cache/apt -o -path ./var/lib/apt/lists \
		-o -path ./var/cache/debconf -o -path ./proc -o -path ./sys -o -path ./dev \
		-o -name '.rig-*' \) -prune -o -print |
		LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$b.tmp"
	mv "$b.tmp" "$b"
	recipe "$b" "$r"
	log "dom0 base: $(du -h "$b" | cut -f1)"
}

build_dom0_mods() {
	local b=$IMG/dom0-mods.cpio t=$WORK/dom0-mods r="mods-v1 $KVER $DOM0_MODS"
	fresh "$b" "$r" "$KDIR/.rig-done" && return 0
	rm -rf "$t"
	mkdir -p "$t"
	# never a real lib/ here: the tree is merged-/usr (lib -> usr/lib)
	install_modules "$t" $DOM0_MODS
	mkcpio "$t" "$b"
	recipe "$b" "$r"
}

# the ours|intree decision per side, with a loud fallback
ko_ok() { # side ko
	local vm
	if [[ ! -f $2 ]]; then
		notice "RIG_$1=ours but $2 does not exist (run 'make' at the repo root)" \
			"FALLING BACK TO THE IN-TREE MODULE FOR THIS SIDE"
		return 1
	fi
	vm=$(modinfo -F vermagic "$2" | awk '{print $1}')
	if [[ $vm != "$KVER" ]]; then
		notice "RIG_$1=ours but $2 was built for '$vm', the rig boots '$KVER'" \
			"(make KDIR=/usr/src/linux-headers-$KVER)" \
			"FALLING BACK TO THE IN-TREE MODULE FOR THIS SIDE"
		return 1
	fi
	return 0
}

build_overlays() {
	local u=$WORK/domU-overlay o=$WORK/dom0-overlay s n
	rm -rf "$u" "$o"
	# --- domU overlay
	mkdir -p "$u/rig/ours"
	install -m 755 "$RIG_DIR/domU-init.sh" "$u/init"
	install -m 755 "$RIG_DIR/rig-agent.sh" "$u/rig/rig-agent.sh"
	[[ $RIG_FRONT == ours ]] && cp "$RIG_FRONT_KO" "$u/rig/ours/xen-blkfront.ko"
	# --- dom0 overlay (never a real lib/ here: the tree has lib -> usr/lib)
	mkdir -p "$o"/{boot,etc/xen/scripts,rig/ours,rig/scenarios,proc,sys,dev,run,tmp}
	install -m 755 "$RIG_DIR/dom0-init.sh" "$o/init"
	install -m 755 "$RIG_DIR/run-scenarios.sh" "$o/rig/run-scenarios.sh"
	install -m 644 "$RIG_DIR/dom0-lib.sh" "$o/rig/dom0-lib.sh"
	install -m 755 "$RIG_DIR/xenblk-hotplug" "$o/etc/xen/scripts/xenblk-hotplug"
	[[ $RIG_BACK == ours ]] && cp "$RIG_BACK_KO" "$o/rig/ours/xen-blkback.ko"
	[[ $RIG_FRONT == ours ]] && cp "$RIG_FRONT_KO" "$o/rig/ours/xen-blkfront.ko"
	for s in $RIG_SCENARIOS; do
		n=$(scenario_file "$s") || die "no scenario '$s' (tests/scenarios/$s.sh)"
		mkdir -p "$o/rig/scenarios/$(dirname "$s")"
		install -m 755 "$n" "$o/rig/scenarios/$s.sh"
	done
	# domU kernel: the unpacked ELF; libxenguest would otherwise xz-decompress
	# the bzImage in dom0 user space, which took ~20 s per xl create under TCG
	ln "$IMG/vmlinux" "$o/boot/vmlinux" 2>/dev/null || cp "$IMG/vmlinux" "$o/boot/vmlinux"
	# overlay hooks of other test suites: tests/<suite>/rig-overlay.sh is
	# sourced (in a subshell) with the domU and dom0 overlay directories as $1
	# $2 and this script's variables and functions (REPO, KVER, KDIR, LOGS,
	# log, modtree/MODTREE...); a failing hook only costs its own files
	local hook
	# hooks look for in-tree modules in $MODTREE (modtree() would unpack the
	# whole kernel .deb, ~400 MiB, for each run): give them the domU's set
	if [[ -z $MODTREE ]] && compgen -G "$REPO/tests/*/rig-overlay.sh" >/dev/null; then
		mkdir -p "$WORK/hookmods"
		(cd "$WORK/hookmods" && cpio -i -d --quiet 'usr/lib/modules/*' <"$IMG/domU-base.cpio")
		MODTREE=$WORK/hookmods MODBASE=$WORK/hookmods/usr
	fi
	for hook in "$REPO"/tests/*/rig-overlay.sh; do
		[[ -f $hook ]] || continue
		(source "$hook" "$u" "$o") || notice "overlay hook $hook failed; its scenarios may SKIP or FAIL"
	done
	{
		printf 'RIG_FLAVOUR=%q\nRIG_KVER=%q\nRIG_XENVER=%q\n' "$FLAVOUR" "$KVER" "$XENVER"
		printf 'RIG_BACK=%q\nRIG_FRONT=%q\n' "$RIG_BACK" "$RIG_FRONT"
		printf 'RIG_BACK_PARAMS=%q\nRIG_FRONT_PARAMS=%q\n' "${RIG_BACK_PARAMS-max_queues=2}" "${RIG_FRONT_PARAMS:-}"
		printf 'RIG_SCENARIOS=%q\nRIG_SCENARIO_TIMEOUT=%q\n' "$RIG_SCENARIOS" "${RIG_SCENARIO_TIMEOUT:-600}"
		printf 'RIG_HOTPLUG=%q\nRIG_SHELL=%q\n' "${RIG_HOTPLUG:-rig}" "${RIG_SHELL:-0}"
		printf 'RIG_XENSTORED=%q\nRIG_DOM0_GNTDEV=%q\n' "${RIG_XENSTORED:-xenstored}" "${RIG_DOM0_GNTDEV:-1}"
		# make check-full (XENBLK_FULL=1): scenarios run their long counts
		printf 'RIG_FULL=%q\n' "${XENBLK_FULL:+1}"
	} >"$o/rig/config"
	mkcpio "$u" "$WORK/domU-overlay.cpio"
	cat "$IMG/domU-base.cpio" "$WORK/domU-overlay.cpio" >"$RUNDIR/domU.cpio"
	ln "$RUNDIR/domU.cpio" "$o/boot/domU.cpio" 2>/dev/null || cp "$RUNDIR/domU.cpio" "$o/boot/domU.cpio"
	mkcpio "$o" "$WORK/dom0-overlay.cpio"
	cat "$IMG/dom0-base.cpio" "$IMG/dom0-mods.cpio" "$WORK/dom0-overlay.cpio" >"$RUNDIR/dom0.cpio"
	rm -f "$RUNDIR/domU.cpio"
	log "dom0.cpio $(du -h "$RUNDIR/dom0.cpio" | cut -f1) (domU.cpio $(du -h "$o/boot/domU.cpio" | cut -f1)) in $RUNDIR; back=$RIG_BACK front=$RIG_FRONT"
	log "scenarios: $RIG_SCENARIOS"
}

# scenario NAME -> file (tests/scenarios/NAME.sh)
scenario_file() {
	local f=$REPO/tests/scenarios/$1.sh
	[[ -f $f ]] && { echo "$f"; return 0; }
	return 1
}

: "${RIG_BACK:=ours}" "${RIG_FRONT:=ours}"
: "${RIG_BACK_KO:=$REPO/xen-blkback/xen-blkback.ko}" "${RIG_FRONT_KO:=$REPO/xen-blkfront/xen-blkfront.ko}"
: "${RIG_SCENARIOS:=$(cd "$REPO/tests/scenarios" && ls -1 ./*.sh 2>/dev/null | sed 's|^\./||; s|\.sh$||' | LC_ALL=C sort | tr '\n' ' ')}"
[[ $RIG_BACK == ours ]] && ! ko_ok BACK "$RIG_BACK_KO" && RIG_BACK=intree
[[ $RIG_FRONT == ours ]] && ! ko_ok FRONT "$RIG_FRONT_KO" && RIG_FRONT=intree
phase "building boot images ($FLAVOUR: Xen $XENVER, Linux $KVER)"
exec 9>"$FDIR/.lock"
flock 9 # cached parts: one builder at a time
timed images-kernel build_kernel
timed images-domU-base build_domu_base
timed images-dom0-base build_dom0_base
timed images-dom0-mods build_dom0_mods
flock -u 9
timed images-overlays build_overlays
# tell run.sh what was decided
printf 'RIG_BACK=%s\nRIG_FRONT=%s\nRIG_SCENARIOS="%s"\n' "$RIG_BACK" "$RIG_FRONT" "$RIG_SCENARIOS" >"$RUNDIR/config"
log "run directory: $RUNDIR"
