# shellcheck shell=bash
# Hook of the interoperability matrix (tests/interop) into the rig's image
# build. Sourced by scripts/rig/build-images.sh (build_overlays) as
#     source tests/interop/rig-overlay.sh <domU overlay dir> <dom0 overlay dir>
# with lib.sh's variables (REPO, CACHE, FLAVOUR, KVER, TREE, LOGS) and
# build-images' functions (log, mkcpio). Does nothing unless an interop
# scenario is in RIG_SCENARIOS, so other boots pay nothing. It adds:
#   dom0: /rig/interop/matrix-lib.sh, /rig/interop/config (MX_* knobs from the
#         host's INTEROP_* variables)
#   domU: /rig/interop/fsmods/{crc16,mbcache,jbd2,crc32c_generic,ext4}.ko*,
#         /rig/interop/bin/mkfs.ext4 (+ libraries), /etc/mke2fs.conf
#   with INTEROP_DOMU_FLAVOUR=<other flavour>: dom0 /boot/vmlinux-<flavour>
#         and /boot/domU-<flavour>.cpio (that flavour's domU base + the rig's
#         init/agent + our xen-blkfront.ko built for its kernel, taken from
#         INTEROP_FRONT_KO_OTHER or build/interop/ko/<its KVER>/xen-blkfront.ko)
# Host knobs: INTEROP_DEV_MIB, INTEROP_CASES, INTEROP_PAIRS, INTEROP_WL.
[[ " ${RIG_SCENARIOS:-} " == *interop* ]] || return 0
mx_u=$1 mx_o=$2
mx_cache=$REPO/build/interop
mkdir -p "$mx_cache" "$mx_o/rig/interop"
install -m 644 "$REPO/tests/interop/matrix-lib.sh" "$mx_o/rig/interop/matrix-lib.sh"
{
	printf 'MX_DEV_MIB=%q\n' "${INTEROP_DEV_MIB:-32}"
	printf 'MX_CASES=%q\nMX_PAIRS=%q\n' "${INTEROP_CASES:-}" "${INTEROP_PAIRS:-}"
	printf 'MX_WL=%q\nMX_DOMU_FLAVOUR=%q\n' "${INTEROP_WL:-}" "${INTEROP_DOMU_FLAVOUR:-}"
} >"$mx_o/rig/interop/config"

# mx_fsmods FLAVOUR KVER DST: ext4 and its helpers for KVER into DST
# (cached in build/interop/fsmods/<KVER>, unpacked once from the rig's .deb)
mx_fsmods() {
	local fl=$1 kv=$2 dst=$3 c=$mx_cache/fsmods/$2 m x
	if [[ ! -f $c/.done ]]; then
		rm -rf "$c.tmp"
		mkdir -p "$c.tmp/x"
		dpkg-deb --fsys-tarfile "$CACHE/$fl/debs/linux-image-${kv}"_*.deb |
			tar -x -C "$c.tmp/x" --wildcards '*/kernel/fs/ext4/ext4.ko*' '*/kernel/fs/jbd2/jbd2.ko*' \
				'*/kernel/fs/mbcache.ko*' '*/kernel/lib/crc16.ko*' '*/kernel/crypto/crc32c_generic.ko*' 2>/dev/null
		for m in crc16 mbcache jbd2 crc32c_generic ext4; do
			x=$(find "$c.tmp/x" -name "$m.ko*" | head -n 1)
			[[ -n $x ]] || { log "tests/interop: $m.ko not in linux-image-$kv"; rm -rf "$c.tmp"; return 1; }
			mv "$x" "$c.tmp/"
		done
		rm -rf "$c.tmp/x" "$c"
		mv "$c.tmp" "$c" && touch "$c/.done"
	fi
	mkdir -p "$dst/rig/interop/fsmods"
	cp "$c"/*.ko* "$dst/rig/interop/fsmods/"
}

# mx_mkfs TREE DST: mke2fs as /rig/interop/bin/mkfs.ext4 with its libraries
mx_mkfs() {
	local tree=$1 dst=$2 l d
	[[ -x $tree/usr/sbin/mke2fs ]] || { log "tests/interop: no mke2fs in $tree"; return 1; }
	mkdir -p "$dst/rig/interop/bin" "$dst/etc"
	cp "$tree/usr/sbin/mke2fs" "$dst/rig/interop/bin/mkfs.ext4"
	[[ -f $tree/etc/mke2fs.conf ]] && cp "$tree/etc/mke2fs.conf" "$dst/etc/"
	# never a real lib/ or lib64/ in an overlay (merged /usr: lib -> usr/lib)
	for l in $(chroot "$tree" /usr/bin/env -i PATH=/usr/sbin:/usr/bin ldd /usr/sbin/mke2fs | grep -o '/[^ ]*'); do
		d=$l
		[[ $d == /lib/* || $d == /lib64/* ]] && d=/usr$d
		[[ -e $dst/$d ]] && continue
		mkdir -p "$dst/$(dirname "$d")"
		cp -L "$tree/$l" "$dst/$d"
	done
}

(
	exec 8>"$mx_cache/.lock"
	flock 8
	mx_fsmods "$FLAVOUR" "$KVER" "$mx_u"
) || log "tests/interop: no ext4 modules for the guest (fs workloads will SKIP)"
# shellcheck disable=SC2153 # TREE: from scripts/rig/lib.sh
mx_mkfs "$TREE" "$mx_u" || log "tests/interop: no mkfs.ext4 for the guest"

mx_other=${INTEROP_DOMU_FLAVOUR:-}
if [[ -n $mx_other && $mx_other != "$FLAVOUR" ]]; then
	mx_ok=1
	mx_okv=$(sed -n 's/^KVER=//p' "$CACHE/$mx_other/env" 2>/dev/null)
	for mx_f in "$CACHE/$mx_other/images/vmlinux" "$CACHE/$mx_other/images/domU-base.cpio"; do
		[[ -f $mx_f ]] || { log "tests/interop: $mx_f missing (boot the $mx_other flavour once)"; mx_ok=0; }
	done
	if ((mx_ok)) && [[ -n $mx_okv ]]; then
		mx_w=$(mktemp -d "${TMPDIR:-/tmp}/interop-domU.XXXXXX")
		mkdir -p "$mx_w/rig/ours"
		install -m 755 "$RIG_DIR/domU-init.sh" "$mx_w/init"
		install -m 755 "$RIG_DIR/rig-agent.sh" "$mx_w/rig/rig-agent.sh"
		mx_ko=${INTEROP_FRONT_KO_OTHER:-$mx_cache/ko/$mx_okv/xen-blkfront.ko}
		if [[ -f $mx_ko && $(modinfo -F vermagic "$mx_ko" | awk '{print $1}') == "$mx_okv" ]]; then
			cp "$mx_ko" "$mx_w/rig/ours/xen-blkfront.ko"
		else
			notice "tests/interop: no xen-blkfront.ko of ours for $mx_okv ($mx_ko); the $mx_other guest's ours-* cells will SKIP"
		fi
		(
			exec 8>"$mx_cache/.lock"
			flock 8
			mx_fsmods "$mx_other" "$mx_okv" "$mx_w"
		) || log "tests/interop: no ext4 modules for the $mx_other guest"
		mx_mkfs "$CACHE/$mx_other/tree" "$mx_w" || log "tests/interop: no mkfs.ext4 for the $mx_other guest"
		mkcpio "$mx_w" "$mx_w.cpio"
		cat "$CACHE/$mx_other/images/domU-base.cpio" "$mx_w.cpio" >"$mx_o/boot/domU-$mx_other.cpio"
		cp "$CACHE/$mx_other/images/vmlinux" "$mx_o/boot/vmlinux-$mx_other"
		rm -rf "$mx_w" "$mx_w.cpio"
		log "tests/interop: $mx_other guest ($mx_okv) added as /boot/vmlinux-$mx_other + /boot/domU-$mx_other.cpio"
	fi
fi
unset mx_u mx_o mx_cache mx_other mx_ok mx_okv mx_f mx_w mx_ko
