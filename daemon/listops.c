/* listops.c: list modifications as values, and their terms (listops.h). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "etf.h"
#include "listops.h"
#include "todolist.h"

struct listop *
listop_new(enum listop_kind kind, int64_t id, int has_date,
    struct todo_date date, const void *title, size_t title_len)
{
	struct listop *op;

	if ((op = calloc(1, sizeof(*op))) == NULL)
		return NULL;
	op->kind = kind;
	op->id = id;
	op->has_date = has_date;
	op->date = date;
	if (title != NULL) {
		if ((op->title = malloc(title_len)) == NULL) {
			free(op);
			return NULL;
		}
		memcpy(op->title, title, title_len);
		op->title_len = title_len;
	}
	return op;
}

void
listop_free(struct listop *op)
{
	if (op == NULL)
		return;
	free(op->title);
	free(op->old_title);
	free(op->old_extra);
	free(op);
}

int
listop_replay(struct todo_list *l, const struct listop *op)
{
	switch (op->kind) {
	case LISTOP_ADD:
		if (todolist_insert(l, op->id, op->date, op->title,
		    op->title_len, NULL, 0, 0) == -1)
			return -1;
		if (todolist_next_id(l) <= op->id)
			todolist_set_next_id(l, op->id + 1);
		return 0;
	case LISTOP_UPDATE:
		return todolist_update(l, op->id, op->has_date ? &op->date :
		    NULL, op->title, op->title_len) == 0 ? 0 : -1;
	case LISTOP_DELETE:
		return todolist_delete(l, op->id) == 0 ? 0 : -1;
	}
	return -1;
}

struct todo_list *
listop_clone(const struct todo_list *src)
{
	const struct todo_item *it;
	struct todo_list *l;

	if ((l = todolist_new()) == NULL)
		return NULL;
	for (it = todolist_first(src); it != NULL;
	    it = todolist_next(src, it))
		if (todolist_insert(l, it->id, it->date, it->title,
		    it->title_len, it->extra, it->extra_len,
		    it->extra_pairs) == -1) {
			todolist_free(l);
			return NULL;
		}
	todolist_set_next_id(l, todolist_next_id(src));
	return l;
}

static void
put_date(struct etf_buf *b, struct todo_date d)
{
	etf_put_tuple(b, 3);
	etf_put_int(b, d.year);
	etf_put_int(b, d.month);
	etf_put_int(b, d.day);
}

void
listop_put(struct etf_buf *b, const struct listop *op)
{
	switch (op->kind) {
	case LISTOP_ADD:
		etf_put_tuple(b, 4);
		etf_put_atom(b, "add");
		etf_put_int(b, op->id);
		put_date(b, op->date);
		etf_put_binary(b, op->title, op->title_len);
		break;
	case LISTOP_UPDATE:
		etf_put_tuple(b, 4);
		etf_put_atom(b, "update");
		etf_put_int(b, op->id);
		if (op->has_date)
			put_date(b, op->date);
		else
			etf_put_atom(b, "nil");
		if (op->title != NULL)
			etf_put_binary(b, op->title, op->title_len);
		else
			etf_put_atom(b, "nil");
		break;
	case LISTOP_DELETE:
		etf_put_tuple(b, 2);
		etf_put_atom(b, "delete");
		etf_put_int(b, op->id);
		break;
	}
}

static int
op_title(const struct etf_term *t, const uint8_t **p, size_t *len)
{
	if (t->type != ETF_BINARY || !todo_title_valid(t->bin.p, t->bin.len))
		return -1;
	*p = t->bin.p;
	*len = t->bin.len;
	return 0;
}

struct listop *
listop_from_term(const struct etf_term *t)
{
	const struct etf_term *v;
	struct todo_date d = { 0, 1, 1 };
	const uint8_t *title = NULL;
	size_t tlen = 0;
	int64_t id;
	int has_date = 0;

	if (t->type != ETF_TUPLE || t->seq.n < 2)
		return NULL;
	v = t->seq.v;
	/* Ids an entry can have: 1 to 2^63-2, so that next_id (one above
	 * the largest) fits; an add of 2^63-1 would overflow it. */
	if (todo_id_from_term(&v[1], &id) == -1 || id >= INT64_MAX)
		return NULL;
	if (etf_is_atom(&v[0], "delete") && t->seq.n == 2)
		return listop_new(LISTOP_DELETE, id, 0, d, NULL, 0);
	if (t->seq.n != 4)
		return NULL;
	if (etf_is_atom(&v[0], "add")) {
		if (todo_date_from_term(&v[2], &d) == -1 ||
		    op_title(&v[3], &title, &tlen) == -1)
			return NULL;
		return listop_new(LISTOP_ADD, id, 1, d, title, tlen);
	}
	if (!etf_is_atom(&v[0], "update"))
		return NULL;
	if (!etf_is_atom(&v[2], "nil")) {
		if (todo_date_from_term(&v[2], &d) == -1)
			return NULL;
		has_date = 1;
	}
	if (!etf_is_atom(&v[3], "nil") && op_title(&v[3], &title, &tlen) == -1)
		return NULL;
	if (!has_date && title == NULL)
		return NULL;
	return listop_new(LISTOP_UPDATE, id, has_date, d, title, tlen);
}

int
listop_replay_terms(struct todo_list *l, const struct etf_term *ops)
{
	struct listop *op;
	size_t i;
	int rc;

	if (ops->type != ETF_LIST)
		return -1;
	for (i = 0; i < ops->seq.n; i++) {
		if ((op = listop_from_term(&ops->seq.v[i])) == NULL)
			return -1;
		rc = listop_replay(l, op);
		listop_free(op);
		if (rc == -1)
			return -1;
	}
	return 0;
}
