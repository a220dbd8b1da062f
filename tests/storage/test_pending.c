/*
 * test_pending.c: a list server's pending changes (pending.h).  Random
 * changes, acknowledgements and failed stores on one list, checked after
 * every step against two model lists kept the simple way: the durable
 * one (acknowledged changes replayed on it) and the working one (every
 * change applied at once; a copy of the durable one after a failure).
 */
#include "config.h"

#include <sys/queue.h>

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listops.h"
#include "pending.h"
#include "storage_test.h"
#include "todolist.h"
#include "../ckrun.h"

static const struct todo_date dates[3] = {
	{ 2024, 1, 1 }, { 2024, 1, 2 }, { 2024, 2, 29 }
};

/* Entries of a list through the durable view, as text. */
struct text {
	char	buf[8192];
	size_t	len;
};

static void
text_add(struct text *t, int64_t id, struct todo_date d, const uint8_t *title,
    size_t len)
{
	int n;

	n = snprintf(t->buf + t->len, sizeof(t->buf) - t->len,
	    "%lld@%d-%d-%d:%.*s;", (long long)id, d.year, d.month, d.day,
	    (int)len, (const char *)title);
	/* Plain tests in the hot loops: every ck_assert costs a write to
	 * the runner. */
	if (n <= 0 || (size_t)n >= sizeof(t->buf) - t->len)
		ck_abort_msg("text buffer too small");
	t->len += (size_t)n;
}

static void
text_cb(void *arg, int64_t id, struct todo_date d, const uint8_t *title,
    size_t len)
{
	text_add(arg, id, d, title, len);
}

static void
model_text(const struct todo_list *l, const struct todo_date *d,
    struct text *t)
{
	const struct todo_item *it;

	t->len = 0;
	t->buf[0] = '\0';
	it = d != NULL ? todolist_date_first(l, *d) : todolist_first(l);
	for (; it != NULL; it = d != NULL ? todolist_date_next(l, it) :
	    todolist_next(l, it))
		text_add(t, it->id, it->date, it->title, it->title_len);
}

static size_t
count(const struct text *t)
{
	size_t i, n = 0;

	for (i = 0; i < t->len; i++)
		n += t->buf[i] == ';';
	return n;
}

static void
check_views(const struct pending *p, const struct todo_list *l,
    const struct todo_list *durable, const struct todo_list *working)
{
	struct text got, want;
	size_t i, n;

	if (!st_list_equal(l, working))
		ck_abort_msg("working list differs");
	if (pending_durable_size(p, l) != todolist_size(durable))
		ck_abort_msg("durable size %zu, want %zu",
		    pending_durable_size(p, l), todolist_size(durable));
	for (i = 0; i <= 3; i++) {
		const struct todo_date *d = i < 3 ? &dates[i] : NULL;

		model_text(durable, d, &want);
		got.len = 0;
		got.buf[0] = '\0';
		n = pending_durable_entries(p, l, d, text_cb, &got);
		if (strcmp(got.buf, want.buf) != 0 || n != count(&want))
			ck_abort_msg("durable view (date %zu):\n got  %s\n "
			    "want %s", i, got.buf, want.buf);
	}
}

/* A copy of an op as it was asked for, to replay on the models. */
static struct listop *
op_copy(const struct listop *op)
{
	struct listop *c = listop_new(op->kind, op->id, op->has_date,
	    op->date, op->title, op->title_len);

	ck_assert_ptr_nonnull(c);
	c->seq = op->seq;
	return c;
}

static struct todo_list *
list_copy(const struct todo_list *l)
{
	struct todo_list *c = listop_clone(l);

	ck_assert_ptr_nonnull(c);
	return c;
}

/* A list with extra keys in one entry (kept through delete and undo). */
static struct todo_list *
start_list(void)
{
	static const uint8_t extra[] = { 119, 1, 'x', 97, 7 };	/* x => 7 */
	struct todo_list *l = todolist_new();

	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(todolist_insert(l, 1, dates[0], "one", 3, extra,
	    sizeof(extra), 1), 0);
	ck_assert_int_eq(todolist_insert(l, 2, dates[1], "two", 3, NULL, 0,
	    0), 0);
	todolist_set_next_id(l, 3);
	return l;
}

START_TEST(t_random)
{
	struct pending p;
	struct listop_queue shadow;	/* copies of the pending ops */
	struct todo_list *l, *durable, *working;
	struct listop *op, *c;
	uint64_t seq = 1, acked = 0, inflight = 0;
	unsigned seed = 12345 + (unsigned)_i;
	char title[32];
	int step, rc, r, k;

	TAILQ_INIT(&shadow);
	pending_init(&p);
	l = start_list();
	durable = start_list();
	working = start_list();
	check_views(&p, l, durable, working);
	for (step = 0; step < 4000; step++) {
		r = rand_r(&seed) % 100;
		if (r < 60) {
			/* A change, in the batch being collected. */
			k = rand_r(&seed) % 3;
			snprintf(title, sizeof(title), "t%d", step);
			if (k == 0)
				op = listop_new(LISTOP_ADD, 0, 1,
				    dates[rand_r(&seed) % 3], title,
				    strlen(title));
			else if (k == 1) {
				int dd = rand_r(&seed) % 4;

				op = listop_new(LISTOP_UPDATE,
				    1 + rand_r(&seed) %
				    (int)todolist_next_id(l), dd < 3,
				    dates[dd % 3], dd == 3 ||
				    rand_r(&seed) % 2 ? title : NULL,
				    strlen(title));
			} else
				op = listop_new(LISTOP_DELETE,
				    1 + rand_r(&seed) %
				    (int)todolist_next_id(l), 0, dates[0],
				    NULL, 0);
			ck_assert_ptr_nonnull(op);
			rc = pending_apply(&p, l, op, seq);
			if (rc == TODOLIST_NOTFOUND) {
				ck_assert_ptr_null(todolist_get(working,
				    op->id));
				listop_free(op);
				continue;
			}
			ck_assert_int_eq(rc, 0);
			c = op_copy(op);
			ck_assert_int_eq(listop_replay(working, c), 0);
			TAILQ_INSERT_TAIL(&shadow, c, entry);
		} else if (r < 80 && inflight == 0) {
			/* The batch goes out. */
			inflight = seq++;
		} else if (r < 95 && inflight != 0) {
			/* ... and is acknowledged. */
			pending_ack(&p, inflight);
			acked = inflight;
			inflight = 0;
			while ((c = TAILQ_FIRST(&shadow)) != NULL &&
			    c->seq <= acked) {
				TAILQ_REMOVE(&shadow, c, entry);
				ck_assert_int_eq(listop_replay(durable, c), 0);
				listop_free(c);
			}
		} else if (inflight != 0) {
			/* ... or fails: everything pending is undone. */
			pending_undo(&p, l);
			inflight = 0;
			while ((c = TAILQ_FIRST(&shadow)) != NULL) {
				TAILQ_REMOVE(&shadow, c, entry);
				listop_free(c);
			}
			todolist_free(working);
			working = list_copy(durable);
			ck_assert_msg(st_list_equal(l, durable),
			    "undone list differs from the durable one");
		}
		check_views(&p, l, durable, working);
	}
	pending_clear(&p);
	while ((c = TAILQ_FIRST(&shadow)) != NULL) {
		TAILQ_REMOVE(&shadow, c, entry);
		listop_free(c);
	}
	todolist_free(l);
	todolist_free(durable);
	todolist_free(working);
}
END_TEST

/* The same id changed several times while pending: the durable view
 * shows it as it was before the first change. */
START_TEST(t_chain)
{
	struct pending p;
	struct todo_list *l = start_list();
	struct listop *op;
	struct text got;

	pending_init(&p);
	op = listop_new(LISTOP_UPDATE, 1, 1, dates[2], "uno", 3);
	ck_assert_int_eq(pending_apply(&p, l, op, 1), 0);
	op = listop_new(LISTOP_UPDATE, 1, 0, dates[0], "eins", 4);
	ck_assert_int_eq(pending_apply(&p, l, op, 2), 0);
	op = listop_new(LISTOP_DELETE, 1, 0, dates[0], NULL, 0);
	ck_assert_int_eq(pending_apply(&p, l, op, 2), 0);
	ck_assert_ptr_null(todolist_get(l, 1));
	got.len = 0;
	got.buf[0] = '\0';
	ck_assert_uint_eq(pending_durable_entries(&p, l, NULL, text_cb, &got),
	    2);
	ck_assert_str_eq(got.buf, "1@2024-1-1:one;2@2024-1-2:two;");
	pending_ack(&p, 1);
	got.len = 0;
	got.buf[0] = '\0';
	pending_durable_entries(&p, l, &dates[2], text_cb, &got);
	ck_assert_str_eq(got.buf, "1@2024-2-29:uno;");
	ck_assert_uint_eq(pending_durable_size(&p, l), 2);
	pending_ack(&p, 2);
	ck_assert_uint_eq(p.nops, 0);
	ck_assert_uint_eq(pending_durable_size(&p, l), 1);
	todolist_free(l);
}
END_TEST

static Suite *
pending_suite(void)
{
	Suite *s = suite_create("pending");
	TCase *tc = tcase_create("pending");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, t_random, 0, 4);
	tcase_add_test(tc, t_chain);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(pending_suite());
}
