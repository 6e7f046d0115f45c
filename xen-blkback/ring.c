// SPDX-License-Identifier: GPL-2.0-only
/*
 * xen-blkback: one shared ring. Its kthread takes requests from the ring
 * (one private copy per slot, validated by the shared protocol library),
 * maps their grants, hands them to io.c and answers completed requests.
 */
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <xen/events.h>
#include "common.h"
#include "trace.h"

/* Free pages a ring keeps cached between housekeeping passes. */
#define XBB_POOL_KEEP	256

/* Answered with an error status, consumed (returned by the prepare step). */
#define XBB_REJECTED	1

static irqreturn_t xbb_ring_irq(int irq, void *arg)
{
	struct xbb_ring *ring = arg;

	atomic_set(&ring->evt_pending, 1);
	wake_up(&ring->wq);
	return IRQ_HANDLED;
}

static void *xbb_slot(struct xbb_ring *ring, RING_IDX idx)
{
	return (u8 *)ring->sring + XENBLK_SRING_HEADER_SIZE +
	       (size_t)(idx & (ring->size - 1)) * ring->slot_size;
}

/**
 * xbb_ring_complete() - hand a finished request back to its ring kthread
 * @req: the request (any context)
 */
void xbb_ring_complete(struct xbb_req *req)
{
	struct xbb_ring *ring = req->ring;
	unsigned long flags;

	spin_lock_irqsave(&ring->done_lock, flags);
	list_add_tail(&req->node, &ring->done);
	spin_unlock_irqrestore(&ring->done_lock, flags);
	wake_up(&ring->wq);
}

static void xbb_req_respond(struct xbb_ring *ring, struct xbb_req *req)
{
	struct xbb_vbd *vbd = ring->vbd;

	xenblk_encode_response(xbb_slot(ring, ring->br.rsp_prod_pvt),
			       ring->abi, req->id, req->op, req->status);
	ring->br.rsp_prod_pvt++;
	trace_xbb_req_done(vbd->domid, vbd->handle, ring->idx, req->id,
			   req->op, req->status);
	if (req->status != BLKIF_RSP_OKAY)
		ring->st.errors++;
	if (req->segs != req->inline_segs)
		kfree(req->segs);
	req->segs = req->inline_segs;
	req->nr_segs = 0;
	list_add(&req->node, &ring->free);
	ring->inflight--;
}

/* Unmap the grants of completed requests in batches, then answer them. */
static bool xbb_ring_reap(struct xbb_ring *ring)
{
	struct xbb_req *req, *tmp;
	LIST_HEAD(done);

	spin_lock_irq(&ring->done_lock);
	list_splice_init(&ring->done, &done);
	spin_unlock_irq(&ring->done_lock);
	if (list_empty(&done))
		return false;
	list_for_each_entry(req, &done, node)
		xbb_unmap_segs(ring, req->segs, req->nr_segs);
	/* Grants are unmapped before the frontend hears about them. */
	xbb_unmap_flush(ring);
	list_for_each_entry_safe(req, tmp, &done, node) {
		list_del(&req->node);
		xbb_req_respond(ring, req);
	}
	return true;
}

static void xbb_ring_push(struct xbb_ring *ring)
{
	int notify;

	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&ring->br, notify);
	if (notify) {
		notify_remote_via_irq(ring->irq);
		ring->st.notify_tx++;
	}
}

/* Wait until at most @keep requests are in flight, answering the others. */
static void xbb_ring_drain(struct xbb_ring *ring, unsigned int keep)
{
	while (ring->inflight > keep) {
		wait_event_timeout(ring->wq, !list_empty_careful(&ring->done),
				   HZ);
		xbb_ring_reap(ring);
		xbb_ring_push(ring);
	}
}

static int xbb_req_reject(struct xbb_ring *ring, struct xbb_req *req, int err)
{
	pr_warn_ratelimited("%s: request id %llu op %u refused: %s\n",
			    ring->name, req->id, req->op, xenblk_err_str(err));
	req->status = BLKIF_RSP_ERROR;
	return XBB_REJECTED;
}

static int xbb_req_map(struct xbb_ring *ring, struct xbb_req *req)
{
	int err;

	err = xbb_map_segs(ring, req->segs, req->nr_segs,
			   req->rw == REQ_OP_WRITE);
	if (!err)
		return 0;
	xbb_unmap_segs(ring, req->segs, req->nr_segs);
	xbb_unmap_flush(ring);
	if (err == -ENOMEM)
		return err;
	pr_warn_ratelimited("%s: request id %llu: grant mapping failed\n",
			    ring->name, req->id);
	req->status = BLKIF_RSP_ERROR;
	return XBB_REJECTED;
}

static void xbb_req_set_segs(struct xbb_req *req,
			     const struct blkif_request_segment *desc,
			     unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		struct xbb_seg *seg = &req->segs[i];

		memset(seg, 0, sizeof(*seg));
		seg->gref = desc[i].gref;
		seg->first = desc[i].first_sect;
		seg->last = desc[i].last_sect;
		req->nr_sects += desc[i].last_sect - desc[i].first_sect + 1;
	}
	req->nr_segs = nr;
}

/* Map the indirect pages, copy the used descriptors once, unmap. */
static int xbb_read_indirect(struct xbb_ring *ring, const struct xenblk_req *w)
{
	struct xbb_seg ipg[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST] = {};
	unsigned int i, left = w->nr_segments, per = XENBLK_SEGS_PER_INDIRECT_PAGE;
	int err;

	for (i = 0; i < w->nr_indirect_pages; i++)
		ipg[i].gref = w->indirect_grefs[i];
	err = xbb_map_segs(ring, ipg, w->nr_indirect_pages, true);
	for (i = 0; !err && i < w->nr_indirect_pages; i++) {
		unsigned int n = min(left, per);

		memcpy(ring->idesc + i * per, page_address(ipg[i].page),
		       n * sizeof(*ring->idesc));
		left -= n;
	}
	xbb_unmap_segs(ring, ipg, w->nr_indirect_pages);
	xbb_unmap_flush(ring);
	return err;
}

static int xbb_req_indirect(struct xbb_ring *ring, struct xbb_req *req,
			    const struct xenblk_req *w,
			    const struct xenblk_vbd_limits *lim)
{
	unsigned int nr = w->nr_segments;
	int err;

	if (nr > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
		req->segs = kcalloc(nr, sizeof(*req->segs),
				    GFP_NOIO | __GFP_NOWARN);
		if (!req->segs) {
			req->segs = req->inline_segs;
			return -ENOMEM;
		}
	}
	err = xbb_read_indirect(ring, w);
	if (err == -ENOMEM)
		return err;
	if (err) {
		pr_warn_ratelimited("%s: request id %llu: indirect page mapping failed\n",
				    ring->name, req->id);
		req->status = BLKIF_RSP_ERROR;
		return XBB_REJECTED;
	}
	err = xenblk_check_segments(ring->idesc, nr, lim->logical_block_size,
				    &req->nr_sects);
	if (!err)
		err = xenblk_check_range(req->sector, req->nr_sects, lim);
	if (err)
		return xbb_req_reject(ring, req, err);
	req->nr_sects = 0;
	xbb_req_set_segs(req, ring->idesc, nr);
	req->rw = w->data_op == BLKIF_OP_WRITE ? REQ_OP_WRITE : REQ_OP_READ;
	ring->st.indirect++;
	return xbb_req_map(ring, req);
}

/*
 * The operation echoed in the response. Frontends (Linux's since 2021)
 * expect the data direction for an indirect request, as Linux's backend
 * has always answered.
 */
static u8 xbb_rsp_op(const struct xenblk_req *w)
{
	if (w->operation == BLKIF_OP_INDIRECT &&
	    (w->data_op == BLKIF_OP_READ || w->data_op == BLKIF_OP_WRITE))
		return w->data_op;
	return w->operation;
}

/*
 * Turn the decoded copy of a slot into a mapped request.
 * Return: 0 ready to submit, XBB_REJECTED answered with an error status,
 * -ENOMEM retry the same slot later.
 */
static int xbb_req_prepare(struct xbb_ring *ring, struct xbb_req *req,
			   const struct xenblk_req *w)
{
	struct xbb_vbd *vbd = ring->vbd;
	struct xenblk_vbd_limits lim = vbd->lim;
	int err;

	lim.capacity = READ_ONCE(vbd->sectors);
	req->id = w->id;
	req->op = xbb_rsp_op(w);
	req->flag = w->discard_flags;
	req->sector = w->sector_number;
	req->nr_sects = 0;
	req->nr_segs = 0;
	req->error = false;
	req->notsupp = false;
	req->status = BLKIF_RSP_OKAY;
	req->segs = req->inline_segs;
	err = xenblk_check_request(w, &lim);
	if (err)
		return xbb_req_reject(ring, req, err);
	switch (w->operation) {
	case BLKIF_OP_DISCARD:
		req->nr_sects = w->nr_sectors;
		return 0;
	case BLKIF_OP_INDIRECT:
		return xbb_req_indirect(ring, req, w, &lim);
	}
	xbb_req_set_segs(req, w->seg, w->nr_segments);
	req->rw = (w->operation == BLKIF_OP_READ) ? REQ_OP_READ : REQ_OP_WRITE;
	return xbb_req_map(ring, req);
}

static void xbb_req_count(struct xbb_ring *ring, struct xbb_req *req)
{
	struct xbb_ring_stats *st = &ring->st;

	st->reqs++;
	st->segs += req->nr_segs;
	switch (req->op) {
	case BLKIF_OP_DISCARD:
		st->ds_req++;
		return;
	case BLKIF_OP_FLUSH_DISKCACHE:
	case BLKIF_OP_WRITE_BARRIER:
		st->f_req++;
		st->wr_sect += req->nr_sects;
		return;
	}
	if (req->rw == REQ_OP_WRITE) {
		st->wr_req++;
		st->wr_sect += req->nr_sects;
	} else {
		st->rd_req++;
		st->rd_sect += req->nr_sects;
	}
}

static void xbb_req_submit(struct xbb_ring *ring, struct xbb_req *req)
{
	struct xbb_vbd *vbd = ring->vbd;

	xbb_req_count(ring, req);
	trace_xbb_req_start(vbd->domid, vbd->handle, ring->idx, req->id,
			    req->op, req->sector, req->nr_sects, req->nr_segs);
	req->ring = ring;
	switch (req->op) {
	case BLKIF_OP_DISCARD:
		xbb_io_discard(req);
		break;
	case BLKIF_OP_WRITE_BARRIER:
		/* Emulated: everything before it, then it, then the rest. */
		xbb_ring_drain(ring, 1);
		xbb_io_dispatch(req);
		xbb_ring_drain(ring, 0);
		break;
	default:
		xbb_io_dispatch(req);
	}
}

/* Take the slot at req_cons. Return: 0, or -EBUSY/-ENOMEM to retry later. */
static int xbb_ring_take(struct xbb_ring *ring)
{
	u8 slot[XENBLK_MAX_SLOT_SIZE];
	struct xenblk_req w;
	struct xbb_req *req;
	int ret;

	req = list_first_entry_or_null(&ring->free, struct xbb_req, node);
	if (!req) {
		ring->st.ring_full++;
		return -EBUSY;
	}
	memcpy(slot, xbb_slot(ring, ring->br.req_cons), ring->slot_size);
	xenblk_decode_request(slot, ring->abi, &w);
	ret = xbb_req_prepare(ring, req, &w);
	if (ret == -ENOMEM) {
		if (req->segs != req->inline_segs)
			kfree(req->segs);
		req->segs = req->inline_segs;
		ring->st.oo_req++;
		return ret;
	}
	ring->br.req_cons++;
	list_del(&req->node);
	ring->inflight++;
	if (ret == XBB_REJECTED)
		xbb_req_respond(ring, req);
	else
		xbb_req_submit(ring, req);
	return 0;
}

static void xbb_ring_halt(struct xbb_ring *ring, RING_IDX prod)
{
	ring->halted = true;
	pr_err("%s: frontend req_prod %u overruns the ring (rsp_prod %u, %u slots): ring halted\n",
	       ring->name, prod, ring->br.rsp_prod_pvt, ring->size);
}

static bool xbb_ring_fetch(struct xbb_ring *ring)
{
	struct blkif_back_ring *br = &ring->br;
	bool found = false;
	RING_IDX prod;
	int more;

	ring->stalled = false;
	do {
		prod = READ_ONCE(br->sring->req_prod);
		virt_rmb(); /* slots after the index */
		if (!xenblk_req_prod_ok(prod, br->rsp_prod_pvt, ring->size)) {
			xbb_ring_halt(ring, prod);
			return found;
		}
		while (br->req_cons != prod) {
			if (xbb_ring_take(ring)) {
				ring->stalled = true;
				return found;
			}
			found = true;
		}
		RING_FINAL_CHECK_FOR_REQUESTS(br, more);
	} while (more);
	return found;
}

static void xbb_ring_work(struct xbb_ring *ring)
{
	bool evt = atomic_xchg(&ring->evt_pending, 0);
	bool found = false;
	struct blk_plug plug;

	if (evt)
		ring->st.notify_rx++;
	xbb_ring_reap(ring);
	if (!ring->halted) {
		blk_start_plug(&plug);
		found = xbb_ring_fetch(ring);
		blk_finish_plug(&plug);
	}
	xbb_ring_reap(ring);
	xbb_ring_push(ring);
	if (evt)
		xen_irq_lateeoi(ring->irq, found ? 0 : XEN_EOI_FLAG_SPURIOUS);
}

static void xbb_ring_housekeeping(struct xbb_ring *ring)
{
	struct xbb_vbd *vbd = ring->vbd;

	if (atomic_xchg(&ring->shrink, 0))
		xbb_pool_trim(ring, 0);
	if (vbd->persistent && READ_ONCE(vbd->pgt.full))
		xbb_pgtree_purge(ring);
	if (time_before(jiffies, ring->next_hk))
		return;
	ring->next_hk = jiffies + HZ;
	if (vbd->persistent)
		xbb_pgtree_purge(ring);
	xbb_pool_trim(ring, XBB_POOL_KEEP);
}

static bool xbb_ring_busy(struct xbb_ring *ring)
{
	return atomic_read(&ring->evt_pending) ||
	       !list_empty_careful(&ring->done) ||
	       atomic_read(&ring->shrink) || kthread_should_stop();
}

static int xbb_ring_thread(void *arg)
{
	struct xbb_ring *ring = arg;

	while (!kthread_should_stop()) {
		wait_event_interruptible_timeout(ring->wq, xbb_ring_busy(ring),
						 ring->stalled ? HZ / 50 : HZ);
		xbb_ring_work(ring);
		xbb_ring_housekeeping(ring);
	}
	/* Bios cannot be cancelled: wait for them and answer them. */
	xbb_ring_drain(ring, 0);
	return 0;
}

/**
 * xbb_ring_init() - initialise an unconnected ring
 * @ring: zeroed ring
 * @vbd: owning VBD
 * @idx: ring index
 * @abi: ring layout
 */
void xbb_ring_init(struct xbb_ring *ring, struct xbb_vbd *vbd,
		   unsigned int idx, enum xenblk_abi abi)
{
	ring->vbd = vbd;
	ring->idx = idx;
	ring->abi = abi;
	init_waitqueue_head(&ring->wq);
	spin_lock_init(&ring->done_lock);
	INIT_LIST_HEAD(&ring->done);
	INIT_LIST_HEAD(&ring->free);
	INIT_LIST_HEAD(&ring->shrink_node);
	gnttab_page_cache_init(&ring->pool);
	snprintf(ring->name, sizeof(ring->name), "xbb.%u.%u.%u", vbd->domid,
		 vbd->handle, idx);
}

static int xbb_ring_alloc(struct xbb_ring *ring)
{
	unsigned int i, nr_ind = ring->vbd->lim.max_indirect_segments;

	ring->reqs = kvcalloc(ring->size, sizeof(*ring->reqs), GFP_KERNEL);
	if (!ring->reqs)
		return -ENOMEM;
	for (i = 0; i < ring->size; i++) {
		ring->reqs[i].ring = ring;
		ring->reqs[i].segs = ring->reqs[i].inline_segs;
		list_add_tail(&ring->reqs[i].node, &ring->free);
	}
	if (!nr_ind)
		return 0;
	ring->idesc = kvcalloc(round_up(nr_ind, XENBLK_SEGS_PER_INDIRECT_PAGE),
			       sizeof(*ring->idesc), GFP_KERNEL);
	return ring->idesc ? 0 : -ENOMEM;
}

/**
 * xbb_ring_connect() - map a frontend's ring and start serving it
 * @ring: initialised ring
 * @grefs: grant references of the ring pages
 * @nr_pages: number of ring pages
 * @evtchn: the frontend's event channel
 *
 * On failure the caller undoes the partial work with xbb_ring_disconnect()
 * and xbb_ring_free().
 *
 * Return: 0 or a negative errno.
 */
int xbb_ring_connect(struct xbb_ring *ring, grant_ref_t *grefs,
		     unsigned int nr_pages, evtchn_port_t evtchn)
{
	struct xenbus_device *dev = ring->vbd->dev;
	int err;

	err = xenbus_map_ring_valloc(dev, grefs, nr_pages, &ring->sring);
	if (err)
		return err;
	ring->nr_pages = nr_pages;
	ring->slot_size = xenblk_abi_slot_size(ring->abi);
	ring->size = xenblk_ring_slots(ring->slot_size, nr_pages);
	BACK_RING_INIT(&ring->br, (struct blkif_sring *)ring->sring,
		       XEN_PAGE_SIZE * nr_pages);
	ring->br.nr_ents = ring->size;
	err = xbb_ring_alloc(ring);
	if (err)
		return err;
	err = bind_interdomain_evtchn_to_irqhandler_lateeoi(dev, evtchn,
							    xbb_ring_irq, 0,
							    ring->name, ring);
	if (err < 0)
		return err;
	ring->irq = err;
	ring->next_hk = jiffies + HZ;
	ring->task = kthread_run(xbb_ring_thread, ring, "%s", ring->name);
	if (IS_ERR(ring->task)) {
		err = PTR_ERR(ring->task);
		ring->task = NULL;
		return err;
	}
	xbb_shrinker_add(ring);
	return 0;
}

/**
 * xbb_ring_disconnect() - stop serving a ring (idempotent)
 * @ring: the ring
 *
 * Waits for the requests in flight, then unbinds the event channel and
 * unmaps the shared ring. Grants of the VBD's persistent tree and the page
 * cache are released by the caller once every ring is stopped.
 */
void xbb_ring_disconnect(struct xbb_ring *ring)
{
	xbb_shrinker_del(ring);
	if (ring->task) {
		kthread_stop(ring->task);
		ring->task = NULL;
	}
	if (ring->irq > 0) {
		unbind_from_irqhandler(ring->irq, ring);
		ring->irq = 0;
	}
	if (ring->sring) {
		xenbus_unmap_ring_vfree(ring->vbd->dev, ring->sring);
		ring->sring = NULL;
	}
}

/**
 * xbb_ring_free() - free a disconnected ring's memory
 * @ring: the ring
 */
void xbb_ring_free(struct xbb_ring *ring)
{
	xbb_pool_trim(ring, 0);
	kvfree(ring->reqs);
	ring->reqs = NULL;
	kvfree(ring->idesc);
	ring->idesc = NULL;
}
