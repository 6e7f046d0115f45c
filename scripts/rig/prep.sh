#!/bin/bash
# Phase "prep": everything the rig needs from Debian, cached per flavour.
#   1. host packages (qemu, debootstrap, cpio, kbuild headers for KVER, ...)
#   2. debootstrap --variant=minbase $SUITE -> $TREE, plus the dom0 packages
#   3. KVER/XENVER resolved with apt-cache inside the tree, recorded in $FDIR/env
#   4. linux-image-$KVER and xen-hypervisor-$XENVER-amd64 downloaded + unpacked
# Each step leaves a stamp and is skipped when the stamp exists.
# Usage: prep.sh [--flavour bookworm|trixie]   (or env FLAVOUR=...)
# shellcheck source=scripts/rig/flavour-arg.sh
source "$(dirname "$0")/flavour-arg.sh" "$@"
source "$(dirname "$0")/lib.sh"
[[ $(id -u) == 0 ]] || die "prep needs root (debootstrap, chroot)"
[[ $FLAVOUR != debug ]] ||
	die "flavour debug is prepared by scripts/debugkernel/rig-flavour.sh (make check-debug), after prep.sh --flavour bookworm"
mkdir -p "$FDIR" "$DEBS" "$LOGS"
# one prep per flavour at a time (several people share the cache)
exec 9>"$FDIR/.lock"
flock 9

# host tools; linux-headers-$KVER is added once KVER is known
host_install() {
	local p need=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			need+=("$p")
	done
	((${#need[@]})) || return 0
	log "host: apt-get install ${need[*]}"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		"${need[@]}" >>"$LOGS/apt-host.log" 2>&1; then
		log "host: install failed, running apt-get update once and retrying"
		apt-get update >>"$LOGS/apt-host.log" 2>&1 || true
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			"${need[@]}" >>"$LOGS/apt-host.log" 2>&1 ||
			{ tail -20 "$LOGS/apt-host.log"; die "host apt-get install ${need[*]}"; }
	fi
}

HOST_PKGS="qemu-system-x86 debootstrap cpio file kmod gzip zstd binutils make gcc perl python3 coreutils"

make_tree() {
	[[ -f $TREE/.rig-debootstrap ]] && return 0
	rm -rf "$TREE"
	phase "debootstrap --variant=minbase $SUITE -> $TREE"
	debootstrap --variant=minbase "$SUITE" "$TREE" "$MIRROR" >"$LOGS/debootstrap-$FLAVOUR.log" 2>&1 ||
		{ tail -30 "$LOGS/debootstrap-$FLAVOUR.log"; die "debootstrap $SUITE"; }
	touch "$TREE/.rig-debootstrap"
}

# debootstrap only knows "$SUITE main"; kernels and Xen get their fixes in
# -updates and -security, so the tree must see those before anything is resolved
tree_sources() {
	[[ -f $TREE/.rig-sources ]] && return 0
	local sec=${MIRROR%/debian}/debian-security
	cat >"$TREE/etc/apt/sources.list" <<SRC
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $sec $SUITE-security main
SRC
	cp /etc/resolv.conf "$TREE/etc/resolv.conf" 2>/dev/null || true
	in_tree apt-get update >"$LOGS/apt-tree-$FLAVOUR.log" 2>&1 ||
		{ tail -20 "$LOGS/apt-tree-$FLAVOUR.log"; die "apt-get update in the $SUITE tree"; }
	touch "$TREE/.rig-sources"
}

# KVER from linux-image-amd64, XENVER from xen-system-amd64, as the suite has them
resolve_versions() {
	local kver xv
	kver=$(in_tree apt-cache depends linux-image-amd64 |
		sed -n 's/^ *Depends: linux-image-\([0-9].*-amd64\)$/\1/p' | head -1)
	xv=$(in_tree apt-cache depends xen-system-amd64 |
		sed -n 's/^ *Depends: xen-hypervisor-\([0-9.]*\)-amd64$/\1/p' | head -1)
	[[ -n $kver ]] || die "cannot resolve KVER from 'apt-cache depends linux-image-amd64' ($SUITE)"
	[[ -n $xv ]] || die "cannot resolve the Xen version from 'apt-cache depends xen-system-amd64' ($SUITE)"
	if [[ -f $FDIR/env ]] && ! grep -qx "KVER=$kver" "$FDIR/env"; then
		log "KVER changed ($(grep ^KVER= "$FDIR/env") -> $kver): dropping cached kernel/images"
		rm -rf "$KDIR" "$IMG" "$DEBS"/linux-image-*
	fi
	printf 'KVER=%s\nXENVER=%s\nSUITE=%s\nRESOLVED=%s\n' "$kver" "$xv" "$SUITE" \
		"$(date -u +%FT%TZ)" >"$FDIR/env"
	source "$FDIR/env"
	log "$FLAVOUR: KVER=$KVER XENVER=$XENVER (recorded in $FDIR/env)"
}

dom0_packages() {
	# nbd-server/nbd-client/dmsetup: the lifecycle suite's network and
	# failing backing devices (tests/scenarios/6x-life-*)
	local pkgs="xen-utils-$XENVER xen-utils-common xenstore-utils fio busybox-static kmod
		e2fsprogs util-linux procps nbd-server nbd-client dmsetup"
	# the stamp holds the list it was made for: a longer list installs the
	# new packages into the cached tree (and the newer stamp rebuilds the bases)
	local want
	want=$(tr -s ' \t\n' '   ' <<<"$pkgs")
	[[ -f $TREE/.rig-pkgs && $(<"$TREE/.rig-pkgs") == "$want" ]] && return 0
	phase "installing dom0 packages into the $SUITE tree"
	# no daemon may start inside the chroot
	printf '#!/bin/sh\nexit 101\n' >"$TREE/usr/sbin/policy-rc.d"
	chmod +x "$TREE/usr/sbin/policy-rc.d"
	cp /etc/resolv.conf "$TREE/etc/resolv.conf" 2>/dev/null || true
	# only on a new tree: an upgrade of a cached one could move the tools
	# away from the cached hypervisor and kernel
	if [[ ! -f $TREE/.rig-pkgs ]]; then
		in_tree apt-get -y dist-upgrade >>"$LOGS/apt-tree-$FLAVOUR.log" 2>&1 || die "dist-upgrade in the tree"
	fi
	# shellcheck disable=SC2086
	in_tree apt-get install -y --no-install-recommends $pkgs >>"$LOGS/apt-tree-$FLAVOUR.log" 2>&1 ||
		{ tail -30 "$LOGS/apt-tree-$FLAVOUR.log"; die "apt-get install in the $SUITE tree"; }
	rm -f "$TREE/usr/sbin/policy-rc.d"
	echo "$want" >"$TREE/.rig-pkgs"
}

fetch_debs() {
	local p have=1
	for p in "linux-image-$KVER" "xen-hypervisor-$XENVER-amd64"; do
		compgen -G "$DEBS/${p}_*.deb" >/dev/null || have=0
	done
	((have)) && return 0
	phase "apt-get download linux-image-$KVER xen-hypervisor-$XENVER-amd64 ($SUITE)"
	rm -rf "$TREE/tmp/rig-debs"
	mkdir -p "$TREE/tmp/rig-debs"
	in_tree sh -c "cd /tmp/rig-debs && apt-get -o APT::Sandbox::User=root download linux-image-$KVER xen-hypervisor-$XENVER-amd64" \
		>>"$LOGS/apt-tree-$FLAVOUR.log" 2>&1 || die "apt-get download in the $SUITE tree"
	mv "$TREE"/tmp/rig-debs/*.deb "$DEBS/"
	rm -rf "$TREE/tmp/rig-debs"
	in_tree apt-get clean
}

# Only boot/ is kept unpacked. The modules stay in the .deb and are unpacked
# into a temporary directory when build-images.sh needs them: kbuild's
# `make clean` (M=<repo>) deletes every *.ko and modules.order below the
# repo, and this cache lives in <repo>/build/rig.
unpack_kernel() {
	[[ -f $KDIR/.rig-done ]] && return 0
	rm -rf "$KDIR"
	mkdir -p "$KDIR"
	dpkg-deb --fsys-tarfile "$DEBS"/linux-image-"$KVER"_*.deb | tar -x -C "$KDIR" ./boot
	[[ -f $KDIR/boot/vmlinuz-$KVER ]] || die "no boot/vmlinuz-$KVER in linux-image-$KVER"
	touch "$KDIR/.rig-done"
}

unpack_xen() {
	[[ -f $XENDIR/.rig-done ]] && return 0
	local gz
	rm -rf "$XENDIR"
	mkdir -p "$XENDIR"
	dpkg-deb -x "$DEBS"/xen-hypervisor-"$XENVER"-amd64_*.deb "$XENDIR"
	gz=$(compgen -G "$XENDIR/boot/xen-*.gz" | head -1) || true
	[[ -n $gz ]] || die "no boot/xen-*.gz in xen-hypervisor-$XENVER-amd64"
	# QEMU's multiboot loader wants the plain 32-bit ELF, not the .gz
	zcat "$gz" >"$XENDIR/xen"
	file -b "$XENDIR/xen" >"$XENDIR/xen.file"
	grep -q '^ELF 32-bit' "$XENDIR/xen.file" || die "$gz is not a 32-bit ELF inside"
	touch "$XENDIR/.rig-done"
}

# kbuild headers for KVER on the host, so that `make` can build our modules for
# the rig kernel. Only possible when the host runs the same suite.
host_headers() {
	local host_suite
	host_suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	if [[ $host_suite == "$SUITE" ]]; then
		host_install "linux-headers-$KVER"
	elif [[ ! -d /usr/src/linux-headers-$KVER ]]; then
		log "NOTE: host is '$host_suite', flavour is '$SUITE': no linux-headers-$KVER on the host;"
		log "      build our modules for $KVER in a $SUITE chroot (see scripts/build-matrix.sh)"
	fi
}

phase "prep ($FLAVOUR) into $FDIR"
timed prep-host-pkgs host_install $HOST_PKGS
timed prep-debootstrap make_tree
timed prep-tree-sources tree_sources
timed prep-resolve resolve_versions
timed prep-dom0-packages dom0_packages
timed prep-host-headers host_headers
timed prep-fetch-debs fetch_debs
timed prep-unpack-kernel unpack_kernel
timed prep-unpack-xen unpack_xen
log "prep done: $FLAVOUR kernel $KVER, xen $XENVER ($(cat "$XENDIR/xen.file" | cut -c1-40))"
