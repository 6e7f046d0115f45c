/* HAVE_KZALLOC_OBJ: typed kzalloc_obj()/kzalloc_objs() helpers (sid checkpatch: ALLOC_WITH_SIZEOF), after Linux 6.12.0: in 6.12.117 stable and 7.2, not in 6.1.192 */
#include <linux/slab.h>

struct xenblk_probe_obj {
	int a;
};

struct xenblk_probe_obj *xenblk_probe_kzalloc(void);
struct xenblk_probe_obj *xenblk_probe_kzalloc(void)
{
	struct xenblk_probe_obj *o = kzalloc_obj(*o, GFP_KERNEL);

	return o;
}
