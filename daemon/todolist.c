/*
 * todolist.c: the list model (the book's Todo.List).
 *
 * Every entry is one node in a red-black tree by id, and, once the list
 * has been asked for the entries of a date TODO_DATE_SCANS times, in a
 * second one by (date, id).  Entries of one date are a contiguous run of
 * the second tree, found with one descent and walked in id order:
 * O(log n + k).  Before, a date's entries are found by walking the id
 * tree (O(n) per lookup): a list loaded to answer one or two requests,
 * or only changed, never pays for the index (building it for a list
 * file of 1,000 entries took a few percent of a cold open's CPU).  The
 * index is a cache: building it from a const lookup changes no entry.
 * Titles and extra map pairs are copied and owned by the list; a
 * node's first title is allocated with the node (one allocation per
 * entry when a list is loaded), a title set by an update on its own.
 *
 * Ids run from 1 to INT64_MAX - 1: next_id is always above every id in
 * the list and is at most INT64_MAX, so the last id is never handed out.
 */
#include "config.h"

#include <sys/tree.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "todolist.h"

struct todo_node {
	RB_ENTRY(todo_node)	by_id;
	RB_ENTRY(todo_node)	by_date;
	int32_t			dkey;	/* date as yyyymmdd, for ordering */
	struct todo_item	item;
};

RB_HEAD(todo_ids, todo_node);
RB_HEAD(todo_dates, todo_node);

struct todo_list {
	struct todo_ids		ids;
	struct todo_dates	dates;	/* empty until dated */
	struct todo_node	*max;	/* the highest id, or NULL */
	size_t			n;
	size_t			payload;	/* titles and extras, bytes */
	int64_t			next_id;
	int			dated;	/* the (date, id) index is built */
	unsigned		scans;	/* date lookups before it was */
};

/* Date lookups answered by walking the ids before the index is built. */
#define TODO_DATE_SCANS		4

static int
todo_cmp_id(const struct todo_node *a, const struct todo_node *b)
{
	if (a->item.id != b->item.id)
		return a->item.id < b->item.id ? -1 : 1;
	return 0;
}

static int
todo_cmp_date(const struct todo_node *a, const struct todo_node *b)
{
	if (a->dkey != b->dkey)
		return a->dkey < b->dkey ? -1 : 1;
	return todo_cmp_id(a, b);
}

/* libbsd leaves __unused undefined, so RB_GENERATE_STATIC cannot be used. */
#define TODO_RB_STATIC	__attribute__((__unused__)) static
RB_GENERATE_INTERNAL(todo_ids, todo_node, by_id, todo_cmp_id, TODO_RB_STATIC)
RB_GENERATE_INTERNAL(todo_dates, todo_node, by_date, todo_cmp_date,
    TODO_RB_STATIC)

static int32_t
todo_dkey(struct todo_date d)
{
	return (int32_t)d.year * 10000 + d.month * 100 + d.day;
}

static struct todo_node *
todo_node_of(const struct todo_item *it)
{
	return (struct todo_node *)((char *)(uintptr_t)it -
	    offsetof(struct todo_node, item));
}

/* A private copy of len bytes, NUL-terminated for convenience. */
static uint8_t *
todo_dup(const void *p, size_t len)
{
	uint8_t *q;

	if (len == SIZE_MAX || (q = malloc(len + 1)) == NULL)
		return NULL;
	if (len > 0)
		memcpy(q, p, len);
	q[len] = '\0';
	return q;
}

/* The title allocated with the node, just after it. */
static const uint8_t *
todo_inline_title(const struct todo_node *n)
{
	return (const uint8_t *)(n + 1);
}

static void
todo_free_title(struct todo_node *n)
{
	if (n->item.title != todo_inline_title(n))
		free((void *)(uintptr_t)n->item.title);
}

static void
todo_node_free(struct todo_node *n)
{
	todo_free_title(n);
	free((void *)(uintptr_t)n->item.extra);
	free(n);
}

struct todo_list *
todolist_new(void)
{
	struct todo_list *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	RB_INIT(&l->ids);
	RB_INIT(&l->dates);
	l->next_id = 1;
	return l;
}

/* Free a subtree of the id tree, children first (depth O(log n)). */
static void
todo_free_tree(struct todo_node *n)
{
	if (n == NULL)
		return;
	todo_free_tree(RB_LEFT(n, by_id));
	todo_free_tree(RB_RIGHT(n, by_id));
	todo_node_free(n);
}

void
todolist_free(struct todo_list *l)
{
	if (l == NULL)
		return;
	todo_free_tree(RB_ROOT(&l->ids));
	free(l);
}

int64_t
todolist_next_id(const struct todo_list *l)
{
	return l->next_id;
}

void
todolist_set_next_id(struct todo_list *l, int64_t next_id)
{
	struct todo_node *max;
	int64_t floor = 1;

	/* Never below an id present: an id must never be handed out twice. */
	if ((max = l->max) != NULL)
		floor = max->item.id + 1;
	l->next_id = next_id < floor ? floor : next_id;
}

size_t
todolist_size(const struct todo_list *l)
{
	return l->n;
}

size_t
todolist_payload(const struct todo_list *l)
{
	return l->payload;
}

static size_t
todo_item_payload(const struct todo_item *it)
{
	return it->title_len + it->extra_len;
}

static struct todo_node *
todo_node_new(int64_t id, struct todo_date date, const void *title,
    size_t title_len, const void *extra, size_t extra_len,
    uint32_t extra_pairs)
{
	struct todo_node *n;
	uint8_t *t;

	if (title_len > SIZE_MAX - sizeof(*n) - 1 ||
	    (n = calloc(1, sizeof(*n) + title_len + 1)) == NULL)
		return NULL;
	n->item.id = id;
	n->item.date = date;
	n->dkey = todo_dkey(date);
	t = (uint8_t *)(n + 1);
	if (title_len > 0)
		memcpy(t, title, title_len);
	t[title_len] = '\0';
	n->item.title = t;
	n->item.title_len = title_len;
	if (extra != NULL && extra_len > 0 && extra_pairs > 0) {
		if ((n->item.extra = todo_dup(extra, extra_len)) == NULL)
			goto fail;
		n->item.extra_len = extra_len;
		n->item.extra_pairs = extra_pairs;
	}
	return n;
fail:
	todo_node_free(n);
	return NULL;
}

/*
 * Into the id tree.  An id above every other (every add, and each entry
 * of a list file, which lists them in id order) goes in as the right
 * child of the highest, with no descent from the root: only the
 * rebalancing is left.  0, or -1 (a duplicate id).
 */
static int
todo_link_id(struct todo_list *l, struct todo_node *n)
{
	struct todo_node *max = l->max;

	if (max != NULL && n->item.id <= max->item.id)
		return RB_INSERT(todo_ids, &l->ids, n) == NULL ? 0 : -1;
	RB_SET(n, max, by_id);
	if (max != NULL)
		RB_RIGHT(max, by_id) = n;
	else
		RB_ROOT(&l->ids) = n;
	todo_ids_RB_INSERT_COLOR(&l->ids, n);
	l->max = n;
	return 0;
}

static int
todo_link(struct todo_list *l, struct todo_node *n)
{
	if (todo_link_id(l, n) == -1)
		return -1;
	if (l->dated)
		RB_INSERT(todo_dates, &l->dates, n);
	l->n++;
	l->payload += todo_item_payload(&n->item);
	return 0;
}

int
todolist_add(struct todo_list *l, struct todo_date date, const void *title,
    size_t title_len, int64_t *id)
{
	struct todo_node *n;

	if (l->next_id >= INT64_MAX)
		return -1;
	n = todo_node_new(l->next_id, date, title, title_len, NULL, 0, 0);
	if (n == NULL)
		return -1;
	if (todo_link(l, n) == -1) {
		todo_node_free(n);
		return -1;
	}
	if (id != NULL)
		*id = l->next_id;
	l->next_id++;
	return 0;
}

int
todolist_insert(struct todo_list *l, int64_t id, struct todo_date date,
    const void *title, size_t title_len, const void *extra, size_t extra_len,
    uint32_t extra_pairs)
{
	struct todo_node *n;

	if (id < 1 || id >= INT64_MAX)
		return -1;
	n = todo_node_new(id, date, title, title_len, extra, extra_len,
	    extra_pairs);
	if (n == NULL)
		return -1;
	if (todo_link(l, n) == -1) {
		todo_node_free(n);
		return -1;
	}
	if (l->next_id <= id)
		l->next_id = id + 1;
	return 0;
}

static struct todo_node *
todo_find(const struct todo_list *l, int64_t id)
{
	struct todo_node key;

	key.item.id = id;
	return RB_FIND(todo_ids, (struct todo_ids *)&l->ids, &key);
}

const struct todo_item *
todolist_get(const struct todo_list *l, int64_t id)
{
	struct todo_node *n;

	if ((n = todo_find(l, id)) == NULL)
		return NULL;
	return &n->item;
}

int
todolist_update(struct todo_list *l, int64_t id, const struct todo_date *date,
    const void *title, size_t title_len)
{
	struct todo_node *n;
	uint8_t *t = NULL;

	if ((n = todo_find(l, id)) == NULL)
		return TODOLIST_NOTFOUND;
	/* Allocate first: a failed update changes nothing. */
	if (title != NULL && (t = todo_dup(title, title_len)) == NULL)
		return -1;
	if (t != NULL) {
		l->payload -= n->item.title_len;
		todo_free_title(n);
		n->item.title = t;
		n->item.title_len = title_len;
		l->payload += title_len;
	}
	if (date != NULL && todo_dkey(*date) != n->dkey && l->dated) {
		RB_REMOVE(todo_dates, &l->dates, n);
		n->item.date = *date;
		n->dkey = todo_dkey(*date);
		RB_INSERT(todo_dates, &l->dates, n);
	} else if (date != NULL) {
		n->item.date = *date;
		n->dkey = todo_dkey(*date);
	}
	return 0;
}

int
todolist_delete(struct todo_list *l, int64_t id)
{
	struct todo_node *n;

	if ((n = todo_find(l, id)) == NULL)
		return TODOLIST_NOTFOUND;
	if (n == l->max)
		l->max = RB_PREV(todo_ids, &l->ids, n);
	RB_REMOVE(todo_ids, &l->ids, n);
	if (l->dated)
		RB_REMOVE(todo_dates, &l->dates, n);
	l->payload -= todo_item_payload(&n->item);
	todo_node_free(n);
	l->n--;
	return 0;
}

const struct todo_item *
todolist_first(const struct todo_list *l)
{
	struct todo_node *n;

	n = RB_MIN(todo_ids, (struct todo_ids *)&l->ids);
	return n != NULL ? &n->item : NULL;
}

const struct todo_item *
todolist_next(const struct todo_list *l, const struct todo_item *it)
{
	struct todo_node *n;

	n = RB_NEXT(todo_ids, (struct todo_ids *)&l->ids, todo_node_of(it));
	return n != NULL ? &n->item : NULL;
}

/* The first node from n on, in id order, of date dkey. */
static struct todo_node *
todo_scan_date(const struct todo_list *l, struct todo_node *n, int32_t dkey)
{
	for (; n != NULL && n->dkey != dkey;
	    n = RB_NEXT(todo_ids, (struct todo_ids *)&l->ids, n))
		;
	return n;
}

/* A lookup by date: at the TODO_DATE_SCANS-th, the (date, id) index is
 * built (l is logically const: see the top). */
static void
todo_date_lookup(const struct todo_list *cl)
{
	struct todo_list *l = (struct todo_list *)(uintptr_t)cl;
	struct todo_node *n;

	if (l->dated || ++l->scans < TODO_DATE_SCANS)
		return;
	RB_FOREACH(n, todo_ids, &l->ids)
		RB_INSERT(todo_dates, &l->dates, n);
	l->dated = 1;
}

const struct todo_item *
todolist_date_first(const struct todo_list *l, struct todo_date date)
{
	struct todo_node key, *n;

	key.dkey = todo_dkey(date);
	todo_date_lookup(l);
	if (!l->dated) {
		n = todo_scan_date(l, RB_MIN(todo_ids,
		    (struct todo_ids *)&l->ids), key.dkey);
		return n != NULL ? &n->item : NULL;
	}
	key.item.id = INT64_MIN;
	n = RB_NFIND(todo_dates, (struct todo_dates *)&l->dates, &key);
	if (n == NULL || n->dkey != key.dkey)
		return NULL;
	return &n->item;
}

const struct todo_item *
todolist_date_next(const struct todo_list *l, const struct todo_item *it)
{
	struct todo_node *cur, *n;

	cur = todo_node_of(it);
	if (!l->dated) {
		n = todo_scan_date(l, RB_NEXT(todo_ids,
		    (struct todo_ids *)&l->ids, cur), cur->dkey);
		return n != NULL ? &n->item : NULL;
	}
	n = RB_NEXT(todo_dates, (struct todo_dates *)&l->dates, cur);
	if (n == NULL || n->dkey != cur->dkey)
		return NULL;
	return &n->item;
}

int
todolist_dates_indexed(const struct todo_list *l)
{
	return l->dated;
}

size_t
todolist_date_count(const struct todo_list *l, struct todo_date date)
{
	const struct todo_item *it;
	size_t k = 0;

	for (it = todolist_date_first(l, date); it != NULL;
	    it = todolist_date_next(l, it))
		k++;
	return k;
}
