// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the backend's view of a hostile frontend.
 *
 * Input: byte 0 picks the ABI and the VBD limits, the next 112 bytes are
 * the ring slot, the rest is the content of indirect pages.  Runs the same
 * decode + check sequence as xen-blkback and asserts the invariants the
 * backend relies on afterwards.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <xenblk/blkif_proto.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void limits_from(uint8_t sel, struct xenblk_vbd_limits *l)
{
	static const u32 lbs[4] = { 512, 1024, 2048, 4096 };
	static const u32 ind[4] = { 0, 32, 256, 4096 };

	memset(l, 0, sizeof(*l));
	l->capacity = (sel & 0x80) ? 8 : 2097152;
	l->logical_block_size = lbs[(sel >> 1) & 3];
	l->max_indirect_segments = ind[(sel >> 3) & 3];
	l->readonly = sel & 0x20;
	l->flush = l->barrier = l->discard = l->discard_secure = sel & 0x40;
}

static void check_indirect(const struct xenblk_req *req,
			   const struct xenblk_vbd_limits *l,
			   const uint8_t *pages, size_t len)
{
	struct blkif_request_segment *seg;
	size_t bytes = (size_t)req->nr_segments * sizeof(*seg);
	u64 sectors = 0;

	assert(req->nr_segments >= 1);
	assert(req->nr_segments <= l->max_indirect_segments);
	assert(req->nr_indirect_pages == xenblk_indirect_pages(req->nr_segments));
	assert(req->nr_indirect_pages <= BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);
	seg = calloc(req->nr_segments, sizeof(*seg));
	assert(seg);
	memcpy(seg, pages, len < bytes ? len : bytes);
	if (!xenblk_check_segments(seg, req->nr_segments,
				   l->logical_block_size, &sectors) &&
	    !xenblk_check_range(req->sector_number, sectors, l)) {
		assert(sectors <= (u64)req->nr_segments * XENBLK_SECTS_PER_PAGE);
		assert(req->sector_number <= l->capacity);
		assert(sectors <= l->capacity - req->sector_number);
	}
	free(seg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t slot[XENBLK_MAX_SLOT_SIZE] = { 0 };
	uint8_t rsp[XENBLK_MAX_SLOT_SIZE];
	struct xenblk_vbd_limits l;
	struct xenblk_req req;
	enum xenblk_abi abi;
	size_t n;

	if (size < 1)
		return 0;
	limits_from(data[0], &l);
	abi = (data[0] & 1) ? XENBLK_ABI_X86_32 : XENBLK_ABI_X86_64;
	n = size - 1 < sizeof(slot) ? size - 1 : sizeof(slot);
	memcpy(slot, data + 1, n);
	xenblk_decode_request(slot, abi, &req);
	/* answering is always possible, and writes only the three fields */
	memset(rsp, 0xcc, sizeof(rsp));
	xenblk_encode_response(rsp, abi, req.id, req.operation, BLKIF_RSP_ERROR);
	assert(rsp[9] == 0xcc);
	if (xenblk_check_request(&req, &l))
		return 0;
	assert(!(l.readonly && (req.data_op == BLKIF_OP_WRITE ||
				req.operation == BLKIF_OP_DISCARD)));
	if (req.indirect)
		check_indirect(&req, &l, data + 1 + n, size - 1 - n);
	else if (req.operation == BLKIF_OP_DISCARD)
		assert(req.sector_number <= l.capacity &&
		       req.nr_sectors <= l.capacity - req.sector_number);
	else
		assert(req.nr_segments <= BLKIF_MAX_SEGMENTS_PER_REQUEST);
	return 0;
}
