// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of common/blkif_proto.c: the very source the modules compile.
 */
#include <stdlib.h>
#include <xenblk/blkif_proto.h>
#include "tap.h"

/* A 1 GiB, 512-byte-sector, read-write VBD with every feature. */
static struct xenblk_vbd_limits lim_all(void)
{
	struct xenblk_vbd_limits l = {
		.capacity = 2097152, .logical_block_size = 512,
		.max_indirect_segments = 256, .flush = true, .barrier = true,
		.discard = true, .discard_secure = true,
	};
	return l;
}

static void rw64(u8 *slot, u8 op, u8 nseg, u64 id, u64 sector)
{
	struct blkif_x86_64_request r;
	int i;

	memset(&r, 0, sizeof(r));
	r.operation = op;
	r.nr_segments = nseg;
	r.handle = 51712;
	r.id = id;
	r.sector_number = sector;
	for (i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
		r.seg[i].gref = 100 + i;
		r.seg[i].first_sect = 0;
		r.seg[i].last_sect = 7;
	}
	memset(slot, 0xa5, XENBLK_MAX_SLOT_SIZE);
	memcpy(slot, &r, sizeof(r));
}

static void rw32(u8 *slot, u8 op, u8 nseg, u64 id, u64 sector)
{
	struct blkif_x86_32_request r;
	int i;

	memset(&r, 0, sizeof(r));
	r.operation = op;
	r.nr_segments = nseg;
	r.handle = 51712;
	r.id = id;
	r.sector_number = sector;
	for (i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
		r.seg[i].gref = 200 + i;
		r.seg[i].first_sect = 1;
		r.seg[i].last_sect = 6;
	}
	memset(slot, 0x5a, XENBLK_MAX_SLOT_SIZE);
	memcpy(slot, &r, sizeof(r));
}

static int decode_check(const u8 *slot, enum xenblk_abi abi,
			const struct xenblk_vbd_limits *l, struct xenblk_req *req)
{
	xenblk_decode_request(slot, abi, req);
	return xenblk_check_request(req, l);
}

static void test_decode_rw_x86_64(void)
{
	struct xenblk_vbd_limits l = lim_all();
	struct xenblk_req req;
	u8 slot[XENBLK_MAX_SLOT_SIZE];

	rw64(slot, BLKIF_OP_WRITE, 3, 0x1122334455667788ULL, 4096);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), 0);
	CHECK_EQ(req.operation, BLKIF_OP_WRITE);
	CHECK_EQ(req.data_op, BLKIF_OP_WRITE);
	CHECK(!req.indirect);
	CHECK_EQ(req.nr_segments, 3);
	CHECK_EQ(req.handle, 51712);
	CHECK(req.id == 0x1122334455667788ULL);
	CHECK_EQ(req.sector_number, 4096);
	CHECK_EQ(req.seg[2].gref, 102);
	CHECK_EQ(req.seg[2].last_sect, 7);
	/* segments past nr_segments are not copied */
	CHECK_EQ(req.seg[3].gref, 0);
}

static void test_decode_rw_x86_32(void)
{
	struct xenblk_vbd_limits l = lim_all();
	struct xenblk_req req;
	u8 slot[XENBLK_MAX_SLOT_SIZE];

	rw32(slot, BLKIF_OP_READ, 11, 0xdeadbeefcafef00dULL, 77);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_32, &l, &req), 0);
	CHECK(req.id == 0xdeadbeefcafef00dULL);
	CHECK_EQ(req.sector_number, 77);
	CHECK_EQ(req.seg[10].gref, 210);
	CHECK_EQ(req.seg[10].first_sect, 1);
	CHECK_EQ(xenblk_abi_slot_size(XENBLK_ABI_X86_32), 108);
	CHECK_EQ(xenblk_abi_slot_size(XENBLK_ABI_X86_64), 112);
}

static void test_bad_ops(void)
{
	struct xenblk_vbd_limits l = lim_all();
	struct xenblk_req req;
	u8 slot[XENBLK_MAX_SLOT_SIZE];
	int op;

	for (op = 0; op < 256; op++) {
		int err;

		rw64(slot, (u8)op, 1, 1, 0);
		err = decode_check(slot, XENBLK_ABI_X86_64, &l, &req);
		if (op == BLKIF_OP_RESERVED_1 || op > BLKIF_OP_INDIRECT)
			CHECK_EQ(err, -XENBLK_R_BAD_OP);
	}
	/* unnegotiated features are refused */
	l.flush = false;
	l.barrier = false;
	l.discard = false;
	l.max_indirect_segments = 0;
	rw64(slot, BLKIF_OP_FLUSH_DISKCACHE, 0, 1, 0);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), -XENBLK_R_BAD_OP);
	rw64(slot, BLKIF_OP_WRITE_BARRIER, 0, 1, 0);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), -XENBLK_R_BAD_OP);
	rw64(slot, BLKIF_OP_DISCARD, 0, 1, 0);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), -XENBLK_R_BAD_OP);
	rw64(slot, BLKIF_OP_INDIRECT, 0, 1, 0);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), -XENBLK_R_BAD_OP);
}

static void test_segment_counts(void)
{
	struct xenblk_vbd_limits l = lim_all();
	struct xenblk_req req;
	u8 slot[XENBLK_MAX_SLOT_SIZE];

	rw64(slot, BLKIF_OP_READ, 0, 1, 0);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), -XENBLK_R_BAD_NSEG);
	rw64(slot, BLKIF_OP_WRITE, 12, 1, 0);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), -XENBLK_R_BAD_NSEG);
	rw64(slot, BLKIF_OP_READ, 255, 1, 0);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), -XENBLK_R_BAD_NSEG);
	/* an empty flush or barrier is fine */
	rw64(slot, BLKIF_OP_FLUSH_DISKCACHE, 0, 1, 0);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), 0);
	rw64(slot, BLKIF_OP_WRITE_BARRIER, 0, 1, 0);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), 0);
	/* a flush carrying data is a write */
	rw64(slot, BLKIF_OP_FLUSH_DISKCACHE, 2, 1, 0);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), 0);
	l.readonly = true;
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), -XENBLK_R_READONLY);
}

static void test_segment_sectors(void)
{
	struct xenblk_vbd_limits l = lim_all();
	struct blkif_request_segment seg[2] = {
		{ .gref = 1, .first_sect = 0, .last_sect = 7 },
		{ .gref = 2, .first_sect = 3, .last_sect = 3 },
	};
	u64 n = 0;

	CHECK_EQ(xenblk_check_segments(seg, 2, 512, &n), 0);
	CHECK_EQ(n, 9);
	seg[1].first_sect = 4;
	CHECK_EQ(xenblk_check_segments(seg, 2, 512, &n), -XENBLK_R_BAD_SEG);
	seg[1].first_sect = 0;
	seg[1].last_sect = 8;
	CHECK_EQ(xenblk_check_segments(seg, 2, 512, &n), -XENBLK_R_BAD_SEG);
	seg[1].last_sect = 255;
	CHECK_EQ(xenblk_check_segments(seg, 2, 512, &n), -XENBLK_R_BAD_SEG);
	/* 4 KiB logical blocks: only whole pages */
	seg[1].last_sect = 7;
	CHECK_EQ(xenblk_check_segments(seg, 2, 4096, &n), 0);
	CHECK_EQ(n, 16);
	seg[1].last_sect = 6;
	CHECK_EQ(xenblk_check_segments(seg, 2, 4096, &n), -XENBLK_R_UNALIGNED);
	l.logical_block_size = 4096;
	CHECK_EQ(xenblk_check_range(8, 16, &l), 0);
	CHECK_EQ(xenblk_check_range(4, 16, &l), -XENBLK_R_UNALIGNED);
}

static void test_range_past_end(void)
{
	struct xenblk_vbd_limits l = lim_all();
	struct xenblk_req req;
	u8 slot[XENBLK_MAX_SLOT_SIZE];

	/* 11 full pages = 88 sectors: the last sector that fits */
	rw64(slot, BLKIF_OP_READ, 11, 1, l.capacity - 88);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), 0);
	rw64(slot, BLKIF_OP_READ, 11, 1, l.capacity - 87);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), -XENBLK_R_PAST_END);
	/* wrap-around of sector + length must not pass */
	rw64(slot, BLKIF_OP_READ, 11, 1, ~0ULL - 10);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), -XENBLK_R_PAST_END);
	CHECK_EQ(xenblk_check_range(~0ULL, 2, &l), -XENBLK_R_PAST_END);
	CHECK_EQ(xenblk_check_range(l.capacity, 0, &l), 0);
}

static void test_readonly(void)
{
	struct xenblk_vbd_limits l = lim_all();
	struct xenblk_req req;
	u8 slot[XENBLK_MAX_SLOT_SIZE];

	l.readonly = true;
	rw64(slot, BLKIF_OP_READ, 1, 1, 0);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), 0);
	rw64(slot, BLKIF_OP_WRITE, 1, 1, 0);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), -XENBLK_R_READONLY);
	rw64(slot, BLKIF_OP_WRITE_BARRIER, 1, 1, 0);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), -XENBLK_R_READONLY);
	rw64(slot, BLKIF_OP_FLUSH_DISKCACHE, 0, 1, 0);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), 0);
}

static void ind64(u8 *slot, u8 iop, u16 nseg, u64 id)
{
	struct blkif_x86_64_request_indirect r;
	int i;

	memset(&r, 0, sizeof(r));
	r.operation = BLKIF_OP_INDIRECT;
	r.indirect_op = iop;
	r.nr_segments = nseg;
	r.id = id;
	r.sector_number = 64;
	r.handle = 51728;
	for (i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
		r.indirect_grefs[i] = 900 + i;
	memset(slot, 0xee, XENBLK_MAX_SLOT_SIZE);
	memcpy(slot, &r, sizeof(r));
}

static void test_indirect(void)
{
	struct xenblk_vbd_limits l = lim_all();
	struct xenblk_req req;
	u8 slot[XENBLK_MAX_SLOT_SIZE];

	ind64(slot, BLKIF_OP_WRITE, 256, 42);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), 0);
	CHECK(req.indirect);
	CHECK_EQ(req.data_op, BLKIF_OP_WRITE);
	CHECK_EQ(req.nr_segments, 256);
	CHECK_EQ(req.nr_indirect_pages, 1);
	CHECK_EQ(req.handle, 51728);
	CHECK_EQ(req.id, 42);
	CHECK_EQ(req.sector_number, 64);
	CHECK_EQ(req.indirect_grefs[0], 900);
	CHECK_EQ(req.indirect_grefs[1], 0);
	ind64(slot, BLKIF_OP_READ, 257, 42);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), -XENBLK_R_BAD_NSEG);
	ind64(slot, BLKIF_OP_READ, 0, 42);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), -XENBLK_R_BAD_NSEG);
	ind64(slot, BLKIF_OP_DISCARD, 8, 42);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), -XENBLK_R_BAD_OP);
	ind64(slot, BLKIF_OP_INDIRECT, 8, 42);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), -XENBLK_R_BAD_OP);
	/* the protocol maximum: 8 pages of 512 */
	l.max_indirect_segments = 65535;
	ind64(slot, BLKIF_OP_READ, 4096, 42);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), 0);
	CHECK_EQ(req.nr_indirect_pages, 8);
	CHECK_EQ(req.indirect_grefs[7], 907);
	ind64(slot, BLKIF_OP_READ, 4097, 42);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), -XENBLK_R_BAD_NSEG);
	CHECK(req.nr_indirect_pages <= BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);
	CHECK_EQ(xenblk_indirect_pages(512), 1);
	CHECK_EQ(xenblk_indirect_pages(513), 2);
}

static void test_indirect_x86_32(void)
{
	struct blkif_x86_32_request_indirect r;
	struct xenblk_vbd_limits l = lim_all();
	struct xenblk_req req;
	u8 slot[XENBLK_MAX_SLOT_SIZE];

	memset(&r, 0, sizeof(r));
	r.operation = BLKIF_OP_INDIRECT;
	r.indirect_op = BLKIF_OP_READ;
	r.nr_segments = 600;
	r.id = 0x0102030405060708ULL;
	r.sector_number = 1024;
	r.handle = 7;
	r.indirect_grefs[0] = 11;
	r.indirect_grefs[1] = 12;
	r.indirect_grefs[2] = 13;
	memset(slot, 0, sizeof(slot));
	memcpy(slot, &r, sizeof(r));
	l.max_indirect_segments = 1024;
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_32, &l, &req), 0);
	CHECK(req.id == 0x0102030405060708ULL);
	CHECK_EQ(req.sector_number, 1024);
	CHECK_EQ(req.handle, 7);
	CHECK_EQ(req.nr_indirect_pages, 2);
	CHECK_EQ(req.indirect_grefs[1], 12);
	CHECK_EQ(req.indirect_grefs[2], 0);
}

static void test_discard(void)
{
	struct blkif_x86_64_request_discard d;
	struct blkif_x86_32_request_discard d32;
	struct xenblk_vbd_limits l = lim_all();
	struct xenblk_req req;
	u8 slot[XENBLK_MAX_SLOT_SIZE];

	memset(&d, 0, sizeof(d));
	d.operation = BLKIF_OP_DISCARD;
	d.flag = BLKIF_DISCARD_SECURE;
	d.id = 9;
	d.sector_number = 2048;
	d.nr_sectors = 4096;
	memset(slot, 0, sizeof(slot));
	memcpy(slot, &d, sizeof(d));
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), 0);
	CHECK_EQ(req.discard_flags, BLKIF_DISCARD_SECURE);
	CHECK_EQ(req.nr_sectors, 4096);
	d.nr_sectors = l.capacity;
	memcpy(slot, &d, sizeof(d));
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), -XENBLK_R_PAST_END);

	memset(&d32, 0, sizeof(d32));
	d32.operation = BLKIF_OP_DISCARD;
	d32.id = 10;
	d32.sector_number = 8;
	d32.nr_sectors = 16;
	memset(slot, 0, sizeof(slot));
	memcpy(slot, &d32, sizeof(d32));
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_32, &l, &req), 0);
	CHECK_EQ(req.id, 10);
	CHECK_EQ(req.sector_number, 8);
	CHECK_EQ(req.nr_sectors, 16);
	l.readonly = true;
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_32, &l, &req), -XENBLK_R_READONLY);
}

static void test_handle_check(void)
{
	struct xenblk_vbd_limits l = lim_all();
	struct xenblk_req req;
	u8 slot[XENBLK_MAX_SLOT_SIZE];

	l.check_handle = true;
	l.handle = 51712;
	rw64(slot, BLKIF_OP_READ, 1, 1, 0);
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), 0);
	l.handle = 51728;
	CHECK_EQ(decode_check(slot, XENBLK_ABI_X86_64, &l, &req), -XENBLK_R_BAD_HANDLE);
}

static void test_response_encode(void)
{
	u8 slot[XENBLK_MAX_SLOT_SIZE];
	struct blkif_x86_64_response r64;
	struct blkif_x86_32_response r32;
	struct xenblk_rsp rsp;

	/* only the three fields are written: the padding keeps its bytes */
	memset(slot, 0x77, sizeof(slot));
	xenblk_encode_response(slot, XENBLK_ABI_X86_64, 0xabcdef, BLKIF_OP_WRITE,
			       BLKIF_RSP_ERROR);
	memcpy(&r64, slot, sizeof(r64));
	CHECK_EQ(r64.id, 0xabcdef);
	CHECK_EQ(r64.operation, BLKIF_OP_WRITE);
	CHECK_EQ(r64.status, BLKIF_RSP_ERROR);
	CHECK_EQ(slot[9], 0x77);
	CHECK_EQ(slot[12], 0x77);
	CHECK_EQ(slot[15], 0x77);
	xenblk_decode_response(slot, &rsp);
	CHECK_EQ(rsp.id, 0xabcdef);
	CHECK_EQ(rsp.status, BLKIF_RSP_ERROR);

	memset(slot, 0x33, sizeof(slot));
	xenblk_encode_response(slot, XENBLK_ABI_X86_32, 5, BLKIF_OP_READ,
			       BLKIF_RSP_OKAY);
	memcpy(&r32, slot, sizeof(r32));
	CHECK_EQ(r32.id, 5);
	CHECK_EQ(r32.operation, BLKIF_OP_READ);
	CHECK_EQ(r32.status, BLKIF_RSP_OKAY);
	CHECK_EQ(slot[9], 0x33);
}

static void test_response_check(void)
{
	u8 sent[4] = { BLKIF_OP_READ, XENBLK_ID_FREE, BLKIF_OP_INDIRECT,
		       BLKIF_OP_FLUSH_DISKCACHE };
	struct xenblk_rsp r = { .id = 0, .operation = BLKIF_OP_READ,
				.status = BLKIF_RSP_OKAY };

	CHECK_EQ(xenblk_check_response(&r, 4, sent), 0);
	r.id = 4;
	CHECK_EQ(xenblk_check_response(&r, 4, sent), -XENBLK_R_BAD_ID);
	r.id = ~0ULL;
	CHECK_EQ(xenblk_check_response(&r, 4, sent), -XENBLK_R_BAD_ID);
	r.id = 1;
	CHECK_EQ(xenblk_check_response(&r, 4, sent), -XENBLK_R_NOT_OUTSTANDING);
	r.id = 0;
	r.operation = BLKIF_OP_WRITE;
	CHECK_EQ(xenblk_check_response(&r, 4, sent), -XENBLK_R_OP_MISMATCH);
	r.id = 2;
	CHECK_EQ(xenblk_check_response(&r, 4, sent), 0);
	r.operation = BLKIF_OP_INDIRECT;
	CHECK_EQ(xenblk_check_response(&r, 4, sent), 0);
	r.operation = BLKIF_OP_DISCARD;
	CHECK_EQ(xenblk_check_response(&r, 4, sent), -XENBLK_R_OP_MISMATCH);
	r.id = 3;
	r.operation = BLKIF_OP_FLUSH_DISKCACHE;
	r.status = BLKIF_RSP_EOPNOTSUPP;
	CHECK_EQ(xenblk_check_response(&r, 4, sent), 0);
	r.status = 1;
	CHECK_EQ(xenblk_check_response(&r, 4, sent), -XENBLK_R_BAD_STATUS);
	r.status = -3;
	CHECK_EQ(xenblk_check_response(&r, 4, sent), -XENBLK_R_BAD_STATUS);
}

static void test_ring_indexes(void)
{
	/* backend: at most ring_size requests past what it answered */
	CHECK(xenblk_req_prod_ok(32, 0, 32));
	CHECK(!xenblk_req_prod_ok(33, 0, 32));
	CHECK(xenblk_req_prod_ok(5, 0xfffffffe, 32));	/* wrapped, 7 */
	CHECK(!xenblk_req_prod_ok(0x80000000, 0, 32));
	CHECK(!xenblk_req_prod_ok(0xffffffff, 0, 32));
	/* frontend: never more responses than requests outstanding */
	CHECK(xenblk_rsp_prod_ok(10, 5, 12, 32));
	CHECK(xenblk_rsp_prod_ok(12, 5, 12, 32));
	CHECK(!xenblk_rsp_prod_ok(13, 5, 12, 32));
	CHECK(!xenblk_rsp_prod_ok(4, 5, 12, 32));	/* went backwards */
	CHECK(xenblk_rsp_prod_ok(3, 0xfffffffe, 4, 32));
	CHECK(!xenblk_rsp_prod_ok(0, 0, 40, 32));
}

static void test_ring_slots(void)
{
	CHECK_EQ(xenblk_ring_slots(112, 1), 32);
	CHECK_EQ(xenblk_ring_slots(108, 1), 32);
	CHECK_EQ(xenblk_ring_slots(112, 2), 64);
	CHECK_EQ(xenblk_ring_slots(112, 16), 512);
	CHECK_EQ(xenblk_ring_slots(108, 16), 512);
	CHECK_EQ(xenblk_ring_slots(0, 1), 0);
	CHECK_EQ(xenblk_ring_slots(4096, 1), 0);
}

static void test_seg_from_bytes(void)
{
	struct blkif_request_segment s = { .gref = 3 };

	CHECK_EQ(xenblk_seg_from_bytes(0, 4096, &s), 0);
	CHECK_EQ(s.first_sect, 0);
	CHECK_EQ(s.last_sect, 7);
	CHECK_EQ(s.gref, 3);
	CHECK_EQ(xenblk_seg_from_bytes(1024, 512, &s), 0);
	CHECK_EQ(s.first_sect, 2);
	CHECK_EQ(s.last_sect, 2);
	CHECK_EQ(xenblk_seg_from_bytes(0, 0, &s), -EINVAL);
	CHECK_EQ(xenblk_seg_from_bytes(100, 512, &s), -EINVAL);
	CHECK_EQ(xenblk_seg_from_bytes(3584, 1024, &s), -EINVAL);
	CHECK_EQ(xenblk_seg_from_bytes(4096, 512, &s), -EINVAL);
}

static void test_negotiation(void)
{
	CHECK_EQ(xenblk_nego_queues(4, 0, 0), 1);
	CHECK_EQ(xenblk_nego_queues(4, 2, 0), 2);
	CHECK_EQ(xenblk_nego_queues(4, 8, 0), 4);
	CHECK_EQ(xenblk_nego_queues(4, 8, 3), 3);
	CHECK_EQ(xenblk_nego_queues(0, 8, 0), 1);
	CHECK_EQ(xenblk_nego_ring_order(0, 4), 0);
	CHECK_EQ(xenblk_nego_ring_order(4, 4), 4);
	CHECK_EQ(xenblk_nego_ring_order(9, 9), XENBLK_MAX_RING_PAGE_ORDER);
	CHECK_EQ(xenblk_nego_ring_order(4, 2), 2);
	CHECK_EQ(xenblk_nego_indirect(0, 256), 0);
	CHECK_EQ(xenblk_nego_indirect(256, 32), 32);
	CHECK_EQ(xenblk_nego_indirect(32, 256), 32);
	CHECK_EQ(xenblk_nego_indirect(11, 256), 0);
	CHECK_EQ(xenblk_nego_indirect(256, 11), 0);
	CHECK_EQ(xenblk_nego_indirect(1000000, 1000000), 4096);
	CHECK_EQ(xenblk_check_frontend_ring(4, 4, 2, 2), 0);
	CHECK_EQ(xenblk_check_frontend_ring(5, 4, 2, 2), -EINVAL);
	CHECK_EQ(xenblk_check_frontend_ring(0, 4, 3, 2), -EINVAL);
	CHECK_EQ(xenblk_check_frontend_ring(0, 4, 0, 2), -EINVAL);
}

static void test_geometry(void)
{
	CHECK_EQ(xenblk_check_geometry(2097152, 512, 0), 0);
	CHECK_EQ(xenblk_check_geometry(2097152, 4096, 4096), 0);
	CHECK_EQ(xenblk_check_geometry(0, 512, 512), 0);
	CHECK_EQ(xenblk_check_geometry(2097152, 0, 0), -EINVAL);
	CHECK_EQ(xenblk_check_geometry(2097152, 768, 0), -EINVAL);
	CHECK_EQ(xenblk_check_geometry(2097152, 256, 0), -EINVAL);
	CHECK_EQ(xenblk_check_geometry(2097152, 8192, 0), -EINVAL);
	CHECK_EQ(xenblk_check_geometry(2097152, 4096, 512), -EINVAL);
	CHECK_EQ(xenblk_check_geometry(2097152, 512, 3000), -EINVAL);
	CHECK_EQ(xenblk_check_geometry(1ULL << 63, 512, 0), -EINVAL);
	CHECK_EQ(xenblk_check_geometry((1ULL << 54) - 1, 512, 0), 0);
}

static void test_protocol_names(void)
{
	enum xenblk_abi abi = 0;

	CHECK_EQ(xenblk_abi_from_protocol(NULL, &abi), 0);
	CHECK_EQ(abi, XENBLK_ABI_X86_64);
	CHECK_EQ(xenblk_abi_from_protocol("x86_32-abi", &abi), 0);
	CHECK_EQ(abi, XENBLK_ABI_X86_32);
	CHECK_EQ(xenblk_abi_from_protocol("x86_64-abi", &abi), 0);
	CHECK_EQ(abi, XENBLK_ABI_X86_64);
	CHECK_EQ(xenblk_abi_from_protocol("arm-abi", &abi), -EINVAL);
	CHECK(strcmp(xenblk_err_str(-XENBLK_R_READONLY), "write to a read-only device") == 0);
	CHECK(strcmp(xenblk_err_str(-1000), "unknown error") == 0);
}

/* Random slots never crash the decoder and never produce out-of-range state. */
static void test_random_slots(void)
{
	struct xenblk_vbd_limits l = lim_all();
	struct xenblk_req req;
	u8 slot[XENBLK_MAX_SLOT_SIZE];
	unsigned int i, j;

	srand(1);
	for (i = 0; i < 200000; i++) {
		for (j = 0; j < sizeof(slot); j++)
			slot[j] = (u8)rand();
		slot[0] %= 8;
		if (decode_check(slot, i & 1 ? XENBLK_ABI_X86_32 : XENBLK_ABI_X86_64,
				 &l, &req) == 0 && !req.indirect &&
		    req.operation != BLKIF_OP_DISCARD) {
			CHECK(req.nr_segments <= BLKIF_MAX_SEGMENTS_PER_REQUEST);
		}
		CHECK(req.nr_indirect_pages <= BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);
	}
}

int main(void)
{
	static const struct tap_case cases[] = {
		TAP_CASE(test_decode_rw_x86_64),
		TAP_CASE(test_decode_rw_x86_32),
		TAP_CASE(test_bad_ops),
		TAP_CASE(test_segment_counts),
		TAP_CASE(test_segment_sectors),
		TAP_CASE(test_range_past_end),
		TAP_CASE(test_readonly),
		TAP_CASE(test_indirect),
		TAP_CASE(test_indirect_x86_32),
		TAP_CASE(test_discard),
		TAP_CASE(test_handle_check),
		TAP_CASE(test_response_encode),
		TAP_CASE(test_response_check),
		TAP_CASE(test_ring_indexes),
		TAP_CASE(test_ring_slots),
		TAP_CASE(test_seg_from_bytes),
		TAP_CASE(test_negotiation),
		TAP_CASE(test_geometry),
		TAP_CASE(test_protocol_names),
		TAP_CASE(test_random_slots),
	};

	return tap_run(cases, TAP_COUNT(cases));
}
