// SPDX-License-Identifier: GPL-2.0-only
/*
 * xenblk frontend: shared rings, event channels, response handling and the
 * ring watchdog.
 *
 * Responses are copied out of the shared ring once and validated against
 * the frontend's own table of sent operations before anything is done with
 * them.  A backend that breaks the protocol puts the disk in an error state.
 */
#include <linux/interrupt.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <xen/events.h>
#include <xen/page.h>
#include "blkfront.h"
#include "xbf_trace.h"

static irqreturn_t xbf_interrupt(int irq, void *dev_id);

static int xbf_ring_setup(struct xbf_ring *ring, unsigned int order)
{
	struct xenbus_device *dev = ring->info->xbdev;
	unsigned int i;
	int err;

	ring->nr_pages = 1U << order;
	err = xenbus_setup_ring(dev, GFP_NOIO | __GFP_HIGH, (void **)&ring->sring,
				ring->nr_pages, ring->refs);
	if (err)
		return err;
	xbf_grants_granted(ring->nr_pages);
	XEN_FRONT_RING_INIT(&ring->front, ring->sring,
			    XEN_PAGE_SIZE * ring->nr_pages);
	ring->size = RING_SIZE(&ring->front);

	ring->shadow = kvcalloc(ring->size, sizeof(*ring->shadow), GFP_KERNEL);
	ring->sent_ops = kvmalloc(ring->size, GFP_KERNEL);
	if (!ring->shadow || !ring->sent_ops)
		return -ENOMEM;
	memset(ring->sent_ops, XENBLK_ID_FREE, ring->size);
	for (i = 0; i < ring->size; i++)
		ring->shadow[i].next_free = i + 1;
	ring->free_head = 0;

	err = xenbus_alloc_evtchn(dev, &ring->evtchn);
	if (err)
		return err;
	snprintf(ring->irq_name, sizeof(ring->irq_name), "xbf-%s-%u",
		 dev->nodename + strlen("device/vbd/"), ring->index);
	err = bind_evtchn_to_irqhandler_lateeoi(ring->evtchn, xbf_interrupt, 0,
						ring->irq_name, ring);
	if (err < 0) {
		xenbus_free_evtchn(dev, ring->evtchn);
		ring->evtchn = 0;
		return err;
	}
	ring->irq = err;
	ring->wd_stamp = jiffies;
	return 0;
}

/*
 * Stop a ring: no more interrupts or grant callbacks, nothing in flight.
 * Its pages and grants stay: the backend may still map them.
 */
static void xbf_ring_quiesce(struct xbf_ring *ring)
{
	unsigned long flags;

	/* Returns with the callback neither queued nor running. */
	gnttab_cancel_free_callback(&ring->gnt_cb);
	ring->gnt_waiting = false;
	if (ring->irq >= 0)
		unbind_from_irqhandler(ring->irq, ring);
	ring->irq = -1;
	spin_lock_irqsave(&ring->lock, flags);
	if (ring->shadow && ring->sent_ops)
		xbf_ring_fail_all(ring, NULL);
	spin_unlock_irqrestore(&ring->lock, flags);
}

/*
 * End the grants of the ring pages. A page the backend still maps must
 * not be freed: the backend could write into whatever reuses it. Then the
 * whole ring area is left allocated, and the grant table frees the refs
 * once the backend unmaps them.
 */
static void xbf_ring_pages_free(struct xbf_ring *ring)
{
	unsigned int i, mapped = 0;

	for (i = 0; i < ring->nr_pages; i++) {
		if (ring->refs[i] == INVALID_GRANT_REF)
			continue;
		if (!gnttab_try_end_foreign_access(ring->refs[i])) {
			gnttab_end_foreign_access(ring->refs[i], NULL);
			mapped++;
		}
		ring->refs[i] = INVALID_GRANT_REF;
	}
	xbf_grants_ended(ring->nr_pages, mapped);
	if (mapped)
		pr_warn("%s: ring %u: backend still maps %u ring pages; leaving them allocated\n",
			xbf_name(ring->info), ring->index, mapped);
	else
		free_pages_exact(ring->sring, ring->nr_pages * XEN_PAGE_SIZE);
	ring->sring = NULL;
}

static void xbf_ring_teardown(struct xbf_ring *ring)
{
	unsigned long flags;

	xbf_ring_quiesce(ring);
	spin_lock_irqsave(&ring->lock, flags);
	xbf_pool_trim(ring, 0);
	spin_unlock_irqrestore(&ring->lock, flags);
	if (ring->sring)
		xbf_ring_pages_free(ring);
	kvfree(ring->shadow);
	kvfree(ring->sent_ops);
	ring->shadow = NULL;
	ring->sent_ops = NULL;
}

/**
 * xbf_rings_alloc - allocate and share the rings of a device
 * @info: the device
 * @nr: number of rings
 * @order: log2 of the pages per ring
 *
 * Return: 0 or a negative errno (nothing left allocated).
 */
int xbf_rings_alloc(struct xbf_info *info, unsigned int nr, unsigned int order)
{
	unsigned int i;
	int err = 0;

	info->rings = kcalloc(nr, sizeof(*info->rings), GFP_KERNEL);
	if (!info->rings)
		return -ENOMEM;
	info->feat.nr_rings = nr;
	info->feat.ring_order = order;
	for (i = 0; i < nr; i++) {
		struct xbf_ring *ring = &info->rings[i];

		ring->info = info;
		ring->index = i;
		ring->irq = -1;
		spin_lock_init(&ring->lock);
		INIT_LIST_HEAD(&ring->pool);
	}
	for (i = 0; i < nr && !err; i++)
		err = xbf_ring_setup(&info->rings[i], order);
	if (err)
		xbf_rings_free(info);
	return err;
}

/**
 * xbf_rings_quiesce - stop all rings of a device, keeping their grants
 * @info: the device, its disk already gone
 *
 * For a backend that is closing: it unmaps the rings and the persistent
 * grants only once we are Closed, and a grant ended while still mapped
 * stays out of the guest's grant table until the grant table's deferred
 * release gets to it (slowly). xbf_rings_free() ends them later.
 */
void xbf_rings_quiesce(struct xbf_info *info)
{
	unsigned int i;

	for (i = 0; info->rings && i < info->feat.nr_rings; i++)
		xbf_ring_quiesce(&info->rings[i]);
}

/**
 * xbf_rings_free - tear down all rings of a device
 * @info: the device
 *
 * Requests still on a ring are failed; callers that want to keep them
 * (resume) take them off with xbf_ring_fail_all() first.
 */
void xbf_rings_free(struct xbf_info *info)
{
	unsigned int i;

	if (!info->rings)
		return;
	for (i = 0; i < info->feat.nr_rings; i++)
		xbf_ring_teardown(&info->rings[i]);
	kfree(info->rings);
	info->rings = NULL;
	info->feat.nr_rings = 0;
}

/**
 * xbf_ring_write_keys - publish one ring's grant refs and event channel
 * @ring: the ring
 * @xbt: open xenstore transaction
 * @dir: directory (the device's, or its queue-N subdirectory)
 *
 * Return: 0 or a negative errno.
 */
int xbf_ring_write_keys(struct xbf_ring *ring, struct xenbus_transaction xbt,
			const char *dir)
{
	char key[24];
	unsigned int i;
	int err;

	if (ring->nr_pages == 1) {
		err = xenbus_printf(xbt, dir, XENBLK_KEY_RING_REF, "%u",
				    ring->refs[0]);
		if (err)
			return err;
	}
	for (i = 0; ring->nr_pages > 1 && i < ring->nr_pages; i++) {
		snprintf(key, sizeof(key), XENBLK_KEY_RING_REF "%u", i);
		err = xenbus_printf(xbt, dir, key, "%u", ring->refs[i]);
		if (err)
			return err;
	}
	return xenbus_printf(xbt, dir, XENBLK_KEY_EVTCHN, "%u", ring->evtchn);
}

/**
 * xbf_slot_get - reserve a free slot of a ring
 * @ring: the ring, lock held
 *
 * Return: the slot index, or -EBUSY when the ring is full.
 */
int xbf_slot_get(struct xbf_ring *ring)
{
	unsigned int slot = ring->free_head;

	if (slot >= ring->size)
		return -EBUSY;
	ring->free_head = ring->shadow[slot].next_free;
	ring->inflight++;
	return slot;
}

/**
 * xbf_slot_put - return a slot to the free list
 * @ring: the ring, lock held
 * @slot: the slot
 */
void xbf_slot_put(struct xbf_ring *ring, unsigned int slot)
{
	struct xbf_shadow *s = &ring->shadow[slot];

	s->rq = NULL;
	s->gnts = NULL;
	s->nr_segs = 0;
	s->nr_ind = 0;
	ring->sent_ops[slot] = XENBLK_ID_FREE;
	s->next_free = ring->free_head;
	ring->free_head = slot;
	ring->inflight--;
}

/**
 * xbf_ring_push - make queued requests visible and notify the backend
 * @ring: the ring, lock held
 */
void xbf_ring_push(struct xbf_ring *ring)
{
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&ring->front, notify);
	if (notify) {
		notify_remote_via_irq(ring->irq);
		ring->stats.notifications++;
	}
}

static void xbf_end_slot(struct xbf_ring *ring, unsigned int slot,
			 blk_status_t status)
{
	struct xbf_shadow *s = &ring->shadow[slot];
	struct request *rq = s->rq;

	bool released = xbf_shadow_release(ring, s, status == BLK_STS_OK);

	xbf_slot_put(ring, slot);
	if (status == XBF_STS_RESEND && released) {
		/* goes out again as a plain write: see xbf_refused_flush() */
		blk_mq_requeue_request(rq, true);
		return;
	}
	xbf_complete_rq(rq, released ? status : BLK_STS_IOERR);
	if (!released)
		xbf_set_broken(ring->info, ring, "grant still mapped", slot, 0);
}

/**
 * xbf_ring_fail_all - take every sent request off a ring
 * @ring: the ring, lock held
 * @saved: if not NULL, requests are parked here for re-issue; otherwise
 *	they complete with an I/O error
 */
void xbf_ring_fail_all(struct xbf_ring *ring, struct list_head *saved)
{
	unsigned int i;

	for (i = 0; i < ring->size; i++) {
		struct xbf_shadow *s = &ring->shadow[i];
		struct xbf_pdu *pdu;

		if (ring->sent_ops[i] == XENBLK_ID_FREE)
			continue;
		if (!saved) {
			xbf_end_slot(ring, i, BLK_STS_IOERR);
			continue;
		}
		pdu = blk_mq_rq_to_pdu(s->rq);
		list_add_tail(&pdu->node, saved);
		xbf_shadow_release(ring, s, false);
		xbf_slot_put(ring, i);
	}
}

/**
 * xbf_set_broken - the backend broke the protocol: disable the disk
 * @info: the device
 * @ring: the ring where it happened (lock held)
 * @why: what was wrong
 * @a: first detail value
 * @b: second detail value
 *
 * Prints one line, then fails everything on @ring; the other rings fail
 * their requests at the next interrupt or timeout.
 */
void xbf_set_broken(struct xbf_info *info, struct xbf_ring *ring,
		    const char *why, unsigned long a, unsigned long b)
{
	if (test_and_set_bit(XBF_F_BROKEN, &info->flags))
		return;
	pr_err("%s: ring %u: backend protocol violation (%s, %lu/%lu): disk disabled, I/O fails from now on\n",
	       xbf_name(info), ring->index, why, a, b);
	xbf_ring_fail_all(ring, NULL);
}

/*
 * The backend refused a flush or barrier: it has no cache it can flush (or
 * no longer offers one).  Requests sent from now on carry neither; the
 * queue's write-cache flags follow in xbf_update_work().  An empty flush
 * has nothing left to do and succeeds; a barrier write carried data the
 * backend did not write, so it is sent again as a plain write.
 */
static blk_status_t xbf_refused_flush(struct xbf_ring *ring, unsigned int slot)
{
	struct xbf_info *info = ring->info;

	WRITE_ONCE(info->feat.fua, false);
	WRITE_ONCE(info->feat.flush_op, 0);
	set_bit(XBF_F_DROP_FLUSH, &info->flags);
	schedule_work(&info->update_work);
	return ring->shadow[slot].nr_segs ? XBF_STS_RESEND : BLK_STS_OK;
}

static blk_status_t xbf_rsp_status(struct xbf_ring *ring, unsigned int slot,
				   s16 status)
{
	struct xbf_info *info = ring->info;
	u8 op = ring->sent_ops[slot];

	if (status == BLKIF_RSP_OKAY)
		return BLK_STS_OK;
	ring->stats.errors++;
	if (status == BLKIF_RSP_EOPNOTSUPP) {
		if (op == BLKIF_OP_FLUSH_DISKCACHE || op == BLKIF_OP_WRITE_BARRIER)
			return xbf_refused_flush(ring, slot);
		if (op == BLKIF_OP_DISCARD) {
			set_bit(XBF_F_DROP_DISCARD, &info->flags);
			schedule_work(&info->update_work);
		}
		return BLK_STS_NOTSUPP;
	}
	pr_err_ratelimited("%s: backend reported an error for op %u at sector %llu\n",
			   xbf_name(info), op,
			   (unsigned long long)blk_rq_pos(ring->shadow[slot].rq));
	return BLK_STS_IOERR;
}

/* Returns false if the response broke the protocol. */
static bool xbf_handle_rsp(struct xbf_ring *ring, RING_IDX cons)
{
	struct blkif_response copy;
	struct xenblk_rsp rsp;
	int err;

	RING_COPY_RESPONSE(&ring->front, cons, &copy);
	xenblk_decode_response(&copy, &rsp);
	err = xenblk_check_response(&rsp, ring->size, ring->sent_ops);
	if (err == -XENBLK_R_BAD_STATUS) {
		/* id and operation are right: only this request fails. */
		pr_err_ratelimited("%s: ring %u: backend status %d is not in the protocol: request %llu fails\n",
				   xbf_name(ring->info), ring->index,
				   rsp.status, (unsigned long long)rsp.id);
		ring->stats.errors++;
		xbf_end_slot(ring, rsp.id, BLK_STS_IOERR);
		return true;
	}
	if (err) {
		xbf_set_broken(ring->info, ring, xenblk_err_str(err),
			       (unsigned long)rsp.id, rsp.operation);
		return false;
	}
	trace_xbf_complete(xbf_name(ring->info), ring->index, rsp.id,
			   rsp.operation, rsp.status);
	xbf_end_slot(ring, rsp.id, xbf_rsp_status(ring, rsp.id, rsp.status));
	return true;
}

static unsigned int xbf_ring_drain(struct xbf_ring *ring)
{
	unsigned int done = 0;
	RING_IDX rp, cons;
	int more;

	do {
		rp = READ_ONCE(ring->sring->rsp_prod);
		virt_rmb(); /* responses after the index */
		if (!xenblk_rsp_prod_ok(rp, ring->front.rsp_cons,
					ring->front.req_prod_pvt, ring->size)) {
			xbf_set_broken(ring->info, ring, "rsp_prod overflow", rp,
				       ring->front.rsp_cons);
			return done;
		}
		for (cons = ring->front.rsp_cons; cons != rp; cons++) {
			ring->front.rsp_cons = cons + 1;
			if (!xbf_handle_rsp(ring, cons))
				return done;
			done++;
		}
		RING_FINAL_CHECK_FOR_RESPONSES(&ring->front, more);
	} while (more);
	return done;
}

/**
 * xbf_ring_kick - consume whatever responses are on a ring
 * @ring: the ring, lock held
 *
 * Return: true if at least one response was consumed.
 */
bool xbf_ring_kick(struct xbf_ring *ring)
{
	unsigned int done;

	if (test_bit(XBF_F_BROKEN, &ring->info->flags)) {
		xbf_ring_fail_all(ring, NULL);
		return false;
	}
	done = xbf_ring_drain(ring);
	ring->stats.completions += done;
	if (done > ring->stats.max_batch)
		ring->stats.max_batch = done;
	if (done)
		ring->wd_stamp = jiffies;
	return done;
}

/*
 * Slots and grants of @ring were freed after it turned requests away: run
 * the hardware queues it serves now, rather than when blk-mq's retry timer
 * fires.  Only those: the others gain nothing from it, and as each ring's
 * events go to a CPU of its own queue, this stays on the local CPU while
 * rings and queues pair up, instead of waking every other vCPU's kblockd
 * worker on each completion.
 */
static void xbf_run_served_queues(struct xbf_ring *ring)
{
	struct xbf_info *info = ring->info;
	struct gendisk *gd = READ_ONCE(info->gd);
	struct blk_mq_hw_ctx *hctx;
	unsigned long i;

	if (!gd || !info->feat.nr_rings)
		return;
	queue_for_each_hw_ctx(gd->queue, hctx, i)
		if (xbf_queue_ring(info, hctx->queue_num) == ring->index)
			blk_mq_run_hw_queue(hctx, true);
}

/* Grant table callback: enough grants are free. Atomic context. */
static void xbf_grants_freed(void *arg)
{
	struct xbf_ring *ring = arg;

	WRITE_ONCE(ring->gnt_waiting, false);
	xbf_run_served_queues(ring);
}

/**
 * xbf_wait_grants - park a ring's queues until grants are free again
 * @ring: the ring whose request could not get all its grants
 * @count: grants the request needs
 *
 * When the guest's grant table is full, retrying every few milliseconds
 * (BLK_STS_RESOURCE) costs a queue run per hardware queue each time, and
 * does nothing until another device or ring frees grants.  Instead ask the
 * grant table to call back once @count entries are free; the ring
 * watchdog runs the queues too, should that call come before blk-mq has
 * parked the request.
 *
 * Return: BLK_STS_DEV_RESOURCE when waiting on the grant table,
 * BLK_STS_RESOURCE when the shortage was something else (memory, the
 * ring's own grant budget, which its completions restore).
 */
blk_status_t xbf_wait_grants(struct xbf_ring *ring, unsigned int count)
{
	unsigned long flags;

	if (!xchg(&ring->gnt_short, false))
		return BLK_STS_RESOURCE;
	spin_lock_irqsave(&ring->lock, flags);
	ring->stats.grant_waits++;
	spin_unlock_irqrestore(&ring->lock, flags);
	WRITE_ONCE(ring->gnt_waiting, true);
	gnttab_request_free_callback(&ring->gnt_cb, xbf_grants_freed, ring,
				     count);
	return BLK_STS_DEV_RESOURCE;
}

static irqreturn_t xbf_interrupt(int irq, void *dev_id)
{
	struct xbf_ring *ring = dev_id;
	unsigned long flags;
	bool work, restart;

	spin_lock_irqsave(&ring->lock, flags);
	ring->stats.interrupts++;
	work = xbf_ring_kick(ring);
	restart = work && ring->starved;
	if (restart)
		ring->starved = false;
	spin_unlock_irqrestore(&ring->lock, flags);
	if (restart)
		xbf_run_served_queues(ring);
	xen_irq_lateeoi(irq, work ? 0 : XEN_EOI_FLAG_SPURIOUS);
	return IRQ_HANDLED;
}

static void xbf_ring_watch(struct xbf_ring *ring)
{
	struct xbf_info *info = ring->info;

	if (!ring->inflight || ring->front.rsp_cons != ring->wd_cons) {
		ring->wd_cons = ring->front.rsp_cons;
		ring->wd_stamp = jiffies;
		return;
	}
	if (!time_after(jiffies, ring->wd_stamp + XBF_HANG_REPORT_AFTER))
		return;
	if (RING_HAS_UNCONSUMED_RESPONSES(&ring->front) && xbf_ring_kick(ring)) {
		pr_warn_ratelimited("%s: ring %u: responses found without an interrupt\n",
				    xbf_name(info), ring->index);
		return;
	}
	pr_warn_ratelimited("%s: ring %u: backend silent for %us with %u requests in flight (req_prod %u rsp_prod %u rsp_cons %u rsp_event %u)\n",
			    xbf_name(info), ring->index,
			    jiffies_to_msecs(jiffies - ring->wd_stamp) / 1000,
			    ring->inflight, ring->front.req_prod_pvt,
			    READ_ONCE(ring->sring->rsp_prod),
			    ring->front.rsp_cons,
			    READ_ONCE(ring->sring->rsp_event));
}

/**
 * xbf_watchdog_fn - periodic ring check and persistent pool trimming
 * @work: &xbf_info.watchdog
 */
void xbf_watchdog_fn(struct work_struct *work)
{
	struct xbf_info *info = container_of(to_delayed_work(work),
					     struct xbf_info, watchdog);
	unsigned long flags;
	unsigned int i;

	mutex_lock(&info->mutex);
	if (info->state != XBF_CONNECTED) {
		mutex_unlock(&info->mutex);
		return;
	}
	for (i = 0; i < info->feat.nr_rings; i++) {
		struct xbf_ring *ring = &info->rings[i];

		spin_lock_irqsave(&ring->lock, flags);
		xbf_ring_watch(ring);
		xbf_pool_trim(ring, XBF_GNT_IDLE_RELEASE);
		spin_unlock_irqrestore(&ring->lock, flags);
		if (READ_ONCE(ring->gnt_waiting))
			xbf_run_served_queues(ring);
	}
	schedule_delayed_work(&info->watchdog, XBF_WATCHDOG_PERIOD);
	mutex_unlock(&info->mutex);
}

/**
 * xbf_timeout_rq - blk-mq timeout for one request
 * @info: the device
 * @rq: the request that timed out
 *
 * Return: true if the request was completed (with an error) here.
 */
bool xbf_timeout_rq(struct xbf_info *info, struct request *rq)
{
	struct xbf_pdu *pdu = blk_mq_rq_to_pdu(rq);
	bool dead, done = false;
	struct xbf_ring *ring;
	unsigned long flags;

	if (!mutex_trylock(&info->mutex))
		return false;
	dead = test_bit(XBF_F_BROKEN, &info->flags) ||
	       info->state == XBF_CLOSING || info->state == XBF_CLOSED;
	if (!info->rings || pdu->ring >= info->feat.nr_rings)
		goto out;
	ring = &info->rings[pdu->ring];
	spin_lock_irqsave(&ring->lock, flags);
	if (pdu->slot < ring->size && ring->shadow[pdu->slot].rq == rq &&
	    ring->sent_ops[pdu->slot] != XENBLK_ID_FREE) {
		if (dead) {
			xbf_end_slot(ring, pdu->slot, BLK_STS_IOERR);
			done = true;
		} else {
			pr_warn_ratelimited("%s: ring %u: request %u timed out (req_prod %u rsp_prod %u rsp_cons %u)\n",
					    xbf_name(info), ring->index, pdu->slot,
					    ring->front.req_prod_pvt,
					    READ_ONCE(ring->sring->rsp_prod),
					    ring->front.rsp_cons);
		}
	}
	spin_unlock_irqrestore(&ring->lock, flags);
out:
	mutex_unlock(&info->mutex);
	return done;
}
