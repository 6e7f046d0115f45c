// SPDX-License-Identifier: GPL-2.0-only
/*
 * xen-blkback: requests to the block layer. Data requests become one or
 * more bios over the mapped grant pages (the caller holds a plug); discards
 * run on a workqueue.
 */
#include <linux/bio.h>
#include <linux/workqueue.h>
#include "common.h"

static void xbb_req_put(struct xbb_req *req)
{
	if (!atomic_dec_and_test(&req->pending))
		return;
	if (req->error)
		req->status = BLKIF_RSP_ERROR;
	else if (req->notsupp)
		req->status = BLKIF_RSP_EOPNOTSUPP;
	xbb_ring_complete(req);
}

static void xbb_bio_end(struct bio *bio)
{
	struct xbb_req *req = bio->bi_private;

	if (bio->bi_status == BLK_STS_NOTSUPP) {
		req->notsupp = true;
	} else if (bio->bi_status) {
		pr_err_ratelimited("%s: I/O error %d at sector %llu (op %u)\n",
				   req->ring->name,
				   blk_status_to_errno(bio->bi_status),
				   (unsigned long long)req->sector, req->op);
		req->error = true;
	}
	bio_put(bio);
	xbb_req_put(req);
}

static blk_opf_t xbb_opf(struct xbb_req *req)
{
	switch (req->op) {
	case BLKIF_OP_FLUSH_DISKCACHE:
		if (!req->nr_segs)
			return REQ_OP_WRITE | REQ_PREFLUSH;
		return REQ_OP_WRITE | REQ_SYNC | REQ_PREFLUSH | REQ_FUA;
	case BLKIF_OP_WRITE_BARRIER:
		return REQ_OP_WRITE | REQ_SYNC | REQ_PREFLUSH | REQ_FUA;
	}
	if (req->rw == REQ_OP_WRITE)
		return REQ_OP_WRITE | REQ_SYNC | REQ_IDLE;
	return REQ_OP_READ;
}

static struct bio *xbb_bio_new(struct xbb_req *req, unsigned int nr_vecs,
			       blk_opf_t opf, sector_t sector)
{
	struct bio *bio;

	bio = bio_alloc(req->ring->vbd->bdev, min_t(unsigned int, nr_vecs,
						     BIO_MAX_VECS),
			opf, GFP_NOIO);
	bio->bi_iter.bi_sector = sector;
	bio->bi_private = req;
	bio->bi_end_io = xbb_bio_end;
	atomic_inc(&req->pending);
	return bio;
}

/**
 * xbb_io_dispatch() - submit a read, write, flush or barrier request
 * @req: a request whose segments are mapped
 *
 * Completion goes through xbb_ring_complete() once every bio has ended.
 */
void xbb_io_dispatch(struct xbb_req *req)
{
	blk_opf_t opf = xbb_opf(req);
	sector_t sector = req->sector;
	struct bio *bio = NULL;
	unsigned int i;

	atomic_set(&req->pending, 1);
	for (i = 0; i < req->nr_segs; i++) {
		struct xbb_seg *seg = &req->segs[i];
		unsigned int off = seg->first << SECTOR_SHIFT;
		unsigned int len = (seg->last - seg->first + 1) << SECTOR_SHIFT;

		while (!bio || bio_add_page(bio, seg->page, len, off) != len) {
			if (bio)
				submit_bio(bio);
			bio = xbb_bio_new(req, req->nr_segs - i, opf, sector);
		}
		sector += len >> SECTOR_SHIFT;
	}
	/*
	 * An empty flush or barrier names no sector, whatever the frontend put
	 * there (Linux 6.1's blkfront sends -1): pass 0, which any block layer
	 * accepts, not a position its alignment checks would refuse.
	 */
	if (!bio)
		bio = xbb_bio_new(req, 0, opf, 0);
	submit_bio(bio);
	xbb_req_put(req);
}

/* Discards can take long (a whole device): run them off the ring kthread. */
static void xbb_discard_work(struct work_struct *work)
{
	struct xbb_req *req = container_of(work, struct xbb_req, discard_work);
	struct xbb_vbd *vbd = req->ring->vbd;
	struct block_device *bdev = vbd->bdev;
	int err;

	if ((req->flag & BLKIF_DISCARD_SECURE) && vbd->lim.discard_secure)
		err = blkdev_issue_secure_erase(bdev, req->sector,
						req->nr_sects, GFP_NOIO);
	else
		err = blkdev_issue_discard(bdev, req->sector, req->nr_sects,
					   GFP_NOIO);
	if (err == -EOPNOTSUPP)
		req->status = BLKIF_RSP_EOPNOTSUPP;
	else if (err)
		req->status = BLKIF_RSP_ERROR;
	xbb_ring_complete(req);
}

/**
 * xbb_io_discard() - discard (or securely erase) a range
 * @req: a validated discard request
 *
 * The discard runs on a workqueue so that the ring keeps serving reads and
 * writes meanwhile; completion goes through xbb_ring_complete() like any
 * other request, and the ring kthread waits for it before it stops.
 */
void xbb_io_discard(struct xbb_req *req)
{
	INIT_WORK(&req->discard_work, xbb_discard_work);
	queue_work(system_unbound_wq, &req->discard_work);
}
