// SPDX-License-Identifier: GPL-2.0-only
/*
 * xen-blkback: xenbus side. Probe/remove of "vbd" backend devices, the
 * state machine (InitWait -> Connected -> Closing -> Closed, and back to
 * InitWait when a frontend restarts), negotiation of rings and features,
 * and the module's entry points.
 *
 * Negotiation snapshot: the queue, ring-order, persistent and indirect
 * limits are sampled from the module parameters whenever the backend enters
 * InitWait and written to xenstore then; the connection that follows uses
 * exactly those values. Changing a parameter affects the next connection.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include "common.h"
#include "compat.h"

/* Largest ring count accepted for multi-queue-max-queues. */
#define XBB_MAX_QUEUES	64

unsigned int xbb_max_queues;
module_param_named(max_queues, xbb_max_queues, uint, 0644);
MODULE_PARM_DESC(max_queues,
		 "Rings per VBD offered to frontends (multi-queue-max-queues; 0 at load: number of online CPUs)");

unsigned int xbb_max_ring_order = XBB_MAX_RING_ORDER;
unsigned int xbb_max_indirect_segs = 256;
bool xbb_feature_persistent = true;

module_param_named(feature_persistent, xbb_feature_persistent, bool, 0644);
MODULE_PARM_DESC(feature_persistent,
		 "Offer persistent grants to frontends (feature-persistent)");

static int xbb_param_set_max(const char *val, const struct kernel_param *kp,
			     unsigned int min, unsigned int max)
{
	unsigned int v;
	int err = kstrtouint(val, 0, &v);

	if (err)
		return err;
	if (v && (v < min || v > max))
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, v);
	return 0;
}

static int xbb_set_order(const char *val, const struct kernel_param *kp)
{
	return xbb_param_set_max(val, kp, 1, XBB_MAX_RING_ORDER);
}

static int xbb_set_indirect(const char *val, const struct kernel_param *kp)
{
	return xbb_param_set_max(val, kp, BLKIF_MAX_SEGMENTS_PER_REQUEST + 1,
				 XBB_MAX_INDIRECT_SEGS);
}

static const struct kernel_param_ops xbb_order_ops = {
	.set = xbb_set_order,
	.get = param_get_uint,
};

static const struct kernel_param_ops xbb_indirect_ops = {
	.set = xbb_set_indirect,
	.get = param_get_uint,
};

module_param_cb(max_ring_page_order, &xbb_order_ops, &xbb_max_ring_order,
		0644);
MODULE_PARM_DESC(max_ring_page_order,
		 "Largest ring a frontend may use, as log2 of pages (0-4)");
module_param_cb(max_indirect_segments, &xbb_indirect_ops,
		&xbb_max_indirect_segs, 0644);
MODULE_PARM_DESC(max_indirect_segments,
		 "Segments per indirect request offered to new connections (0: no indirect, 12-4096)");

static int xbb_write_uint(struct xenbus_transaction xbt, struct xbb_vbd *vbd,
			  const char *key, unsigned long long val)
{
	int err = xenbus_printf(xbt, vbd->dev->nodename, key, "%llu", val);

	if (err)
		xenbus_dev_error(vbd->dev, err, "writing %s", key);
	return err;
}

/* Sample the negotiation limits and publish them (entering InitWait). */
static int xbb_advertise(struct xbb_vbd *vbd)
{
	unsigned int ind = READ_ONCE(xbb_max_indirect_segs);
	int err;

	vbd->adv_queues = clamp(READ_ONCE(xbb_max_queues), 1U, XBB_MAX_QUEUES);
	vbd->adv_order = min(READ_ONCE(xbb_max_ring_order), XBB_MAX_RING_ORDER);
	vbd->adv_persistent = READ_ONCE(xbb_feature_persistent);
	vbd->lim.max_indirect_segments = min(ind, XBB_MAX_INDIRECT_SEGS);
	err = xbb_write_uint(XBT_NIL, vbd, XENBLK_KEY_MAX_QUEUES,
			     vbd->adv_queues);
	if (!err)
		err = xbb_write_uint(XBT_NIL, vbd, XENBLK_KEY_MAX_RING_ORDER,
				     vbd->adv_order);
	if (!err)
		err = xbb_write_uint(XBT_NIL, vbd, XENBLK_KEY_PERSISTENT,
				     vbd->adv_persistent);
	if (err)
		return err;
	if (vbd->lim.max_indirect_segments)
		return xbb_write_uint(XBT_NIL, vbd, XENBLK_KEY_MAX_INDIRECT,
				      vbd->lim.max_indirect_segments);
	xenbus_rm(XBT_NIL, vbd->dev->nodename, XENBLK_KEY_MAX_INDIRECT);
	return 0;
}

static void xbb_set_limits(struct xbb_vbd *vbd)
{
	struct block_device *bdev = vbd->bdev;
	struct xenblk_vbd_limits *lim = &vbd->lim;

	lim->logical_block_size = bdev_logical_block_size(bdev);
	lim->readonly = vbd->readonly;
	lim->check_handle = false;
	/*
	 * A cache flush only means something on a device with a volatile
	 * write cache; without one, guests need not send flushes at all.
	 * Barriers (drain + flush) are always offered: they order writes.
	 */
	lim->flush = bdev_write_cache(bdev);
	lim->barrier = true;
	lim->discard = !vbd->readonly && bdev_max_discard_sectors(bdev) &&
		xenbus_read_unsigned(vbd->dev->nodename,
				     XENBLK_KEY_DISCARD_ENABLE, 1);
	lim->discard_secure = lim->discard &&
		bdev_max_secure_erase_sectors(bdev);
}

static unsigned int xbb_info(struct xbb_vbd *vbd)
{
	unsigned int info = 0;

	if (vbd->readonly)
		info |= VDISK_READONLY;
	if (vbd->cdrom)
		info |= VDISK_CDROM;
	if (vbd->bdev->bd_disk->flags & GENHD_FL_REMOVABLE)
		info |= VDISK_REMOVABLE;
	return info;
}

static int xbb_write_discard(struct xenbus_transaction xbt,
			     struct xbb_vbd *vbd)
{
	struct block_device *bdev = vbd->bdev;
	unsigned int gran = bdev_discard_granularity(bdev);
	int err;

	if (!gran)
		gran = bdev_logical_block_size(bdev);
	err = xbb_write_uint(xbt, vbd, XENBLK_KEY_DISCARD_GRAN, gran);
	if (!err)
		err = xbb_write_uint(xbt, vbd, XENBLK_KEY_DISCARD_ALIGN,
				     bdev_discard_alignment(bdev));
	if (!err)
		err = xbb_write_uint(xbt, vbd, XENBLK_KEY_DISCARD_SECURE,
				     vbd->lim.discard_secure);
	return err;
}

static int xbb_write_keys(struct xenbus_transaction xbt, struct xbb_vbd *vbd)
{
	const struct {
		const char *key;
		unsigned long long val;
	} keys[] = {
		{ XENBLK_KEY_FLUSH, vbd->lim.flush },
		{ XENBLK_KEY_BARRIER, vbd->lim.barrier },
		{ XENBLK_KEY_DISCARD, vbd->lim.discard },
		{ XENBLK_KEY_PERSISTENT, vbd->adv_persistent },
		{ XENBLK_KEY_SECTORS, vbd->sectors },
		{ XENBLK_KEY_INFO, xbb_info(vbd) },
		{ XENBLK_KEY_SECTOR_SIZE, vbd->lim.logical_block_size },
		{ XENBLK_KEY_PHYS_SECTOR_SIZE,
		  bdev_physical_block_size(vbd->bdev) },
	};
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		err = xbb_write_uint(xbt, vbd, keys[i].key, keys[i].val);
		if (err)
			return err;
	}
	if (vbd->lim.discard)
		return xbb_write_discard(xbt, vbd);
	return 0;
}

static int xbb_write_features(struct xbb_vbd *vbd)
{
	struct xenbus_transaction xbt;
	int err;

again:
	err = xenbus_transaction_start(&xbt);
	if (err)
		return err;
	err = xbb_write_keys(xbt, vbd);
	if (err) {
		xenbus_transaction_end(xbt, 1);
		return err;
	}
	err = xenbus_transaction_end(xbt, 0);
	if (err == -EAGAIN)
		goto again;
	return err;
}

static int xbb_read_frontend(struct xbb_vbd *vbd, unsigned int *nr,
			     unsigned int *order, enum xenblk_abi *abi)
{
	struct xenbus_device *dev = vbd->dev;
	char *proto;
	int err;

	*nr = xenbus_read_unsigned(dev->otherend, XENBLK_KEY_NUM_QUEUES, 1);
	*order = xenbus_read_unsigned(dev->otherend, XENBLK_KEY_RING_ORDER, 0);
	if (xenblk_check_frontend_ring(*order, vbd->adv_order, *nr,
				       vbd->adv_queues)) {
		xenbus_dev_fatal(dev, -EINVAL,
				 "frontend asks for %u rings of order %u (max %u, %u)",
				 *nr, *order, vbd->adv_queues, vbd->adv_order);
		return -EINVAL;
	}
	proto = xenbus_read(XBT_NIL, dev->otherend, XENBLK_KEY_PROTOCOL, NULL);
	err = xenblk_abi_from_protocol(IS_ERR(proto) ? NULL : proto, abi);
	if (err)
		xenbus_dev_fatal(dev, err, "unknown protocol %s", proto);
	if (!IS_ERR(proto))
		kfree(proto);
	return err;
}

static int xbb_read_ring(struct xbb_vbd *vbd, const char *dir,
			 unsigned int order, grant_ref_t *grefs,
			 evtchn_port_t *evtchn)
{
	unsigned int i, nr_pages = 1U << order;
	char key[32];

	if (order || xenbus_scanf(XBT_NIL, dir, XENBLK_KEY_RING_REF, "%u",
				  &grefs[0]) != 1) {
		for (i = 0; i < nr_pages; i++) {
			snprintf(key, sizeof(key), XENBLK_KEY_RING_REF "%u", i);
			if (xenbus_scanf(XBT_NIL, dir, key, "%u",
					 &grefs[i]) != 1) {
				xenbus_dev_fatal(vbd->dev, -EINVAL,
						 "reading %s/%s", dir, key);
				return -EINVAL;
			}
		}
	}
	if (xenbus_scanf(XBT_NIL, dir, XENBLK_KEY_EVTCHN, "%u", evtchn) != 1) {
		xenbus_dev_fatal(vbd->dev, -EINVAL, "reading %s/%s", dir,
				 XENBLK_KEY_EVTCHN);
		return -EINVAL;
	}
	return 0;
}

static int xbb_connect_ring(struct xbb_vbd *vbd, struct xbb_ring *ring,
			    unsigned int order)
{
	grant_ref_t grefs[XBB_MAX_RING_PAGES];
	evtchn_port_t evtchn;
	char *dir;
	int err;

	if (vbd->nr_rings == 1)
		dir = kstrdup(vbd->dev->otherend, GFP_KERNEL);
	else
		dir = kasprintf(GFP_KERNEL, "%s/queue-%u", vbd->dev->otherend,
				ring->idx);
	if (!dir)
		return -ENOMEM;
	err = xbb_read_ring(vbd, dir, order, grefs, &evtchn);
	kfree(dir);
	if (err)
		return err;
	err = xbb_ring_connect(ring, grefs, 1U << order, evtchn);
	if (err)
		xenbus_dev_fatal(vbd->dev, err, "mapping ring %u", ring->idx);
	return err;
}

/**
 * xbb_disconnect() - tear down the rings of a VBD (idempotent)
 * @vbd: the VBD (vbd->lock held)
 *
 * Afterwards no grant of the frontend is mapped and no page is cached.
 */
static void xbb_disconnect(struct xbb_vbd *vbd)
{
	unsigned int i;

	if (!vbd->rings)
		return;
	for (i = 0; i < vbd->nr_rings; i++)
		xbb_ring_disconnect(&vbd->rings[i]);
	xbb_pgtree_destroy(vbd, &vbd->rings[0]);
	for (i = 0; i < vbd->nr_rings; i++) {
		xbb_stats_retire(vbd, &vbd->rings[i]);
		xbb_ring_free(&vbd->rings[i]);
	}
	kvfree(vbd->rings);
	vbd->rings = NULL;
	vbd->nr_rings = 0;
	vbd->connected = false;
	vbd->persistent = false;
}

static int xbb_connect_rings(struct xbb_vbd *vbd)
{
	unsigned int i, nr, order;
	enum xenblk_abi abi;
	int err;

	err = xbb_read_frontend(vbd, &nr, &order, &abi);
	if (err)
		return err;
	vbd->rings = kvcalloc(nr, sizeof(*vbd->rings), GFP_KERNEL);
	if (!vbd->rings)
		return -ENOMEM;
	vbd->nr_rings = nr;
	for (i = 0; i < nr; i++)
		xbb_ring_init(&vbd->rings[i], vbd, i, abi);
	for (i = 0; i < nr; i++) {
		err = xbb_connect_ring(vbd, &vbd->rings[i], order);
		if (err)
			return err;
		xbb_debugfs_ring_add(&vbd->rings[i]);
	}
	pr_info("%s: connected: %u ring(s) of %u page(s), %s ABI, persistent %s, indirect %u\n",
		dev_name(&vbd->dev->dev), nr, 1U << order,
		abi == XENBLK_ABI_X86_32 ? "x86_32" : "x86_64",
		vbd->persistent ? "on" : "off", vbd->lim.max_indirect_segments);
	return 0;
}

/* Both sides are ready: map the rings, publish the device, go Connected. */
static void xbb_connect(struct xbb_vbd *vbd)
{
	struct xenbus_device *dev = vbd->dev;
	int err;

	if (!vbd->bdev || vbd->connected)
		return;
	xbb_disconnect(vbd);
	xbb_set_limits(vbd);
	vbd->persistent = vbd->adv_persistent &&
		xenbus_read_unsigned(dev->otherend, XENBLK_KEY_PERSISTENT, 0);
	err = xbb_connect_rings(vbd);
	if (!err)
		err = xbb_write_features(vbd);
	if (err) {
		xbb_disconnect(vbd);
		xenbus_dev_fatal(dev, err, "connecting to the frontend");
		return;
	}
	vbd->connected = true;
	err = xenbus_switch_state(dev, XenbusStateConnected);
	if (err)
		xenbus_dev_fatal(dev, err, "switching to Connected");
}

static bool xbb_frontend_ready(struct xbb_vbd *vbd)
{
	enum xenbus_state fe = xenblk_read_otherend_state(vbd->dev);

	return fe == XenbusStateInitialised || fe == XenbusStateConnected;
}

static void xbb_restart(struct xbb_vbd *vbd)
{
	xbb_disconnect(vbd);
	if (xbb_advertise(vbd))
		return;
	xenbus_switch_state(vbd->dev, XenbusStateInitWait);
}

static void xbb_frontend_changed(struct xenbus_device *dev,
				 enum xenbus_state fe)
{
	struct xbb_vbd *vbd = dev_get_drvdata(&dev->dev);

	mutex_lock(&vbd->lock);
	switch (fe) {
	case XenbusStateInitialising:
		/* A new or restarted frontend: offer the current limits. */
		if (dev->state != XenbusStateInitWait)
			xbb_restart(vbd);
		break;
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (dev->state != XenbusStateConnected)
			xbb_connect(vbd);
		break;
	case XenbusStateClosing:
		xbb_disconnect(vbd);
		xenbus_switch_state(dev, XenbusStateClosing);
		break;
	case XenbusStateClosed:
		xbb_disconnect(vbd);
		xenbus_switch_state(dev, XenbusStateClosed);
		if (xenbus_dev_is_online(dev))
			break;
		fallthrough;
	case XenbusStateUnknown:
		mutex_unlock(&vbd->lock);
		device_unregister(&dev->dev);
		return;
	default:
		xenbus_dev_fatal(dev, -EINVAL, "frontend in state %d", fe);
		break;
	}
	mutex_unlock(&vbd->lock);
}

/* One pending event is enough: the callback re-reads the node. */
static bool xbb_be_will_handle(struct xenbus_watch *watch, const char *path,
			       const char *token)
{
	return watch->nr_pending == 0;
}

static int xbb_read_mode(struct xbb_vbd *vbd, bool *readonly)
{
	struct xenbus_device *dev = vbd->dev;
	char *mode, *type;

	mode = xenbus_read(XBT_NIL, dev->nodename, XENBLK_KEY_MODE, NULL);
	if (IS_ERR(mode)) {
		xenbus_dev_fatal(dev, PTR_ERR(mode), "reading mode");
		return PTR_ERR(mode);
	}
	*readonly = !strchr(mode, 'w');
	kfree(mode);
	type = xenbus_read(XBT_NIL, dev->nodename, "device-type", NULL);
	vbd->cdrom = !IS_ERR(type) && !strcmp(type, "cdrom");
	if (!IS_ERR(type))
		kfree(type);
	return 0;
}

static void xbb_open_device(struct xbb_vbd *vbd, dev_t devt)
{
	bool readonly;
	int err;

	if (vbd->bdev) {
		if (devt != vbd->devt)
			pr_warn("%s: changing physical-device is not supported\n",
				dev_name(&vbd->dev->dev));
		return;
	}
	if (xbb_read_mode(vbd, &readonly))
		return;
	err = xbb_vbd_open(vbd, devt, readonly);
	if (err) {
		xenbus_dev_fatal(vbd->dev, err, "opening device %x:%x",
				 MAJOR(devt), MINOR(devt));
		return;
	}
	schedule_delayed_work(&vbd->resize_work, 2 * HZ);
	if (xbb_frontend_ready(vbd) && vbd->dev->state != XenbusStateConnected)
		xbb_connect(vbd);
}

static void xbb_be_changed(struct xenbus_watch *watch, const char *path,
			   const char *token)
{
	struct xbb_vbd *vbd = container_of(watch, struct xbb_vbd, be_watch);
	unsigned int major, minor;
	int err;

	err = xenbus_scanf(XBT_NIL, vbd->dev->nodename,
			   XENBLK_KEY_PHYSICAL_DEVICE, "%x:%x", &major, &minor);
	if (XENBUS_EXIST_ERR(err))
		return; /* the hotplug script has not run yet */
	if (err != 2) {
		xenbus_dev_fatal(vbd->dev, err < 0 ? err : -EINVAL,
				 "reading physical-device");
		return;
	}
	mutex_lock(&vbd->lock);
	if (!vbd->closing)
		xbb_open_device(vbd, MKDEV(major, minor));
	mutex_unlock(&vbd->lock);
}

static void xbb_remove(struct xenbus_device *dev)
{
	struct xbb_vbd *vbd = dev_get_drvdata(&dev->dev);

	if (!vbd)
		return;
	if (vbd->watching) {
		unregister_xenbus_watch(&vbd->be_watch);
		kfree(vbd->be_watch.node);
		vbd->watching = false;
	}
	mutex_lock(&vbd->lock);
	vbd->closing = true;
	mutex_unlock(&vbd->lock);
	cancel_delayed_work_sync(&vbd->resize_work);
	mutex_lock(&vbd->lock);
	xbb_disconnect(vbd);
	xbb_vbd_close(vbd);
	mutex_unlock(&vbd->lock);
	xbb_stats_remove(vbd);
	dev_set_drvdata(&dev->dev, NULL);
	kfree(vbd);
}

#ifdef HAVE_XENBUS_REMOVE_VOID
static void xbb_remove_cb(struct xenbus_device *dev)
{
	xbb_remove(dev);
}
#else
static int xbb_remove_cb(struct xenbus_device *dev)
{
	xbb_remove(dev);
	return 0;
}
#endif

static unsigned int xbb_parse_handle(const char *nodename)
{
	const char *p = strrchr(nodename, '/');
	unsigned int handle = 0;

	if (p && kstrtouint(p + 1, 10, &handle))
		handle = 0;
	return handle;
}

static int xbb_probe(struct xenbus_device *dev,
		     const struct xenbus_device_id *id)
{
	struct xbb_vbd *vbd;
	int err;

	vbd = xbb_zalloc_obj(vbd, GFP_KERNEL);
	if (!vbd)
		return -ENOMEM;
	vbd->dev = dev;
	vbd->domid = dev->otherend_id;
	vbd->handle = xbb_parse_handle(dev->nodename);
	mutex_init(&vbd->lock);
	xbb_pgtree_init(&vbd->pgt);
	INIT_DELAYED_WORK(&vbd->resize_work, xbb_vbd_resize_work);
	dev_set_drvdata(&dev->dev, vbd);
	err = xbb_stats_add(vbd);
	if (err)
		goto fail_free;
	err = xbb_advertise(vbd);
	if (!err)
		err = xenbus_watch_pathfmt(dev, &vbd->be_watch,
					   xbb_be_will_handle, xbb_be_changed,
					   "%s/%s", dev->nodename,
					   XENBLK_KEY_PHYSICAL_DEVICE);
	if (err)
		goto fail_remove;
	vbd->watching = true;
	err = xenbus_switch_state(dev, XenbusStateInitWait);
	if (err)
		goto fail_remove;
	return 0;

fail_remove:
	xbb_remove(dev);
	return err;
fail_free:
	dev_set_drvdata(&dev->dev, NULL);
	kfree(vbd);
	return err;
}

static const struct xenbus_device_id xbb_ids[] = {
	{ "vbd" },
	{ "" }
};

static struct xenbus_driver xbb_driver = {
	.ids			= xbb_ids,
	.probe			= xbb_probe,
	.remove			= xbb_remove_cb,
	.otherend_changed	= xbb_frontend_changed,
};

static int __init xbb_init(void)
{
	int err;

	if (!xen_domain())
		return -ENODEV;
	if (!xbb_max_queues)
		xbb_max_queues = num_online_cpus();
	err = xbb_grant_init();
	if (err)
		return err;
	xbb_debugfs_init();
	err = xenbus_register_backend(&xbb_driver);
	if (err) {
		xbb_debugfs_exit();
		xbb_grant_exit();
	}
	return err;
}
module_init(xbb_init);

static void __exit xbb_exit(void)
{
	xenbus_unregister_driver(&xbb_driver);
	xbb_debugfs_exit();
	xbb_grant_exit();
}
module_exit(xbb_exit);

MODULE_DESCRIPTION("Xen PV block device backend (xenblk)");
MODULE_LICENSE("GPL");
MODULE_ALIAS("xen-backend:vbd");
MODULE_VERSION(XENBLK_VERSION);
