/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xen-blkback compat shims: one place for the kernel API differences between
 * Linux 6.1 and 7.x, selected by the HAVE_* probes (compat/probes/), never by
 * version numbers.
 */
#ifndef XBB_COMPAT_H
#define XBB_COMPAT_H

#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/shrinker.h>
#include <xen/xenbus.h>
#include "xenblk_compat.h"
#include <xenblk/xenbus_compat.h>

/**
 * xbb_bdev_open() - open a block device by number, without exclusivity
 * @devt: device number
 * @write: open for writing too
 * @priv: out: what xbb_bdev_close() needs
 *
 * Return: the block device or an ERR_PTR().
 */
static inline struct block_device *xbb_bdev_open(dev_t devt, bool write,
						 void **priv)
{
#if defined(HAVE_BDEV_FILE_OPEN_BY_DEV)
	blk_mode_t mode = BLK_OPEN_READ | (write ? BLK_OPEN_WRITE : 0);
	struct file *f = bdev_file_open_by_dev(devt, mode, NULL, NULL);

	if (IS_ERR(f))
		return ERR_CAST(f);
	*priv = f;
	return file_bdev(f);
#elif defined(HAVE_BDEV_OPEN_BY_DEV)
	blk_mode_t mode = BLK_OPEN_READ | (write ? BLK_OPEN_WRITE : 0);
	struct bdev_handle *h = bdev_open_by_dev(devt, mode, NULL, NULL);

	if (IS_ERR(h))
		return ERR_CAST(h);
	*priv = h;
	return h->bdev;
#elif defined(HAVE_BLKDEV_GET_BY_DEV_4ARGS)
	blk_mode_t mode = BLK_OPEN_READ | (write ? BLK_OPEN_WRITE : 0);

	*priv = NULL;
	return blkdev_get_by_dev(devt, mode, NULL, NULL);
#else
	fmode_t mode = FMODE_READ | (write ? FMODE_WRITE : 0);

	*priv = (void *)(__force uintptr_t)mode;
	return blkdev_get_by_dev(devt, mode, NULL);
#endif
}

/**
 * xbb_bdev_close() - close what xbb_bdev_open() opened
 * @bdev: the block device
 * @priv: the value xbb_bdev_open() stored
 */
static inline void xbb_bdev_close(struct block_device *bdev, void *priv)
{
#if defined(HAVE_BDEV_FILE_OPEN_BY_DEV)
	fput(priv);
#elif defined(HAVE_BDEV_OPEN_BY_DEV)
	bdev_release(priv);
#elif defined(HAVE_BLKDEV_GET_BY_DEV_4ARGS)
	blkdev_put(bdev, NULL);
#else
	blkdev_put(bdev, (__force fmode_t)(uintptr_t)priv);
#endif
}

/**
 * xbb_shrinker_create() - allocate and register a shrinker
 * @count: count_objects callback
 * @scan: scan_objects callback
 *
 * Return: the shrinker or NULL.
 */
static inline struct shrinker *
xbb_shrinker_create(unsigned long (*count)(struct shrinker *,
					   struct shrink_control *),
		    unsigned long (*scan)(struct shrinker *,
					  struct shrink_control *))
{
#ifdef HAVE_SHRINKER_ALLOC
	struct shrinker *s = shrinker_alloc(0, "xen-blkback");

	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
	shrinker_register(s);
	return s;
#else
	static struct shrinker xbb_static_shrinker;

	xbb_static_shrinker.count_objects = count;
	xbb_static_shrinker.scan_objects = scan;
	xbb_static_shrinker.seeks = DEFAULT_SEEKS;
	if (register_shrinker(&xbb_static_shrinker, "xen-blkback"))
		return NULL;
	return &xbb_static_shrinker;
#endif
}

/**
 * xbb_shrinker_destroy() - unregister what xbb_shrinker_create() returned
 * @s: the shrinker (may be NULL)
 */
static inline void xbb_shrinker_destroy(struct shrinker *s)
{
	if (!s)
		return;
#ifdef HAVE_SHRINKER_ALLOC
	shrinker_free(s);
#else
	unregister_shrinker(s);
#endif
}

/* Typed zeroing allocation (kzalloc_obj() where the kernel has it). */
#ifdef HAVE_KZALLOC_OBJ
#define xbb_zalloc_obj(p, gfp)		kzalloc_obj(*(p), gfp)
#else
#define xbb_zalloc_obj(p, gfp)		kzalloc(sizeof(*(p)), gfp)
#endif

#endif /* XBB_COMPAT_H */
