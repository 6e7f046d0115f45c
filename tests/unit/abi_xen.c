// SPDX-License-Identifier: GPL-2.0
/*
 * The blkif layout as Xen's public header (libxen-dev) defines it, for the
 * ABI this file is compiled for (-m32 or -m64). Nothing here runs: compiled
 * with -S, every item becomes an "@ABI ..." line of the assembler output
 * (the numbers are constants the compiler writes in), so the x86_32 layout
 * is read on a kernel that cannot execute 32-bit programs too.
 */
#include <stddef.h>
#include <stdint.h>
#include <xen/io/blkif.h>

#define REQ_T struct blkif_request
#define DISCARD_T struct blkif_request_discard
#define INDIRECT_T struct blkif_request_indirect
#define RSP_T struct blkif_response
#define F(tag, type, field) \
	__asm__ volatile("\n@ABI " #tag "." #field " offset %c0 size %c1" \
			 : : "i"(offsetof(type, field)), \
			     "i"(sizeof(((type *)0)->field)))
#define Z(tag, type) \
	__asm__ volatile("\n@ABI " #tag " size %c0" : : "i"(sizeof(type)))
#define C(name) \
	__asm__ volatile("\n@ABI const " #name " %c0" : : "i"((long)(name)))
#define R(pages) \
	__asm__ volatile("\n@ABI ring " #pages " pages %c0 slots" \
			 : : "i"((unsigned int)__CONST_RING_SIZE(blkif, \
								  4096 * (pages))))

void abi_items(void);
void abi_items(void)
{
#include "abi_fields.inc"
#include "abi_consts.inc"
	R(1);
	R(2);
	R(4);
	R(8);
	R(16);
}
