/* HAVE_BDEV_OPEN_BY_DEV: bdev_open_by_dev() returns struct bdev_handle *, Linux 6.7 (gone in 6.10) */
#include <linux/blkdev.h>

struct bdev_handle *xenblk_probe_open(dev_t dev, void *holder);
struct bdev_handle *xenblk_probe_open(dev_t dev, void *holder)
{
	return bdev_open_by_dev(dev, BLK_OPEN_READ, holder, NULL);
}
