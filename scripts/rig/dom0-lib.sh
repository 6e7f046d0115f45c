# shellcheck shell=bash
# dom0 library of the xenblk rig. Every scenario sources it:
#     . "${RIG_LIB:-/rig/dom0-lib.sh}"
# The API is documented in scripts/rig/README.md ("Writing a scenario").
# Conventions: functions return non-zero on failure and print one line
# saying why (prefixed "RIG-LOG"); nothing here exits the caller's shell.
[[ -n ${RIG_LIB_LOADED:-} ]] && return 0
RIG_LIB_LOADED=1
# shellcheck disable=SC1091
[[ -f /rig/config ]] && . /rig/config
export PATH=/rig/bin:/usr/lib/xen-${RIG_XENVER:-4.17}/bin:/usr/sbin:/usr/bin:/sbin:/bin
: "${RIG_BACK:=intree}" "${RIG_FRONT:=intree}" "${RIG_HOTPLUG:=rig}"
: "${RIG_BACK_PARAMS:=}" "${RIG_FRONT_PARAMS:=}"
: "${RIG_SCENARIO:=adhoc}"
RIG_OURS=/rig/ours            # our .ko files (dom0 and domU)
RIG_CONSOLE_DIR=/var/log/xen/console
RIG_STATE=/run/rig
mkdir -p "$RIG_STATE"
# flavour debug (make check-debug): SLUB redzones + poisoning in the guests
# too, and a log buffer that holds a whole suite's worth of reports
if [[ ${RIG_FLAVOUR:-} == debug ]]; then
	: "${RIG_DOMU_EXTRA=slub_debug=FZP log_buf_len=4M}"
	# a lockdep + kmemleak guest boots several times slower under TCG
	: "${RIG_START_TIMEOUT:=360}"
fi

# ---------------------------------------------------------------- reporting
rig_uptime() { cut -d' ' -f1 /proc/uptime; }
rig_log() { echo "RIG-LOG [$(rig_uptime)] ${RIG_SCENARIO}: $*"; }

# rig_result NAME PASS|FAIL|SKIP "reason": the only line the host counts.
# A FAIL also dumps dom0's and every running domU's recent dmesg (set
# RIG_NO_DUMP=1 to skip that).
rig_result() {
	local name=$1 verdict=$2
	shift 2
	case $verdict in PASS | FAIL | SKIP) ;; *) verdict=FAIL ;; esac
	[[ $verdict == FAIL && -z ${RIG_NO_DUMP:-} ]] && rig_dump_all
	echo "RIG-TEST: $name $verdict ${*:-no reason given}"
}

# rig_expect_kernel_trouble "why": this scenario provokes oopses/WARNs on
# purpose (e.g. hostile input against an in-tree driver); the runner then
# prints them without adding a <scenario>/kernel-log FAIL
rig_expect_kernel_trouble() { echo "${*:-no reason given}" >/run/rig/expect-kernel-trouble; }

# rig_dmesg0 [lines]: tail of dom0's kernel log, prefixed
rig_dmesg0() { dmesg | tail -n "${1:-60}" | sed 's/^/RIG-DMESG dom0: /'; }

# rig_dmesgU NAME [lines]: tail of a domU's kernel log (through the agent;
# falls back to its console log when the agent does not answer)
rig_dmesgU() {
	local name=$1 n=${2:-60}
	if ! RIG_RUN_TIMEOUT=15 rig_domu_run "$name" "dmesg | tail -n $n" 2>&1 |
		sed "s/^/RIG-DMESG $name: /"; then
		rig_log "agent of $name did not answer; console log tail instead"
		tail -n "$n" "$RIG_CONSOLE_DIR/guest-$name.log" 2>/dev/null | tr -d '\r' |
			sed "s/^/RIG-CONSOLE $name: /"
	fi
}

# rig_dump_all: dmesg of dom0 and of every running domU, plus xl's logs
rig_dump_all() {
	local d
	echo "RIG-DUMP begin (${RIG_SCENARIO})"
	rig_dmesg0 80
	for d in $(rig_domains); do rig_dmesgU "$d" 60; done
	tail -n 20 /var/log/xen/xenblk-hotplug.log 2>/dev/null | sed 's/^/RIG-HOTPLUG: /'
	xl list 2>&1 | sed 's/^/RIG-XL: /'
	echo "RIG-DUMP end"
}

# rig_domains: names of running guests (not Domain-0)
rig_domains() { xl list 2>/dev/null | awk 'NR>2 {print $1}'; }

# ---------------------------------------------------------------- domUs
# rig_domid NAME: prints the domid (cached by rig_domu_start, else xl domid)
rig_domid() {
	local id=
	[[ -f $RIG_STATE/domid.$1 ]] && read -r id <"$RIG_STATE/domid.$1"
	# xl restore gives the domain a new id: drop a cached one that no
	# longer names this domain
	[[ -n $id && $(xenstore-read "/local/domain/$id/name" 2>/dev/null) != "$1" ]] && id=
	if [[ -z $id ]]; then
		id=$(xl domid "$1" 2>/dev/null) || return 1
		echo "$id" >"$RIG_STATE/domid.$1"
	fi
	echo "$id"
}

# rig_alive NAME: is the domU still there? (one xenstore read)
rig_alive() {
	local id
	id=$(rig_domid "$1") || return 1
	[[ $(xenstore-read "/local/domain/$id/name" 2>/dev/null) == "$1" ]] && return 0
	rm -f "$RIG_STATE/domid.$1"
	return 1
}

# rig_xs_wait PATH VALUE-GLOB TIMEOUT_S: block in a xenstore watch (no
# polling) until PATH's value matches the glob; print it. Returns 1 on
# timeout, 2 when PATH's domain (/local/domain/<id>/...) went away.
rig_xs_wait() {
	local p=$1 want=$2 to=$3 v fd pid rc=1 dom= end=$((SECONDS + $3)) left
	[[ $p =~ ^/local/domain/([0-9]+)/ ]] && dom=/local/domain/${BASH_REMATCH[1]}/name
	exec {fd}< <(exec xenstore-watch "$p" 2>/dev/null)
	pid=$!
	while left=$((end - SECONDS)); ((left > 0)) && read -r -t "$left" -u "$fd" _; do
		v=$(xenstore-read "$p" 2>/dev/null)
		# shellcheck disable=SC2053
		if [[ $v == $want ]]; then rc=0; break; fi
		if [[ -z $v && -n $dom ]] && ! xenstore-read "$dom" >/dev/null 2>&1; then rc=2; break; fi
	done
	kill "$pid" 2>/dev/null
	exec {fd}<&-
	((rc == 0)) && echo "$v"
	return $rc
}

# rig_domu_start NAME [vcpus=2] [mem_mib=512]: create a PV domU from the rig's
# domU initramfs and wait until its command agent answers.
# Extra kernel args: RIG_DOMU_EXTRA; extra xl config lines (e.g.
# "max_grant_frames = 1"): RIG_DOMU_CFG. Timeout: RIG_START_TIMEOUT (120 s).
rig_domu_start() {
	local name=$1 vcpus=${2:-2} mem=${3:-512} t0 id i
	local cfg=$RIG_STATE/$name.cfg
	cat >"$cfg" <<CFG
name = "$name"
type = "pv"
kernel = "/boot/vmlinux"
ramdisk = "/boot/domU.cpio"
extra = "console=hvc0 rdinit=/init loglevel=${RIG_DOMU_LOGLEVEL:-5} ${RIG_DOMU_EXTRA:-}"
memory = $mem
vcpus = $vcpus
on_poweroff = "destroy"
on_reboot = "destroy"
on_crash = "${RIG_ON_CRASH:-destroy}"
${RIG_DOMU_CFG:-}
CFG
	t0=$(rig_uptime)
	rm -f "$RIG_STATE/domid.$name"
	# an earlier guest of this name left its console log: scenarios grep
	# it for verdicts, so a new guest starts with an empty one
	: >"$RIG_CONSOLE_DIR/guest-$name.log" 2>/dev/null
	if ! xl create "$cfg" >"$RIG_STATE/$name.create.log" 2>&1; then
		sed 's/^/RIG-XL: /' "$RIG_STATE/$name.create.log"
		rig_log "xl create $name failed"
		return 1
	fi
	id=$(xl domid "$name" 2>/dev/null) || { rig_log "$name vanished after xl create"; return 1; }
	echo "$id" >"$RIG_STATE/domid.$name"
	echo 0 >"$RIG_STATE/seq.$id"
	rig_log "xl create $name: domid $id after $(awk -v a="$t0" -v b="$(rig_uptime)" 'BEGIN{printf "%.1f", b-a}') s"
	if rig_xs_wait "/local/domain/$id/data/rig-ready" "$id" "${RIG_START_TIMEOUT:-120}" >/dev/null; then
		rig_log "domU $name up (domid $id, $vcpus vcpus, $mem MiB) in $(awk -v a="$t0" -v b="$(rig_uptime)" 'BEGIN{printf "%.1f", b-a}') s"
		return 0
	fi
	rig_log "domU $name: agent not ready; console log tail:"
	tail -n 30 "$RIG_CONSOLE_DIR/guest-$name.log" 2>/dev/null | tr -d '\r' | sed "s/^/RIG-CONSOLE $name: /"
	return 1
}

# rig_domu_run NAME 'shell command' [timeout_s]: run the command in the domU
# (busybox sh; kmod tools at /usr/sbin; fio; xenstore-*). Its stdout+stderr
# are printed on stdout, and its exit status is returned. 124 = timeout
# (default RIG_RUN_TIMEOUT or 300 s), 125 = domU/agent gone.
# The command text is limited to ~2.5 KiB (one xenstore value).
rig_domu_run() {
	local name=$1 cmd=$2 to=${3:-${RIG_RUN_TIMEOUT:-300}}
	local id seq b64 r i log
	id=$(rig_domid "$name") || { rig_log "rig_domu_run: no domain $name"; return 125; }
	seq=0
	[[ -f $RIG_STATE/seq.$id ]] && read -r seq <"$RIG_STATE/seq.$id"
	seq=$((seq + 1))
	echo "$seq" >"$RIG_STATE/seq.$id"
	b64=$(base64 -w0 <<<"$cmd")
	((${#b64} < 3500)) || { rig_log "rig_domu_run: command too long (${#b64} bytes base64)"; return 125; }
	local t0=${EPOCHREALTIME:-0} t1
	xenstore-write "/local/domain/$id/data/rig-cmd" "$seq $b64" ||
		{ rig_log "rig_domu_run: xenstore-write to $name failed"; return 125; }
	r=$(rig_xs_wait "/local/domain/$id/data/rig-rc" "$seq *" "$to")
	local xrc=$?
	t1=${EPOCHREALTIME:-0}
	case $xrc in
	0) ;;
	2) rig_log "rig_domu_run: $name died during: $cmd"; return 125 ;;
	*) rig_log "rig_domu_run: timeout (${to}s) in $name: $cmd"; return 124 ;;
	esac
	# the rc is in xenstore; the console log may trail by a moment
	log=$RIG_CONSOLE_DIR/guest-$name.log
	for ((i = 0; i < 100; i++)); do
		grep -qF "@@RIG-END $id.$seq " "$log" 2>/dev/null && break
		sleep 0.05
	done
	[[ -n ${RIG_DEBUG:-} ]] && echo "RIG-DEBUG run $name.$seq: write->rc $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}') s, rc->log $(awk -v a="$t1" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.2f", b-a}') s" >&2
	awk -v b="@@RIG-BEGIN $id.$seq @@" -v e="@@RIG-END $id.$seq " '
		{ sub(/\r$/, "") } on && index($0, e) { exit } on { print } index($0, b) { on = 1 }' "$log"
	return "${r#* }"
}

# rig_domu_stop NAME: power the domU off (falls back to xl destroy after 20 s)
rig_domu_stop() {
	local name=$1 i
	rig_alive "$name" || return 0
	[[ ${RIG_FLAVOUR:-} != debug ]] || rig_kmemleak_guest "$name"
	RIG_RUN_TIMEOUT=10 rig_domu_run "$name" 'sync; (sleep 0.2; poweroff -f) >/dev/null 2>&1 &' >/dev/null
	for ((i = 0; i < 200; i++)); do
		rig_alive "$name" || { rig_log "domU $name stopped"; return 0; }
		sleep 0.1
	done
	rig_log "domU $name did not power off; xl destroy"
	xl destroy "$name"
	rm -f "$RIG_STATE/domid.$name"
}

# rig_kmemleak_guest NAME (flavour debug): two kmemleak scans in the guest,
# its report printed as "RIG-KMEMLEAK NAME: ..." lines (the host's
# scripts/debugkernel/scan-reports.py reads them); a guest that is going
# away takes its leak list with it, so rig_domu_stop calls this first
rig_kmemleak_guest() {
	# shellcheck disable=SC2016 # expanded by the guest's shell
	RIG_RUN_TIMEOUT=${RIG_KMEMLEAK_TIMEOUT:-180} rig_domu_run "$1" 'k=/sys/kernel/debug/kmemleak
		[ -e $k ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null
		[ -w $k ] || { echo "no $k"; exit 0; }
		echo scan >$k; sleep 6; echo scan >$k; head -n 600 $k' 2>&1 |
		sed "s/^/RIG-KMEMLEAK $1: /"
}

# rig_front_grants NAME: "HELD DEFERRED" from our blkfront's debugfs status
# in guest NAME (grants it holds; grants it ended while the backend still
# mapped them), once HELD is 0 or after 10 s; "n/a" without the file
rig_front_grants() {
	# shellcheck disable=SC2016 # expanded by the guest's shell
	rig_domu_run "$1" 'f=/sys/kernel/debug/xen-blkfront/status
		[ -e $f ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null
		[ -r $f ] || { echo n/a; exit 0; }
		i=0; while [ $i -lt 50 ]; do
			set -- $(awk "{print \$2}" $f); [ "$1" = 0 ] && break
			sleep 0.2; i=$((i + 1)); done; echo "$1 $2"' 60
}

# ---------------------------------------------------------------- VBDs
# rig_devid VDEV: xenstore device id of xvdX (e.g. xvdb -> 51728)
rig_devid() {
	local v=${1#/dev/} l
	case $v in
	xvd[a-p])
		l=${v#xvd}
		echo $((202 * 256 + ($(printf '%d' "'$l") - 97) * 16))
		;;
	[0-9]*) echo "$v" ;;
	*) return 1 ;;
	esac
}
# rig_be_path DOM VDEV / rig_fe_path DOM VDEV: xenstore directories
rig_be_path() { echo "/local/domain/0/backend/vbd/$(rig_domid "$1")/$(rig_devid "$2")"; }
rig_fe_path() { echo "/local/domain/$(rig_domid "$1")/device/vbd/$(rig_devid "$2")"; }
# rig_be_key DOM VDEV KEY / rig_fe_key DOM VDEV KEY: one xenstore value
rig_be_key() { xenstore-read "$(rig_be_path "$1" "$2")/$3" 2>/dev/null; }
rig_fe_key() { xenstore-read "$(rig_fe_path "$1" "$2")/$3" 2>/dev/null; }

# rig_wait_state DOM VDEV back|front STATE [timeout_s=30]: wait for a
# XenbusState (4 = Connected, 6 = Closed)
rig_wait_state() {
	local dom=$1 vdev=$2 side=$3 want=$4 to=${5:-30} p
	if [[ $side == back ]]; then p=$(rig_be_path "$dom" "$vdev"); else p=$(rig_fe_path "$dom" "$vdev"); fi
	rig_xs_wait "$p/state" "$want" "$to" >/dev/null && return 0
	rig_log "$dom $vdev: $side state is '$(xenstore-read "$p/state" 2>/dev/null)' after ${to}s, wanted $want"
	return 1
}

# rig_attach DOM TARGET VDEV [rw|ro]: xl block-attach of a dom0 block device
# (hotplug script: the rig's own, or Debian's with RIG_HOTPLUG=debian)
rig_attach() {
	local dom=$1 target=$2 vdev=$3 mode=${4:-rw} extra=${5:+,$5} script t0
	[[ $mode == ro ]] && mode=r
	[[ $mode == rw ]] && mode=w
	script=/etc/xen/scripts/xenblk-hotplug
	[[ $RIG_HOTPLUG == debian ]] && script=block
	t0=$(rig_uptime)
	if ! timeout 90 xl block-attach "$dom" "format=raw,vdev=$vdev,access=$mode,script=$script$extra,target=$target"; then
		rig_log "xl block-attach $dom $target $vdev failed"
		return 1
	fi
	rig_log "attached $target to $dom as $vdev ($mode) in $(awk -v a="$t0" -v b="$(rig_uptime)" 'BEGIN{printf "%.1f", b-a}') s"
}

# rig_detach DOM VDEV: xl block-detach (60 s limit)
rig_detach() {
	local dom=$1 vdev=$2 be t0=$SECONDS
	be=$(rig_be_path "$dom" "$vdev" 2>/dev/null) || be=
	if ! timeout 60 xl block-detach "$dom" "$vdev"; then
		rig_log "xl block-detach $dom $vdev failed after $((SECONDS - t0)) s; $(rig_detach_follow "$be")"
		return 1
	fi
	rig_log "detached $vdev from $dom"
}
# rig_detach_follow BACKEND_PATH: after a failed detach, where the two ends
# are and whether the backend gets to Closed (6) within 60 s: slow or stuck?
rig_detach_follow() {
	local be=$1 fe i b f
	[[ -n $be ]] || { echo "backend path unknown"; return; }
	fe=$(xenstore-read "$be/frontend" 2>/dev/null)
	for ((i = 0; i <= 60; i += 2)); do
		b=$(xenstore-read "$be/state" 2>/dev/null || echo gone)
		f=$(xenstore-read "$fe/state" 2>/dev/null || echo gone)
		((i == 0)) && echo -n "states back/front $b/$f; "
		[[ $b == 6 || $b == gone ]] && { echo "back $b after $i s more (front $f)"; return; }
		sleep 2
	done
	echo "back still $b, front $f 60 s later"
}

# ---------------------------------------------------------------- backing devices
# rig_null_blk [gb=4] [extra params]: load null_blk with one device, print /dev/nullb0
rig_null_blk() {
	local gb=${1:-4}
	shift || true
	[[ -b /dev/nullb0 ]] || modprobe null_blk nr_devices=1 gb="$gb" queue_mode=2 submit_queues=2 "$@" ||
		{ rig_log "modprobe null_blk failed"; return 1; }
	echo /dev/nullb0
}
# rig_brd [mib=256]: load brd with one RAM disk, print /dev/ram0
rig_brd() {
	local mib=${1:-256}
	[[ -b /dev/ram0 ]] || modprobe brd rd_nr=1 rd_size=$((mib * 1024)) ||
		{ rig_log "modprobe brd failed"; return 1; }
	echo /dev/ram0
}

# ---------------------------------------------------------------- modules
# rig_mod_origin_local NAME: ours|intree|none for a module loaded in dom0
# (ours = out-of-tree taint flag "O" set on the module)
rig_mod_origin_local() {
	local m=${1//-/_}
	[[ -d /sys/module/$m ]] || { echo none; return; }
	if grep -q O "/sys/module/$m/taint" 2>/dev/null; then echo ours; else echo intree; fi
}
# rig_mod_origin DOM NAME: same, for dom0 (DOM=0 or Domain-0) or a domU
rig_mod_origin() {
	local m=${2//-/_}
	if [[ $1 == 0 || $1 == Domain-0 ]]; then rig_mod_origin_local "$m"; return; fi
	rig_domu_run "$1" "if [ ! -d /sys/module/$m ]; then echo none; elif grep -q O /sys/module/$m/taint; then echo ours; else echo intree; fi" 30
}

# rig_unload_back: rmmod xen_blkback if loaded (fails while VBDs are bound)
rig_unload_back() {
	[[ -d /sys/module/xen_blkback ]] || return 0
	rmmod xen_blkback || { rig_log "rmmod xen_blkback failed"; return 1; }
}

# rig_intree_ko NAME: path of the in-tree module NAME.ko* under kernel/ of
# the running kernel's module tree, whatever depmod prefers
rig_intree_ko() { find "/usr/lib/modules/$(uname -r)/kernel" -name "$1.ko*" 2>/dev/null | head -n 1; }

# rig_load_back [ours|intree] [params...]: (re)load the backend in dom0.
# Default flavour RIG_BACK, default params RIG_BACK_PARAMS (host env).
rig_load_back() {
	local which=${1:-$RIG_BACK}
	shift || true
	(($#)) || set -- $RIG_BACK_PARAMS
	rig_unload_back || return 1
	case $which in
	ours)
		[[ -f $RIG_OURS/xen-blkback.ko ]] || { rig_log "no $RIG_OURS/xen-blkback.ko in this image"; return 1; }
		insmod "$RIG_OURS/xen-blkback.ko" "$@" || { rig_log "insmod our xen-blkback failed"; return 1; }
		;;
	intree)
		# by path, not modprobe: with a DKMS copy in updates/ (85-ops-dkms's
		# images) modprobe would pick that one
		local ko
		ko=$(rig_intree_ko xen-blkback)
		[[ -n $ko ]] || { rig_log "no in-tree xen-blkback.ko in this image"; return 1; }
		insmod "$ko" "$@" || { rig_log "insmod $ko failed"; return 1; }
		;;
	*) rig_log "rig_load_back: unknown '$which'"; return 1 ;;
	esac
	rig_log "backend loaded: $which ($(rig_mod_origin_local xen_blkback)) params: $*"
}

# rig_load_front DOM [ours|intree] [params...]: (re)load the frontend in a domU.
# Default flavour RIG_FRONT, default params RIG_FRONT_PARAMS.
rig_load_front() {
	local dom=$1 which=${2:-$RIG_FRONT} cmd
	shift 2 || shift || true
	(($#)) || set -- $RIG_FRONT_PARAMS
	case $which in
	ours) cmd="/usr/sbin/insmod $RIG_OURS/xen-blkfront.ko $*" ;;
	intree) cmd="/usr/sbin/insmod \$(find /usr/lib/modules/\$(uname -r)/kernel -name 'xen-blkfront.ko*' | head -n 1) $*" ;;
	*) rig_log "rig_load_front: unknown '$which'"; return 1 ;;
	esac
	if ! rig_domu_run "$dom" "[ -d /sys/module/xen_blkfront ] && /usr/sbin/rmmod xen_blkfront; $cmd" 120; then
		rig_log "loading $which xen-blkfront in $dom failed"
		return 1
	fi
	rig_log "frontend loaded in $dom: $which ($(rig_mod_origin "$dom" xen_blkfront)) params: $*"
}

# rig_unload_front DOM: rmmod xen_blkfront in the domU
rig_unload_front() {
	rig_domu_run "$1" '[ -d /sys/module/xen_blkfront ] || exit 0; /usr/sbin/rmmod xen_blkfront' 60
}

# rig_bound_driver DOM VDEV: "<backend driver module>/<frontend driver module>"
# actually bound to the VBD (from sysfs on each side)
rig_bound_driver() {
	local dom=$1 vdev=$2 id devid b f
	id=$(rig_domid "$dom") devid=$(rig_devid "$vdev")
	b=$(basename "$(readlink -f "/sys/bus/xen-backend/devices/vbd-$id-$devid/driver/module" 2>/dev/null)" 2>/dev/null)
	f=$(rig_domu_run "$dom" "basename \$(readlink -f /sys/bus/xen/devices/vbd-$devid/driver/module) 2>/dev/null" 30)
	echo "${b:-none}/${f:-none}"
}

# rig_wait_disk DOM VDEV [timeout_s=30]: wait for /dev/VDEV in the domU
rig_wait_disk() {
	local to=${3:-30}
	rig_domu_run "$1" "i=0; while [ ! -b /dev/$2 ]; do i=\$((i+1)); [ \$i -gt $((to * 10)) ] && exit 1; sleep 0.1; done" $((to + 10)) ||
		{ rig_log "/dev/$2 did not appear in $1 within ${to}s"; return 1; }
}

# rig_fio DOM JOBNAME fio-args...: run fio in the domU (--eta=never added),
# print its output, return its exit status
rig_fio() {
	local dom=$1 job=$2
	shift 2
	rig_domu_run "$dom" "fio --name=$job --eta=never $*" "${RIG_FIO_TIMEOUT:-600}"
}
