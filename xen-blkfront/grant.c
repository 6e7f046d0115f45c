// SPDX-License-Identifier: GPL-2.0-only
/*
 * xenblk frontend: grants.
 *
 * Three kinds of granted pages:
 *  - pooled: persistent grants, kept granted and reused most recently used
 *    first; released after XBF_GNT_IDLE_RELEASE without use if the backend
 *    no longer maps them, and at disconnect once it has unmapped them all;
 *  - owned: a zeroed private page granted for one request (bounce buffers
 *    for an untrusted backend, indirect pages without persistent grants);
 *  - borrowed: a bio page granted directly (zero-copy, trusted backend).
 *
 * A page whose grant the backend may still map is never reused or freed
 * here: gnttab_end_foreign_access() frees it only once the backend let go.
 */
#include <linux/slab.h>
#include <linux/mm.h>
#include <xen/page.h>
#include "blkfront.h"

/* Module-wide grant accounting, for debugfs (see xbf_grants_ended()). */
static atomic_long_t xbf_grants_held = ATOMIC_LONG_INIT(0);
static atomic_long_t xbf_grants_deferred = ATOMIC_LONG_INIT(0);

/**
 * xbf_grants_granted - count grants the frontend just handed out
 * @nr: how many
 */
void xbf_grants_granted(unsigned int nr)
{
	atomic_long_add(nr, &xbf_grants_held);
}

/**
 * xbf_grants_ended - count grants the frontend gave up
 * @nr: how many it no longer holds
 * @mapped: how many of them the backend still mapped, left to the grant
 *	table's deferred release (which frees about ten a second)
 */
void xbf_grants_ended(unsigned int nr, unsigned int mapped)
{
	atomic_long_sub(nr, &xbf_grants_held);
	atomic_long_add(mapped, &xbf_grants_deferred);
}

/**
 * xbf_grants_read - read the module-wide grant counters
 * @held: grants the frontend holds now (ring pages and data pages)
 * @deferred: grants ended while the backend still mapped them, since load
 */
void xbf_grants_read(long *held, long *deferred)
{
	*held = atomic_long_read(&xbf_grants_held);
	*deferred = atomic_long_read(&xbf_grants_deferred);
}

static int xbf_grant(struct xbf_ring *ring, struct page *page, bool ro)
{
	int ref = gnttab_grant_foreign_access(ring->info->xbdev->otherend_id,
					      xen_page_to_gfn(page), ro);

	/* The guest's grant table is full: see xbf_wait_grants(). */
	if (ref < 0)
		WRITE_ONCE(ring->gnt_short, true);
	else
		xbf_grants_granted(1);
	return ref;
}

/*
 * Grants (pool included) one ring may hold: enough for the largest request,
 * at least 8 MiB worth, so that a deep ring of big requests can neither
 * exhaust the guest's grant table nor its memory.
 */
static unsigned int xbf_gnt_cap(struct xbf_ring *ring)
{
	return max_t(unsigned int, XBF_GNTS_PER_RING,
		     ring->info->feat.max_segs + BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);
}

/*
 * Take a pooled grant into *gnt, or reserve room for a new one.
 * Returns false when the ring is at its grant budget.
 */
static bool xbf_gnt_reserve(struct xbf_ring *ring, bool pooled,
			    struct xbf_gnt **gnt)
{
	unsigned long flags;
	bool ok = true;

	spin_lock_irqsave(&ring->lock, flags);
	*gnt = pooled ? list_first_entry_or_null(&ring->pool, struct xbf_gnt,
						 node) : NULL;
	if (*gnt) {
		list_del(&(*gnt)->node);
		ring->pool_count--;
		ring->stats.persistent_hits++;
	} else if (ring->stats.grants_in_use >= xbf_gnt_cap(ring)) {
		ring->stats.ring_full++;
		ring->starved = true;
		ok = false;
	} else {
		ring->stats.grants_in_use++;
	}
	spin_unlock_irqrestore(&ring->lock, flags);
	return ok;
}

static void xbf_gnt_unreserve(struct xbf_ring *ring)
{
	unsigned long flags;

	spin_lock_irqsave(&ring->lock, flags);
	ring->stats.grants_in_use--;
	spin_unlock_irqrestore(&ring->lock, flags);
}

/**
 * xbf_gnt_get - get a granted private page
 * @ring: the ring (lock NOT held; may sleep)
 * @pooled: take it from (and later return it to) the persistent pool
 *
 * Return: the grant, or NULL when out of memory or grant references.
 */
struct xbf_gnt *xbf_gnt_get(struct xbf_ring *ring, bool pooled)
{
	struct xbf_gnt *gnt = NULL;
	int ref;

	if (!xbf_gnt_reserve(ring, pooled, &gnt))
		return NULL;
	if (gnt)
		return gnt;
	gnt = xbf_zalloc_obj(gnt, GFP_NOIO);
	if (!gnt)
		goto unreserve;
	gnt->page = alloc_page(GFP_NOIO | __GFP_ZERO);
	if (!gnt->page)
		goto free_gnt;
	ref = xbf_grant(ring, gnt->page, false);
	if (ref < 0)
		goto free_page;
	gnt->ref = ref;
	gnt->pooled = pooled;
	return gnt;

free_page:
	__free_page(gnt->page);
free_gnt:
	kfree(gnt);
unreserve:
	xbf_gnt_unreserve(ring);
	return NULL;
}

/**
 * xbf_gnt_borrow - grant a bio page directly
 * @ring: the ring (lock NOT held; may sleep)
 * @page: the page
 * @readonly: the backend only reads it (a write request)
 *
 * Return: the grant, or NULL.
 */
struct xbf_gnt *xbf_gnt_borrow(struct xbf_ring *ring, struct page *page,
			       bool readonly)
{
	struct xbf_gnt *gnt = NULL;
	int ref;

	if (!xbf_gnt_reserve(ring, false, &gnt))
		return NULL;
	gnt = xbf_zalloc_obj(gnt, GFP_NOIO);
	if (!gnt)
		goto unreserve;
	ref = xbf_grant(ring, page, readonly);
	if (ref < 0)
		goto free_gnt;
	gnt->ref = ref;
	gnt->page = page;
	gnt->borrowed = true;
	return gnt;

free_gnt:
	kfree(gnt);
unreserve:
	xbf_gnt_unreserve(ring);
	return NULL;
}

/* End a grant the backend no longer maps and free it; false if it still does. */
static bool xbf_gnt_try_end(struct xbf_ring *ring, struct xbf_gnt *gnt)
{
	if (!gnttab_try_end_foreign_access(gnt->ref))
		return false;
	ring->stats.grants_in_use--;
	if (!gnt->borrowed)
		__free_page(gnt->page);
	xbf_grants_ended(1, 0);
	kfree(gnt);
	return true;
}

/* End a grant for good. Returns false if a borrowed page is still mapped. */
static bool xbf_gnt_end(struct xbf_ring *ring, struct xbf_gnt *gnt)
{
	bool borrowed = gnt->borrowed;

	if (xbf_gnt_try_end(ring, gnt))
		return true;
	ring->stats.grants_in_use--;
	if (!borrowed) {
		/* Still mapped: freed by the grant table once unmapped. */
		gnttab_end_foreign_access(gnt->ref, gnt->page);
		xbf_grants_ended(1, 1);
	}
	/* A borrowed page is the bio's: all we can do is keep the ref. */
	kfree(gnt);
	return !borrowed;
}

/**
 * xbf_gnt_put - release a grant after its request completed
 * @ring: the ring, lock held
 * @gnt: the grant
 *
 * Return: false if a borrowed page could not be taken back from the
 * backend (a protocol violation: the caller disables the disk).
 */
bool xbf_gnt_put(struct xbf_ring *ring, struct xbf_gnt *gnt)
{
	if (gnt->pooled && !test_bit(XBF_F_BROKEN, &ring->info->flags)) {
		gnt->stamp = jiffies;
		list_add(&gnt->node, &ring->pool);
		ring->pool_count++;
		return true;
	}
	return xbf_gnt_end(ring, gnt);
}

/**
 * xbf_pool_trim - release persistent grants unused for a while
 * @ring: the ring, lock held
 * @idle: release grants idle for longer than this (0: all of them)
 *
 * An idle grant goes back to the guest's grant table only if the backend
 * unmapped it (Linux's blkback purges its least recently used persistent
 * grants). One the backend still maps stays in the pool as if just used:
 * ending it would free nothing until the backend disconnects, and it is
 * the cheapest grant to use next.
 */
void xbf_pool_trim(struct xbf_ring *ring, unsigned long idle)
{
	struct xbf_gnt *gnt, *tmp;
	LIST_HEAD(kept);

	list_for_each_entry_safe_reverse(gnt, tmp, &ring->pool, node) {
		if (idle && time_before(jiffies, gnt->stamp + idle))
			break;
		list_del(&gnt->node);
		if (!idle) {
			xbf_gnt_end(ring, gnt);
		} else if (!xbf_gnt_try_end(ring, gnt)) {
			gnt->stamp = jiffies;
			list_add(&gnt->node, &kept);
			continue;
		}
		ring->pool_count--;
	}
	list_splice(&kept, &ring->pool);
}
