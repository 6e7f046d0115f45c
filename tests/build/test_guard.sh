#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# TAP: our blkif.h must win over the kernel's, and the guard must break a
# build whose include order lets the kernel's copy win.
# Usage: test_guard.sh KDIR WORKDIR
set -u
KDIR=$1
W=$2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
echo "1..2"
mk() {  # dir, kbuild line
	rm -rf "$1"; mkdir -p "$1"
	cat > "$1/guard.c" <<'C'
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <xenblk/blkif_guard.h>
MODULE_LICENSE("GPL");
C
	printf 'obj-m += guard.o\n%s\n' "$2" > "$1/Kbuild"
	make -C "$KDIR" M="$1" guard.o > "$1/log" 2>&1
}
if mk "$W/good" "NOSTDINC_FLAGS += -I$ROOT/include"; then
	echo "ok 1 - NOSTDINC_FLAGS order picks xenblk's blkif.h"
else
	sed 's/^/# /' "$W/good/log" | tail -n 15
	echo "not ok 1 - NOSTDINC_FLAGS order picks xenblk's blkif.h"
fi
if mk "$W/bad" "ccflags-y += -I$ROOT/include"; then
	echo "not ok 2 - guard breaks a build that picked the kernel's blkif.h (it compiled)"
elif grep -q "the kernel's xen/interface/io/blkif.h was picked" "$W/bad/log"; then
	echo "ok 2 - guard breaks a build that picked the kernel's blkif.h"
else
	sed 's/^/# /' "$W/bad/log" | tail -n 15
	echo "not ok 2 - guard breaks a build that picked the kernel's blkif.h (failed for another reason)"
fi
