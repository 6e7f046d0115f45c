// SPDX-License-Identifier: GPL-2.0-only
/*
 * xen-blkback: grant mappings.
 *
 * Data pages are mapped in batches of XBB_BATCH with gnttab_map_refs() and
 * unmapped in batches with gnttab_unmap_refs(). Pages to map grants on come
 * from a per-ring gnttab_page_cache; a shrinker asks the ring kthreads to
 * empty their caches under memory pressure.
 *
 * With feature-persistent, a mapping is kept in the VBD's red-black tree
 * keyed by grant reference and reused by later requests of any ring of the
 * VBD. The tree has a budget (max_persistent_grants per VBD); when it is
 * full, new grants are mapped one-shot and the next ring housekeeping pass
 * purges least recently used entries that have not been used for a second
 * (never ones in active use: that would turn a working set larger than the
 * budget into a map and an unmap per segment).  Entries idle for
 * longer than persistent_grant_idle_secs are purged as well. All rings share
 * one spinlock for the tree; it is held only for the lookup/insert/release
 * of an entry, never across a hypercall, and its contention is counted
 * (debugfs "info": pgtree_contended).
 */
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include "common.h"
#include "compat.h"

unsigned int xbb_max_pgrants = 4096;
module_param_named(max_persistent_grants, xbb_max_pgrants, uint, 0644);
MODULE_PARM_DESC(max_persistent_grants,
		 "Persistent grants kept mapped per VBD (LRU purge above)");

unsigned int xbb_pgrant_idle_secs = 60;
module_param_named(persistent_grant_idle_secs, xbb_pgrant_idle_secs, uint,
		   0644);
MODULE_PARM_DESC(persistent_grant_idle_secs,
		 "Unmap persistent grants unused for this many seconds (0: never)");

atomic_long_t xbb_mapped_grants = ATOMIC_LONG_INIT(0);

static LIST_HEAD(xbb_shrink_list);
static DEFINE_SPINLOCK(xbb_shrink_lock);
static struct shrinker *xbb_shrinker;

static unsigned long xbb_page_addr(struct page *page)
{
	return (unsigned long)pfn_to_kaddr(page_to_pfn(page));
}

static void xbb_pgt_lock(struct xbb_pgtree *pgt)
	__acquires(&pgt->lock)
{
	if (spin_trylock(&pgt->lock))
		return;
	atomic64_inc(&pgt->contended);
	spin_lock(&pgt->lock);
}

/**
 * xbb_pgtree_init() - initialise an empty persistent-grant tree
 * @pgt: the tree
 */
void xbb_pgtree_init(struct xbb_pgtree *pgt)
{
	spin_lock_init(&pgt->lock);
	mutex_init(&pgt->purge_lock);
	pgt->root = RB_ROOT;
	INIT_LIST_HEAD(&pgt->lru);
	pgt->count = 0;
	pgt->full = false;
	atomic64_set(&pgt->contended, 0);
}

static struct xbb_pgrant *xbb_pg_find(struct xbb_pgtree *pgt, grant_ref_t gref)
{
	struct rb_node *n = pgt->root.rb_node;

	while (n) {
		struct xbb_pgrant *pg = rb_entry(n, struct xbb_pgrant, node);

		if (gref < pg->gref)
			n = n->rb_left;
		else if (gref > pg->gref)
			n = n->rb_right;
		else
			return pg;
	}
	return NULL;
}

static struct xbb_pgrant *xbb_pg_get(struct xbb_pgtree *pgt, grant_ref_t gref)
{
	struct xbb_pgrant *pg;

	xbb_pgt_lock(pgt);
	pg = xbb_pg_find(pgt, gref);
	if (pg) {
		pg->users++;
		list_move_tail(&pg->lru, &pgt->lru);
	}
	spin_unlock(&pgt->lock);
	return pg;
}

static void xbb_pg_put(struct xbb_pgtree *pgt, struct xbb_pgrant *pg)
{
	xbb_pgt_lock(pgt);
	pg->users--;
	pg->last_used = jiffies;
	spin_unlock(&pgt->lock);
}

/* Link @pg into the tree unless its gref is already there. */
static bool xbb_pg_link(struct xbb_pgtree *pgt, struct xbb_pgrant *pg)
{
	struct rb_node **link = &pgt->root.rb_node, *parent = NULL;

	while (*link) {
		struct xbb_pgrant *cur = rb_entry(*link, struct xbb_pgrant, node);

		parent = *link;
		if (pg->gref < cur->gref)
			link = &(*link)->rb_left;
		else if (pg->gref > cur->gref)
			link = &(*link)->rb_right;
		else
			return false;
	}
	rb_link_node(&pg->node, parent, link);
	rb_insert_color(&pg->node, &pgt->root);
	list_add_tail(&pg->lru, &pgt->lru);
	pgt->count++;
	return true;
}

/* Try to hand a fresh one-shot mapping over to the tree. */
static void xbb_pg_adopt(struct xbb_vbd *vbd, struct xbb_seg *seg)
{
	struct xbb_pgtree *pgt = &vbd->pgt;
	struct xbb_pgrant *pg;

	if (READ_ONCE(pgt->count) >= READ_ONCE(xbb_max_pgrants)) {
		WRITE_ONCE(pgt->full, true);
		return;
	}
	pg = kmalloc(sizeof(*pg), GFP_NOIO | __GFP_NOWARN);
	if (!pg)
		return;
	pg->gref = seg->gref;
	pg->handle = seg->handle;
	pg->page = seg->page;
	pg->users = 1;
	pg->last_used = jiffies;
	xbb_pgt_lock(pgt);
	if (pgt->count >= READ_ONCE(xbb_max_pgrants) || !xbb_pg_link(pgt, pg)) {
		spin_unlock(&pgt->lock);
		kfree(pg);
		return;
	}
	spin_unlock(&pgt->lock);
	seg->pg = pg;
	seg->mapped = false;
}

static void xbb_map_batch(struct xbb_ring *ring, bool persist)
{
	unsigned int i, n = ring->nr_batch;
	int ret;

	if (!n)
		return;
	ret = gnttab_map_refs(ring->map_ops, NULL, ring->batch_pages, n);
	ring->st.maps += n;
	for (i = 0; i < n; i++) {
		struct xbb_seg *seg = ring->batch_segs[i];

		if (ring->map_ops[i].status != GNTST_okay)
			continue;
		atomic_long_inc(&xbb_mapped_grants);
		seg->handle = ring->map_ops[i].handle;
		seg->mapped = true;
		if (persist && !ret)
			xbb_pg_adopt(ring->vbd, seg);
	}
	if (ret)
		pr_err_ratelimited("%s: gnttab_map_refs failed: %d\n",
				   ring->name, ret);
	ring->nr_batch = 0;
}

static void xbb_map_queue(struct xbb_ring *ring, struct xbb_seg *seg,
			  u32 flags, bool persist)
{
	unsigned int i = ring->nr_batch;

	gnttab_set_map_op(&ring->map_ops[i], xbb_page_addr(seg->page), flags,
			  seg->gref, ring->vbd->domid);
	ring->batch_pages[i] = seg->page;
	ring->batch_segs[i] = seg;
	if (++ring->nr_batch == XBB_BATCH)
		xbb_map_batch(ring, persist);
}

static int xbb_map_one(struct xbb_ring *ring, struct xbb_seg *seg,
		       u32 flags, bool persist)
{
	struct xbb_vbd *vbd = ring->vbd;

	if (persist) {
		seg->pg = xbb_pg_get(&vbd->pgt, seg->gref);
		if (seg->pg) {
			seg->page = seg->pg->page;
			ring->st.pg_hits++;
			return 0;
		}
		ring->st.pg_misses++;
	}
	if (gnttab_page_cache_get(&ring->pool, &seg->page)) {
		seg->page = NULL;
		return -ENOMEM;
	}
	xbb_map_queue(ring, seg, flags, persist);
	return 0;
}

/*
 * A frontend may grant pages the backend only reads as read-only even with
 * persistent grants: map those one-shot and read-only instead.
 */
static void xbb_map_retry_ro(struct xbb_ring *ring, struct xbb_seg *segs,
			     unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (segs[i].page && !segs[i].pg && !segs[i].mapped)
			xbb_map_queue(ring, &segs[i],
				      GNTMAP_host_map | GNTMAP_readonly, false);
	xbb_map_batch(ring, false);
}

/**
 * xbb_map_segs() - map the grants of a segment array
 * @ring: the ring (its batch arrays are used)
 * @segs: segments with @gref set and everything else zero
 * @nr: number of segments
 * @readonly: the backend only reads the pages (writes, indirect pages)
 *
 * Persistent grants are looked up first; the rest is mapped in batches.
 * On failure the caller must still call xbb_unmap_segs() to release what
 * was mapped.
 *
 * Return: 0, -ENOMEM (no page, retry later) or -EFAULT (a map failed).
 */
int xbb_map_segs(struct xbb_ring *ring, struct xbb_seg *segs,
		 unsigned int nr, bool readonly)
{
	bool persist = ring->vbd->persistent;
	u32 flags = GNTMAP_host_map;
	unsigned int i;
	int err = 0;

	/* Persistent grants are reused for both directions: map them rw. */
	if (readonly && !persist)
		flags |= GNTMAP_readonly;
	for (i = 0; i < nr && !err; i++)
		err = xbb_map_one(ring, &segs[i], flags, persist);
	xbb_map_batch(ring, persist);
	if (!err && persist && readonly)
		xbb_map_retry_ro(ring, segs, nr);
	for (i = 0; i < nr && !err; i++)
		if (!segs[i].pg && !segs[i].mapped)
			err = -EFAULT;
	return err;
}

static void xbb_unmap_add(struct xbb_ring *ring, struct page *page,
			  grant_handle_t handle)
{
	unsigned int i = ring->nr_batch;

	gnttab_set_unmap_op(&ring->unmap_ops[i], xbb_page_addr(page),
			    GNTMAP_host_map, handle);
	ring->batch_pages[i] = page;
	if (++ring->nr_batch == XBB_BATCH)
		xbb_unmap_flush(ring);
}

/**
 * xbb_unmap_flush() - unmap the pending unmap batch, recycle its pages
 * @ring: the ring
 *
 * A page whose unmap failed is leaked on purpose: it may still be mapped.
 */
void xbb_unmap_flush(struct xbb_ring *ring)
{
	unsigned int i, n = ring->nr_batch;
	int ret;

	if (!n)
		return;
	ret = gnttab_unmap_refs(ring->unmap_ops, NULL, ring->batch_pages, n);
	for (i = 0; i < n; i++) {
		if (ret || ring->unmap_ops[i].status != GNTST_okay) {
			pr_err_ratelimited("%s: unmap failed (%d/%d), page leaked\n",
					   ring->name, ret,
					   ring->unmap_ops[i].status);
			continue;
		}
		atomic_long_dec(&xbb_mapped_grants);
		gnttab_page_cache_put(&ring->pool, &ring->batch_pages[i], 1);
	}
	ring->nr_batch = 0;
}

/**
 * xbb_unmap_segs() - release the mappings of a segment array
 * @ring: the ring
 * @segs: segments as left by xbb_map_segs()
 * @nr: number of segments
 *
 * Persistent grants are released to the tree; one-shot mappings are added
 * to the unmap batch, which the caller flushes with xbb_unmap_flush().
 */
void xbb_unmap_segs(struct xbb_ring *ring, struct xbb_seg *segs,
		    unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		struct xbb_seg *seg = &segs[i];

		if (seg->pg)
			xbb_pg_put(&ring->vbd->pgt, seg->pg);
		else if (seg->mapped)
			xbb_unmap_add(ring, seg->page, seg->handle);
		else if (seg->page)
			gnttab_page_cache_put(&ring->pool, &seg->page, 1);
		seg->pg = NULL;
		seg->page = NULL;
		seg->mapped = false;
	}
}

/*
 * How many entries a purge pass may unmap: @hard beyond the budget (oldest
 * first, whatever their age), and, when the tree filled up, @soft more to
 * make room, but only among entries unused for XBB_PG_MIN_AGE.  A
 * frontend cycling through more grants than the budget then keeps the
 * tree's entries persistent and maps the rest one-shot, instead of every
 * request evicting an entry that the next one needs again.
 */
struct xbb_pg_quota {
	unsigned int hard;
	unsigned int soft;
	unsigned long idle;
};

#define XBB_PG_MIN_AGE	HZ

/* Should the LRU-first entry @pg go?  Consumes quota if so. */
static bool xbb_pg_victim(struct xbb_pgrant *pg, struct xbb_pg_quota *q)
{
	unsigned long age = jiffies - pg->last_used;

	if (q->idle && age > q->idle)
		return true;
	if (q->hard) {
		q->hard--;
		return true;
	}
	if (q->soft && age > XBB_PG_MIN_AGE) {
		q->soft--;
		return true;
	}
	return false;
}

/* Unlink up to XBB_BATCH unused entries that are idle or must be evicted. */
static unsigned int xbb_pg_collect(struct xbb_pgtree *pgt,
				   struct xbb_pgrant **victims,
				   struct xbb_pg_quota *q)
{
	struct xbb_pgrant *pg, *tmp;
	unsigned int nr = 0;

	xbb_pgt_lock(pgt);
	list_for_each_entry_safe(pg, tmp, &pgt->lru, lru) {
		if (nr == XBB_BATCH)
			break;
		if (pg->users)
			continue;
		/* The list is in order of use: the rest is younger. */
		if (!xbb_pg_victim(pg, q))
			break;
		rb_erase(&pg->node, &pgt->root);
		list_del(&pg->lru);
		pgt->count--;
		victims[nr++] = pg;
	}
	spin_unlock(&pgt->lock);
	return nr;
}

static void xbb_pg_release(struct xbb_ring *ring, struct xbb_pgrant **victims,
			   unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		xbb_unmap_add(ring, victims[i]->page, victims[i]->handle);
		kfree(victims[i]);
	}
	xbb_unmap_flush(ring);
	ring->st.pg_evictions += nr;
}

static void xbb_pg_quota(struct xbb_pgtree *pgt, struct xbb_pg_quota *q)
{
	unsigned int budget = READ_ONCE(xbb_max_pgrants);
	unsigned int count = READ_ONCE(pgt->count);

	q->hard = count > budget ? count - budget : 0;
	/* When full, make room for a tenth of the budget of new grants. */
	q->soft = READ_ONCE(pgt->full) ? max(budget / 10, 1U) : 0;
	q->idle = READ_ONCE(xbb_pgrant_idle_secs) * HZ;
}

/**
 * xbb_pgtree_purge() - unmap idle and over-budget persistent grants
 * @ring: the ring doing the work (kthread context)
 *
 * Only one ring purges at a time; the others skip.
 */
void xbb_pgtree_purge(struct xbb_ring *ring)
{
	struct xbb_pgtree *pgt = &ring->vbd->pgt;
	struct xbb_pgrant *victims[XBB_BATCH];
	struct xbb_pg_quota q;
	unsigned int nr;

	if (!mutex_trylock(&pgt->purge_lock))
		return;
	xbb_pg_quota(pgt, &q);
	WRITE_ONCE(pgt->full, false);
	xbb_unmap_flush(ring);
	do {
		nr = xbb_pg_collect(pgt, victims, &q);
		xbb_pg_release(ring, victims, nr);
	} while (nr == XBB_BATCH);
	mutex_unlock(&pgt->purge_lock);
}

/**
 * xbb_pgtree_destroy() - unmap every persistent grant of a VBD
 * @vbd: the VBD, all of whose rings are stopped
 * @ring: a ring whose batch arrays and page cache are used
 */
void xbb_pgtree_destroy(struct xbb_vbd *vbd, struct xbb_ring *ring)
{
	struct xbb_pgtree *pgt = &vbd->pgt;
	struct xbb_pgrant *pg, *tmp;

	xbb_unmap_flush(ring);
	list_for_each_entry_safe(pg, tmp, &pgt->lru, lru) {
		rb_erase(&pg->node, &pgt->root);
		list_del(&pg->lru);
		pgt->count--;
		if (pg->users)
			pr_warn("%s: grant %u still in use at teardown\n",
				ring->name, pg->gref);
		xbb_unmap_add(ring, pg->page, pg->handle);
		kfree(pg);
	}
	xbb_unmap_flush(ring);
	pgt->full = false;
}

/**
 * xbb_pool_trim() - free cached pages of a ring beyond @keep
 * @ring: the ring
 * @keep: pages to keep
 */
void xbb_pool_trim(struct xbb_ring *ring, unsigned int keep)
{
	gnttab_page_cache_shrink(&ring->pool, keep);
}

/**
 * xbb_shrinker_add() - make a ring's page cache visible to the shrinker
 * @ring: the ring
 */
void xbb_shrinker_add(struct xbb_ring *ring)
{
	spin_lock(&xbb_shrink_lock);
	list_add_tail(&ring->shrink_node, &xbb_shrink_list);
	spin_unlock(&xbb_shrink_lock);
}

/**
 * xbb_shrinker_del() - hide a ring from the shrinker (idempotent)
 * @ring: the ring
 */
void xbb_shrinker_del(struct xbb_ring *ring)
{
	spin_lock(&xbb_shrink_lock);
	list_del_init(&ring->shrink_node);
	spin_unlock(&xbb_shrink_lock);
}

static unsigned long xbb_shrink_count(struct shrinker *s,
				      struct shrink_control *sc)
{
	struct xbb_ring *ring;
	unsigned long nr = 0;

	spin_lock(&xbb_shrink_lock);
	list_for_each_entry(ring, &xbb_shrink_list, shrink_node)
		nr += READ_ONCE(ring->pool.num_pages);
	spin_unlock(&xbb_shrink_lock);
	return nr;
}

/*
 * Freeing pages may sleep and the caches belong to the ring kthreads, so the
 * scan only asks each kthread to empty its cache.
 */
static unsigned long xbb_shrink_scan(struct shrinker *s,
				     struct shrink_control *sc)
{
	struct xbb_ring *ring;

	spin_lock(&xbb_shrink_lock);
	list_for_each_entry(ring, &xbb_shrink_list, shrink_node) {
		atomic_set(&ring->shrink, 1);
		wake_up(&ring->wq);
	}
	spin_unlock(&xbb_shrink_lock);
	return SHRINK_STOP;
}

/**
 * xbb_grant_init() - register the page-cache shrinker
 *
 * Return: 0 or -ENOMEM.
 */
int xbb_grant_init(void)
{
	xbb_shrinker = xbb_shrinker_create(xbb_shrink_count, xbb_shrink_scan);
	return xbb_shrinker ? 0 : -ENOMEM;
}

/**
 * xbb_grant_exit() - unregister the shrinker
 */
void xbb_grant_exit(void)
{
	xbb_shrinker_destroy(xbb_shrinker);
	xbb_shrinker = NULL;
}
