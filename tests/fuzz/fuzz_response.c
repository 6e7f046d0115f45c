// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the frontend's view of a hostile backend.
 *
 * Input: 4 ring indexes, a table of sent operations, then response slots.
 * Runs the same checks as xen-blkfront and asserts that an accepted
 * response always names an outstanding request of the right operation.
 */
#include <assert.h>
#include <stdint.h>
#include <xenblk/blkif_proto.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NR_IDS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u8 sent[NR_IDS];
	u32 idx[3];
	size_t off = sizeof(idx) + NR_IDS;

	if (size < off)
		return 0;
	memcpy(idx, data, sizeof(idx));
	memcpy(sent, data + sizeof(idx), NR_IDS);
	if (xenblk_rsp_prod_ok(idx[0], idx[1], idx[2], 32)) {
		assert((u32)(idx[2] - idx[1]) <= 32);
		assert((u32)(idx[0] - idx[1]) <= (u32)(idx[2] - idx[1]));
	}
	for (; off + 16 <= size; off += 16) {
		struct xenblk_rsp rsp;
		int err;

		xenblk_decode_response(data + off, &rsp);
		err = xenblk_check_response(&rsp, NR_IDS, sent);
		if (err && err != -XENBLK_R_BAD_STATUS)
			continue;
		assert(rsp.id < NR_IDS);
		assert(sent[rsp.id] != XENBLK_ID_FREE);
		assert(rsp.operation == sent[rsp.id] ||
		       sent[rsp.id] == BLKIF_OP_INDIRECT);
		if (!err)
			assert(rsp.status >= -2 && rsp.status <= 0);
		/* the frontend then frees the id: a duplicate must be refused */
		sent[rsp.id] = XENBLK_ID_FREE;
		assert(xenblk_check_response(&rsp, NR_IDS, sent) ==
		       -XENBLK_R_NOT_OUTSTANDING);
	}
	return 0;
}
