// SPDX-License-Identifier: GPL-2.0
/*
 * Pure blkif protocol logic: decoding and validation of requests and
 * responses, ring index sanity, segment arithmetic and negotiation.
 *
 * Compiled into both modules (through each module's proto.c) and into the
 * userspace unit tests and fuzzers.  See include/xenblk/blkif_proto.h.
 */
#include <xenblk/blkif_proto.h>

#define XENBLK_MIN(a, b)	((a) < (b) ? (a) : (b))

/*
 * Where the fields of each request form sit in one ABI.  Decoding through
 * offsets keeps one decoder for both ABIs; the offsets come from the pinned
 * structs in blkif.h.
 */
struct xenblk_layout {
	unsigned int slot_size;
	unsigned int rw_id, rw_sector, rw_seg;
	unsigned int dc_id, dc_sector, dc_nr;
	unsigned int in_id, in_sector, in_handle, in_grefs;
	unsigned int rsp_op, rsp_status;
};

#define XENBLK_OFF(type, field)	((unsigned int)__builtin_offsetof(type, field))
#define XENBLK_LAYOUT(abi) {						\
	.slot_size = sizeof(union blkif_##abi##_sring_entry),		\
	.rw_id = XENBLK_OFF(struct blkif_##abi##_request, id),		\
	.rw_sector = XENBLK_OFF(struct blkif_##abi##_request, sector_number), \
	.rw_seg = XENBLK_OFF(struct blkif_##abi##_request, seg),	\
	.dc_id = XENBLK_OFF(struct blkif_##abi##_request_discard, id),	\
	.dc_sector = XENBLK_OFF(struct blkif_##abi##_request_discard,	\
				sector_number),				\
	.dc_nr = XENBLK_OFF(struct blkif_##abi##_request_discard, nr_sectors), \
	.in_id = XENBLK_OFF(struct blkif_##abi##_request_indirect, id),	\
	.in_sector = XENBLK_OFF(struct blkif_##abi##_request_indirect,	\
				sector_number),				\
	.in_handle = XENBLK_OFF(struct blkif_##abi##_request_indirect, handle), \
	.in_grefs = XENBLK_OFF(struct blkif_##abi##_request_indirect,	\
			       indirect_grefs),				\
	.rsp_op = XENBLK_OFF(struct blkif_##abi##_response, operation),	\
	.rsp_status = XENBLK_OFF(struct blkif_##abi##_response, status), \
}

static const struct xenblk_layout xenblk_layout_32 = XENBLK_LAYOUT(x86_32);
static const struct xenblk_layout xenblk_layout_64 = XENBLK_LAYOUT(x86_64);

static const struct xenblk_layout *xenblk_layout(enum xenblk_abi abi)
{
	return abi == XENBLK_ABI_X86_32 ? &xenblk_layout_32 : &xenblk_layout_64;
}

static const char * const xenblk_reason_str[XENBLK_R_NR] = {
	[XENBLK_R_OK] = "ok",
	[XENBLK_R_BAD_OP] = "unsupported operation",
	[XENBLK_R_BAD_NSEG] = "bad segment count",
	[XENBLK_R_BAD_SEG] = "bad segment sectors",
	[XENBLK_R_UNALIGNED] = "not aligned to the logical block size",
	[XENBLK_R_PAST_END] = "beyond the end of the device",
	[XENBLK_R_READONLY] = "write to a read-only device",
	[XENBLK_R_BAD_HANDLE] = "wrong device handle",
	[XENBLK_R_BAD_ID] = "response id out of range",
	[XENBLK_R_NOT_OUTSTANDING] = "response for an idle id",
	[XENBLK_R_OP_MISMATCH] = "response operation does not match",
	[XENBLK_R_BAD_STATUS] = "response status out of range",
};

/**
 * xenblk_err_str() - words for a value returned by the check functions
 * @err: 0 or a negated enum xenblk_reason
 *
 * Return: a static string, never NULL.
 */
const char *xenblk_err_str(int err)
{
	unsigned int r = err < 0 ? (unsigned int)-err : (unsigned int)err;

	return r < XENBLK_R_NR ? xenblk_reason_str[r] : "unknown error";
}

/**
 * xenblk_abi_from_protocol() - map the frontend's "protocol" key to an ABI
 * @protocol: the key's value, or NULL/"" when the key is absent
 * @abi: result
 *
 * An absent key means the backend's native ABI (x86_64 layout on the
 * 64-bit kernels this project builds for).
 *
 * Return: 0, or -EINVAL for an unknown protocol.
 */
int xenblk_abi_from_protocol(const char *protocol, enum xenblk_abi *abi)
{
	if (!protocol || !protocol[0] || !strcmp(protocol, XENBLK_PROTO_X86_64))
		*abi = XENBLK_ABI_X86_64;
	else if (!strcmp(protocol, XENBLK_PROTO_X86_32))
		*abi = XENBLK_ABI_X86_32;
	else
		return -EINVAL;
	return 0;
}

/**
 * xenblk_abi_slot_size() - bytes of one ring slot in an ABI
 * @abi: the ring's ABI
 *
 * Return: 108 for x86_32, 112 for x86_64.
 */
unsigned int xenblk_abi_slot_size(enum xenblk_abi abi)
{
	return xenblk_layout(abi)->slot_size;
}

/**
 * xenblk_ring_slots() - requests a shared ring of @nr_pages pages holds
 * @slot_size: bytes per slot
 * @nr_pages: 4 KiB pages of the ring
 *
 * The slot count is the largest power of two that fits after the ring
 * header, as the ring macros require.
 *
 * Return: the slot count, 0 if nothing fits.
 */
unsigned int xenblk_ring_slots(unsigned int slot_size, unsigned int nr_pages)
{
	unsigned long bytes = (unsigned long)nr_pages * XENBLK_XEN_PAGE_SIZE;
	unsigned int fit, pow = 1;

	if (!slot_size || bytes <= XENBLK_SRING_HEADER_SIZE)
		return 0;
	fit = (bytes - XENBLK_SRING_HEADER_SIZE) / slot_size;
	if (!fit)
		return 0;
	while (pow <= fit / 2)
		pow *= 2;
	return pow;
}

static u64 xenblk_get64(const u8 *p, unsigned int off)
{
	u64 v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static u16 xenblk_get16(const u8 *p, unsigned int off)
{
	u16 v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static void xenblk_decode_indirect(const u8 *p, const struct xenblk_layout *l,
				   struct xenblk_req *req)
{
	unsigned int n;

	req->indirect = true;
	req->data_op = p[1];
	req->nr_segments = xenblk_get16(p, 2);
	req->id = xenblk_get64(p, l->in_id);
	req->sector_number = xenblk_get64(p, l->in_sector);
	req->handle = xenblk_get16(p, l->in_handle);
	n = xenblk_indirect_pages(req->nr_segments);
	req->nr_indirect_pages = XENBLK_MIN(n, BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);
	memcpy(req->indirect_grefs, p + l->in_grefs,
	       req->nr_indirect_pages * sizeof(grant_ref_t));
}

/**
 * xenblk_decode_request() - decode a private copy of one request slot
 * @slot: the copy (xenblk_abi_slot_size() bytes); never the shared ring
 * @abi: the ring's ABI
 * @req: result; fully initialised, whatever the slot holds
 *
 * Only decodes: xenblk_check_request() decides whether it is acceptable.
 * The id is always decoded, so that any request can be answered.
 *
 * Return: 0.
 */
int xenblk_decode_request(const void *slot, enum xenblk_abi abi,
			  struct xenblk_req *req)
{
	const struct xenblk_layout *l = xenblk_layout(abi);
	const u8 *p = slot;

	memset(req, 0, sizeof(*req));
	req->operation = p[0];
	req->data_op = p[0];
	req->handle = xenblk_get16(p, 2);
	switch (req->operation) {
	case BLKIF_OP_INDIRECT:
		xenblk_decode_indirect(p, l, req);
		break;
	case BLKIF_OP_DISCARD:
		req->discard_flags = p[1];
		req->id = xenblk_get64(p, l->dc_id);
		req->sector_number = xenblk_get64(p, l->dc_sector);
		req->nr_sectors = xenblk_get64(p, l->dc_nr);
		break;
	default:
		req->nr_segments = p[1];
		req->id = xenblk_get64(p, l->rw_id);
		req->sector_number = xenblk_get64(p, l->rw_sector);
		memcpy(req->seg, p + l->rw_seg,
		       XENBLK_MIN(req->nr_segments, BLKIF_MAX_SEGMENTS_PER_REQUEST) *
		       sizeof(req->seg[0]));
		break;
	}
	return 0;
}

/**
 * xenblk_indirect_pages() - indirect pages needed for @nr_segments segments
 * @nr_segments: segment count of an indirect request
 *
 * Return: ceil(nr_segments / segments per page).
 */
unsigned int xenblk_indirect_pages(unsigned int nr_segments)
{
	return (nr_segments + XENBLK_SEGS_PER_INDIRECT_PAGE - 1) /
	       XENBLK_SEGS_PER_INDIRECT_PAGE;
}

static unsigned int xenblk_lbs_sectors(u32 logical_block_size)
{
	unsigned int s = logical_block_size >> XENBLK_SECT_SHIFT;

	return s ? s : 1;
}

/**
 * xenblk_check_segments() - validate segment descriptors and count sectors
 * @seg: private copy of the descriptors
 * @nr: number of descriptors
 * @logical_block_size: the device's logical block size in bytes
 * @nr_sectors: total 512-byte sectors, set on success
 *
 * Each segment must stay inside its 4 KiB page (first_sect <= last_sect <=
 * 7) and cover whole logical blocks.
 *
 * Return: 0, -XENBLK_R_BAD_SEG or -XENBLK_R_UNALIGNED.
 */
int xenblk_check_segments(const struct blkif_request_segment *seg,
			  unsigned int nr, u32 logical_block_size,
			  u64 *nr_sectors)
{
	unsigned int spb = xenblk_lbs_sectors(logical_block_size);
	u64 total = 0;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		unsigned int first = seg[i].first_sect, last = seg[i].last_sect;

		if (first > last || last >= XENBLK_SECTS_PER_PAGE)
			return -XENBLK_R_BAD_SEG;
		if (first % spb || (last + 1) % spb)
			return -XENBLK_R_UNALIGNED;
		total += last - first + 1;
	}
	*nr_sectors = total;
	return 0;
}

/**
 * xenblk_check_range() - validate a sector range against the device
 * @sector: first 512-byte sector
 * @nr_sectors: length in 512-byte sectors
 * @lim: the connection's limits
 *
 * Return: 0, -XENBLK_R_PAST_END or -XENBLK_R_UNALIGNED.
 */
int xenblk_check_range(u64 sector, u64 nr_sectors,
		       const struct xenblk_vbd_limits *lim)
{
	unsigned int spb = xenblk_lbs_sectors(lim->logical_block_size);

	if (sector > lim->capacity || nr_sectors > lim->capacity - sector)
		return -XENBLK_R_PAST_END;
	if (sector % spb || nr_sectors % spb)
		return -XENBLK_R_UNALIGNED;
	return 0;
}

static bool xenblk_is_write(const struct xenblk_req *req)
{
	switch (req->data_op) {
	case BLKIF_OP_WRITE:
	case BLKIF_OP_WRITE_BARRIER:
	case BLKIF_OP_DISCARD:
		return true;
	case BLKIF_OP_FLUSH_DISKCACHE:
		return req->nr_segments > 0;
	default:
		return false;
	}
}

/* Is the operation known and negotiated?  Segment counts come later. */
static bool xenblk_op_allowed(const struct xenblk_req *req,
			      const struct xenblk_vbd_limits *lim)
{
	switch (req->operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		return true;
	case BLKIF_OP_WRITE_BARRIER:
		return lim->barrier;
	case BLKIF_OP_FLUSH_DISKCACHE:
		return lim->flush;
	case BLKIF_OP_DISCARD:
		return lim->discard;
	case BLKIF_OP_INDIRECT:
		return lim->max_indirect_segments &&
		       (req->data_op == BLKIF_OP_READ ||
			req->data_op == BLKIF_OP_WRITE);
	default:
		return false;
	}
}

static int xenblk_check_nseg(const struct xenblk_req *req,
			     const struct xenblk_vbd_limits *lim)
{
	unsigned int min = 1, max = BLKIF_MAX_SEGMENTS_PER_REQUEST;

	switch (req->operation) {
	case BLKIF_OP_DISCARD:
		return 0;
	case BLKIF_OP_WRITE_BARRIER:
	case BLKIF_OP_FLUSH_DISKCACHE:
		min = 0;
		break;
	case BLKIF_OP_INDIRECT:
		max = XENBLK_MIN(lim->max_indirect_segments,
				 XENBLK_MAX_INDIRECT_SEGMENTS);
		break;
	}
	if (req->nr_segments < min || req->nr_segments > max)
		return -XENBLK_R_BAD_NSEG;
	return 0;
}

/**
 * xenblk_check_request() - validate a decoded request against the VBD
 * @req: from xenblk_decode_request()
 * @lim: the connection's limits
 *
 * Checks the operation, the segment count, the direct segments and their
 * sector range, discard ranges and the read-only flag.  The segments of an
 * indirect request live in the indirect pages: the caller copies them and
 * checks them with xenblk_check_segments() and xenblk_check_range().
 *
 * Return: 0 or a negated enum xenblk_reason.
 */
int xenblk_check_request(const struct xenblk_req *req,
			 const struct xenblk_vbd_limits *lim)
{
	u64 sectors;
	int err;

	if (!xenblk_op_allowed(req, lim))
		return -XENBLK_R_BAD_OP;
	if (lim->check_handle && req->handle != lim->handle)
		return -XENBLK_R_BAD_HANDLE;
	err = xenblk_check_nseg(req, lim);
	if (err)
		return err;
	if (lim->readonly && xenblk_is_write(req))
		return -XENBLK_R_READONLY;
	if (req->operation == BLKIF_OP_DISCARD)
		return xenblk_check_range(req->sector_number, req->nr_sectors, lim);
	if (req->indirect || !req->nr_segments)
		return 0;
	err = xenblk_check_segments(req->seg, req->nr_segments,
				    lim->logical_block_size, &sectors);
	if (err)
		return err;
	return xenblk_check_range(req->sector_number, sectors, lim);
}

/**
 * xenblk_req_prod_ok() - is the frontend's req_prod believable?
 * @req_prod: the producer index read (once) from the shared ring
 * @rsp_prod_pvt: the backend's private response producer
 * @ring_size: slots in the ring
 *
 * A frontend can have at most @ring_size requests without a response.
 *
 * Return: false when the index runs past the ring.
 */
bool xenblk_req_prod_ok(u32 req_prod, u32 rsp_prod_pvt, u32 ring_size)
{
	return (u32)(req_prod - rsp_prod_pvt) <= ring_size;
}

/**
 * xenblk_encode_response() - write a response into a ring slot
 * @slot: the slot in the shared ring
 * @abi: the ring's ABI
 * @id: the request's cookie
 * @operation: the request's wire operation
 * @status: BLKIF_RSP_*
 *
 * Writes the three fields one by one, so no padding (and nothing of the
 * backend's stack) ever reaches the frontend.
 */
void xenblk_encode_response(void *slot, enum xenblk_abi abi, u64 id,
			    u8 operation, s16 status)
{
	const struct xenblk_layout *l = xenblk_layout(abi);
	u8 *p = slot;

	memcpy(p, &id, sizeof(id));
	memcpy(p + l->rsp_op, &operation, sizeof(operation));
	memcpy(p + l->rsp_status, &status, sizeof(status));
}

/**
 * xenblk_decode_response() - decode a private copy of a native response
 * @slot: the copy of the slot; never the shared ring
 * @rsp: result
 */
void xenblk_decode_response(const void *slot, struct xenblk_rsp *rsp)
{
	const u8 *p = slot;

	memcpy(&rsp->id, p + __builtin_offsetof(struct blkif_response, id),
	       sizeof(rsp->id));
	rsp->operation = p[__builtin_offsetof(struct blkif_response, operation)];
	memcpy(&rsp->status,
	       p + __builtin_offsetof(struct blkif_response, status),
	       sizeof(rsp->status));
}

/**
 * xenblk_check_response() - validate a response against what was sent
 * @rsp: from xenblk_decode_response()
 * @nr_ids: size of the frontend's id table
 * @sent_ops: per id, the wire operation sent, or XENBLK_ID_FREE
 *
 * For an indirect request the backend may echo BLKIF_OP_INDIRECT or the
 * indirect operation; both are accepted.
 *
 * Return: 0, -XENBLK_R_BAD_ID, -XENBLK_R_NOT_OUTSTANDING,
 * -XENBLK_R_OP_MISMATCH or -XENBLK_R_BAD_STATUS (the last one names a
 * request that exists: the caller may fail just that request).
 */
int xenblk_check_response(const struct xenblk_rsp *rsp, unsigned int nr_ids,
			  const u8 *sent_ops)
{
	u8 sent;

	if (rsp->id >= nr_ids)
		return -XENBLK_R_BAD_ID;
	sent = sent_ops[rsp->id];
	if (sent == XENBLK_ID_FREE)
		return -XENBLK_R_NOT_OUTSTANDING;
	if (rsp->operation != sent &&
	    !(sent == BLKIF_OP_INDIRECT && (rsp->operation == BLKIF_OP_READ ||
					    rsp->operation == BLKIF_OP_WRITE)))
		return -XENBLK_R_OP_MISMATCH;
	if (rsp->status != BLKIF_RSP_OKAY && rsp->status != BLKIF_RSP_ERROR &&
	    rsp->status != BLKIF_RSP_EOPNOTSUPP)
		return -XENBLK_R_BAD_STATUS;
	return 0;
}

/**
 * xenblk_rsp_prod_ok() - is the backend's rsp_prod believable?
 * @rsp_prod: the producer index read (once) from the shared ring
 * @rsp_cons: the frontend's consumer index
 * @req_prod_pvt: the frontend's private request producer
 * @ring_size: slots in the ring
 *
 * The backend cannot answer more requests than were sent.
 *
 * Return: false when the index runs past the outstanding requests.
 */
bool xenblk_rsp_prod_ok(u32 rsp_prod, u32 rsp_cons, u32 req_prod_pvt,
			u32 ring_size)
{
	u32 outstanding = req_prod_pvt - rsp_cons;

	return outstanding <= ring_size && (u32)(rsp_prod - rsp_cons) <= outstanding;
}

/**
 * xenblk_seg_from_bytes() - describe a byte range of a 4 KiB page
 * @offset: byte offset in the page
 * @len: bytes
 * @seg: first_sect/last_sect set on success (gref untouched)
 *
 * Return: 0, or -EINVAL when the range is empty, not 512-byte aligned or
 * leaves the page.
 */
int xenblk_seg_from_bytes(unsigned int offset, unsigned int len,
			  struct blkif_request_segment *seg)
{
	if (!len || offset % XENBLK_SECT_SIZE || len % XENBLK_SECT_SIZE ||
	    offset >= XENBLK_XEN_PAGE_SIZE || len > XENBLK_XEN_PAGE_SIZE - offset)
		return -EINVAL;
	seg->first_sect = offset >> XENBLK_SECT_SHIFT;
	seg->last_sect = (offset + len - 1) >> XENBLK_SECT_SHIFT;
	return 0;
}

/**
 * xenblk_nego_queues() - rings a frontend should use
 * @vcpus: the guest's online vCPUs
 * @backend_max: the backend's multi-queue-max-queues, 0 when absent
 * @param_max: the frontend's max_queues parameter, 0 for no cap
 *
 * Return: at least 1.
 */
unsigned int xenblk_nego_queues(unsigned int vcpus, unsigned int backend_max,
				unsigned int param_max)
{
	unsigned int n = vcpus ? vcpus : 1;

	n = XENBLK_MIN(n, backend_max ? backend_max : 1);
	if (param_max)
		n = XENBLK_MIN(n, param_max);
	return n ? n : 1;
}

/**
 * xenblk_nego_ring_order() - ring page order a frontend should use
 * @backend_max_order: the backend's max-ring-page-order, 0 when absent
 * @param_max_order: the frontend's cap
 *
 * Return: 0 .. XENBLK_MAX_RING_PAGE_ORDER.
 */
unsigned int xenblk_nego_ring_order(unsigned int backend_max_order,
				    unsigned int param_max_order)
{
	unsigned int o = XENBLK_MIN(backend_max_order, param_max_order);

	return XENBLK_MIN(o, XENBLK_MAX_RING_PAGE_ORDER);
}

/**
 * xenblk_nego_indirect() - indirect segments per request a frontend uses
 * @backend_max: the backend's feature-max-indirect-segments, 0 when absent
 * @param: the frontend's max_indirect_segments setting
 *
 * Return: 0 when plain requests (11 segments) are as large or larger,
 * else the segment count, at most XENBLK_MAX_INDIRECT_SEGMENTS.
 */
unsigned int xenblk_nego_indirect(unsigned int backend_max, unsigned int param)
{
	unsigned int n = XENBLK_MIN(backend_max, param);

	n = XENBLK_MIN(n, XENBLK_MAX_INDIRECT_SEGMENTS);
	return n > BLKIF_MAX_SEGMENTS_PER_REQUEST ? n : 0;
}

static bool xenblk_pow2(u32 v)
{
	return v && !(v & (v - 1));
}

/**
 * xenblk_check_geometry() - validate the backend's size keys
 * @sectors: "sectors", 512-byte units
 * @sector_size: "sector-size" (logical block size)
 * @phys_sector_size: "physical-sector-size", 0 when absent
 *
 * Logical blocks must be a power of two from 512 to 4096 bytes; the
 * physical size a power-of-two multiple of it; the capacity must fit a
 * byte offset (loff_t).
 *
 * Return: 0 or -EINVAL.
 */
int xenblk_check_geometry(u64 sectors, u32 sector_size, u32 phys_sector_size)
{
	if (!xenblk_pow2(sector_size) || sector_size < XENBLK_SECT_SIZE ||
	    sector_size > XENBLK_XEN_PAGE_SIZE)
		return -EINVAL;
	if (phys_sector_size &&
	    (!xenblk_pow2(phys_sector_size) || phys_sector_size < sector_size))
		return -EINVAL;
	if (sectors >= (1ULL << (63 - XENBLK_SECT_SHIFT)))
		return -EINVAL;
	return 0;
}

/**
 * xenblk_check_frontend_ring() - validate the frontend's ring request
 * @order: its ring-page-order (0 when absent)
 * @max_order: the backend's advertised max-ring-page-order
 * @queues: its multi-queue-num-queues (1 when absent)
 * @max_queues: the backend's advertised multi-queue-max-queues
 *
 * Return: 0 or -EINVAL.
 */
int xenblk_check_frontend_ring(unsigned int order, unsigned int max_order,
			       unsigned int queues, unsigned int max_queues)
{
	if (order > max_order || order > XENBLK_MAX_RING_PAGE_ORDER)
		return -EINVAL;
	if (!queues || queues > max_queues)
		return -EINVAL;
	return 0;
}
