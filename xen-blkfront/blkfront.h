/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenblk: Xen PV block frontend, private header.
 *
 * Everything shared between the files of the frontend lives here: the
 * per-device and per-ring state, the module parameters and the prototypes
 * of the functions that cross a file boundary.
 */
#ifndef XBF_BLKFRONT_H
#define XBF_BLKFRONT_H

#undef pr_fmt
#define pr_fmt(fmt) "xen-blkfront: " fmt

#include <linux/types.h>
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/bio.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <xen/xenbus.h>
#include <xen/grant_table.h>
#include <xenblk/blkif_guard.h>

#ifndef XENBLK_OWN_BLKIF_H
#error "xen-blkfront must be built against xenblk's include/xen/interface/io/blkif.h"
#endif

#include <xenblk/blkif_proto.h>

#include "kcompat.h"

/* Largest ring the frontend will ever set up (2^4 = 16 pages). */
#define XBF_MAX_RING_ORDER		4
#define XBF_MAX_RING_PAGES		(1U << XBF_MAX_RING_ORDER)
/* Largest indirect request: 8 indirect pages of 512 segments. */
#define XBF_MAX_INDIRECT_SEGS		(BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST * \
					 XENBLK_SEGS_PER_INDIRECT_PAGE)
#define XBF_SECTORS_PER_PAGE		XENBLK_SECTS_PER_PAGE
#define XBF_PARTS_PER_DISK		16
#define XBF_MAJOR			202

/* Watchdog period and the silence after which a backend is reported. */
#define XBF_WATCHDOG_PERIOD		(5 * HZ)
#define XBF_HANG_REPORT_AFTER		(10 * HZ)
/* How long removal waits for the backend to unmap our grants. */
#define XBF_UNMAP_WAIT			(5 * HZ)
/* Grant budget of one ring (raised to the largest request if needed). */
#define XBF_GNTS_PER_RING		2048
/* Unused persistent grants older than this are released. */
#define XBF_GNT_IDLE_RELEASE		(30 * HZ)

/* Module parameters (xenbus.c). */
extern unsigned int xbf_max_queues;
extern unsigned int xbf_max_ring_page_order;
extern unsigned int xbf_max_indirect_segments;
extern bool xbf_feature_persistent;
extern bool xbf_trusted;

/**
 * enum xbf_state - connection state of one virtual disk
 * @XBF_DISCONNECTED: never connected yet; no gendisk.
 * @XBF_CONNECTED: rings up, I/O flows.
 * @XBF_RECONNECTING: resumed after save/restore or migration; the queue is
 *	quiesced and in-flight requests wait to be re-issued.
 * @XBF_CLOSING: the backend is going away; new I/O fails.
 * @XBF_CLOSED: the disk is gone.
 */
enum xbf_state {
	XBF_DISCONNECTED,
	XBF_CONNECTED,
	XBF_RECONNECTING,
	XBF_CLOSING,
	XBF_CLOSED,
};

/* Bits of &xbf_info.flags. */
#define XBF_F_BROKEN		0	/* protocol violation: all I/O fails */
#define XBF_F_DROP_FLUSH	1	/* backend refused a flush/barrier */
#define XBF_F_DROP_DISCARD	2	/* backend refused a discard */

/*
 * Response status private to the driver, never handed to the block layer:
 * send the request again (a barrier write the backend refused).
 */
#define XBF_STS_RESEND		((__force blk_status_t)0xfe)

/**
 * struct xbf_gnt - one granted page
 * @node: link in the ring's persistent pool (free grants only).
 * @page: the granted page.
 * @ref: grant reference given to the backend.
 * @stamp: jiffies of the last release into the pool.
 * @first_sect: first 512-byte sector used in the page (current request).
 * @last_sect: last 512-byte sector used in the page (current request).
 * @borrowed: @page belongs to a bio (zero-copy mode); never freed here.
 * @pooled: the grant lives in the persistent pool and is reused.
 */
struct xbf_gnt {
	struct list_head node;
	struct page *page;
	grant_ref_t ref;
	unsigned long stamp;
	u8 first_sect;
	u8 last_sect;
	bool borrowed;
	bool pooled;
};

/**
 * struct xbf_shadow - frontend's private record of one ring slot
 * @rq: the block request, NULL when the slot is free.
 * @op: wire operation sent (checked against the response).
 * @nr_segs: data segments of the request.
 * @nr_ind: indirect pages used.
 * @copy: data is bounced through @gnts pages (persistent or untrusted).
 * @gnts: data grants, @nr_segs entries (kmalloc'd).
 * @ind: indirect page grants.
 * @next_free: free list link (index), valid when @rq is NULL.
 */
struct xbf_shadow {
	struct request *rq;
	u8 op;
	bool copy;
	unsigned int nr_segs;
	unsigned int nr_ind;
	struct xbf_gnt **gnts;
	struct xbf_gnt *ind[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	unsigned int next_free;
};

/**
 * struct xbf_ring_stats - per-ring counters shown in debugfs
 * @requests: ring requests pushed.
 * @segments: data segments sent.
 * @indirect: BLKIF_OP_INDIRECT requests sent.
 * @grants_in_use: grants currently granted by this ring (pool included).
 * @persistent_hits: grants taken from the persistent pool.
 * @notifications: event channel notifications sent to the backend.
 * @ring_full: times a request found no free slot or no grant budget.
 * @interrupts: interrupts handled.
 * @completions: responses consumed.
 * @max_batch: most responses consumed in one interrupt.
 * @errors: responses with a non-OKAY status.
 * @grant_waits: times the guest's grant table was full and the ring's
 *	queues waited for grants to be freed.
 */
struct xbf_ring_stats {
	u64 requests;
	u64 segments;
	u64 indirect;
	u64 grants_in_use;
	u64 persistent_hits;
	u64 notifications;
	u64 ring_full;
	u64 interrupts;
	u64 completions;
	u64 max_batch;
	u64 errors;
	u64 grant_waits;
};

struct xbf_info;

/**
 * struct xbf_ring - one shared ring (one per hardware queue)
 * @info: owning device.
 * @index: queue number.
 * @lock: protects the ring, @shadow, the pool and @stats.
 * @front: front ring bookkeeping.
 * @sring: shared page(s).
 * @nr_pages: pages in the ring.
 * @refs: grant references of the ring pages.
 * @evtchn: event channel.
 * @irq: Linux irq bound to @evtchn (lateeoi), or -1.
 * @size: slots (RING_SIZE).
 * @shadow: @size private slot records.
 * @sent_ops: per slot, the wire operation sent or XENBLK_ID_FREE.
 * @free_head: first free slot, or @size when none.
 * @inflight: slots in use.
 * @pool: free persistent grants, most recently used first.
 * @pool_count: grants in @pool.
 * @starved: a request was turned away for want of a slot or a grant; the
 *	next completion restarts the hardware queues (several may share
 *	this ring after a restore onto a backend with fewer rings).
 * @gnt_short: the last grant allocation failed because the guest's grant
 *	table is full (not for want of memory or of the ring's budget).
 * @gnt_waiting: @gnt_cb is registered with the grant table.
 * @gnt_cb: run the served queues once enough grants are free again.
 * @wd_cons: rsp_cons seen by the last watchdog tick.
 * @wd_stamp: jiffies of the last observed progress.
 * @stats: counters.
 * @irq_name: name given to the irq.
 */
struct xbf_ring {
	struct xbf_info *info;
	unsigned int index;
	spinlock_t lock;
	struct blkif_front_ring front;
	struct blkif_sring *sring;
	unsigned int nr_pages;
	grant_ref_t refs[XBF_MAX_RING_PAGES];
	evtchn_port_t evtchn;
	int irq;
	unsigned int size;
	struct xbf_shadow *shadow;
	u8 *sent_ops;
	unsigned int free_head;
	unsigned int inflight;
	struct list_head pool;
	unsigned int pool_count;
	bool starved;
	bool gnt_short;
	bool gnt_waiting;
	struct gnttab_free_callback gnt_cb;
	RING_IDX wd_cons;
	unsigned long wd_stamp;
	struct xbf_ring_stats stats;
	char irq_name[32];
};

/**
 * struct xbf_features - what was negotiated with the backend
 * @nr_rings: rings in use.
 * @ring_order: log2 of pages per ring.
 * @max_segs: data segments per request (11 without indirect).
 * @backend_indirect: backend's feature-max-indirect-segments (0 = none).
 * @backend_mq: backend's multi-queue-max-queues (0 = absent).
 * @backend_ring_order: backend's max-ring-page-order.
 * @persistent: both sides use persistent grants.
 * @bounce: untrusted backend, bounce all data through private pages.
 * @flush_op: BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_WRITE_BARRIER or 0.
 * @fua: FUA writes go out as barriers.
 * @discard: backend accepts BLKIF_OP_DISCARD.
 * @secure_discard: backend accepts BLKIF_DISCARD_SECURE.
 */
struct xbf_features {
	unsigned int nr_rings;
	unsigned int ring_order;
	unsigned int max_segs;
	unsigned int backend_indirect;
	unsigned int backend_mq;
	unsigned int backend_ring_order;
	bool persistent;
	bool bounce;
	u8 flush_op;
	bool fua;
	bool discard;
	bool secure_discard;
};

/**
 * struct xbf_geometry - disk geometry and flags from the backend
 * @sectors: capacity in 512-byte sectors.
 * @sector_size: logical block size.
 * @physical_sector_size: physical block size.
 * @vdisk_info: VDISK_* flags.
 * @readonly: the disk is read-only (info or mode).
 * @discard_granularity: bytes.
 * @discard_alignment: bytes.
 */
struct xbf_geometry {
	u64 sectors;
	unsigned int sector_size;
	unsigned int physical_sector_size;
	unsigned int vdisk_info;
	bool readonly;
	unsigned int discard_granularity;
	unsigned int discard_alignment;
};

/**
 * struct xbf_info - one virtual disk
 * @xbdev: xenbus device.
 * @mutex: serialises state changes (xenbus, sysfs, resume).
 * @state: connection state.
 * @flags: XBF_F_* bits.
 * @vdevice: virtual-device number.
 * @handle: handle written into requests.
 * @index: disk index (xvda = 0).
 * @gd: the gendisk, NULL before the first connect.
 * @tag_set: blk-mq tag set.
 * @rings: @feat.nr_rings rings.
 * @feat: negotiated features.
 * @geo: geometry.
 * @trusted: the toolstack trusts the backend (xenstore "trusted").
 * @want_segs: segments per request asked for via sysfs (0 = module param).
 * @reissue: requests waiting to be re-issued after a reconnect.
 * @split_lock: protects @split_bios.
 * @split_bios: bios of too large requests, to be submitted again (split).
 * @split_work: submits @split_bios.
 * @split_stolen: bios taken from too large requests (under @split_lock).
 * @split_sent: of these, bios submitted again (under @split_lock).
 * @watchdog: periodic hang detection and pool trimming.
 * @update_work: applies feature changes found on the data path.
 * @debugfs: per-disk debugfs directory.
 */
struct xbf_info {
	struct xenbus_device *xbdev;
	struct mutex mutex;
	enum xbf_state state;
	unsigned long flags;
	unsigned int vdevice;
	blkif_vdev_t handle;
	unsigned int index;
	struct gendisk *gd;
	struct blk_mq_tag_set tag_set;
	struct xbf_ring *rings;
	struct xbf_features feat;
	struct xbf_geometry geo;
	bool trusted;
	unsigned int want_segs;
	struct list_head reissue;
	spinlock_t split_lock;
	struct bio_list split_bios;
	struct work_struct split_work;
	unsigned long split_stolen;
	unsigned long split_sent;
	struct delayed_work watchdog;
	struct work_struct update_work;
	struct dentry *debugfs;
};

/**
 * struct xbf_pdu - per-request driver data
 * @node: link in &xbf_info.reissue while waiting for a reconnect.
 * @status: completion status.
 * @ring: ring index the request went to.
 * @slot: slot in that ring.
 */
struct xbf_pdu {
	struct list_head node;
	blk_status_t status;
	unsigned int ring;
	unsigned int slot;
};

/**
 * xbf_queue_ring - the ring that serves a hardware queue
 * @info: the device, rings connected (@info->feat.nr_rings > 0)
 * @queue_num: the hardware queue's number
 *
 * There may be more hardware queues than rings (a restore onto a backend
 * with fewer rings): queue q is served by ring q % nr_rings.
 *
 * Return: the ring index.
 */
static inline unsigned int xbf_queue_ring(struct xbf_info *info,
					  unsigned int queue_num)
{
	return queue_num % info->feat.nr_rings;
}

static inline const char *xbf_name(struct xbf_info *info)
{
	return info->gd ? info->gd->disk_name : info->xbdev->nodename;
}

/* ring.c */
int xbf_rings_alloc(struct xbf_info *info, unsigned int nr, unsigned int order);
void xbf_rings_free(struct xbf_info *info);
void xbf_rings_quiesce(struct xbf_info *info);
int xbf_ring_write_keys(struct xbf_ring *ring, struct xenbus_transaction xbt,
			const char *dir);
int xbf_slot_get(struct xbf_ring *ring);
void xbf_slot_put(struct xbf_ring *ring, unsigned int slot);
void xbf_ring_push(struct xbf_ring *ring);
void xbf_ring_fail_all(struct xbf_ring *ring, struct list_head *saved);
void xbf_set_broken(struct xbf_info *info, struct xbf_ring *ring,
		    const char *why, unsigned long a, unsigned long b);
bool xbf_ring_kick(struct xbf_ring *ring);
void xbf_watchdog_fn(struct work_struct *work);
bool xbf_timeout_rq(struct xbf_info *info, struct request *rq);
blk_status_t xbf_wait_grants(struct xbf_ring *ring, unsigned int count);

/* grant.c */
struct xbf_gnt *xbf_gnt_get(struct xbf_ring *ring, bool pooled);
struct xbf_gnt *xbf_gnt_borrow(struct xbf_ring *ring, struct page *page,
			       bool readonly);
bool xbf_gnt_put(struct xbf_ring *ring, struct xbf_gnt *gnt);
void xbf_pool_trim(struct xbf_ring *ring, unsigned long idle);
void xbf_grants_granted(unsigned int nr);
void xbf_grants_ended(unsigned int nr, unsigned int mapped);
void xbf_grants_read(long *held, long *deferred);

/* request.c */
blk_status_t xbf_queue_rq(struct xbf_ring *ring, struct request *rq);
bool xbf_shadow_release(struct xbf_ring *ring, struct xbf_shadow *s, bool ok);
unsigned int xbf_rq_segments(struct xbf_info *info, struct request *rq);

/* blkdev.c */
int xbf_blkdev_create(struct xbf_info *info);
void xbf_blkdev_destroy(struct xbf_info *info);
void xbf_blkdev_update_limits(struct xbf_info *info);
void xbf_blkdev_irq_affinity(struct xbf_info *info);
void xbf_blkdev_update_capacity(struct xbf_info *info);
void xbf_complete_rq(struct request *rq, blk_status_t status);
int xbf_blkdev_init(void);
void xbf_blkdev_exit(void);

/* xenbus.c */
int xbf_talk_to_backend(struct xbf_info *info);
void xbf_read_features(struct xbf_info *info);
unsigned int xbf_pick_segs(struct xbf_info *info);

/* resume.c */
int xbf_resume(struct xenbus_device *dev);
void xbf_reissue(struct xbf_info *info);
blk_status_t xbf_resubmit(struct xbf_info *info, struct request *rq);
void xbf_split_work(struct work_struct *work);
int xbf_set_max_segs(struct xbf_info *info, unsigned int segs);
void xbf_update_work(struct work_struct *work);

/* sysfs.c */
extern const struct attribute_group *xbf_dev_groups[];

/* debugfs.c */
void xbf_debugfs_init(void);
void xbf_debugfs_exit(void);
void xbf_debugfs_add(struct xbf_info *info);
void xbf_debugfs_remove(struct xbf_info *info);

#endif /* XBF_BLKFRONT_H */
