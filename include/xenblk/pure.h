/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types and helpers that let the pure protocol code (common/blkif_proto.c)
 * compile both inside the kernel modules and in userspace, where the unit
 * tests and fuzzers run the very same source.
 */
#ifndef XENBLK_PURE_H
#define XENBLK_PURE_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int16_t s16;
typedef int32_t s32;
#endif

#endif /* XENBLK_PURE_H */
