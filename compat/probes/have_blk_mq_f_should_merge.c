/* HAVE_BLK_MQ_F_SHOULD_MERGE: the BLK_MQ_F_SHOULD_MERGE tag set flag exists, removed in Linux 6.14 */
#include <linux/blk-mq.h>

unsigned int xenblk_probe_flag(void);
unsigned int xenblk_probe_flag(void)
{
	return BLK_MQ_F_SHOULD_MERGE;
}
