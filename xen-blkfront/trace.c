// SPDX-License-Identifier: GPL-2.0-only
/* xenblk frontend: tracepoint instances. */
#include "blkfront.h"
#define CREATE_TRACE_POINTS
#include "xbf_trace.h"
