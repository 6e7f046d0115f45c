/* HAVE_BLKDEV_GET_BY_DEV_4ARGS: blkdev_get_by_dev(dev, blk_mode_t, holder, hops), Linux 6.5 (gone in 6.8) */
#include <linux/blkdev.h>

struct block_device *xenblk_probe_open(dev_t dev, void *holder);
struct block_device *xenblk_probe_open(dev_t dev, void *holder)
{
	return blkdev_get_by_dev(dev, BLK_OPEN_READ, holder, NULL);
}
