/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure blkif protocol logic shared by xen-blkback, xen-blkfront, the
 * userspace unit tests and the fuzzers.
 *
 * Nothing here touches shared memory: callers copy a ring slot (or the used
 * part of an indirect page) into private memory once, then hand the copy to
 * these functions.  Nothing here allocates, sleeps or logs, so every
 * function is safe in any context.
 *
 * The check functions return 0 or a negated enum xenblk_reason, which
 * xenblk_err_str() turns into words for a log line; the geometry and ABI
 * helpers return 0 or -EINVAL.
 */
#ifndef XENBLK_BLKIF_PROTO_H
#define XENBLK_BLKIF_PROTO_H

#include <xenblk/pure.h>
#include <xen/interface/io/blkif.h>

/* The ring ABI a frontend speaks (its "protocol" key). */
enum xenblk_abi {
	XENBLK_ABI_X86_32 = 1,
	XENBLK_ABI_X86_64 = 2,
};

/* Largest ring slot of any ABI, for a private copy buffer. */
#define XENBLK_MAX_SLOT_SIZE	112

/* Why a request was refused (returned negated by the check functions). */
enum xenblk_reason {
	XENBLK_R_OK = 0,
	XENBLK_R_BAD_OP,	/* unknown, reserved or unnegotiated operation */
	XENBLK_R_BAD_NSEG,	/* segment count out of range for the op */
	XENBLK_R_BAD_SEG,	/* first_sect > last_sect or past the page */
	XENBLK_R_UNALIGNED,	/* not aligned to the logical block size */
	XENBLK_R_PAST_END,	/* sectors beyond the device end */
	XENBLK_R_READONLY,	/* write to a read-only VBD */
	XENBLK_R_BAD_HANDLE,	/* handle does not name this VBD */
	XENBLK_R_BAD_ID,	/* response id outside the id table */
	XENBLK_R_NOT_OUTSTANDING, /* response for an id with no request */
	XENBLK_R_OP_MISMATCH,	/* response operation differs from the request */
	XENBLK_R_BAD_STATUS,	/* status outside BLKIF_RSP_* */
	XENBLK_R_NR,
};

/**
 * struct xenblk_req - a request decoded from a private copy of a ring slot
 * @operation: the wire operation byte (BLKIF_OP_*)
 * @data_op: the data direction/kind: for BLKIF_OP_INDIRECT the indirect_op,
 *	otherwise equal to @operation
 * @indirect: true for BLKIF_OP_INDIRECT
 * @discard_flags: BLKIF_DISCARD_SECURE or 0 (discard only)
 * @handle: the VBD handle named by the request
 * @nr_segments: segments (direct: in @seg; indirect: in the indirect pages)
 * @nr_indirect_pages: pages listed in @indirect_grefs (indirect only)
 * @id: the frontend's cookie, always decoded so an error can be answered
 * @sector_number: first 512-byte sector
 * @nr_sectors: discard length in 512-byte sectors (discard only)
 * @indirect_grefs: indirect page grants (indirect only)
 * @seg: direct segments (read/write/barrier/flush)
 */
struct xenblk_req {
	u8 operation;
	u8 data_op;
	bool indirect;
	u8 discard_flags;
	u16 handle;
	u16 nr_segments;
	u8 nr_indirect_pages;
	u64 id;
	u64 sector_number;
	u64 nr_sectors;
	grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};

/**
 * struct xenblk_vbd_limits - what the backend allows on one VBD connection
 * @capacity: device size in 512-byte sectors
 * @logical_block_size: bytes (512, 1024, 2048 or 4096, ...)
 * @max_indirect_segments: advertised feature-max-indirect-segments, 0 if none
 * @handle: the VBD's virtual-device number (checked when @check_handle)
 * @check_handle: refuse requests for another handle
 * @readonly: refuse writes, barriers and discards
 * @flush: feature-flush-cache advertised
 * @barrier: feature-barrier advertised
 * @discard: feature-discard advertised
 * @discard_secure: discard-secure advertised
 */
struct xenblk_vbd_limits {
	u64 capacity;
	u32 logical_block_size;
	u32 max_indirect_segments;
	u16 handle;
	bool check_handle;
	bool readonly;
	bool flush;
	bool barrier;
	bool discard;
	bool discard_secure;
};

/**
 * struct xenblk_rsp - a response decoded from a private copy of a ring slot
 * @id: the request's cookie
 * @operation: the request's operation as echoed by the backend
 * @status: BLKIF_RSP_*
 */
struct xenblk_rsp {
	u64 id;
	u8 operation;
	s16 status;
};

/* ---- ABI and ring geometry ---- */
int xenblk_abi_from_protocol(const char *protocol, enum xenblk_abi *abi);
unsigned int xenblk_abi_slot_size(enum xenblk_abi abi);
unsigned int xenblk_ring_slots(unsigned int slot_size, unsigned int nr_pages);

/* ---- Backend: requests ---- */
int xenblk_decode_request(const void *slot, enum xenblk_abi abi,
			  struct xenblk_req *req);
int xenblk_check_request(const struct xenblk_req *req,
			 const struct xenblk_vbd_limits *lim);
int xenblk_check_segments(const struct blkif_request_segment *seg,
			  unsigned int nr, u32 logical_block_size,
			  u64 *nr_sectors);
int xenblk_check_range(u64 sector, u64 nr_sectors,
		       const struct xenblk_vbd_limits *lim);
unsigned int xenblk_indirect_pages(unsigned int nr_segments);
bool xenblk_req_prod_ok(u32 req_prod, u32 rsp_prod_pvt, u32 ring_size);
void xenblk_encode_response(void *slot, enum xenblk_abi abi, u64 id,
			    u8 operation, s16 status);
const char *xenblk_err_str(int err);

/* ---- Frontend: responses ---- */
/* Marks a free id in the frontend's table of sent operations. */
#define XENBLK_ID_FREE	0xff
void xenblk_decode_response(const void *slot, struct xenblk_rsp *rsp);
int xenblk_check_response(const struct xenblk_rsp *rsp, unsigned int nr_ids,
			  const u8 *sent_ops);
bool xenblk_rsp_prod_ok(u32 rsp_prod, u32 rsp_cons, u32 req_prod_pvt,
			u32 ring_size);
int xenblk_seg_from_bytes(unsigned int offset, unsigned int len,
			  struct blkif_request_segment *seg);

/* ---- Negotiation ---- */
unsigned int xenblk_nego_queues(unsigned int vcpus, unsigned int backend_max,
				unsigned int param_max);
unsigned int xenblk_nego_ring_order(unsigned int backend_max_order,
				    unsigned int param_max_order);
unsigned int xenblk_nego_indirect(unsigned int backend_max,
				  unsigned int param);
int xenblk_check_geometry(u64 sectors, u32 sector_size, u32 phys_sector_size);
int xenblk_check_frontend_ring(unsigned int order, unsigned int max_order,
			       unsigned int queues, unsigned int max_queues);

/**
 * xenblk_segs_to_sectors() - largest request, in 512-byte sectors
 * @nr_segments: segments per request (11 direct, or the indirect count)
 *
 * Each segment covers at most one 4 KiB grant.
 */
static inline u64 xenblk_segs_to_sectors(unsigned int nr_segments)
{
	return (u64)nr_segments * XENBLK_SECTS_PER_PAGE;
}

#endif /* XENBLK_BLKIF_PROTO_H */
