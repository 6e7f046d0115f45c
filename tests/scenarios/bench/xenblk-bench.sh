#!/bin/bash
# Benchmark scenario (dom0). NOT a test and NOT part of `make check`: it lives
# in a sub-directory that the default scenario list (tests/scenarios/*.sh)
# does not include; scripts/bench/run.sh runs it as "bench/xenblk-bench".
#
# It prints machine-readable lines on the serial log, parsed on the host by
# scripts/bench/report.py:
#   BENCH-INFO: key=value ...                  machine / versions / settings
#   BENCH-NEG: part= pair= cfg= rings= ...     what a VBD negotiated
#   BENCH: part= pair= round= cfg= dev= wl= ... one fio run + its cost counters
#   BENCH-ERR: ...                              something could not be measured
# Settings come from the dom0 kernel command line (xbbench_<key>=<value>,
# lists separated by '+' or spaces, since QEMU forbids commas there), see cfg().
# shellcheck source=scripts/rig/dom0-lib.sh
. "${RIG_LIB:-/rig/dom0-lib.sh}"
T=bench
export RIG_NO_DUMP=1

# (on a real Xen host, where the kernel command line is not ours, the
# environment variable XBBENCH_<KEY> wins, e.g. XBBENCH_ROUNDS=5)
cfg() {
	local v e=XBBENCH_${1^^}
	v=${!e:-$(tr ' ' '\n' </proc/cmdline | sed -n "s/^xbbench_$1=//p" | tail -n 1)}
	echo "${v:-$2}" | tr '+' ' '
}
ROUNDS=$(cfg rounds 3)
RT=$(cfg runtime 10)
VCPUS=$(cfg vcpus 2)
PARTS=$(cfg parts ab+ablate+scale)
DEVS=$(cfg devs null+brd)
WLS=$(cfg wl lat4k+rr4k+rw4k+mix4k+sr64k+sw64k+sr1m+sw1m)
ABL_WLS=$(cfg ablwl lat4k+rr4k+sr1m)
ABL_CFGS=$(cfg abl default+ind0+ind32+ind256+pers0+rings1+rings2+rings4+order0+order4)
GUESTS=$(cfg guests 1+2+4)
SMEM=$(cfg smem 256)
BRD_MIB=$(cfg brd 256)
PAIRS="ours intree"

bench() { echo "BENCH: $*"; }
info() { echo "BENCH-INFO: $*"; }
berr() { echo "BENCH-ERR: $*"; rig_log "ERROR: $*"; }
progress() { rig_log "progress: $*"; }

HAVE_OURS=1
[[ -f $RIG_OURS/xen-blkback.ko ]] || HAVE_OURS=0
ours_front=0

# ---------------------------------------------------------------- counters
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
# dom0 busy jiffies (user+nice+system+irq+softirq), backend IRQs
cpu0() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }
irq0() {
	awk '/blkif|xbb/ {for (i = 2; i <= NF; i++) { if ($i !~ /^[0-9]+$/) break; s += $i }} END {print s+0}' /proc/interrupts
}
# vbd statistics (sum over all VBDs) + our backend's debugfs ring counters
vbdstat() {
	local f k s
	for k in rd_req wr_req rd_sect wr_sect; do
		s=0
		for f in /sys/bus/xen-backend/devices/vbd-*/statistics/$k; do
			[[ -r $f ]] && s=$((s + $(cat "$f")))
		done
		printf '%s ' "$s"
	done
	cat /sys/kernel/debug/xen-blkback/*/ring-* 2>/dev/null |
		awk '/^grant_maps:/{m+=$2} /^notify_tx:/{t+=$2} /^notify_rx:/{r+=$2} END{print m+0, t+0, r+0}'
}
now() { cut -d' ' -f1 /proc/uptime; }

# the domU side: /tmp/m.sh DEV SEQ fio-args... -> "M ..." and "T ..." lines;
# it writes "start SEQ" / "stop SEQ" to data/bench-mark right around fio so
# dom0 can snapshot its own counters over the fio window only (marks())
DOMU_HELPER='
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
irq() { awk "/blkif|xbf|xvd/ {for (i = 2; i <= NF; i++) { if (\$i !~ /^[0-9]+\$/) break; s += \$i }} END {print s+0}" /proc/interrupts; }
cpu() { awk "/^cpu /{print \$2+\$3+\$4+\$7+\$8}" /proc/stat; }
dbg() { cat /sys/kernel/debug/xen-blkfront/*/ring-* 2>/dev/null | awk "/^notifications:/{n+=\$2} /^interrupts:/{i+=\$2} END{print n+0, i+0}"; }
d=$1; shift
k=/local/domain/$(xenstore-read domid)/data/bench-mark; s=$1; shift
i0=$(irq); c0=$(cpu); g0=$(dbg); xenstore-write $k "start $s"
fio --filename=/dev/$d "$@" >/tmp/f.out 2>/tmp/f.err; rc=$?
xenstore-write $k "stop $s"; i1=$(irq); c1=$(cpu); g1=$(dbg)
echo "$g0 $g1" | awk -v i=$((i1 - i0)) -v c=$((c1 - c0)) -v rc=$rc "{print \"M rc=\" rc \" irqU=\" i \" cpuU=\" c \" fnot=\" \$3-\$1 \" fint=\" \$4-\$2}"
grep "^3;" /tmp/f.out | tail -n 1 | awk -F";" "{print \"T\", \$6, \$7, \$8, \$9, \$16, \$24, \$30, \$40, \$47, \$48, \$49, \$50, \$57, \$65, \$71, \$81}"
[ $rc = 0 ] || tail -n 5 /tmp/f.err
'
install_helper() {
	rig_domu_run "$1" "cat >/tmp/m.sh <<'EOF'
$DOMU_HELPER
EOF
[ -f $RIG_OURS/xen-blkfront.ko ] && echo ok-ours || echo ok" 60
}

wl_args() {
	case $1 in
	lat4k) echo "--rw=randread --bs=4k --iodepth=1 --numjobs=1" ;;
	rr4k) echo "--rw=randread --bs=4k --iodepth=32 --numjobs=${2:-$VCPUS}" ;;
	rw4k) echo "--rw=randwrite --bs=4k --iodepth=32 --numjobs=${2:-$VCPUS}" ;;
	mix4k) echo "--rw=randrw --rwmixread=70 --bs=4k --iodepth=32 --numjobs=${2:-$VCPUS}" ;;
	sr64k) echo "--rw=read --bs=64k --iodepth=32 --numjobs=1" ;;
	sw64k) echo "--rw=write --bs=64k --iodepth=32 --numjobs=1" ;;
	sr1m) echo "--rw=read --bs=1m --iodepth=8 --numjobs=1" ;;
	sw1m) echo "--rw=write --bs=1m --iodepth=8 --numjobs=1" ;;
	*) return 1 ;;
	esac
}
wl_bs() { case $1 in *64k) echo 64 ;; *4k) echo 4 ;; *1m) echo 1024 ;; esac; }
FIO_COMMON="--ioengine=libaio --direct=1 --time_based --runtime=$RT --group_reporting --norandommap --randrepeat=0 --output-format=terse --terse-version=3 --eta=never"
# T fields -> key=value
tfields() {
	awk '$1 == "T" { sub(/.*=/, "", $7); sub(/.*=/, "", $8); sub(/.*=/, "", $15); sub(/.*=/, "", $16)
		printf "rkb=%s rbw=%s riops=%s rms=%s rclat=%s rp50=%s rp99=%s rlat=%s wkb=%s wbw=%s wiops=%s wms=%s wclat=%s wp50=%s wp99=%s wlat=%s\n",
			$2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17 }'
}

# negotiated features of the current VBD set (tags for every BENCH line)
NEG=""
negotiated() { # DOM VDEV
	local fe be
	fe=$(rig_fe_path "$1" "$2") be=$(rig_be_path "$1" "$2")
	NEG="rings=$(xenstore-read "$fe/multi-queue-num-queues" 2>/dev/null || echo 1)"
	NEG+=" order=$(xenstore-read "$fe/ring-page-order" 2>/dev/null || echo 0)"
	NEG+=" pers=$(xenstore-read "$fe/feature-persistent" 2>/dev/null || echo 0)/$(xenstore-read "$be/feature-persistent" 2>/dev/null || echo 0)"
	NEG+=" ind=$(xenstore-read "$be/feature-max-indirect-segments" 2>/dev/null || echo 0)"
	NEG+=" back=$(rig_mod_origin_local xen_blkback) front=$FRONT_ORIGIN"
}

# dom0 counters in one line: cpu0 irq0 rd_req wr_req rd_sect wr_sect maps ntx nrx uptime
snap() { echo "$(cpu0) $(irq0) $(vbdstat) $(now)"; }
# marks DOMID SEQ: background watcher of the guest's data/bench-mark; writes
# the snapshots taken at "start SEQ" and "stop SEQ" to $RIG_STATE/mark.{start,stop}
marks() {
	local k=/local/domain/$1/data/bench-mark v fd pid
	exec {fd}< <(exec timeout $((RT * 3 + 150)) xenstore-watch "$k" 2>/dev/null)
	pid=$!
	while read -r -u "$fd" _; do
		v=$(xenstore-read "$k" 2>/dev/null)
		case $v in
		"start $2") snap >"$RIG_STATE/mark.start" ;;
		"stop $2") snap >"$RIG_STATE/mark.stop"; break ;;
		esac
	done
	kill "$pid" 2>/dev/null
	exec {fd}<&-
}
MSEQ=0
# measure TAGS DOM VDEV WL: one fio run in DOM (or dom0 with DOM=native) on VDEV
measure() {
	local tags=$1 dom=$2 dev=$3 wl=$4 s0 s1 out m t args wp=-1 id i outer=""
	args="--name=$wl $(wl_args "$wl") $FIO_COMMON"
	MSEQ=$((MSEQ + 1))
	s0=$(snap)
	if [[ $dom == native ]]; then
		# shellcheck disable=SC2086
		out=$(fio --filename=/dev/$dev $args 2>&1 | grep '^3;' | tail -n 1 |
			awk -F';' '{print "T", $6, $7, $8, $9, $16, $24, $30, $40, $47, $48, $49, $50, $57, $65, $71, $81}')
		s1=$(snap)
	else
		id=$(rig_domid "$dom")
		rm -f "$RIG_STATE/mark.start" "$RIG_STATE/mark.stop"
		marks "$id" "$MSEQ" &
		wp=$!
		out=$(rig_domu_run "$dom" "sh /tmp/m.sh $dev $MSEQ $args" $((RT * 3 + 120)))
		s1=$(snap)
		outer=$(deltas "$s0" "$s1" | sed 's/\([a-z0-9]*\)=/o\1=/g')
		for ((i = 0; i < 50; i++)); do
			[[ -s $RIG_STATE/mark.stop ]] && break
			sleep 0.1
		done
		kill "$wp" 2>/dev/null
		wait "$wp" 2>/dev/null
		# the fio-only window when both marks were seen, else the whole call
		if [[ -s $RIG_STATE/mark.start && -s $RIG_STATE/mark.stop ]]; then
			s0=$(cat "$RIG_STATE/mark.start") s1=$(cat "$RIG_STATE/mark.stop") wp=1
		else
			wp=0
		fi
	fi
	t=$(tfields <<<"$out")
	if [[ -z $t ]]; then
		berr "$tags dev=$dev wl=$wl: no fio result: $(tr '\n' ' ' <<<"$out" | cut -c1-300)"
		return 1
	fi
	m=$(grep '^M ' <<<"$out" | cut -c3-)
	[[ $dom == native ]] && m="rc=0 irqU=0 cpuU=0 fnot=0 fint=0"
	bench "$tags wl=$wl bs=$(wl_bs "$wl") rt=$RT $t $m $(deltas "$s0" "$s1") marks=$wp $outer $NEG"
}
# deltas SNAP0 SNAP1 -> key=value of the dom0 counters
deltas() {
	# shellcheck disable=SC2086
	set -- $1 $2
	echo "cpu0=$((${11} - $1)) irq0=$((${12} - $2)) rreq=$((${13} - $3)) wreq=$((${14} - $4))" \
		"rsect=$((${15} - $5)) wsect=$((${16} - $6)) gmaps=$((${17} - $7)) bntx=$((${18} - $8))" \
		"bnrx=$((${19} - $9)) win=$(awk -v a="${10}" -v b="${20}" 'BEGIN{printf "%.2f", b-a}')"
}

# ---------------------------------------------------------------- pairs
ATT=()      # "dom:target:vdev" currently attached
DOMS=""     # running guests the pair applies to
FRONT_ORIGIN=none
detach_all() {
	local a d t v ok=0
	for a in "${ATT[@]}"; do
		IFS=: read -r d t v <<<"$a"
		rig_detach "$d" "$v" || ok=1
	done
	ATT=()
	return $ok
}
# front_reload DOM WHICH PARAMS...: rmmod + load xen-blkfront in one agent call
# (every agent round trip costs seconds under TCG); prints ours|intree
front_reload() {
	local dom=$1 which=$2 cmd
	shift 2
	if [[ $which == ours ]]; then cmd="/usr/sbin/insmod $RIG_OURS/xen-blkfront.ko $*"; else cmd="/usr/sbin/modprobe xen-blkfront $*"; fi
	rig_domu_run "$dom" "[ -d /sys/module/xen_blkfront ] && /usr/sbin/rmmod xen_blkfront; $cmd || exit 1
if grep -q O /sys/module/xen_blkfront/taint; then echo ours; else echo intree; fi" 120
}
# setup_pair PAIR "backparams" "frontparams" dom:target:vdev...
# detach everything, swap the modules on both sides, re-attach, wait
setup_pair() {
	local pair=$1 bp=$2 fp=$3 which d t v a o waits=""
	shift 3
	detach_all || { berr "detach failed before loading $pair"; return 1; }
	rig_unload_back || { berr "rmmod xen_blkback failed"; return 1; }
	which=$pair
	if [[ $pair == ours ]] && ((!HAVE_OURS || !ours_front)); then which=intree; fi
	# shellcheck disable=SC2086
	rig_load_back "$which" $bp || { berr "loading $which backend ($bp) failed"; return 1; }
	for d in $DOMS; do
		# shellcheck disable=SC2086
		o=$(front_reload "$d" "$which" $fp) || { berr "loading $which frontend in $d ($fp) failed: $o"; return 1; }
		FRONT_ORIGIN=$(tail -n 1 <<<"$o")
	done
	rig_log "frontend $which loaded in: $DOMS ($FRONT_ORIGIN) params: $fp"
	for a; do
		IFS=: read -r d t v <<<"$a"
		rig_attach "$d" "$t" "$v" || { berr "attach $a failed"; return 1; }
		ATT+=("$a")
	done
	for a; do
		IFS=: read -r d t v <<<"$a"
		rig_wait_state "$d" "$v" back 4 60 && rig_wait_state "$d" "$v" front 4 60 ||
			{ berr "$a did not connect with $which"; return 1; }
	done
	# one agent call per guest for its disks
	for d in $DOMS; do
		waits=""
		for a; do
			[[ ${a%%:*} == "$d" ]] && waits+=" ${a##*:}"
		done
		rig_domu_run "$d" "for v in$waits; do i=0; while [ ! -b /dev/\$v ]; do i=\$((i+1)); [ \$i -gt 600 ] && exit 1; sleep 0.1; done; done" 90 >/dev/null ||
			{ berr "disks$waits did not appear in $d"; return 1; }
	done
	IFS=: read -r d t v <<<"$1"
	negotiated "$d" "$v"
	echo "BENCH-NEG: pair=$pair which=$which back_params='$bp' front_params='$fp' $NEG"
	echo "BENCH-DBG: debugfs $(ls -d /sys/kernel/debug/xen-blkback/*/* 2>&1 | tr '\n' ' ') counters: $(vbdstat)"
}

ensure_guest() { # NAME VCPUS MEM
	rig_domid "$1" >/dev/null 2>&1 && return 0
	rig_domu_start "$1" "$2" "$3" || { berr "domU $1 did not start"; return 1; }
	local o
	o=$(install_helper "$1")
	[[ $o == ok* ]] || { berr "helper install in $1 failed: $o"; return 1; }
	ours_front=0
	[[ $o == ok-ours ]] && ours_front=1
	return 0
}

# ---------------------------------------------------------------- setup
T_START=$SECONDS
modprobe null_blk nr_devices=4 gb=16 queue_mode=2 submit_queues=2 irqmode=0 memory_backed=0 ||
	{ rig_result $T SKIP "null_blk did not load"; exit 0; }
if [[ " $DEVS " == *" brd "* ]]; then
	modprobe brd rd_nr=1 rd_size=$((BRD_MIB * 1024)) || { rig_result $T SKIP "brd did not load"; exit 0; }
	# populate the RAM disk so reads hit real pages (about a minute under TCG)
	progress "prefilling the ${BRD_MIB} MiB RAM disk"
	dd if=/dev/zero of=/dev/ram0 bs=1M count="$BRD_MIB" oflag=direct status=none
fi
declare -A DEVPATH=([null]=/dev/nullb0 [brd]=/dev/ram0) VDEV=([null]=xvdb [brd]=xvdc)

info "kernel=$(uname -r) xen=$(xl info xen_version 2>/dev/null) fio=$(fio --version)" \
	"dom0_vcpus=$(nproc) dom0_mem_kib=$(awk '/MemTotal/{print $2}' /proc/meminfo)" \
	"host_cpu='$(xl info cpu_mhz 2>/dev/null) MHz, $(xl info nr_cpus 2>/dev/null) pCPUs'"
info "rounds=$ROUNDS runtime=$RT vcpus=$VCPUS parts='$PARTS' devs='$DEVS' wl='$WLS' ablwl='$ABL_WLS'" \
	"abl='$ABL_CFGS' guests='$GUESTS' smem=$SMEM brd_mib=$BRD_MIB fio_common='$FIO_COMMON'"
info "null_blk='nr_devices=4 gb=16 queue_mode=2 submit_queues=2 irqmode=0 memory_backed=0' brd='rd_size=${BRD_MIB}MiB'"
if ((!HAVE_OURS)); then
	info "WARNING=ours_missing: no $RIG_OURS/xen-blkback.ko in the image; 'ours' runs are the IN-TREE pair"
fi
for w in $WLS $ABL_WLS; do wl_args "$w" >/dev/null || { rig_result $T SKIP "unknown workload $w"; exit 0; }; done

nmeas=0 nerr=0
count() { if "$@"; then nmeas=$((nmeas + 1)); else nerr=$((nerr + 1)); fi; }

# ---------------------------------------------------------------- part ab
if [[ " $PARTS " == *" ab "* ]]; then
	progress "part ab: $ROUNDS round(s) x (native, ours, in-tree) x devs '$DEVS' x workloads '$WLS'"
	ensure_guest b1 "$VCPUS" 512 && DOMS=b1
	if ((HAVE_OURS && !ours_front)); then info "WARNING=ours_front_missing: the domU has no our xen-blkfront.ko; 'ours' runs are the IN-TREE pair"; fi
	info "ours_is=$( ((HAVE_OURS && ours_front)) && echo ours || echo intree)"
	atts=()
	for d in $DEVS; do atts+=("b1:${DEVPATH[$d]}:${VDEV[$d]}"); done
	for ((r = 1; r <= ROUNDS; r++)); do
		NEG="back=none front=none"
		for d in $DEVS; do
			for w in $WLS; do
				progress "round $r/$ROUNDS native $d $w"
				count measure "part=ab pair=native round=$r cfg=default dev=$d guests=1" native "${DEVPATH[$d]#/dev/}" "$w"
			done
		done
		[[ -n $DOMS ]] || break
		for p in $PAIRS; do
			progress "round $r/$ROUNDS: switching to the $p pair"
			if ! setup_pair "$p" "" "" "${atts[@]}"; then
				rig_domid b1 >/dev/null 2>&1 || { ensure_guest b1 "$VCPUS" 512 || break; ATT=(); }
				continue
			fi
			for d in $DEVS; do
				for w in $WLS; do
					progress "round $r/$ROUNDS $p $d $w"
					count measure "part=ab pair=$p round=$r cfg=default dev=$d guests=1" b1 "${VDEV[$d]}" "$w"
				done
			done
		done
	done
fi

# ---------------------------------------------------------------- part ablate
abl_params() { # CFG -> "backparams|frontparams"
	case $1 in
	default) echo "|" ;;
	ind0) echo "max_indirect_segments=0|" ;;
	ind32) echo "max_indirect_segments=32|max_indirect_segments=32" ;;
	ind256) echo "max_indirect_segments=256|max_indirect_segments=256" ;;
	pers0) echo "feature_persistent=0|feature_persistent=0" ;;
	pers1) echo "feature_persistent=1|feature_persistent=1" ;;
	rings1) echo "max_queues=1|max_queues=1" ;;
	rings2) echo "max_queues=2|max_queues=2" ;;
	rings4) echo "max_queues=4|max_queues=4" ;;
	order0) echo "max_ring_page_order=0|max_ring_page_order=0" ;;
	order4) echo "max_ring_page_order=4|max_ring_page_order=4" ;;
	*) return 1 ;;
	esac
}
if [[ " $PARTS " == *" ablate "* ]]; then
	progress "part ablate: ours with module parameters: $ABL_CFGS (null_blk; $ABL_WLS)"
	ensure_guest b1 "$VCPUS" 512 && DOMS=b1
	if ((!HAVE_OURS || !ours_front)); then
		berr "ablation skipped: our modules are not in the image"
	else
		for c in $ABL_CFGS; do
			pp=$(abl_params "$c") || { berr "unknown ablation $c"; continue; }
			progress "ablation $c: back '${pp%|*}' front '${pp#*|}'"
			setup_pair ours "${pp%|*}" "${pp#*|}" "b1:/dev/nullb0:xvdb" || {
				rig_domid b1 >/dev/null 2>&1 || { ensure_guest b1 "$VCPUS" 512 || break; ATT=(); }
				continue
			}
			for w in $ABL_WLS; do
				count measure "part=ablate pair=ours round=1 cfg=$c dev=null guests=1" b1 xvdb "$w"
			done
		done
	fi
	detach_all
fi

# scale_once PAIR N ROUND: rr4k in the first N scaling guests at once; one
# scale0 line (dom0's counters over the whole call) and a scale line per guest
scale_once() {
	local p=$1 n=$2 r=$3 args s0 s1 g d t m
	args="--name=rr4k $(wl_args rr4k 1) $FIO_COMMON"
	s0=$(snap)
	g=0
	for d in $DOMS; do
		g=$((g + 1))
		((g <= n)) || break
		rig_domu_run "$d" "sh /tmp/m.sh xvdb 0 $args" $((RT * 3 + 180)) >"$RIG_STATE/scale.$d.out" 2>&1 &
	done
	wait
	s1=$(snap)
	bench "part=scale0 pair=$p round=$r cfg=default dev=null wl=rr4k guests=$n bs=4 rt=$RT $(deltas "$s0" "$s1") $NEG"
	g=0
	for d in $DOMS; do
		g=$((g + 1))
		((g <= n)) || break
		t=$(tfields <"$RIG_STATE/scale.$d.out")
		m=$(grep '^M ' "$RIG_STATE/scale.$d.out" | cut -c3-)
		if [[ -n $t ]]; then
			bench "part=scale pair=$p round=$r cfg=default dev=null wl=rr4k guests=$n gidx=$g bs=4 rt=$RT $t $m $NEG"
			nmeas=$((nmeas + 1))
		else
			berr "scale $p n=$n guest $d: no fio result: $(tr '\n' ' ' <"$RIG_STATE/scale.$d.out" | cut -c1-300)"
			nerr=$((nerr + 1))
		fi
	done
}

# ---------------------------------------------------------------- part scale
if [[ " $PARTS " == *" scale "* ]]; then
	detach_all
	if [[ -n $(rig_domains) ]]; then
		rig_domu_run b1 "dmesg | grep -iE 'xbf|blkfront|xvd' | tail -n 15" 30 | sed "s/^/BENCH-DBG: dmesg b1: /"
		rig_domu_stop b1
	fi
	DOMS="" ATT=()
	maxg=0
	for n in $GUESTS; do ((n > maxg)) && maxg=$n; done
	progress "part scale: $maxg guest(s) of 1 vCPU / $SMEM MiB, 4k randread QD32 each, counts '$GUESTS'"
	for ((g = 1; g <= maxg; g++)); do
		ensure_guest "s$g" 1 "$SMEM" && DOMS+="s$g "
	done
	DOMS=${DOMS% }
	ng=$(wc -w <<<"$DOMS")
	((ng == maxg)) || berr "only $ng of $maxg scaling guests started"
	atts=()
	g=0
	for d in $DOMS; do atts+=("$d:/dev/nullb$g:xvdb"); g=$((g + 1)); done
	for ((r = 1; r <= ROUNDS; r++)); do
		for p in $PAIRS; do
			((ng)) || break
			progress "scale round $r/$ROUNDS: switching to the $p pair"
			setup_pair "$p" "" "" "${atts[@]}" || continue
			for n in $GUESTS; do
				((n <= ng)) || continue
				progress "scale round $r/$ROUNDS $p: $n guest(s)"
				scale_once "$p" "$n" "$r"
			done
		done
	done
	detach_all
	for d in $DOMS; do rig_domu_stop "$d" >/dev/null; done
fi

# driver warnings seen during the run (lost interrupts, slow backends, ...)
for d in $(rig_domains); do
	rig_domu_run "$d" "dmesg | grep -iE 'xbf|blkfront|xvd' | tail -n 15" 30 | sed "s/^/BENCH-DBG: dmesg $d: /"
done
dmesg | grep -iE 'xbb|blkback' | tail -n 15 | sed 's/^/BENCH-DBG: dmesg dom0: /'
rig_unload_back >/dev/null 2>&1
info "done measurements=$nmeas errors=$nerr secs=$((SECONDS - T_START))"
# a benchmark has no verdict; SKIP keeps the rig's counters honest
rig_result $T SKIP "benchmark, not a test: $nmeas measurements, $nerr errors in $((SECONDS - T_START)) s"
