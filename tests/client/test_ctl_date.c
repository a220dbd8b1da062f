/* test_ctl_date.c: the dates todoctl accepts. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl_date.h"
#include "../ckrun.h"

static const struct {
	const char	*in;
	int		 ok;
	int		 y, m, d;
} abs_vec[] = {
	{ "2018-12-19", 1, 2018, 12, 19 },
	{ "2018/12/19", 1, 2018, 12, 19 },
	{ "2018-1-5", 1, 2018, 1, 5 },
	{ "2018/01/05", 1, 2018, 1, 5 },
	{ "0000-01-01", 1, 0, 1, 1 },
	{ "9999-12-31", 1, 9999, 12, 31 },
	{ "2020-02-29", 1, 2020, 2, 29 },
	{ "2000-02-29", 1, 2000, 2, 29 },
	{ "1900-02-29", 0, 0, 0, 0 },
	{ "2019-02-29", 0, 0, 0, 0 },
	{ "2018-13-01", 0, 0, 0, 0 },
	{ "2018-00-01", 0, 0, 0, 0 },
	{ "2018-12-32", 0, 0, 0, 0 },
	{ "2018-04-31", 0, 0, 0, 0 },
	{ "2018-12-00", 0, 0, 0, 0 },
	{ "2018/12-19", 0, 0, 0, 0 },
	{ "2018-12/19", 0, 0, 0, 0 },
	{ "18-12-19", 0, 0, 0, 0 },
	{ "10000-01-01", 0, 0, 0, 0 },
	{ "2018-012-19", 0, 0, 0, 0 },
	{ "2018-12-019", 0, 0, 0, 0 },
	{ "2018.12.19", 0, 0, 0, 0 },
	{ "2018-12-19x", 0, 0, 0, 0 },
	{ " 2018-12-19", 0, 0, 0, 0 },
	{ "2018-12-19 ", 0, 0, 0, 0 },
	{ "2018--19", 0, 0, 0, 0 },
	{ "-2018-12-19", 0, 0, 0, 0 },
	{ "", 0, 0, 0, 0 },
	{ "2018", 0, 0, 0, 0 },
	{ "2018-12", 0, 0, 0, 0 },
	{ "2018-12-", 0, 0, 0, 0 },
	{ "today ", 0, 0, 0, 0 },
	{ "tomorrowx", 0, 0, 0, 0 },
	{ "now", 0, 0, 0, 0 },
};

START_TEST(test_abs)
{
	struct todo_date d;
	int rv;

	memset(&d, 0, sizeof(d));
	rv = ctl_date_parse(abs_vec[_i].in, 0, &d);
	if (!abs_vec[_i].ok) {
		ck_assert_msg(rv == -1, "'%s' accepted", abs_vec[_i].in);
		return;
	}
	ck_assert_msg(rv == 0, "'%s' refused", abs_vec[_i].in);
	ck_assert_int_eq(d.year, abs_vec[_i].y);
	ck_assert_int_eq(d.month, abs_vec[_i].m);
	ck_assert_int_eq(d.day, abs_vec[_i].d);
	/* The same with a length and no NUL. */
	ck_assert_int_eq(ctl_date_parse_abs(abs_vec[_i].in,
	    strlen(abs_vec[_i].in), &d), 0);
}
END_TEST

/* Relative words, in local time (TZ fixed to UTC here). */
static const struct {
	time_t		 now;
	const char	*word;
	int		 y, m, d;
} rel_vec[] = {
	{ 1545264000, "today", 2018, 12, 20 },		/* 2018-12-20 00:00 */
	{ 1545264000, "Tomorrow", 2018, 12, 21 },
	{ 1545264000, "YESTERDAY", 2018, 12, 19 },
	{ 1546297199, "today", 2018, 12, 31 },		/* 2018-12-31 22:59:59 */
	{ 1546297199, "tomorrow", 2019, 1, 1 },
	{ 1546300800, "yesterday", 2018, 12, 31 },	/* 2019-01-01 00:00 */
	{ 1582934400, "tomorrow", 2020, 3, 1 },		/* 2020-02-29 */
	{ 1583020800, "yesterday", 2020, 2, 29 },	/* 2020-03-01 */
};

START_TEST(test_relative)
{
	struct todo_date d;

	ck_assert_int_eq(ctl_date_parse(rel_vec[_i].word, rel_vec[_i].now,
	    &d), 0);
	ck_assert_int_eq(d.year, rel_vec[_i].y);
	ck_assert_int_eq(d.month, rel_vec[_i].m);
	ck_assert_int_eq(d.day, rel_vec[_i].d);
}
END_TEST

/* Local time, not UTC: an hour before midnight UTC is tomorrow in +2. */
START_TEST(test_local_time)
{
	struct todo_date d;

	setenv("TZ", "EET-2", 1);
	tzset();
	ck_assert_int_eq(ctl_date_parse("today", 1546297199, &d), 0);
	ck_assert_int_eq(d.year, 2019);
	ck_assert_int_eq(d.month, 1);
	ck_assert_int_eq(d.day, 1);
	setenv("TZ", "UTC0", 1);
	tzset();
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("ctl_date");
	TCase *tc = tcase_create("dates");

	tcase_add_loop_test(tc, test_abs, 0,
	    sizeof(abs_vec) / sizeof(abs_vec[0]));
	tcase_add_loop_test(tc, test_relative, 0,
	    sizeof(rel_vec) / sizeof(rel_vec[0]));
	tcase_add_test(tc, test_local_time);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	setenv("TZ", "UTC0", 1);
	tzset();
	return ck_run(suite());
}
