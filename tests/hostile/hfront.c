// SPDX-License-Identifier: GPL-2.0
/*
 * hfront - a hostile blkif FRONTEND for a Linux domU.
 *
 * Takes over the frontend side of one VBD (no blkfront may be bound to it)
 * with /dev/xen/gntalloc (ring and data pages), /dev/xen/evtchn and
 * xenstore, connects to the backend under test, and then runs ONE scripted
 * attack (the case named on the command line). It prints what it saw and
 * ends with "HOSTILE-RESULT: <case> PASS|FAIL|SKIP <reason>" (exit 0/1/2;
 * 3 = could not even set up). Only the frontend-visible half of the pass
 * criteria is judged here; dom0's dmesg, grants left mapped and the other
 * VBDs are judged by the rig scenario (tests/scenarios/5x-hostile-*.sh).
 *
 * Usage: hfront -v DEVID [-a 32] [-o ORDER] [-q NQ [-Q QUEUE]] CASE
 *        (hfront -l lists the cases; the options choose the ring layout
 *        every request-level case runs on: x86_32-abi slots, a multi-page
 *        ring, several queues with the attack on queue QUEUE)
 */
#include "hcommon.h"
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NDATA		64		/* writable data pages granted to the backend */
#define SLOT		sizeof(union blkif_sring_entry)	/* x86_64 slot (the larger) */
/* x86_32 slots are smaller, so a ring of them never has fewer entries */
#define MAX_SLOTS	(__CONST_RING_SIZE(blkif_x86_32, PAGE_SZ << XENBLK_MAX_RING_PAGE_ORDER))
#define HF_MAXQ		4		/* rings hfront really sets up */
#define RSP_WAIT_MS	5000

/* One ring (one queue) of the VBD. */
struct hq {
	struct blkif_sring *sring;
	uint32_t ring_refs[XENBLK_MAX_RING_PAGES];
	blkif_front_ring_t fr;		/* indexes; nr_ents fixed up for x86_32 */
	evtchn_port_t port;
	bool rsp_overflow;
	uint8_t snap[MAX_SLOTS][SLOT];
};

struct hf {
	int domid, devid, beid;
	char fe[96], be[160], fe_state[128], be_state[192];
	xenevtchn_handle *xce;
	xengntshr_handle *gs;
	unsigned int order, npages;
	unsigned int nq;		/* rings set up (1 = no queue-N dirs) */
	struct hq qs[HF_MAXQ];
	struct hq *q;			/* the ring requests go to */
	bool x32;			/* x86_32-abi slot layout */
	size_t slot;			/* bytes per ring slot in that layout */
	uint8_t *data;			/* NDATA pages, granted writable */
	uint32_t data_refs[NDATA];
	uint8_t *rodata;		/* 2 pages, granted read-only */
	uint32_t ro_refs[2];
	unsigned long long sectors;
	unsigned int ssize, info, max_indirect, max_order, max_queues;
	bool feat_discard, feat_flush, feat_barrier;
	uint64_t seq;
};

struct rsp {
	uint64_t id;
	uint8_t op;
	int16_t status;
	int leaks;
};

static struct hf H;
static bool opt_ro;
/* layout options that apply to every case (see main) */
static bool opt_x32;
static unsigned int opt_order, opt_nq, opt_q;
static const char *h_case = "?";

/* Slot IDX of the current ring, in the layout the protocol key chose. */
static void *hf_slot(struct hf *h, RING_IDX idx)
{
	return (uint8_t *)h->q->sring + XENBLK_SRING_HEADER_SIZE +
	       (size_t)(idx & (RING_SIZE(&h->q->fr) - 1)) * h->slot;
}

/* ------------------------------------------------------------ setup */

static void hf_open(struct hf *h, int devid)
{
	char *v;

	h_xs_open();
	h->devid = devid;
	h->domid = (int)h_xs_ull(~0ull, "domid");
	if (h->domid < 0)
		h_die("cannot read my domid");
	snprintf(h->fe, sizeof(h->fe), "/local/domain/%d/device/vbd/%d", h->domid, devid);
	v = h_xs_read("%s/backend", h->fe);
	if (!v)
		h_die("no VBD %d: %s/backend missing", devid, h->fe);
	snprintf(h->be, sizeof(h->be), "%s", v);
	free(v);
	h->beid = (int)h_xs_ull(0, "%s/backend-id", h->fe);
	snprintf(h->fe_state, sizeof(h->fe_state), "%s/state", h->fe);
	snprintf(h->be_state, sizeof(h->be_state), "%s/state", h->be);
	if (access("/sys/bus/xen/devices", F_OK) == 0) {
		char p[128];

		snprintf(p, sizeof(p), "/sys/bus/xen/devices/vbd-%d/driver", devid);
		if (access(p, F_OK) == 0)
			h_die("a kernel frontend is bound to vbd-%d; unbind it first", devid);
	}
	h->xce = xenevtchn_open(NULL, 0);
	h->gs = xengntshr_open(NULL, 0);
	if (!h->xce || !h->gs)
		h_die("open /dev/xen/evtchn or /dev/xen/gntalloc: %s (modules xen-evtchn, xen-gntalloc?)",
		      strerror(errno));
	h_log("VBD %d: frontend %s, backend %s (dom%d), frontend state %d, backend state %d",
	      devid, h->fe, h->be, h->beid, h_read_state(h->fe_state), h_read_state(h->be_state));
}

static void hf_features(struct hf *h)
{
	h->max_indirect = (unsigned int)h_xs_ull(0, "%s/" XENBLK_KEY_MAX_INDIRECT, h->be);
	h->max_order = (unsigned int)h_xs_ull(0, "%s/" XENBLK_KEY_MAX_RING_ORDER, h->be);
	h->max_queues = (unsigned int)h_xs_ull(0, "%s/" XENBLK_KEY_MAX_QUEUES, h->be);
	h->feat_discard = h_xs_ull(0, "%s/" XENBLK_KEY_DISCARD, h->be);
	h->feat_flush = h_xs_ull(0, "%s/" XENBLK_KEY_FLUSH, h->be);
	h->feat_barrier = h_xs_ull(0, "%s/" XENBLK_KEY_BARRIER, h->be);
	h_log("backend features: max-indirect=%u max-ring-page-order=%u max-queues=%u discard=%d flush=%d barrier=%d",
	      h->max_indirect, h->max_order, h->max_queues, h->feat_discard, h->feat_flush,
	      h->feat_barrier);
}

static void hf_share(struct hf *h)
{
	unsigned int i;

	h->data = xengntshr_share_pages(h->gs, h->beid, NDATA, h->data_refs, 1);
	h->rodata = xengntshr_share_pages(h->gs, h->beid, 2, h->ro_refs, 0);
	if (!h->data || !h->rodata)
		h_die("gntalloc: sharing data pages failed: %s", strerror(errno));
	for (i = 0; i < NDATA * PAGE_SZ; i++)
		h->data[i] = (uint8_t)(i * 7 + 3);
	memset(h->rodata, 0x3c, 2 * PAGE_SZ);
}

struct conn {
	unsigned int order;		/* ring-page-order to announce */
	bool order_key;			/* write ring-page-order + ring-refN */
	unsigned int nq;		/* multi-queue-num-queues (0 = do not write) */
	bool no_ring_keys;		/* state Initialised without ring keys */
	uint32_t ring_ref_override;	/* non-zero: announce this ring-ref */
	long port_override;		/* >= 0: announce this port */
	const char *protocol;
};

/* Share one ring of h->npages pages in the layout of h->slot, fill every
 * slot with a known pattern, bind an unbound port for it. */
static void hf_ring_setup(struct hf *h, struct hq *r)
{
	unsigned int i;
	int s;

	r->sring = xengntshr_share_pages(h->gs, h->beid, h->npages, r->ring_refs, 1);
	if (!r->sring)
		h_die("gntalloc: sharing %u ring pages failed: %s", h->npages, strerror(errno));
	SHARED_RING_INIT(r->sring);
	FRONT_RING_INIT(&r->fr, r->sring, PAGE_SZ * h->npages);
	if (h->x32) {
		/* same header, 108-byte slots: the ring has its own size */
		struct blkif_x86_32_front_ring f32;

		FRONT_RING_INIT(&f32, (struct blkif_x86_32_sring *)r->sring, PAGE_SZ * h->npages);
		r->fr.nr_ents = f32.nr_ents;
	}
	/* every slot starts with a known pattern: anything else in a response
	 * slot's padding came from the backend */
	memset((uint8_t *)r->sring + XENBLK_SRING_HEADER_SIZE, 0xA5,
	       PAGE_SZ * h->npages - XENBLK_SRING_HEADER_SIZE);
	for (i = 0; i < RING_SIZE(&r->fr); i++)
		memcpy(r->snap[i], (uint8_t *)r->sring + XENBLK_SRING_HEADER_SIZE + i * h->slot,
		       h->slot);
	s = xenevtchn_bind_unbound_port(h->xce, h->beid);
	if (s < 0)
		h_die("bind_unbound_port: %s", strerror(errno));
	r->port = (evtchn_port_t)s;
	h_log("ring %u: %u page(s), %u slots of %zu bytes, ref0=%u, port %u",
	      (unsigned int)(r - h->qs), h->npages, RING_SIZE(&r->fr), h->slot, r->ring_refs[0],
	      r->port);
}

/* Write ring-ref(s) and event-channel of ring R into DIR. */
static void hf_ring_keys(struct hf *h, const struct conn *c, const char *dir, struct hq *r)
{
	unsigned int i;
	char k[256];

	if (c->order_key) {
		for (i = 0; i < (1u << (c->order > 8 ? 0 : c->order)); i++) {
			snprintf(k, sizeof(k), "%s/ring-ref%u", dir, i);
			h_xs_write(k, "%u", r->ring_refs[i < h->npages ? i : 0]);
		}
	} else {
		snprintf(k, sizeof(k), "%s/ring-ref", dir);
		h_xs_write(k, "%u", c->ring_ref_override ? c->ring_ref_override : r->ring_refs[0]);
	}
	snprintf(k, sizeof(k), "%s/event-channel", dir);
	h_xs_write(k, "%ld", c->port_override >= 0 ? c->port_override : (long)r->port);
}

/* Share the ring(s), bind the port(s), write the keys, go Initialised, wait
 * for the backend's answer. Returns the backend state reached (4 = Connected).
 * With c->nq > 1 every queue gets its own ring and port (queue-N/ keys);
 * queues beyond HF_MAXQ (only in refused-connection cases) reuse the last. */
static int hf_connect(struct hf *h, const struct conn *c)
{
	const char *proto = c->protocol ? c->protocol :
			    opt_x32 ? XENBLK_PROTO_X86_32 : XENBLK_PROTO_X86_64;
	unsigned int q;
	int s;
	char k[256];

	s = h_wait_state(h->be_state, BIT(XenbusStateInitWait), 15000);
	if (s != XenbusStateInitWait)
		h_die("backend state is %d, not InitWait(2), after 15 s", s);
	hf_features(h);
	hf_share(h);
	h->x32 = !strcmp(proto, XENBLK_PROTO_X86_32);
	h->slot = h->x32 ? sizeof(union blkif_x86_32_sring_entry) : SLOT;
	h->order = c->order;
	h->npages = 1u << (c->order > XENBLK_MAX_RING_PAGE_ORDER ? 0 : c->order);
	h->nq = c->nq > 1 && !c->no_ring_keys ? (c->nq < HF_MAXQ ? c->nq : HF_MAXQ) : 1;
	for (q = 0; q < h->nq; q++)
		hf_ring_setup(h, &h->qs[q]);
	h->q = &h->qs[0];

	for (q = 0; q < (c->nq ? c->nq : 1) && !c->no_ring_keys; q++) {
		char dir[160];

		if (c->nq)
			snprintf(dir, sizeof(dir), "%s/queue-%u", h->fe, q);
		else
			snprintf(dir, sizeof(dir), "%s", h->fe);
		hf_ring_keys(h, c, dir, &h->qs[q < h->nq ? q : h->nq - 1]);
	}
	if (c->order_key) {
		snprintf(k, sizeof(k), "%s/ring-page-order", h->fe);
		h_xs_write(k, "%u", c->order);
	}
	if (c->nq) {
		snprintf(k, sizeof(k), "%s/multi-queue-num-queues", h->fe);
		h_xs_write(k, "%u", c->nq);
	}
	snprintf(k, sizeof(k), "%s/protocol", h->fe);
	h_xs_write(k, "%s", proto);
	h_log("announcing protocol %s, ring-page-order %u%s, %u queue(s)", proto, c->order,
	      c->order_key ? "" : " (no key)", c->nq ? c->nq : 1);
	h_xs_write(h->fe_state, "%d", XenbusStateInitialised);

	s = h_wait_state(h->be_state, BIT(XenbusStateConnected) | BIT(XenbusStateClosing) |
			 BIT(XenbusStateClosed), 10000);
	h_log("backend state after Initialised: %d", s);
	if (s != XenbusStateConnected)
		return s;
	/* flush/barrier/discard are written at connect time: read them again */
	h->feat_discard = h_xs_ull(0, "%s/" XENBLK_KEY_DISCARD, h->be);
	h->feat_flush = h_xs_ull(0, "%s/" XENBLK_KEY_FLUSH, h->be);
	h->feat_barrier = h_xs_ull(0, "%s/" XENBLK_KEY_BARRIER, h->be);
	h->sectors = h_xs_ull(0, "%s/" XENBLK_KEY_SECTORS, h->be);
	h->ssize = (unsigned int)h_xs_ull(512, "%s/" XENBLK_KEY_SECTOR_SIZE, h->be);
	h->info = (unsigned int)h_xs_ull(0, "%s/" XENBLK_KEY_INFO, h->be);
	h_log("connected: sectors=%llu sector-size=%u info=0x%x discard=%d flush=%d barrier=%d",
	      h->sectors, h->ssize, h->info, h->feat_discard, h->feat_flush, h->feat_barrier);
	h_xs_write(h->fe_state, "%d", XenbusStateConnected);
	return s;
}

static const struct conn CONN_DEFAULT = { .port_override = -1 };

/* Connect with the layout options (-a, -o, -q, -Q); a backend that does not
 * offer that layout makes the case SKIP (loudly), not FAIL. */
static void hf_connect_or_die(struct hf *h)
{
	struct conn c = CONN_DEFAULT;
	int s;

	if (opt_order) {
		unsigned int mo = (unsigned int)h_xs_ull(0, "%s/" XENBLK_KEY_MAX_RING_ORDER, h->be);

		if (opt_order > mo)
			h_verdict(h_case, H_SKIP, "backend offers max-ring-page-order %u < %u",
				  mo, opt_order);
		c.order = opt_order;
		c.order_key = true;
	}
	if (opt_nq > 1) {
		unsigned int mq = (unsigned int)h_xs_ull(0, "%s/" XENBLK_KEY_MAX_QUEUES, h->be);

		if (opt_nq > mq || opt_nq > HF_MAXQ)
			h_verdict(h_case, H_SKIP, "backend offers multi-queue-max-queues %u < %u",
				  mq, opt_nq);
		c.nq = opt_nq;
	}
	s = hf_connect(h, &c);
	if (s != XenbusStateConnected)
		h_die("backend did not connect (state %d)", s);
	h->q = &h->qs[opt_q < h->nq ? opt_q : 0];
	if (opt_q)
		h_log("requests go to queue %u", opt_q);
}

/* ------------------------------------------------------------ ring I/O */

static uint64_t hf_id(struct hf *h)
{
	return 0x5A5A5A5A00000000ull | ((++h->seq & 0xffffffull) << 8) | 0xA5;
}

/* Copy a crafted request into the next slot (the rest of the slot keeps its
 * previous bytes) and remember the slot as the backend will find it. */
static RING_IDX hf_put(struct hf *h, const void *req, size_t len)
{
	RING_IDX i = h->q->fr.req_prod_pvt;
	uint8_t *slot = hf_slot(h, i);

	if (h->x32 && len > 8) {
		/* every x86_64 request form has padding at bytes 4..7 that the
		 * x86_32 form does not: id, sector etc. move up by 4 */
		memcpy(slot, req, 4);
		memcpy(slot + 4, (const uint8_t *)req + 8, len - 8);
	} else {
		memcpy(slot, req, len);
	}
	memcpy(h->q->snap[i & (RING_SIZE(&h->q->fr) - 1)], slot, h->slot);
	h->q->fr.req_prod_pvt = i + 1;
	return i;
}

static void hf_kick(struct hf *h)
{
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&h->q->fr, notify);
	(void)notify;
	xenevtchn_notify(h->xce, h->q->port);	/* always: a hostile peer may */
}

static void hf_wait_evt(struct hf *h, int ms)
{
	struct pollfd p = { .fd = xenevtchn_fd(h->xce), .events = POLLIN };
	xenevtchn_port_or_error_t port;

	if (poll(&p, 1, ms) > 0) {
		port = xenevtchn_pending(h->xce);
		if (port >= 0)
			xenevtchn_unmask(h->xce, port);
	}
}

/* Collect up to N responses (any order) within TIMEOUT_MS. Checks each
 * response slot byte by byte against what was there before. */
static int hf_collect(struct hf *h, struct rsp *out, int n, unsigned int timeout_ms, bool leakchk)
{
	uint64_t end = h_now_ms() + timeout_ms;
	int got = 0;

	while (got < n) {
		RING_IDX rp = h->q->sring->rsp_prod;

		rmb();
		if (rp - h->q->fr.rsp_cons > RING_SIZE(&h->q->fr) ||
		    rp - h->q->fr.rsp_cons > h->q->fr.req_prod_pvt - h->q->fr.rsp_cons) {
			h_log("backend rsp_prod=%u is beyond our requests (rsp_cons=%u req_prod=%u)",
			      rp, h->q->fr.rsp_cons, h->q->fr.req_prod_pvt);
			h->q->rsp_overflow = true;
			return got;
		}
		while (h->q->fr.rsp_cons != rp && got < n) {
			uint8_t cur[SLOT];
			struct blkif_response r;
			unsigned int idx = h->q->fr.rsp_cons & (RING_SIZE(&h->q->fr) - 1);

			memcpy(cur, hf_slot(h, h->q->fr.rsp_cons), h->slot);
			memcpy(&r, cur, sizeof(r));
			out[got].id = r.id;
			out[got].op = r.operation;
			out[got].status = r.status;
			out[got].leaks = leakchk ? h_slot_leaks(h->q->snap[idx], cur, h->slot,
							    h->x32 ? "x86_32 response" : "response") : 0;
			memcpy(h->q->snap[idx], cur, h->slot);
			h->q->fr.rsp_cons++;
			got++;
		}
		h->q->sring->rsp_event = h->q->fr.rsp_cons + 1;
		mb();
		if (got >= n || h_now_ms() >= end)
			break;
		if (h->q->sring->rsp_prod == h->q->fr.rsp_cons)
			hf_wait_evt(h, 10);
	}
	return got;
}

static void hf_rw(struct hf *h, struct blkif_request *r, uint8_t op, uint64_t sector,
		  unsigned int nseg, unsigned int page0)
{
	unsigned int i;

	memset(r, 0, sizeof(*r));
	r->operation = op;
	r->nr_segments = (uint8_t)nseg;
	r->handle = (blkif_vdev_t)h->devid;
	r->id = hf_id(h);
	r->sector_number = sector;
	for (i = 0; i < nseg && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
		r->seg[i].gref = h->data_refs[(page0 + i) % NDATA];
		r->seg[i].first_sect = 0;
		r->seg[i].last_sect = 7;
	}
}

/* Build an indirect request over NSEG full pages; the segment descriptors go
 * in data pages 48.. (indirect pages), data in pages page0... */
static void hf_indirect(struct hf *h, struct blkif_request_indirect *r, uint8_t iop,
			uint64_t sector, unsigned int nseg, unsigned int page0)
{
	struct blkif_request_segment *segs = (void *)(h->data + 48 * PAGE_SZ);
	unsigned int i, npg = (nseg + XENBLK_SEGS_PER_INDIRECT_PAGE - 1) / XENBLK_SEGS_PER_INDIRECT_PAGE;

	memset(r, 0, sizeof(*r));
	r->operation = BLKIF_OP_INDIRECT;
	r->indirect_op = iop;
	r->nr_segments = (uint16_t)nseg;
	r->id = hf_id(h);
	r->sector_number = sector;
	r->handle = (blkif_vdev_t)h->devid;
	for (i = 0; i < nseg && i < 8 * XENBLK_SEGS_PER_INDIRECT_PAGE; i++) {
		segs[i].gref = h->data_refs[(page0 + i) % 40];
		segs[i].first_sect = 0;
		segs[i].last_sect = 7;
	}
	for (i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
		r->indirect_grefs[i] = i < npg ? h->data_refs[48 + i] : 0;
}

static struct blkif_request_segment *hf_iseg(struct hf *h)
{
	return (void *)(h->data + 48 * PAGE_SZ);
}

/* One request, one answer: returns the status, or 99 no answer, 98 overflow */
static int hf_do(struct hf *h, const void *req, size_t len, struct rsp *r)
{
	uint64_t id;

	memcpy(&id, (const uint8_t *)req + 8, sizeof(id));
	hf_put(h, req, len);
	hf_kick(h);
	if (hf_collect(h, r, 1, RSP_WAIT_MS, true) != 1)
		return h->q->rsp_overflow ? 98 : 99;
	if (r->id != id)
		h_log("response id 0x%llx does not match request id 0x%llx",
		      (unsigned long long)r->id, (unsigned long long)id);
	return r->status;
}

static int fails;
static char notes[2048];

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;
	size_t l = strlen(notes);

	if (l && l < sizeof(notes) - 2) {
		notes[l++] = ';';
		notes[l++] = ' ';
		notes[l] = 0;
	}
	va_start(ap, fmt);
	vsnprintf(notes + l, sizeof(notes) - l, fmt, ap);
	va_end(ap);
}

/* Has the backend dropped the connection (Closing/Closed/gone)? */
static bool hf_be_closed(struct hf *h)
{
	int s = h_read_state(h->be_state);

	return s < 0 || s >= XenbusStateClosing;
}

/*
 * Send one crafted request that a correct backend must refuse. PASS = an
 * error response (not OKAY) with our id, no leaked bytes; or the backend
 * closes the connection. Returns false when the ring can no longer be used.
 */
static bool hf_reject(struct hf *h, const char *what, const void *req, size_t len)
{
	struct rsp r = { 0 };
	uint64_t id;
	int st;

	if (hf_be_closed(h)) {
		note("%s: not sent (backend closed)", what);
		return false;
	}
	memcpy(&id, (const uint8_t *)req + 8, sizeof(id));
	st = hf_do(h, req, len, &r);
	if (st == 99 || st == 98) {
		if (hf_be_closed(h)) {
			note("%s: backend closed the connection (state %d)", what, h_read_state(h->be_state));
			return false;
		}
		fails++;
		note("%s: %s and backend still connected", what,
		     st == 98 ? "rsp_prod overflow" : "NO RESPONSE in 5 s");
		return false;
	}
	if (r.leaks) {
		fails++;
		note("%s: %d padding bytes leaked", what, r.leaks);
	}
	if (r.id != id) {
		fails++;
		note("%s: response id mismatch", what);
	} else if (st == BLKIF_RSP_OKAY) {
		fails++;
		note("%s: ACCEPTED (status OKAY)", what);
	} else {
		note("%s: status %d op %u", what, st, r.op);
	}
	return true;
}

/* After an attack: does a plain 1-segment read still work? */
static void hf_liveness(struct hf *h, bool must)
{
	struct blkif_request q;
	struct rsp r;
	int st;

	if (hf_be_closed(h)) {
		note("ring closed by backend");
		return;
	}
	hf_rw(h, &q, BLKIF_OP_READ, 0, 1, 0);
	st = hf_do(h, &q, sizeof(q), &r);
	if (st == BLKIF_RSP_OKAY) {
		note("valid read afterwards OK");
	} else if (st == 99 && !must) {
		note("no answer to a valid read afterwards (ring halted)");
	} else {
		if (must)
			fails++;
		note("valid read afterwards: status %d", st);
	}
}

/* With several queues and the attack on another one, queue 0 must still
 * serve a plain read: a ring-level fault stays on its ring. */
static void hf_other_queue(struct hf *h)
{
	struct hq *attacked = h->q;
	struct blkif_request q;
	struct rsp r;
	int st;

	if (h->nq < 2 || !attacked || attacked == &h->qs[0])
		return;
	h->q = &h->qs[0];
	if (hf_be_closed(h)) {
		fails++;
		note("queue 0: backend closed the whole VBD after the attack on queue %u",
		     (unsigned int)(attacked - h->qs));
	} else {
		hf_rw(h, &q, BLKIF_OP_READ, 8, 1, 3);
		st = hf_do(h, &q, sizeof(q), &r);
		if (st == BLKIF_RSP_OKAY && !r.leaks) {
			note("queue 0 still serves");
		} else {
			fails++;
			note("queue 0 after the attack on queue %u: status %d leaks %d",
			     (unsigned int)(attacked - h->qs), st, r.leaks);
		}
	}
	h->q = attacked;
}

static void hf_finish(const char *cas)
{
	hf_other_queue(&H);
	h_verdict(cas, fails ? H_FAIL : H_PASS, "%s", notes[0] ? notes : "ok");
}

/* ------------------------------------------------------------ cases */

/* Fill the whole current ring with 1-segment reads at once (every slot,
 * on every page of a multi-page ring): each must come back OKAY, ours, clean. */
static void hf_fill_ring(struct hf *h)
{
	static struct rsp r[MAX_SLOTS];
	struct blkif_request q;
	unsigned int i, n = RING_SIZE(&h->q->fr), bad = 0, leaks = 0;
	int got;

	for (i = 0; i < n; i++) {
		hf_rw(h, &q, BLKIF_OP_READ, (i * 8ull) % (h->sectors - 8), 1, i);
		hf_put(h, &q, sizeof(q));
	}
	hf_kick(h);
	got = hf_collect(h, r, (int)n, 60000, true);
	for (i = 0; i < (unsigned int)got; i++) {
		if (r[i].status != BLKIF_RSP_OKAY || (r[i].id >> 32) != 0x5A5A5A5Aull)
			bad++;
		leaks += (unsigned int)r[i].leaks;
	}
	if ((unsigned int)got != n || bad || leaks) {
		fails++;
		note("full ring of %u reads: %d answered, %u bad, %u leaked bytes", n, got, bad, leaks);
	} else {
		note("full ring of %u reads OK", n);
	}
}

static void hf_baseline_q(struct hf *h)
{
	struct blkif_request q;
	struct blkif_request_indirect ir;
	struct rsp r;
	uint8_t *p0, *p1;
	unsigned int i, qi = (unsigned int)(h->q - h->qs);
	int st;

	p0 = h->data;
	p1 = h->data + PAGE_SZ;
	for (i = 0; i < PAGE_SZ; i++)
		p0[i] = (uint8_t)(i ^ 0x5b ^ qi);
	memset(p1, 0, PAGE_SZ);
	if (!(h->info & VDISK_READONLY)) {
		hf_rw(h, &q, BLKIF_OP_WRITE, 64 + qi * 8, 1, 0);
		st = hf_do(h, &q, sizeof(q), &r);
		if (st || r.leaks) {
			fails++;
			note("write: status %d leaks %d", st, r.leaks);
		}
		hf_rw(h, &q, BLKIF_OP_READ, 64 + qi * 8, 1, 1);
		st = hf_do(h, &q, sizeof(q), &r);
		if (st || r.leaks || memcmp(p0, p1, PAGE_SZ)) {
			fails++;
			note("read back: status %d leaks %d data %s", st, r.leaks,
			     memcmp(p0, p1, PAGE_SZ) ? "DIFFERS" : "same");
		} else {
			note("4 KiB write+read back identical");
		}
	}
	hf_rw(h, &q, BLKIF_OP_READ, 0, 11, 2);
	st = hf_do(h, &q, sizeof(q), &r);
	if (st || r.leaks) {
		fails++;
		note("11-segment read: status %d leaks %d", st, r.leaks);
	} else {
		note("11-segment read OK");
	}
	if (h->max_indirect >= 32) {
		hf_indirect(h, &ir, BLKIF_OP_READ, 0, 32, 2);
		st = hf_do(h, &ir, sizeof(ir), &r);
		if (st || r.leaks) {
			fails++;
			note("32-segment indirect read: status %d leaks %d", st, r.leaks);
		} else {
			note("32-segment indirect read OK");
		}
	}
	if (h->feat_flush) {
		memset(&q, 0, sizeof(q));
		q.operation = BLKIF_OP_FLUSH_DISKCACHE;
		q.id = hf_id(h);
		q.handle = (blkif_vdev_t)h->devid;
		st = hf_do(h, &q, sizeof(q), &r);
		note("flush: status %d", st);
		if (st)
			fails++;
	}
	hf_fill_ring(h);
}

/* Valid I/O on every ring (all queues), in the layout the options chose. */
static void c_baseline(struct hf *h, const char *cas)
{
	unsigned int qi;

	hf_connect_or_die(h);
	if (!h->sectors)
		h_verdict(cas, H_FAIL, "backend announced 0 sectors");
	note("%s, %u page(s) per ring, %u ring(s)", h->x32 ? "x86_32-abi" : "x86_64-abi",
	     h->npages, h->nq);
	for (qi = 0; qi < h->nq; qi++) {
		h->q = &h->qs[qi];
		if (h->nq > 1)
			note("queue %u:", qi);
		hf_baseline_q(h);
	}
	h->q = &h->qs[0];
	hf_finish(cas);
}

static void c_bad_op(struct hf *h, const char *cas)
{
	static const uint8_t ops[] = { BLKIF_OP_RESERVED_1, 7, 8, 0x7f, 0xff };
	struct blkif_request q;
	char w[32];
	unsigned int i;

	hf_connect_or_die(h);
	for (i = 0; i < sizeof(ops); i++) {
		hf_rw(h, &q, ops[i], 0, 1, 0);
		snprintf(w, sizeof(w), "op %u", ops[i]);
		if (!hf_reject(h, w, &q, sizeof(q)))
			break;
	}
	hf_liveness(h, false);
	hf_finish(cas);
}

/* Operations the backend did not advertise: EOPNOTSUPP/ERROR expected. */
static void c_unadvertised_op(struct hf *h, const char *cas)
{
	struct blkif_request q;
	bool any = false;

	hf_connect_or_die(h);
	if (!h->feat_barrier) {
		any = true;
		hf_rw(h, &q, BLKIF_OP_WRITE_BARRIER, 0, 1, 0);
		hf_reject(h, "barrier (not advertised)", &q, sizeof(q));
	}
	if (!h->feat_flush && !hf_be_closed(h)) {
		any = true;
		memset(&q, 0, sizeof(q));
		q.operation = BLKIF_OP_FLUSH_DISKCACHE;
		q.id = hf_id(h);
		hf_reject(h, "flush (not advertised)", &q, sizeof(q));
	}
	if (!h->feat_discard && !hf_be_closed(h)) {
		struct blkif_request_discard d = { .operation = BLKIF_OP_DISCARD,
			.id = hf_id(h), .sector_number = 0, .nr_sectors = 8 };

		any = true;
		hf_reject(h, "discard (not advertised)", &d, sizeof(d));
	}
	if (!any)
		h_verdict(cas, H_SKIP, "backend advertises barrier, flush and discard");
	hf_liveness(h, false);
	hf_finish(cas);
}

static void c_nseg(struct hf *h, const char *cas, const unsigned int *n, unsigned int cnt)
{
	struct blkif_request q;
	char w[48];
	unsigned int i;

	hf_connect_or_die(h);
	for (i = 0; i < cnt; i++) {
		hf_rw(h, &q, i & 1 ? BLKIF_OP_WRITE : BLKIF_OP_READ, 0, 11, 0);
		q.nr_segments = (uint8_t)n[i];
		snprintf(w, sizeof(w), "%s nr_segments=%u", i & 1 ? "write" : "read", n[i]);
		if (h->info & VDISK_READONLY)
			q.operation = BLKIF_OP_READ;
		if (!hf_reject(h, w, &q, sizeof(q)))
			break;
	}
	hf_liveness(h, false);
	hf_finish(cas);
}

static void c_nseg_zero(struct hf *h, const char *cas)
{
	static const unsigned int n[] = { 0, 0 };

	c_nseg(h, cas, n, 2);
}

static void c_nseg_over(struct hf *h, const char *cas)
{
	static const unsigned int n[] = { 12, 255, 128 };

	c_nseg(h, cas, n, 3);
}

static void c_sect(struct hf *h, const char *cas, int which)
{
	struct blkif_request q;

	hf_connect_or_die(h);
	if (which == 0) {
		hf_rw(h, &q, BLKIF_OP_READ, 0, 1, 0);
		q.seg[0].first_sect = 5;
		q.seg[0].last_sect = 2;
		hf_reject(h, "first_sect 5 > last_sect 2", &q, sizeof(q));
		hf_rw(h, &q, BLKIF_OP_READ, 0, 3, 0);
		q.seg[2].first_sect = 7;
		q.seg[2].last_sect = 6;
		hf_reject(h, "3rd segment first 7 > last 6", &q, sizeof(q));
	} else {
		hf_rw(h, &q, BLKIF_OP_READ, 0, 1, 0);
		q.seg[0].last_sect = 8;
		if (hf_reject(h, "last_sect 8", &q, sizeof(q))) {
			hf_rw(h, &q, BLKIF_OP_READ, 0, 2, 0);
			q.seg[1].first_sect = 200;
			q.seg[1].last_sect = 255;
			if (hf_reject(h, "first 200 last 255", &q, sizeof(q))) {
				hf_rw(h, &q, BLKIF_OP_READ, 0, 1, 0);
				q.seg[0].first_sect = 8;
				q.seg[0].last_sect = 8;
				hf_reject(h, "first 8 last 8", &q, sizeof(q));
			}
		}
	}
	hf_liveness(h, false);
	hf_finish(cas);
}

static void c_first_gt_last(struct hf *h, const char *cas) { c_sect(h, cas, 0); }
static void c_last_ge_8(struct hf *h, const char *cas) { c_sect(h, cas, 1); }

static void c_past_end(struct hf *h, const char *cas)
{
	struct blkif_request q;
	char w[64];
	struct { uint64_t s; unsigned int last; } t[5];
	unsigned int i;

	hf_connect_or_die(h);
	t[0].s = h->sectors; t[0].last = 0;
	t[1].s = h->sectors - 1; t[1].last = 7;
	t[2].s = h->sectors + 1000000; t[2].last = 7;
	t[3].s = 1ull << 63; t[3].last = 7;
	t[4].s = ~0ull - 3; t[4].last = 7;	/* wraps past 2^64 */
	for (i = 0; i < 5; i++) {
		hf_rw(h, &q, BLKIF_OP_READ, t[i].s, 1, 0);
		q.seg[0].last_sect = (uint8_t)t[i].last;
		snprintf(w, sizeof(w), "read sector %llu +%u", (unsigned long long)t[i].s, t[i].last + 1);
		if (!hf_reject(h, w, &q, sizeof(q)))
			break;
	}
	if (!hf_be_closed(h) && !(h->info & VDISK_READONLY)) {
		hf_rw(h, &q, BLKIF_OP_WRITE, h->sectors - 4, 1, 0);
		hf_reject(h, "write across the end", &q, sizeof(q));
	}
	if (!hf_be_closed(h) && h->feat_discard) {
		struct blkif_request_discard d = { .operation = BLKIF_OP_DISCARD,
			.id = hf_id(h), .sector_number = h->sectors - 8, .nr_sectors = ~0ull - 16 };
		hf_reject(h, "discard wrapping past the end", &d, sizeof(d));
	}
	hf_liveness(h, false);
	hf_finish(cas);
}

static void c_ro_write(struct hf *h, const char *cas)
{
	struct blkif_request q;
	struct blkif_request_indirect ir;

	hf_connect_or_die(h);
	if (!(h->info & VDISK_READONLY))
		note("backend info 0x%x lacks VDISK_READONLY", h->info);
	hf_rw(h, &q, BLKIF_OP_WRITE, 0, 1, 0);
	if (hf_reject(h, "write to read-only VBD", &q, sizeof(q))) {
		hf_rw(h, &q, BLKIF_OP_WRITE_BARRIER, 0, 1, 0);
		if (hf_reject(h, "barrier write to read-only VBD", &q, sizeof(q))) {
			hf_indirect(h, &ir, BLKIF_OP_WRITE, 0, 16, 0);
			hf_reject(h, "indirect write to read-only VBD", &ir, sizeof(ir));
		}
	}
	if (!hf_be_closed(h)) {
		struct blkif_request_discard d = { .operation = BLKIF_OP_DISCARD,
			.id = hf_id(h), .sector_number = 0, .nr_sectors = 8 };
		hf_reject(h, "discard on read-only VBD", &d, sizeof(d));
	}
	hf_liveness(h, true);
	hf_finish(cas);
}

static void c_bad_gref(struct hf *h, const char *cas)
{
	struct blkif_request q;
	uint32_t ref;
	void *p;

	hf_connect_or_die(h);
	hf_rw(h, &q, BLKIF_OP_READ, 0, 1, 0);
	q.seg[0].gref = 0x7fffffff;
	if (!hf_reject(h, "gref 0x7fffffff", &q, sizeof(q)))
		goto out;
	hf_rw(h, &q, BLKIF_OP_READ, 0, 3, 0);
	q.seg[2].gref = 0xfff0;
	if (!hf_reject(h, "3rd segment gref 0xfff0", &q, sizeof(q)))
		goto out;
	hf_rw(h, &q, BLKIF_OP_READ, 0, 1, 0);
	q.seg[0].gref = h->ro_refs[0];
	if (!hf_reject(h, "read into a read-only grant", &q, sizeof(q)))
		goto out;
	p = xengntshr_share_pages(h->gs, h->beid, 1, &ref, 1);
	if (p) {
		xengntshr_unshare(h->gs, p, 1);
		hf_rw(h, &q, BLKIF_OP_READ, 0, 1, 0);
		q.seg[0].gref = ref;
		if (!hf_reject(h, "revoked grant", &q, sizeof(q)))
			goto out;
	}
	hf_rw(h, &q, BLKIF_OP_READ, 0, 1, 0);
	q.seg[0].gref = h->q->ring_refs[0];
	note("read INTO THE RING PAGE itself follows");
	{
		struct rsp r;
		int st = hf_do(h, &q, sizeof(q), &r);

		note("read into ring page: status %d", st);
	}
out:
	hf_liveness(h, false);
	hf_finish(cas);
}

static void c_indirect(struct hf *h, const char *cas, int which)
{
	struct blkif_request_indirect ir;
	struct blkif_request_segment *s;
	unsigned int m;

	hf_connect_or_die(h);
	s = hf_iseg(h);
	m = h->max_indirect;
	if (!m) {
		hf_indirect(h, &ir, BLKIF_OP_READ, 0, 16, 0);
		hf_reject(h, "indirect request (not advertised)", &ir, sizeof(ir));
		hf_liveness(h, false);
		hf_finish(cas);
	}
	switch (which) {
	case 0:	/* segment counts */
		hf_indirect(h, &ir, BLKIF_OP_READ, 0, m + 1, 0);
		if (!hf_reject(h, "nr_segments max+1", &ir, sizeof(ir)))
			break;
		hf_indirect(h, &ir, BLKIF_OP_READ, 0, 16, 0);
		ir.nr_segments = 0;
		if (!hf_reject(h, "nr_segments 0", &ir, sizeof(ir)))
			break;
		hf_indirect(h, &ir, BLKIF_OP_READ, 0, 16, 0);
		ir.nr_segments = 0xffff;
		if (!hf_reject(h, "nr_segments 65535", &ir, sizeof(ir)))
			break;
		hf_indirect(h, &ir, BLKIF_OP_READ, 0, 600, 0);
		ir.indirect_grefs[1] = 0;
		ir.indirect_grefs[1] = 0x7ffffff0;
		hf_reject(h, "600 segments, 2nd indirect page bad gref", &ir, sizeof(ir));
		break;
	case 1:	/* indirect_op */
		hf_indirect(h, &ir, BLKIF_OP_FLUSH_DISKCACHE, 0, 8, 0);
		if (!hf_reject(h, "indirect_op flush", &ir, sizeof(ir)))
			break;
		hf_indirect(h, &ir, BLKIF_OP_INDIRECT, 0, 8, 0);
		if (!hf_reject(h, "indirect_op indirect", &ir, sizeof(ir)))
			break;
		hf_indirect(h, &ir, 0xee, 0, 8, 0);
		hf_reject(h, "indirect_op 0xee", &ir, sizeof(ir));
		break;
	default: /* bad segments inside the indirect page */
		hf_indirect(h, &ir, BLKIF_OP_READ, 0, 16, 0);
		s[5].last_sect = 8;
		if (!hf_reject(h, "indirect seg 5 last_sect 8", &ir, sizeof(ir)))
			break;
		hf_indirect(h, &ir, BLKIF_OP_READ, 0, 16, 0);
		s[15].first_sect = 6;
		s[15].last_sect = 1;
		if (!hf_reject(h, "indirect seg 15 first>last", &ir, sizeof(ir)))
			break;
		hf_indirect(h, &ir, BLKIF_OP_READ, 0, 16, 0);
		s[3].gref = 0x7fffffff;
		if (!hf_reject(h, "indirect seg 3 bad gref", &ir, sizeof(ir)))
			break;
		hf_indirect(h, &ir, BLKIF_OP_READ, h->sectors - 8, 16, 0);
		if (!hf_reject(h, "indirect read past the end", &ir, sizeof(ir)))
			break;
		hf_indirect(h, &ir, BLKIF_OP_READ, 0, 16, 0);
		ir.indirect_grefs[0] = 0x7fffffff;
		if (!hf_reject(h, "indirect page gref bad", &ir, sizeof(ir)))
			break;
		hf_indirect(h, &ir, BLKIF_OP_READ, 0, 16, 0);
		ir.indirect_grefs[0] = h->ro_refs[0];	/* page of 0x3c bytes */
		hf_reject(h, "indirect page = read-only page of garbage", &ir, sizeof(ir));
		break;
	}
	hf_liveness(h, false);
	hf_finish(cas);
}

static void c_indirect_count(struct hf *h, const char *cas) { c_indirect(h, cas, 0); }
static void c_indirect_op(struct hf *h, const char *cas) { c_indirect(h, cas, 1); }
static void c_indirect_segs(struct hf *h, const char *cas) { c_indirect(h, cas, 2); }

/* req_prod far beyond the ring, or moved backwards */
static void c_prod(struct hf *h, const char *cas, int backwards)
{
	struct blkif_request q;
	struct rsp r[64];
	RING_IDX old;
	int i, got;

	hf_connect_or_die(h);
	for (i = 0; i < 3; i++) {
		hf_rw(h, &q, BLKIF_OP_READ, 0, 1, 0);
		if (hf_do(h, &q, sizeof(q), r) != 0)
			h_verdict(cas, H_FAIL, "valid warm-up read failed");
	}
	old = h->q->sring->rsp_prod;
	if (backwards) {
		h->q->sring->req_prod = h->q->fr.req_prod_pvt - 10;
		note("req_prod moved back by 10 (to %u)", h->q->sring->req_prod);
	} else {
		h->q->sring->req_prod = h->q->fr.req_prod_pvt + 1000 * RING_SIZE(&h->q->fr);
		note("req_prod set to %u (%u slots beyond)", h->q->sring->req_prod,
		     1000 * RING_SIZE(&h->q->fr));
	}
	wmb();
	xenevtchn_notify(h->xce, h->q->port);
	h_sleep_ms(3000);
	/* the backend may answer at most a ring's worth, never OKAY for the
	 * pattern slots (operation 0xA5) */
	got = h->q->sring->rsp_prod - old;
	if ((unsigned int)got > RING_SIZE(&h->q->fr)) {
		fails++;
		note("backend produced %d responses (> ring size)", got);
	} else {
		h->q->fr.req_prod_pvt += got;	/* accept what it consumed */
		got = hf_collect(h, r, got, 100, false);
		for (i = 0; i < got; i++)
			if (r[i].status == BLKIF_RSP_OKAY && r[i].op == 0xA5) {
				fails++;
				note("garbage slot answered OKAY");
				break;
			}
		note("backend answered %d slot(s); backend state %d", got, h_read_state(h->be_state));
	}
	hf_finish(cas);
}

static void c_ring_overflow(struct hf *h, const char *cas) { c_prod(h, cas, 0); }
static void c_req_prod_back(struct hf *h, const char *cas) { c_prod(h, cas, 1); }

/* XSA-155: change the published request from another thread in a loop */
static volatile uint8_t *flip_slot;
static volatile int flip_run;

static void *flipper(void *arg)
{
	struct hf *h = arg;
	unsigned int k = 0;
	unsigned int so = h->x32 ? 20 : 24;	/* offset of seg[0] in the slot */

	while (flip_run) {
		volatile uint8_t *s = flip_slot;
		struct blkif_request_segment *is = hf_iseg(h);

		if (!s)
			continue;
		k++;
		s[1] = (k & 1) ? 255 : 1;		/* nr_segments */
		s[so + 5] = (k & 2) ? 255 : 7;		/* seg[0].last_sect */
		s[so + 4] = (k & 4) ? 9 : 0;		/* seg[0].first_sect */
		s[so + 8 + 5] = (k & 8) ? 200 : 7;	/* seg[1].last_sect */
		is[1].last_sect = (k & 16) ? 100 : 7;
		is[7].gref = (k & 32) ? 0x7fffffff : h->data_refs[7];
		if (s[0] == BLKIF_OP_INDIRECT) {
			s[2] = (k & 64) ? 0xff : 8;	/* indirect nr_segments */
			s[3] = (k & 128) ? 0xff : 0;
		}
	}
	return NULL;
}

static void c_double_fetch(struct hf *h, const char *cas)
{
	struct blkif_request q;
	struct blkif_request_indirect ir;
	struct rsp r;
	pthread_t t;
	int i, n = 1500, ok = 0, err = 0, idbad = 0, lost = 0;
	RING_IDX at;

	hf_connect_or_die(h);
	flip_run = 1;
	pthread_create(&t, NULL, flipper, h);
	for (i = 0; i < n; i++) {
		bool ind = h->max_indirect >= 8 && (i & 1);

		if (ind) {
			hf_indirect(h, &ir, BLKIF_OP_READ, 0, 8, 0);
			at = hf_put(h, &ir, sizeof(ir));
		} else {
			hf_rw(h, &q, BLKIF_OP_READ, 0, 2, 0);
			at = hf_put(h, &q, sizeof(q));
		}
		flip_slot = (volatile uint8_t *)hf_slot(h, at);
		hf_kick(h);
		if (hf_collect(h, &r, 1, RSP_WAIT_MS, false) != 1) {
			flip_slot = NULL;
			if (hf_be_closed(h)) {
				note("backend closed the ring after %d requests", i);
				break;
			}
			lost++;
			note("no response to request %d", i);
			break;
		}
		flip_slot = NULL;
		if ((r.id >> 32) != 0x5A5A5A5Aull)
			idbad++;	/* racing writes can hit the id bytes */
		if (r.status == BLKIF_RSP_OKAY)
			ok++;
		else
			err++;
	}
	flip_run = 0;
	pthread_join(t, NULL);
	if (lost)
		fails++;
	note("%d requests raced: %d OKAY, %d errors, %d ids garbled by the race", i, ok, err, idbad);
	hf_liveness(h, false);
	hf_finish(cas);
}

static void c_evtchn_storm(struct hf *h, const char *cas)
{
	uint64_t end;
	unsigned long n = 0;

	hf_connect_or_die(h);
	end = h_now_ms() + 5000;
	while (h_now_ms() < end)
		for (int i = 0; i < 1000; i++, n++)
			xenevtchn_notify(h->xce, h->q->port);
	note("%lu notifications in 5 s", n);
	hf_liveness(h, true);
	hf_finish(cas);
}

static void c_never_consume(struct hf *h, const char *cas)
{
	struct blkif_request q;
	unsigned int round, i, size;
	uint64_t end;

	hf_connect_or_die(h);
	size = RING_SIZE(&h->q->fr);
	for (round = 0; round < 20; round++) {
		for (i = 0; i < size; i++) {
			hf_rw(h, &q, BLKIF_OP_READ, i * 8, 1, i);
			hf_put(h, &q, sizeof(q));
		}
		hf_kick(h);
		end = h_now_ms() + RSP_WAIT_MS;
		while (h->q->sring->rsp_prod != h->q->fr.req_prod_pvt && h_now_ms() < end)
			hf_wait_evt(h, 10);
		if (h->q->sring->rsp_prod != h->q->fr.req_prod_pvt) {
			if (hf_be_closed(h)) {
				note("backend closed in round %u", round);
				break;
			}
			fails++;
			note("round %u: backend stopped answering (rsp_prod %u, req_prod %u)",
			     round, h->q->sring->rsp_prod, h->q->fr.req_prod_pvt);
			break;
		}
		/* never consume: rsp_cons stays, so push over unread responses */
		h->q->fr.rsp_cons = h->q->sring->rsp_prod;	/* private view only */
	}
	note("%u rounds of %u requests without consuming a response", round, size);
	hf_finish(cas);
}

static void c_conn_refused(struct hf *h, const char *cas, const struct conn *c, const char *what)
{
	int s = hf_connect(h, c);

	if (s == XenbusStateConnected) {
		/* accepted: then it must at least work and stay sane */
		note("%s: backend CONNECTED", what);
		fails++;
		hf_liveness(h, false);
	} else {
		note("%s: backend refused (state %d)", what, s);
	}
	hf_finish(cas);
}

static void c_order_over(struct hf *h, const char *cas)
{
	struct conn c = CONN_DEFAULT;
	unsigned int mo = (unsigned int)h_xs_ull(0, "%s/" XENBLK_KEY_MAX_RING_ORDER, h->be);

	c.order = mo + 1;	/* ring-ref0..N all name our single page */
	c.order_key = true;
	c_conn_refused(h, cas, &c, "ring-page-order max+1");
}

static void c_order_huge(struct hf *h, const char *cas)
{
	struct conn c = CONN_DEFAULT;

	c.order = 31;
	c.order_key = true;
	c_conn_refused(h, cas, &c, "ring-page-order 31");
}

static void c_queues_over(struct hf *h, const char *cas)
{
	struct conn c = CONN_DEFAULT;
	unsigned int mq = (unsigned int)h_xs_ull(0, "%s/" XENBLK_KEY_MAX_QUEUES, h->be);

	c.nq = (mq ? mq : 1) + 1;
	c_conn_refused(h, cas, &c, "multi-queue-num-queues max+1");
}

static void c_queues_huge(struct hf *h, const char *cas)
{
	struct conn c = CONN_DEFAULT;

	c.nq = 1000000;
	c.no_ring_keys = true;
	c_conn_refused(h, cas, &c, "multi-queue-num-queues 1000000");
}

static void c_bad_ringref(struct hf *h, const char *cas)
{
	struct conn c = CONN_DEFAULT;

	c.ring_ref_override = 0x7ffffff0;
	c_conn_refused(h, cas, &c, "ring-ref 0x7ffffff0");
}

static void c_bad_evtchn(struct hf *h, const char *cas)
{
	struct conn c = CONN_DEFAULT;

	c.port_override = 4000;
	c_conn_refused(h, cas, &c, "event-channel 4000 (unbound)");
}

static void c_bad_protocol(struct hf *h, const char *cas)
{
	struct conn c = CONN_DEFAULT;

	c.protocol = "x86_99-abi";
	c_conn_refused(h, cas, &c, "protocol x86_99-abi");
}

static void c_no_ring(struct hf *h, const char *cas)
{
	struct conn c = CONN_DEFAULT;

	c.no_ring_keys = true;
	c_conn_refused(h, cas, &c, "Initialised without ring-ref/event-channel");
}

static void c_xs_flap(struct hf *h, const char *cas)
{
	static const int seq[] = { 3, 4, 5, 3, 1, 4, 6, 2, 3, 5, 4, 3, 6, 1 };
	unsigned int i;
	int seen = 0, s;

	/* Initialised before the ring exists */
	if (h_wait_state(h->be_state, BIT(XenbusStateInitWait), 15000) != XenbusStateInitWait)
		h_die("backend not in InitWait");
	h_xs_write(h->fe_state, "%d", XenbusStateInitialised);
	h_sleep_ms(500);
	note("state 3 without ring: backend state %d", h_read_state(h->be_state));
	for (i = 0; i < 600; i++) {
		h_xs_write(h->fe_state, "%d", seq[i % (sizeof(seq) / sizeof(seq[0]))]);
		s = h_read_state(h->be_state);
		if (s >= 0 && s < 32)
			seen |= 1 << s;
		if (i % 50 == 0)
			h_sleep_ms(20);
	}
	h_xs_write(h->fe_state, "%d", XenbusStateClosing);
	h_xs_write(h->fe_state, "%d", XenbusStateClosed);
	h_sleep_ms(1000);
	note("600 flaps done; backend states seen 0x%x, now %d", seen, h_read_state(h->be_state));
	hf_finish(cas);
}

/* Valid I/O forever (the scenario destroys the domain under it). */
static void c_io_forever(struct hf *h, const char *cas)
{
	struct blkif_request q;
	struct rsp r[64];
	unsigned long done = 0, i = 0;
	uint64_t next = h_now_ms() + 1000;
	bool wr;

	hf_connect_or_die(h);
	wr = !(h->info & VDISK_READONLY);
	for (;;) {
		while (!RING_FULL(&h->q->fr)) {
			hf_rw(h, &q, wr && (i & 1) ? BLKIF_OP_WRITE : BLKIF_OP_READ,
			      (i * 88) % (h->sectors - 88), 11, (unsigned int)(i * 11));
			hf_put(h, &q, sizeof(q));
			i++;
		}
		hf_kick(h);
		done += hf_collect(h, r, 64, 50, false);
		if (h_now_ms() >= next) {
			h_log("io_forever: %lu requests done", done);
			next += 1000;
			if (hf_be_closed(h))
				h_verdict(cas, H_FAIL, "backend closed during valid I/O");
		}
	}
}

/* On exit, close politely so the toolstack's detach does not wait. */
static bool no_bye;

static void hf_bye(void)
{
	if (no_bye || !H.xce)
		return;
	h_xs_write(H.fe_state, "%d", XenbusStateClosing);
	h_wait_state(H.be_state, BIT(XenbusStateClosing) | BIT(XenbusStateClosed), 1500);
	h_xs_write(H.fe_state, "%d", XenbusStateClosed);
	h_wait_state(H.be_state, BIT(XenbusStateClosed), 1500);
	h_log("closed; backend state %d", h_read_state(H.be_state));
}

struct hcase {
	const char *name;
	void (*fn)(struct hf *h, const char *cas);
	const char *what;
};

static const struct hcase cases[] = {
	{ "baseline", c_baseline, "valid write/read-back, 11 segments, indirect, flush" },
	{ "ring_overflow", c_ring_overflow, "req_prod 1000 rings beyond the ring" },
	{ "req_prod_back", c_req_prod_back, "req_prod moved backwards (wrapped)" },
	{ "double_fetch", c_double_fetch, "request rewritten by a 2nd thread after publication (XSA-155)" },
	{ "bad_op", c_bad_op, "invalid operation codes 4, 7, 8, 127, 255" },
	{ "unadvertised_op", c_unadvertised_op, "barrier/flush/discard the backend did not advertise" },
	{ "nseg_zero", c_nseg_zero, "read/write with nr_segments 0" },
	{ "nseg_over", c_nseg_over, "nr_segments 12, 255, 128" },
	{ "indirect_count", c_indirect_count, "indirect nr_segments max+1, 0, 65535, bad 2nd page" },
	{ "indirect_op", c_indirect_op, "indirect_op flush / indirect / 0xee" },
	{ "indirect_segs", c_indirect_segs, "bad segments inside indirect pages" },
	{ "first_gt_last", c_first_gt_last, "first_sect > last_sect" },
	{ "last_ge_8", c_last_ge_8, "last_sect >= 8" },
	{ "past_end", c_past_end, "sectors past the device end, 2^63, wrap past 2^64" },
	{ "ro_write", c_ro_write, "write/barrier/indirect write/discard to a read-only VBD" },
	{ "bad_gref", c_bad_gref, "invalid, revoked, read-only and ring-page grant refs" },
	{ "evtchn_storm", c_evtchn_storm, "5 s event-channel storm, then a valid read" },
	{ "never_consume", c_never_consume, "20 rings of requests, responses never consumed" },
	{ "xs_flap", c_xs_flap, "state Initialised before ring exists, 600 state flaps" },
	{ "no_ring", c_no_ring, "Initialised without ring-ref/event-channel" },
	{ "order_over", c_order_over, "ring-page-order beyond max-ring-page-order" },
	{ "order_huge", c_order_huge, "ring-page-order 31" },
	{ "queues_over", c_queues_over, "multi-queue-num-queues beyond the maximum" },
	{ "queues_huge", c_queues_huge, "multi-queue-num-queues 1000000, no queue dirs" },
	{ "bad_ringref", c_bad_ringref, "ring-ref not granted" },
	{ "bad_evtchn", c_bad_evtchn, "event-channel not bound" },
	{ "bad_protocol", c_bad_protocol, "protocol x86_99-abi" },
	{ "io_forever", c_io_forever, "valid I/O until killed (for xl destroy mid-I/O)" },
};

#define USAGE "usage: hfront -v DEVID [-a 32|64] [-o ORDER] [-q NQ [-Q QUEUE]] CASE | hfront -l\n" \
	"  -a 32: x86_32-abi slot layout; -o: ring-page-order (ring-refN keys);\n" \
	"  -q: queues (queue-N/ keys, one ring each); -Q: queue the case's requests go to\n"

int main(int argc, char **argv)
{
	int o, devid = -1;
	unsigned int i;

	h_prog = "hfront";
	setvbuf(stdout, NULL, _IOLBF, 0);
	h_catch_faults();
	while ((o = getopt(argc, argv, "v:rla:o:q:Q:")) != -1) {
		switch (o) {
		case 'v':
			devid = atoi(optarg);
			break;
		case 'r':
			opt_ro = true;
			break;
		case 'a':
			opt_x32 = !strcmp(optarg, "32") || !strcmp(optarg, XENBLK_PROTO_X86_32);
			break;
		case 'o':
			opt_order = (unsigned int)atoi(optarg);
			break;
		case 'q':
			opt_nq = (unsigned int)atoi(optarg);
			break;
		case 'Q':
			opt_q = (unsigned int)atoi(optarg);
			break;
		case 'l':
			for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
				printf("%-16s %s\n", cases[i].name, cases[i].what);
			return 0;
		default:
			fprintf(stderr, USAGE);
			return H_SETUP;
		}
	}
	if (optind != argc - 1 || devid < 0 || opt_order > XENBLK_MAX_RING_PAGE_ORDER ||
	    opt_nq > HF_MAXQ || (opt_q && opt_q >= opt_nq)) {
		fprintf(stderr, USAGE);
		return H_SETUP;
	}
	h_case = argv[optind];
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(cases[i].name, argv[optind]))
			continue;
		hf_open(&H, devid);
		no_bye = !strcmp(cases[i].name, "io_forever");
		atexit(hf_bye);
		h_log("case %s: %s", cases[i].name, cases[i].what);
		cases[i].fn(&H, cases[i].name);
		return 0;
	}
	fprintf(stderr, "hfront: unknown case '%s' (hfront -l)\n", argv[optind]);
	return H_SETUP;
}
