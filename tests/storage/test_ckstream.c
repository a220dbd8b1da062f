/*
 * test_ckstream.c: the streamed checkpoint (ckstream.h).  Its output must
 * be the list that the lenient replay of the same ops gives on the old
 * file (modelled here the simple way, on the whole list), whatever the
 * ops (adds of ids the file has, updates and deletes of ids it lacks),
 * across read chunks and with an entry larger than a chunk; and a file
 * that is not a list file, or that must not stream, leaves nothing.
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "ckstream.h"
#include "etf.h"
#include "listfile.h"
#include "listops.h"
#include "storage_test.h"
#include "store.h"
#include "todolist.h"
#include "../ckrun.h"

#define MAX_FILE	(64u << 20)

static char *dir;
static int dfd = -1;
static struct etf_arena *arena;

static void
setup(void)
{
	dir = st_tmpdir();
	ck_assert_ptr_nonnull(dir);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(dfd, 0);
	arena = etf_arena_new();
}

static void
teardown(void)
{
	etf_arena_free(arena);
	close(dfd);
	st_rmtree(dir);
	free(dir);
}

static const struct todo_date dates[3] = {
	{ 2024, 1, 1 }, { 2024, 3, 9 }, { 1999, 12, 31 }
};

/* The lenient replay of one op (the worker's, modelled). */
static void
lenient(struct todo_list *l, const struct listop *op)
{
	if (listop_replay(l, op) == 0)
		return;
	if (op->kind == LISTOP_ADD) {
		ck_assert_int_eq(todolist_delete(l, op->id), 0);
		ck_assert_int_eq(listop_replay(l, op), 0);
	} else
		ck_assert_ptr_null(todolist_get(l, op->id));
}

/* A list of n entries, some with extra keys, one of them large. */
static struct todo_list *
make_list(int n, size_t big)
{
	struct todo_list *l = todolist_new();
	uint8_t small[] = { 119, 1, 'x', 97, 7 };	/* x => 7 */
	uint8_t *extra;
	char title[64];
	int i;

	ck_assert_ptr_nonnull(l);
	extra = calloc(1, big + 8);
	ck_assert_ptr_nonnull(extra);
	extra[0] = 119; extra[1] = 1; extra[2] = 'y';	/* y => <<...>> */
	extra[3] = 109;
	extra[4] = (uint8_t)(big >> 24); extra[5] = (uint8_t)(big >> 16);
	extra[6] = (uint8_t)(big >> 8); extra[7] = (uint8_t)big;
	for (i = 1; i <= n; i++) {
		snprintf(title, sizeof(title), "entry %d of the list", i);
		if (i == n / 2 && big > 0)
			ck_assert_int_eq(todolist_insert(l, i, dates[i % 3],
			    title, strlen(title), extra, big + 8, 1), 0);
		else if (i % 7 == 0)
			ck_assert_int_eq(todolist_insert(l, i, dates[i % 3],
			    title, strlen(title), small, sizeof(small), 1), 0);
		else
			ck_assert_int_eq(todolist_insert(l, i, dates[i % 3],
			    title, strlen(title), NULL, 0, 0), 0);
	}
	todolist_set_next_id(l, n + 5);
	free(extra);
	return l;
}

static int
write_file(const char *name, const void *p, size_t len)
{
	return st_write_file(dfd, name, p, len);
}

/* Run a checkpoint of file "f" with ops; the result, and the new list
 * (NULL unless CKSTREAM_OK). */
static int
run_file(struct listop **ops, size_t nops, size_t max, int use_file,
    struct todo_list **out)
{
	struct ckstream *ck = ckstream_new();
	struct store_tmp st;
	const char *why = NULL;
	uint32_t crc = 0;
	uint8_t *got;
	size_t i, glen;
	int fd, rc;

	*out = NULL;
	ck_assert_ptr_nonnull(ck);
	for (i = 0; i < nops; i++)
		ck_assert_int_eq(ckstream_op(ck, ops[i]), 0);
	fd = use_file ? openat(dfd, "f", O_RDONLY) : -1;
	ck_assert_int_ge(fd, use_file ? 0 : -1);
	rc = ckstream_run(ck, fd, dfd, "t", "f", 1, max, &st, &crc, &why);
	if (fd != -1)
		close(fd);
	ckstream_free(ck);
	if (rc != CKSTREAM_OK) {
		ck_assert_int_eq(st_count_temps(dfd), 0);
		return rc;
	}
	got = st_read_file(dfd, st.tmp, &glen);
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(glen, st.len);
	ck_assert_uint_eq(crc, (uint32_t)crc32_z(0L, got, glen));
	ck_assert_msg(store_parse(arena, got, glen, MAX_FILE, out, &why) ==
	    STORE_OK, "output: %s", why);
	etf_arena_reset(arena);
	free(got);
	store_abort(dfd, &st);
	return rc;
}

static int
run(struct listop **ops, size_t nops, size_t max, struct todo_list **out)
{
	return run_file(ops, nops, max, 1, out);
}

static struct listop *
random_op(unsigned *seed, int64_t next_id, int step)
{
	char title[32];
	int64_t id = 1 + rand_r(seed) % (next_id + 3);
	int k = rand_r(seed) % 4, dd = rand_r(seed) % 4;

	snprintf(title, sizeof(title), "new %d", step);
	switch (k) {
	case 0:	/* an add: a new id, or (rarely) one that exists */
		if (rand_r(seed) % 5 != 0)
			id = next_id;
		return listop_new(LISTOP_ADD, id, 1, dates[dd % 3], title,
		    strlen(title));
	case 1:
	case 2:
		return listop_new(LISTOP_UPDATE, id, dd < 3, dates[dd % 3],
		    dd == 3 || rand_r(seed) % 2 ? title : NULL,
		    strlen(title));
	default:
		return listop_new(LISTOP_DELETE, id, 0, dates[0], NULL, 0);
	}
}

START_TEST(t_random)
{
	struct todo_list *l, *want, *got;
	struct listop *ops[400];
	unsigned seed = 77 + (unsigned)_i;
	size_t i, n = 1 + (size_t)_i * 60, len;
	int64_t next_id;
	uint8_t *p;

	/* 3000 entries (~400 kB, two read chunks), one of 300 kB. */
	l = make_list(3000, _i % 2 ? 300 * 1024 : 0);
	p = st_encode(l, &len);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(write_file("f", p, len), 0);
	free(p);
	want = listop_clone(l);
	next_id = todolist_next_id(l);
	for (i = 0; i < n; i++) {
		ops[i] = random_op(&seed, next_id, (int)i);
		ck_assert_ptr_nonnull(ops[i]);
		lenient(want, ops[i]);
		next_id = todolist_next_id(want);
	}
	ck_assert_int_eq(run(ops, n, MAX_FILE, &got), CKSTREAM_OK);
	ck_assert_msg(st_list_equal(got, want), "streamed list differs");
	for (i = 0; i < n; i++)
		listop_free(ops[i]);
	todolist_free(l);
	todolist_free(want);
	todolist_free(got);
}
END_TEST

/* No file yet: the ops on an empty list. */
START_TEST(t_nofile)
{
	struct todo_list *want = todolist_new(), *got;
	struct listop *ops[300];
	unsigned seed = 5;
	size_t i;

	for (i = 0; i < 300; i++) {
		ops[i] = random_op(&seed, todolist_next_id(want), (int)i);
		lenient(want, ops[i]);
	}
	ck_assert_int_eq(run_file(ops, 300, MAX_FILE, 0, &got), CKSTREAM_OK);
	ck_assert_msg(st_list_equal(got, want), "streamed list differs");
	ck_assert_uint_gt(todolist_size(got), 0);
	for (i = 0; i < 300; i++)
		listop_free(ops[i]);
	todolist_free(want);
	todolist_free(got);
}
END_TEST

/* Bytes of a valid file of n entries, and a copy to spoil. */
static uint8_t *
file_of(int n, size_t *len)
{
	struct todo_list *l = make_list(n, 0);
	uint8_t *p = st_encode(l, len);

	ck_assert_ptr_nonnull(p);
	todolist_free(l);
	return p;
}

START_TEST(t_bad)
{
	struct listop *op = listop_new(LISTOP_ADD, 9000, 1, dates[0], "x", 1);
	struct todo_list *got;
	uint8_t *p;
	size_t len;

	p = file_of(2000, &len);
	/* truncated */
	ck_assert_int_eq(write_file("f", p, len - 7), 0);
	ck_assert_int_eq(run(&op, 1, MAX_FILE, &got), CKSTREAM_CORRUPT);
	/* a byte after the term */
	p = realloc(p, len + 1);
	p[len] = 0;
	ck_assert_int_eq(write_file("f", p, len + 1), 0);
	ck_assert_int_eq(run(&op, 1, MAX_FILE, &got), CKSTREAM_CORRUPT);
	/* too large to be a file */
	ck_assert_int_eq(write_file("f", p, len), 0);
	errno = 0;
	ck_assert_int_eq(run(&op, 1, len / 2, &got), CKSTREAM_ERR);
	ck_assert_int_eq(errno, EFBIG);
	/* garbage in the middle */
	memset(p + len / 2, 0xff, 64);
	ck_assert_int_eq(write_file("f", p, len), 0);
	ck_assert_int_eq(run(&op, 1, MAX_FILE, &got), CKSTREAM_CORRUPT);
	/* not a list at all */
	ck_assert_int_eq(write_file("f", "\x83\x61\x01", 3), 0);
	ck_assert_int_eq(run(&op, 1, MAX_FILE, &got), CKSTREAM_CORRUPT);
	/* compressed: the plain way */
	ck_assert_int_eq(write_file("f", "\x83\x50\0\0\0\1\0", 7), 0);
	ck_assert_int_eq(run(&op, 1, MAX_FILE, &got), CKSTREAM_FALLBACK);
	free(p);
	listop_free(op);
}
END_TEST

/* A Todo.List map whose three pairs are given: k0 => v0, ...  An empty
 * entries map is written for a value "{}", an integer for a number,
 * else an atom. */
static uint8_t *
struct_file(const char *const kv[6], size_t *len)
{
	struct etf_buf b;
	int i;

	etf_buf_init(&b);
	etf_put_version(&b);
	etf_put_map(&b, 3);
	for (i = 0; i < 6; i++) {
		if (i % 2 == 0)
			etf_put_atom(&b, kv[i]);
		else if (strcmp(kv[i], "{}") == 0)
			etf_put_map(&b, 0);
		else if (kv[i][0] >= '0' && kv[i][0] <= '9')
			etf_put_int(&b, atoll(kv[i]));
		else
			etf_put_atom(&b, kv[i]);
	}
	*len = b.len;
	return b.p;
}

/* The old file's Todo.List map is checked by the rules listfile_parse
 * uses (listfile.h): a shape one refuses, the other refuses too. */
START_TEST(t_bad_struct)
{
	static const char *const shapes[][6] = {
		/* accepted: any order */
		{ "entries", "{}", "next_id", "1", "__struct__",
		    "Elixir.Todo.List" },
		/* a key twice */
		{ "__struct__", "Elixir.Todo.List", "__struct__",
		    "Elixir.Todo.List", "entries", "{}" },
		{ "next_id", "1", "entries", "{}", "next_id", "2" },
		/* a key that is not one of the three */
		{ "__struct__", "Elixir.Todo.List", "next_id", "1", "other",
		    "{}" },
		/* a wrong value */
		{ "__struct__", "Elixir.Other", "next_id", "1", "entries",
		    "{}" },
		{ "__struct__", "Elixir.Todo.List", "next_id", "0", "entries",
		    "{}" },
		{ "__struct__", "Elixir.Todo.List", "next_id", "1", "entries",
		    "nil" },
	};
	struct listop *op = listop_new(LISTOP_ADD, 1, 1, dates[0], "x", 1);
	struct todo_list *got, *parsed;
	const char *why;
	uint8_t *p;
	size_t i, len;
	int rc;

	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		p = struct_file(shapes[i], &len);
		parsed = listfile_parse(p, len, &why);
		ck_assert_int_eq(write_file("f", p, len), 0);
		got = NULL;
		rc = run(&op, 1, MAX_FILE, &got);
		ck_assert_msg((parsed != NULL) == (rc == CKSTREAM_OK),
		    "shape %zu: listfile_parse %s, ckstream %d", i,
		    parsed != NULL ? "accepts" : why, rc);
		ck_assert_int_eq(rc, i == 0 ? CKSTREAM_OK : CKSTREAM_CORRUPT);
		todolist_free(parsed);
		todolist_free(got);
		free(p);
	}
	listop_free(op);
}
END_TEST

/* Ids that do not ascend (a map in OTP's hash order): the plain way. */
START_TEST(t_unsorted)
{
	struct listop *op = listop_new(LISTOP_DELETE, 1, 0, dates[0], NULL, 0);
	struct etf_buf b;
	struct todo_list *got;
	struct todo_item it;
	int64_t id;

	etf_buf_init(&b);
	etf_put_version(&b);
	etf_put_map(&b, 3);
	etf_put_atom(&b, "__struct__");
	etf_put_atom(&b, "Elixir.Todo.List");
	etf_put_atom(&b, "entries");
	etf_put_map(&b, 2);
	for (id = 2; id >= 1; id--) {
		memset(&it, 0, sizeof(it));
		it.id = id;
		it.date = dates[0];
		it.title = (const uint8_t *)"t";
		it.title_len = 1;
		listfile_put_pair(&b, &it);
	}
	etf_put_atom(&b, "next_id");
	etf_put_int(&b, 3);
	ck_assert(!b.oom);
	ck_assert_int_eq(write_file("f", b.p, b.len), 0);
	ck_assert_int_eq(run(&op, 1, MAX_FILE, &got), CKSTREAM_FALLBACK);
	etf_buf_free(&b);
	listop_free(op);
}
END_TEST

static Suite *
ckstream_suite(void)
{
	Suite *s = suite_create("ckstream");
	TCase *tc = tcase_create("ckstream");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, t_random, 0, 6);
	tcase_add_test(tc, t_nofile);
	tcase_add_test(tc, t_bad);
	tcase_add_test(tc, t_bad_struct);
	tcase_add_test(tc, t_unsorted);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(ckstream_suite());
}
