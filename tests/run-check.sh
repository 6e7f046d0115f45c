#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every test of the project, in order of cost, with one verdict
# line per test and a last line "N passed, N failed, N skipped".
#
#   1. host dependencies (apt-get, once)
#   2. userspace unit tests (TAP under prove): protocol library, ABI diff;
#      libFuzzer on request and response validation (15 s each; 10 min in
#      check-full)
#   3. header guard test (kbuild)
#   4. module build against the rig's kernel with W=1 and sparse, zero
#      warnings; checkpatch of every source file, zero errors
#   5. rig scenarios: Xen in QEMU, real dom0 and domU, our modules
#
# Env: XENBLK_FULL=1 (check-full: also the build matrix and long scenarios),
#      XENBLK_SKIP_RIG=1 (no QEMU boot; the rig tests are then reported as
#      skipped), RIG_SCENARIOS (override the scenario list).
# Exit status: 0 only when nothing failed and at least one test ran.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/check
RES=$OUT/results.txt
mkdir -p "$OUT"
: > "$RES"
T0=$SECONDS

say() { printf '[check %(%H:%M:%S)T] %s\n' -1 "$*"; }
# result VERDICT NAME [REASON]
result() {
	printf '%s %s %s\n' "$1" "$2" "${3:-}" >> "$RES"
	printf '  %-4s %s %s\n' "$1" "$2" "${3:+($3)}"
}

# Read TAP on stdin; one result per test point, prefixed with $1.
tap_results() {
	local prefix=$1 line name
	while IFS= read -r line; do
		case $line in
		"ok "*"# SKIP"*)
			name=${line#ok * - }
			result SKIP "$prefix/${name%% # SKIP*}" "${name#*# SKIP }" ;;
		"ok "*)
			name=${line#ok * - }
			result PASS "$prefix/$name" ;;
		"not ok "*)
			name=${line#not ok * - }
			result FAIL "$prefix/$name" ;;
		"#"*) echo "    $line" ;;
		esac
	done
}

# The release string modules built against $1 carry in their vermagic.
kernel_release() {
	sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$1/include/generated/utsrelease.h"
}

section_deps() {
	say "phase: host dependencies"
	if ! "$ROOT/scripts/install-deps.sh" > "$OUT/deps.log" 2>&1; then
		tail -n 20 "$OUT/deps.log"
		result FAIL deps/install "apt-get failed, see $OUT/deps.log"
		return 1
	fi
}

section_unit() {
	say "phase: userspace unit tests"
	if ! make -C "$ROOT/tests/unit" BUILD="$ROOT/build/unit" all \
		> "$OUT/unit-build.log" 2>&1; then
		tail -n 30 "$OUT/unit-build.log"
		result FAIL unit/build "unit tests did not compile, see $OUT/unit-build.log"
		return
	fi
	(cd "$ROOT/build/unit" && prove -v -e '' ./test_proto ::) 2>&1 |
		tee "$OUT/unit.log" | tap_results unit
	prove -v -e '' "$ROOT/tests/unit/test_abi.sh" :: "$ROOT/build/unit" 2>&1 |
		tee "$OUT/abi.log" | tap_results abi
	# make check-debug's report scanner, on a fixed serial log
	prove -v -e '' "$ROOT/tests/debugkernel/test-scan-reports.sh" 2>&1 |
		tee "$OUT/scan-reports.log" | tap_results debug-scanner
}

section_fuzz() {
	local secs=15
	[[ -n ${XENBLK_FULL:-} ]] && secs=600
	say "phase: libFuzzer, ${secs}s per target"
	bash "$ROOT/tests/fuzz/run.sh" "$ROOT/build/fuzz" "$secs" 2>&1 |
		tee "$OUT/fuzz.log" | tap_results fuzz
}

section_guard() {
	say "phase: header guard"
	bash "$ROOT/tests/build/test_guard.sh" "$KDIR" "$OUT/guard" | tap_results guard
}

# Build a copy of the sources (never cleans the developer's own tree) with
# W=1 and sparse; the rig then boots exactly these modules.
section_build() {
	local src=$OUT/src ko warn
	say "phase: module build W=1 C=1 against $(basename "$KDIR")"
	rm -rf "$src"
	mkdir -p "$src"
	(cd "$ROOT" && git ls-files -co --exclude-standard | grep -v '^build/' |
		tar -cf - -T -) | tar -xf - -C "$src"
	if ! make -C "$src" KDIR="$KDIR" W=1 C=1 > "$OUT/build.log" 2>&1; then
		grep -E 'error|Error' "$OUT/build.log" | head -n 20 | sed 's/^/    /'
		result FAIL build/modules "build failed, see $OUT/build.log"
		return 1
	fi
	warn=$(grep -cE 'warning:|warning \(' "$OUT/build.log")
	if ((warn)); then
		grep -E 'warning:|warning \(' "$OUT/build.log" | head -n 20 | sed 's/^/    /'
		result FAIL build/w1-sparse "$warn warning(s), see $OUT/build.log"
	else
		result PASS build/w1-sparse "0 warnings with W=1 C=1 ($(grep -c '  CHECK ' "$OUT/build.log") files through sparse)"
	fi
	for ko in xen-blkback/xen-blkback.ko xen-blkfront/xen-blkfront.ko; do
		if [[ -f $src/$ko ]] &&
		   modinfo -F vermagic "$src/$ko" | grep -q "^$(kernel_release "$KDIR") "; then
			result PASS "build/$(basename "$ko")" "vermagic matches the rig kernel"
		else
			result FAIL "build/$(basename "$ko")" "missing or wrong vermagic"
		fi
	done
	export RIG_BACK_KO=$src/xen-blkback/xen-blkback.ko
	export RIG_FRONT_KO=$src/xen-blkfront/xen-blkfront.ko
}

section_checkpatch() {
	say "phase: checkpatch"
	local cp files out
	if ! cp=$("$ROOT/scripts/get-checkpatch.sh" 2> "$OUT/checkpatch-get.log"); then
		result SKIP checkpatch "could not fetch checkpatch.pl: $(tail -n 1 "$OUT/checkpatch-get.log")"
		return
	fi
	files=$(cd "$ROOT" && git ls-files 'xen-blkfront/*.[ch]' 'xen-blkback/*.[ch]' \
		'common/*.[ch]' 'include/*.h')
	out=$(cd "$ROOT" && perl "$cp" --no-tree --show-types -q -f $files 2>&1)
	echo "$out" > "$OUT/checkpatch.log"
	local nerr
	nerr=$(grep -c '^ERROR:' <<<"$out")
	if ((nerr)); then
		grep -A3 '^ERROR:' <<<"$out" | head -n 30 | sed 's/^/    /'
		result FAIL checkpatch "$nerr error(s) in $(wc -w <<<"$files") files"
	else
		result PASS checkpatch "0 errors, $(grep -c '^WARNING:' <<<"$out") warnings in $(wc -w <<<"$files") files"
	fi
}

section_matrix() {
	say "phase: build matrix (6.1, 6.12, sid)"
	"$ROOT/scripts/build-matrix.sh" 2>&1 | tee "$OUT/matrix.log" | tap_results matrix
}

# Split the scenarios into $1 groups of about equal expected time (longest
# first, each to the least loaded group).  Expected seconds come from
# tests/scenarios/TIMES ("name seconds"; 150 when unknown).  One line per group.
rig_groups() {
	local n=$1
	shift
	printf '%s\n' "$@" | awk -v n="$n" -v times="$ROOT/tests/scenarios/TIMES" '
		BEGIN { while ((getline l < times) > 0) { split(l, f, " "); t[f[1]] = f[2] } }
		NF { w[$1] = ($1 in t) ? t[$1] : 150; names[++k] = $1 }
		END {
			for (i = 1; i <= k; i++)	# sort by weight, longest first
				for (j = i + 1; j <= k; j++)
					if (w[names[j]] > w[names[i]]) { x = names[i]; names[i] = names[j]; names[j] = x }
			for (i = 1; i <= k; i++) {
				b = 1
				for (g = 2; g <= n; g++) if (load[g] < load[b]) b = g
				load[b] += w[names[i]]; grp[b] = grp[b] " " names[i]
			}
			for (g = 1; g <= n; g++) if (grp[g] != "") print substr(grp[g], 2)
		}'
}

# Verdict lines of one rig run's output into the results.
rig_verdicts() {
	local line
	while IFS= read -r line; do
		if [[ $line =~ ^\ \ (PASS|FAIL|SKIP)\ ([^:]+):\ ?(.*)$ ]]; then
			result "${BASH_REMATCH[1]}" "rig/${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
		fi
	done < "$1"
	grep -q '^  \(PASS\|FAIL\|SKIP\) ' "$1" ||
		result FAIL "rig/boot-$(basename "$1" .log)" "the rig produced no verdict, see $1"
}

# build/reports/hostile.md from the serial logs of this run's boots, when
# they ran a hostile-peer scenario (LIST: the scenario list). Without the
# in-tree runs (55-59, check-full only) that column says "not run in make check".
hostile_report() {
	local list=$1 note miss="not run" logs
	mapfile -t logs < <(sed -n 's/.*serial log: //p' "$OUT"/rig-*.log 2>/dev/null | sort -u)
	((${#logs[@]})) || return 0
	grep -qE 'RIG-TEST: hostile-|HOSTILE-INFO: hostile-' "${logs[@]}" 2>/dev/null || return 0
	make -s -C "$ROOT/tests/hostile" > "$OUT/hostile-build.log" 2>&1 ||
		say "hostile programs did not build: the report lacks case descriptions"
	note="From make check on $(date -u '+%Y-%m-%d %H:%M UTC'); logs: ${logs[*]#"$ROOT"/}"
	if ! grep -q 'hostile-intree' <<<"$list"; then
		miss="not run in make check"
		note+=" (the in-tree driver runs 55-59 are make check-full only)"
	fi
	if HOSTILE_INTREE_MISSING=$miss HOSTILE_REPORT_NOTE=$note \
		"$ROOT/tests/hostile/report.sh" -o "$ROOT/build/reports/hostile.md" "${logs[@]}" \
		> "$OUT/hostile-report.log" 2>&1; then
		say "$(cat "$OUT/hostile-report.log")"
	else
		result FAIL report/hostile "tests/hostile/report.sh failed, see $OUT/hostile-report.log"
	fi
}

# Each QEMU runs Xen with one vCPU under TCG, so with two host cores two
# boots side by side finish the scenarios in about half the time.
section_rig() {
	local list jobs groups g i=0 pids=()
	if [[ -n ${XENBLK_SKIP_RIG:-} ]]; then
		result SKIP rig "XENBLK_SKIP_RIG is set: no Xen boot, no driver test ran"
		return
	fi
	list=${RIG_SCENARIOS:-$(cd "$ROOT/tests/scenarios" && ls -1 ./*.sh | sed 's|^\./||; s|\.sh$||' | LC_ALL=C sort)}
	if [[ -z ${RIG_SCENARIOS:-} && -z ${XENBLK_FULL:-} ]]; then
		list=$(grep -vxF -f <(grep -v '^#' "$ROOT/tests/scenarios/FULL_ONLY") <<<"$list")
		say "check-full only (not run now): $(grep -v '^#' "$ROOT/tests/scenarios/FULL_ONLY" | tr '\n' ' ')"
	fi
	jobs=${XENBLK_RIG_JOBS:-$(($(nproc) >= 2 ? 2 : 1))}
	# a per-scenario bound, not a duration: the longest scenarios take up to
	# ~600 s when other QEMUs load the host; a timeout is a FAIL.  check-full
	# has longer ones (66-life-exhaust: ~1600 s measured on a loaded host).
	local bound=1200
	[[ -n ${XENBLK_FULL:-} ]] && bound=3000
	export RIG_SCENARIO_TIMEOUT=${RIG_SCENARIO_TIMEOUT:-$bound}
	say "phase: rig prep (Debian packages, debootstrap; cached after the first run)"
	if ! "$ROOT/scripts/rig/prep.sh" > "$OUT/rig-prep.log" 2>&1; then
		tail -n 20 "$OUT/rig-prep.log" | sed 's/^/    /'
		result FAIL rig/prep "rig prep failed, see $OUT/rig-prep.log"
		return
	fi
	mapfile -t groups < <(rig_groups "$jobs" $list)
	say "phase: rig scenarios in ${#groups[@]} parallel boot(s) of Xen 4.17 under QEMU (minutes)"
	rm -f "$OUT"/rig-*.log
	for g in "${groups[@]}"; do
		i=$((i + 1))
		say "  boot $i: $g"
		# each boot its own serial log (the default name has one-second
		# resolution, and two boots started together would share it)
		RIG_LOG=$ROOT/build/rig/logs/serial-check-$i-$(date +%Y%m%d-%H%M%S).log \
			"$ROOT/scripts/rig/run.sh" --no-prep --scenarios "$g" > "$OUT/rig-$i.log" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
	for ((g = 1; g <= i; g++)); do
		grep -E '^\[rig\] (RIG-TEST|NOTICE)|serial log:|total ' "$OUT/rig-$g.log" | sed 's/^/    /'
		rig_verdicts "$OUT/rig-$g.log"
	done
	hostile_report "$list"
}

# build/reports/lifecycle.md from the serial logs of this run's boots
# (tests/lifecycle/report.sh; only when a lifecycle scenario was in the list)
report_lifecycle() {
	local logs want
	grep -q 'life-' "$OUT"/rig-*.log 2>/dev/null || return 0
	mapfile -t logs < <(sed -n 's/.*serial log: //p' "$OUT"/rig-*.log | sort -u)
	((${#logs[@]})) || return 0
	want=$(sed -n 's/^\[rig [0-9:]*\] scenarios: //p' "$OUT"/rig-*.log | tr '\n' ' ')
	say "lifecycle report: $(bash "$ROOT/tests/lifecycle/report.sh" -s "$want" "${logs[@]}") -> build/reports/lifecycle.md"
}

# build/reports/interop.md (tests/interop): from 40-interop-subset's boot in
# make check; check-full then runs the whole matrix, one boot per kernel
# generation (scripts/interop/run.sh), and its cells become results too.
report_interop() {
	local logs l
	if grep -q 'interop/' "$OUT"/rig-*.log 2>/dev/null; then
		mapfile -t logs < <(grep -l 'interop/' "$OUT"/rig-*.log | xargs sed -n 's/.*serial log: //p' | sort -u)
		((${#logs[@]})) && say "interop report (subset): $("$ROOT/scripts/interop/report.sh" \
			-t "Interoperability matrix (make check subset)" "${logs[@]}" 2>&1 | tail -n 2 | head -n 1) -> build/reports/interop.md"
	fi
	[[ -n ${XENBLK_FULL:-} && -z ${RIG_SCENARIOS:-} && -z ${XENBLK_SKIP_RIG:-} ]] || return 0
	say "phase: interop matrix, all pairs x cases x kernel generations (scripts/interop/run.sh, hours under TCG)"
	"$ROOT/scripts/interop/run.sh" >"$OUT/interop.log" 2>&1
	for l in $(sed -n 's/^run log: //p' "$OUT/interop.log"); do rig_verdicts "$l"; done
	say "interop report (full): $(tail -n 3 "$OUT/interop.log" | grep -m1 passed) -> build/reports/interop.md"
}

KDIR=${KDIR:-}
if section_deps; then
	[[ -n $KDIR ]] || KDIR=$("$ROOT/scripts/rig-kdir.sh")
	section_unit
	section_fuzz
	section_guard
	built=1
	section_build || built=0
	section_checkpatch
	[[ -n ${XENBLK_FULL:-} ]] && section_matrix
	if ((built)); then
		section_rig
		report_lifecycle
		report_interop
	else
		result FAIL rig "not run: our modules did not build"
	fi
fi

pass=$(grep -c '^PASS ' "$RES")
fail=$(grep -c '^FAIL ' "$RES")
skip=$(grep -c '^SKIP ' "$RES")
say "done in $((SECONDS - T0)) s; results in $RES"
if ((fail)); then
	echo "Failed:"
	grep '^FAIL ' "$RES" | sed 's/^FAIL /  /'
fi
if ((skip)); then
	echo "Skipped (not counted as passed):"
	grep '^SKIP ' "$RES" | sed 's/^SKIP /  /'
fi
echo "$pass passed, $fail failed, $skip skipped"
((fail == 0 && pass > 0))
