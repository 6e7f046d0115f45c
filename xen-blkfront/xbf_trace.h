/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenblk frontend tracepoints: a request put on a ring, a response taken
 * off it.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM xen_blkfront

#if !defined(XBF_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define XBF_TRACE_H

#include <linux/tracepoint.h>
#include "kcompat.h"

TRACE_EVENT(xbf_submit,
	TP_PROTO(const char *disk, unsigned int ring, unsigned int id, u8 op,
		 u64 sector, unsigned int nr_sects, unsigned int nr_segs),
	TP_ARGS(disk, ring, id, op, sector, nr_sects, nr_segs),
	TP_STRUCT__entry(
		__string(disk, disk)
		__field(unsigned int, ring)
		__field(unsigned int, id)
		__field(u8, op)
		__field(u64, sector)
		__field(unsigned int, nr_sects)
		__field(unsigned int, nr_segs)
	),
	TP_fast_assign(
		xbf_assign_disk();
		__entry->ring = ring;
		__entry->id = id;
		__entry->op = op;
		__entry->sector = sector;
		__entry->nr_sects = nr_sects;
		__entry->nr_segs = nr_segs;
	),
	TP_printk("%s ring=%u id=%u op=%u sector=%llu nr_sects=%u segs=%u",
		  __get_str(disk), __entry->ring, __entry->id, __entry->op,
		  __entry->sector, __entry->nr_sects, __entry->nr_segs)
);

TRACE_EVENT(xbf_complete,
	TP_PROTO(const char *disk, unsigned int ring, u64 id, u8 op, s16 status),
	TP_ARGS(disk, ring, id, op, status),
	TP_STRUCT__entry(
		__string(disk, disk)
		__field(unsigned int, ring)
		__field(u64, id)
		__field(u8, op)
		__field(s16, status)
	),
	TP_fast_assign(
		xbf_assign_disk();
		__entry->ring = ring;
		__entry->id = id;
		__entry->op = op;
		__entry->status = status;
	),
	TP_printk("%s ring=%u id=%llu op=%u status=%d",
		  __get_str(disk), __entry->ring, __entry->id, __entry->op,
		  __entry->status)
);

#endif /* XBF_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE xbf_trace
#include <trace/define_trace.h>
