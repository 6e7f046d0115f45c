/* HAVE_SHRINKER_ALLOC: shrinker_alloc()/shrinker_register() replace register_shrinker(), Linux 6.7 */
#include <linux/shrinker.h>

struct shrinker *xenblk_probe_shrinker(void);
struct shrinker *xenblk_probe_shrinker(void)
{
	return shrinker_alloc(0, "xenblk-probe");
}
