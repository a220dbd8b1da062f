/* test_todo_term.c: Date, Title, Id and Entry and their terms. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "etf.h"
#include "testutil.h"
#include "todo_term.h"
#include "../ckrun.h"

static struct etf_arena *arena;

static void
setup(void)
{
	arena = etf_arena_new();
}

static void
teardown(void)
{
	etf_arena_free(arena);
}

static const struct {
	int y, m, d;
	bool ok;
} dates[] = {
	{ 2018, 12, 19, true }, { 2000, 2, 29, true }, { 1900, 2, 29, false },
	{ 2024, 2, 29, true }, { 2023, 2, 29, false }, { 2023, 2, 28, true },
	{ 0, 1, 1, true }, { 0, 2, 29, true }, { 9999, 12, 31, true },
	{ 10000, 1, 1, false }, { -1, 12, 31, false }, { 2020, 0, 1, false },
	{ 2020, 13, 1, false }, { 2020, 1, 0, false }, { 2020, 1, 32, false },
	{ 2021, 4, 31, false }, { 2021, 4, 30, true }, { 2100, 2, 29, false },
	{ 2400, 2, 29, true },
};

START_TEST(test_date_valid)
{
	ck_assert_msg(todo_date_valid(dates[_i].y, dates[_i].m,
	    dates[_i].d) == dates[_i].ok, "%d-%d-%d", dates[_i].y,
	    dates[_i].m, dates[_i].d);
}
END_TEST

/* Every day of years 0..9999 once, in order (calendar module's counts). */
START_TEST(test_days)
{
	struct todo_date dt = { 0, 1, 1 }, back;
	int32_t n;

	ck_assert_int_eq(todo_date_to_days(dt), 0);
	dt = (struct todo_date){ 1970, 1, 1 };
	ck_assert_int_eq(todo_date_to_days(dt), 719528);
	dt = (struct todo_date){ 2018, 12, 19 };
	ck_assert_int_eq(todo_date_to_days(dt), 737412);
	dt = (struct todo_date){ 9999, 12, 31 };
	ck_assert_int_eq(todo_date_to_days(dt), 3652424);
	dt = (struct todo_date){ 0, 1, 1 };
	for (n = 0; n <= 3652424; n++) {
		/* Not ck_assert: it is too slow for 3.6 million days. */
		back = todo_days_to_date(n);
		if (back.year != dt.year || back.month != dt.month ||
		    back.day != dt.day || todo_date_to_days(dt) != n)
			ck_abort_msg("day %d: %d-%d-%d", n, dt.year, dt.month,
			    dt.day);
		if (todo_date_valid(dt.year, dt.month, dt.day + 1))
			dt.day++;
		else if (dt.month < 12)
			dt = (struct todo_date){ dt.year, dt.month + 1, 1 };
		else
			dt = (struct todo_date){ dt.year + 1, 1, 1 };
	}
	ck_assert_int_eq(dt.year, 10000);
}
END_TEST

static const struct {
	const char *s;
	int y, m, d;	/* y < 0: refused */
} iso[] = {
	{ "2018-12-19", 2018, 12, 19 }, { "0000-01-01", 0, 1, 1 },
	{ "9999-12-31", 9999, 12, 31 }, { "2024-02-29", 2024, 2, 29 },
	{ "2023-02-29", -1, 0, 0 }, { "2018-12-1", -1, 0, 0 },
	{ "2018-12-199", -1, 0, 0 }, { "2018/12/19", -1, 0, 0 },
	{ "2018-1a-19", -1, 0, 0 }, { "+018-12-19", -1, 0, 0 },
	{ " 018-12-19", -1, 0, 0 }, { "2018-00-19", -1, 0, 0 },
	{ "", -1, 0, 0 }, { "20181219", -1, 0, 0 },
};

START_TEST(test_iso)
{
	struct todo_date dt = { -5, -5, -5 };
	char out[11];
	int rc;

	rc = todo_date_parse_iso(iso[_i].s, strlen(iso[_i].s), &dt);
	if (iso[_i].y < 0) {
		ck_assert_int_eq(rc, -1);
		ck_assert_int_eq(dt.year, -5);
		return;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(dt.year, iso[_i].y);
	ck_assert_int_eq(dt.month, iso[_i].m);
	ck_assert_int_eq(dt.day, iso[_i].d);
	todo_date_format(dt, out);
	ck_assert_str_eq(out, iso[_i].s);
}
END_TEST

#define DATE_MAP(y, m, d) \
	"m5 a5f5f7374727563745f5f a456c697869722e44617465 " \
	"a63616c656e646172 a456c697869722e43616c656e6461722e49534f " \
	"a79656172 i" y " a6d6f6e7468 i" m " a646179 i" d

static const struct {
	const char *term;
	int y, m, d;	/* y < 0: badarg */
} date_terms[] = {
	{ DATE_MAP("2018", "12", "19"), 2018, 12, 19 },
	{ DATE_MAP("2024", "2", "29"), 2024, 2, 29 },
	{ DATE_MAP("2023", "2", "29"), -1, 0, 0 },
	{ DATE_MAP("10000", "1", "1"), -1, 0, 0 },
	{ DATE_MAP("-1", "1", "1"), -1, 0, 0 },
	{ "t3 i2018 i12 i19", 2018, 12, 19 },
	{ "t3 i0 i1 i1", 0, 1, 1 },
	{ "t3 i2018 i13 i19", -1, 0, 0 },
	{ "t2 i2018 i12", -1, 0, 0 },
	{ "t4 i2018 i12 i19 i0", -1, 0, 0 },
	{ "t3 i2018 i12 f4033000000000000", -1, 0, 0 },
	{ "t3 i9223372036854775807 i12 i19", -1, 0, 0 },
	{ "b323031382d31322d3139", 2018, 12, 19 },		/* 2018-12-19 */
	{ "b323031382f31322f3139", -1, 0, 0 },			/* 2018/12/19 */
	{ "l10 i50 i48 i49 i56 i45 i49 i50 i45 i49 i57", -1, 0, 0 },
	{ "i737412", -1, 0, 0 },
	{ "a", -1, 0, 0 },
	/* Wrong struct or calendar, missing or extra keys. */
	{ "m5 a5f5f7374727563745f5f a456c697869722e54696d65 "
	  "a63616c656e646172 a456c697869722e43616c656e6461722e49534f "
	  "a79656172 i1 a6d6f6e7468 i1 a646179 i1", -1, 0, 0 },
	{ "m5 a5f5f7374727563745f5f a456c697869722e44617465 "
	  "a63616c656e646172 a4f74686572 "
	  "a79656172 i1 a6d6f6e7468 i1 a646179 i1", -1, 0, 0 },
	{ "m4 a5f5f7374727563745f5f a456c697869722e44617465 "
	  "a63616c656e646172 a456c697869722e43616c656e6461722e49534f "
	  "a79656172 i1 a6d6f6e7468 i1", -1, 0, 0 },
	{ "m3 a79656172 i1 a6d6f6e7468 i1 a646179 i1", -1, 0, 0 },
	{ "m5 a5f5f7374727563745f5f a456c697869722e44617465 "
	  "a63616c656e646172 a456c697869722e43616c656e6461722e49534f "
	  "a79656172 i1 a6d6f6e7468 i1 a78 i1", -1, 0, 0 },
	{ "m6 a5f5f7374727563745f5f a456c697869722e44617465 "
	  "a63616c656e646172 a456c697869722e43616c656e6461722e49534f "
	  "a79656172 i1 a6d6f6e7468 i1 a646179 i1 a78 i1", -1, 0, 0 },
	{ "m5 a5f5f7374727563745f5f a456c697869722e44617465 "
	  "a63616c656e646172 a456c697869722e43616c656e6461722e49534f "
	  "a79656172 i2018 a6d6f6e7468 b3132 a646179 i1", -1, 0, 0 },
};

START_TEST(test_date_from_term)
{
	struct todo_date dt = { -5, -5, -5 };
	const struct etf_term *t;
	int rc;

	t = note_parse(arena, date_terms[_i].term);
	ck_assert_ptr_nonnull(t);
	rc = todo_date_from_term(t, &dt);
	if (date_terms[_i].y < 0) {
		ck_assert_msg(rc == -1, "%s accepted", date_terms[_i].term);
		ck_assert_int_eq(dt.year, -5);
		return;
	}
	ck_assert_msg(rc == 0, "%s refused", date_terms[_i].term);
	ck_assert_int_eq(dt.year, date_terms[_i].y);
	ck_assert_int_eq(dt.month, date_terms[_i].m);
	ck_assert_int_eq(dt.day, date_terms[_i].d);
	ck_assert_int_eq(todo_date_from_term(NULL, &dt), -1);
}
END_TEST

static char *
hex_of(struct etf_buf *b)
{
	ck_assert(!b->oom);
	return hex_encode(b->p, b->len);
}

/* The reply forms are what the tree encoder (keys sorted) writes. */
START_TEST(test_put_date_entry)
{
	struct todo_date dt = { 2018, 12, 19 };
	struct etf_buf b, w;
	struct todo_entry e;
	const struct etf_term *t;
	char *got, *want;

	etf_buf_init(&b);
	etf_buf_init(&w);
	etf_put_version(&b);
	todo_put_date(&b, dt);
	etf_encode(&w, note_parse(arena, DATE_MAP("2018", "12", "19")));
	got = hex_of(&b);
	want = hex_of(&w);
	ck_assert_str_eq(got, want);
	free(got);
	free(want);

	etf_buf_reset(&b);
	etf_buf_reset(&w);
	etf_put_version(&b);
	todo_put_entry(&b, 3000000000, dt, "Dentist\0!", 9);
	etf_encode(&w, note_parse(arena, "m3 a7469746c65 b44656e7469737400"
	    "21 a6964 i3000000000 a64617465 " DATE_MAP("2018", "12", "19")));
	got = hex_of(&b);
	want = hex_of(&w);
	ck_assert_str_eq(got, want);
	free(got);
	free(want);

	ck_assert_int_eq(etf_decode(arena, b.p, b.len, 0, &t), ETF_OK);
	ck_assert_int_eq(todo_entry_from_term(t, &e), 0);
	ck_assert_int_eq(e.id, 3000000000);
	ck_assert_int_eq(e.date.year, 2018);
	ck_assert_int_eq(e.date.month, 12);
	ck_assert_int_eq(e.date.day, 19);
	ck_assert_uint_eq(e.title_len, 9);
	ck_assert(memcmp(e.title, "Dentist\0!", 9) == 0);
	etf_buf_free(&b);
	etf_buf_free(&w);
}
END_TEST

static const struct {
	const char *term;
	bool ok;
} entries[] = {
	{ "m3 a6964 i1 a64617465 t3 i2018 i12 i19 a7469746c65 b78", true },
	{ "m4 a6964 i1 a64617465 t3 i2018 i12 i19 a7469746c65 b78 "
	  "a78 i0", true },
	{ "m3 a6964 i0 a64617465 t3 i2018 i12 i19 a7469746c65 b78", false },
	{ "m3 a6964 i1 a64617465 t3 i2018 i2 i30 a7469746c65 b78", false },
	{ "m3 a6964 i1 a64617465 t3 i2018 i12 i19 a7469746c65 b", false },
	{ "m3 a6964 i1 a64617465 t3 i2018 i12 i19 a7469746c65 bff", false },
	{ "m3 a6964 i1 a64617465 t3 i2018 i12 i19 a7469746c65 a78", false },
	{ "m2 a6964 i1 a64617465 t3 i2018 i12 i19", false },
	{ "t3 i1 i2 i3", false },
};

START_TEST(test_entry_from_term)
{
	struct todo_entry e;
	const struct etf_term *t = note_parse(arena, entries[_i].term);

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(todo_entry_from_term(t, &e) == 0, entries[_i].ok);
}
END_TEST

START_TEST(test_id_title)
{
	int64_t id = 0;
	char title[TODO_TITLE_MAX + 1];

	ck_assert_int_eq(todo_id_from_term(etf_mk_int(arena, 1), &id), 0);
	ck_assert_int_eq(id, 1);
	ck_assert_int_eq(todo_id_from_term(etf_mk_int(arena, INT64_MAX), &id),
	    0);
	ck_assert_int_eq(id, INT64_MAX);
	ck_assert_int_eq(todo_id_from_term(etf_mk_int(arena, 0), &id), -1);
	ck_assert_int_eq(todo_id_from_term(etf_mk_int(arena, -1), &id), -1);
	ck_assert_int_eq(todo_id_from_term(etf_mk_float(arena, 1), &id), -1);
	ck_assert_int_eq(todo_id_from_term(NULL, &id), -1);

	memset(title, 'a', sizeof(title));
	ck_assert(todo_title_valid(title, 1));
	ck_assert(todo_title_valid(title, TODO_TITLE_MAX));
	ck_assert(!todo_title_valid(title, TODO_TITLE_MAX + 1));
	ck_assert(!todo_title_valid(title, 0));
	ck_assert(todo_title_valid("a\0b", 3));
	ck_assert(!todo_title_valid("\xff", 1));
	ck_assert(todo_title_valid("\xc3\xa9", 2));
}
END_TEST

static Suite *
todo_suite(void)
{
	Suite *s = suite_create("todo_term");
	TCase *tc = tcase_create("todo_term");

#define N(a)	((int)(sizeof(a) / sizeof((a)[0])))
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_date_valid, 0, N(dates));
	tcase_add_test(tc, test_days);
	tcase_add_loop_test(tc, test_iso, 0, N(iso));
	tcase_add_loop_test(tc, test_date_from_term, 0, N(date_terms));
	tcase_add_test(tc, test_put_date_entry);
	tcase_add_loop_test(tc, test_entry_from_term, 0, N(entries));
	tcase_add_test(tc, test_id_title);
	suite_add_tcase(s, tc);
#undef N
	return s;
}

int
main(void)
{
	return ck_run(todo_suite());
}
