/* test_ctl_json.c: the shape of todoctl's JSON. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_json.h"
#include "etf.h"
#include "todo_term.h"
#include "../ckrun.h"

static char *
dumped(json_t *v)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp;

	fp = open_memstream(&out, &len);
	ck_assert_int_eq(cj_print(fp, v), 0);
	fclose(fp);
	return out;
}

static const struct {
	int64_t		 id;
	const char	*title;
	size_t		 len;		/* 0: strlen */
	const char	*json;
} entry_vec[] = {
	{ 1, "Dentist", 0,
	  "{\"id\":1,\"date\":\"2018-12-19\",\"title\":\"Dentist\"}\n" },
	{ 9223372036854775807LL, "x", 0,
	  "{\"id\":9223372036854775807,\"date\":\"2018-12-19\","
	  "\"title\":\"x\"}\n" },
	{ 2, "say \"hi\"\n\\", 0,
	  "{\"id\":2,\"date\":\"2018-12-19\",\"title\":\"say \\\"hi\\\"\\n"
	  "\\\\\"}\n" },
	{ 3, "a\0b", 3,
	  "{\"id\":3,\"date\":\"2018-12-19\",\"title\":\"a\\u0000b\"}\n" },
	{ 4, "日本語 😀", 0,
	  "{\"id\":4,\"date\":\"2018-12-19\",\"title\":\"日本語 😀\"}\n" },
	{ 5, "\x1b[0m", 0,
	  "{\"id\":5,\"date\":\"2018-12-19\",\"title\":\"\\u001B[0m\"}\n" },
};

START_TEST(test_entry)
{
	struct todo_entry e;
	char *out;

	e.id = entry_vec[_i].id;
	e.date.year = 2018;
	e.date.month = 12;
	e.date.day = 19;
	e.title = (const uint8_t *)entry_vec[_i].title;
	e.title_len = entry_vec[_i].len ? entry_vec[_i].len :
	    strlen(entry_vec[_i].title);
	out = dumped(cj_entry(&e));
	ck_assert_str_eq(out, entry_vec[_i].json);
	free(out);
}
END_TEST

START_TEST(test_string_repair)
{
	char *out;

	out = dumped(cj_string("a\xff" "b\xc3", 4));
	ck_assert_str_eq(out, "\"a\xef\xbf\xbd" "b\xef\xbf\xbd\"\n");
	free(out);
}
END_TEST

/* A stats map as the daemon sends it, and a Date inside a term. */
START_TEST(test_term)
{
	struct etf_arena *a = etf_arena_new();
	struct etf_term *m, *w, *wm, *t, *d;
	char *out;

	w = etf_mk_list(a, 1);
	wm = etf_mk_map(a, 2);
	wm->map.kv[0] = *etf_mk_atom(a, "pid");
	wm->map.kv[1] = *etf_mk_int(a, 42);
	wm->map.kv[2] = *etf_mk_atom(a, "queue");
	wm->map.kv[3] = *etf_mk_int(a, 0);
	w->seq.v[0] = *wm;
	t = etf_mk_tuple(a, 3);
	t->seq.v[0] = *etf_mk_atom(a, "true");
	t->seq.v[1] = *etf_mk_atom(a, "nil");
	t->seq.v[2] = *etf_mk_binary(a, "bin", 3);
	d = etf_mk_map(a, 5);
	d->map.kv[0] = *etf_mk_atom(a, "__struct__");
	d->map.kv[1] = *etf_mk_atom(a, "Elixir.Date");
	d->map.kv[2] = *etf_mk_atom(a, "calendar");
	d->map.kv[3] = *etf_mk_atom(a, "Elixir.Calendar.ISO");
	d->map.kv[4] = *etf_mk_atom(a, "year");
	d->map.kv[5] = *etf_mk_int(a, 2018);
	d->map.kv[6] = *etf_mk_atom(a, "month");
	d->map.kv[7] = *etf_mk_int(a, 12);
	d->map.kv[8] = *etf_mk_atom(a, "day");
	d->map.kv[9] = *etf_mk_int(a, 19);
	m = etf_mk_map(a, 5);
	m->map.kv[0] = *etf_mk_atom(a, "supervisor");
	m->map.kv[1] = *etf_mk_int(a, 7);
	m->map.kv[2] = *etf_mk_atom(a, "workers");
	m->map.kv[3] = *w;
	m->map.kv[4] = *etf_mk_atom(a, "misc");
	m->map.kv[5] = *t;
	m->map.kv[6] = *etf_mk_binary(a, "when", 4);
	m->map.kv[7] = *d;
	m->map.kv[8] = *etf_mk_int(a, 5);
	m->map.kv[9] = *etf_mk_atom(a, "false");
	out = dumped(cj_term(m));
	ck_assert_str_eq(out, "{\"supervisor\":7,\"workers\":[{\"pid\":42,"
	    "\"queue\":0}],\"misc\":[true,null,\"bin\"],"
	    "\"when\":\"2018-12-19\",\"5\":false}\n");
	free(out);
	etf_arena_free(a);
}
END_TEST

/* Integers beyond 64 bits (SMALL_BIG_EXT) as strings of digits. */
static const struct {
	uint8_t		 in[16];
	size_t		 len;
	const char	*json;
} big_vec[] = {
	{ { 131, 110, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 13,
	  "\"18446744073709551616\"\n" },
	{ { 131, 110, 9, 1, 5, 0, 0, 0, 0, 0, 0, 0, 1 }, 13,
	  "\"-18446744073709551621\"\n" },
	{ { 131, 110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 0x80 }, 12,
	  "-9223372036854775808\n" },
};

START_TEST(test_bigint)
{
	struct etf_arena *a = etf_arena_new();
	const struct etf_term *t;
	char *out;

	ck_assert_int_eq(etf_decode(a, big_vec[_i].in, big_vec[_i].len,
	    1024, &t), ETF_OK);
	out = dumped(cj_term(t));
	ck_assert_str_eq(out, big_vec[_i].json);
	free(out);
	etf_arena_free(a);
}
END_TEST

START_TEST(test_error)
{
	char *out;

	out = dumped(cj_error("not_found", "no such entry"));
	ck_assert_str_eq(out,
	    "{\"error\":\"not_found\",\"message\":\"no such entry\"}\n");
	free(out);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("ctl_json");
	TCase *tc = tcase_create("json");

	tcase_add_loop_test(tc, test_entry, 0,
	    sizeof(entry_vec) / sizeof(entry_vec[0]));
	tcase_add_test(tc, test_string_repair);
	tcase_add_test(tc, test_term);
	tcase_add_loop_test(tc, test_bigint, 0,
	    sizeof(big_vec) / sizeof(big_vec[0]));
	tcase_add_test(tc, test_error);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(suite());
}
