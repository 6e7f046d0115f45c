#!/bin/bash
# `make demo`: boot the rig once with the demo scenario
# (tests/scenarios/demo/00-demo.sh) and print a short table: which driver is
# bound on each side (and that it is ours, not the in-tree one), what the
# ends negotiated, fio IOPS / MiB/s, verify errors, where the full log is.
# Env: RIG_BACK / RIG_FRONT (default ours; in-tree fallback with a NOTICE
# while our modules are missing), RIG_DEMO_RUNTIME (fio seconds, 10), and
# everything run.sh takes. RIG_DEMO_LOG=<serial log> only reprints the table.
RIG_DIR=$(cd "$(dirname "$0")" && pwd)
CACHE=${XENBLK_CACHE:-$(cd "$RIG_DIR/../.." && pwd)/build/rig}
mkdir -p "$CACHE/logs"
export RIG_DEMO_RUNTIME=${RIG_DEMO_RUNTIME:-10}
if [[ -n ${RIG_DEMO_LOG:-} ]]; then
	# only (re)print the table of an earlier demo log
	RIG_LOG=$RIG_DEMO_LOG
	rc=0
else
	export RIG_LOG=$CACHE/logs/serial-demo-$(date +%Y%m%d-%H%M%S).log
	"$RIG_DIR/run.sh" --scenarios demo/00-demo "$@"
	rc=$?
fi
[[ -f $RIG_LOG ]] || { echo "demo: no serial log" >&2; exit 1; }
tr -d '\r' <"$RIG_LOG" | awk '
	/RIG-DEMO / { s = substr($0, index($0, "RIG-DEMO ") + 9); k = s; sub(/ .*/, "", k)
		v = substr(s, length(k) + 2); d[k] = v }
	/RIG-TEST: demo\// { s = substr($0, index($0, "RIG-TEST: ") + 10); t[++nt] = s }
	function g(k) { return (k in d && d[k] != "") ? d[k] : "-" }
	END {
		print ""
		print "==================== xenblk demo ===================="
		printf "%-22s %s\n", "requested", g("requested")
		printf "%-22s %s\n", "dom0 module", g("back.module")
		if ("back.ours-srcversion" in d) printf "%-22s %s\n", "  ours (.ko) srcversion", g("back.ours-srcversion")
		printf "%-22s %s\n", "dom0 lsmod *blk*", g("back.lsmod")
		printf "%-22s %s\n", "domU module", g("front.module")
		if ("front.ours-srcversion" in d) printf "%-22s %s\n", "  ours (.ko) srcversion", g("front.ours-srcversion")
		printf "%-22s %s\n", "domU lsmod", g("front.lsmod")
		print ""
		printf "%-36s %-24s %-24s\n", "", "xvdb (null_blk)", "xvdc (brd)"
		n = split("back.driver front.driver back.feature-persistent front.feature-persistent back.feature-flush-cache back.feature-barrier back.feature-discard back.feature-max-indirect-segments back.max-ring-page-order front.ring-page-order back.multi-queue-max-queues front.multi-queue-num-queues front.protocol back.sectors back.sector-size back.info domU.queue", r, " ")
		# long values (domU.queue) get a line per device
		n--
		for (i = 1; i <= n; i++)
			printf "%-36s %-24s %-24s\n", r[i], g("xvdb." r[i]), g("xvdc." r[i])
		printf "%-36s %s\n", "domU queue xvdb", g("xvdb.domU.queue")
		printf "%-36s %s\n", "domU queue xvdc", g("xvdc.domU.queue")
		print ""
		printf "%-30s IOPS %s, BW %s (fio rc %s)\n", "xvdb 4k randread QD32", g("randread.iops"), g("randread.bw"), g("randread.rc")
		printf "%-30s BW %s over %s, verify errors %s (fio rc %s)\n", "xvdc 1M seq write+crc32c", g("seqwrite.bw"), g("seqwrite.size"), g("seqwrite.verify-errors"), g("seqwrite.rc")
		print ""
		for (i = 1; i <= nt; i++) print "  " t[i]
		print "(TCG-emulated numbers: they show the path works, not driver speed)"
	}'
echo "full serial log: $RIG_LOG"
exit $rc
