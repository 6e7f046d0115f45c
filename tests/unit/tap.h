/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal TAP producer for the userspace unit tests (run by prove).
 *
 * A test case is a function; CHECK() records a failed assertion (with its
 * line) and the case fails when any CHECK in it failed.  Each case is one
 * TAP test point.
 */
#ifndef XENBLK_TAP_H
#define XENBLK_TAP_H
#include <stdio.h>

static int tap_case_failed;
static int tap_failed_cases;
static int tap_cases;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("#   %s:%d: CHECK(%s) failed\n",			\
		       __FILE__, __LINE__, #cond);			\
		tap_case_failed = 1;					\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		printf("#   %s:%d: %s == %lld, expected %s == %lld\n",	\
		       __FILE__, __LINE__, #a, _a, #b, _b);		\
		tap_case_failed = 1;					\
	}								\
} while (0)

typedef void (*tap_fn)(void);

struct tap_case {
	const char *name;
	tap_fn fn;
};

#define TAP_CASE(fn) { #fn, fn }
#define TAP_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static inline int tap_run(const struct tap_case *cases, int n)
{
	int i;

	printf("1..%d\n", n);
	for (i = 0; i < n; i++) {
		tap_case_failed = 0;
		cases[i].fn();
		tap_cases++;
		if (tap_case_failed)
			tap_failed_cases++;
		printf("%s %d - %s\n", tap_case_failed ? "not ok" : "ok",
		       i + 1, cases[i].name);
	}
	return tap_failed_cases ? 1 : 0;
}

#endif
