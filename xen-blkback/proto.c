// SPDX-License-Identifier: GPL-2.0
#include "../common/blkif_proto.c"
