/*
 * test_fdlimit.c: the soft descriptor limit is raised to the hard limit.
 */
#include "config.h"

#include <sys/resource.h>

#include <check.h>
#include <stdlib.h>

#include "fdlimit.h"
#include "../ckrun.h"

START_TEST(raised_to_hard)
{
	struct rlimit rl;
	long n;

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max > 64) {
		rl.rlim_cur = 64;
		ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	n = fdlimit_raise();
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_int_eq((long)rl.rlim_cur, n);
	if (rl.rlim_max != RLIM_INFINITY)
		ck_assert(rl.rlim_cur == rl.rlim_max);
	ck_assert_int_eq(fdlimit_raise(), n);	/* idempotent */
}
END_TEST

/* A lowered hard limit is the ceiling. */
START_TEST(lowered_hard)
{
	struct rlimit rl = { 50, 100 };

	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_int_eq(fdlimit_raise(), 100);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_int_eq((long)rl.rlim_cur, 100);
}
END_TEST

static Suite *
fdlimit_suite(void)
{
	Suite *s = suite_create("fdlimit");
	TCase *tc = tcase_create("fdlimit");

	tcase_add_test(tc, raised_to_hard);
	tcase_add_test(tc, lowered_hard);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;

	/* Each test changes the process's limits: keep them apart. */
	sr = srunner_create(fdlimit_suite());
	srunner_set_fork_status(sr, CK_FORK);
	return ck_run_runner(sr);
}
