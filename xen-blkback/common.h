/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xen-blkback private header: shared structures of the Xen PV block backend.
 *
 * Layout of one connected VBD:
 *
 *   struct xbb_vbd (one per xenbus "vbd" device)
 *     +- the opened block device and its geometry
 *     +- struct xbb_pgtree: persistent grants of the whole VBD
 *     +- struct xbb_ring[nr_rings]: one shared ring, event channel,
 *        kthread, request slots and page cache each
 *
 * Locking:
 *   vbd->lock (mutex)       xenbus state machine, connect/disconnect, resize,
 *                           sysfs statistics (rings appear and vanish under it)
 *   pgtree->lock (spinlock) the persistent-grant tree, its LRU list and the
 *                           use counts; shared by all rings of the VBD, held
 *                           only for lookups/inserts (never across hypercalls)
 *   pgtree->purge_lock      one purger at a time (a ring kthread)
 *   ring->done_lock         completed requests handed from bio completion
 *                           (any context) to the ring kthread
 *   Everything else of a ring (request slots, responses, the batch arrays,
 *   the per-ring counters) belongs to its kthread alone.
 */
#ifndef XBB_COMMON_H
#define XBB_COMMON_H

#undef pr_fmt
#define pr_fmt(fmt) "xen-blkback: " fmt

#include <linux/blkdev.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <xen/xen.h>
#include <xen/xenbus.h>
#include <xen/grant_table.h>
#include <xenblk/blkif_guard.h>
#include <xenblk/blkif_proto.h>

#include "xenblk_compat.h"

#ifndef XENBLK_OWN_BLKIF_H
#error "xen-blkback must be built against xenblk's include/xen/interface/io/blkif.h"
#endif

/* Upper limits of the tunables. */
#define XBB_MAX_RING_ORDER	XENBLK_MAX_RING_PAGE_ORDER
#define XBB_MAX_RING_PAGES	(1U << XBB_MAX_RING_ORDER)
#define XBB_MAX_INDIRECT_SEGS	4096U
/* Grant map/unmap hypercall batch size. */
#define XBB_BATCH		32

/**
 * struct xbb_ring_stats - per-ring counters, written by the ring kthread only
 * @oo_req: requests that had to wait for a free slot or memory
 * @rd_req: read requests
 * @wr_req: write requests
 * @f_req: flush and barrier requests
 * @ds_req: discard requests
 * @rd_sect: 512-byte sectors read
 * @wr_sect: 512-byte sectors written
 * @reqs: all requests
 * @segs: all data segments
 * @indirect: indirect requests
 * @pg_hits: segments served by an already mapped persistent grant
 * @pg_misses: segments that had to be mapped
 * @pg_evictions: persistent grants unmapped by this ring's purges
 * @maps: grants mapped (data and indirect pages)
 * @notify_tx: notifications sent to the frontend
 * @notify_rx: interrupts received from the frontend
 * @ring_full: times the ring had more requests than free slots
 * @errors: requests answered with an error status
 */
struct xbb_ring_stats {
	u64 oo_req, rd_req, wr_req, f_req, ds_req, rd_sect, wr_sect;
	u64 reqs, segs, indirect;
	u64 pg_hits, pg_misses, pg_evictions, maps;
	u64 notify_tx, notify_rx, ring_full, errors;
};

/**
 * struct xbb_pgrant - one persistently mapped grant
 * @node: in xbb_pgtree.root, keyed by @gref
 * @lru: in xbb_pgtree.lru, least recently used first
 * @gref: the frontend's grant reference
 * @handle: map handle for the unmap
 * @page: the local page the grant is mapped on
 * @users: requests in flight that use the mapping (tree lock)
 * @last_used: jiffies of the last release
 */
struct xbb_pgrant {
	struct rb_node node;
	struct list_head lru;
	grant_ref_t gref;
	grant_handle_t handle;
	struct page *page;
	unsigned int users;
	unsigned long last_used;
};

/**
 * struct xbb_pgtree - persistent grants of one VBD, shared by its rings
 * @lock: protects @root, @lru, @count and every entry's @users
 * @purge_lock: serialises purges (they sleep in unmap hypercalls)
 * @root: red-black tree keyed by grant reference
 * @lru: all entries, least recently used first
 * @count: entries in the tree
 * @full: an insert was refused because the budget was reached
 * @contended: lock acquisitions that found the lock held
 */
struct xbb_pgtree {
	spinlock_t lock;
	struct mutex purge_lock;
	struct rb_root root;
	struct list_head lru;
	unsigned int count;
	bool full;
	atomic64_t contended;
};

/**
 * struct xbb_seg - one data segment (or indirect page) of a request
 * @page: local page the grant is mapped on
 * @pg: the persistent grant used, or NULL for a one-shot mapping
 * @gref: grant reference from the request
 * @handle: map handle of a one-shot mapping
 * @first: first 512-byte sector in the page
 * @last: last 512-byte sector in the page (inclusive)
 * @mapped: a one-shot mapping exists and must be undone
 */
struct xbb_seg {
	struct page *page;
	struct xbb_pgrant *pg;
	grant_ref_t gref;
	grant_handle_t handle;
	u8 first;
	u8 last;
	bool mapped;
};

/**
 * struct xbb_req - one request taken from the ring, private copy
 * @node: on the ring's free list or done list
 * @ring: owning ring
 * @id: frontend's id, echoed in the response
 * @op: operation echoed in the response (the data direction for indirect)
 * @rw: REQ_OP_READ or REQ_OP_WRITE for data requests
 * @flag: BLKIF_DISCARD_SECURE for discards
 * @nr_segs: data segments
 * @sector: first 512-byte sector
 * @nr_sects: 512-byte sectors moved or discarded
 * @pending: bios in flight plus one for the submitter
 * @error: a bio failed
 * @notsupp: a bio failed with BLK_STS_NOTSUPP
 * @status: BLKIF_RSP_* to send
 * @segs: segment array (@inline_segs or allocated)
 * @inline_segs: storage for direct requests
 * @discard_work: runs a discard off the ring kthread
 */
struct xbb_req {
	struct list_head node;
	struct xbb_ring *ring;
	u64 id;
	u8 op;
	u8 flag;
	enum req_op rw;
	unsigned int nr_segs;
	sector_t sector;
	u64 nr_sects;
	atomic_t pending;
	bool error;
	bool notsupp;
	int status;
	struct xbb_seg *segs;
	struct xbb_seg inline_segs[BLKIF_MAX_SEGMENTS_PER_REQUEST];
	struct work_struct discard_work;
};

/**
 * struct xbb_ring - one shared ring and the kthread serving it
 * @vbd: owning VBD
 * @idx: ring index (queue-N)
 * @abi: ring layout ("protocol")
 * @slot_size: bytes per ring slot in @abi
 * @br: back ring indexes (only the index fields and the shared header are
 *	used through it; slots are addressed with @slot_size)
 * @sring: mapped shared ring
 * @nr_pages: pages of the shared ring
 * @size: slots in the ring
 * @stalled: requests are waiting for a free slot or memory
 * @next_hk: jiffies of the next housekeeping pass
 * @idesc: private copy of the descriptors of one indirect request
 * @irq: event channel interrupt (lateeoi)
 * @task: the ring kthread
 * @wq: where the kthread waits
 * @evt_pending: an event arrived and awaits its late EOI
 * @shrink: the memory shrinker asked to empty the page cache
 * @halted: the frontend broke the protocol; the ring is no longer served
 * @done_lock: protects @done
 * @done: completed requests awaiting unmap + response
 * @free: unused request slots
 * @reqs: all request slots
 * @inflight: requests taken from the ring and not yet answered
 * @pool: pages for grant mappings
 * @shrink_node: on the module's list of rings for the shrinker
 * @st: counters
 * @dbg: debugfs file
 * @map_ops: batch of map operations
 * @unmap_ops: batch of unmap operations
 * @batch_pages: pages of the current batch
 * @batch_segs: segments of the current map batch
 * @nr_batch: entries in the current batch
 * @name: kthread and irq name
 */
struct xbb_ring {
	struct xbb_vbd *vbd;
	unsigned int idx;
	enum xenblk_abi abi;
	unsigned int slot_size;
	struct blkif_back_ring br;
	void *sring;
	unsigned int nr_pages;
	unsigned int size;
	bool stalled;
	unsigned long next_hk;
	struct blkif_request_segment *idesc;
	int irq;
	struct task_struct *task;
	wait_queue_head_t wq;
	atomic_t evt_pending;
	atomic_t shrink;
	bool halted;
	spinlock_t done_lock;
	struct list_head done;
	struct list_head free;
	struct xbb_req *reqs;
	unsigned int inflight;
	struct gnttab_page_cache pool;
	struct list_head shrink_node;
	struct xbb_ring_stats st;
	struct dentry *dbg;
	struct gnttab_map_grant_ref map_ops[XBB_BATCH];
	struct gnttab_unmap_grant_ref unmap_ops[XBB_BATCH];
	struct page *batch_pages[XBB_BATCH];
	struct xbb_seg *batch_segs[XBB_BATCH];
	unsigned int nr_batch;
	char name[32];
};

/**
 * struct xbb_vbd - one virtual block device (xenbus backend device)
 * @dev: the xenbus device
 * @domid: frontend domain
 * @handle: virtual device number
 * @lock: see the top of this file
 * @be_watch: watch on our "physical-device" node
 * @watching: @be_watch is registered
 * @resize_work: periodic check of the device size
 * @bdev: the opened block device (NULL until "physical-device" appears)
 * @bdev_priv: what the open returned, for the close
 * @devt: its device number
 * @readonly: mode "r" (writes fail with BLKIF_RSP_ERROR)
 * @cdrom: device-type "cdrom"
 * @sectors: device size in 512-byte sectors
 * @lim: what this connection allows (features advertised, geometry);
 *	lim.capacity is not used, @sectors is authoritative
 * @adv_queues: multi-queue-max-queues advertised for this connection
 * @adv_order: max-ring-page-order advertised for this connection
 * @adv_persistent: feature-persistent advertised for this connection
 * @connected: rings are up
 * @persistent: persistent grants negotiated on this connection
 * @nr_rings: rings of this connection
 * @rings: the rings
 * @pgt: persistent grants of the VBD
 * @retired: counters of rings from earlier connections
 * @dbg: debugfs directory
 * @closing: remove() is running
 */
struct xbb_vbd {
	struct xenbus_device *dev;
	domid_t domid;
	unsigned int handle;
	struct mutex lock;
	struct xenbus_watch be_watch;
	bool watching;
	struct delayed_work resize_work;
	struct block_device *bdev;
	void *bdev_priv;
	dev_t devt;
	bool readonly;
	bool cdrom;
	sector_t sectors;
	struct xenblk_vbd_limits lim;
	unsigned int adv_queues;
	unsigned int adv_order;
	bool adv_persistent;
	bool connected;
	bool persistent;
	unsigned int nr_rings;
	struct xbb_ring *rings;
	struct xbb_pgtree pgt;
	struct xbb_ring_stats retired;
	struct dentry *dbg;
	bool closing;
};

/* Module parameters (xenbus.c, grant.c). */
extern unsigned int xbb_max_queues;
extern unsigned int xbb_max_ring_order;
extern unsigned int xbb_max_indirect_segs;
extern unsigned int xbb_max_pgrants;
extern unsigned int xbb_pgrant_idle_secs;
extern bool xbb_feature_persistent;

/* Module-wide gauges (grant.c). */
extern atomic_long_t xbb_mapped_grants;
extern atomic_long_t xbb_pool_pages;

/* xenbus.c */
int xbb_xenbus_init(void);
void xbb_xenbus_exit(void);

/* ring.c */
void xbb_ring_init(struct xbb_ring *ring, struct xbb_vbd *vbd,
		   unsigned int idx, enum xenblk_abi abi);
int xbb_ring_connect(struct xbb_ring *ring, grant_ref_t *grefs,
		     unsigned int nr_pages, evtchn_port_t evtchn);
void xbb_ring_disconnect(struct xbb_ring *ring);
void xbb_ring_free(struct xbb_ring *ring);
void xbb_ring_complete(struct xbb_req *req);

/* io.c */
void xbb_io_dispatch(struct xbb_req *req);
void xbb_io_discard(struct xbb_req *req);

/* grant.c */
void xbb_pgtree_init(struct xbb_pgtree *pgt);
void xbb_pgtree_destroy(struct xbb_vbd *vbd, struct xbb_ring *ring);
void xbb_pgtree_purge(struct xbb_ring *ring);
int xbb_map_segs(struct xbb_ring *ring, struct xbb_seg *segs,
		 unsigned int nr, bool readonly);
void xbb_unmap_segs(struct xbb_ring *ring, struct xbb_seg *segs,
		    unsigned int nr);
void xbb_unmap_flush(struct xbb_ring *ring);
void xbb_pool_trim(struct xbb_ring *ring, unsigned int keep);
void xbb_shrinker_add(struct xbb_ring *ring);
void xbb_shrinker_del(struct xbb_ring *ring);
int xbb_grant_init(void);
void xbb_grant_exit(void);

/* vbd.c */
int xbb_vbd_open(struct xbb_vbd *vbd, dev_t devt, bool readonly);
void xbb_vbd_close(struct xbb_vbd *vbd);
void xbb_vbd_resize_work(struct work_struct *work);

/* stats.c */
int xbb_stats_add(struct xbb_vbd *vbd);
void xbb_stats_remove(struct xbb_vbd *vbd);
void xbb_stats_retire(struct xbb_vbd *vbd, struct xbb_ring *ring);
void xbb_debugfs_ring_add(struct xbb_ring *ring);
void xbb_debugfs_init(void);
void xbb_debugfs_exit(void);

#endif /* XBB_COMMON_H */
