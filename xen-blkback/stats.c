// SPDX-License-Identifier: GPL-2.0-only
/*
 * xen-blkback: statistics. The xentop-compatible sysfs counters
 * (statistics/{oo_req,rd_req,...}) are cumulative over the life of the VBD
 * and summed over its rings, including rings of earlier connections; they
 * are never reset. Per-ring details live in debugfs:
 * xen-blkback/<vbd>/ring-N and xen-blkback/<vbd>/info.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include "common.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

#define XBB_NR_STATS	(sizeof(struct xbb_ring_stats) / sizeof(u64))

static struct dentry *xbb_dbg_root;

static u64 xbb_stat_get(const struct xbb_ring_stats *st, size_t off)
{
	return READ_ONCE(*(const u64 *)((const char *)st + off));
}

static ssize_t xbb_stat_show(struct device *d, char *buf, size_t off)
{
	struct xbb_vbd *vbd = dev_get_drvdata(d);
	unsigned int i;
	u64 sum;

	if (!vbd)
		return -ENODEV;
	mutex_lock(&vbd->lock);
	sum = xbb_stat_get(&vbd->retired, off);
	for (i = 0; i < vbd->nr_rings; i++)
		sum += xbb_stat_get(&vbd->rings[i].st, off);
	mutex_unlock(&vbd->lock);
	return sysfs_emit(buf, "%llu\n", sum);
}

#define XBB_STAT_ATTR(name)						\
static ssize_t name##_show(struct device *d,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	return xbb_stat_show(d, buf,					\
			     offsetof(struct xbb_ring_stats, name));	\
}									\
static DEVICE_ATTR_RO(name)

XBB_STAT_ATTR(oo_req);
XBB_STAT_ATTR(rd_req);
XBB_STAT_ATTR(wr_req);
XBB_STAT_ATTR(f_req);
XBB_STAT_ATTR(ds_req);
XBB_STAT_ATTR(rd_sect);
XBB_STAT_ATTR(wr_sect);

static struct attribute *xbb_stat_attrs[] = {
	&dev_attr_oo_req.attr,
	&dev_attr_rd_req.attr,
	&dev_attr_wr_req.attr,
	&dev_attr_f_req.attr,
	&dev_attr_ds_req.attr,
	&dev_attr_rd_sect.attr,
	&dev_attr_wr_sect.attr,
	NULL,
};

static const struct attribute_group xbb_stat_group = {
	.name = "statistics",
	.attrs = xbb_stat_attrs,
};

static int xbb_ring_dbg_show(struct seq_file *m, void *v)
{
	struct xbb_ring *ring = m->private;
	const struct xbb_ring_stats *st = &ring->st;

	seq_printf(m, "slots: %u\npages: %u\nabi: %s\nhalted: %d\n",
		   ring->size, ring->nr_pages,
		   ring->abi == XENBLK_ABI_X86_32 ? "x86_32" : "x86_64",
		   READ_ONCE(ring->halted));
	seq_printf(m, "inflight: %u\npool_pages: %u\n",
		   READ_ONCE(ring->inflight), READ_ONCE(ring->pool.num_pages));
	seq_printf(m, "requests: %llu\nsegments: %llu\nindirect: %llu\n",
		   st->reqs, st->segs, st->indirect);
	seq_printf(m, "rd_req: %llu\nwr_req: %llu\nf_req: %llu\nds_req: %llu\n",
		   st->rd_req, st->wr_req, st->f_req, st->ds_req);
	seq_printf(m, "oo_req: %llu\nerrors: %llu\n", st->oo_req, st->errors);
	seq_printf(m, "pgrant_hits: %llu\npgrant_misses: %llu\npgrant_evictions: %llu\n",
		   st->pg_hits, st->pg_misses, st->pg_evictions);
	seq_printf(m, "grant_maps: %llu\nnotify_tx: %llu\nnotify_rx: %llu\nring_full: %llu\n",
		   st->maps, st->notify_tx, st->notify_rx, st->ring_full);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(xbb_ring_dbg);

static int xbb_vbd_dbg_show(struct seq_file *m, void *v)
{
	struct xbb_vbd *vbd = m->private;

	mutex_lock(&vbd->lock);
	seq_printf(m, "connected: %d\nrings: %u\npersistent: %d\n",
		   vbd->connected, vbd->nr_rings, vbd->persistent);
	seq_printf(m, "max_indirect_segments: %u\nsectors: %llu\nreadonly: %d\n",
		   vbd->lim.max_indirect_segments,
		   (unsigned long long)vbd->sectors, vbd->readonly);
	seq_printf(m, "persistent_grants: %u\npgtree_contended: %lld\n",
		   READ_ONCE(vbd->pgt.count),
		   (long long)atomic64_read(&vbd->pgt.contended));
	mutex_unlock(&vbd->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(xbb_vbd_dbg);

static int xbb_global_dbg_show(struct seq_file *m, void *v)
{
	seq_printf(m, "mapped_grants: %ld\n",
		   atomic_long_read(&xbb_mapped_grants));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(xbb_global_dbg);

/**
 * xbb_stats_add() - create a VBD's sysfs statistics and debugfs directory
 * @vbd: the VBD
 *
 * Return: 0 or a negative errno.
 */
int xbb_stats_add(struct xbb_vbd *vbd)
{
	struct device *d = &vbd->dev->dev;
	int err;

	err = sysfs_create_group(&d->kobj, &xbb_stat_group);
	if (err)
		return err;
	vbd->dbg = debugfs_create_dir(dev_name(d), xbb_dbg_root);
	debugfs_create_file("info", 0444, vbd->dbg, vbd, &xbb_vbd_dbg_fops);
	return 0;
}

/**
 * xbb_stats_remove() - remove what xbb_stats_add() created
 * @vbd: the VBD (vbd->lock not held)
 */
void xbb_stats_remove(struct xbb_vbd *vbd)
{
	debugfs_remove_recursive(vbd->dbg);
	vbd->dbg = NULL;
	sysfs_remove_group(&vbd->dev->dev.kobj, &xbb_stat_group);
}

/**
 * xbb_debugfs_ring_add() - create a ring's debugfs file
 * @ring: the ring
 */
void xbb_debugfs_ring_add(struct xbb_ring *ring)
{
	char name[24];

	snprintf(name, sizeof(name), "ring-%u", ring->idx);
	ring->dbg = debugfs_create_file(name, 0444, ring->vbd->dbg, ring,
					&xbb_ring_dbg_fops);
}

/**
 * xbb_stats_retire() - fold a disconnected ring's counters into the VBD's
 * @vbd: the VBD (vbd->lock held)
 * @ring: the stopped ring
 */
void xbb_stats_retire(struct xbb_vbd *vbd, struct xbb_ring *ring)
{
	u64 *sum = (u64 *)&vbd->retired;
	const u64 *add = (const u64 *)&ring->st;
	unsigned int i;

	debugfs_remove(ring->dbg);
	ring->dbg = NULL;
	for (i = 0; i < XBB_NR_STATS; i++)
		sum[i] += add[i];
	memset(&ring->st, 0, sizeof(ring->st));
}

/**
 * xbb_debugfs_init() - create the module's debugfs directory
 */
void xbb_debugfs_init(void)
{
	xbb_dbg_root = debugfs_create_dir("xen-blkback", NULL);
	debugfs_create_file("status", 0444, xbb_dbg_root, NULL,
			    &xbb_global_dbg_fops);
}

/**
 * xbb_debugfs_exit() - remove the module's debugfs directory
 */
void xbb_debugfs_exit(void)
{
	debugfs_remove_recursive(xbb_dbg_root);
	xbb_dbg_root = NULL;
}
