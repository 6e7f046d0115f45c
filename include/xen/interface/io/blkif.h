/* SPDX-License-Identifier: MIT */
/*
 * xenblk's own description of the Xen PV block (blkif) wire protocol.
 *
 * Written for xenblk from the protocol specification (Xen's public
 * io/blkif.h).  It deliberately shadows the kernel's copy of this header:
 * the Kbuild files put our include/ directory in NOSTDINC_FLAGS, ahead of
 * the kernel's own include paths.  XENBLK_OWN_BLKIF_H lets every user check
 * that this file, and not the kernel's, was picked up.
 *
 * Units: every sector count and sector number in this protocol is in
 * 512-byte units, whatever the device's logical block size ("sector-size").
 * Requests must be aligned to the logical block size.
 *
 * Besides the native layout (struct blkif_request and friends, which is
 * what the frontend puts on its own ring), the backend must understand the
 * two x86 ABIs a guest may speak ("protocol" key).  They are spelled out
 * with explicit padding as struct blkif_x86_32_* and struct blkif_x86_64_*
 * so that their layout does not depend on the compiler's target.
 */
#ifndef XENBLK_XEN_IO_BLKIF_H
#define XENBLK_XEN_IO_BLKIF_H

#include <xen/interface/io/ring.h>
#include <xen/interface/grant_table.h>

/* Defined by this header only; the kernel's blkif.h never defines it. */
#define XENBLK_OWN_BLKIF_H	1

/* A virtual device handle (the "virtual-device" number of the VBD). */
#ifndef blkif_vdev_t
#define blkif_vdev_t	uint16_t
#endif
/* A sector number, always in 512-byte units. */
#define blkif_sector_t	uint64_t

/* ---- Operations (the "operation" byte of every request) ---- */
#define BLKIF_OP_READ			0
#define BLKIF_OP_WRITE			1
/* A write that must not be reordered with earlier writes ("feature-barrier"). */
#define BLKIF_OP_WRITE_BARRIER		2
/* Flush the device's volatile write cache ("feature-flush-cache"). */
#define BLKIF_OP_FLUSH_DISKCACHE	3
/* Taken by an old, never-merged extension; must be rejected. */
#define BLKIF_OP_RESERVED_1		4
/* Discard a range of sectors ("feature-discard"). */
#define BLKIF_OP_DISCARD		5
/* Read or write whose segments sit in granted pages ("feature-max-indirect-segments"). */
#define BLKIF_OP_INDIRECT		6

/* Segments that fit in a plain read/write request. */
#define BLKIF_MAX_SEGMENTS_PER_REQUEST		11
/* Granted pages of segment descriptors one indirect request may name. */
#define BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST	8

/* Flag of struct blkif_request_discard: erase securely (needs "discard-secure"). */
#define BLKIF_DISCARD_SECURE	(1 << 0)

/* ---- Response status ---- */
#define BLKIF_RSP_EOPNOTSUPP	-2
#define BLKIF_RSP_ERROR		-1
#define BLKIF_RSP_OKAY		0

/* ---- Bits of the backend's "info" key ---- */
#define VDISK_CDROM		0x1
#define VDISK_REMOVABLE		0x2
#define VDISK_READONLY		0x4

/**
 * struct blkif_request_segment - one granted page (part) of an I/O buffer
 * @gref: grant reference of the page
 * @first_sect: first 512-byte sector of the page to transfer (inclusive)
 * @last_sect: last 512-byte sector of the page to transfer (inclusive)
 *
 * The same layout is used inside the request and in indirect pages.
 */
struct blkif_request_segment {
	grant_ref_t gref;
	uint8_t first_sect;
	uint8_t last_sect;
};

/**
 * struct blkif_request - a read, write, barrier or flush request (native ABI)
 * @operation: BLKIF_OP_*
 * @nr_segments: entries used in @seg
 * @handle: the VBD's virtual-device number
 * @id: frontend cookie, echoed in the response
 * @sector_number: first sector, 512-byte units
 * @seg: the data pages
 */
struct blkif_request {
	uint8_t operation;
	uint8_t nr_segments;
	blkif_vdev_t handle;
	uint64_t id;
	blkif_sector_t sector_number;
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};

/**
 * struct blkif_request_discard - a discard request (native ABI)
 * @operation: BLKIF_OP_DISCARD
 * @flag: 0 or BLKIF_DISCARD_SECURE
 * @handle: the VBD's virtual-device number
 * @id: frontend cookie
 * @sector_number: first sector, 512-byte units
 * @nr_sectors: length, 512-byte units
 */
struct blkif_request_discard {
	uint8_t operation;
	uint8_t flag;
	blkif_vdev_t handle;
	uint64_t id;
	blkif_sector_t sector_number;
	uint64_t nr_sectors;
};

/**
 * struct blkif_request_indirect - a read or write with indirect segments
 * @operation: BLKIF_OP_INDIRECT
 * @indirect_op: BLKIF_OP_READ or BLKIF_OP_WRITE only
 * @nr_segments: segments in the indirect pages (at most the backend's
 *	"feature-max-indirect-segments")
 * @id: frontend cookie
 * @sector_number: first sector, 512-byte units
 * @handle: the VBD's virtual-device number
 * @indirect_grefs: pages holding arrays of struct blkif_request_segment
 */
struct blkif_request_indirect {
	uint8_t operation;
	uint8_t indirect_op;
	uint16_t nr_segments;
	uint64_t id;
	blkif_sector_t sector_number;
	blkif_vdev_t handle;
	grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
#ifdef __i386__
	uint64_t pad;
#endif
};

/**
 * struct blkif_response - completion of one request (native ABI)
 * @id: the request's @id
 * @operation: the request's @operation
 * @status: BLKIF_RSP_*
 */
struct blkif_response {
	uint64_t id;
	uint8_t operation;
	int16_t status;
};

DEFINE_RING_TYPES(blkif, struct blkif_request, struct blkif_response);

/*
 * ---- The two x86 ABIs, with the padding written out ----
 *
 * x86_32: 64-bit members are 4-byte aligned.  x86_64: 8-byte aligned.
 * The discard and indirect forms share the first 8 (x86_32: 4) bytes and the
 * slot size of the plain request, so the backend reads one slot and decodes
 * it according to the operation byte.
 */
struct blkif_x86_32_request {
	uint8_t operation;
	uint8_t nr_segments;
	blkif_vdev_t handle;
	uint64_t id;
	blkif_sector_t sector_number;
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
} __packed __aligned(4);

struct blkif_x86_32_request_discard {
	uint8_t operation;
	uint8_t flag;
	blkif_vdev_t handle;
	uint64_t id;
	blkif_sector_t sector_number;
	uint64_t nr_sectors;
} __packed __aligned(4);

struct blkif_x86_32_request_indirect {
	uint8_t operation;
	uint8_t indirect_op;
	uint16_t nr_segments;
	uint64_t id;
	blkif_sector_t sector_number;
	blkif_vdev_t handle;
	uint16_t _pad1;
	grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	uint64_t _pad2;
} __packed __aligned(4);

struct blkif_x86_32_response {
	uint64_t id;
	uint8_t operation;
	uint8_t _pad1;
	int16_t status;
} __packed __aligned(4);

struct blkif_x86_64_request {
	uint8_t operation;
	uint8_t nr_segments;
	blkif_vdev_t handle;
	uint32_t _pad1;
	uint64_t id;
	blkif_sector_t sector_number;
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
} __aligned(8);

struct blkif_x86_64_request_discard {
	uint8_t operation;
	uint8_t flag;
	blkif_vdev_t handle;
	uint32_t _pad1;
	uint64_t id;
	blkif_sector_t sector_number;
	uint64_t nr_sectors;
} __aligned(8);

struct blkif_x86_64_request_indirect {
	uint8_t operation;
	uint8_t indirect_op;
	uint16_t nr_segments;
	uint32_t _pad1;
	uint64_t id;
	blkif_sector_t sector_number;
	blkif_vdev_t handle;
	uint16_t _pad2;
	grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	uint32_t _pad3;
} __aligned(8);

struct blkif_x86_64_response {
	uint64_t id;
	uint8_t operation;
	uint8_t _pad1;
	int16_t status;
	uint32_t _pad2;
} __aligned(8);

DEFINE_RING_TYPES(blkif_x86_32, struct blkif_x86_32_request,
		  struct blkif_x86_32_response);
DEFINE_RING_TYPES(blkif_x86_64, struct blkif_x86_64_request,
		  struct blkif_x86_64_response);

/*
 * ---- Layout pins ----
 * Every wire struct's size and field offsets, for both x86 ABIs.  A change
 * that moves a byte breaks the build; tests/unit/abi checks the same numbers
 * against Xen's own header.
 */
#define XENBLK_PIN(type, field, off) \
	_Static_assert(__builtin_offsetof(type, field) == (off), \
		       #type "." #field " must be at offset " #off)
#define XENBLK_PIN_SIZE(type, size) \
	_Static_assert(sizeof(type) == (size), #type " must be " #size " bytes")

XENBLK_PIN_SIZE(struct blkif_request_segment, 8);
XENBLK_PIN(struct blkif_request_segment, gref, 0);
XENBLK_PIN(struct blkif_request_segment, first_sect, 4);
XENBLK_PIN(struct blkif_request_segment, last_sect, 5);

XENBLK_PIN_SIZE(struct blkif_x86_32_request, 108);
XENBLK_PIN(struct blkif_x86_32_request, nr_segments, 1);
XENBLK_PIN(struct blkif_x86_32_request, handle, 2);
XENBLK_PIN(struct blkif_x86_32_request, id, 4);
XENBLK_PIN(struct blkif_x86_32_request, sector_number, 12);
XENBLK_PIN(struct blkif_x86_32_request, seg, 20);
XENBLK_PIN_SIZE(struct blkif_x86_32_request_discard, 28);
XENBLK_PIN(struct blkif_x86_32_request_discard, flag, 1);
XENBLK_PIN(struct blkif_x86_32_request_discard, handle, 2);
XENBLK_PIN(struct blkif_x86_32_request_discard, id, 4);
XENBLK_PIN(struct blkif_x86_32_request_discard, sector_number, 12);
XENBLK_PIN(struct blkif_x86_32_request_discard, nr_sectors, 20);
XENBLK_PIN_SIZE(struct blkif_x86_32_request_indirect, 64);
XENBLK_PIN(struct blkif_x86_32_request_indirect, indirect_op, 1);
XENBLK_PIN(struct blkif_x86_32_request_indirect, nr_segments, 2);
XENBLK_PIN(struct blkif_x86_32_request_indirect, id, 4);
XENBLK_PIN(struct blkif_x86_32_request_indirect, sector_number, 12);
XENBLK_PIN(struct blkif_x86_32_request_indirect, handle, 20);
XENBLK_PIN(struct blkif_x86_32_request_indirect, indirect_grefs, 24);
XENBLK_PIN_SIZE(struct blkif_x86_32_response, 12);
XENBLK_PIN(struct blkif_x86_32_response, operation, 8);
XENBLK_PIN(struct blkif_x86_32_response, status, 10);

XENBLK_PIN_SIZE(struct blkif_x86_64_request, 112);
XENBLK_PIN(struct blkif_x86_64_request, nr_segments, 1);
XENBLK_PIN(struct blkif_x86_64_request, handle, 2);
XENBLK_PIN(struct blkif_x86_64_request, id, 8);
XENBLK_PIN(struct blkif_x86_64_request, sector_number, 16);
XENBLK_PIN(struct blkif_x86_64_request, seg, 24);
XENBLK_PIN_SIZE(struct blkif_x86_64_request_discard, 32);
XENBLK_PIN(struct blkif_x86_64_request_discard, flag, 1);
XENBLK_PIN(struct blkif_x86_64_request_discard, handle, 2);
XENBLK_PIN(struct blkif_x86_64_request_discard, id, 8);
XENBLK_PIN(struct blkif_x86_64_request_discard, sector_number, 16);
XENBLK_PIN(struct blkif_x86_64_request_discard, nr_sectors, 24);
XENBLK_PIN_SIZE(struct blkif_x86_64_request_indirect, 64);
XENBLK_PIN(struct blkif_x86_64_request_indirect, indirect_op, 1);
XENBLK_PIN(struct blkif_x86_64_request_indirect, nr_segments, 2);
XENBLK_PIN(struct blkif_x86_64_request_indirect, id, 8);
XENBLK_PIN(struct blkif_x86_64_request_indirect, sector_number, 16);
XENBLK_PIN(struct blkif_x86_64_request_indirect, handle, 24);
XENBLK_PIN(struct blkif_x86_64_request_indirect, indirect_grefs, 28);
XENBLK_PIN_SIZE(struct blkif_x86_64_response, 16);
XENBLK_PIN(struct blkif_x86_64_response, operation, 8);
XENBLK_PIN(struct blkif_x86_64_response, status, 10);

/* The shared ring's header before the first slot (see ring.h). */
#define XENBLK_SRING_HEADER_SIZE	64
_Static_assert(sizeof(union blkif_x86_32_sring_entry) == 108, "x86_32 slot");
_Static_assert(sizeof(union blkif_x86_64_sring_entry) == 112, "x86_64 slot");

/* The native layout is one of the two ABIs, byte for byte. */
#if defined(__x86_64__) || defined(__aarch64__)
#define XENBLK_NATIVE_ABI	x86_64
XENBLK_PIN_SIZE(struct blkif_request, 112);
XENBLK_PIN(struct blkif_request, id, 8);
XENBLK_PIN(struct blkif_request, sector_number, 16);
XENBLK_PIN(struct blkif_request, seg, 24);
XENBLK_PIN_SIZE(struct blkif_request_discard, 32);
XENBLK_PIN(struct blkif_request_discard, nr_sectors, 24);
XENBLK_PIN_SIZE(struct blkif_request_indirect, 64);
XENBLK_PIN(struct blkif_request_indirect, handle, 24);
XENBLK_PIN(struct blkif_request_indirect, indirect_grefs, 28);
XENBLK_PIN_SIZE(struct blkif_response, 16);
XENBLK_PIN(struct blkif_response, status, 10);
#elif defined(__i386__)
#define XENBLK_NATIVE_ABI	x86_32
XENBLK_PIN_SIZE(struct blkif_request, 108);
XENBLK_PIN(struct blkif_request, id, 4);
XENBLK_PIN(struct blkif_request, seg, 20);
XENBLK_PIN_SIZE(struct blkif_request_discard, 28);
XENBLK_PIN_SIZE(struct blkif_request_indirect, 64);
XENBLK_PIN(struct blkif_request_indirect, indirect_grefs, 24);
XENBLK_PIN_SIZE(struct blkif_response, 12);
#endif

/* ---- Derived constants ---- */
/* Shift from bytes to the protocol's 512-byte sectors. */
#define XENBLK_SECT_SHIFT		9
#define XENBLK_SECT_SIZE		(1U << XENBLK_SECT_SHIFT)
/* A grant covers one 4 KiB Xen page, i.e. sectors 0..7. */
#define XENBLK_XEN_PAGE_SIZE		4096U
#define XENBLK_SECTS_PER_PAGE		(XENBLK_XEN_PAGE_SIZE >> XENBLK_SECT_SHIFT)
/* Segment descriptors in one indirect page. */
#define XENBLK_SEGS_PER_INDIRECT_PAGE \
	(XENBLK_XEN_PAGE_SIZE / sizeof(struct blkif_request_segment))
/* The largest indirect request the protocol can express. */
#define XENBLK_MAX_INDIRECT_SEGMENTS \
	(XENBLK_SEGS_PER_INDIRECT_PAGE * BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST)
/* Largest ring: 2^XENBLK_MAX_RING_PAGE_ORDER pages. */
#define XENBLK_MAX_RING_PAGE_ORDER	4
#define XENBLK_MAX_RING_PAGES		(1U << XENBLK_MAX_RING_PAGE_ORDER)

/* ---- xenstore keys (backend directory) ---- */
#define XENBLK_KEY_MAX_QUEUES		"multi-queue-max-queues"
#define XENBLK_KEY_MAX_RING_ORDER	"max-ring-page-order"
#define XENBLK_KEY_MAX_INDIRECT		"feature-max-indirect-segments"
#define XENBLK_KEY_PERSISTENT		"feature-persistent"
#define XENBLK_KEY_FLUSH		"feature-flush-cache"
#define XENBLK_KEY_BARRIER		"feature-barrier"
#define XENBLK_KEY_DISCARD		"feature-discard"
#define XENBLK_KEY_DISCARD_GRAN		"discard-granularity"
#define XENBLK_KEY_DISCARD_ALIGN	"discard-alignment"
#define XENBLK_KEY_DISCARD_SECURE	"discard-secure"
#define XENBLK_KEY_DISCARD_ENABLE	"discard-enable"
#define XENBLK_KEY_SECTORS		"sectors"
#define XENBLK_KEY_SECTOR_SIZE		"sector-size"
#define XENBLK_KEY_PHYS_SECTOR_SIZE	"physical-sector-size"
#define XENBLK_KEY_INFO			"info"
#define XENBLK_KEY_MODE			"mode"
#define XENBLK_KEY_PARAMS		"params"
#define XENBLK_KEY_PHYSICAL_DEVICE	"physical-device"
#define XENBLK_KEY_TYPE			"type"

/* ---- xenstore keys (frontend directory) ---- */
#define XENBLK_KEY_NUM_QUEUES		"multi-queue-num-queues"
#define XENBLK_KEY_RING_ORDER		"ring-page-order"
#define XENBLK_KEY_RING_REF		"ring-ref"
#define XENBLK_KEY_EVTCHN		"event-channel"
#define XENBLK_KEY_PROTOCOL		"protocol"
#define XENBLK_KEY_TRUSTED		"trusted"
#define XENBLK_KEY_VIRTUAL_DEVICE	"virtual-device"

/* Values of the "protocol" key. */
#define XENBLK_PROTO_X86_32		"x86_32-abi"
#define XENBLK_PROTO_X86_64		"x86_64-abi"

#endif /* XENBLK_XEN_IO_BLKIF_H */
