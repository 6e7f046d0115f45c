/* HAVE_XENBUS_REMOVE_VOID: struct xenbus_driver .remove returns void, Linux 6.2 (6.1.162 stable) */
#include <xen/xenbus.h>

static void xenblk_probe_remove(struct xenbus_device *dev)
{
}

struct xenbus_driver xenblk_probe_drv = {
	.remove = xenblk_probe_remove,
};
