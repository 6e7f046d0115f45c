/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Include this instead of <xen/interface/io/blkif.h> in module code: it
 * breaks the build when the kernel's copy of the header shadowed ours
 * (include order wrong, see Kbuild.include).
 */
#ifndef XENBLK_BLKIF_GUARD_H
#define XENBLK_BLKIF_GUARD_H

#include <xen/interface/io/blkif.h>

#ifndef XENBLK_OWN_BLKIF_H
#error "xenblk: the kernel's xen/interface/io/blkif.h was picked instead of include/xen/interface/io/blkif.h; put -I<xenblk>/include in NOSTDINC_FLAGS"
#endif

#endif /* XENBLK_BLKIF_GUARD_H */
