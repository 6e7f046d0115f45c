/* HAVE_BDEV_FILE_OPEN_BY_DEV: bdev_file_open_by_dev() returns struct file *, Linux 6.9 */
#include <linux/blkdev.h>
#include <linux/fs.h>

struct file *xenblk_probe_open(dev_t dev, void *holder);
struct file *xenblk_probe_open(dev_t dev, void *holder)
{
	return bdev_file_open_by_dev(dev, BLK_OPEN_READ, holder, NULL);
}
