/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenblk: xenbus calls whose form changed between the kernels both
 * modules build against (probe results in xenblk_compat.h).
 */
#ifndef XENBLK_XENBUS_COMPAT_H
#define XENBLK_XENBUS_COMPAT_H

#include <xen/xenbus.h>
#include "xenblk_compat.h"

/**
 * xenblk_read_otherend_state() - the other end's XenbusState from xenstore
 * @dev: the xenbus device
 *
 * xenbus_read_driver_state() takes the device too after Linux 6.12.
 *
 * Return: the state, XenbusStateUnknown when the node is missing.
 */
static inline enum xenbus_state
xenblk_read_otherend_state(struct xenbus_device *dev)
{
#ifdef HAVE_XENBUS_READ_DRIVER_STATE_DEV
	return xenbus_read_driver_state(dev, dev->otherend);
#else
	return xenbus_read_driver_state(dev->otherend);
#endif
}

#endif /* XENBLK_XENBUS_COMPAT_H */
