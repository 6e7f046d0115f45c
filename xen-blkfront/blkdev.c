// SPDX-License-Identifier: GPL-2.0-only
/*
 * xenblk frontend: the gendisk, blk-mq operations and queue limits.
 */
#include <linux/idr.h>
#include <linux/interrupt.h>
#include "blkfront.h"

static const struct block_device_operations xbf_fops = {
	.owner	= THIS_MODULE,
};

static DEFINE_IDA(xbf_minor_ida);

/**
 * xbf_complete_rq - complete a block request from the response path
 * @rq: the request
 * @status: its status
 */
void xbf_complete_rq(struct request *rq, blk_status_t status)
{
	struct xbf_pdu *pdu = blk_mq_rq_to_pdu(rq);

	pdu->status = status;
	if (likely(!blk_should_fake_timeout(rq->q)))
		blk_mq_complete_request(rq);
}

static blk_status_t xbf_mq_queue_rq(struct blk_mq_hw_ctx *hctx,
				    const struct blk_mq_queue_data *bd)
{
	struct xbf_info *info = hctx->queue->queuedata;
	struct request *rq = bd->rq;
	struct xbf_ring *ring;

	if (test_bit(XBF_F_BROKEN, &info->flags) ||
	    info->state == XBF_CLOSING || info->state == XBF_CLOSED)
		return BLK_STS_IOERR;
	if (info->state != XBF_CONNECTED || !info->feat.nr_rings)
		return BLK_STS_RESOURCE;
	blk_mq_start_request(rq);
	if (req_op(rq) == REQ_OP_FLUSH && !info->feat.flush_op) {
		/* The backend has no cache to flush (any more). */
		blk_mq_end_request(rq, BLK_STS_OK);
		return BLK_STS_OK;
	}
	ring = &info->rings[xbf_queue_ring(info, hctx->queue_num)];
	return xbf_queue_rq(ring, rq);
}

static void xbf_mq_complete(struct request *rq)
{
	struct xbf_pdu *pdu = blk_mq_rq_to_pdu(rq);

	blk_mq_end_request(rq, pdu->status);
}

static enum blk_eh_timer_return xbf_mq_timeout(struct request *rq)
{
	struct xbf_info *info = rq->q->queuedata;

	return xbf_timeout_rq(info, rq) ? BLK_EH_DONE : BLK_EH_RESET_TIMER;
}

static const struct blk_mq_ops xbf_mq_ops = {
	.queue_rq	= xbf_mq_queue_rq,
	.complete	= xbf_mq_complete,
	.timeout	= xbf_mq_timeout,
};

static void xbf_limits(struct xbf_info *info, struct xbf_limits *l)
{
	struct xbf_features *f = &info->feat;

	memset(l, 0, sizeof(*l));
	l->lbs = info->geo.sector_size;
	l->pbs = info->geo.physical_sector_size;
	l->max_segs = f->max_segs;
	l->max_sectors = xenblk_segs_to_sectors(f->max_segs);
	if (f->discard) {
		l->max_discard = UINT_MAX >> XENBLK_SECT_SHIFT;
		l->discard_gran = info->geo.discard_granularity;
		l->discard_align = info->geo.discard_alignment;
		if (f->secure_discard)
			l->max_secure = l->max_discard;
	}
	l->wc = f->flush_op != 0;
	l->fua = l->wc && f->fua;
}

static void xbf_disk_name(char *buf, size_t len, unsigned int index)
{
	char tmp[8];
	int i = 0, o = 0;

	do {
		tmp[i++] = 'a' + index % 26;
		index /= 26;
	} while (index-- && i < (int)sizeof(tmp));
	o = scnprintf(buf, len, "xvd");
	while (i > 0 && o < len - 1)
		buf[o++] = tmp[--i];
	buf[o] = '\0';
}

static int xbf_tag_set_init(struct xbf_info *info)
{
	struct blk_mq_tag_set *set = &info->tag_set;

	memset(set, 0, sizeof(*set));
	set->ops = &xbf_mq_ops;
	/*
	 * One hardware queue per vCPU (up to max_queues) even when this
	 * backend offers fewer rings: a backend met after a restore or
	 * migration may offer more, and the number of hardware queues is
	 * fixed once the disk exists (see xbf_queue_ring()).
	 */
	set->nr_hw_queues = max(info->feat.nr_rings,
				min(num_online_cpus(),
				    xbf_max_queues ? xbf_max_queues : UINT_MAX));
	set->queue_depth = min_t(unsigned int, info->rings[0].size,
				 BLK_MQ_MAX_DEPTH);
	set->numa_node = NUMA_NO_NODE;
	set->cmd_size = sizeof(struct xbf_pdu);
	set->flags = XBF_MQ_F_MERGE | BLK_MQ_F_BLOCKING;
	set->driver_data = info;
	return blk_mq_alloc_tag_set(set);
}

static void xbf_disk_flags(struct xbf_info *info)
{
	struct gendisk *gd = info->gd;

	gd->major = XBF_MAJOR;
	gd->first_minor = info->index * XBF_PARTS_PER_DISK;
	gd->minors = XBF_PARTS_PER_DISK;
	gd->fops = &xbf_fops;
	gd->private_data = info;
	xbf_disk_name(gd->disk_name, DISK_NAME_LEN, info->index);
	if (info->geo.vdisk_info & (VDISK_CDROM | VDISK_REMOVABLE))
		gd->flags |= GENHD_FL_REMOVABLE;
	set_capacity(gd, info->geo.sectors);
	set_disk_ro(gd, info->geo.readonly);
}

/**
 * xbf_blkdev_create - create and announce the gendisk
 * @info: the device, connected, rings allocated
 *
 * Return: 0 or a negative errno.
 */
int xbf_blkdev_create(struct xbf_info *info)
{
	struct xbf_limits lim;
	int err;

	err = ida_alloc_range(&xbf_minor_ida, info->index, info->index,
			      GFP_KERNEL);
	if (err < 0) {
		pr_err("%s: disk index %u already in use\n",
		       info->xbdev->nodename, info->index);
		return err;
	}
	err = xbf_tag_set_init(info);
	if (err)
		goto free_ida;
	xbf_limits(info, &lim);
	info->gd = xbf_compat_alloc_disk(&info->tag_set, &lim, info);
	if (IS_ERR(info->gd)) {
		err = PTR_ERR(info->gd);
		info->gd = NULL;
		goto free_tags;
	}
	xbf_disk_flags(info);
	err = device_add_disk(&info->xbdev->dev, info->gd, NULL);
	if (err)
		goto put_disk;
	return 0;

put_disk:
	put_disk(info->gd);
	info->gd = NULL;
free_tags:
	blk_mq_free_tag_set(&info->tag_set);
free_ida:
	ida_free(&xbf_minor_ida, info->index);
	return err;
}

/**
 * xbf_blkdev_destroy - remove the gendisk (waits for in-flight I/O)
 * @info: the device
 */
void xbf_blkdev_destroy(struct xbf_info *info)
{
	if (!info->gd)
		return;
	del_gendisk(info->gd);
	blk_mq_free_tag_set(&info->tag_set);
	put_disk(info->gd);
	info->gd = NULL;
	ida_free(&xbf_minor_ida, info->index);
}

/**
 * xbf_blkdev_update_limits - apply negotiated features to the queue
 * @info: the device; the queue is frozen or quiesced by the caller
 */
void xbf_blkdev_update_limits(struct xbf_info *info)
{
	struct xbf_limits lim;
	int err;

	if (!info->gd)
		return;
	xbf_limits(info, &lim);
	err = xbf_compat_set_limits(info->gd, &lim);
	if (err)
		pr_warn("%s: could not update queue limits: %d\n",
			xbf_name(info), err);
	set_disk_ro(info->gd, info->geo.readonly);
}

/**
 * xbf_blkdev_irq_affinity - deliver each ring's events to a CPU it serves
 * @info: the device, disk created, rings connected
 *
 * Ring r carries the requests of hardware queue r.  Event channels start
 * on CPU 0, so without this every completion of a request submitted on
 * another CPU costs an inter-processor interrupt to complete it where it
 * was submitted.  The ring's event channel goes to the first online CPU
 * that blk-mq maps to queue r.
 */
void xbf_blkdev_irq_affinity(struct xbf_info *info)
{
	const struct blk_mq_queue_map *map;
	unsigned int r, cpu;
	int err;

	if (!info->gd)
		return;
	map = &info->tag_set.map[HCTX_TYPE_DEFAULT];
	for (r = 0; map->mq_map && r < info->feat.nr_rings; r++) {
		for_each_online_cpu(cpu)
			if (map->mq_map[cpu] == r)
				break;
		if (cpu >= nr_cpu_ids || info->rings[r].irq < 0)
			continue;
		err = irq_set_affinity(info->rings[r].irq, cpumask_of(cpu));
		if (err)
			dev_dbg(&info->xbdev->dev, "ring %u: affinity to CPU %u: %d\n",
				r, cpu, err);
	}
}

/**
 * xbf_blkdev_update_capacity - follow an online resize
 * @info: the device
 */
void xbf_blkdev_update_capacity(struct xbf_info *info)
{
	if (info->gd && get_capacity(info->gd) != info->geo.sectors) {
		pr_info("%s: capacity now %llu sectors\n", xbf_name(info),
			(unsigned long long)info->geo.sectors);
		set_capacity_and_notify(info->gd, info->geo.sectors);
	}
}

/**
 * xbf_blkdev_init - register the xvd major
 *
 * Return: 0 or a negative errno.
 */
int xbf_blkdev_init(void)
{
	int err = register_blkdev(XBF_MAJOR, "xvd");

	if (err)
		pr_err("cannot register block major %d: %d\n", XBF_MAJOR, err);
	return err;
}

/** xbf_blkdev_exit - unregister the xvd major */
void xbf_blkdev_exit(void)
{
	unregister_blkdev(XBF_MAJOR, "xvd");
}
