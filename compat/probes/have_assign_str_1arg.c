/* HAVE_ASSIGN_STR_1ARG: TRACE_EVENT __assign_str(dst) takes one argument (the source comes from __string()), Linux 6.10 */
#include <linux/types.h>	/* BITS_PER_LONG, which the stage headers test */
#include <linux/stringify.h>
#include <trace/stages/stage6_event_callback.h>

/*
 * __stringify() expands its argument first, so the preprocessor checks the
 * macro's arity here without the expansion having to compile as code.
 */
const char *xenblk_probe_assign_str(void);
const char *xenblk_probe_assign_str(void)
{
	return __stringify(__assign_str(name));
}
