/* HAVE_QUEUE_LIMITS_FEATURES: queue_limits.features with BLK_FEAT_WRITE_CACHE/FUA/ROTATIONAL, Linux 6.11 */
#include <linux/blkdev.h>

void xenblk_probe_feat(struct queue_limits *lim);
void xenblk_probe_feat(struct queue_limits *lim)
{
	lim->features |= BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA | BLK_FEAT_ROTATIONAL;
}
