/* HAVE_BLK_RQ_MAP_SG_2ARGS: blk_rq_map_sg(rq, sglist) without the request_queue, Linux 6.15 */
#include <linux/blk-mq.h>
#include <linux/scatterlist.h>

int xenblk_probe_map_sg(struct request *rq, struct scatterlist *sg);
int xenblk_probe_map_sg(struct request *rq, struct scatterlist *sg)
{
	return blk_rq_map_sg(rq, sg);
}
