// SPDX-License-Identifier: GPL-2.0
/*
 * Prints the blkif layout as xenblk's header defines it for one ABI
 * (argument "32" or "64"), in the same format as abi_xen.c.  The ring slot
 * counts come from xenblk_ring_slots(), the function the drivers use.
 */
#include <stdio.h>
#include <string.h>
#include <xenblk/blkif_proto.h>

#define F(tag, type, field) \
	printf(#tag "." #field " offset %zu size %zu\n", \
	       (size_t)__builtin_offsetof(type, field), sizeof(((type *)0)->field))
#define Z(tag, type) printf(#tag " size %zu\n", sizeof(type))
#define C(name) printf("const " #name " %ld\n", (long)(name))

static void print32(void)
{
#define REQ_T struct blkif_x86_32_request
#define DISCARD_T struct blkif_x86_32_request_discard
#define INDIRECT_T struct blkif_x86_32_request_indirect
#define RSP_T struct blkif_x86_32_response
#include "abi_fields.inc"
#undef REQ_T
#undef DISCARD_T
#undef INDIRECT_T
#undef RSP_T
}

static void print64(void)
{
#define REQ_T struct blkif_x86_64_request
#define DISCARD_T struct blkif_x86_64_request_discard
#define INDIRECT_T struct blkif_x86_64_request_indirect
#define RSP_T struct blkif_x86_64_response
#include "abi_fields.inc"
}

int main(int argc, char **argv)
{
	enum xenblk_abi abi = XENBLK_ABI_X86_64;
	unsigned int pages;

	if (argc > 1 && !strcmp(argv[1], "32")) {
		abi = XENBLK_ABI_X86_32;
		print32();
	} else {
		print64();
	}
#include "abi_consts.inc"
	for (pages = 1; pages <= 16; pages *= 2)
		printf("ring %u pages %u slots\n", pages,
		       xenblk_ring_slots(xenblk_abi_slot_size(abi), pages));
	return 0;
}
