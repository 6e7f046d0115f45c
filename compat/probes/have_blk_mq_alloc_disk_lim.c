/* HAVE_BLK_MQ_ALLOC_DISK_LIM: blk_mq_alloc_disk(set, lim, queuedata) and struct queue_limits setup, Linux 6.9 */
#include <linux/blk-mq.h>

struct gendisk *xenblk_probe_alloc(struct blk_mq_tag_set *set);
struct gendisk *xenblk_probe_alloc(struct blk_mq_tag_set *set)
{
	struct queue_limits lim = { .max_hw_sectors = 8 };

	return blk_mq_alloc_disk(set, &lim, NULL);
}
