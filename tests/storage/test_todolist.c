/* test_todolist.c: the list model (the book's Todo.List tests and more). */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "todolist.h"
#include "../ckrun.h"

static const struct todo_date D19 = { 2018, 12, 19 };
static const struct todo_date D20 = { 2018, 12, 20 };
static const struct todo_date D21 = { 2018, 12, 21 };

static int64_t
add(struct todo_list *l, struct todo_date d, const char *title)
{
	int64_t id = -1;

	ck_assert_int_eq(todolist_add(l, d, title, strlen(title), &id), 0);
	return id;
}

/* The titles of the entries of date d, in order, joined by ",". */
static char *
titles_of(const struct todo_list *l, const struct todo_date *d)
{
	static char buf[1024];
	const struct todo_item *it;
	int64_t last = 0;

	buf[0] = '\0';
	it = d != NULL ? todolist_date_first(l, *d) : todolist_first(l);
	for (; it != NULL; it = d != NULL ? todolist_date_next(l, it) :
	    todolist_next(l, it)) {
		ck_assert_int_gt(it->id, last);
		last = it->id;
		if (buf[0] != '\0')
			strlcat(buf, ",", sizeof(buf));
		strlcat(buf, (const char *)it->title, sizeof(buf));
	}
	return buf;
}

static struct todo_list *
book_list(void)
{
	struct todo_list *l = todolist_new();

	ck_assert_ptr_nonnull(l);
	add(l, D19, "Dentist");
	add(l, D20, "Shopping");
	add(l, D19, "Movies");
	return l;
}

START_TEST(t_empty)
{
	struct todo_list *l = todolist_new();

	ck_assert_uint_eq(todolist_size(l), 0);
	ck_assert_int_eq(todolist_next_id(l), 1);
	ck_assert_ptr_null(todolist_first(l));
	ck_assert_ptr_null(todolist_date_first(l, D19));
	ck_assert_uint_eq(todolist_date_count(l, D19), 0);
	ck_assert_ptr_null(todolist_get(l, 1));
	ck_assert_int_eq(todolist_delete(l, 1), TODOLIST_NOTFOUND);
	ck_assert_int_eq(todolist_update(l, 1, &D19, NULL, 0),
	    TODOLIST_NOTFOUND);
	todolist_free(l);
	todolist_free(NULL);
}
END_TEST

START_TEST(t_entries)
{
	struct todo_list *l = book_list();

	ck_assert_str_eq(titles_of(l, &D19), "Dentist,Movies");
	ck_assert_str_eq(titles_of(l, &D20), "Shopping");
	ck_assert_str_eq(titles_of(l, &D21), "");
	ck_assert_str_eq(titles_of(l, NULL), "Dentist,Shopping,Movies");
	ck_assert_uint_eq(todolist_date_count(l, D19), 2);
	todolist_free(l);
}
END_TEST

START_TEST(t_add)
{
	struct todo_list *l = book_list();
	const struct todo_item *it;

	ck_assert_uint_eq(todolist_size(l), 3);
	ck_assert_int_eq(todolist_next_id(l), 4);
	it = todolist_get(l, 2);
	ck_assert_ptr_nonnull(it);
	ck_assert_int_eq(it->id, 2);
	ck_assert_int_eq(it->date.day, 20);
	ck_assert_uint_eq(it->title_len, 8);
	ck_assert_mem_eq(it->title, "Shopping", 8);
	ck_assert_uint_eq(it->extra_pairs, 0);
	ck_assert_ptr_null(it->extra);
	todolist_free(l);
}
END_TEST

START_TEST(t_update)
{
	struct todo_list *l = book_list();
	const struct todo_item *it;

	ck_assert_int_eq(todolist_update(l, 1, NULL, "Dentist!", 8), 0);
	it = todolist_get(l, 1);
	ck_assert_mem_eq(it->title, "Dentist!", 8);
	ck_assert_int_eq(it->date.day, 19);
	ck_assert_int_eq(todolist_update(l, 1, &D19, "D", 1), 0);
	ck_assert_str_eq(titles_of(l, &D19), "D,Movies");
	ck_assert_int_eq(todolist_update(l, 99, NULL, "x", 1),
	    TODOLIST_NOTFOUND);
	ck_assert_uint_eq(todolist_size(l), 3);
	ck_assert_int_eq(todolist_next_id(l), 4);
	todolist_free(l);
}
END_TEST

START_TEST(t_delete)
{
	struct todo_list *l = book_list();

	ck_assert_int_eq(todolist_delete(l, 2), 0);
	ck_assert_uint_eq(todolist_size(l), 2);
	ck_assert_ptr_null(todolist_get(l, 2));
	ck_assert_str_eq(titles_of(l, &D20), "");
	ck_assert_str_eq(titles_of(l, NULL), "Dentist,Movies");
	ck_assert_int_eq(todolist_delete(l, 2), TODOLIST_NOTFOUND);
	ck_assert_int_eq(todolist_delete(l, 0), TODOLIST_NOTFOUND);
	todolist_free(l);
}
END_TEST

START_TEST(t_date_moves)
{
	struct todo_list *l = book_list();

	ck_assert_int_eq(todolist_update(l, 1, &D20, NULL, 0), 0);
	ck_assert_str_eq(titles_of(l, &D19), "Movies");
	ck_assert_str_eq(titles_of(l, &D20), "Dentist,Shopping");
	ck_assert_int_eq(todolist_update(l, 3, &D21, NULL, 0), 0);
	ck_assert_str_eq(titles_of(l, &D19), "");
	ck_assert_str_eq(titles_of(l, &D21), "Movies");
	ck_assert_int_eq(todolist_update(l, 2, &D21, "S", 1), 0);
	ck_assert_str_eq(titles_of(l, &D20), "Dentist");
	ck_assert_str_eq(titles_of(l, &D21), "S,Movies");
	ck_assert_int_eq(todolist_get(l, 2)->date.day, 21);
	todolist_free(l);
}
END_TEST

START_TEST(t_delete_then_add)
{
	struct todo_list *l = book_list();

	ck_assert_int_eq(todolist_delete(l, 3), 0);
	ck_assert_int_eq(add(l, D21, "Gym"), 4);
	ck_assert_int_eq(todolist_delete(l, 4), 0);
	ck_assert_int_eq(todolist_delete(l, 1), 0);
	ck_assert_int_eq(todolist_delete(l, 2), 0);
	ck_assert_uint_eq(todolist_size(l), 0);
	ck_assert_int_eq(add(l, D19, "again"), 5);
	todolist_free(l);
}
END_TEST

/* Loading: ids as given, next_id from the file, later adds after it. */
START_TEST(t_ids_after_reload)
{
	struct todo_list *l = todolist_new();
	const struct todo_item *it;
	static const uint8_t extra[] = { 100, 0, 1, 'x', 97, 7 };

	ck_assert_int_eq(todolist_insert(l, 5, D19, "five", 4, NULL, 0, 0), 0);
	ck_assert_int_eq(todolist_insert(l, 2, D19, "two", 3, extra,
	    sizeof(extra), 1), 0);
	ck_assert_int_eq(todolist_next_id(l), 6);
	todolist_set_next_id(l, 10);
	ck_assert_int_eq(todolist_next_id(l), 10);
	ck_assert_int_eq(add(l, D19, "ten"), 10);
	ck_assert_str_eq(titles_of(l, &D19), "two,five,ten");
	it = todolist_get(l, 2);
	ck_assert_uint_eq(it->extra_pairs, 1);
	ck_assert_uint_eq(it->extra_len, sizeof(extra));
	ck_assert_mem_eq(it->extra, extra, sizeof(extra));
	ck_assert_ptr_ne(it->extra, extra);
	/* Duplicates and ids out of range are refused. */
	ck_assert_int_eq(todolist_insert(l, 5, D20, "x", 1, NULL, 0, 0), -1);
	ck_assert_int_eq(todolist_insert(l, 0, D20, "x", 1, NULL, 0, 0), -1);
	ck_assert_int_eq(todolist_insert(l, -3, D20, "x", 1, NULL, 0, 0), -1);
	ck_assert_int_eq(todolist_insert(l, INT64_MAX, D20, "x", 1, NULL, 0,
	    0), -1);
	ck_assert_uint_eq(todolist_size(l), 3);
	/* next_id never goes back to or below an id present. */
	todolist_set_next_id(l, 3);
	ck_assert_int_eq(todolist_next_id(l), 11);
	todolist_free(l);
}
END_TEST

START_TEST(t_id_limits)
{
	struct todo_list *l = todolist_new();
	int64_t id;

	todolist_set_next_id(l, INT64_MAX - 1);
	ck_assert_int_eq(add(l, D19, "last"), INT64_MAX - 1);
	ck_assert_int_eq(todolist_next_id(l), INT64_MAX);
	ck_assert_int_eq(todolist_add(l, D19, "x", 1, &id), -1);
	ck_assert_uint_eq(todolist_size(l), 1);
	ck_assert_int_eq(todolist_insert(l, (int64_t)1 << 40, D19, "big", 3,
	    NULL, 0, 0), 0);
	ck_assert_str_eq(titles_of(l, &D19), "big,last");
	todolist_free(l);
}
END_TEST

START_TEST(t_titles_copied)
{
	struct todo_list *l = todolist_new();
	char title[] = "a\0b";
	const struct todo_item *it;
	int64_t id;

	ck_assert_int_eq(todolist_add(l, D19, title, 3, &id), 0);
	title[0] = 'X';
	it = todolist_get(l, id);
	ck_assert_uint_eq(it->title_len, 3);
	ck_assert_mem_eq(it->title, "a\0b", 3);
	ck_assert_int_eq(todolist_update(l, id, NULL, title, 2), 0);
	title[0] = 'Y';
	ck_assert_mem_eq(todolist_get(l, id)->title, "X\0", 2);
	ck_assert_uint_eq(todolist_get(l, id)->title_len, 2);
	todolist_free(l);
}
END_TEST

/* Dates far apart order by calendar, not by any field alone. */
START_TEST(t_date_order)
{
	static const struct todo_date ds[] = {
		{ 0, 1, 1 }, { 9999, 12, 31 }, { 2018, 1, 31 }, { 2018, 2, 1 },
		{ 2017, 12, 31 }, { 2000, 2, 29 },
	};
	struct todo_list *l = todolist_new();
	size_t i;

	for (i = 0; i < sizeof(ds) / sizeof(ds[0]); i++)
		add(l, ds[i], "x");
	for (i = 0; i < sizeof(ds) / sizeof(ds[0]); i++) {
		ck_assert_uint_eq(todolist_date_count(l, ds[i]), 1);
		ck_assert_int_eq(todolist_date_first(l, ds[i])->id,
		    (int64_t)i + 1);
	}
	todolist_free(l);
}
END_TEST

#define BIG	100000
#define NDAYS	365

static struct todo_date
day_n(int n)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	struct todo_date d = { 2019, 1, 1 };

	while (n >= mdays[d.month - 1]) {
		n -= mdays[d.month - 1];
		d.month++;
	}
	d.day = n + 1;
	return d;
}

/* The entries of day d are those the model has on d, in id order; how
 * many. */
static size_t
check_day(const struct todo_list *l, const int *day_of, int64_t next, int d)
{
	const struct todo_item *it;
	int64_t last = 0, i;
	size_t k = 0, want = 0;

	for (it = todolist_date_first(l, day_n(d)); it != NULL;
	    it = todolist_date_next(l, it)) {
		ck_assert_int_gt(it->id, last);
		ck_assert_int_eq(day_of[it->id], d);
		last = it->id;
		k++;
	}
	for (i = 1; i < next; i++)
		if (day_of[i] == d)
			want++;
	ck_assert_uint_eq(k, want);
	ck_assert_uint_eq(k, todolist_date_count(l, day_n(d)));
	return k;
}

START_TEST(t_big)
{
	struct todo_list *l = todolist_new();
	static int day_of[BIG + 1];
	size_t total = 0;
	int64_t id;
	int i, d;
	char title[32];

	srandom(42);
	for (i = 1; i <= BIG; i++) {
		d = (int)(random() % NDAYS);
		snprintf(title, sizeof(title), "t%d", i);
		ck_assert_int_eq(todolist_add(l, day_n(d), title,
		    strlen(title), &id), 0);
		ck_assert_int_eq(id, i);
		day_of[i] = d;
	}
	/* Move every 7th entry, delete every 11th. */
	for (i = 7; i <= BIG; i += 7) {
		d = (day_of[i] + 100) % NDAYS;
		struct todo_date nd = day_n(d);
		ck_assert_int_eq(todolist_update(l, i, &nd, NULL, 0), 0);
		day_of[i] = d;
	}
	for (i = 11; i <= BIG; i += 11) {
		ck_assert_int_eq(todolist_delete(l, i), 0);
		day_of[i] = -1;
	}
	for (d = 0; d < NDAYS; d++)
		total += check_day(l, day_of, BIG + 1, d);
	ck_assert_uint_eq(total, todolist_size(l));
	ck_assert_uint_eq(total, BIG - BIG / 11);
	todolist_free(l);
}
END_TEST

/* Random operations against a plain array. */
/* A model of a list: day_of[id] is the day of entry id, -1 if absent. */
struct model {
	int	*day_of;
	int	 max;		/* ids 1 .. max */
	int64_t	 next;
	size_t	 size;
};

static void
model_init(struct model *m, int *day_of, int max)
{
	int i;

	m->day_of = day_of;
	m->max = max;
	m->next = 1;
	m->size = 0;
	for (i = 0; i <= max; i++)
		day_of[i] = -1;
}

/* One random change of l and of its model, on one of days days: of ways
 * (3 or more) equal chances, the last two a date change and a delete of
 * a random id (present or not), the others an add. */
static void
random_op(struct todo_list *l, struct model *m, int days, int ways)
{
	int i = (int)(random() % (m->next < 2 ? 1 : m->next - 1)) + 1;
	int d = (int)(random() % days), k = (int)(random() % ways);
	struct todo_date nd = day_n(d);
	int64_t id;

	if (k == ways - 2) {
		ck_assert_int_eq(todolist_update(l, i, &nd, NULL, 0),
		    m->day_of[i] == -1 ? TODOLIST_NOTFOUND : 0);
		if (m->day_of[i] != -1)
			m->day_of[i] = d;
	} else if (k == ways - 1) {
		ck_assert_int_eq(todolist_delete(l, i),
		    m->day_of[i] == -1 ? TODOLIST_NOTFOUND : 0);
		if (m->day_of[i] != -1)
			m->size--;
		m->day_of[i] = -1;
	} else if (m->next <= m->max) {
		ck_assert_int_eq(todolist_add(l, nd, "x", 1, &id), 0);
		ck_assert_int_eq(id, m->next);
		m->day_of[m->next++] = d;
		m->size++;
	}
}

START_TEST(t_random_ops)
{
	enum { N = 3000, OPS = 20000 };
	static int day_of[N + 1];
	struct todo_list *l = todolist_new();
	const struct todo_item *it;
	struct model m;
	int op, i, d;
	size_t k;

	srandom(7);
	model_init(&m, day_of, N);
	for (op = 0; op < OPS; op++)
		random_op(l, &m, 20, 3);
	ck_assert_uint_eq(todolist_size(l), m.size);
	for (d = 0; d < 20; d++) {
		k = 0;
		for (i = 1; i < m.next; i++)
			if (day_of[i] == d)
				k++;
		ck_assert_uint_eq(todolist_date_count(l, day_n(d)), k);
	}
	k = 0;
	for (it = todolist_first(l); it != NULL; it = todolist_next(l, it)) {
		ck_assert_int_ne(day_of[it->id], -1);
		k++;
	}
	ck_assert_uint_eq(k, m.size);
	todolist_free(l);
}
END_TEST

/*
 * Date lookups before the index by date is built (walks of the ids) and
 * after, with adds, date changes and deletes in both phases, against a
 * model: the same entries in the same order either way.
 */
START_TEST(t_date_index_lazy)
{
	enum { N = 600, OPS = 4000, DAYS = 7 };
	static int day_of[N + 1];
	struct todo_list *l = todolist_new();
	struct model m;
	int op, d, scans = 0, indexed = 0;

	srandom(11);
	model_init(&m, day_of, N);
	for (op = 0; op < OPS; op++) {
		random_op(l, &m, DAYS, 4);
		if (op % 200 != 199)
			continue;
		if (todolist_dates_indexed(l))
			indexed++;
		else
			scans++;
		check_day(l, day_of, m.next, (int)(random() % DAYS));
	}
	/* lookups, and changes between them, in both phases */
	ck_assert_int_ge(scans, 2);
	ck_assert_int_ge(indexed, 10);
	for (d = 0; d < DAYS; d++)
		check_day(l, day_of, m.next, d);
	todolist_free(l);
}
END_TEST

/* Inserts with given ids (a file's load) in every order, mixed with
 * deletes of the highest id: the id tree stays ordered and complete, and
 * next_id stays above every id (the highest id is tracked apart). */
START_TEST(t_insert_orders)
{
	enum { N = 4000, OPS = 30000 };
	static char present[N + 1];
	struct todo_list *l = todolist_new();
	const struct todo_item *it;
	int64_t id, max = 0, last;
	size_t k, size = 0;
	int op, dup;

	srandom(11);
	memset(present, 0, sizeof(present));
	for (op = 0; op < OPS; op++) {
		switch (random() % 4) {
		case 0:		/* above every id: the short path */
		case 1:
			id = max + 1 + random() % 3;
			break;
		case 2:		/* anywhere */
			id = 1 + random() % N;
			break;
		default:	/* the highest goes */
			if (max == 0)
				continue;
			ck_assert_int_eq(todolist_delete(l, max), 0);
			present[max] = 0;
			size--;
			while (max > 0 && !present[max])
				max--;
			continue;
		}
		if (id > N)
			continue;
		dup = present[id];
		ck_assert_int_eq(todolist_insert(l, id, day_n((int)(id % 9)),
		    "i", 1, NULL, 0, 0), dup ? -1 : 0);
		if (!dup) {
			present[id] = 1;
			size++;
			if (id > max)
				max = id;
		}
	}
	ck_assert_uint_eq(todolist_size(l), size);
	k = 0;
	last = 0;
	for (it = todolist_first(l); it != NULL; it = todolist_next(l, it)) {
		ck_assert_int_gt(it->id, last);
		ck_assert(present[it->id]);
		last = it->id;
		k++;
	}
	ck_assert_uint_eq(k, size);
	ck_assert_int_eq(last, max);
	for (id = 1; id <= N; id++)
		ck_assert((todolist_get(l, id) != NULL) == present[id]);
	todolist_set_next_id(l, 1);
	ck_assert_int_eq(todolist_next_id(l), max + 1);
	ck_assert_int_eq(todolist_add(l, day_n(0), "a", 1, &id), 0);
	ck_assert_int_eq(id, max + 1);
	todolist_free(l);
}
END_TEST

static Suite *
todolist_suite(void)
{
	Suite *s = suite_create("todolist");
	TCase *tc = tcase_create("book");
	TCase *more = tcase_create("more");

	tcase_add_test(tc, t_empty);
	tcase_add_test(tc, t_entries);
	tcase_add_test(tc, t_add);
	tcase_add_test(tc, t_update);
	tcase_add_test(tc, t_delete);
	suite_add_tcase(s, tc);
	tcase_add_test(more, t_date_moves);
	tcase_add_test(more, t_delete_then_add);
	tcase_add_test(more, t_ids_after_reload);
	tcase_add_test(more, t_id_limits);
	tcase_add_test(more, t_titles_copied);
	tcase_add_test(more, t_date_order);
	tcase_add_test(more, t_big);
	tcase_add_test(more, t_random_ops);
	tcase_add_test(more, t_insert_orders);
	tcase_add_test(more, t_date_index_lazy);
	suite_add_tcase(s, more);
	return s;
}

int
main(void)
{
	return ck_run(todolist_suite());
}
