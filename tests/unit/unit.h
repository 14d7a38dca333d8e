/*
 * unit.h - the smallest table-friendly unit test harness.
 *
 * CHECK(cond, ...) prints "ok - name" or "not ok - name" (the format
 * tests/run.sh counts); unit_done() returns the exit status.
 */
#ifndef CREDPIPE_UNIT_H
#define CREDPIPE_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_failed;
static int unit_passed;

#define CHECK(cond, ...) do {                                          \
	if (cond) {                                                    \
		unit_passed++;                                         \
		printf("ok - ");                                       \
	} else {                                                       \
		unit_failed++;                                         \
		printf("not ok - %s:%d: ", __FILE__, __LINE__);        \
	}                                                              \
	printf(__VA_ARGS__);                                           \
	printf("\n");                                                  \
} while (0)

#define CHECK_STR(got, want, ...) do {                                 \
	const char *g_ = (got), *w_ = (want);                          \
	CHECK(g_ != NULL && strcmp(g_, w_) == 0, __VA_ARGS__);         \
	if (g_ == NULL || strcmp(g_, w_) != 0)                         \
		printf("#   got \"%s\", want \"%s\"\n",                \
		    g_ ? g_ : "(null)", w_);                           \
} while (0)

/* unit_done - 0 when every check passed */
static inline int
unit_done(void)
{
	return unit_failed ? 1 : 0;
}

#endif
