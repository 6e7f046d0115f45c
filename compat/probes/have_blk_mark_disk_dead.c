/* HAVE_BLK_MARK_DISK_DEAD: blk_mark_disk_dead() fails new I/O of a disk before del_gendisk(), Linux 5.18 */
#include <linux/blkdev.h>

void xenblk_probe_mark_dead(struct gendisk *disk);
void xenblk_probe_mark_dead(struct gendisk *disk)
{
	blk_mark_disk_dead(disk);
}
