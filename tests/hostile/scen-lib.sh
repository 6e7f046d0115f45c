# shellcheck shell=bash
# dom0 helpers of the hostile-peer scenarios (tests/scenarios/5x-hostile-*.sh).
# Installed as /rig/hostile/scen-lib.sh by tests/hostile/rig-overlay.sh;
# needs the rig's dom0-lib.sh sourced first.
#
# Verdicts: our driver's cases are RIG-TEST lines (counted by the rig); the
# in-tree driver's are "HOSTILE-INFO: <name> <verdict> <reason>" lines
# (informative only). tests/hostile/report.sh turns a serial log into
# build/reports/hostile.md.
HS_BIN=/rig/bin
HS_BAD='BUG:|Oops|WARNING:|general protection|Call Trace|kernel BUG|RIP: |list_del corruption|refcount_t|use-after-free|page allocation failure|soft lockup|hung_task|blocked for more than'

# hs_verdict WHICH NAME VERDICT REASON...: WHICH=ours -> RIG-TEST, else INFO
hs_verdict() {
	local which=$1 name=$2 v=$3
	shift 3
	if [[ $which == ours ]]; then
		RIG_NO_DUMP=1 rig_result "$name" "$v" "$*"
	else
		echo "HOSTILE-INFO: $name $v ($which) $*"
	fi
}

# dmesg marks: hs_mark0 / hs_new0 (dom0); hs_markU DOM / hs_newU DOM
hs_mark0() { HS_D0=$(dmesg | wc -l); }
hs_new0() { dmesg | tail -n +$((HS_D0 + 1)); }
# (60 s: on the debug kernel an agent round trip right after an attack took
# over 20 s, and an empty answer then read as "the driver logged nothing")
hs_markU() { HS_DU=$(RIG_RUN_TIMEOUT=60 rig_domu_run "$1" 'dmesg | wc -l'); }
hs_newU() { RIG_RUN_TIMEOUT=60 rig_domu_run "$1" "dmesg | tail -n +$((${HS_DU:-0} + 1))"; }

# hs_summary: the (at most 2) kernel log lines of stdin that say what the
# driver did about the attack, else the last 2 lines; one line, '|'-joined
hs_summary() {
	local all pick
	all=$(grep -v '^$' | grep -v 'clocksource\|random: crng')
	pick=$(grep -iE 'violation|invalid|bogus|refus|fail|unexpect|bad|ignor|illegal|overflow|halt|beyond|error|too |not supported|EOPNOTSUPP|leak|kept|still' <<<"$all" | head -n 2)
	[[ -n $pick ]] || pick=$(tail -n 2 <<<"$all")
	cut -c1-200 <<<"$pick" | tr '\n' '|'
}

# hs_devid VDEV: xenstore device id of xvdX (single letter a..z)
hs_devid() {
	local l=${1#xvd}
	local n=$(($(printf '%d' "'$l") - 97))
	if ((n < 16)); then echo $((202 * 256 + n * 16)); else echo $(((1 << 28) + n * 256)); fi
}

# hs_loop MIB: a loop device over a sparse file in /run (printed)
hs_loop() {
	local f
	[[ -e /dev/loop-control ]] || modprobe loop max_loop=8 || { rig_log "modprobe loop failed"; return 1; }
	f=$(mktemp /run/hostile-img.XXXXXX)
	truncate -s "${1}M" "$f"
	losetup -f --show "$f"
}

# hs_attach DOM TARGET VDEV rw|ro [XLOPTS]: rig_attach plus extra xl disk
# spec options (comma-separated, e.g. no-discard: libxl then writes
# discard-enable=0 into the backend directory)
hs_attach() {
	local dom=$1 target=$2 vdev=$3 mode=$4 xlopts=${5:-} script=/etc/xen/scripts/xenblk-hotplug
	[[ -n $xlopts ]] || { rig_attach "$dom" "$target" "$vdev" "$mode"; return; }
	[[ $RIG_HOTPLUG == debian ]] && script=block
	[[ $mode == ro ]] && mode=r
	[[ $mode == rw ]] && mode=w
	if ! timeout 90 xl block-attach "$dom" "format=raw,vdev=$vdev,access=$mode,$xlopts,script=$script,target=$target"; then
		rig_log "xl block-attach $dom $target $vdev ($xlopts) failed"
		return 1
	fi
	rig_log "attached $target to $dom as $vdev ($mode, $xlopts)"
}

# ---------------------------------------------------------------- leak accounting
# hs_acct: one line "grants=<n|na> slab=<kB> sunreclaim=<kB> memfree=<kB>"
# after sync + drop_caches. grants = our backend's global mapped_grants
# (debugfs xen-blkback/status) minus the persistent grants the victim VBD
# (hgood's, served by the same backend) legitimately keeps: what is left
# belongs to the hostile VBD and must be 0 once it is gone. "na" for a
# backend without that counter (the in-tree one).
HS_DBG=/sys/kernel/debug/xen-blkback
hs_acct() {
	local mg pg=0 f g
	mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	sync
	echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
	if [[ -r $HS_DBG/status ]]; then
		mg=$(awk '/^mapped_grants:/ {print $2}' "$HS_DBG/status")
		if [[ -n ${HS_GOOD_ID:-} ]]; then
			for f in "$HS_DBG"/vbd-"$HS_GOOD_ID"-*/info; do
				[[ -r $f ]] || continue
				g=$(awk '/^persistent_grants:/ {print $2}' "$f")
				pg=$((pg + ${g:-0}))
			done
		fi
		mg=$((mg - pg))
	else
		mg=na
	fi
	awk -v g="$mg" '/^Slab:/ {s=$2} /^SUnreclaim:/ {u=$2} /^MemFree:/ {f=$2}
		END {printf "grants=%s slab=%d sunreclaim=%d memfree=%d\n", g, s, u, f}' /proc/meminfo
}

# Tolerances of one case (kB). A case attaches one VBD, runs for 10-40 s and
# detaches it; after drop_caches what can move is unreclaimable slab
# (per-CPU partial slabs, lazily freed xenbus/kernfs objects) and free pages
# (per-CPU page lists; the hostile VBD's sparse backing file in /run, tmpfs,
# grows by what the case wrote: a few KiB). Measured on the rig (2 GiB dom0,
# TCG, the 27 cases of 50 and 54 against our backend): SUnreclaim -12..+84 kB,
# MemFree -504..+124 kB per case. The tolerances are ten times that and still
# far below what one leaked VBD costs (a ring's request pool with its
# segment arrays and pages: MiBs), so a backend that leaks per VBD fails
# within a case; grants have no tolerance at all.
HS_SLAB_TOL=${HS_SLAB_TOL:-1024}
HS_FREE_TOL=${HS_FREE_TOL:-8192}

# hs_acct_verdict BEFORE AFTER: prints "<verdict>|<text>"; FAIL on any leaked
# grant mapping (polled for 5 s: unmapping may lag the device removal) or a
# memory delta beyond the tolerances
hs_acct_verdict() {
	local b=$1 a=$2 i gb ga v=PASS t mem
	gb=${b#grants=}; gb=${gb%% *}
	for ((i = 0; i < 10; i++)); do
		ga=${a#grants=}; ga=${ga%% *}
		[[ $gb == na || $ga == na || $ga == "$gb" ]] && break
		sleep 0.5
		a=$(hs_acct)
	done
	t=$(awk -v b="$b" -v a="$a" -v st="$HS_SLAB_TOL" -v ft="$HS_FREE_TOL" 'BEGIN {
		split(b, x, /[ =]/); split(a, y, /[ =]/)
		ds = y[4] - x[4]; du = y[6] - x[6]; df = y[8] - x[8]
		bad = (du > st) ? " SUNRECLAIM+" du "kB>" st : ""
		bad = bad ((-df > ft) ? " MEMFREE" df "kB<-" ft : "")
		printf "%s|slab %+dkB sunreclaim %+dkB memfree %+dkB", (bad != "") ? "FAIL" bad : "ok", ds, du, df }')
	if [[ $gb == na || $ga == na ]]; then
		t+=", grants n/a (no debugfs counter)"
	elif [[ $ga != "$gb" ]]; then
		v=FAIL t+=", LEAKED $((ga - gb)) grant mapping(s) (mapped_grants other than the victim's persistent ones: $gb before, $ga after)"
	else
		t+=", grants $gb before and after"
	fi
	mem=${t%%|*}
	[[ $mem == FAIL* ]] && { v=FAIL; t+=" (memory over tolerance:${mem#FAIL})"; }
	echo "$v|${t#*|}"
}

# hs_good_io DOM VDEV: a 4 MiB direct read on another VBD must succeed
# within 30 s. dd runs in the background so a hung disk cannot block the
# domU's command agent; prints why not.
hs_good_io() {
	local out rc
	out=$(rig_domu_run "$1" "rm -f /tmp/gio.rc; (dd if=/dev/$2 of=/dev/null bs=64k count=64 iflag=direct 2>/tmp/gio; echo \$? >/tmp/gio.rc) &
i=0; while [ ! -f /tmp/gio.rc ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i+1)); done
[ -f /tmp/gio.rc ] || { echo 'dd did not finish in 30 s'; exit 124; }
r=\$(cat /tmp/gio.rc); [ \$r = 0 ] || tail -n 2 /tmp/gio; exit \$r" 90)
	rc=$?
	((rc == 0)) || rig_log "I/O on $1 $2 failed (rc=$rc): $out"
	return $rc
}

# hs_dom_alive DOM: the domain's agent answers within 20 s
hs_dom_alive() { [[ $(RIG_RUN_TIMEOUT=20 rig_domu_run "$1" 'echo alive' 2>/dev/null) == alive ]]; }

# hs_backend_gone DOMID DEVID [timeout]: no backend device left in dom0
hs_backend_gone() {
	local i
	for ((i = 0; i < ${3:-20} * 10; i++)); do
		[[ ! -e /sys/bus/xen-backend/devices/vbd-$1-$2 ]] && return 0
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------- hostile frontend suite
# two halves, one scenario each (a scenario has RIG_SCENARIO_TIMEOUT, 600 s)
HS_FRONT_REQ="baseline bad_op unadvertised_op nseg_zero nseg_over first_gt_last last_ge_8 past_end ro_write
bad_gref indirect_count indirect_op indirect_segs double_fetch"
HS_FRONT_RING="evtchn_storm never_consume ring_overflow req_prod_back xs_flap no_ring order_over
order_huge queues_over queues_huge bad_ringref bad_evtchn bad_protocol"
# layouts: request-level cases in the x86_32-abi slot layout; valid
# multi-page rings; two valid queues, attacks on queue 1 (queue 0 must serve)
HS_FRONT_ABI="x32_baseline:baseline:-a,32 x32_bad_op:bad_op:-a,32 x32_nseg_over:nseg_over:-a,32
x32_indirect_segs:indirect_segs:-a,32 x32_first_gt_last:first_gt_last:-a,32
x32_past_end:past_end:-a,32 x32_bad_gref:bad_gref:-a,32 x32_double_fetch:double_fetch:-a,32
order2_baseline:baseline:-o,2 order4_baseline:baseline:-o,4 mq_baseline:baseline:-q,2
mq_ring_overflow_q1:ring_overflow:-q,2,-Q,1 mq_bad_op_q1:bad_op:-q,2,-Q,1"
HS_LETTERS=(b c d e f g h i j k l m n o p q r s t u v w x y z)
HS_NEXT=0

# hs_next_vdev DOMID: a vdev letter whose backend device is not in use
hs_next_vdev() {
	local i v
	for ((i = 0; i < ${#HS_LETTERS[@]}; i++)); do
		v=xvd${HS_LETTERS[HS_NEXT % ${#HS_LETTERS[@]}]}
		HS_NEXT=$((HS_NEXT + 1))
		[[ -e /sys/bus/xen-backend/devices/vbd-$1-$(hs_devid "$v") ]] && continue
		xenstore-exists "/local/domain/$1/device/vbd/$(hs_devid "$v")" 2>/dev/null && continue
		echo "$v"
		return 0
	done
	return 1
}

# hs_hf_start: (re)start the hostile domU "hf" with evtchn + gntalloc loaded
hs_hf_start() {
	rig_domid hf >/dev/null 2>&1 && xl destroy hf
	rig_domu_start hf 1 512 || return 1
	rig_domu_run hf 'for m in xen-evtchn xen-gntalloc; do [ -d /sys/module/${m//-/_} ] || /usr/sbin/insmod /rig/hostile/$m.ko* || exit 1; done; ls /dev/xen/' 60 |
		sed 's/^/RIG-LOG hf: /'
}

# hs_front_case WHICH CASE TARGET MODE [HFOPTS] [LABEL] [XLOPTS]: one hfront
# case on a fresh VBD (HFOPTS: hfront layout options such as "-a 32"; LABEL:
# the verdict's name instead of CASE; XLOPTS: extra xl disk spec options)
hs_front_case() {
	local which=$1 c=$2 target=$3 mode=$4 hfopts=${5:-} P=hostile-front/${6:-$2} xlopts=${7:-}
	local v devid id out rc line hv reason bad new acct0 acct1 av
	local extra=""
	if [[ ${HS_HF_OK:-1} != 1 ]]; then
		rig_log "hostile domU not answering: restarting it"
		hs_hf_start || { hs_verdict "$which" "$P" FAIL "hostile domU could not be (re)started"; return; }
		HS_HF_OK=1
	fi
	id=$(rig_domid hf)
	v=$(hs_next_vdev "$id") || { hs_verdict "$which" "$P" FAIL "no free vdev left (earlier detaches failed)"; return; }
	devid=$(hs_devid "$v")
	acct0=$(hs_acct)
	hs_attach hf "$target" "$v" "$mode" "$xlopts" || { hs_verdict "$which" "$P" FAIL "xl block-attach failed"; return; }
	rig_wait_state hf "$v" back 2 15 || { hs_verdict "$which" "$P" FAIL "backend never reached InitWait"; return; }
	hs_mark0
	out=$(rig_domu_run hf "hfront -v $devid $hfopts $c" 150)
	rc=$?
	sed "s/^/HOSTILE-OUT $which $c: /" <<<"$out"
	line=$(grep '^HOSTILE-RESULT:' <<<"$out" | tail -n 1)
	if [[ -n $line ]]; then
		hv=$(awk '{print $3}' <<<"$line")
		reason=${line#HOSTILE-RESULT: "$c" "$hv"}
		reason=${reason# }
	else
		hv=FAIL reason="hfront rc=$rc without a result: $(tail -n 1 <<<"$out")"
	fi
	sleep 0.5
	bad=$(hs_new0 | grep -E "$HS_BAD" | head -n 3 | tr '\n' '|')
	new=$(hs_new0 | grep -vE "$HS_BAD" | hs_summary)
	hs_new0 | sed "s/^/HOSTILE-DMESG0 $which $c: /"
	if [[ -n $bad ]]; then
		hv=FAIL extra+=" DOM0 KERNEL: $bad"
	fi
	if ((HS_VICTIM == 0)); then
		extra+=" (victim VBD unusable since setup: not checked);"
	elif ! hs_good_io hgood xvdb; then
		hv=FAIL extra+=" other VBD (hgood xvdb) stalled/failed during the attack;"
	fi
	HS_HF_OK=1
	if ! hs_dom_alive hf; then
		extra+=" (hostile domU stopped answering)"
		HS_HF_OK=0
	fi
	rig_detach hf "$v" >/dev/null 2>&1
	if ! hs_backend_gone "$id" "$devid" 20; then
		[[ $hv == SKIP ]] || hv=FAIL
		extra+=" backend device vbd-$id-$devid still present 20 s after detach (ring/grants kept);"
	fi
	acct1=$(hs_acct)
	av=$(hs_acct_verdict "$acct0" "$acct1")
	echo "HOSTILE-ACCT $which ${P#hostile-front/}: before $acct0; after $acct1"
	if [[ $av == FAIL* && $hv != SKIP ]]; then
		hv=FAIL
	fi
	extra+=" leaks: ${av#*|};"
	hs_verdict "$which" "$P" "$hv" "$reason;${extra} dom0 log: ${new:-none}"
}

# hs_front_destroy WHICH TARGET: xl destroy of the hostile domain mid-I/O,
# then no dying (grant-holding) domain and no backend device may remain
hs_front_destroy() {
	local which=$1 target=$2 P=hostile-front/destroy_mid_io v devid id i out bad
	hs_dom_alive hf || hs_hf_start || { hs_verdict "$which" "$P" FAIL "hostile domU not running"; return; }
	id=$(rig_domid hf)
	v=$(hs_next_vdev "$id") || { hs_verdict "$which" "$P" FAIL "no free vdev"; return; }
	devid=$(hs_devid "$v")
	rig_attach hf "$target" "$v" rw && rig_wait_state hf "$v" back 2 15 ||
		{ hs_verdict "$which" "$P" FAIL "attach failed"; return; }
	rig_domu_run hf "hfront -v $devid io_forever >/tmp/iof.log 2>&1 &" 20 >/dev/null
	sleep 5
	out=$(rig_domu_run hf 'tail -n 2 /tmp/iof.log' 20)
	sed "s/^/HOSTILE-OUT $which destroy: /" <<<"$out"
	hs_mark0
	xl destroy hf
	for ((i = 0; i < 300; i++)); do
		xl list 2>/dev/null | grep -q '(null)' || break
		sleep 0.1
	done
	sleep 1
	bad=$(hs_new0 | grep -E "$HS_BAD" | head -n 3 | tr '\n' '|')
	hs_new0 | sed "s/^/HOSTILE-DMESG0 $which destroy: /"
	if [[ -n $bad ]]; then
		hs_verdict "$which" "$P" FAIL "dom0 kernel: $bad"
	elif xl list 2>/dev/null | grep -q '(null)'; then
		hs_verdict "$which" "$P" FAIL "domain $id still dying 30 s after xl destroy: dom0 keeps its grants mapped ($(xl list | grep '(null)' | tr -s ' '))"
	elif ls /sys/bus/xen-backend/devices/ 2>/dev/null | grep -q "^vbd-$id-"; then
		hs_verdict "$which" "$P" FAIL "backend devices of dead domain $id left: $(ls /sys/bus/xen-backend/devices | tr '\n' ' ')"
	elif ((HS_VICTIM)) && ! hs_good_io hgood xvdb; then
		hs_verdict "$which" "$P" FAIL "other VBD stalled after the destroy"
	else
		hs_verdict "$which" "$P" PASS "destroyed during I/O ($(grep -o '[0-9]* requests done' <<<"$out" | tail -n 1)); domain gone, no backend device left, other VBD serves"
	fi
}

# hs_front_case_spec WHICH SPEC RW RO: SPEC is a case name, or
# LABEL:CASE:HFOPTS with commas for spaces in HFOPTS (x32_bad_op:bad_op:-a,32)
hs_front_case_spec() {
	local which=$1 spec=$2 rw=$3 ro=$4 label c opts=""
	IFS=: read -r label c opts <<<"$spec"
	[[ -n $c ]] || c=$label
	opts=${opts//,/ }
	case $c in
	ro_write) hs_front_case "$which" "$c" "$ro" ro "$opts" "$label" ;;
	# a VBD whose toolstack config disables discard (discard-enable=0):
	# the backend must not advertise it and must refuse BLKIF_OP_DISCARD
	unadvertised_op) hs_front_case "$which" "$c" "$rw" rw "$opts" "$label" no-discard ;;
	*) hs_front_case "$which" "$c" "$rw" rw "$opts" "$label" ;;
	esac
}

# hs_front_suite ours|intree CASES [final]: hostile-frontend cases against
# the backend WHICH; with final=1 also xl destroy mid-I/O and the grant count
hs_front_suite() {
	local which=$1 cases=$2 final=${3:-0} c nb rw ro
	if [[ ! -x $HS_BIN/hfront ]]; then
		hs_verdict "$which" hostile-front SKIP "no $HS_BIN/hfront in the image (tests/hostile hook not in the rig build)"
		return 0
	fi
	if [[ $which == ours && ! -f $RIG_OURS/xen-blkback.ko ]]; then
		hs_verdict "$which" hostile-front SKIP "our xen-blkback.ko is not in this image"
		return 0
	fi
	rig_load_back "$which" || { hs_verdict "$which" hostile-front/setup FAIL "backend $which did not load"; return 0; }
	nb=$(rig_null_blk 1) && rw=$(hs_loop 64) && ro=$(hs_loop 64) ||
		{ hs_verdict "$which" hostile-front/setup FAIL "backing devices"; return 0; }
	rig_domu_start hgood 1 512 && rig_load_front hgood intree && rig_attach hgood "$nb" xvdb &&
		rig_wait_disk hgood xvdb ||
		{ hs_verdict "$which" hostile-front/setup FAIL "victim domU hgood with a VBD did not come up"; return 0; }
	HS_VICTIM=1
	HS_GOOD_ID=$(rig_domid hgood)
	if ! hs_good_io hgood xvdb; then
		# before any attack: a plain interop problem, reported once
		hs_verdict "$which" hostile-front/victim_io FAIL "before any attack, the victim VBD (in-tree blkfront, persistent grants on, $which blkback, null_blk) did not serve a 4 MiB read; dom0: $(dmesg | grep -i 'blkback\|xbb' | tail -n 2 | cut -c1-200 | tr '\n' '|') be state $(rig_be_key hgood xvdb state) fe state $(rig_fe_key hgood xvdb state); the per-case victim check is skipped"
		rig_dmesgU hgood 15
		HS_VICTIM=0
	fi
	hs_hf_start || { hs_verdict "$which" hostile-front/setup FAIL "hostile domU did not start"; return 0; }
	for c in $cases; do
		hs_front_case_spec "$which" "$c" "$rw" "$ro"
	done
	if ((final)); then
		hs_front_destroy "$which" "$rw"
		rig_domu_stop hgood >/dev/null 2>&1
		hs_grants_left "$which"
	fi
	for c in $(rig_domains); do xl destroy "$c"; done
	rig_unload_back
}

# hs_grants_left WHICH: with every guest gone, our backend's global
# mapped-grant counter (debugfs xen-blkback/status) must be back to 0
hs_grants_left() {
	local which=$1 f=/sys/kernel/debug/xen-blkback/status mg i
	mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	if [[ ! -r $f ]]; then
		hs_verdict "$which" hostile-front/grants_left SKIP "no $f (counter only in our backend)"
		return
	fi
	for ((i = 0; i < 100; i++)); do
		mg=$(awk '/mapped_grants/ {print $2}' "$f")
		[[ $mg == 0 ]] && break
		sleep 0.2
	done
	if [[ $mg == 0 ]]; then
		hs_verdict "$which" hostile-front/grants_left PASS "mapped_grants 0 after all guests are gone"
	else
		hs_verdict "$which" hostile-front/grants_left FAIL "mapped_grants=$mg with no guest left (leaked grant mappings)"
	fi
}

# ---------------------------------------------------------------- hostile backend suite
HS_BACK_IO="baseline rsp_overflow id_oor id_dup id_idle op_mismatch status_bad rsp_unsolicited
evtchn_storm grant_kept id_dup_q1 persistent_scribble"
HS_BACK_KEYS="sectors_zero sectors_huge sectors_garbage ssize_zero ssize_npow2 ssize_huge
info_all keys_missing max_queues_huge max_order_huge max_indirect_huge"
# cases whose bogus response must leave a log line in the domU
HS_BACK_MUSTLOG=" rsp_overflow id_oor id_dup id_idle op_mismatch status_bad rsp_unsolicited id_dup_q1 "
# cases whose xenstore geometry the frontend must refuse: it must not reach
# Connected within 20 s and must say why in one log line
HS_BACK_MUSTREFUSE=" sectors_huge sectors_garbage "

# hs_back_case WHICH CASE: one hback case against the frontend in domU "hb"
hs_back_case() {
	local which=$1 c=$2 P=hostile-back/$2 v devid id pid i fs out rc log line hv hbv reason bad new extra=""
	hs_dom_alive hb || { hs_verdict "$which" "$P" FAIL "victim domU hb is not answering (earlier case?)"; return; }
	id=$(rig_domid hb)
	v=$(hs_next_vdev "$id") || { hs_verdict "$which" "$P" FAIL "no free vdev"; return; }
	devid=$(hs_devid "$v")
	hs_markU hb
	log=/run/rig/hback-$c.log
	"$HS_BIN/hback" -d "$id" -v "$devid" "$c" >"$log" 2>&1 &
	pid=$!
	for ((i = 0; i < 200; i++)); do
		fs=$(xenstore-read "/local/domain/$id/device/vbd/$devid/state" 2>/dev/null)
		[[ $fs == 4 || $fs == 5 || $fs == 6 ]] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if [[ $fs == 4 && $c == persistent_scribble ]]; then
		# data read and written (through the page cache too) BEFORE the
		# trigger; then 3 s without I/O while hback scribbles on every
		# idle kept grant; then the stop read; nothing may show 0xEE
		out=$(rig_domu_run hb "i=0; while [ ! -b /dev/$v ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i+1)); done
cat /sys/block/$v/size 2>/dev/null | sed 's/^/size=/'
dd if=/dev/urandom of=/tmp/pat bs=64k count=16 2>/dev/null; dd if=/dev/urandom of=/tmp/pat2 bs=64k count=16 2>/dev/null
timeout 20 dd if=/tmp/pat of=/dev/$v bs=64k seek=64 oflag=direct 2>/dev/null
timeout 20 dd if=/dev/$v of=/tmp/rd1 bs=64k skip=64 count=16 2>/dev/null
timeout 20 dd if=/tmp/pat2 of=/dev/$v bs=64k seek=128 conv=fsync 2>/dev/null
timeout 40 dd if=/dev/$v of=/dev/null bs=4096 skip=512 count=1 iflag=direct >/tmp/trig 2>&1; echo trigger-rc=\$?
sleep 3
timeout 20 dd if=/dev/$v of=/dev/null bs=4096 skip=768 count=1 iflag=direct 2>/dev/null
cmp -s /tmp/rd1 /tmp/pat || echo VERIFY-MISMATCH-read-copy
timeout 20 dd if=/dev/$v bs=64k skip=64 count=16 2>/dev/null | cmp -s - /tmp/pat || echo SCRIBBLE-SEEN-page-cache-read
timeout 20 dd if=/dev/$v bs=64k skip=128 count=16 2>/dev/null | cmp -s - /tmp/pat2 || echo SCRIBBLE-SEEN-page-cache-written
timeout 20 dd if=/dev/$v bs=64k skip=64 count=16 iflag=direct 2>/dev/null | cmp -s - /tmp/pat || echo VERIFY-MISMATCH-disk-1
timeout 20 dd if=/dev/$v bs=64k skip=128 count=16 iflag=direct 2>/dev/null | cmp -s - /tmp/pat2 || echo VERIFY-MISMATCH-disk-2
echo verify-done" 150)
		rc=$?
	elif [[ $fs == 4 ]]; then
		# the _q1 cases: the trigger from vCPU 1, whose blk-mq queue is
		# the frontend's second ring
		local pin=""
		[[ $c == *_q1 ]] && pin="taskset -c 1"
		out=$(rig_domu_run hb "i=0; while [ ! -b /dev/$v ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i+1)); done
cat /sys/block/$v/size 2>/dev/null | sed 's/^/size=/'
timeout 40 $pin dd if=/dev/$v of=/dev/null bs=4096 skip=512 count=1 iflag=direct >/tmp/trig 2>&1; echo trigger-rc=\$?; tail -n 1 /tmp/trig" 70)
		rc=$?
		if [[ $c == grant_kept ]]; then
			out+=$'\n'$(rig_domu_run hb "dd if=/dev/urandom of=/tmp/pat bs=64k count=16 2>/dev/null
for k in 1 2 3 4 5; do
 timeout 20 dd if=/tmp/pat of=/dev/$v bs=64k seek=64 oflag=direct 2>/dev/null
 timeout 20 dd if=/dev/$v bs=64k skip=64 count=16 iflag=direct 2>/dev/null | cmp -s - /tmp/pat || echo VERIFY-MISMATCH-\$k
 timeout 20 dd if=/dev/$v bs=4096 skip=512 count=1 iflag=direct 2>/dev/null | od -An -tx1 | grep -q ee && echo SCRIBBLE-SEEN-\$k
done; echo verify-done" 150)
		fi
	else
		out="frontend state ${fs:-absent} (not Connected) within 20 s"
		rc=0
	fi
	sed "s/^/HOSTILE-OUT $which $c: /" <<<"$out"
	hs_dom_alive hb || extra+=" DOMU STOPPED ANSWERING;"
	hs_good_io hb xvda || extra+=" other VBD (xvda) stalled/failed;"
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 250; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		extra+=" hback did not finish closing;"
	fi
	wait "$pid" 2>/dev/null
	sed "s/^/HOSTILE-HBACK $which $c: /" "$log"
	line=$(grep '^HOSTILE-RESULT:' "$log" | tail -n 1)
	hbv=$(awk '{print $3}' <<<"$line")
	reason=${line#HOSTILE-RESULT: "$c" "$hbv" }
	new=$(hs_newU hb) || extra+=" GUEST DMESG UNREADABLE (rc $?), its kernel log not checked;"
	sed "s/^/HOSTILE-DMESGU $which $c: /" <<<"$new"
	bad=$(grep -E "$HS_BAD" <<<"$new" | head -n 3 | tr '\n' '|')
	hv=PASS
	[[ -n $bad ]] && { hv=FAIL; extra+=" DOMU KERNEL: $bad;"; }
	[[ $extra == *STOPPED* || $extra == *stalled* || $extra == *UNREADABLE* ]] && hv=FAIL
	if [[ $rc == 124 || $rc == 125 || $out == *trigger-rc=124* ]]; then
		hv=FAIL extra+=" I/O on the hostile VBD hung;"
	fi
	[[ $out == *VERIFY-MISMATCH* || $out == *SCRIBBLE-SEEN* ]] && { hv=FAIL; extra+=" data corrupted by the kept grant;"; }
	if [[ $HS_BACK_MUSTLOG == *" $c "* && -z $(grep -v '^$' <<<"$new") ]]; then
		hv=FAIL extra+=" frontend logged nothing about the bogus response;"
	fi
	if [[ $HS_BACK_MUSTREFUSE == *" $c "* ]]; then
		if [[ $fs == 4 ]]; then
			hv=FAIL extra+=" frontend ACCEPTED the geometry (reached Connected);"
		elif ! grep -q . <<<"$new"; then
			hv=FAIL extra+=" frontend refused silently (no log line);"
		fi
	fi
	# hback's own verdict: FAIL, or SKIP when the misbehaviour never fired
	# (e.g. the frontend did not use a second queue / persistent grants)
	if [[ $hbv == FAIL ]]; then
		hv=FAIL
	elif [[ $hbv == SKIP && $hv == PASS ]]; then
		hv=SKIP
	elif [[ -z $line ]]; then
		hv=FAIL extra+=" hback printed no result;"
	fi
	xenstore-exists "/local/domain/$id/device/vbd/$devid" 2>/dev/null &&
		xenstore-rm "/local/domain/$id/device/vbd/$devid" 2>/dev/null
	new=$(grep -vE "$HS_BAD" <<<"$new" | hs_summary)
	hs_verdict "$which" "$P" "$hv" "domU: $(grep -o 'trigger-rc=[0-9]*\|size=[0-9]*\|dd: .*\|^frontend state.*' <<<"$out" | tr '\n' ' ');${extra} domU log: ${new:-none}; hback: ${reason:-no result}"
}

# hs_need_gntdev: load xen-gntdev for hback, which maps grants with it
# (make check-debug boots dom0 without it, see scripts/rig/dom0-init.sh)
# On a lockdep kernel whose lockdep is still on, gntdev's first map draws
# Linux's own lock-order report: expected here, so the runner does not fail
# the scenario for it (make check-debug's scan-reports.py still attributes
# every report of the boot, ours included).
hs_need_gntdev() {
	[[ -d /sys/module/xen_gntdev ]] || modprobe xen-gntdev || return 1
	local i
	for i in $(seq 50); do [[ -c /dev/xen/gntdev ]] && break; sleep 0.1; done
	[[ -c /dev/xen/gntdev ]] || return 1
	if grep -qE '^ *debug_locks: *1' /proc/lockdep_stats 2>/dev/null; then
		rig_expect_kernel_trouble "Linux's xen_gntdev lock-order report (lockdep) at hback's first grant map"
	fi
	return 0
}

# hs_back_suite ours|intree CASES: hostile-backend cases against the frontend WHICH
hs_back_suite() {
	local which=$1 cases=$2 c nb
	if [[ ! -x $HS_BIN/hback ]]; then
		hs_verdict "$which" hostile-back SKIP "no $HS_BIN/hback in the image (tests/hostile hook not in the rig build)"
		return 0
	fi
	if [[ $which == ours && ! -f $RIG_OURS/xen-blkfront.ko ]]; then
		hs_verdict "$which" hostile-back SKIP "our xen-blkfront.ko is not in this image"
		return 0
	fi
	hs_need_gntdev ||
		{ hs_verdict "$which" hostile-back/setup FAIL "xen-gntdev (hback maps grants with it) did not load"; return 0; }
	rig_load_back intree || { hs_verdict "$which" hostile-back/setup FAIL "in-tree xen-blkback (for the control VBD) did not load"; return 0; }
	nb=$(rig_null_blk 1) || { hs_verdict "$which" hostile-back/setup FAIL "null_blk"; return 0; }
	rig_domu_start hb 2 512 && rig_load_front hb "$which" && rig_attach hb "$nb" xvda && rig_wait_disk hb xvda ||
		{ hs_verdict "$which" hostile-back/setup FAIL "victim domU hb with $which blkfront and a control VBD did not come up"; return 0; }
	for c in $cases; do
		hs_back_case "$which" "$c"
	done
	rig_domu_stop hb >/dev/null 2>&1
	for c in $(rig_domains); do xl destroy "$c"; done
	rig_unload_back
}
