/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the hostile-peer programs (hfront, hback): logging,
 * verdicts, xenstore access, time, and the response-slot leak check.
 * Userspace only; the wire structs come from OUR blkif.h through tests/shim.
 */
#ifndef XENBLK_HOSTILE_HCOMMON_H
#define XENBLK_HOSTILE_HCOMMON_H
#define _GNU_SOURCE
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

/* Xen's ring.h wants the includer's barriers (x86: TSO, so compiler
 * barriers for rmb/wmb and a full fence for mb). */
#define mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb()	__asm__ __volatile__("" ::: "memory")
#define wmb()	__asm__ __volatile__("" ::: "memory")

#include <xen/interface/io/blkif.h>
#include <xenstore.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xen/io/xenbus.h>

#define PAGE_SZ 4096u

/* Exit codes of both programs (the scenario maps them to verdicts). */
enum { H_PASS = 0, H_FAIL = 1, H_SKIP = 2, H_SETUP = 3 };

extern const char *h_prog;
extern struct xs_handle *h_xs;

void h_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "HOSTILE-RESULT: <case> <PASS|FAIL|SKIP> <reason>" and exit. */
void h_verdict(const char *cas, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
void h_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Print the faulting address and rip on SIGSEGV/SIGBUS/SIGILL, exit 3. */
void h_catch_faults(void);
uint64_t h_now_ms(void);
void h_sleep_ms(unsigned int ms);

void h_xs_open(void);
/* Read PATH (printf-style); NULL if absent. Caller frees. */
char *h_xs_read(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Read an unsigned number; DEF if absent or not a number. */
unsigned long long h_xs_ull(unsigned long long def, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool h_xs_write(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool h_xs_rm(const char *path);
/* Wait until the state node PATH is one of the states in MASK (bit per
 * XenbusState) or TIMEOUT_MS passes. Returns the last state read (-1 absent). */
int h_wait_state(const char *path, unsigned int mask, unsigned int timeout_ms);
int h_read_state(const char *path);

/*
 * Slot leak check. SNAP is the slot as it was before the peer wrote its
 * response; CUR the slot now. Every byte outside the response fields
 * (id, operation, status) must either be unchanged or zero: anything else is
 * data the peer leaked into the shared page. Returns the number of bad bytes
 * and prints them.
 */
int h_slot_leaks(const uint8_t *snap, const uint8_t *cur, size_t len,
		 const char *what);

#define BIT(s) (1u << (s))
#endif
