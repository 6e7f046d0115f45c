#!/bin/bash
# Interop matrix report: build/reports/interop.md from rig serial logs.
# Usage: scripts/interop/report.sh [-o OUT] [-t "title"] LOG...
# Reads every "RIG-TEST: interop/<case>/<pair>[@<dom0gen>-<domUgen>] V reason"
# line; one row per case, one column per pair (and generation), cells
# pass/fail/skip with the reason, then totals and the line
# "N passed, N failed, N skipped". A name seen twice keeps the last verdict.
# Prints that last line; exit 1 when a cell involving our drivers failed or
# no cell was found (in-tree/in-tree failures are reference results).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$ROOT/build/reports/interop.md
TITLE="Interoperability and data-integrity matrix"
while (($#)); do
	case $1 in
	-o) OUT=$2; shift 2 ;;
	-t) TITLE=$2; shift 2 ;;
	-h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) break ;;
	esac
done
(($#)) || { echo "usage: $0 [-o OUT] LOG..." >&2; exit 2; }
mkdir -p "$(dirname "$OUT")"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# "case<TAB>column<TAB>verdict<TAB>reason", in order of appearance
sed -n 's/.*RIG-TEST: interop\/\([^/ ]*\)\/\([^ ]*\) \(PASS\|FAIL\|SKIP\) \(.*\)$/\1\t\2\t\3\t\4/p' "$@" |
	tr -d '\r' >"$tmp"
awk -F'\t' -v title="$TITLE" -v logs="$*" -v date="$(date -u +%FT%TZ)" '
	{
		k = $1 SUBSEP $2
		if (!($1 in seenc)) { seenc[$1] = 1; cases[++nc] = $1 }
		if (!($2 in seenp)) { seenp[$2] = 1; cols[++np] = $2 }
		v[k] = $3; r[k] = $4
	}
	function cell(x, y) {
		gsub(/\|/, "/", y)
		if (length(y) > 160) y = substr(y, 1, 157) "..."
		return tolower(x) ": " y
	}
	END {
		# columns sorted: generation, then the pair order below
		order["ours-ours"] = 1; order["ours-intree"] = 2; order["intree-ours"] = 3; order["intree-intree"] = 4
		for (i = 1; i <= np; i++) for (j = i + 1; j <= np; j++) {
			a = cols[i]; b = cols[j]
			ga = a; sub(/^[^@]*/, "", ga); gb = b; sub(/^[^@]*/, "", gb)
			pa = a; sub(/@.*/, "", pa); pb = b; sub(/@.*/, "", pb)
			if (ga > gb || (ga == gb && order[pa] > order[pb])) { cols[i] = b; cols[j] = a }
		}
		printf "# %s\n\nGenerated %s from: %s\n\n", title, date, logs
		print "Pairs are `<frontend>-<backend>` (`ours` = this tree'"'"'s xen-blkfront / xen-blkback,"
		print "`intree` = Linux'"'"'s). `@<dom0>-<domU>` names the Debian kernel generations"
		print "(bookworm = Linux 6.1 + Xen 4.17, trixie = Linux 6.12 + Xen 4.20); no suffix"
		print "means the boot'"'"'s own flavour for both. intree-intree is the reference column:"
		print "its failures are Linux'"'"'s, reported, not hidden. Cases and workloads:"
		print "tests/interop/README.md.\n"
		printf "| case |"; for (j = 1; j <= np; j++) printf " %s |", cols[j]; printf "\n"
		printf "|---|"; for (j = 1; j <= np; j++) printf "---|"; printf "\n"
		for (i = 1; i <= nc; i++) {
			printf "| %s |", cases[i]
			for (j = 1; j <= np; j++) {
				k = cases[i] SUBSEP cols[j]
				if (!(k in v)) { printf " not run |"; continue }
				printf " %s |", cell(v[k], r[k])
				tot[v[k]]++
				pair = cols[j]; sub(/@.*/, "", pair)
				if (v[k] == "FAIL") { if (pair == "intree-intree") ref++; else ours++ }
			}
			printf "\n"
		}
		printf "\n## Totals\n\n"
		for (j = 1; j <= np; j++) {
			delete c
			for (i = 1; i <= nc; i++) { k = cases[i] SUBSEP cols[j]; if (k in v) c[v[k]]++ }
			printf "* %s: %d passed, %d failed, %d skipped\n", cols[j], c["PASS"], c["FAIL"], c["SKIP"]
		}
		printf "* failures with our drivers: %d; in-tree reference failures: %d\n\n", ours, ref
		line = sprintf("%d passed, %d failed, %d skipped", tot["PASS"], tot["FAIL"], tot["SKIP"])
		print line
		print line > "/dev/stderr"
		exit (ours > 0 || (tot["PASS"] + tot["FAIL"] + tot["SKIP"]) == 0) ? 1 : 0
	}' "$tmp" >"$OUT" 2>"$tmp.last"
rc=$?
cat "$tmp.last"
rm -f "$tmp.last"
echo "report: $OUT" >&2
exit $rc
