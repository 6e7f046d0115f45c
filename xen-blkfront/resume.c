// SPDX-License-Identifier: GPL-2.0-only
/*
 * xenblk frontend: reconnection.
 *
 * After save/restore or migration the rings are gone.  Requests that were
 * on them are parked (the queue stays quiesced), the handshake runs again
 * with whatever the new backend offers, and the parked requests are sent
 * again; one that no longer fits the new limits has its bios resubmitted
 * so the block layer splits them.  No error reaches the application.
 *
 * Changing max_indirect_segments at runtime freezes the queue (in-flight
 * requests finish), re-reads the backend's offer, applies the new request
 * size and unfreezes: the frontend alone picks the size of its requests,
 * so the rings themselves need not be rebuilt.  A request built for the
 * old limits that reaches the driver afterwards is split the same way.
 */
#include <linux/bio.h>
#include "blkfront.h"

/**
 * xbf_resume - xenbus resume callback: park in-flight requests, drop rings
 * @dev: the xenbus device
 *
 * Return: 0.
 */
int xbf_resume(struct xenbus_device *dev)
{
	struct xbf_info *info = dev_get_drvdata(&dev->dev);
	unsigned long flags;
	unsigned int i;

	xbf_debugfs_remove(info);	/* its files point into the rings */
	mutex_lock(&info->mutex);
	if (info->gd && info->state == XBF_CONNECTED) {
		blk_mq_quiesce_queue(info->gd->queue);
		info->state = XBF_RECONNECTING;
	}
	for (i = 0; info->rings && i < info->feat.nr_rings; i++) {
		struct xbf_ring *ring = &info->rings[i];

		spin_lock_irqsave(&ring->lock, flags);
		xbf_ring_fail_all(ring, &info->reissue);
		spin_unlock_irqrestore(&ring->lock, flags);
	}
	xbf_rings_free(info);
	mutex_unlock(&info->mutex);
	dev_info(&dev->dev, "resumed, reconnecting to the backend\n");
	return 0;
}

/**
 * xbf_split_work - submit the bios of requests that were too large
 * @work: &xbf_info.split_work
 *
 * The block layer splits them to the current queue limits.
 */
void xbf_split_work(struct work_struct *work)
{
	struct xbf_info *info = container_of(work, struct xbf_info, split_work);
	unsigned long sent, stolen;
	struct bio_list bios;
	unsigned int n;
	struct bio *bio;

	spin_lock_irq(&info->split_lock);
	bios = info->split_bios;
	bio_list_init(&info->split_bios);
	n = bio_list_size(&bios);
	info->split_sent += n;
	sent = info->split_sent;
	stolen = info->split_stolen;
	spin_unlock_irq(&info->split_lock);
	while ((bio = bio_list_pop(&bios))) {
		/*
		 * Its submitter asked not to wait, at its own submission;
		 * split again under REQ_NOWAIT, the bio would now end with
		 * EAGAIN in a worker, and io_uring passes that error on to
		 * the application instead of issuing it again.
		 */
		bio->bi_opf &= ~REQ_NOWAIT;
		submit_bio_noacct(bio);
	}
	pr_info_ratelimited("%s: %u bios of too large requests submitted again (%lu of %lu)\n",
			    xbf_name(info), n, sent, stolen);
}

/**
 * xbf_resubmit - send a too large request back through the block layer
 * @info: the device
 * @rq: a started request built for larger limits than now negotiated
 *
 * Its bios are taken over and submitted again from a work item, so they
 * are split to the new limits; the request itself completes empty.
 *
 * Return: BLK_STS_OK, or BLK_STS_IOERR for a request that cannot be
 * taken apart (part of a flush sequence).
 */
blk_status_t xbf_resubmit(struct xbf_info *info, struct request *rq)
{
	unsigned long flags;

	if ((rq->rq_flags & RQF_FLUSH_SEQ) || !rq->bio) {
		pr_err_ratelimited("%s: request of %u bytes exceeds the negotiated limits\n",
				   xbf_name(info), blk_rq_bytes(rq));
		return BLK_STS_IOERR;
	}
	spin_lock_irqsave(&info->split_lock, flags);
	info->split_stolen += blk_rq_count_bios(rq);
	blk_steal_bios(&info->split_bios, rq);
	spin_unlock_irqrestore(&info->split_lock, flags);
	blk_mq_end_request(rq, BLK_STS_OK);
	queue_work(system_wq, &info->split_work);
	return BLK_STS_OK;
}

/**
 * xbf_reissue - send parked requests again after a reconnect
 * @info: the device, connected, mutex held, queue quiesced
 *
 * Requests larger than the new limits are split on their way through
 * xbf_queue_rq() (see xbf_resubmit()).
 */
void xbf_reissue(struct xbf_info *info)
{
	struct request_queue *q = info->gd->queue;
	struct xbf_pdu *pdu, *tmp;
	unsigned int n = 0;

	list_for_each_entry_safe(pdu, tmp, &info->reissue, node) {
		list_del_init(&pdu->node);
		blk_mq_requeue_request(blk_mq_rq_from_pdu(pdu), false);
		n++;
	}
	blk_mq_unquiesce_queue(q);
	blk_mq_kick_requeue_list(q);
	if (n)
		pr_info("%s: reconnected; %u requests re-issued\n",
			xbf_name(info), n);
}

/**
 * xbf_set_max_segs - change the segments per request at runtime
 * @info: the device
 * @segs: wanted segments per request (11 .. 4096)
 *
 * Return: 0 or a negative errno.
 */
int xbf_set_max_segs(struct xbf_info *info, unsigned int segs)
{
	unsigned int memflags;

	if (segs < BLKIF_MAX_SEGMENTS_PER_REQUEST || segs > XBF_MAX_INDIRECT_SEGS)
		return -EINVAL;
	mutex_lock(&info->mutex);
	info->want_segs = segs;
	if (info->state != XBF_CONNECTED || !info->gd) {
		mutex_unlock(&info->mutex);
		return 0;	/* applied at the next connect */
	}
	memflags = xbf_compat_freeze(info->gd->queue);
	info->feat.backend_indirect =
		xenbus_read_unsigned(info->xbdev->otherend,
				     XENBLK_KEY_MAX_INDIRECT, 0);
	info->feat.max_segs = xbf_pick_segs(info);
	if (info->feat.max_segs > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		info->feat.fua = false;
	xbf_blkdev_update_limits(info);
	xbf_compat_unfreeze(info->gd->queue, memflags);
	pr_info("%s: %u segments per request (asked %u, backend offers %u)\n",
		xbf_name(info), info->feat.max_segs, segs,
		info->feat.backend_indirect);
	mutex_unlock(&info->mutex);
	return 0;
}

/**
 * xbf_update_work - drop features the backend refused with EOPNOTSUPP
 * @work: &xbf_info.update_work
 */
void xbf_update_work(struct work_struct *work)
{
	struct xbf_info *info = container_of(work, struct xbf_info, update_work);
	unsigned int memflags;

	mutex_lock(&info->mutex);
	if (info->state != XBF_CONNECTED || !info->gd)
		goto out;
	memflags = xbf_compat_freeze(info->gd->queue);
	if (test_and_clear_bit(XBF_F_DROP_FLUSH, &info->flags)) {
		/* xbf_refused_flush() already stopped sending them */
		pr_warn("%s: backend refused a flush: write cache flushes disabled\n",
			xbf_name(info));
		info->feat.flush_op = 0;
		info->feat.fua = false;
	}
	if (test_and_clear_bit(XBF_F_DROP_DISCARD, &info->flags) &&
	    info->feat.discard) {
		pr_warn("%s: backend refused a discard: discard disabled\n",
			xbf_name(info));
		info->feat.discard = false;
		info->feat.secure_discard = false;
	}
	xbf_blkdev_update_limits(info);
	xbf_compat_unfreeze(info->gd->queue, memflags);
out:
	mutex_unlock(&info->mutex);
}
