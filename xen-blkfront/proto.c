#include "../common/blkif_proto.c"
