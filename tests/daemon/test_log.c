/*
 * test_log.c: log lines on stderr, plain ("todod: role: message"), and
 * with their level first ("<4>role: message") when stderr is the stream
 * that $JOURNAL_STREAM names, for systemd's journal to file by priority.
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "tutil.h"

/* In a child whose stderr is a pipe: arg "self" names that pipe in
 * $JOURNAL_STREAM, "other" another file, NULL none. */
static void
log_three(void *arg)
{
	struct stat st;
	char v[64];

	if (arg != NULL && fstat(STDERR_FILENO, &st) == 0) {
		snprintf(v, sizeof(v), "%llu:%llu",
		    (unsigned long long)st.st_dev,
		    (unsigned long long)st.st_ino + (*(char *)arg == 'o'));
		setenv("JOURNAL_STREAM", v, 1);
	} else
		unsetenv("JOURNAL_STREAM");
	log_init(1, LOG_LEVEL_DEBUG);
	log_setrole("worker[1]");
	log_warnx("w");
	log_info("i");
	log_debug("d");
}

START_TEST(journal_levels)
{
	struct tu_result r;

	tu_run(log_three, "self", &r);
	ck_assert_int_eq(tu_exitcode(r.status), 0);
	ck_assert_str_eq(r.err, "<4>worker[1]: w\n<6>worker[1]: i\n"
	    "<7>worker[1]: d\n");
}
END_TEST

START_TEST(plain_otherwise)
{
	static const char want[] = "todod: worker[1]: w\ntodod: worker[1]: i\n"
	    "todod: worker[1]: d\n";
	struct tu_result r;

	tu_run(log_three, "other", &r);
	ck_assert_int_eq(tu_exitcode(r.status), 0);
	ck_assert_str_eq(r.err, want);
	tu_run(log_three, NULL, &r);
	ck_assert_int_eq(tu_exitcode(r.status), 0);
	ck_assert_str_eq(r.err, want);
}
END_TEST

static Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_test(tc, journal_levels);
	tcase_add_test(tc, plain_otherwise);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(log_suite());
}
