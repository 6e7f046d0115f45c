#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# probe-table.sh [SUITE...]: run scripts/probe-kernel.sh with the current
# compat/probes/ inside each cached build-matrix chroot (made by
# scripts/build-matrix.sh) and print a Markdown table probe x kernel ->
# present/absent.  Needs root (chroot); runs nothing else.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${XENBLK_CACHE:-$ROOT/build/matrix}
suites=("$@")
[[ ${#suites[@]} -gt 0 ]] || suites=(${XENBLK_MATRIX_SUITES:-bookworm trixie sid})
mounted=()
trap 'for m in "${mounted[@]}"; do umount "$m" || umount -l "$m"; done' EXIT

krels=()
declare -A res
for s in "${suites[@]}"; do
	c=$CACHE/chroots/$s
	[[ -f $c/.xenblk-debootstrap ]] || { echo "no chroot for $s (run make check-build)" >&2; exit 1; }
	kd=$(ls -d "$c"/usr/src/linux-headers-*-amd64 | sort -V | tail -n 1)
	krel=${kd##*/linux-headers-}
	krels+=("$krel")
	if ! mountpoint -q "$c/proc"; then
		mount -t proc proc "$c/proc"
		mounted+=("$c/proc")
	fi
	rm -rf "$c/work/probe-table"
	mkdir -p "$c/work/probe-table/compat" "$c/work/probe-table/out"
	cp -a "$ROOT/compat/probes" "$c/work/probe-table/compat/"
	cp -a "$ROOT/include" "$ROOT/scripts" "$c/work/probe-table/"
	chroot "$c" nice -n 10 /work/probe-table/scripts/probe-kernel.sh \
		"/usr/src/linux-headers-$krel" /work/probe-table/out /work/probe-table >&2
	h=$c/work/probe-table/out/xenblk_compat.h
	for p in "$ROOT"/compat/probes/have_*.c; do
		m=$(basename "$p" .c | tr '[:lower:]' '[:upper:]')
		if grep -q "^#define $m 1" "$h"; then
			res[$m,$krel]=present
		else
			res[$m,$krel]=absent
		fi
	done
done

printf '| probe | what, since |'
for k in "${krels[@]}"; do printf ' %s |' "$k"; done
printf '\n|---|---|'
for k in "${krels[@]}"; do printf -- '---|'; done
printf '\n'
for p in "$ROOT"/compat/probes/have_*.c; do
	m=$(basename "$p" .c | tr '[:lower:]' '[:upper:]')
	what=$(head -n 1 "$p" | sed -e 's|^/\* *||' -e 's| *\*/$||' -e "s|^$m: *||" -e 's/|/\\|/g')
	printf '| %s | %s |' "$m" "$what"
	for k in "${krels[@]}"; do printf ' %s |' "${res[$m,$k]}"; done
	printf '\n'
done
