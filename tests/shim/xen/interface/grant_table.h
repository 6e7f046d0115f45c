/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for the kernel's <xen/interface/grant_table.h>. */
#ifndef XENBLK_SHIM_GRANT_TABLE_H
#define XENBLK_SHIM_GRANT_TABLE_H
#include <stdint.h>
typedef uint32_t grant_ref_t;
#endif
