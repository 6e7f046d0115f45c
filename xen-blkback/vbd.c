// SPDX-License-Identifier: GPL-2.0-only
/*
 * xen-blkback: the physical block device behind a VBD: open/close, geometry,
 * request range checks and online resize.
 */
#include "common.h"
#include "compat.h"

/* How often the size of the device is compared with what was advertised. */
#define XBB_RESIZE_PERIOD	(2 * HZ)

/**
 * xbb_vbd_open() - open the device named by "physical-device"
 * @vbd: the VBD
 * @devt: device number
 * @readonly: open for reading only
 *
 * Return: 0 or a negative errno.
 */
int xbb_vbd_open(struct xbb_vbd *vbd, dev_t devt, bool readonly)
{
	struct block_device *bdev;
	unsigned int lbs;

	bdev = xbb_bdev_open(devt, !readonly, &vbd->bdev_priv);
	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	lbs = bdev_logical_block_size(bdev);
	vbd->bdev = bdev;
	vbd->devt = devt;
	vbd->readonly = readonly;
	WRITE_ONCE(vbd->sectors, bdev_nr_sectors(bdev));
	pr_info("%s: opened %u:%u (%s, %llu sectors, %u-byte blocks)\n",
		dev_name(&vbd->dev->dev), MAJOR(devt), MINOR(devt),
		readonly ? "ro" : "rw", (unsigned long long)vbd->sectors, lbs);
	return 0;
}

/**
 * xbb_vbd_close() - close the device, if open
 * @vbd: the VBD (rings already disconnected)
 */
void xbb_vbd_close(struct xbb_vbd *vbd)
{
	if (!vbd->bdev)
		return;
	xbb_bdev_close(vbd->bdev, vbd->bdev_priv);
	vbd->bdev = NULL;
	vbd->bdev_priv = NULL;
}

static void xbb_vbd_announce_size(struct xbb_vbd *vbd, sector_t sectors)
{
	struct xenbus_device *dev = vbd->dev;
	int err;

	err = xenbus_printf(XBT_NIL, dev->nodename, XENBLK_KEY_SECTORS, "%llu",
			    (unsigned long long)sectors);
	if (err) {
		pr_warn("%s: cannot write new size: %d\n", dev_name(&dev->dev),
			err);
		return;
	}
	/* Rewriting "state" makes the frontend re-read the geometry. */
	err = xenbus_printf(XBT_NIL, dev->nodename, "state", "%d",
			    XenbusStateConnected);
	if (err)
		pr_warn("%s: cannot signal resize: %d\n", dev_name(&dev->dev),
			err);
}

/**
 * xbb_vbd_resize_work() - notice a grown or shrunk device
 * @work: &xbb_vbd.resize_work
 *
 * Polls the device size; a change updates "sectors" for a connected
 * frontend. Re-arms itself until the VBD goes away.
 */
void xbb_vbd_resize_work(struct work_struct *work)
{
	struct xbb_vbd *vbd = container_of(to_delayed_work(work),
					   struct xbb_vbd, resize_work);
	sector_t now;

	mutex_lock(&vbd->lock);
	if (vbd->closing || !vbd->bdev) {
		mutex_unlock(&vbd->lock);
		return;
	}
	now = bdev_nr_sectors(vbd->bdev);
	if (now != vbd->sectors) {
		pr_info("%s: size changed from %llu to %llu sectors\n",
			dev_name(&vbd->dev->dev),
			(unsigned long long)vbd->sectors,
			(unsigned long long)now);
		WRITE_ONCE(vbd->sectors, now);
		if (vbd->connected)
			xbb_vbd_announce_size(vbd, now);
	}
	mutex_unlock(&vbd->lock);
	schedule_delayed_work(&vbd->resize_work, XBB_RESIZE_PERIOD);
}
