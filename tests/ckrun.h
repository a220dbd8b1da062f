/*
 * ckrun.h: the end of every Check test program.  Runs the suites as
 * CK_VERBOSITY asks (normal by default), frees the runner and returns
 * the exit status: EXIT_SUCCESS only if every test passed.
 */
#ifndef TODOD_CKRUN_H
#define TODOD_CKRUN_H

#include <stdlib.h>

#include <check.h>

static inline int
ck_run_runner(SRunner *sr)
{
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

static inline int
ck_run(Suite *s)
{
	return ck_run_runner(srunner_create(s));
}

#endif /* TODOD_CKRUN_H */
