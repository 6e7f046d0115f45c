// SPDX-License-Identifier: GPL-2.0-only
/*
 * xenblk frontend: sysfs attributes of the xenbus device
 * (/sys/bus/xen/devices/vbd-N/, also /sys/block/xvdX/device/).
 */
#include <linux/device.h>
#include <linux/sysfs.h>
#include "blkfront.h"

static struct xbf_info *xbf_dev_info(struct device *dev)
{
	return dev_get_drvdata(dev);
}

static ssize_t max_indirect_segments_show(struct device *dev,
					  struct device_attribute *attr,
					  char *buf)
{
	struct xbf_info *info = xbf_dev_info(dev);

	return sysfs_emit(buf, "%u\n", info ? info->feat.max_segs : 0);
}

static ssize_t max_indirect_segments_store(struct device *dev,
					   struct device_attribute *attr,
					   const char *buf, size_t count)
{
	struct xbf_info *info = xbf_dev_info(dev);
	unsigned int segs;
	int err;

	if (!info)
		return -ENODEV;
	err = kstrtouint(buf, 0, &segs);
	if (err)
		return err;
	err = xbf_set_max_segs(info, segs);
	return err ? err : count;
}
static DEVICE_ATTR_RW(max_indirect_segments);

static ssize_t nr_rings_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct xbf_info *info = xbf_dev_info(dev);

	return sysfs_emit(buf, "%u\n", info ? info->feat.nr_rings : 0);
}
static DEVICE_ATTR_RO(nr_rings);

static ssize_t ring_page_order_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	struct xbf_info *info = xbf_dev_info(dev);

	return sysfs_emit(buf, "%u\n", info ? info->feat.ring_order : 0);
}
static DEVICE_ATTR_RO(ring_page_order);

static ssize_t persistent_grants_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	struct xbf_info *info = xbf_dev_info(dev);

	return sysfs_emit(buf, "%d\n", info ? info->feat.persistent : 0);
}
static DEVICE_ATTR_RO(persistent_grants);

static ssize_t bounce_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct xbf_info *info = xbf_dev_info(dev);

	return sysfs_emit(buf, "%d\n", info ? !info->trusted : 0);
}
static DEVICE_ATTR_RO(bounce);

static struct attribute *xbf_attrs[] = {
	&dev_attr_max_indirect_segments.attr,
	&dev_attr_nr_rings.attr,
	&dev_attr_ring_page_order.attr,
	&dev_attr_persistent_grants.attr,
	&dev_attr_bounce.attr,
	NULL
};

static const struct attribute_group xbf_attr_group = {
	.attrs = xbf_attrs,
};

const struct attribute_group *xbf_dev_groups[] = {
	&xbf_attr_group,
	NULL
};
