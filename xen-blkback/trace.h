/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xen-blkback tracepoints: a request taken from the ring and its response.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM xen_blkback

#if !defined(XBB_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define XBB_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(xbb_req_start,
	TP_PROTO(unsigned int domid, unsigned int handle, unsigned int ring,
		 u64 id, u8 op, u64 sector, u64 nr_sects, unsigned int nr_segs),
	TP_ARGS(domid, handle, ring, id, op, sector, nr_sects, nr_segs),
	TP_STRUCT__entry(
		__field(unsigned int, domid)
		__field(unsigned int, handle)
		__field(unsigned int, ring)
		__field(u64, id)
		__field(u8, op)
		__field(u64, sector)
		__field(u64, nr_sects)
		__field(unsigned int, nr_segs)
	),
	TP_fast_assign(
		__entry->domid = domid;
		__entry->handle = handle;
		__entry->ring = ring;
		__entry->id = id;
		__entry->op = op;
		__entry->sector = sector;
		__entry->nr_sects = nr_sects;
		__entry->nr_segs = nr_segs;
	),
	TP_printk("vbd-%u-%u ring=%u id=%llu op=%u sector=%llu nr_sects=%llu segs=%u",
		  __entry->domid, __entry->handle, __entry->ring,
		  __entry->id, __entry->op, __entry->sector,
		  __entry->nr_sects, __entry->nr_segs)
);

TRACE_EVENT(xbb_req_done,
	TP_PROTO(unsigned int domid, unsigned int handle, unsigned int ring,
		 u64 id, u8 op, int status),
	TP_ARGS(domid, handle, ring, id, op, status),
	TP_STRUCT__entry(
		__field(unsigned int, domid)
		__field(unsigned int, handle)
		__field(unsigned int, ring)
		__field(u64, id)
		__field(u8, op)
		__field(int, status)
	),
	TP_fast_assign(
		__entry->domid = domid;
		__entry->handle = handle;
		__entry->ring = ring;
		__entry->id = id;
		__entry->op = op;
		__entry->status = status;
	),
	TP_printk("vbd-%u-%u ring=%u id=%llu op=%u status=%d",
		  __entry->domid, __entry->handle, __entry->ring,
		  __entry->id, __entry->op, __entry->status)
);

#endif /* XBB_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
