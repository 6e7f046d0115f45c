/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for the kernel's <xen/interface/io/ring.h>: the ring
 * macros come from Xen's public header (libxen-dev).
 */
#ifndef XENBLK_SHIM_RING_H
#define XENBLK_SHIM_RING_H
#include <stdint.h>
#include <xen/io/ring.h>

/* The kernel spells these attributes through linux/compiler_attributes.h. */
#define __packed		__attribute__((__packed__))
#define __aligned(x)	__attribute__((__aligned__(x)))
#endif
