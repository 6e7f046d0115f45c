// SPDX-License-Identifier: GPL-2.0-only
#include "../common/blkif_proto.c"
