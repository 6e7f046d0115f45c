/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenblk frontend: kernel API differences between Linux 6.1 and 7.x.
 *
 * Every difference is detected by a probe in compat/probes/ (HAVE_*), never
 * by a version number.  Callers use the xbf_compat_* helpers only.
 */
#ifndef XBF_KCOMPAT_H
#define XBF_KCOMPAT_H

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <xen/xenbus.h>
#include "xenblk_compat.h"
#include <xenblk/xenbus_compat.h>

/**
 * struct xbf_limits - queue limits computed by the driver
 * @lbs: logical block size (bytes).
 * @pbs: physical block size (bytes).
 * @max_segs: segments per request.
 * @max_sectors: 512-byte sectors per request.
 * @max_discard: discard sectors per request (0 = no discard).
 * @max_secure: secure erase sectors per request (0 = none).
 * @discard_gran: discard granularity (bytes).
 * @discard_align: discard alignment (bytes).
 * @wc: the device has a volatile write cache (flush supported).
 * @fua: FUA writes are supported.
 */
struct xbf_limits {
	unsigned int lbs;
	unsigned int pbs;
	unsigned int max_segs;
	unsigned int max_sectors;
	unsigned int max_discard;
	unsigned int max_secure;
	unsigned int discard_gran;
	unsigned int discard_align;
	bool wc;
	bool fua;
};

#ifdef HAVE_BLK_MQ_F_SHOULD_MERGE
#define XBF_MQ_F_MERGE	BLK_MQ_F_SHOULD_MERGE
#else
#define XBF_MQ_F_MERGE	0
#endif

void xbf_remove_dev(struct xenbus_device *dev);

/* xenbus_driver.remove returns void since Linux 6.2 (and 6.1.162). */
#ifdef HAVE_XENBUS_REMOVE_VOID
static inline void xbf_compat_remove(struct xenbus_device *dev)
{
	xbf_remove_dev(dev);
}
#else
static inline int xbf_compat_remove(struct xenbus_device *dev)
{
	xbf_remove_dev(dev);
	return 0;
}
#endif

#ifdef HAVE_BLK_MQ_ALLOC_DISK_LIM
static inline void xbf_compat_fill(struct queue_limits *ql,
				   const struct xbf_limits *l)
{
	ql->logical_block_size = l->lbs;
	ql->physical_block_size = l->pbs;
	ql->io_min = l->pbs;
	ql->max_segments = l->max_segs;
	ql->max_hw_sectors = l->max_sectors;
	ql->max_segment_size = PAGE_SIZE;
	ql->seg_boundary_mask = PAGE_SIZE - 1;
	ql->dma_alignment = 511;
	ql->max_hw_discard_sectors = l->max_discard;
	ql->max_secure_erase_sectors = l->max_secure;
	ql->discard_granularity = l->max_discard ? l->discard_gran : 0;
	ql->discard_alignment = l->discard_align;
#ifdef HAVE_QUEUE_LIMITS_FEATURES
	ql->features &= ~(BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA |
			  BLK_FEAT_ROTATIONAL);
	if (l->wc)
		ql->features |= BLK_FEAT_WRITE_CACHE;
	if (l->fua)
		ql->features |= BLK_FEAT_FUA;
#endif
}

static inline void xbf_compat_cache(struct request_queue *q,
				    const struct xbf_limits *l)
{
#ifndef HAVE_QUEUE_LIMITS_FEATURES
	blk_queue_write_cache(q, l->wc, l->fua);
#endif
}

static inline struct gendisk *
xbf_compat_alloc_disk(struct blk_mq_tag_set *set, const struct xbf_limits *l,
		      void *data)
{
	struct queue_limits ql = { };
	struct gendisk *gd;

	xbf_compat_fill(&ql, l);
	gd = blk_mq_alloc_disk(set, &ql, data);
	if (!IS_ERR(gd))
		xbf_compat_cache(gd->queue, l);
	return gd;
}

/* Caller holds the queue frozen or otherwise idle. */
static inline int xbf_compat_set_limits(struct gendisk *gd,
					const struct xbf_limits *l)
{
	struct queue_limits ql = queue_limits_start_update(gd->queue);

	xbf_compat_fill(&ql, l);
	xbf_compat_cache(gd->queue, l);
	return queue_limits_commit_update(gd->queue, &ql);
}
#else /* !HAVE_BLK_MQ_ALLOC_DISK_LIM */
static inline int xbf_compat_set_limits(struct gendisk *gd,
					const struct xbf_limits *l)
{
	struct request_queue *q = gd->queue;

	blk_queue_logical_block_size(q, l->lbs);
	blk_queue_physical_block_size(q, l->pbs);
	blk_queue_io_min(q, l->pbs);
	blk_queue_max_segments(q, l->max_segs);
	blk_queue_max_hw_sectors(q, l->max_sectors);
	blk_queue_max_segment_size(q, PAGE_SIZE);
	blk_queue_segment_boundary(q, PAGE_SIZE - 1);
	blk_queue_dma_alignment(q, 511);
	blk_queue_max_discard_sectors(q, l->max_discard);
	blk_queue_max_secure_erase_sectors(q, l->max_secure);
	q->limits.discard_granularity = l->max_discard ? l->discard_gran : 0;
	q->limits.discard_alignment = l->discard_align;
	blk_queue_write_cache(q, l->wc, l->fua);
	blk_queue_flag_set(QUEUE_FLAG_NONROT, q);
	return 0;
}

static inline struct gendisk *
xbf_compat_alloc_disk(struct blk_mq_tag_set *set, const struct xbf_limits *l,
		      void *data)
{
	struct gendisk *gd = blk_mq_alloc_disk(set, data);

	if (!IS_ERR(gd))
		xbf_compat_set_limits(gd, l);
	return gd;
}
#endif /* HAVE_BLK_MQ_ALLOC_DISK_LIM */

/*
 * TRACE_EVENT __assign_str() lost its source argument in Linux 6.10; our
 * events copy their "disk" argument into their "disk" string field.
 */
#ifdef HAVE_ASSIGN_STR_1ARG
#define xbf_assign_disk()	__assign_str(disk)
#else
#define xbf_assign_disk()	__assign_str(disk, disk)
#endif

/* Typed zeroing allocation (kzalloc_obj() where the kernel has it). */
#ifdef HAVE_KZALLOC_OBJ
#define xbf_zalloc_obj(p, gfp)		kzalloc_obj(*(p), gfp)
#else
#define xbf_zalloc_obj(p, gfp)		kzalloc(sizeof(*(p)), gfp)
#endif

/**
 * xbf_compat_freeze - freeze a queue (waits for in-flight requests)
 * @q: the queue
 *
 * Return: the cookie to pass to xbf_compat_unfreeze().
 */
static inline unsigned int xbf_compat_freeze(struct request_queue *q)
{
#ifdef HAVE_BLK_MQ_FREEZE_QUEUE_MEMFLAGS
	return blk_mq_freeze_queue(q);
#else
	blk_mq_freeze_queue(q);
	return 0;
#endif
}

static inline void xbf_compat_unfreeze(struct request_queue *q,
				       unsigned int memflags)
{
#ifdef HAVE_BLK_MQ_FREEZE_QUEUE_MEMFLAGS
	blk_mq_unfreeze_queue(q, memflags);
#else
	blk_mq_unfreeze_queue(q);
#endif
}

#endif /* XBF_KCOMPAT_H */
