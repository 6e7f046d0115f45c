// SPDX-License-Identifier: GPL-2.0-only
/*
 * xenblk frontend: statistics in debugfs, module-wide in
 * /sys/kernel/debug/xen-blkfront/status, per ring in
 * /sys/kernel/debug/xen-blkfront/<disk>/ring-N.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include "blkfront.h"

static struct dentry *xbf_debugfs_root;

static int xbf_ring_show(struct seq_file *m, void *v)
{
	struct xbf_ring *ring = m->private;
	struct xbf_ring_stats st;
	unsigned int inflight, pool, size;
	unsigned long flags;

	spin_lock_irqsave(&ring->lock, flags);
	st = ring->stats;
	inflight = ring->inflight;
	pool = ring->pool_count;
	size = ring->size;
	spin_unlock_irqrestore(&ring->lock, flags);

	seq_printf(m, "slots: %u\nin_flight: %u\n", size, inflight);
	seq_printf(m, "requests: %llu\nsegments: %llu\nindirect_requests: %llu\n",
		   st.requests, st.segments, st.indirect);
	seq_printf(m, "grants_in_use: %llu\npersistent_free: %u\npersistent_hits: %llu\n",
		   st.grants_in_use, pool, st.persistent_hits);
	seq_printf(m, "notifications: %llu\nring_full: %llu\ninterrupts: %llu\n",
		   st.notifications, st.ring_full, st.interrupts);
	seq_printf(m, "completions: %llu\nmax_completions_per_interrupt: %llu\n",
		   st.completions, st.max_batch);
	seq_printf(m, "completions_per_interrupt: %llu\nerrors: %llu\n",
		   st.interrupts ? st.completions / st.interrupts : 0,
		   st.errors);
	seq_printf(m, "grant_waits: %llu\n", st.grant_waits);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(xbf_ring);

static int xbf_status_show(struct seq_file *m, void *v)
{
	long held, deferred;

	xbf_grants_read(&held, &deferred);
	seq_printf(m, "grants_held: %ld\ngrants_deferred: %ld\n",
		   held, deferred);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(xbf_status);

/**
 * xbf_debugfs_add - (re)create the statistics files of a device
 * @info: the device, connected, mutex held
 */
void xbf_debugfs_add(struct xbf_info *info)
{
	char name[16];
	unsigned int i;

	if (!xbf_debugfs_root || !info->gd)
		return;
	debugfs_remove_recursive(info->debugfs);
	info->debugfs = debugfs_create_dir(info->gd->disk_name, xbf_debugfs_root);
	for (i = 0; i < info->feat.nr_rings; i++) {
		snprintf(name, sizeof(name), "ring-%u", i);
		debugfs_create_file(name, 0400, info->debugfs, &info->rings[i],
				    &xbf_ring_fops);
	}
}

/**
 * xbf_debugfs_remove - remove the statistics files of a device
 * @info: the device
 */
void xbf_debugfs_remove(struct xbf_info *info)
{
	debugfs_remove_recursive(info->debugfs);
	info->debugfs = NULL;
}

/** xbf_debugfs_init - create the module's debugfs directory */
void xbf_debugfs_init(void)
{
	xbf_debugfs_root = debugfs_create_dir("xen-blkfront", NULL);
	debugfs_create_file("status", 0400, xbf_debugfs_root, NULL,
			    &xbf_status_fops);
}

/** xbf_debugfs_exit - remove the module's debugfs directory */
void xbf_debugfs_exit(void)
{
	debugfs_remove_recursive(xbf_debugfs_root);
	xbf_debugfs_root = NULL;
}
