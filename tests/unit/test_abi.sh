#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# TAP: xenblk's blkif.h against Xen's public io/blkif.h (libxen-dev), field by
# field, for the x86_64 and the x86_32 ABI, plus constants and ring sizes.
# Xen's side is read at compile time (abi_xen.c); ours runs natively and
# prints either ABI (its header defines both).
# Usage: test_abi.sh BUILD_DIR (holding abi_ours, abi_xen64.txt, abi_xen32.txt)
B=$1
echo "1..2"
n=0
for abi in 64 32; do
	n=$((n + 1))
	if [[ ! -s $B/abi_xen$abi.txt ]]; then
		echo "not ok $n - x86_$abi layout matches Xen's header: abi_xen$abi.txt was not built"
		continue
	fi
	if diff -u "$B/abi_xen$abi.txt" <("$B/abi_ours" "$abi") > "$B/abi$abi.diff"; then
		echo "ok $n - x86_$abi layout matches Xen's header ($(wc -l < <("$B/abi_ours" "$abi")) items)"
	else
		sed 's/^/# /' "$B/abi$abi.diff"
		echo "not ok $n - x86_$abi layout matches Xen's header"
	fi
done
