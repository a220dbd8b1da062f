/* test_listfile.c: the %Todo.List{} term <-> the list model. */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entryscan.h"
#include "etf.h"
#include "listfile.h"
#include "storage_test.h"
#include "todolist.h"
#include "../ckrun.h"

/* term_to_binary(BookList, [{minor_version, 2}]) from OTP 25. */
static const char golden_hex[] =
	"837400000003770a5f5f7374727563745f5f7710456c697869722e546f646f2e"
	"4c6973747707656e747269657374000000036101740000000377046461746574"
	"00000005770a5f5f7374727563745f5f770b456c697869722e44617465770863"
	"616c656e6461727713456c697869722e43616c656e6461722e49534f77036461"
	"79611377056d6f6e7468610c77047965617262000007e2770269646101770574"
	"69746c656d0000000744656e7469737461027400000003770464617465740000"
	"0005770a5f5f7374727563745f5f770b456c697869722e44617465770863616c"
	"656e6461727713456c697869722e43616c656e6461722e49534f770364617961"
	"1477056d6f6e7468610c77047965617262000007e27702696461027705746974"
	"6c656d0000000853686f7070696e676103740000000377046461746574000000"
	"05770a5f5f7374727563745f5f770b456c697869722e44617465770863616c65"
	"6e6461727713456c697869722e43616c656e6461722e49534f77036461796113"
	"77056d6f6e7468610c77047965617262000007e277026964610377057469746c"
	"656d000000064d6f7669657377076e6578745f69646104";

static struct etf_arena *arena;

static void
setup(void)
{
	arena = etf_arena_new();
	ck_assert_ptr_nonnull(arena);
}

static void
teardown(void)
{
	etf_arena_free(arena);
}

static size_t
unhex(const char *h, uint8_t *out)
{
	size_t n = 0;
	unsigned v;

	for (; h[0] != '\0' && h[1] != '\0'; h += 2) {
		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* Decode bytes and build a list; fails the test on error.  Decoded one
 * entry at a time (listfile_parse), the same list. */
static struct todo_list *
load_bytes(const uint8_t *p, size_t len)
{
	const struct etf_term *t;
	struct todo_list *l, *l2;
	const char *why = NULL;

	ck_assert_int_eq(etf_decode(arena, p, len, 1 << 24, &t), ETF_OK);
	l = listfile_from_term(t, &why);
	ck_assert_msg(l != NULL, "refused: %s", why);
	if (len > 1 && p[1] != ETF_TAG_COMPRESSED) {
		l2 = listfile_parse(p, len, &why);
		ck_assert_msg(l2 != NULL, "listfile_parse refused: %s", why);
		ck_assert_msg(st_list_equal(l, l2), "listfile_parse differs");
		todolist_free(l2);
	}
	return l;
}

/* The term's bytes, parsed one entry at a time: NULL (and why) if it is
 * refused. */
static struct todo_list *
parse_term(const struct etf_term *t, const char **why)
{
	struct todo_list *l;
	struct etf_buf b;

	etf_buf_init(&b);
	ck_assert_int_eq(etf_encode(&b, t), 0);	/* version byte first */
	l = listfile_parse(b.p, b.len, why);
	etf_buf_free(&b);
	return l;
}

START_TEST(t_golden)
{
	uint8_t golden[1024], *p;
	struct todo_list *l = st_book_list(), *back;
	size_t n, len;

	n = unhex(golden_hex, golden);
	ck_assert_uint_eq(n, 439);
	p = st_encode(l, &len);
	ck_assert_uint_eq(len, n);
	ck_assert_mem_eq(p, golden, n);
	back = load_bytes(golden, n);
	ck_assert(st_list_equal(l, back));
	ck_assert_uint_eq(todolist_date_count(back,
	    (struct todo_date){ 2018, 12, 19 }), 2);
	free(p);
	todolist_free(l);
	todolist_free(back);
}
END_TEST

/* Extra pairs as listfile keeps them: ETF key, value, ... (no header). */
static void
extras(struct etf_buf *b, int kind)
{
	char key[16];
	int i;

	etf_buf_reset(b);
	switch (kind) {
	case 0:		/* keys around date, id and title in term order */
		etf_put_atom(b, "priority");
		etf_put_atom(b, "high");
		etf_put_int(b, 5);
		etf_put_binary(b, "five", 4);
		etf_put_atom(b, "zzz");
		etf_put_nil(b);
		etf_put_binary(b, "k", 1);
		etf_put_tuple(b, 2);
		etf_put_float(b, 1.5);
		etf_put_atom(b, "ok");
		break;
	case 1:		/* 30 extras: a map of 33 keys */
		for (i = 0; i < 30; i++) {
			snprintf(key, sizeof(key), "k%02d", i);
			etf_put_atom(b, key);
			etf_put_int(b, i);
		}
		break;
	}
	ck_assert(!b->oom);
}

static struct todo_list *
make_list(int kind)
{
	static const struct todo_date d0 = { 0, 1, 1 }, d9 = { 9999, 12, 31 },
	    dl = { 2000, 2, 29 };
	struct todo_list *l = todolist_new();
	struct etf_buf b;
	char big[TODO_TITLE_MAX];
	int i;

	etf_buf_init(&b);
	switch (kind) {
	case 0:		/* empty */
		break;
	case 1:		/* empty, next_id kept */
		todolist_set_next_id(l, 77);
		break;
	case 2:		/* odd titles, extreme dates, big ids */
		ck_assert_int_eq(todolist_insert(l, 1, d0, "a\0b", 3, NULL, 0,
		    0), 0);
		ck_assert_int_eq(todolist_insert(l, 255, d9,
		    "\xc3\xa9t\xc3\xa9", 6, NULL, 0, 0), 0);
		ck_assert_int_eq(todolist_insert(l, 256, dl, "x", 1, NULL, 0,
		    0), 0);
		ck_assert_int_eq(todolist_insert(l, (int64_t)1 << 31, dl, "y",
		    1, NULL, 0, 0), 0);
		ck_assert_int_eq(todolist_insert(l, INT64_MAX - 1, dl, "z", 1,
		    NULL, 0, 0), 0);
		memset(big, 'T', sizeof(big));
		ck_assert_int_eq(todolist_insert(l, 3, dl, big, sizeof(big),
		    NULL, 0, 0), 0);
		break;
	case 3:		/* 40 entries: more than 32 keys */
		todolist_free(l);
		l = st_list_n(40, "forty");
		break;
	case 4:		/* extras */
		todolist_free(l);
		l = st_book_list();
		extras(&b, 0);
		ck_assert_int_eq(todolist_insert(l, 9, dl, "extra", 5, b.p,
		    b.len, 4), 0);
		extras(&b, 1);
		ck_assert_int_eq(todolist_insert(l, 10, dl, "many", 4, b.p,
		    b.len, 30), 0);
		todolist_set_next_id(l, 1000);
		break;
	case 5:		/* 1000 entries, some deleted */
		todolist_free(l);
		l = st_list_n(1000, "thousand");
		for (i = 3; i <= 1000; i += 3)
			ck_assert_int_eq(todolist_delete(l, i), 0);
		break;
	}
	etf_buf_free(&b);
	return l;
}

/*
 * The map whose tag is at p: the keys of a map of up to 32 keys come in
 * term order, as OTP writes them, and so in the maps among its values.
 * Read from the bytes, for a decoded map has its keys in order whatever
 * order they came in.  Returns the bytes the map takes.
 */
static size_t
check_order(const uint8_t *p, size_t len)
{
	const struct etf_term *k, *prev = NULL;
	size_t off = 5, used, i, n;

	ck_assert(len >= 5 && p[0] == 't');
	n = (size_t)p[1] << 24 | (size_t)p[2] << 16 | (size_t)p[3] << 8 | p[4];
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(etf_decode_term(arena, p + off, len - off, &k,
		    &used), ETF_OK);
		if (n <= 32 && prev != NULL)
			ck_assert_int_lt(etf_compare(prev, k), 0);
		prev = k;
		off += used;
		ck_assert_uint_lt(off, len);
		if (p[off] == 't')
			off += check_order(p + off, len - off);
		else {
			ck_assert_int_eq(etf_decode_term(arena, p + off,
			    len - off, &k, &used), ETF_OK);
			off += used;
		}
	}
	return off;
}

START_TEST(t_roundtrip)
{
	struct todo_list *l = make_list(_i), *back;
	const struct etf_term *t;
	uint8_t *p, *q;
	size_t len, len2;

	p = st_encode(l, &len);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_le(len, listfile_size_bound(todolist_size(l),
	    todolist_payload(l)));
	ck_assert_int_eq(etf_decode(arena, p, len, 0, &t), ETF_OK);
	ck_assert_uint_eq(1 + check_order(p + 1, len - 1), len);
	back = load_bytes(p, len);
	ck_assert(st_list_equal(l, back));
	q = st_encode(back, &len2);
	ck_assert_uint_eq(len, len2);
	ck_assert_mem_eq(p, q, len);
	/* listfile_put is the same term without the version byte. */
	{
		struct etf_buf b;

		etf_buf_init(&b);
		listfile_put(&b, l);
		ck_assert_uint_eq(b.len, len - 1);
		ck_assert_mem_eq(b.p, p + 1, b.len);
		etf_buf_free(&b);
	}
	free(p);
	free(q);
	todolist_free(l);
	todolist_free(back);
}
END_TEST

/* ---- terms built by hand ---- */

static struct etf_term *
A(const char *s)
{
	return etf_mk_atom(arena, s);
}

static struct etf_term *
I(int64_t i)
{
	return etf_mk_int(arena, i);
}

static struct etf_term *
B(const char *s, size_t len)
{
	return etf_mk_binary(arena, s, len);
}

/* A map of n pairs from 2n terms. */
static struct etf_term *
M(size_t n, ...)
{
	struct etf_term *m = etf_mk_map(arena, n);
	va_list ap;
	size_t i;

	va_start(ap, n);
	for (i = 0; i < 2 * n; i++)
		m->map.kv[i] = *va_arg(ap, struct etf_term *);
	va_end(ap);
	return m;
}

static struct etf_term *
DATE(int y, int m, int d)
{
	return M(5, A("__struct__"), A("Elixir.Date"), A("calendar"),
	    A("Elixir.Calendar.ISO"), A("year"), I(y), A("month"), I(m),
	    A("day"), I(d));
}

static struct etf_term *
ENTRY(int64_t id, struct etf_term *date, struct etf_term *title)
{
	return M(3, A("id"), I(id), A("date"), date, A("title"), title);
}

static struct etf_term *
LIST(struct etf_term *entries, struct etf_term *next_id)
{
	return M(3, A("next_id"), next_id, A("entries"), entries,
	    A("__struct__"), A("Elixir.Todo.List"));
}

static struct etf_term *
ONE(struct etf_term *entry)
{
	return M(1, I(1), entry);
}

#define GOOD_DATE	DATE(2018, 12, 19)
#define GOOD_TITLE	B("Dentist", 7)

static struct etf_term *
bad_term(int i, const char **expect)
{
	static char big[TODO_TITLE_MAX + 1];
	struct etf_term *t, *tup;

	memset(big, 'x', sizeof(big));
	switch (i) {
	case 0:
		*expect = "not a map";
		return I(1);
	case 1:
		*expect = "not a Todo.List struct";
		return M(2, A("__struct__"), A("Elixir.Todo.List"),
		    A("entries"), M(0));
	case 2:
		*expect = "not a Todo.List struct";
		return M(3, A("__struct__"), A("Elixir.Todo.Other"),
		    A("entries"), M(0), A("next_id"), I(1));
	case 3:
		*expect = "not a Todo.List struct";
		return M(4, A("__struct__"), A("Elixir.Todo.List"),
		    A("entries"), M(0), A("next_id"), I(1), A("x"), I(1));
	case 4:
		*expect = "not a Todo.List struct";
		return M(3, A("__struct__"), A("Elixir.Todo.List"),
		    A("entries"), M(0), A("entries"), M(0));
	case 5:
		*expect = "entries is not a map";
		return LIST(etf_mk_list(arena, 0), I(1));
	case 6:
		*expect = "next_id is not an integer from 1 to 2^63-1";
		return LIST(M(0), I(0));
	case 7:
		*expect = "next_id is not an integer from 1 to 2^63-1";
		return LIST(M(0), B("1", 1));
	case 8:
		*expect = "an entry key is not an id";
		return LIST(M(1, A("one"), ENTRY(1, GOOD_DATE, GOOD_TITLE)),
		    I(2));
	case 9:
		*expect = "an entry key is not an id";
		return LIST(M(1, I(0), ENTRY(0, GOOD_DATE, GOOD_TITLE)), I(2));
	case 10:
		*expect = "an entry is not a map";
		return LIST(ONE(B("x", 1)), I(2));
	case 11:
		*expect = "an entry's id differs from its key";
		return LIST(ONE(ENTRY(2, GOOD_DATE, GOOD_TITLE)), I(3));
	case 12:
		*expect = "an entry's id differs from its key";
		t = ENTRY(1, GOOD_DATE, GOOD_TITLE);
		t->map.kv[1] = *B("1", 1);
		return LIST(ONE(t), I(2));
	case 13:
		*expect = "an entry lacks date, id or title";
		return LIST(ONE(M(2, A("id"), I(1), A("date"), GOOD_DATE)),
		    I(2));
	case 14:
		*expect = "an entry has a key twice";
		return LIST(ONE(M(4, A("id"), I(1), A("date"), GOOD_DATE,
		    A("title"), GOOD_TITLE, A("date"), GOOD_DATE)), I(2));
	case 15:
		*expect = "an entry's date is not a valid Elixir Date";
		tup = etf_mk_tuple(arena, 3);
		tup->seq.v[0] = *I(2018);
		tup->seq.v[1] = *I(12);
		tup->seq.v[2] = *I(19);
		return LIST(ONE(ENTRY(1, tup, GOOD_TITLE)), I(2));
	case 16:
		*expect = "an entry's date is not a valid Elixir Date";
		return LIST(ONE(ENTRY(1, DATE(2018, 2, 30), GOOD_TITLE)), I(2));
	case 17:
		*expect = "an entry's date is not a valid Elixir Date";
		return LIST(ONE(ENTRY(1, DATE(10000, 1, 1), GOOD_TITLE)), I(2));
	case 18:
		*expect = "an entry's date is not a valid Elixir Date";
		t = DATE(2018, 12, 19);
		t->map.n = 4;	/* no day */
		return LIST(ONE(ENTRY(1, t, GOOD_TITLE)), I(2));
	case 19:
		*expect = "an entry's date is not a valid Elixir Date";
		t = DATE(2018, 12, 19);
		t->map.kv[3] = *A("Elixir.Calendar.Julian");
		return LIST(ONE(ENTRY(1, t, GOOD_TITLE)), I(2));
	case 20:
		*expect = "an entry's date is not a valid Elixir Date";
		return LIST(ONE(ENTRY(1, B("2018-12-19", 10), GOOD_TITLE)),
		    I(2));
	case 21:
		*expect = "an entry's title is not a valid title";
		return LIST(ONE(ENTRY(1, GOOD_DATE, B("", 0))), I(2));
	case 22:
		*expect = "an entry's title is not a valid title";
		return LIST(ONE(ENTRY(1, GOOD_DATE, B("\xff", 1))), I(2));
	case 23:
		*expect = "an entry's title is not a valid title";
		return LIST(ONE(ENTRY(1, GOOD_DATE, B(big, sizeof(big)))),
		    I(2));
	case 24:
		*expect = "an entry's title is not a valid title";
		return LIST(ONE(ENTRY(1, GOOD_DATE, A("Dentist"))), I(2));
	case 25:
		*expect = "an id occurs twice";
		return LIST(M(2, I(1), ENTRY(1, GOOD_DATE, GOOD_TITLE), I(1),
		    ENTRY(1, GOOD_DATE, GOOD_TITLE)), I(2));
	case 26:
		*expect = "next_id is not above every id";
		return LIST(ONE(ENTRY(1, GOOD_DATE, GOOD_TITLE)), I(1));
	case 27:
		*expect = "next_id is not above every id";
		return LIST(M(2, I(1), ENTRY(1, GOOD_DATE, GOOD_TITLE), I(5),
		    ENTRY(5, GOOD_DATE, GOOD_TITLE)), I(3));
	case 28:
		*expect = "an entry key is not an id";
		return LIST(M(1, I(INT64_MAX), ENTRY(INT64_MAX, GOOD_DATE,
		    GOOD_TITLE)), I(INT64_MAX));
	}
	return NULL;
}
#define NBAD	29

START_TEST(t_bad)
{
	const char *expect = NULL, *why = NULL;
	struct etf_term *t = bad_term(_i, &expect);

	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_null(listfile_from_term(t, &why));
	ck_assert_ptr_nonnull(why);
	ck_assert_str_eq(why, expect);
	why = NULL;
	ck_assert_ptr_null(parse_term(t, &why));
	ck_assert_ptr_nonnull(why);
	/* The same reason, but where the whole decode sees it first. */
	if (strcmp(expect, "an entry has a key twice") != 0)
		ck_assert_str_eq(why, expect);
}
END_TEST

/* What a file may hold beyond what we write. */
START_TEST(t_accepted)
{
	struct etf_term *t;
	struct todo_list *l;
	const struct todo_item *it;
	const char *why = NULL;

	/* Keys in any order, next_id well above the ids (kept as it is),
	 * an extra key kept. */
	t = LIST(M(2, I(7), M(4, A("title"), B("seven", 5), A("tags"),
	    etf_mk_list(arena, 0), A("id"), I(7), A("date"), GOOD_DATE),
	    I(2), ENTRY(2, DATE(2020, 2, 29), GOOD_TITLE)), I(100));
	l = listfile_from_term(t, &why);
	ck_assert_msg(l != NULL, "%s", why);
	ck_assert_int_eq(todolist_next_id(l), 100);
	ck_assert_uint_eq(todolist_size(l), 2);
	it = todolist_first(l);
	ck_assert_int_eq(it->id, 2);
	it = todolist_next(l, it);
	ck_assert_int_eq(it->id, 7);
	ck_assert_uint_eq(it->extra_pairs, 1);
	/* tags => []: SMALL_ATOM_UTF8 "tags", NIL */
	ck_assert_uint_eq(it->extra_len, 7);
	ck_assert_mem_eq(it->extra, "\x77\x04tags\x6a", 7);
	{
		struct todo_list *l2 = parse_term(t, &why);

		ck_assert_msg(l2 != NULL, "listfile_parse: %s", why);
		ck_assert(st_list_equal(l, l2));
		todolist_free(l2);
	}
	todolist_free(l);
}
END_TEST

/* The canonical entries are read straight from the bytes (entryscan):
 * each of the golden file's three, one after the other. */
START_TEST(t_scan_golden)
{
	static const uint8_t first[] = "\x74\x00\x00\x00\x03\x61\x01";
	uint8_t golden[1024];
	const uint8_t *p, *end;
	struct todo_item it;
	size_t n, i;

	n = unhex(golden_hex, golden);
	end = golden + n;
	p = memmem(golden, n, first, sizeof(first) - 1);
	ck_assert_ptr_nonnull(p);
	p += 5;
	for (i = 1; i <= 3; i++) {
		ck_assert_int_eq(entryscan_pair(&p, end, &it), 1);
		ck_assert_int_eq(it.id, (int64_t)i);
		ck_assert_int_eq(it.date.year, 2018);
		ck_assert_int_eq(it.date.month, 12);
		ck_assert_ptr_null(it.extra);
	}
	ck_assert_mem_eq(p, "\x77\x07next_id", 9);
	/* Refused, *p untouched: not an entry, and a truncated one. */
	ck_assert_int_eq(entryscan_pair(&p, end, &it), 0);
	ck_assert_mem_eq(p, "\x77\x07next_id", 9);
	p = (const uint8_t *)memmem(golden, n, first, sizeof(first) - 1) + 5;
	end = p + 20;
	ck_assert_int_eq(entryscan_pair(&p, end, &it), 0);
	ck_assert_ptr_eq(p, end - 20);
}
END_TEST

/* Every one-byte change of the golden file: the entry-at-a-time reader
 * (which reads canonical entries straight from the bytes) and the whole
 * term's reader accept the same files and build the same lists. */
START_TEST(t_mutated)
{
	static const int vals[] = { 0x00, 0x01, 0x02, 0x05, 0x0c, 0x1f,
	    0x20, 0x61, 0x62, 0x6d, 0x74, 0x76, 0x77, 0x7f, 0x80, 0xff };
	uint8_t golden[1024], b[1024];
	const struct etf_term *t;
	struct todo_list *whole, *parsed;
	const char *why;
	size_t n, i, v, accepted = 0;
	int c;

	n = unhex(golden_hex, golden);
	for (i = 1; i < n; i++)
		for (v = 0; v < sizeof(vals) / sizeof(vals[0]) + 2; v++) {
			c = v < sizeof(vals) / sizeof(vals[0]) ? vals[v] :
			    (golden[i] + (v % 2 ? 1 : 255)) & 0xff;
			if (c == golden[i])
				continue;
			memcpy(b, golden, n);
			b[i] = (uint8_t)c;
			etf_arena_reset(arena);
			whole = NULL;
			if (etf_decode(arena, b, n, 1 << 24, &t) == ETF_OK)
				whole = listfile_from_term(t, &why);
			parsed = listfile_parse(b, n, &why);
			ck_assert_msg((whole == NULL) == (parsed == NULL),
			    "byte %zu = 0x%02x: whole %s, parsed %s", i, c,
			    whole ? "accepted" : "refused",
			    parsed ? "accepted" : "refused");
			if (whole != NULL) {
				ck_assert_msg(st_list_equal(whole, parsed),
				    "byte %zu = 0x%02x: lists differ", i, c);
				accepted++;
			}
			todolist_free(whole);
			todolist_free(parsed);
		}
	/* Titles' bytes, dates and ids can change and still be a list. */
	ck_assert_uint_gt(accepted, 100);
}
END_TEST

/* The bound a list's growth is checked against holds for the largest
 * ids, dates and titles, and is not far above the file. */
START_TEST(t_size_bound)
{
	static const struct todo_date big = { 9999, 12, 31 }, small = { 0, 1, 1 };
	static char title[4096];
	struct todo_list *l = todolist_new();
	size_t len, bound, n;
	uint8_t *p;
	int64_t id;

	ck_assert_ptr_nonnull(l);
	p = st_encode(l, &len);
	ck_assert_uint_le(len, listfile_size_bound(0, 0));
	free(p);
	memset(title, 'x', sizeof(title));
	ck_assert_int_eq(todolist_insert(l, INT64_MAX - 2, big, title, 1, NULL,
	    0, 0), 0);
	ck_assert_int_eq(todolist_insert(l, INT64_MAX - 1, big, title,
	    sizeof(title), NULL, 0, 0), 0);
	ck_assert_int_eq(todolist_insert(l, 1, small, title, 7, NULL, 0, 0), 0);
	for (n = 0; n < 100; n++)
		ck_assert_int_eq(todolist_insert(l, (int64_t)n + 2, big, title,
		    n % 40 + 1, NULL, 0, 0), 0);
	ck_assert_uint_eq(todolist_payload(l), 1 + sizeof(title) + 7 + 1850);
	p = st_encode(l, &len);
	bound = listfile_size_bound(todolist_size(l), todolist_payload(l));
	ck_assert_uint_le(len, bound);
	ck_assert_uint_ge(len, bound - todolist_size(l) * 80);
	free(p);
	/* Changes keep the payload in step. */
	ck_assert_int_eq(todolist_update(l, 1, NULL, title, 100), 0);
	ck_assert_int_eq(todolist_delete(l, INT64_MAX - 1), 0);
	ck_assert_int_eq(todolist_add(l, small, title, 3, &id), -1);
	ck_assert_uint_eq(todolist_payload(l), 1 + 100 + 1850);
	todolist_free(l);
	ck_assert_uint_eq(listfile_size_bound(SIZE_MAX / 2, 0), SIZE_MAX);
	ck_assert_uint_eq(listfile_size_bound(0, SIZE_MAX - 10), SIZE_MAX);
}
END_TEST

static Suite *
listfile_suite(void)
{
	Suite *s = suite_create("listfile");
	TCase *tc = tcase_create("listfile");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, t_golden);
	tcase_add_loop_test(tc, t_roundtrip, 0, 6);
	tcase_add_loop_test(tc, t_bad, 0, NBAD);
	tcase_add_test(tc, t_accepted);
	tcase_add_test(tc, t_scan_golden);
	tcase_add_test(tc, t_mutated);
	tcase_add_test(tc, t_size_bound);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(listfile_suite());
}
