// SPDX-License-Identifier: GPL-2.0-only
/*
 * xenblk frontend: xenbus driver, handshake and feature negotiation.
 *
 * Startup: the backend reaches InitWait -> rings are allocated and
 * published (ring-page-order, multi-queue-num-queues, queue-N/...) ->
 * Initialised.  Backend Connected -> geometry and features are read and
 * the disk appears.  A later Connected only re-reads the size (online
 * resize).  Backend Closing -> the disk goes away, then Closed.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <xen/xen.h>
#include <xen/platform_pci.h>
#include <xen/interface/io/protocols.h>
#include "blkfront.h"

unsigned int xbf_max_queues = 4;
module_param_named(max_queues, xbf_max_queues, uint, 0444);
MODULE_PARM_DESC(max_queues, "Maximum rings (hardware queues) per disk; also capped by vCPUs and the backend (default 4)");

unsigned int xbf_max_ring_page_order = XBF_MAX_RING_ORDER;
module_param_named(max_ring_page_order, xbf_max_ring_page_order, uint, 0444);
MODULE_PARM_DESC(max_ring_page_order, "Maximum ring size as log2 of pages, 0-4; also capped by the backend (default 4)");

/*
 * 256 segments = 1 MiB per request with 4 KiB pages: one indirect page,
 * large enough that sequential I/O is not split, small enough that a
 * 16-page ring of such requests stays around 512 MiB of addressable data.
 */
unsigned int xbf_max_indirect_segments = 256;
module_param_named(max_indirect_segments, xbf_max_indirect_segments, uint, 0444);
MODULE_PARM_DESC(max_indirect_segments, "Maximum segments per indirect request, 11-4096 (default 256 = 1 MiB)");

bool xbf_feature_persistent = true;
module_param_named(feature_persistent, xbf_feature_persistent, bool, 0444);
MODULE_PARM_DESC(feature_persistent, "Use persistent grants when the backend supports them (default on)");

bool xbf_trusted = true;
module_param_named(trusted, xbf_trusted, bool, 0444);
MODULE_PARM_DESC(trusted, "Trust backends; 0 bounces all data through private zeroed pages (default 1; xenstore trusted=0 also does this per disk)");

static int xbf_parse_vdevice(unsigned int vdev, unsigned int *index)
{
	unsigned int major = vdev >> 8, minor = vdev & 0xff, part;

	if (vdev & (1U << 28)) {		/* extended: disk << 8 | part */
		*index = (vdev & ~(1U << 28)) >> 8;
		part = vdev & 0xff;
	} else if (major == XBF_MAJOR) {	/* xvd: disk << 4 | part */
		*index = minor >> 4;
		part = minor & 0xf;
	} else if (major == 3 || major == 22 || major == 33 || major == 34) {
		*index = (major == 3 ? 0 : major == 22 ? 2 : (major - 31) * 2) +
			 (minor >> 6);
		part = minor & 0x3f;
	} else if (major == 8 || (major >= 65 && major <= 71)) {
		*index = (major == 8 ? 0 : (major - 64) * 16) + (minor >> 4);
		part = minor & 0xf;
	} else {
		return -ENODEV;
	}
	if (part || *index >= (1U << MINORBITS) / XBF_PARTS_PER_DISK)
		return -EINVAL;
	return 0;
}

static int xbf_probe(struct xenbus_device *dev,
		     const struct xenbus_device_id *id)
{
	unsigned int vdev, index;
	struct xbf_info *info;
	int err;

	if (xenbus_scanf(XBT_NIL, dev->nodename, "virtual-device", "%u",
			 &vdev) != 1 &&
	    xenbus_scanf(XBT_NIL, dev->nodename, "virtual-device-ext", "%u",
			 &vdev) != 1) {
		xenbus_dev_fatal(dev, -ENOENT, "reading virtual-device");
		return -ENOENT;
	}
	err = xbf_parse_vdevice(vdev, &index);
	if (err) {
		xenbus_dev_fatal(dev, err, "unsupported virtual-device %#x", vdev);
		return err;
	}
	info = xbf_zalloc_obj(info, GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	info->xbdev = dev;
	info->vdevice = vdev;
	info->handle = vdev;
	info->index = index;
	info->trusted = xbf_trusted &&
			xenbus_read_unsigned(dev->nodename, XENBLK_KEY_TRUSTED, 1);
	mutex_init(&info->mutex);
	INIT_LIST_HEAD(&info->reissue);
	spin_lock_init(&info->split_lock);
	bio_list_init(&info->split_bios);
	INIT_WORK(&info->split_work, xbf_split_work);
	INIT_DELAYED_WORK(&info->watchdog, xbf_watchdog_fn);
	INIT_WORK(&info->update_work, xbf_update_work);
	dev_set_drvdata(&dev->dev, info);
	/* Bound again after an unbind or a module reload: the device still
	 * says Closed; start the handshake over.
	 */
	if (dev->state != XenbusStateInitialising)
		xenbus_switch_state(dev, XenbusStateInitialising);
	return 0;
}

static int xbf_write_ring_keys(struct xbf_info *info,
			       struct xenbus_transaction xbt)
{
	const char *node = info->xbdev->nodename;
	unsigned int i, nr = info->feat.nr_rings;
	char *dir;
	int err;

	if (nr == 1)
		return xbf_ring_write_keys(&info->rings[0], xbt, node);
	for (i = 0; i < nr; i++) {
		dir = kasprintf(GFP_KERNEL, "%s/queue-%u", node, i);
		if (!dir)
			return -ENOMEM;
		err = xbf_ring_write_keys(&info->rings[i], xbt, dir);
		kfree(dir);
		if (err)
			return err;
	}
	return 0;
}

static int xbf_write_keys(struct xbf_info *info, struct xenbus_transaction xbt)
{
	const char *node = info->xbdev->nodename;
	int err;

	/* Order 0 is the default; with the key present some backends look
	 * for ring-ref0 instead of ring-ref.
	 */
	if (info->feat.ring_order) {
		err = xenbus_printf(xbt, node, XENBLK_KEY_RING_ORDER, "%u",
				    info->feat.ring_order);
		if (err)
			return err;
	}
	if (info->feat.backend_mq) {
		err = xenbus_printf(xbt, node, XENBLK_KEY_NUM_QUEUES, "%u",
				    info->feat.nr_rings);
		if (err)
			return err;
	}
	err = xbf_write_ring_keys(info, xbt);
	if (err)
		return err;
	err = xenbus_printf(xbt, node, XENBLK_KEY_PROTOCOL, "%s",
			    XEN_IO_PROTO_ABI_NATIVE);
	if (err)
		return err;
	return xenbus_printf(xbt, node, XENBLK_KEY_PERSISTENT, "%u",
			     xbf_feature_persistent ? 1 : 0);
}

static int xbf_publish(struct xbf_info *info)
{
	struct xenbus_transaction xbt;
	int err;

	do {
		err = xenbus_transaction_start(&xbt);
		if (err)
			return err;
		err = xbf_write_keys(info, xbt);
		if (err) {
			xenbus_transaction_end(xbt, 1);
			return err;
		}
		err = xenbus_transaction_end(xbt, 0);
	} while (err == -EAGAIN);
	return err;
}

/**
 * xbf_talk_to_backend - allocate rings and publish them to the backend
 * @info: the device, mutex held
 *
 * Return: 0 or a negative errno.
 */
int xbf_talk_to_backend(struct xbf_info *info)
{
	const char *be = info->xbdev->otherend;
	unsigned int nr, order, cap = xbf_max_queues;
	int err;

	info->trusted = xbf_trusted &&
			xenbus_read_unsigned(info->xbdev->nodename,
					     XENBLK_KEY_TRUSTED, 1);
	info->feat.backend_mq = xenbus_read_unsigned(be, XENBLK_KEY_MAX_QUEUES, 0);
	info->feat.backend_ring_order =
		xenbus_read_unsigned(be, XENBLK_KEY_MAX_RING_ORDER, 0);
	if (info->gd)	/* reconnect: never more rings than hardware queues */
		cap = min(cap ? cap : UINT_MAX, info->tag_set.nr_hw_queues);
	nr = xenblk_nego_queues(num_online_cpus(), info->feat.backend_mq, cap);
	order = xenblk_nego_ring_order(info->feat.backend_ring_order,
				       xbf_max_ring_page_order);
	err = xbf_rings_alloc(info, nr, order);
	if (err) {
		xenbus_dev_fatal(info->xbdev, err, "allocating rings");
		return err;
	}
	err = xbf_publish(info);
	if (err) {
		xenbus_dev_fatal(info->xbdev, err, "writing ring keys");
		xbf_rings_free(info);
		return err;
	}
	dev_info(&info->xbdev->dev, "%u ring(s) of %u page(s), %u slots each\n",
		 nr, 1U << order, info->rings[0].size);
	return xenbus_switch_state(info->xbdev, XenbusStateInitialised);
}

/**
 * xbf_pick_segs - segments per request given the backend's offer
 * @info: the device
 *
 * Return: the indirect segment count, or 11 for plain requests.
 */
unsigned int xbf_pick_segs(struct xbf_info *info)
{
	unsigned int want = info->want_segs ? info->want_segs :
			    xbf_max_indirect_segments;
	unsigned int n = xenblk_nego_indirect(info->feat.backend_indirect, want);

	return n ? n : BLKIF_MAX_SEGMENTS_PER_REQUEST;
}

/**
 * xbf_read_features - read the backend's feature keys
 * @info: the device, mutex held
 */
void xbf_read_features(struct xbf_info *info)
{
	const char *be = info->xbdev->otherend;
	struct xbf_features *f = &info->feat;

	f->flush_op = 0;
	f->fua = false;
	if (xenbus_read_unsigned(be, XENBLK_KEY_FLUSH, 0)) {
		f->flush_op = BLKIF_OP_FLUSH_DISKCACHE;
	} else if (xenbus_read_unsigned(be, XENBLK_KEY_BARRIER, 0)) {
		f->flush_op = BLKIF_OP_WRITE_BARRIER;
		f->fua = true;
	}
	f->discard = xenbus_read_unsigned(be, XENBLK_KEY_DISCARD, 0);
	f->secure_discard = f->discard &&
			    xenbus_read_unsigned(be, XENBLK_KEY_DISCARD_SECURE, 0);
	f->persistent = xbf_feature_persistent &&
			xenbus_read_unsigned(be, XENBLK_KEY_PERSISTENT, 0);
	f->bounce = !info->trusted;
	f->backend_indirect = xenbus_read_unsigned(be, XENBLK_KEY_MAX_INDIRECT, 0);
	f->max_segs = xbf_pick_segs(info);
	/* A barrier cannot be indirect: FUA only for plain-sized requests. */
	if (f->max_segs > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		f->fua = false;
}

/*
 * A number key of the backend, read strictly: plain decimal, nothing
 * after it.  sscanf() would read "12abc" as 12 and a disk of the wrong
 * size is worse than no disk.
 */
static int xbf_read_number(const char *be, const char *key, u64 max, u64 *val)
{
	char *s;
	int err;

	s = xenbus_read(XBT_NIL, be, key, NULL);
	if (IS_ERR(s))
		return PTR_ERR(s);
	err = kstrtoull(s, 10, val);
	if (!err && *val > max)
		err = -ERANGE;
	if (err)
		pr_warn_ratelimited("%s/%s: '%.32s' is not a valid number\n",
				    be, key, s);
	kfree(s);
	return err;
}

static int xbf_read_geometry(struct xbf_info *info, struct xbf_geometry *g)
{
	const char *be = info->xbdev->otherend;
	u64 sectors, ss, pss, vinfo;
	char *mode;
	int err;

	err = xbf_read_number(be, XENBLK_KEY_SECTORS, U64_MAX, &sectors);
	if (!err)
		err = xbf_read_number(be, XENBLK_KEY_INFO, U32_MAX, &vinfo);
	if (!err)
		err = xbf_read_number(be, XENBLK_KEY_SECTOR_SIZE, U32_MAX, &ss);
	if (err)
		return err;
	/* optional: the logical size when absent, strict when present */
	err = xbf_read_number(be, XENBLK_KEY_PHYS_SECTOR_SIZE, U32_MAX, &pss);
	if (err == -ENOENT)
		pss = ss;
	else if (err)
		return err;
	if (xenblk_check_geometry(sectors, ss, pss))
		return -EINVAL;
	g->physical_sector_size = pss;
	g->sectors = sectors;
	g->sector_size = ss;
	g->vdisk_info = vinfo;
	g->readonly = vinfo & (VDISK_READONLY | VDISK_CDROM);
	mode = xenbus_read(XBT_NIL, be, XENBLK_KEY_MODE, NULL);
	if (!IS_ERR(mode)) {
		if (mode[0] == 'r')
			g->readonly = true;
		kfree(mode);
	}
	g->discard_granularity = xenbus_read_unsigned(be,
					XENBLK_KEY_DISCARD_GRAN, ss);
	g->discard_alignment = xenbus_read_unsigned(be,
					XENBLK_KEY_DISCARD_ALIGN, 0);
	if (!g->discard_granularity)
		g->discard_granularity = ss;
	return 0;
}

/* Backend Connected again while we are connected: online resize. */
static void xbf_resize(struct xbf_info *info)
{
	struct xbf_geometry g;

	if (xbf_read_geometry(info, &g)) {
		pr_warn_ratelimited("%s: backend geometry unreadable after change\n",
				    xbf_name(info));
		return;
	}
	if (g.sector_size != info->geo.sector_size)
		return;
	info->geo.sectors = g.sectors;
	xbf_blkdev_update_capacity(info);
}

static int xbf_bring_up(struct xbf_info *info, enum xbf_state prev)
{
	int err;

	err = xbf_read_geometry(info, &info->geo);
	if (err) {
		xenbus_dev_fatal(info->xbdev, err, "reading backend geometry");
		return err;
	}
	xbf_read_features(info);
	info->state = XBF_CONNECTED;
	xenbus_switch_state(info->xbdev, XenbusStateConnected);
	if (prev == XBF_RECONNECTING) {
		xbf_blkdev_update_limits(info);
		xbf_blkdev_update_capacity(info);
		xbf_reissue(info);
		return 0;
	}
	err = xbf_blkdev_create(info);
	if (err) {
		info->state = XBF_DISCONNECTED;
		xenbus_dev_fatal(info->xbdev, err, "creating the disk");
	}
	return err;
}

static void xbf_connect(struct xbf_info *info)
{
	enum xbf_state prev;

	mutex_lock(&info->mutex);
	prev = info->state;
	if (prev == XBF_CONNECTED)
		xbf_resize(info);
	if (prev != XBF_DISCONNECTED && prev != XBF_RECONNECTING)
		goto out;
	if (!info->rings) {
		pr_warn("%s: backend connected before rings were set up\n",
			xbf_name(info));
		goto out;
	}
	if (xbf_bring_up(info, prev))
		goto out;
	xbf_blkdev_irq_affinity(info);
	xbf_debugfs_add(info);
	dev_info(&info->xbdev->dev,
		 "%s: %llu sectors of %u bytes, %u ring(s) order %u, %u segments/request, persistent %d, bounce %d, flush %u, discard %d%s\n",
		 xbf_name(info), info->geo.sectors, info->geo.sector_size,
		 info->feat.nr_rings, info->feat.ring_order, info->feat.max_segs,
		 info->feat.persistent, info->feat.bounce, info->feat.flush_op,
		 info->feat.discard, info->geo.readonly ? ", read-only" : "");
	schedule_delayed_work(&info->watchdog, XBF_WATCHDOG_PERIOD);
out:
	mutex_unlock(&info->mutex);
}

static void xbf_fail_parked(struct xbf_info *info)
{
	struct xbf_pdu *pdu, *tmp;

	list_for_each_entry_safe(pdu, tmp, &info->reissue, node) {
		list_del_init(&pdu->node);
		blk_mq_end_request(blk_mq_rq_from_pdu(pdu), BLK_STS_IOERR);
	}
}

/*
 * The backend still answers what is on the rings: let that finish while
 * new I/O already fails with EIO (state CLOSING), so that users see an
 * error rather than the end of a disk that del_gendisk() shrinks to 0.
 */
static void xbf_wait_idle(struct xbf_info *info)
{
	unsigned long flags, end = jiffies + 30 * HZ;
	unsigned int i, busy;

	do {
		busy = 0;
		for (i = 0; info->rings && i < info->feat.nr_rings; i++) {
			spin_lock_irqsave(&info->rings[i].lock, flags);
			busy += info->rings[i].inflight;
			spin_unlock_irqrestore(&info->rings[i].lock, flags);
		}
		if (!busy)
			break;
		msleep(20);
	} while (time_before(jiffies, end));
	msleep(100);	/* let submitters meet the EIO before the disk goes */
}

/* Backend is going away: fail what cannot finish, remove the disk. */
static void xbf_closing(struct xbf_info *info)
{
	struct xenbus_device *dev = info->xbdev;
	enum xbf_state prev;

	mutex_lock(&info->mutex);
	prev = info->state;
	if (prev == XBF_CLOSING || prev == XBF_CLOSED) {
		mutex_unlock(&info->mutex);
		return;
	}
	info->state = XBF_CLOSING;
	if (prev == XBF_RECONNECTING && info->gd) {
		xbf_fail_parked(info);
		blk_mq_unquiesce_queue(info->gd->queue);
	}
	mutex_unlock(&info->mutex);

	cancel_delayed_work_sync(&info->watchdog);
	if (info->gd) {
		dev_info(&dev->dev, "%s: backend closing, removing the disk\n",
			 xbf_name(info));
		xbf_wait_idle(info);
	}
	xbf_debugfs_remove(info);
	xbf_blkdev_destroy(info);	/* waits for in-flight I/O */

	/* The grants are ended once the backend let go: xbf_backend_closed(). */
	mutex_lock(&info->mutex);
	xbf_rings_quiesce(info);
	info->state = XBF_CLOSED;
	mutex_unlock(&info->mutex);
	xenbus_frontend_closed(dev);
}

/* The backend is Closed: it unmapped everything, so end our grants now. */
static void xbf_backend_closed(struct xbf_info *info)
{
	mutex_lock(&info->mutex);
	if (info->state == XBF_CLOSED)
		xbf_rings_free(info);
	mutex_unlock(&info->mutex);
}

static void xbf_backend_changed(struct xenbus_device *dev,
				enum xenbus_state backend_state)
{
	struct xbf_info *info = dev_get_drvdata(&dev->dev);

	dev_dbg(&dev->dev, "backend state %s\n",
		xenbus_strstate(backend_state));
	switch (backend_state) {
	case XenbusStateInitWait:
		if (dev->state != XenbusStateInitialising)
			break;
		mutex_lock(&info->mutex);
		if (!info->rings)
			xbf_talk_to_backend(info);
		mutex_unlock(&info->mutex);
		break;
	case XenbusStateConnected:
		xbf_connect(info);
		break;
	case XenbusStateClosed:
		/* Closed is also where a backend waits after our predecessor
		 * (an unbound or unloaded driver) closed: it answers our
		 * Initialising with InitWait.
		 */
		if (dev->state == XenbusStateClosed) {
			xbf_backend_closed(info);
			break;
		}
		if (dev->state == XenbusStateInitialising)
			break;
		fallthrough;
	case XenbusStateClosing:
		xbf_closing(info);
		break;
	default:
		break;
	}
}

/* The backend is Closed or gone: it holds no mapping of ours. */
static bool xbf_backend_let_go(struct xenbus_device *dev)
{
	enum xenbus_state be = xenblk_read_otherend_state(dev);

	return be == XenbusStateClosed || be == XenbusStateUnknown;
}

/*
 * The driver goes away (rmmod, unbind) while the backend may still map our
 * rings and persistent grants. Close, and give the backend a few seconds
 * to unmap them, so that our grants go back to the guest's grant table at
 * once instead of through its slow deferred release.
 */
static void xbf_let_backend_unmap(struct xenbus_device *dev)
{
	unsigned long end = jiffies + XBF_UNMAP_WAIT;

	if (xbf_backend_let_go(dev))
		return;
	xenbus_switch_state(dev, XenbusStateClosed);
	while (!xbf_backend_let_go(dev)) {
		if (time_after(jiffies, end)) {
			dev_warn(&dev->dev, "backend still %s after we closed; ending our grants anyway\n",
				 xenbus_strstate(xenblk_read_otherend_state(dev)));
			return;
		}
		msleep(50);
	}
}

/**
 * xbf_remove_dev - xenbus remove: the device or the driver goes away
 * @dev: the xenbus device
 */
void xbf_remove_dev(struct xenbus_device *dev)
{
	struct xbf_info *info = dev_get_drvdata(&dev->dev);

	mutex_lock(&info->mutex);
	if (info->state == XBF_RECONNECTING && info->gd) {
		xbf_fail_parked(info);
		blk_mq_unquiesce_queue(info->gd->queue);
	}
	if (info->state != XBF_CONNECTED)
		info->state = XBF_CLOSING;
	mutex_unlock(&info->mutex);

	cancel_delayed_work_sync(&info->watchdog);
	cancel_work_sync(&info->update_work);
	xbf_debugfs_remove(info);
	xbf_blkdev_destroy(info);
	flush_work(&info->split_work);
	mutex_lock(&info->mutex);
	info->state = XBF_CLOSED;
	xbf_rings_quiesce(info);
	mutex_unlock(&info->mutex);
	if (info->rings)
		xbf_let_backend_unmap(dev);
	mutex_lock(&info->mutex);
	xbf_rings_free(info);
	mutex_unlock(&info->mutex);
	dev_set_drvdata(&dev->dev, NULL);
	kfree(info);
}

static const struct xenbus_device_id xbf_ids[] = {
	{ "vbd" },
	{ "" }
};

static struct xenbus_driver xbf_driver = {
	.ids			= xbf_ids,
	.probe			= xbf_probe,
	.remove			= xbf_compat_remove,
	.resume			= xbf_resume,
	.otherend_changed	= xbf_backend_changed,
	.driver			= {
		.dev_groups	= xbf_dev_groups,
	},
};

static void xbf_check_params(void)
{
	if (xbf_max_ring_page_order > XBF_MAX_RING_ORDER) {
		pr_info("max_ring_page_order %u too large, using %u\n",
			xbf_max_ring_page_order, XBF_MAX_RING_ORDER);
		xbf_max_ring_page_order = XBF_MAX_RING_ORDER;
	}
	xbf_max_indirect_segments = clamp_t(unsigned int,
					    xbf_max_indirect_segments,
					    BLKIF_MAX_SEGMENTS_PER_REQUEST,
					    XBF_MAX_INDIRECT_SEGS);
}

static int __init xbf_init(void)
{
	int err;

	if (!xen_domain() || !xen_has_pv_disk_devices())
		return -ENODEV;
	xbf_check_params();
	err = xbf_blkdev_init();
	if (err)
		return err;
	xbf_debugfs_init();
	err = xenbus_register_frontend(&xbf_driver);
	if (err) {
		xbf_debugfs_exit();
		xbf_blkdev_exit();
	}
	return err;
}
module_init(xbf_init);

static void __exit xbf_exit(void)
{
	xenbus_unregister_driver(&xbf_driver);
	xbf_debugfs_exit();
	xbf_blkdev_exit();
}
module_exit(xbf_exit);

MODULE_DESCRIPTION("Xen PV block frontend (xenblk)");
MODULE_LICENSE("GPL");
MODULE_ALIAS("xen:vbd");
MODULE_ALIAS_BLOCKDEV_MAJOR(XBF_MAJOR);
#ifdef XENBLK_VERSION
MODULE_VERSION(XENBLK_VERSION);
#endif
