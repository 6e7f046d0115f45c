/* HAVE_INIT_REQUEST_INT_NODE: blk_mq_ops.init_request's numa_node argument is int (was unsigned int), after Linux 6.12 (in 7.2) */
#include <linux/blk-mq.h>

static_assert(__builtin_types_compatible_p(
	typeof(((struct blk_mq_ops *)NULL)->init_request),
	int (*)(struct blk_mq_tag_set *, struct request *, unsigned int, int)));
