#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes the checked-in seed corpora of the fuzz targets: one valid input of
each request form for both ABIs, and a few response streams.  Re-run to
regenerate; the fuzzers grow their own corpus from these in build/."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def seg(gref, first=0, last=7):
    return struct.pack("<IBBxx", gref, first, last)


def rw64(op, nseg, rid, sector):
    body = struct.pack("<BBHIQQ", op, nseg, 51712, 0, rid, sector)
    return body + b"".join(seg(100 + i) for i in range(11))


def rw32(op, nseg, rid, sector):
    body = struct.pack("<BBHQQ", op, nseg, 51712, rid, sector)
    return body + b"".join(seg(100 + i) for i in range(11)) + b"\0" * 4


def ind64(iop, nseg, rid, sector):
    body = struct.pack("<BBHIQQHH", 6, iop, nseg, 0, rid, sector, 51712, 0)
    body += struct.pack("<8I", *range(900, 908)) + b"\0" * 4
    return body + b"\0" * (112 - len(body))


def disc64(rid, sector, nr, flag=0):
    body = struct.pack("<BBHIQQQ", 5, flag, 51712, 0, rid, sector, nr)
    return body + b"\0" * (112 - len(body))


# selector: bit0 = x86_32, bits1-2 = lbs, bits3-4 = indirect max, 0x40 = features
write("request", "read64", bytes([0x40]) + rw64(0, 11, 1, 0))
write("request", "write64", bytes([0x40]) + rw64(1, 3, 2, 64))
write("request", "flush64", bytes([0x40]) + rw64(3, 0, 3, 0))
write("request", "barrier64", bytes([0x40]) + rw64(2, 1, 4, 8))
write("request", "read32", bytes([0x41]) + rw32(0, 2, 5, 16))
write("request", "discard64", bytes([0x40]) + disc64(6, 8, 64, 1))
pages = b"".join(seg(2000 + i) for i in range(256))
write("request", "indirect64", bytes([0x40 | (2 << 3)]) + ind64(1, 256, 7, 0) + pages)
write("request", "indirect4k", bytes([0x40 | (2 << 3) | (3 << 1)]) + ind64(0, 16, 8, 8) + pages[:128])

idx = struct.pack("<III", 10, 5, 12)
sent = bytes([0, 1, 6, 3] + [0xFF] * 60)
rsp = b"".join(struct.pack("<QBxhI", i, op, 0, 0) for i, op in ((0, 0), (1, 1), (2, 6), (3, 3)))
write("response", "four", idx + sent + rsp)
write("response", "dup", idx + sent + rsp + rsp)
write("response", "badstatus", idx + sent + struct.pack("<QBxhI", 1, 1, 7, 0))
