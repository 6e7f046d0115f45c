#!/bin/bash
# Unit test of scripts/debugkernel/scan-reports.py on a fixed serial log:
# a frontend leak and a lockdep splat naming xbf_/xbb_ functions are ours
# (FAIL), a UBSAN report and a kmemleak object without our frames are not
# (counted, PASS), the same dom0 leak listed by two scans counts once;
# with two serial logs (two boots) the reports add up and every boot must
# have collected.
# TAP output.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
python3 "$HERE/../../scripts/debugkernel/scan-reports.py" "$HERE/fixture-serial.log" \
	"$TMP/md" "$TMP/full" >"$TMP/v" || { echo "1..1"; echo "not ok 1 - scanner ran"; exit 1; }
n=0 bad=0
check() { # description, command...
	local d=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $d"; else echo "not ok $n - $d"; bad=1; fi
}
check "kmemleak: the xbf_ leak fails the verdict" grep -q '^  FAIL debug/kmemleak: 1 report' "$TMP/v"
check "lockdep: the xbb_ chain fails the verdict" grep -q '^  FAIL debug/lockdep: 1 report' "$TMP/v"
check "ubsan: a report without our frames passes, counted" grep -q '^  PASS debug/ubsan: 0 reports attributed to our modules (1 not ours)' "$TMP/v"
check "kasan: SKIP, loudly with a reason" grep -q '^  SKIP debug/kasan: KASAN is not in this kernel' "$TMP/v"
check "collected marker seen" grep -q '^  PASS debug/collected' "$TMP/v"
check "dom0 leak listed by two scans counts once" test "$(grep -c '^===== report .*kmemleak' "$TMP/full")" = 2
check "table: kmemleak 1 ours 1 other" grep -q '^| kmemleak | 1 | 1 |' "$TMP/md"
# two boots side by side: reports add up, and both must have collected
grep -v '^.*RIG-DEBUG-COLLECTED' "$HERE/fixture-serial.log" >"$TMP/uncollected.log"
python3 "$HERE/../../scripts/debugkernel/scan-reports.py" "$HERE/fixture-serial.log" \
	"$TMP/md2" "$TMP/full2" "$HERE/fixture-serial.log" >"$TMP/v2"
check "two logs: the reports of both count" grep -q '^  FAIL debug/lockdep: 2 report' "$TMP/v2"
check "two logs: each report names its boot" grep -q '^===== report .* / boot 1: ' "$TMP/full2"
python3 "$HERE/../../scripts/debugkernel/scan-reports.py" "$HERE/fixture-serial.log" \
	"$TMP/md3" "$TMP/full3" "$TMP/uncollected.log" >"$TMP/v3"
check "two logs: one boot without its collect step fails" grep -q '^  FAIL debug/collected' "$TMP/v3"
echo "1..$n"
exit $bad
