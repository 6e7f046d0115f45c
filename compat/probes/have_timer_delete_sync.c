/* HAVE_TIMER_DELETE_SYNC: timer_delete_sync()/timer_delete(), Linux 6.2 (6.1.y stable too); del_timer*() removed in 6.15 */
#include <linux/timer.h>

int xenblk_probe_timer_delete(struct timer_list *t);
int xenblk_probe_timer_delete(struct timer_list *t)
{
	return timer_delete_sync(t) + timer_delete(t);
}
