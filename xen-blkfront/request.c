// SPDX-License-Identifier: GPL-2.0-only
/*
 * xenblk frontend: turning a block request into a ring request.
 *
 * Data travels either through the bio's own pages (zero-copy, trusted
 * backend without persistent grants) or is copied into private granted
 * pages (persistent grants, or bounce buffers for an untrusted backend).
 * In copy mode the data is packed: segment i is page i of the request.
 * More than BLKIF_MAX_SEGMENTS_PER_REQUEST segments go out as
 * BLKIF_OP_INDIRECT with the segment array in granted indirect pages.
 */
#include <linux/slab.h>
#include <linux/highmem.h>
#include "blkfront.h"
#include "xbf_trace.h"

/**
 * union xbf_wire - private copy of a ring request, copied onto the ring
 * @rw: read, write, barrier or flush
 * @discard: discard or secure discard
 * @ind: indirect read or write
 */
union xbf_wire {
	struct blkif_request rw;
	struct blkif_request_discard discard;
	struct blkif_request_indirect ind;
};

static bool xbf_copy_mode(struct xbf_info *info)
{
	return info->feat.persistent || info->feat.bounce;
}

/* Does @bv continue the segment @g (same page, adjacent sectors)? */
static bool xbf_extends(struct xbf_gnt *g, const struct bio_vec *bv)
{
	return g && g->page == bv->bv_page &&
	       bv->bv_offset == (g->last_sect + 1U) << XENBLK_SECT_SHIFT;
}

/**
 * xbf_rq_segments - segments a request needs on the wire
 * @info: the device
 * @rq: the request
 *
 * Return: the segment count (0 for requests without data).
 */
unsigned int xbf_rq_segments(struct xbf_info *info, struct request *rq)
{
	struct req_iterator iter;
	struct bio_vec bv;
	struct page *page = NULL;
	unsigned int n = 0, end = 0;

	if (!blk_rq_bytes(rq) || req_op(rq) == REQ_OP_DISCARD ||
	    req_op(rq) == REQ_OP_SECURE_ERASE)
		return 0;
	if (xbf_copy_mode(info))
		return DIV_ROUND_UP(blk_rq_bytes(rq), XEN_PAGE_SIZE);
	rq_for_each_segment(bv, rq, iter) {
		if (bv.bv_page != page || bv.bv_offset != end)
			n++;
		page = bv.bv_page;
		end = bv.bv_offset + bv.bv_len;
	}
	return n;
}

static int xbf_map_direct(struct xbf_ring *ring, struct xbf_shadow *s,
			  struct request *rq)
{
	bool ro = rq_data_dir(rq) == WRITE;
	struct req_iterator iter;
	struct xbf_gnt *g = NULL;
	unsigned int n = 0;
	struct bio_vec bv;

	rq_for_each_segment(bv, rq, iter) {
		if ((bv.bv_offset | bv.bv_len) & (XENBLK_SECT_SIZE - 1))
			return -EINVAL;
		if (xbf_extends(g, &bv)) {
			g->last_sect += bv.bv_len >> XENBLK_SECT_SHIFT;
			continue;
		}
		if (n == s->nr_segs)
			return -EINVAL;
		g = xbf_gnt_borrow(ring, bv.bv_page, ro);
		if (!g)
			return -ENOMEM;
		g->first_sect = bv.bv_offset >> XENBLK_SECT_SHIFT;
		g->last_sect = g->first_sect + (bv.bv_len >> XENBLK_SECT_SHIFT) - 1;
		s->gnts[n++] = g;
	}
	return n == s->nr_segs ? 0 : -EINVAL;
}

/* Copy between the request's pages and the packed grant pages. */
static void xbf_copy_data(struct xbf_shadow *s, struct request *rq, bool in)
{
	struct req_iterator iter;
	unsigned int off = 0;
	struct bio_vec bv;

	rq_for_each_segment(bv, rq, iter) {
		unsigned int done = 0;

		while (done < bv.bv_len) {
			unsigned int in_pg = off & (XEN_PAGE_SIZE - 1);
			unsigned int len = min(bv.bv_len - done,
					       XEN_PAGE_SIZE - in_pg);
			char *g = page_address(s->gnts[off / XEN_PAGE_SIZE]->page);
			char *b = kmap_local_page(bv.bv_page);

			if (in)
				memcpy(g + in_pg, b + bv.bv_offset + done, len);
			else
				memcpy(b + bv.bv_offset + done, g + in_pg, len);
			kunmap_local(b);
			done += len;
			off += len;
		}
	}
}

static int xbf_map_copy(struct xbf_ring *ring, struct xbf_shadow *s,
			struct request *rq)
{
	struct xbf_info *info = ring->info;
	unsigned int bytes = blk_rq_bytes(rq), i, len;

	for (i = 0; i < s->nr_segs; i++) {
		s->gnts[i] = xbf_gnt_get(ring, info->feat.persistent);
		if (!s->gnts[i])
			return -ENOMEM;
		len = min(bytes - i * XEN_PAGE_SIZE, XEN_PAGE_SIZE);
		s->gnts[i]->first_sect = 0;
		s->gnts[i]->last_sect = (len >> XENBLK_SECT_SHIFT) - 1;
		/* Nothing but this request's data may be visible. */
		if (info->feat.bounce && len < XEN_PAGE_SIZE)
			memset(page_address(s->gnts[i]->page) + len, 0,
			       XEN_PAGE_SIZE - len);
	}
	if (rq_data_dir(rq) == WRITE)
		xbf_copy_data(s, rq, true);
	return 0;
}

static void xbf_fill_segs(struct xbf_shadow *s, struct blkif_request_segment *seg,
			  unsigned int first, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		struct xbf_gnt *g = s->gnts[first + i];

		seg[i].gref = g->ref;
		seg[i].first_sect = g->first_sect;
		seg[i].last_sect = g->last_sect;
	}
}

static int xbf_map_indirect(struct xbf_ring *ring, struct xbf_shadow *s,
			    struct blkif_request_indirect *ind)
{
	const unsigned int per = XENBLK_SEGS_PER_INDIRECT_PAGE;
	unsigned int i, nr;

	s->nr_ind = 0;
	for (i = 0; i < xenblk_indirect_pages(s->nr_segs); i++) {
		struct blkif_request_segment *seg;

		s->ind[i] = xbf_gnt_get(ring, ring->info->feat.persistent);
		if (!s->ind[i])
			return -ENOMEM;
		s->nr_ind++;
		nr = min(s->nr_segs - i * per, per);
		seg = page_address(s->ind[i]->page);
		xbf_fill_segs(s, seg, i * per, nr);
		memset(seg + nr, 0, (per - nr) * sizeof(*seg));
		ind->indirect_grefs[i] = s->ind[i]->ref;
	}
	return 0;
}

/**
 * xbf_shadow_release - give back everything a request held
 * @ring: the ring, lock held
 * @s: the slot's shadow
 * @ok: the request succeeded: copy read data back first
 *
 * Return: false if a bio page could not be taken back from the backend.
 */
bool xbf_shadow_release(struct xbf_ring *ring, struct xbf_shadow *s, bool ok)
{
	bool released = true;
	unsigned int i;

	if (ok && s->copy && s->rq && rq_data_dir(s->rq) == READ &&
	    s->nr_segs)
		xbf_copy_data(s, s->rq, false);
	for (i = 0; s->gnts && i < s->nr_segs; i++) {
		if (s->gnts[i] && !xbf_gnt_put(ring, s->gnts[i]))
			released = false;
	}
	for (i = 0; i < s->nr_ind; i++)
		xbf_gnt_put(ring, s->ind[i]);
	kfree(s->gnts);
	s->gnts = NULL;
	s->nr_segs = 0;
	s->nr_ind = 0;
	return released;
}

static int xbf_prep_rw(struct xbf_ring *ring, struct xbf_shadow *s,
		       struct request *rq, union xbf_wire *w)
{
	struct xbf_info *info = ring->info;
	u8 op = rq_data_dir(rq) == WRITE ? BLKIF_OP_WRITE : BLKIF_OP_READ;
	int err;

	s->copy = xbf_copy_mode(info);
	s->gnts = kcalloc(s->nr_segs, sizeof(*s->gnts), GFP_NOIO);
	if (!s->gnts)
		return -ENOMEM;
	err = s->copy ? xbf_map_copy(ring, s, rq) : xbf_map_direct(ring, s, rq);
	if (err)
		return err;
	if (op == BLKIF_OP_WRITE && (rq->cmd_flags & REQ_FUA) && info->feat.fua)
		op = BLKIF_OP_WRITE_BARRIER;
	if (s->nr_segs > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
		w->ind.operation = BLKIF_OP_INDIRECT;
		w->ind.indirect_op = op == BLKIF_OP_READ ? op : BLKIF_OP_WRITE;
		w->ind.nr_segments = s->nr_segs;
		w->ind.sector_number = blk_rq_pos(rq);
		w->ind.handle = info->handle;
		s->op = BLKIF_OP_INDIRECT;
		return xbf_map_indirect(ring, s, &w->ind);
	}
	w->rw.operation = op;
	w->rw.nr_segments = s->nr_segs;
	w->rw.handle = info->handle;
	w->rw.sector_number = blk_rq_pos(rq);
	xbf_fill_segs(s, w->rw.seg, 0, s->nr_segs);
	s->op = op;
	return 0;
}

static int xbf_prep(struct xbf_ring *ring, struct xbf_shadow *s,
		    struct request *rq, union xbf_wire *w)
{
	struct xbf_info *info = ring->info;

	switch (req_op(rq)) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
		return xbf_prep_rw(ring, s, rq, w);
	case REQ_OP_FLUSH:
		w->rw.operation = info->feat.flush_op;
		w->rw.handle = info->handle;
		s->op = info->feat.flush_op;
		return 0;
	case REQ_OP_SECURE_ERASE:
		w->discard.flag = BLKIF_DISCARD_SECURE;
		fallthrough;
	case REQ_OP_DISCARD:
		w->discard.operation = BLKIF_OP_DISCARD;
		w->discard.handle = info->handle;
		w->discard.sector_number = blk_rq_pos(rq);
		w->discard.nr_sectors = blk_rq_sectors(rq);
		s->op = BLKIF_OP_DISCARD;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static blk_status_t xbf_unprep(struct xbf_ring *ring, unsigned int slot,
			       blk_status_t status)
{
	unsigned long flags;

	spin_lock_irqsave(&ring->lock, flags);
	xbf_shadow_release(ring, &ring->shadow[slot], false);
	xbf_slot_put(ring, slot);
	spin_unlock_irqrestore(&ring->lock, flags);
	return status;
}

/* Put the prepared request on the ring. Returns false if the disk broke. */
static bool xbf_send(struct xbf_ring *ring, unsigned int slot,
		     union xbf_wire *w)
{
	struct xbf_shadow *s = &ring->shadow[slot];
	unsigned long flags;

	w->rw.id = slot;
	spin_lock_irqsave(&ring->lock, flags);
	if (test_bit(XBF_F_BROKEN, &ring->info->flags)) {
		spin_unlock_irqrestore(&ring->lock, flags);
		return false;
	}
	memcpy(RING_GET_REQUEST(&ring->front, ring->front.req_prod_pvt), w,
	       sizeof(*w));
	ring->front.req_prod_pvt++;
	ring->sent_ops[slot] = s->op;
	ring->stats.requests++;
	ring->stats.segments += s->nr_segs;
	if (s->op == BLKIF_OP_INDIRECT)
		ring->stats.indirect++;
	trace_xbf_submit(xbf_name(ring->info), ring->index, slot, s->op,
			 blk_rq_pos(s->rq), blk_rq_sectors(s->rq), s->nr_segs);
	xbf_ring_push(ring);
	spin_unlock_irqrestore(&ring->lock, flags);
	return true;
}

/**
 * xbf_queue_rq - build and send the ring request for a block request
 * @ring: the ring
 * @rq: the (started) request
 *
 * Runs in process context (BLK_MQ_F_BLOCKING): grants and pages are
 * allocated with GFP_NOIO.
 *
 * Return: BLK_STS_OK when sent, BLK_STS_RESOURCE to retry later, or an
 * error status.
 */
blk_status_t xbf_queue_rq(struct xbf_ring *ring, struct request *rq)
{
	struct xbf_info *info = ring->info;
	struct xbf_pdu *pdu = blk_mq_rq_to_pdu(rq);
	unsigned int nsegs = xbf_rq_segments(info, rq);
	union xbf_wire w = { };
	unsigned long flags;
	int slot, err;

	if (nsegs > info->feat.max_segs)	/* built before a limit change */
		return xbf_resubmit(info, rq);
	spin_lock_irqsave(&ring->lock, flags);
	slot = xbf_slot_get(ring);
	if (slot < 0) {
		ring->stats.ring_full++;
		ring->starved = true;
	}
	spin_unlock_irqrestore(&ring->lock, flags);
	if (slot < 0)
		return BLK_STS_RESOURCE;

	ring->shadow[slot].rq = rq;
	ring->shadow[slot].nr_segs = nsegs;
	pdu->ring = ring->index;
	pdu->slot = slot;
	err = xbf_prep(ring, &ring->shadow[slot], rq, &w);
	if (err == -ENOMEM) {
		xbf_unprep(ring, slot, BLK_STS_RESOURCE);
		return xbf_wait_grants(ring, nsegs + xenblk_indirect_pages(nsegs));
	}
	if (err)
		return xbf_unprep(ring, slot, BLK_STS_IOERR);
	if (!xbf_send(ring, slot, &w))
		return xbf_unprep(ring, slot, BLK_STS_IOERR);
	return BLK_STS_OK;
}
