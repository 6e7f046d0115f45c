// SPDX-License-Identifier: GPL-2.0
/*
 * hback - a hostile blkif BACKEND in dom0.
 *
 * Creates a VBD for domain DOMID in xenstore itself (frontend dir
 * /local/domain/DOMID/device/vbd/DEVID with trusted=0, backend dir
 * /local/domain/0/backend/hvbd/DOMID/DEVID so no kernel backend claims it),
 * maps the frontend's ring(s) with /dev/xen/gntdev, binds its event channel
 * with /dev/xen/evtchn, and serves a RAM disk of -s MiB (default 64).
 * The CASE decides the misbehaviour: absurd xenstore geometry at connect
 * time, or a bad answer to the request that reads sector 4096 (the
 * "trigger": dd if=/dev/xvdX bs=4096 skip=512 count=1 iflag=direct).
 * flush_revoke / barrier_revoke offer feature-flush-cache / feature-barrier,
 * serve flushes, and from the trigger on refuse every one with EOPNOTSUPP
 * (feature key set to 0); a read of sector 6144 afterwards marks the point
 * from which the frontend must send no flush at all.
 * SIGTERM/SIGINT: close the VBD (Closing, wait for the frontend's Closed,
 * remove both directories) and print
 * "HOSTILE-RESULT: <case> PASS|FAIL <what the backend saw>".
 * Frontend-side verdicts (oops, hang, EIO) are the scenario's job.
 *
 * Usage: hback -d DOMID -v DEVID [-s MiB] [-T] CASE   (-l lists cases;
 *        -T: leave "trusted" unset)
 */
#include "hcommon.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAXQ		8
#define TRIGGER		4096ull		/* sector that triggers the misbehaviour */
#define STOPTRIG	6144ull		/* persistent_scribble: a read here ends the scribbling */
#define MAX_SEGS	(8 * 512)
#define MAX_PGRANTS	1024		/* persistent grants kept mapped, at most */
#define SCRIBBLE_IDLE_MS 1000		/* only pages idle this long are scribbled on */

struct ring {
	struct blkif_sring *sring;
	blkif_back_ring_t br;
	unsigned int npages;
	evtchn_port_t lport;
	bool halted;
};

struct hb {
	int domid, devid;
	char fe[96], be[128], fe_state[128], be_state[160];
	xengnttab_handle *xgt;
	xenevtchn_handle *xce;
	unsigned int nq;
	struct ring r[MAXQ];
	uint8_t *disk;
	uint64_t sectors;		/* of the RAM disk, 512-byte units */
	unsigned int max_indirect;	/* advertised (0 = none) */
	bool persistent;		/* frontend said feature-persistent=1 */
	/* what happened */
	unsigned long nreq, nbad_req, ntrig, ntrig_q0, nscribble;
	bool triggered;
	/* flush_revoke / barrier_revoke */
	bool revoked, marked;
	unsigned long nflush_ok, nflush_data, nflush_refused, nflush_data_refused,
		      nflush_after_mark;
	int verdict;			/* H_PASS unless the case could not run */
};

/* A persistently mapped grant (feature-persistent): mapped on first use,
 * kept until the VBD closes. */
struct pgrant {
	uint32_t ref;
	uint8_t *map;
	uint64_t idle_since;		/* ms; the request using it has been answered */
};
static struct pgrant pgrants[MAX_PGRANTS];
static unsigned int npgrants;
static bool scribbling;			/* persistent_scribble window open */

static struct hb B;
static volatile sig_atomic_t stop;
static const char *cas;
static char seen[2048];

static void saw(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void saw(const char *fmt, ...)
{
	va_list ap;
	size_t l = strlen(seen);

	if (l && l < sizeof(seen) - 2) {
		seen[l++] = ';';
		seen[l++] = ' ';
		seen[l] = 0;
	}
	va_start(ap, fmt);
	vsnprintf(seen + l, sizeof(seen) - l, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	{
		char b[512];

		vsnprintf(b, sizeof(b), fmt, ap);
		h_log("%s", b);
	}
	va_end(ap);
}

static bool is(const char *c) { return !strcmp(cas, c); }
/* the case without its "_q1" suffix: id_dup_q1 misbehaves like id_dup */
static char cas_base[32];
static bool isb(const char *c) { return !strcmp(cas_base, c); }
static bool on_q1(void) { return strstr(cas, "_q1") != NULL; }

/* ------------------------------------------------------------ xenstore */

static void hb_perms(const char *path, int owner, int reader)
{
	struct xs_permissions p[2] = {
		{ .id = (unsigned int)owner, .perms = XS_PERM_NONE },
		{ .id = (unsigned int)reader, .perms = XS_PERM_READ },
	};

	if (!xs_set_permissions(h_xs, XBT_NULL, path, p, 2))
		h_die("chmod %s: %s", path, strerror(errno));
}

static void hb_key(const char *dir, const char *k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void hb_key(const char *dir, const char *k, const char *fmt, ...)
{
	char p[256], *v;
	va_list ap;

	snprintf(p, sizeof(p), "%s/%s", dir, k);
	va_start(ap, fmt);
	if (vasprintf(&v, fmt, ap) < 0)
		h_die("oom");
	va_end(ap);
	if (!xs_write(h_xs, XBT_NULL, p, v, strlen(v)))
		h_die("write %s: %s", p, strerror(errno));
	free(v);
}

static void hb_create(struct hb *b, bool trusted_key)
{
	char p[160];

	snprintf(b->fe, sizeof(b->fe), "/local/domain/%d/device/vbd/%d", b->domid, b->devid);
	snprintf(b->be, sizeof(b->be), "/local/domain/0/backend/hvbd/%d/%d", b->domid, b->devid);
	snprintf(b->fe_state, sizeof(b->fe_state), "%s/state", b->fe);
	snprintf(b->be_state, sizeof(b->be_state), "%s/state", b->be);
	if (h_read_state(b->fe_state) >= 0)
		h_die("%s already exists", b->fe);
	snprintf(p, sizeof(p), "/local/domain/%d/device/vbd", b->domid);
	xs_mkdir(h_xs, XBT_NULL, p);
	/* backend directory first, complete, then the frontend's */
	xs_mkdir(h_xs, XBT_NULL, b->be);
	hb_perms(b->be, 0, b->domid);
	hb_key(b->be, "frontend", "%s", b->fe);
	hb_key(b->be, "frontend-id", "%d", b->domid);
	hb_key(b->be, "online", "1");
	hb_key(b->be, "dev", "xvd-hostile");
	hb_key(b->be, "state", "%d", XenbusStateInitialising);
	for (;;) {
		xs_transaction_t t = xs_transaction_start(h_xs);
		struct xs_permissions pm[2] = {
			{ .id = (unsigned int)b->domid, .perms = XS_PERM_NONE },
			{ .id = 0, .perms = XS_PERM_READ },
		};
		char k[256];
		struct { const char *k; char v[160]; } kv[7];
		int i, n = 0;

		xs_mkdir(h_xs, t, b->fe);
		xs_set_permissions(h_xs, t, b->fe, pm, 2);
		kv[n].k = "backend"; snprintf(kv[n++].v, 160, "%s", b->be);
		kv[n].k = "backend-id"; snprintf(kv[n++].v, 160, "0");
		kv[n].k = "virtual-device"; snprintf(kv[n++].v, 160, "%d", b->devid);
		kv[n].k = "device-type"; snprintf(kv[n++].v, 160, "disk");
		kv[n].k = "state"; snprintf(kv[n++].v, 160, "%d", XenbusStateInitialising);
		if (trusted_key) {
			kv[n].k = "trusted"; snprintf(kv[n++].v, 160, "0");
		}
		for (i = 0; i < n; i++) {
			snprintf(k, sizeof(k), "%s/%s", b->fe, kv[i].k);
			xs_write(h_xs, t, k, kv[i].v, strlen(kv[i].v));
		}
		if (xs_transaction_end(h_xs, t, false))
			break;
		if (errno != EAGAIN)
			h_die("creating %s: %s", b->fe, strerror(errno));
	}
	h_log("VBD %d of dom%d: frontend %s, backend %s", b->devid, b->domid, b->fe, b->be);
}

static void hb_remove(struct hb *b)
{
	h_xs_rm(b->fe);
	h_xs_rm(b->be);
}

/* ------------------------------------------------------------ rings */

static void hb_map_ring(struct hb *b, struct ring *r, const char *dir, unsigned int order)
{
	uint32_t refs[XENBLK_MAX_RING_PAGES];
	unsigned int i, n = 1u << order;
	long port;

	if (order > XENBLK_MAX_RING_PAGE_ORDER)
		h_die("frontend asked for ring-page-order %u", order);
	for (i = 0; i < n; i++) {
		if (order || h_xs_read("%s/ring-ref", dir) == NULL)
			refs[i] = (uint32_t)h_xs_ull(~0u, "%s/ring-ref%u", dir, i);
		else
			refs[i] = (uint32_t)h_xs_ull(~0u, "%s/ring-ref", dir);
	}
	port = (long)h_xs_ull(~0ull, "%s/event-channel", dir);
	r->sring = xengnttab_map_domain_grant_refs(b->xgt, n, b->domid, refs,
						     PROT_READ | PROT_WRITE);
	if (!r->sring)
		h_die("mapping %u ring page(s) (ref0 %u) failed: %s", n, refs[0], strerror(errno));
	BACK_RING_INIT(&r->br, r->sring, PAGE_SZ * n);
	r->npages = n;
	i = (unsigned int)xenevtchn_bind_interdomain(b->xce, b->domid, (evtchn_port_t)port);
	if ((int)i < 0)
		h_die("binding port %ld failed: %s", port, strerror(errno));
	r->lport = i;
	h_log("ring %s: %u page(s), %u slots, remote port %ld", dir, n, RING_SIZE(&r->br), port);
}

static void hb_rsp(struct ring *r, uint64_t id, uint8_t op, int16_t st)
{
	struct blkif_response *rsp = RING_GET_RESPONSE(&r->br, r->br.rsp_prod_pvt);

	rsp->id = id;
	rsp->operation = op;
	rsp->status = st;
	r->br.rsp_prod_pvt++;
}

static void hb_push(struct hb *b, struct ring *r)
{
	int notify;

	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&r->br, notify);
	(void)notify;
	xenevtchn_notify(b->xce, r->lport);
}

/* ------------------------------------------------------------ I/O */

/* The kept mapping of REF (mapped now if new; NULL if it cannot be mapped). */
static uint8_t *hb_pgrant(struct hb *b, uint32_t ref)
{
	unsigned int i;
	uint8_t *m;

	for (i = 0; i < npgrants; i++)
		if (pgrants[i].ref == ref)
			return pgrants[i].map;
	m = xengnttab_map_grant_ref(b->xgt, (uint32_t)b->domid, ref, PROT_READ | PROT_WRITE);
	if (!m || npgrants == MAX_PGRANTS)
		return m;	/* a full table: the caller unmaps it after use */
	pgrants[npgrants].ref = ref;
	pgrants[npgrants].map = m;
	npgrants++;
	return m;
}

static void hb_pgrant_idle(uint8_t *m)
{
	unsigned int i;

	for (i = 0; i < npgrants; i++)
		if (pgrants[i].map == m) {
			pgrants[i].idle_since = h_now_ms();
			return;
		}
}

static bool hb_pgrant_kept(const uint8_t *m)
{
	unsigned int i;

	for (i = 0; i < npgrants; i++)
		if (pgrants[i].map == m)
			return true;
	return false;
}

/* Serve already checked segments through persistently mapped grants. */
static int16_t hb_copy_persistent(struct hb *b, uint8_t op, uint64_t sector,
				  const struct blkif_request_segment *seg, unsigned int n)
{
	unsigned int i;
	uint64_t s = sector;
	int16_t st = BLKIF_RSP_OKAY;

	for (i = 0; i < n; i++) {
		unsigned int off = seg[i].first_sect * 512u;
		unsigned int len = (seg[i].last_sect - seg[i].first_sect + 1u) * 512u;
		uint8_t *m = hb_pgrant(b, seg[i].gref);

		if (!m) {
			st = BLKIF_RSP_ERROR;
			break;
		}
		if (op == BLKIF_OP_READ)
			memcpy(m + off, b->disk + s * 512, len);
		else
			memcpy(b->disk + s * 512, m + off, len);
		s += len / 512;
		if (hb_pgrant_kept(m))
			hb_pgrant_idle(m);
		else
			xengnttab_unmap(b->xgt, m, 1);
	}
	return st;
}

static int16_t hb_copy(struct hb *b, uint8_t op, uint64_t sector,
		       const struct blkif_request_segment *seg, unsigned int n,
		       void **kept)
{
	uint32_t refs[MAX_SEGS];
	uint8_t *map;
	unsigned int i;
	uint64_t s = sector;
	int prot = op == BLKIF_OP_READ ? PROT_READ | PROT_WRITE : PROT_READ;

	if (!n || n > MAX_SEGS)
		return BLKIF_RSP_ERROR;
	for (i = 0; i < n; i++) {
		if (seg[i].first_sect > seg[i].last_sect || seg[i].last_sect > 7)
			return BLKIF_RSP_ERROR;
		s += seg[i].last_sect - seg[i].first_sect + 1u;
		refs[i] = seg[i].gref;
	}
	if (s > b->sectors || s < sector)
		return BLKIF_RSP_ERROR;
	if (b->persistent && !kept)
		return hb_copy_persistent(b, op, sector, seg, n);
	map = xengnttab_map_domain_grant_refs(b->xgt, n, b->domid, refs, prot);
	if (!map)
		return BLKIF_RSP_ERROR;
	s = sector;
	for (i = 0; i < n; i++) {
		unsigned int off = seg[i].first_sect * 512u;
		unsigned int len = (seg[i].last_sect - seg[i].first_sect + 1u) * 512u;

		if (op == BLKIF_OP_READ)
			memcpy(map + i * PAGE_SZ + off, b->disk + s * 512, len);
		else
			memcpy(b->disk + s * 512, map + i * PAGE_SZ + off, len);
		s += len / 512;
	}
	if (kept) {
		*kept = map;	/* the caller keeps the grant mapped */
		return BLKIF_RSP_OKAY;
	}
	xengnttab_unmap(b->xgt, map, n);
	return BLKIF_RSP_OKAY;
}

static int16_t hb_indirect(struct hb *b, const struct blkif_request_indirect *ir, void **kept)
{
	static struct blkif_request_segment segs[MAX_SEGS];
	unsigned int n = ir->nr_segments, npg, i;
	uint32_t refs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	void *pg;

	if (!b->max_indirect || !n || n > b->max_indirect || n > MAX_SEGS ||
	    (ir->indirect_op != BLKIF_OP_READ && ir->indirect_op != BLKIF_OP_WRITE))
		return BLKIF_RSP_ERROR;
	npg = (n + 511) / 512;
	for (i = 0; i < npg; i++)
		refs[i] = ir->indirect_grefs[i];
	pg = xengnttab_map_domain_grant_refs(b->xgt, npg, b->domid, refs, PROT_READ);
	if (!pg)
		return BLKIF_RSP_ERROR;
	memcpy(segs, pg, n * sizeof(segs[0]));	/* read once */
	xengnttab_unmap(b->xgt, pg, npg);
	return hb_copy(b, ir->indirect_op, ir->sector_number, segs, n, kept);
}

/* ------------------------------------------------------------ misbehaviour */

struct kept {
	void *map;
	unsigned int n;
	uint64_t until;
};
static struct kept keep;

static void hb_storm(struct hb *b, struct ring *r, unsigned int ms)
{
	uint64_t end = h_now_ms() + ms;
	unsigned long n = 0;

	while (h_now_ms() < end && !stop)
		for (int i = 0; i < 500; i++, n++)
			xenevtchn_notify(b->xce, r->lport);
	saw("event storm: %lu notifications in %u ms", n, ms);
}

/* Answer the trigger request per case. Returns true if it was answered. */
static bool hb_misbehave(struct hb *b, struct ring *r, const struct blkif_request *req,
			 int16_t st)
{
	uint64_t id = req->id;
	uint8_t op = req->operation;

	if (b->ntrig++ && !is("evtchn_storm"))
		return false;	/* misbehave once; serve normally afterwards */
	if (is("rsp_overflow")) {
		r->sring->rsp_prod = r->br.rsp_prod_pvt + 1000;
		wmb();
		xenevtchn_notify(b->xce, r->lport);
		saw("trigger: rsp_prod set 1000 beyond the last response; ring halted");
		r->halted = true;
		return true;
	}
	if (isb("id_oor") || isb("id_idle") || isb("op_mismatch") || isb("status_bad") ||
	    isb("id_dup")) {
		if (isb("id_oor"))
			hb_rsp(r, id ^ 0xdead000000000000ull, op, st);
		else if (isb("id_idle"))
			hb_rsp(r, id + 1, op, st);
		else if (isb("op_mismatch"))
			hb_rsp(r, id, op == BLKIF_OP_READ ? BLKIF_OP_WRITE : BLKIF_OP_READ, st);
		else if (isb("status_bad"))
			hb_rsp(r, id, op, 7);
		else
			hb_rsp(r, id, op, st);
		hb_push(b, r);
		saw("trigger: bogus response sent on queue %u (id 0x%llx)",
		    (unsigned int)(r - b->r), (unsigned long long)id);
		h_sleep_ms(1000);
		/* then the real answer (a duplicate for id_dup) */
		hb_rsp(r, id, op, st);
		hb_push(b, r);
		saw("the real response followed 1 s later");
		return true;
	}
	if (is("evtchn_storm")) {
		hb_rsp(r, id, op, st);
		hb_push(b, r);
		hb_storm(b, r, 5000);
		return true;
	}
	return false;
}

static bool is_revoke(void) { return is("flush_revoke") || is("barrier_revoke"); }

/*
 * A flush or barrier. Before the revocation: a barrier's data is written
 * (a flush carries none from a frontend, but is served the same if it
 * does) and the answer is OKAY. After it: EOPNOTSUPP, nothing written.
 */
static int16_t hb_flush(struct hb *b, const struct blkif_request *req)
{
	bool data = req->nr_segments != 0;
	int16_t st = BLKIF_RSP_OKAY;

	if (!is_revoke())	/* the other cases: flushes OK, barriers unknown */
		return req->operation == BLKIF_OP_FLUSH_DISKCACHE ?
			BLKIF_RSP_OKAY : BLKIF_RSP_EOPNOTSUPP;
	if (b->revoked) {
		b->nflush_refused++;
		b->nflush_data_refused += data;
		if (b->marked && !b->nflush_after_mark++)
			saw("a %s (%u segments) arrived after the mark: the frontend still sends them",
			    req->operation == BLKIF_OP_WRITE_BARRIER ? "barrier" : "flush",
			    req->nr_segments);
		return BLKIF_RSP_EOPNOTSUPP;
	}
	if (data)
		st = req->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST ? BLKIF_RSP_ERROR :
			hb_copy(b, BLKIF_OP_WRITE, req->sector_number, req->seg,
				req->nr_segments, NULL);
	b->nflush_ok++;
	b->nflush_data += data;
	return st;
}

/* the revocation: feature keys to 0, every later flush/barrier refused */
static void hb_revoke(struct hb *b)
{
	b->revoked = true;
	hb_key(b->be, "feature-flush-cache", "0");
	hb_key(b->be, "feature-barrier", "0");
	saw("trigger: flush support revoked after %lu flush(es)/barrier(s) served (%lu with data); feature-flush-cache=0 feature-barrier=0",
	    b->nflush_ok, b->nflush_data);
}

static void hb_request(struct hb *b, struct ring *r, const union blkif_sring_entry *e)
{
	struct blkif_request req;
	int16_t st;
	void *kept = NULL;
	bool trig;

	memcpy(&req, &e->req, sizeof(req));
	b->nreq++;
	trig = req.sector_number == TRIGGER &&
	       (req.operation == BLKIF_OP_READ || req.operation == BLKIF_OP_INDIRECT);
	if (trig && on_q1() && r != &b->r[1]) {
		/* the _q1 cases misbehave on queue 1 only */
		if (!b->ntrig_q0++)
			saw("trigger request arrived on queue %u: served normally",
			    (unsigned int)(r - b->r));
		trig = false;
	}
	if (is("persistent_scribble") && req.operation == BLKIF_OP_READ) {
		if (trig && !scribbling && !b->ntrig++) {
			scribbling = true;
			saw("trigger: from now on every persistently mapped page idle for %d ms gets 0xEE",
			    SCRIBBLE_IDLE_MS);
		} else if (req.sector_number == STOPTRIG && scribbling) {
			scribbling = false;
			saw("stop sector read: scribbling ended (%lu page scribbles on %u kept grants)",
			    b->nscribble, npgrants);
		}
		trig = false;
	}
	if (is_revoke() && req.operation == BLKIF_OP_READ) {
		if (trig && !b->revoked)
			hb_revoke(b);
		else if (req.sector_number == STOPTRIG && b->revoked && !b->marked) {
			b->marked = true;
			saw("mark read: %lu flush(es)/barrier(s) refused so far (%lu with data)",
			    b->nflush_refused, b->nflush_data_refused);
		}
		trig = false;
	}
	if (trig && is("grant_kept") && !b->ntrig++) {
		/* serve it but keep the data grants mapped, and scribble on them */
		if (req.operation == BLKIF_OP_INDIRECT)
			st = hb_indirect(b, (const void *)&req, &kept);
		else
			st = hb_copy(b, req.operation, req.sector_number, req.seg, req.nr_segments, &kept);
		if (kept) {
			keep.map = kept;
			keep.n = req.operation == BLKIF_OP_INDIRECT ?
				((const struct blkif_request_indirect *)&req)->nr_segments : req.nr_segments;
			keep.until = h_now_ms() + 10000;
			saw("trigger: answered, data grant(s) kept mapped for 10 s and scribbled on");
		}
		hb_rsp(r, req.id, req.operation, st);
		return;
	}
	switch (req.operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		st = req.nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST ? BLKIF_RSP_ERROR :
			hb_copy(b, req.operation, req.sector_number, req.seg, req.nr_segments, NULL);
		break;
	case BLKIF_OP_INDIRECT:
		st = hb_indirect(b, (const void *)&req, NULL);
		break;
	case BLKIF_OP_FLUSH_DISKCACHE:
	case BLKIF_OP_WRITE_BARRIER:
		st = hb_flush(b, &req);
		break;
	default:
		st = BLKIF_RSP_EOPNOTSUPP;
	}
	if (st)
		b->nbad_req++;
	if (trig && hb_misbehave(b, r, &req, st))
		return;
	hb_rsp(r, req.id, req.operation, st);
}

static void hb_ring(struct hb *b, struct ring *r)
{
	RING_IDX rc, rp;
	unsigned int n = 0;

	if (r->halted)
		return;
	do {
		rc = r->br.req_cons;
		rp = r->sring->req_prod;
		rmb();
		if (rp - rc > RING_SIZE(&r->br)) {
			saw("frontend req_prod %u is beyond the ring (req_cons %u): ring halted", rp, rc);
			r->halted = true;
			return;
		}
		while (rc != rp && !r->halted) {
			union blkif_sring_entry e;

			memcpy(&e, RING_GET_REQUEST(&r->br, rc), sizeof(e));
			r->br.req_cons = ++rc;
			hb_request(b, r, &e);
			n++;
		}
		if (r->halted)
			return;
		r->sring->req_event = rc + 1;
		mb();
	} while (r->sring->req_prod != rc);
	if (n)
		hb_push(b, r);
}

static void hb_serve(struct hb *b)
{
	struct pollfd p = { .fd = xenevtchn_fd(b->xce), .events = POLLIN };
	uint64_t next = 0;
	unsigned int q;
	int s;

	while (!stop) {
		if (poll(&p, 1, 50) > 0) {
			xenevtchn_port_or_error_t port = xenevtchn_pending(b->xce);

			if (port >= 0)
				xenevtchn_unmask(b->xce, port);
		}
		for (q = 0; q < b->nq; q++)
			hb_ring(b, &b->r[q]);
		if (scribbling) {
			uint64_t now = h_now_ms();

			for (q = 0; q < npgrants; q++)
				if (now - pgrants[q].idle_since >= SCRIBBLE_IDLE_MS) {
					memset(pgrants[q].map, 0xEE, PAGE_SZ);
					b->nscribble++;
				}
		}
		if (keep.map) {
			memset(keep.map, 0xEE, (size_t)keep.n * PAGE_SZ);
			if (h_now_ms() >= keep.until) {
				xengnttab_unmap(b->xgt, keep.map, keep.n);
				keep.map = NULL;
				saw("kept grant(s) unmapped");
			}
		}
		if (h_now_ms() >= next) {
			next = h_now_ms() + 500;
			s = h_read_state(b->fe_state);
			if (s < 0 || s >= XenbusStateClosing) {
				saw("frontend state %d during service", s);
				break;
			}
		}
	}
}

/* ------------------------------------------------------------ connect */

static void hb_geometry(struct hb *b)
{
	const char *ss = "512", *sec = NULL, *info = "0";
	char secbuf[32];

	snprintf(secbuf, sizeof(secbuf), "%llu", (unsigned long long)b->sectors);
	sec = secbuf;
	if (is("sectors_zero"))
		sec = "0";
	else if (is("sectors_huge"))
		sec = "9223372036854775808";
	else if (is("sectors_garbage"))
		sec = "12abc";
	else if (is("ssize_zero"))
		ss = "0";
	else if (is("ssize_npow2"))
		ss = "1000";
	else if (is("ssize_huge"))
		ss = "1048576";
	else if (is("info_all"))
		info = "4294967295";
	if (is("keys_missing")) {
		saw("Connected without sectors/info/sector-size keys");
		return;
	}
	hb_key(b->be, "sectors", "%s", sec);
	hb_key(b->be, "info", "%s", info);
	hb_key(b->be, "sector-size", "%s", ss);
	hb_key(b->be, "physical-sector-size", "%s", ss);
	if (strcmp(ss, "512") || sec != secbuf || strcmp(info, "0"))
		saw("connect: sectors=%s sector-size=%s info=%s", sec, ss, info);
}

static bool hb_connect(struct hb *b)
{
	unsigned int q, order, nq;
	int s;
	char *proto;

	b->max_indirect = 0;
	if (is("barrier_revoke")) {
		/* barrier only and no indirect: FUA writes go out as barriers */
		hb_key(b->be, "feature-barrier", "1");
	} else {
		hb_key(b->be, "feature-flush-cache", "1");
	}
	if (is("barrier_revoke")) {
		saw("advertised feature-barrier=1, no flush-cache, no indirect segments");
	} else if (is("max_indirect_huge")) {
		b->max_indirect = MAX_SEGS;
		hb_key(b->be, "feature-max-indirect-segments", "4294967295");
		saw("advertised feature-max-indirect-segments=4294967295 (serves up to %d)", MAX_SEGS);
	} else {
		b->max_indirect = 32;
		hb_key(b->be, "feature-max-indirect-segments", "32");
	}
	if (is("max_queues_huge")) {
		hb_key(b->be, "multi-queue-max-queues", "4294967295");
		saw("advertised multi-queue-max-queues=4294967295");
	}
	if (is("max_order_huge")) {
		hb_key(b->be, "max-ring-page-order", "4294967295");
		saw("advertised max-ring-page-order=4294967295");
	}
	if (on_q1())
		hb_key(b->be, "multi-queue-max-queues", "2");
	if (is("persistent_scribble"))
		hb_key(b->be, "feature-persistent", "1");
	hb_key(b->be, "state", "%d", XenbusStateInitWait);
	s = h_wait_state(b->fe_state, BIT(XenbusStateInitialised) | BIT(XenbusStateConnected) |
			 BIT(XenbusStateClosing) | BIT(XenbusStateClosed), 60000);
	if (s != XenbusStateInitialised && s != XenbusStateConnected) {
		saw("frontend never initialised (state %d)", s);
		return false;
	}
	proto = h_xs_read("%s/protocol", b->fe);
	if (proto && strcmp(proto, XENBLK_PROTO_X86_64))
		saw("frontend protocol %s (served as x86_64 anyway)", proto);
	free(proto);
	order = (unsigned int)h_xs_ull(0, "%s/ring-page-order", b->fe);
	nq = (unsigned int)h_xs_ull(0, "%s/multi-queue-num-queues", b->fe);
	if (is("persistent_scribble")) {
		b->persistent = h_xs_ull(0, "%s/feature-persistent", b->fe) == 1;
		saw("advertised feature-persistent=1; frontend feature-persistent=%d",
		    b->persistent);
	}
	if (on_q1())
		saw("advertised multi-queue-max-queues=2; frontend chose %u queue(s)", nq ? nq : 1);
	if (is("max_queues_huge") || is("max_order_huge"))
		saw("frontend chose num-queues=%u ring-page-order=%u", nq, order);
	if (order > XENBLK_MAX_RING_PAGE_ORDER) {
		saw("frontend asked for ring-page-order %u: refusing", order);
		return false;
	}
	if (nq > MAXQ) {
		saw("frontend asked for %u queues: refusing", nq);
		return false;
	}
	b->nq = nq ? nq : 1;
	for (q = 0; q < b->nq; q++) {
		char dir[160];

		if (nq)
			snprintf(dir, sizeof(dir), "%s/queue-%u", b->fe, q);
		else
			snprintf(dir, sizeof(dir), "%s", b->fe);
		hb_map_ring(b, &b->r[q], dir, order);
	}
	hb_geometry(b);
	if (is("rsp_unsolicited")) {
		struct ring *r = &b->r[0];

		hb_key(b->be, "state", "%d", XenbusStateConnected);
		for (q = 0; q < 3; q++)
			hb_rsp(r, q, BLKIF_OP_READ, BLKIF_RSP_OKAY);
		hb_push(b, r);
		saw("3 unsolicited responses (ids 0,1,2) pushed at connect");
		return true;
	}
	hb_key(b->be, "state", "%d", XenbusStateConnected);
	return true;
}

static void hb_close(struct hb *b)
{
	unsigned int q;
	int s;

	hb_key(b->be, "state", "%d", XenbusStateClosing);
	s = h_wait_state(b->fe_state, BIT(XenbusStateClosed), 10000);
	if (s != XenbusStateClosed)
		saw("frontend did not reach Closed within 10 s after Closing (state %d)", s);
	if (keep.map)
		xengnttab_unmap(b->xgt, keep.map, keep.n);
	for (q = 0; q < npgrants; q++)
		xengnttab_unmap(b->xgt, pgrants[q].map, 1);
	npgrants = 0;
	for (q = 0; q < b->nq; q++) {
		if (b->r[q].sring)
			xengnttab_unmap(b->xgt, b->r[q].sring, b->r[q].npages);
		if (b->r[q].lport)
			xenevtchn_unbind(b->xce, b->r[q].lport);
	}
	hb_key(b->be, "state", "%d", XenbusStateClosed);
	h_sleep_ms(200);
	hb_remove(b);
}

static void on_sig(int s)
{
	(void)s;
	stop = 1;
}

static const char *const cases[][2] = {
	{ "baseline", "serve a RAM disk correctly" },
	{ "rsp_overflow", "trigger: rsp_prod 1000 beyond the last response" },
	{ "id_oor", "trigger: response id out of range, real one 1 s later" },
	{ "id_dup", "trigger: response twice (duplicate id)" },
	{ "id_idle", "trigger: response for an idle id, real one 1 s later" },
	{ "op_mismatch", "trigger: response with the wrong operation, real one 1 s later" },
	{ "status_bad", "trigger: status 7, real one 1 s later" },
	{ "rsp_unsolicited", "3 responses before any request" },
	{ "evtchn_storm", "trigger: 5 s event-channel storm" },
	{ "grant_kept", "trigger: data grants kept mapped 10 s and scribbled on" },
	{ "id_dup_q1", "2 queues offered; trigger on queue 1: response twice (duplicate id)" },
	{ "persistent_scribble", "feature-persistent; after the trigger 0xEE into every idle kept grant" },
	{ "sectors_zero", "sectors=0" },
	{ "sectors_huge", "sectors=2^63" },
	{ "sectors_garbage", "sectors=12abc" },
	{ "ssize_zero", "sector-size=0" },
	{ "ssize_npow2", "sector-size=1000" },
	{ "ssize_huge", "sector-size=1 MiB" },
	{ "info_all", "info=0xffffffff" },
	{ "keys_missing", "no sectors/info/sector-size at Connected" },
	{ "max_queues_huge", "multi-queue-max-queues=2^32-1" },
	{ "max_order_huge", "max-ring-page-order=2^32-1" },
	{ "max_indirect_huge", "feature-max-indirect-segments=2^32-1" },
	{ "flush_revoke", "flushes served, then refused (EOPNOTSUPP) from the trigger on" },
	{ "barrier_revoke", "barriers only (no indirect); written, then refused from the trigger on" },
};

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_sig };
	unsigned int i, mib = 64;
	bool trusted_key = true, known = false;
	int o;

	h_prog = "hback";
	setvbuf(stdout, NULL, _IOLBF, 0);
	h_catch_faults();
	B.domid = -1;
	B.devid = -1;
	while ((o = getopt(argc, argv, "d:v:s:Tl")) != -1) {
		switch (o) {
		case 'd': B.domid = atoi(optarg); break;
		case 'v': B.devid = atoi(optarg); break;
		case 's': mib = (unsigned int)atoi(optarg); break;
		case 'T': trusted_key = false; break;
		case 'l':
			for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
				printf("%-18s %s\n", cases[i][0], cases[i][1]);
			return 0;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || B.domid < 1 || B.devid < 0)
		goto usage;
	cas = argv[optind];
	snprintf(cas_base, sizeof(cas_base), "%s", cas);
	if (strstr(cas_base, "_q1"))
		*strstr(cas_base, "_q1") = 0;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		known |= !strcmp(cases[i][0], cas);
	if (!known) {
		fprintf(stderr, "hback: unknown case '%s' (hback -l)\n", cas);
		return H_SETUP;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	B.sectors = (uint64_t)mib << 11;
	B.disk = calloc(mib, 1u << 20);
	B.xgt = xengnttab_open(NULL, 0);
	B.xce = xenevtchn_open(NULL, 0);
	if (!B.disk || !B.xgt || !B.xce)
		h_die("open gntdev/evtchn: %s", strerror(errno));
	xengnttab_set_max_grants(B.xgt, 8192);
	h_xs_open();
	h_log("case %s, RAM disk %u MiB", cas, mib);
	hb_create(&B, trusted_key);
	if (hb_connect(&B)) {
		s_loop:
		hb_serve(&B);
		if (!stop && h_read_state(B.fe_state) >= 0 && h_read_state(B.fe_state) < XenbusStateClosing)
			goto s_loop;
	} else {
		while (!stop && h_read_state(B.fe_state) >= 0 &&
		       h_read_state(B.fe_state) < XenbusStateClosing)
			h_sleep_ms(100);
	}
	saw("%lu requests served (%lu refused), frontend state %d", B.nreq, B.nbad_req,
	    h_read_state(B.fe_state));
	hb_close(&B);
	if (on_q1() && !B.ntrig) {
		B.verdict = H_SKIP;
		saw("NOT RUN: the trigger never arrived on queue 1, so no misbehaviour fired there");
	}
	if (is("persistent_scribble") && (!B.persistent || !B.nscribble)) {
		B.verdict = H_SKIP;
		saw(B.persistent ? "NOT RUN: no kept grant was idle to scribble on" :
		    "NOT RUN: the frontend did not turn feature-persistent on");
	}
	if (is_revoke()) {
		saw("FLUSHES before=%lu (with data %lu) refused=%lu (with data %lu) after-mark=%lu",
		    B.nflush_ok, B.nflush_data, B.nflush_refused, B.nflush_data_refused,
		    B.nflush_after_mark);
		if (B.nflush_after_mark)
			B.verdict = H_FAIL;
		else if (!B.nflush_ok || !B.revoked || !B.marked) {
			B.verdict = H_SKIP;
			saw("NOT RUN: %s", !B.nflush_ok ? "no flush arrived before the trigger" :
			    !B.revoked ? "the trigger never arrived" : "the mark read never arrived");
		}
	}
	h_verdict(cas, B.verdict, "%s", seen);
usage:
	fprintf(stderr, "usage: hback -d DOMID -v DEVID [-s MiB] [-T] CASE | hback -l\n");
	return H_SETUP;
}
