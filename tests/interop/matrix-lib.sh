# shellcheck shell=bash
# Interoperability and data-integrity matrix: dom0 side (issue 5).
# Sourced by tests/scenarios/interop/matrix.sh and 40-interop-subset.sh
# after the rig's dom0 library. Shipped into dom0 as /rig/interop/matrix-lib.sh
# by tests/interop/rig-overlay.sh.
#
#   mx_setup                   tmpfs for backing files, one 4-vCPU domU
#   mx_run CASE PAIR           one cell: load the pair with the case's
#                              parameters, attach, run the case's workloads,
#                              print one line
#       rig_result interop/<case>/<pair>[@<dom0gen>-<domUgen>] PASS|FAIL|SKIP "why"
#   mx_teardown                stop the domU, unload the backend
#
# PAIR is <frontend>-<backend>: ours-ours, ours-intree, intree-ours,
# intree-intree (the in-tree pair is the reference column).
# Knobs (dom0 env or /rig/interop/config): MX_DEV_MIB (32), MX_DOMU_FLAVOUR
# (domU kernel of another rig flavour, see rig-overlay.sh), MX_VCPUS (4),
# MX_DOMU_MEM (1024).
[[ -n ${MX_LIB_LOADED:-} ]] && return 0
MX_LIB_LOADED=1
# shellcheck disable=SC1091
[[ -f /rig/interop/config ]] && . /rig/interop/config
: "${MX_DEV_MIB:=32}" "${MX_VCPUS:=4}" "${MX_DOMU_MEM:=1024}" "${MX_DOMU_FLAVOUR:=}"
MX_DIR=/run/interop          # tmpfs: backing files (punched holes read as zeros)
MX_DOM=mx
MX_VDEV=xvdb
# shellcheck disable=SC2034 # used by the scenarios
MX_ALL_CASES="base q1-front q2-front q1-back q2-back order0-front order0-back
ind-off-back ind32-back ind256 persist-off-front persist-off-back
untrusted-xs untrusted-param sect4k ro file dm"
# shellcheck disable=SC2034
MX_ALL_PAIRS="ours-ours ours-intree intree-ours intree-intree"

# generation label: <dom0 flavour>-<domU flavour>, e.g. bookworm-trixie
mx_gen() { echo "${RIG_FLAVOUR:-bookworm}-${MX_DOMU_FLAVOUR:-${RIG_FLAVOUR:-bookworm}}"; }

# mx_name CASE PAIR: the result name (generation suffix only when the domU
# runs another flavour's kernel or MX_GEN_SUFFIX=1)
mx_name() {
	local n="interop/$1/$2"
	if [[ -n $MX_DOMU_FLAVOUR && $MX_DOMU_FLAVOUR != "${RIG_FLAVOUR:-bookworm}" || -n ${MX_GEN_SUFFIX:-} ]]; then
		n+="@$(mx_gen)"
	fi
	echo "$n"
}

# ---------------------------------------------------------------- domU
# mx_domu_start: the matrix's guest. Same as rig_domu_start, except that with
# MX_DOMU_FLAVOUR it boots /boot/vmlinux-<flavour> + /boot/domU-<flavour>.cpio
# (another kernel generation, added by rig-overlay.sh).
mx_domu_start() {
	local f=$MX_DOMU_FLAVOUR cfg id
	if [[ -z $f || $f == "${RIG_FLAVOUR:-bookworm}" ]]; then
		rig_domu_start "$MX_DOM" "$MX_VCPUS" "$MX_DOMU_MEM"
		return
	fi
	[[ -f /boot/vmlinux-$f && -f /boot/domU-$f.cpio ]] ||
		{ rig_log "no /boot/vmlinux-$f or /boot/domU-$f.cpio in this image"; return 1; }
	cfg=$RIG_STATE/$MX_DOM.cfg
	cat >"$cfg" <<CFG
name = "$MX_DOM"
type = "pv"
kernel = "/boot/vmlinux-$f"
ramdisk = "/boot/domU-$f.cpio"
extra = "console=hvc0 rdinit=/init loglevel=${RIG_DOMU_LOGLEVEL:-5} ${RIG_DOMU_EXTRA:-}"
memory = $MX_DOMU_MEM
vcpus = $MX_VCPUS
on_poweroff = "destroy"
on_reboot = "destroy"
on_crash = "${RIG_ON_CRASH:-destroy}"
CFG
	rm -f "$RIG_STATE/domid.$MX_DOM"
	xl create "$cfg" >"$RIG_STATE/$MX_DOM.create.log" 2>&1 ||
		{ sed 's/^/RIG-XL: /' "$RIG_STATE/$MX_DOM.create.log"; return 1; }
	id=$(xl domid "$MX_DOM") || return 1
	echo "$id" >"$RIG_STATE/domid.$MX_DOM"
	echo 0 >"$RIG_STATE/seq.$id"
	if ! rig_xs_wait "/local/domain/$id/data/rig-ready" "$id" "${RIG_START_TIMEOUT:-120}" >/dev/null; then
		tail -n 30 "$RIG_CONSOLE_DIR/guest-$MX_DOM.log" 2>/dev/null | tr -d '\r' | sed "s/^/RIG-CONSOLE $MX_DOM: /"
		return 1
	fi
	rig_log "domU $MX_DOM up with the $f kernel ($(rig_domu_run "$MX_DOM" 'uname -r' 30))"
}

# mx_setup: tmpfs, guest, ext4 modules in the guest. Returns 1 if the guest
# did not start (every cell is then a FAIL of the caller's choosing).
mx_setup() {
	mkdir -p "$MX_DIR"
	mountpoint -q "$MX_DIR" || mount -t tmpfs -o size=$((MX_DEV_MIB * 4 + 64))m tmpfs "$MX_DIR" || return 1
	# no module auto-loading in the rig's dom0
	[[ -e /dev/loop-control ]] || modprobe loop || rig_log "modprobe loop failed"
	[[ -e /dev/mapper/control ]] || modprobe dm-mod || rig_log "modprobe dm-mod failed"
	mx_domu_start || return 1
	MX_GUEST_KVER=$(rig_domu_run "$MX_DOM" 'uname -r' 30)
	MX_HAVE_FS='' # decided by the first fs workload (mx_fs_ready)
	rig_log "guest kernel $MX_GUEST_KVER"
	return 0
}

# mx_fs_ready: ext4 and its helpers loaded in the guest (the rig's domU
# image has none; rig-overlay.sh ships them). Loaded on first use only: five
# insmods cost ~40 s under TCG.
mx_fs_ready() {
	if [[ -z $MX_HAVE_FS ]]; then
		MX_HAVE_FS=0
		# shellcheck disable=SC2016 # expands in the guest
		rig_domu_run "$MX_DOM" 'cd /rig/interop/fsmods 2>/dev/null || exit 3
			for m in crc16 mbcache jbd2 crc32c_generic ext4; do
				f=$(ls $m.ko* 2>/dev/null | head -n 1); [ -n "$f" ] || exit 4
				grep -q "^${m} " /proc/modules || /usr/sbin/insmod ./$f || exit 5
			done; [ -x /rig/interop/bin/mkfs.ext4 ]' 120 && MX_HAVE_FS=1
		rig_log "ext4 in the guest: $MX_HAVE_FS"
	fi
	((MX_HAVE_FS))
}

mx_teardown() {
	rig_detach "$MX_DOM" "$MX_VDEV" >/dev/null 2>&1
	rig_domu_stop "$MX_DOM"
	rig_unload_back
	mx_free_backing
}

# ---------------------------------------------------------------- parameters
# mx_case_params CASE: sets B_* / F_* (what each side offers), DEV (loop,
# loop4k, file, dm), MODE (rw|ro), TRUST (xs|param|'') and WL (workloads).
# "Everything" on a side: 4 rings, ring order 4, 256 indirect segments on the
# backend (32 asked by the frontend), persistent grants.  The frontend's
# everything asks for 32 indirect segments: Linux's frontend preallocates
# rings x slots x segments pages with persistent grants (4 x 512 x 256 pages
# would not fit a 1 GiB guest), so the 256-segment cases use one-page rings.
mx_case_params() {
	B_Q=4 B_O=4 B_IND=256 B_P=1 F_Q=4 F_O=4 F_IND=32 F_P=1
	DEV=loop MODE=rw TRUST='' WL="seq rand fsync discard"
	case $1 in
	base) WL="seq rand fsync discard fs" ;;
	q1-front) F_Q=1 ;;
	q2-front) F_Q=2 ;;
	q1-back) B_Q=1 ;;
	q2-back) B_Q=2 ;;
	order0-front) F_O=0 ;;
	order0-back) B_O=0 ;;
	ind-off-back) B_IND=0 F_IND=256 F_O=0 ;;
	ind32-back) B_IND=32 F_IND=256 F_O=0 ;;
	ind256) F_IND=256 F_O=0 ;;
	persist-off-front) F_P=0 ;;
	persist-off-back) B_P=0 ;;
	untrusted-xs) TRUST=xs WL="seq rand fsync discard fs" ;;
	untrusted-param) TRUST=param WL="seq rand fsync discard fs" ;;
	sect4k) DEV=loop4k WL="seq rand fsync discard fs" ;;
	ro) MODE=ro WL="ro" ;;
	file) DEV=file WL="seq rand fsync discard fs" ;;
	dm) DEV=dm WL="seq rand fsync discard fs" ;;
	*) return 1 ;;
	esac
	[[ -n ${MX_WL:-} && $1 != ro ]] && WL=$MX_WL # ro has its own workload
	return 0
}

# mx_back_args IMPL / mx_front_args IMPL: module parameters for that
# implementation; prints nothing and returns 1 when it cannot express the case
mx_back_args() {
	local a="max_queues=$B_Q max_ring_page_order=$B_O feature_persistent=$B_P"
	if [[ $1 == ours ]]; then
		a+=" max_indirect_segments=$B_IND"
	elif ((B_IND != 256)); then
		return 1 # Linux's blkback always offers 256 (no parameter)
	fi
	echo "$a"
}
mx_front_args() {
	local a="max_queues=$F_Q max_ring_page_order=$F_O max_indirect_segments=$F_IND feature_persistent=$F_P"
	[[ $TRUST == param ]] && a+=" trusted=0"
	echo "$a"
}

# ---------------------------------------------------------------- backing devices
MX_LOOP='' MX_DM='' MX_TARGET=''
mx_free_backing() {
	[[ -n $MX_DM ]] && { dmsetup remove "$MX_DM" 2>/dev/null || sleep 1 && dmsetup remove "$MX_DM" 2>/dev/null; }
	[[ -n $MX_LOOP ]] && losetup -d "$MX_LOOP" 2>/dev/null
	rm -f "$MX_DIR"/disk.img
	MX_LOOP='' MX_DM='' MX_TARGET=''
}
# mx_backing KIND: a fresh zero-filled MX_DEV_MIB device; sets MX_TARGET
mx_backing() {
	mx_free_backing
	truncate -s "${MX_DEV_MIB}M" "$MX_DIR/disk.img" || return 1
	case $1 in
	loop) MX_LOOP=$(losetup --find --show "$MX_DIR/disk.img") && MX_TARGET=$MX_LOOP ;;
	loop4k) MX_LOOP=$(losetup --find --show --sector-size 4096 "$MX_DIR/disk.img") && MX_TARGET=$MX_LOOP ;;
	file) MX_TARGET=$MX_DIR/disk.img ;; # the toolstack's block script sets up the loop
	dm)
		MX_LOOP=$(losetup --find --show "$MX_DIR/disk.img") || return 1
		MX_DM=mx-linear
		dmsetup create "$MX_DM" --table "0 $((MX_DEV_MIB * 2048)) linear $MX_LOOP 0" || { MX_DM=; return 1; }
		# no udev in the rig's dom0: make the node, else use /dev/dm-<minor>
		dmsetup mknodes "$MX_DM" 2>/dev/null
		MX_TARGET=/dev/mapper/$MX_DM
		[[ -b $MX_TARGET ]] || MX_TARGET=/dev/dm-$(dmsetup info -c --noheadings -o minor "$MX_DM" | tr -d ' ')
		[[ -b $MX_TARGET ]] || { rig_log "no block device node for $MX_DM"; return 1; }
		;;
	*) return 1 ;;
	esac
	[[ -n $MX_TARGET ]]
}

# ---------------------------------------------------------------- one cell
MX_WHY=   # reason of the current cell (workloads append to it)
mx_fail() { MX_WHY="$*"; return 1; }

# mx_attach: attach MX_TARGET (with the case's mode / trusted key), load the
# frontend ($1 = implementation, rest = params), wait until connected
mx_attach() {
	local fimpl=$1 fp
	shift
	local hp=$RIG_HOTPLUG
	[[ $DEV == file ]] && hp=debian
	RIG_HOTPLUG=$hp rig_attach "$MX_DOM" "$MX_TARGET" "$MX_VDEV" "$MODE" || return 1
	if [[ $TRUST == xs ]]; then
		fp=$(rig_fe_path "$MX_DOM" "$MX_VDEV")
		xenstore-write "$fp/trusted" 0 || return 1
	fi
	if [[ -n $fimpl ]]; then
		rig_load_front "$MX_DOM" "$fimpl" "$@" || return 1
	fi
	rig_wait_state "$MX_DOM" "$MX_VDEV" front 4 60 && rig_wait_disk "$MX_DOM" "$MX_VDEV" 60
}

# mx_negotiated: one-line summary + checks of what the pair agreed on
mx_negotiated() {
	local fe be q o fpers bpers ind want_q want_o
	fe=$(rig_fe_path "$MX_DOM" "$MX_VDEV") be=$(rig_be_path "$MX_DOM" "$MX_VDEV")
	q=$(xenstore-read "$fe/multi-queue-num-queues" 2>/dev/null || echo 1)
	o=$(xenstore-read "$fe/ring-page-order" 2>/dev/null || echo 0)
	fpers=$(xenstore-read "$fe/feature-persistent" 2>/dev/null || echo 0)
	bpers=$(xenstore-read "$be/feature-persistent" 2>/dev/null || echo 0)
	ind=$(xenstore-read "$be/feature-max-indirect-segments" 2>/dev/null || echo 0)
	MX_NEG="rings=$q order=$o pers=$fpers/$bpers ind=$ind"
	want_q=$((F_Q < B_Q ? F_Q : B_Q))
	((want_q > MX_VCPUS)) && want_q=$MX_VCPUS
	want_o=$((F_O < B_O ? F_O : B_O))
	((q == want_q)) || { mx_fail "negotiated $q rings, expected $want_q ($MX_NEG)"; return 1; }
	((o == want_o)) || { mx_fail "ring-page-order $o, expected $want_o ($MX_NEG)"; return 1; }
	[[ $bpers == "$B_P" ]] || { mx_fail "backend feature-persistent=$bpers, expected $B_P"; return 1; }
	[[ $fpers == "$F_P" ]] || { mx_fail "frontend feature-persistent=$fpers, expected $F_P"; return 1; }
	((ind == B_IND)) || { mx_fail "backend feature-max-indirect-segments=$ind, expected $B_IND"; return 1; }
	return 0
}

# mx_fio_check NAME OUTPUT RC: verify error / mismatch offset into MX_WHY
mx_fio_check() {
	local w=$1 out=$2 rc=$3 e
	if ((rc != 0)) || grep -q 'verify: bad\|bad magic\|crc32c: verify failed\|err=[ ]*[1-9]' <<<"$out"; then
		e=$(grep -m1 -E 'verify: bad|crc32c|bad magic|offset|err=[ ]*[1-9]|fio: ' <<<"$out" | tr -s ' ' | cut -c1-200)
		echo "$out" | tail -n 25 | sed "s/^/MX-FIO $w: /"
		mx_fail "$w: fio rc=$rc ${e:-no fio message}"
		return 1
	fi
	return 0
}

# fio arguments shared by the data workloads
mx_fio_common() { echo "--filename=/dev/$MX_VDEV --direct=1 --ioengine=libaio --eta=never --verify=crc32c --verify_fatal=1 --do_verify=1"; }

# workloads: each returns 0 or sets MX_WHY and returns 1; MX_SS = logical
# sector size in bytes; sizes from one sector to 4 MiB
mx_wl_seq() { # the whole device: 4 jobs on their own quarters, sequential
	# writes of one sector to 256 KiB at QD 32, then 1-4 MiB writes at QD 4
	# over the whole device (fio preallocates bs_max x iodepth per job: 4 MiB
	# x 32 x 4 jobs of buffers would cost minutes under TCG), both verified
	local q=$((MX_DEV_MIB / 4)) out rc
	out=$(rig_domu_run "$MX_DOM" "fio --name=seq $(mx_fio_common) --rw=write --bsrange=$MX_SS-256k \
		--blockalign=$MX_SS --numjobs=4 --size=${q}m --offset_increment=${q}m --iodepth=32 \
		--group_reporting || exit \$?
		fio --name=big $(mx_fio_common) --rw=randwrite --bsrange=1m-4m --blockalign=1m \
		--size=${MX_DEV_MIB}m --iodepth=4" 900)
	rc=$?
	mx_fio_check seq "$out" $rc
}
mx_wl_rand() { # random mixed read/write over the whole device, 4 jobs
	local q=$((MX_DEV_MIB / 4)) out rc
	out=$(rig_domu_run "$MX_DOM" "fio --name=rand $(mx_fio_common) --rw=randrw --rwmixread=40 \
		--bsrange=$MX_SS-128k --blockalign=$MX_SS --numjobs=4 --size=${q}m --offset_increment=${q}m \
		--iodepth=32 --group_reporting" 900)
	rc=$?
	mx_fio_check rand "$out" $rc
}
mx_wl_fsync() { # flush-heavy: an fsync after every write
	local out rc
	out=$(rig_domu_run "$MX_DOM" "fio --name=fsync $(mx_fio_common) --rw=randwrite --bs=$((MX_SS > 4096 ? MX_SS : 4096)) \
		--size=256k --fsync=1 --iodepth=1 --numjobs=2 --offset_increment=2m" 600)
	rc=$?
	mx_fio_check fsync "$out" $rc
}
mx_wl_discard() { # trim job on a written range, then zeros there and the rest intact
	local out rc z
	out=$(rig_domu_run "$MX_DOM" "cat /sys/block/$MX_VDEV/queue/discard_max_bytes" 30)
	if [[ ${out:-0} == 0 ]]; then
		MX_NOTE+=" discard:not-offered"
		[[ $DEV == file || $DEV == loop* || $DEV == dm ]] &&
			{ mx_fail "discard: the frontend shows discard_max_bytes=0 on a device that supports it (backend feature-discard=$(rig_be_key "$MX_DOM" "$MX_VDEV" feature-discard))"; return 1; }
		return 0
	fi
	out=$(rig_domu_run "$MX_DOM" "fio --name=fill $(mx_fio_common) --rw=write --bs=1m --size=8m >/dev/null 2>&1 || exit 7
		a=\$(dd if=/dev/$MX_VDEV bs=1M count=2 iflag=direct 2>/dev/null | md5sum)
		fio --name=trim --filename=/dev/$MX_VDEV --direct=1 --ioengine=libaio --eta=never --rw=trim --bs=1m --offset=2m --size=4m --iodepth=4 >/dev/null 2>&1 || exit 8
		z=\$(dd if=/dev/$MX_VDEV bs=1M skip=2 count=4 iflag=direct 2>/dev/null | tr -d '\\000' | wc -c)
		b=\$(dd if=/dev/$MX_VDEV bs=1M count=2 iflag=direct 2>/dev/null | md5sum)
		echo \"nonzero=\$z same=\$([ \"\$a\" = \"\$b\" ] && echo 1 || echo 0)\"" 600)
	rc=$?
	case $rc in
	0) ;;
	7) mx_fail "discard: the fill write failed"; return 1 ;;
	8) mx_fail "discard: the fio trim job failed"; return 1 ;;
	*) mx_fail "discard: rc=$rc $out"; return 1 ;;
	esac
	z=$(sed -n 's/.*nonzero=\([0-9]*\).*/\1/p' <<<"$out")
	[[ $out == *same=1* ]] || { mx_fail "discard: data outside the discarded range changed"; return 1; }
	# the backing file is on tmpfs: a discard punches a hole, so zeros are
	# this device's documented result
	[[ $z == 0 ]] || { mx_fail "discard: ${z:-?} non-zero bytes read back from the 4 MiB discarded at 2 MiB"; return 1; }
}
mx_wl_fs() { # ext4 round trip incl. detach/re-attach, many small fsync'ed files
	local out rc
	if ! mx_fs_ready; then MX_NOTE+=" fs:SKIP(no ext4 in guest)"; return 0; fi
	out=$(rig_domu_run "$MX_DOM" "export PATH=/rig/interop/bin:\$PATH; mkfs.ext4 -q -F /dev/$MX_VDEV || exit 11
		mkdir -p /mnt/mx; mount -t ext4 /dev/$MX_VDEV /mnt/mx || exit 12; cd /mnt/mx || exit 12
		for d in 1 2 3; do mkdir -p tree/d\$d/sub; for f in 1 2 3 4; do
			dd if=/dev/urandom of=tree/d\$d/f\$f bs=1k count=\$((d * f * 13)) 2>/dev/null || exit 13
			dd if=/dev/urandom of=tree/d\$d/sub/g\$f bs=512 count=\$f 2>/dev/null || exit 13; done; done
		dd if=/dev/urandom of=tree/big bs=1M count=2 2>/dev/null || exit 13
		mkdir small; i=0; while [ \$i -lt 64 ]; do
			dd if=/dev/urandom of=small/s\$i bs=512 count=\$((i % 7 + 1)) conv=fsync 2>/dev/null || exit 14; i=\$((i + 1)); done
		sync; find . -type f | sort | xargs sha256sum > /tmp/mx.sums || exit 15
		n=\$(wc -l < /tmp/mx.sums); cd /; umount /mnt/mx || exit 16; echo files=\$n" 900)
	rc=$?
	((rc == 0)) || { echo "$out" | tail -n 10 | sed 's/^/MX-FS: /'; mx_fail "fs: write phase rc=$rc (11 mkfs 12 mount 13 write 14 fsync'ed small file 15 sums 16 umount)"; return 1; }
	rig_detach "$MX_DOM" "$MX_VDEV" || { mx_fail "fs: detach failed"; return 1; }
	mx_attach "" || { mx_fail "fs: re-attach did not connect"; return 1; }
	out=$(rig_domu_run "$MX_DOM" "mount -t ext4 /dev/$MX_VDEV /mnt/mx || exit 12; cd /mnt/mx
		bad=\$(sha256sum -c /tmp/mx.sums 2>&1 | grep -v ': OK\$'); cd /; umount /mnt/mx
		[ -z \"\$bad\" ] || { echo \"\$bad\" | head -n 5; exit 17; }" 600)
	rc=$?
	((rc == 0)) || { mx_fail "fs: after re-attach rc=$rc: $(head -n 2 <<<"$out" | tr '\n' ' ')"; return 1; }
	MX_NOTE+=" fs:ok"
}
mx_wl_ro() { # read-only VBD: content seen by the guest = dom0's, writes refused
	local sum0 out rc
	sum0=$(md5sum <"$MX_TARGET" | cut -d' ' -f1)
	out=$(rig_domu_run "$MX_DOM" "r=\$(cat /sys/block/$MX_VDEV/ro)
		s=\$(dd if=/dev/$MX_VDEV bs=1M iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
		fio --name=ro --filename=/dev/$MX_VDEV --direct=1 --ioengine=libaio --eta=never --readonly --rw=randread \
			--bsrange=$MX_SS-4m --blockalign=$MX_SS --numjobs=4 --iodepth=32 --size=$((MX_DEV_MIB / 4))m \
			--offset_increment=$((MX_DEV_MIB / 4))m >/dev/null 2>&1; f=\$?
		dd if=/dev/zero of=/dev/$MX_VDEV bs=4k count=1 oflag=direct 2>/dev/null; w=\$?
		echo \"ro=\$r sum=\$s fio=\$f write=\$w\"" 600)
	rc=$?
	((rc == 0)) || { mx_fail "ro: guest command rc=$rc"; return 1; }
	[[ $out == *"sum=$sum0"* ]] || { mx_fail "ro: guest reads different data than dom0 wrote ($out, dom0 md5 $sum0)"; return 1; }
	[[ $out == *"fio=0"* ]] || { mx_fail "ro: random reads failed ($out)"; return 1; }
	[[ $out == *"ro=1"* ]] || { mx_fail "ro: the guest's disk is not read-only ($out)"; return 1; }
	[[ $out != *"write=0"* ]] || { mx_fail "ro: a write to the read-only VBD succeeded"; return 1; }
	[[ $(md5sum <"$MX_TARGET" | cut -d' ' -f1) == "$sum0" ]] || { mx_fail "ro: the backing device changed"; return 1; }
}

# mx_grants_back: after the cell's last detach, our blkfront (loaded fresh
# for the cell) holds no grant and ended none while the backend still
# mapped it: such a grant leaves the guest's grant table only through
# Linux's deferred release, ten a second, and enough of them starve the
# next attach of grant references
mx_grants_back() {
	local g
	g=$(rig_front_grants "$MX_DOM")
	if [[ $g == "0 0" ]]; then
		MX_NOTE+=" grants:returned"
		return 0
	fi
	mx_fail "our blkfront after the detach: grants held, deferred: ${g:-no answer} (want 0 0)"
	return 1
}

# mx_run CASE PAIR: one cell of the matrix, one rig_result line
mx_run() {
	local case=$1 pair=$2 name fimpl bimpl bargs fargs w tw t0=$SECONDS v
	name=$(mx_name "$case" "$pair")
	fimpl=${pair%-*} bimpl=${pair#*-}
	MX_WHY='' MX_NOTE='' MX_NEG='' MX_TIMES=''
	mx_case_params "$case" || { rig_result "$name" FAIL "unknown case"; return; }
	if ! rig_alive "$MX_DOM"; then
		rig_result "$name" FAIL "the guest is gone (an earlier cell killed it)"
		return
	fi
	if [[ $bimpl == ours && ! -f $RIG_OURS/xen-blkback.ko ]]; then
		rig_result "$name" SKIP "no xen-blkback.ko of ours built for dom0's kernel $(uname -r)"
		return
	fi
	if [[ $fimpl == ours ]] && ! rig_domu_run "$MX_DOM" "[ -f $RIG_OURS/xen-blkfront.ko ]" 30 >/dev/null; then
		rig_result "$name" SKIP "no xen-blkfront.ko of ours built for the guest's kernel $MX_GUEST_KVER"
		return
	fi
	bargs=$(mx_back_args "$bimpl") || {
		rig_result "$name" SKIP "Linux's xen-blkback has no parameter to offer $B_IND indirect segments (always 256)"
		return
	}
	fargs=$(mx_front_args "$fimpl")
	# clean slate: no VBD, no frontend, backend with this case's offer
	rig_detach "$MX_DOM" "$MX_VDEV" >/dev/null 2>&1
	rig_unload_front "$MX_DOM" >/dev/null
	# shellcheck disable=SC2086
	rig_load_back "$bimpl" $bargs || { rig_result "$name" FAIL "backend ($bimpl $bargs) did not load"; return; }
	mx_backing "$DEV" || { RIG_NO_DUMP=1 rig_result "$name" FAIL "backing device $DEV could not be set up (a rig problem, not a driver's)"; return; }
	MX_SS=512
	[[ $DEV == loop4k ]] && MX_SS=4096
	[[ $MODE == ro ]] && dd if=/dev/urandom of="$MX_TARGET" bs=1M count="$MX_DEV_MIB" 2>/dev/null
	# shellcheck disable=SC2086
	if ! mx_attach "$fimpl" $fargs; then
		rig_result "$name" FAIL "VBD did not connect (front $fimpl $fargs; back $bimpl $bargs; dev $DEV $MODE${TRUST:+; trusted=0 via $TRUST})"
		rig_detach "$MX_DOM" "$MX_VDEV" >/dev/null 2>&1
		mx_free_backing
		return
	fi
	v=PASS
	if ! mx_negotiated; then
		v=FAIL
	else
		for w in $WL; do
			tw=$SECONDS
			"mx_wl_$w" || { v=FAIL; break; }
			MX_TIMES+=" $w:$((SECONDS - tw))s"
		done
	fi
	rig_detach "$MX_DOM" "$MX_VDEV" >/dev/null 2>&1
	if [[ $v == PASS && $fimpl == ours ]]; then
		mx_grants_back || v=FAIL
	fi
	if [[ $v == PASS ]]; then
		rig_result "$name" PASS "$MX_NEG ss=$MX_SS dev=$DEV${TRUST:+ trusted=0($TRUST)}: $WL verified${MX_NOTE} ($((SECONDS - t0)) s:$MX_TIMES)"
	else
		rig_result "$name" FAIL "$MX_WHY [$MX_NEG dev=$DEV; front $fimpl $fargs; back $bimpl $bargs]"
	fi
	mx_free_backing
}
