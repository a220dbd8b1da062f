/* test_ctl_csv.c: the CSV of todoctl import/export: parsing (with the
 * expected failures and their line numbers) and write/read round trips. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_csv.h"
#include "../ckrun.h"

/* A parse vector: input, then up to 4 results, each a record ("DATE|TITLE"
 * with the title's length given when it holds NUL) or an error. */
struct result {
	int		 err;		/* CSV_OK: a record */
	size_t		 line;
	const char	*date;		/* YYYY-MM-DD */
	const char	*title;
	size_t		 title_len;	/* 0: strlen(title) */
};

static const struct {
	const char	*in;
	size_t		 in_len;	/* 0: strlen */
	struct result	 res[4];
} vec[] = {
	/* The book's file. */
	{ "2018/12/19,Dentist\n2018/12/20,Shopping\n2018/12/19,Movies\n", 0,
	  { { 0, 1, "2018-12-19", "Dentist", 0 },
	    { 0, 2, "2018-12-20", "Shopping", 0 },
	    { 0, 3, "2018-12-19", "Movies", 0 } } },
	/* ISO dates, CRLF, no final newline. */
	{ "2018-12-19,Dentist\r\n2018-12-20,Shop", 0,
	  { { 0, 1, "2018-12-19", "Dentist", 0 },
	    { 0, 2, "2018-12-20", "Shop", 0 } } },
	/* Unquoted titles keep commas and inner quotes as they are. */
	{ "2018/12/19,Dentist, then lunch\n2018/12/19,a \"b\" c\n", 0,
	  { { 0, 1, "2018-12-19", "Dentist, then lunch", 0 },
	    { 0, 2, "2018-12-19", "a \"b\" c", 0 } } },
	/* Quoted titles: commas, doubled quotes, line breaks. */
	{ "2018-01-01,\"a, b\"\n2018-01-02,\"say \"\"hi\"\"\"\n"
	  "2018-01-03,\"two\nlines\"\n2018-01-04,x\n", 0,
	  { { 0, 1, "2018-01-01", "a, b", 0 },
	    { 0, 2, "2018-01-02", "say \"hi\"", 0 },
	    { 0, 3, "2018-01-03", "two\nlines", 0 },
	    { 0, 5, "2018-01-04", "x", 0 } } },
	/* Quoted date, blanks around the date, BOM, empty lines. */
	{ "\xef\xbb\xbf\n\"2018-01-01\",a\n\r\n 2018/1/2 ,b\n\n", 0,
	  { { 0, 2, "2018-01-01", "a", 0 },
	    { 0, 4, "2018-01-02", "b", 0 } } },
	/* NUL inside a title, and a quoted CR LF kept. */
	{ "2018-01-01,\"a\0b\"\n2018-01-02,\"c\r\nd\"\r\n", 36,
	  { { 0, 1, "2018-01-01", "a\0b", 3 },
	    { 0, 2, "2018-01-02", "c\r\nd", 0 } } },
	/* UTF-8 titles. */
	{ "2018-01-01,日本語のタイトル 😀\n", 0,
	  { { 0, 1, "2018-01-01", "日本語のタイトル 😀", 0 } } },
	/* Errors, with the line each bad record starts on. */
	{ "2018/12/19\n", 0, { { CSV_ENOCOMMA, 1, NULL, NULL, 0 } } },
	{ "Dentist\n", 0, { { CSV_EDATE, 1, NULL, NULL, 0 } } },
	{ "2018/12/19;Dentist\n", 0, { { CSV_ENOCOMMA, 1, NULL, NULL, 0 } } },
	{ "2018-12-19 Dentist\n", 0, { { CSV_ENOCOMMA, 1, NULL, NULL, 0 } } },
	{ "2018-12-1x Dentist\n", 0, { { CSV_EDATE, 1, NULL, NULL, 0 } } },
	{ "2018/13/19,Dentist\n", 0, { { CSV_EDATE, 1, NULL, NULL, 0 } } },
	{ "2018/02/30,Dentist\n", 0, { { CSV_EDATE, 1, NULL, NULL, 0 } } },
	{ ",Dentist\n", 0, { { CSV_EDATE, 1, NULL, NULL, 0 } } },
	{ "2018/12/19,\n", 0, { { CSV_EEMPTY, 1, NULL, NULL, 0 } } },
	{ "2018/12/19,\"\"\n", 0, { { CSV_EEMPTY, 1, NULL, NULL, 0 } } },
	{ "2018/12/19,\"open\n", 0, { { CSV_EQUOTE, 1, NULL, NULL, 0 } } },
	{ "\"2018/12/19,x\n", 0, { { CSV_EQUOTE, 1, NULL, NULL, 0 } } },
	{ "2018/12/19,\"a\"b\n2018/12/20,ok\n", 0,
	  { { CSV_EJUNK, 1, NULL, NULL, 0 },
	    { 0, 2, "2018-12-20", "ok", 0 } } },
	{ "2018/12/19,\xff\xfe\n", 0, { { CSV_EUTF8, 1, NULL, NULL, 0 } } },
	{ "2018/12/19,\xc0\xaf\n", 0, { { CSV_EUTF8, 1, NULL, NULL, 0 } } },
	/* CR line endings: the whole file would be one title. */
	{ "2018/12/19,a\r2018/12/20,b\r", 0,
	  { { CSV_ECR, 1, NULL, NULL, 0 } } },
	{ "2018/12/19,a\rb\r\n2018/12/20,ok\r\n", 0,
	  { { CSV_ECR, 1, NULL, NULL, 0 },
	    { 0, 2, "2018-12-20", "ok", 0 } } },
	/* After an error, reading goes on at the next record, and line
	 * numbers count the lines inside quoted fields. */
	{ "2018-01-01,\"a\nb\nc\"\nbad\n2018-01-02,\nok?\n", 0,
	  { { 0, 1, "2018-01-01", "a\nb\nc", 0 },
	    { CSV_EDATE, 4, NULL, NULL, 0 },
	    { CSV_EEMPTY, 5, NULL, NULL, 0 },
	    { CSV_EDATE, 6, NULL, NULL, 0 } } },
	/* A refused date's quoted title is skipped whole: its line break
	 * starts no record of its own. */
	{ "bad,\"a\nb\"\n2018-01-02,x\n", 0,
	  { { CSV_EDATE, 1, NULL, NULL, 0 },
	    { 0, 3, "2018-01-02", "x", 0 } } },
	{ "bad,\"a\nb\n", 0, { { CSV_EDATE, 1, NULL, NULL, 0 } } },
	/* Lines of blanks only, and a lone CR at the end, are empty. */
	{ " \t\n2018-01-01,a\n  \r\n\t\n2018-01-02,b\r\n\r", 0,
	  { { 0, 2, "2018-01-01", "a", 0 },
	    { 0, 5, "2018-01-02", "b", 0 } } },
};

START_TEST(test_parse)
{
	const char *in = vec[_i].in;
	size_t len = vec[_i].in_len ? vec[_i].in_len : strlen(in);
	const struct result *want;
	struct csv_reader r;
	struct csv_rec rec;
	char *buf, date[11];
	size_t k, tl;
	int rv, err;

	buf = malloc(len + 1);
	memcpy(buf, in, len);
	csv_init(&r, buf, len);
	for (k = 0; k < 4; k++) {
		want = &vec[_i].res[k];
		if (want->line == 0)
			break;
		rv = csv_next(&r, &rec, &err);
		ck_assert_uint_eq(rec.line, want->line);
		if (want->err != CSV_OK) {
			ck_assert_int_eq(rv, -1);
			ck_assert_int_eq(err, want->err);
			ck_assert_ptr_nonnull(csv_strerror(err));
			continue;
		}
		ck_assert_msg(rv == 1, "vector %d record %zu: %s", _i, k,
		    rv == -1 ? csv_strerror(err) : "end");
		todo_date_format(rec.date, date);
		ck_assert_str_eq(date, want->date);
		tl = want->title_len ? want->title_len : strlen(want->title);
		ck_assert_uint_eq(rec.title_len, tl);
		ck_assert(memcmp(rec.title, want->title, tl) == 0);
	}
	ck_assert_int_eq(csv_next(&r, &rec, &err), 0);
	free(buf);
}
END_TEST

START_TEST(test_long_title)
{
	char buf[20 + TODO_TITLE_MAX + 2];
	struct csv_reader r;
	struct csv_rec rec;
	size_t n;
	int err;

	n = (size_t)sprintf(buf, "2018-01-01,");
	memset(buf + n, 'x', TODO_TITLE_MAX);
	buf[n + TODO_TITLE_MAX] = '\n';
	csv_init(&r, buf, n + TODO_TITLE_MAX + 1);
	ck_assert_int_eq(csv_next(&r, &rec, &err), 1);
	ck_assert_uint_eq(rec.title_len, TODO_TITLE_MAX);

	memset(buf + n, 'x', TODO_TITLE_MAX + 1);
	csv_init(&r, buf, n + TODO_TITLE_MAX + 1);
	ck_assert_int_eq(csv_next(&r, &rec, &err), -1);
	ck_assert_int_eq(err, CSV_ELONG);
}
END_TEST

/* Titles that must survive export then import, byte for byte. */
static const struct {
	const char	*title;
	size_t		 len;
	int		 quoted;
} titles[] = {
	{ "Dentist", 0, 0 },
	{ "a, b", 0, 1 },
	{ "say \"hi\"", 0, 1 },
	{ "\"starts with a quote", 0, 1 },
	{ "two\nlines", 0, 1 },
	{ "crlf\r\ninside", 0, 1 },
	{ "ends with CR\r", 0, 1 },
	{ " leading space", 0, 1 },
	{ "\tleading tab", 0, 1 },
	{ "trailing space ", 0, 0 },
	{ "nul\0inside", 10, 1 },
	{ "日本語のタイトル 😀", 0, 0 },
	{ "back\\slash", 0, 0 },
	{ ",", 0, 1 },
	{ "\"", 0, 1 },
	{ "\"\"", 0, 1 },
	{ "\x1b[31mred\x1b[0m", 0, 0 },
};

START_TEST(test_round_trip)
{
	struct todo_date d = { 2018, 12, 19 }, got;
	struct csv_reader r;
	struct csv_rec rec;
	size_t len = titles[_i].len ? titles[_i].len : strlen(titles[_i].title);
	char *out = NULL;
	size_t outlen = 0;
	FILE *fp;
	int err, k;

	ck_assert_int_eq(csv_title_needs_quotes(titles[_i].title, len),
	    titles[_i].quoted);
	fp = open_memstream(&out, &outlen);
	/* Twice, to check that the record ends where it should. */
	for (k = 0; k < 2; k++)
		ck_assert_int_eq(csv_write(fp, d, titles[_i].title, len), 0);
	fclose(fp);
	csv_init(&r, out, outlen);
	for (k = 0; k < 2; k++) {
		ck_assert_int_eq(csv_next(&r, &rec, &err), 1);
		got = rec.date;
		ck_assert_int_eq(got.year, 2018);
		ck_assert_int_eq(got.day, 19);
		ck_assert_uint_eq(rec.title_len, len);
		ck_assert(memcmp(rec.title, titles[_i].title, len) == 0);
	}
	ck_assert_int_eq(csv_next(&r, &rec, &err), 0);
	free(out);
}
END_TEST

START_TEST(test_write_format)
{
	struct todo_date d = { 2018, 1, 2 };
	char *out = NULL;
	size_t outlen = 0;
	FILE *fp;

	fp = open_memstream(&out, &outlen);
	csv_write(fp, d, "Dentist", 7);
	csv_write(fp, d, "a \"b\", c", 8);
	fclose(fp);
	ck_assert_str_eq(out, "2018-01-02,Dentist\n"
	    "2018-01-02,\"a \"\"b\"\", c\"\n");
	free(out);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("ctl_csv");
	TCase *tc = tcase_create("csv");

	tcase_add_loop_test(tc, test_parse, 0, sizeof(vec) / sizeof(vec[0]));
	tcase_add_test(tc, test_long_title);
	tcase_add_loop_test(tc, test_round_trip, 0,
	    sizeof(titles) / sizeof(titles[0]));
	tcase_add_test(tc, test_write_format);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(suite());
}
