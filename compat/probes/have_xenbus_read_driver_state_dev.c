/* HAVE_XENBUS_READ_DRIVER_STATE_DEV: xenbus_read_driver_state(dev, path) takes the xenbus_device too, after Linux 6.12 (in 7.2) */
#include <xen/xenbus.h>

enum xenbus_state xenblk_probe_state(struct xenbus_device *dev);
enum xenbus_state xenblk_probe_state(struct xenbus_device *dev)
{
	return xenbus_read_driver_state(dev, dev->otherend);
}
