/* HAVE_BLK_MQ_FREEZE_QUEUE_MEMFLAGS: blk_mq_freeze_queue() returns memflags for blk_mq_unfreeze_queue(), Linux 6.14 */
#include <linux/blk-mq.h>

void xenblk_probe_freeze(struct request_queue *q);
void xenblk_probe_freeze(struct request_queue *q)
{
	unsigned int memflags = blk_mq_freeze_queue(q);

	blk_mq_unfreeze_queue(q, memflags);
}
