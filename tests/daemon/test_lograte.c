/*
 * test_lograte.c: a repeating message is logged at most once a
 * LOGRATE_MS, the next line counting those held back.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "lograte.h"
#include "tutil.h"

START_TEST(once_a_while)
{
	struct lograte r = { 0, 0, false };
	unsigned missed = 99;

	ck_assert(lograte_ok_at(&r, 5, &missed));
	ck_assert_uint_eq(missed, 0);
	ck_assert(!lograte_ok_at(&r, 6, &missed));
	ck_assert(!lograte_ok_at(&r, 5 + LOGRATE_MS - 1, &missed));
	ck_assert(lograte_ok_at(&r, 5 + LOGRATE_MS, &missed));
	ck_assert_uint_eq(missed, 2);
	/* quiet for long: the next goes out at once, none held back */
	ck_assert(lograte_ok_at(&r, 100 * LOGRATE_MS, &missed));
	ck_assert_uint_eq(missed, 0);
	ck_assert(!lograte_ok_at(&r, 100 * LOGRATE_MS + 1, &missed));
}
END_TEST

/* The clock may read 0 (a monotonic clock starts anywhere). */
START_TEST(clock_at_zero)
{
	struct lograte r = { 0, 0, false };
	unsigned missed;

	ck_assert(lograte_ok_at(&r, -LOGRATE_MS, &missed));
	ck_assert(!lograte_ok_at(&r, -1, &missed));
	ck_assert(lograte_ok_at(&r, 0, &missed));
	ck_assert_uint_eq(missed, 1);
	ck_assert(!lograte_ok_at(&r, 1, &missed));
}
END_TEST

/* A line says what was held back only when something was. */
START_TEST(held_told)
{
	char buf[LOGRATE_HELD_BUFSZ];

	ck_assert_str_eq(lograte_held(0, buf, sizeof(buf)), "");
	ck_assert_str_eq(lograte_held(1, buf, sizeof(buf)),
	    " (1 more since the last report)");
	ck_assert_str_eq(lograte_held(4294967295u, buf, sizeof(buf)),
	    " (4294967295 more since the last report)");
	errno = ENOSPC;
	(void)lograte_held(7, buf, sizeof(buf));
	ck_assert_int_eq(errno, ENOSPC);
}
END_TEST

static Suite *
lograte_suite(void)
{
	Suite *s = suite_create("lograte");
	TCase *tc = tcase_create("lograte");

	tcase_add_test(tc, once_a_while);
	tcase_add_test(tc, clock_at_zero);
	tcase_add_test(tc, held_told);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(lograte_suite());
}
