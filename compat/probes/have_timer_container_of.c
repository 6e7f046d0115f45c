/* HAVE_TIMER_CONTAINER_OF: timer_container_of() replaces from_timer(), Linux 6.16 */
#include <linux/timer.h>

struct xenblk_probe_obj {
	struct timer_list t;
};

struct xenblk_probe_obj *xenblk_probe_timer(struct timer_list *t);
struct xenblk_probe_obj *xenblk_probe_timer(struct timer_list *t)
{
	struct xenblk_probe_obj *o = timer_container_of(o, t, t);

	return o;
}
