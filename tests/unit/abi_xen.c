// SPDX-License-Identifier: GPL-2.0
/*
 * Prints the blkif layout as Xen's public header (libxen-dev) defines it
 * for the ABI this file is compiled for (-m32 or -m64).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <xen/io/blkif.h>

#define REQ_T struct blkif_request
#define DISCARD_T struct blkif_request_discard
#define INDIRECT_T struct blkif_request_indirect
#define RSP_T struct blkif_response
#define F(tag, type, field) \
	printf(#tag "." #field " offset %zu size %zu\n", offsetof(type, field), \
	       sizeof(((type *)0)->field))
#define Z(tag, type) printf(#tag " size %zu\n", sizeof(type))
#define C(name) printf("const " #name " %ld\n", (long)(name))

int main(void)
{
	unsigned int pages;

#include "abi_fields.inc"
#include "abi_consts.inc"
	for (pages = 1; pages <= 16; pages *= 2)
		printf("ring %u pages %u slots\n", pages,
		       (unsigned int)__CONST_RING_SIZE(blkif, 4096 * pages));
	return 0;
}
