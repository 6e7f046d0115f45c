#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh BUILD SECONDS: builds the libFuzzer targets (clang, ASan + UBSan)
# into BUILD, replays the checked-in corpus and every past crash kept in
# regress/<target>/, then fuzzes each target for SECONDS.  TAP output; a
# crash fails the test and its input is saved for a regression case.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$1
SECS=$2
HERE=$ROOT/tests/fuzz
TARGETS=(fuzz_request fuzz_response)
echo "1..$((2 * ${#TARGETS[@]}))"
n=0
mkdir -p "$B"
for t in "${TARGETS[@]}"; do
	short=${t#fuzz_}
	n=$((n + 1))
	if ! command -v clang > /dev/null; then
		echo "ok $n - $t builds and replays # SKIP clang is not installed"
		n=$((n + 1))
		echo "ok $n - $t fuzzes ${SECS}s # SKIP clang is not installed"
		continue
	fi
	if ! clang -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -I"$ROOT/include" -I"$ROOT/tests/shim" \
		-o "$B/$t" "$HERE/$t.c" "$ROOT/common/blkif_proto.c" > "$B/$t.build.log" 2>&1; then
		sed 's/^/# /' "$B/$t.build.log" | tail -n 10
		echo "not ok $n - $t builds and replays (build failed)"
		n=$((n + 1))
		echo "not ok $n - $t fuzzes ${SECS}s (not built)"
		continue
	fi
	inputs=("$HERE/corpus/$short"/*)
	[[ -d $HERE/regress/$short ]] && inputs+=("$HERE/regress/$short"/*)
	if "$B/$t" -runs=0 "${inputs[@]}" > "$B/$t.replay.log" 2>&1; then
		echo "ok $n - $t builds and replays ${#inputs[@]} corpus/regression inputs"
	else
		tail -n 20 "$B/$t.replay.log" | sed 's/^/# /'
		echo "not ok $n - $t builds and replays"
	fi
	n=$((n + 1))
	mkdir -p "$B/corpus-$short" "$B/crash-$short"
	if "$B/$t" -max_total_time="$SECS" -timeout=5 -rss_limit_mb=1024 \
		-artifact_prefix="$B/crash-$short/" "$B/corpus-$short" "$HERE/corpus/$short" \
		> "$B/$t.fuzz.log" 2>&1; then
		execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$B/$t.fuzz.log" | grep -o '[0-9]*$')
		[[ -n $execs ]] || execs=$(grep -oE '#[0-9]+' "$B/$t.fuzz.log" | tail -n 1 | tr -d '#')
		echo "ok $n - $t fuzzes ${SECS}s: ${execs:-?} executions, 0 crashes"
	else
		grep -E 'ERROR|SUMMARY|assert' "$B/$t.fuzz.log" | head -n 10 | sed 's/^/# /'
		echo "# crashing input kept in $B/crash-$short/ (copy it to tests/fuzz/regress/$short/)"
		echo "not ok $n - $t fuzzes ${SECS}s"
	fi
done
