// SPDX-License-Identifier: GPL-2.0
/* Shared helpers of the hostile-peer programs; see hcommon.h. */
#include "hcommon.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

const char *h_prog = "hostile";
struct xs_handle *h_xs;

static void h_vlog(const char *pfx, const char *fmt, va_list ap)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("%s [%ld.%03ld] %s", h_prog, (long)ts.tv_sec, ts.tv_nsec / 1000000, pfx);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}

void h_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	h_vlog("", fmt, ap);
	va_end(ap);
}

void h_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	h_vlog("SETUP ERROR: ", fmt, ap);
	va_end(ap);
	exit(H_SETUP);
}

void h_verdict(const char *cas, int code, const char *fmt, ...)
{
	static const char *const names[] = { "PASS", "FAIL", "SKIP", "FAIL" };
	va_list ap;

	printf("HOSTILE-RESULT: %s %s ", cas, names[code & 3]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	exit(code);
}

uint64_t h_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void h_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void h_xs_open(void)
{
	h_xs = xs_open(0);
	if (!h_xs)
		h_die("xs_open: %s", strerror(errno));
}

static char *h_vpath(const char *fmt, va_list ap)
{
	char *p;

	if (vasprintf(&p, fmt, ap) < 0)
		h_die("out of memory");
	return p;
}

char *h_xs_read(const char *fmt, ...)
{
	va_list ap;
	unsigned int len;
	char *p, *v;

	va_start(ap, fmt);
	p = h_vpath(fmt, ap);
	va_end(ap);
	v = xs_read(h_xs, XBT_NULL, p, &len);
	free(p);
	return v;
}

unsigned long long h_xs_ull(unsigned long long def, const char *fmt, ...)
{
	va_list ap;
	unsigned int len;
	unsigned long long r = def;
	char *p, *v, *end;

	va_start(ap, fmt);
	p = h_vpath(fmt, ap);
	va_end(ap);
	v = xs_read(h_xs, XBT_NULL, p, &len);
	if (v) {
		errno = 0;
		r = strtoull(v, &end, 0);
		if (errno || end == v)
			r = def;
	}
	free(v);
	free(p);
	return r;
}

bool h_xs_write(const char *path, const char *fmt, ...)
{
	va_list ap;
	char *v;
	bool ok;

	va_start(ap, fmt);
	v = h_vpath(fmt, ap);
	va_end(ap);
	ok = xs_write(h_xs, XBT_NULL, path, v, strlen(v));
	if (!ok)
		h_log("xs_write %s=%s failed: %s", path, v, strerror(errno));
	free(v);
	return ok;
}

bool h_xs_rm(const char *path)
{
	return xs_rm(h_xs, XBT_NULL, path);
}

int h_read_state(const char *path)
{
	unsigned int len;
	char *v = xs_read(h_xs, XBT_NULL, path, &len);
	int s = -1;

	if (v)
		s = atoi(v);
	free(v);
	return s;
}

int h_wait_state(const char *path, unsigned int mask, unsigned int timeout_ms)
{
	uint64_t end = h_now_ms() + timeout_ms;
	int s;

	for (;;) {
		s = h_read_state(path);
		if (s >= 0 && s < 32 && (mask & BIT(s)))
			return s;
		if (h_now_ms() >= end)
			return s;
		h_sleep_ms(20);
	}
}

int h_slot_leaks(const uint8_t *snap, const uint8_t *cur, size_t len,
		 const char *what)
{
	int bad = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		/* response fields: id 0..7, operation 8, status 10..11 */
		if (i <= 8 || i == 10 || i == 11)
			continue;
		if (cur[i] == snap[i] || cur[i] == 0)
			continue;
		if (bad < 16)
			h_log("LEAK %s: slot byte %zu was 0x%02x, now 0x%02x",
			      what, i, snap[i], cur[i]);
		bad++;
	}
	return bad;
}

static void h_on_fault(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	printf("%s: FATAL signal %d at address %p, rip 0x%llx\n", h_prog, sig, si->si_addr,
	       (unsigned long long)uc->uc_mcontext.gregs[REG_RIP]);
	fflush(stdout);
	_exit(H_SETUP);
}

void h_catch_faults(void)
{
	struct sigaction sa = { .sa_sigaction = h_on_fault, .sa_flags = SA_SIGINFO };

	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
}
