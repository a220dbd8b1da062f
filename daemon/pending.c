/*
 * pending.c: a list server's changes not yet durable, and the durable
 * list they hide (pending.h).
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/tree.h>

#include <stdlib.h>
#include <string.h>

#include "listops.h"
#include "log.h"
#include "pending.h"
#include "todolist.h"

static int
pending_id_cmp(const struct pending_id *a, const struct pending_id *b)
{
	return a->id < b->id ? -1 : a->id > b->id;
}

RB_GENERATE_INTERNAL(pending_ids, pending_id, entry, pending_id_cmp,
    __attribute__((__unused__)) static)

static int
date_cmp(struct todo_date a, struct todo_date b)
{
	if (a.year != b.year)
		return a.year < b.year ? -1 : 1;
	if (a.month != b.month)
		return a.month < b.month ? -1 : 1;
	return a.day < b.day ? -1 : a.day > b.day;
}

static int
pending_dated_cmp(const struct pending_id *a, const struct pending_id *b)
{
	int c = date_cmp(a->old_date, b->old_date);

	return c != 0 ? c : pending_id_cmp(a, b);
}

RB_GENERATE_INTERNAL(pending_dated, pending_id, by_date, pending_dated_cmp,
    __attribute__((__unused__)) static)

/* Index pid by the date of its durable entry, if it has one (its oldest
 * change is not the ADD that made it). */
static void
pending_index_date(struct pending *p, struct pending_id *pid)
{
	if (pid->first->kind == LISTOP_ADD)
		return;
	pid->old_date = pid->first->old_date;
	pid->dated = 1;
	RB_INSERT(pending_dated, &p->dated, pid);
}

static void
pending_unindex_date(struct pending *p, struct pending_id *pid)
{
	if (pid->dated)
		RB_REMOVE(pending_dated, &p->dated, pid);
	pid->dated = 0;
}

static struct pending_id *
pending_find(const struct pending *p, int64_t id)
{
	struct pending_id key;

	if (RB_EMPTY(&p->ids))
		return NULL;
	key.id = id;
	return RB_FIND(pending_ids, (struct pending_ids *)&p->ids, &key);
}

void
pending_init(struct pending *p)
{
	TAILQ_INIT(&p->ops);
	RB_INIT(&p->ids);
	RB_INIT(&p->dated);
	p->nops = p->nadd = p->ndel = 0;
}

static void *
dup_bytes(const void *b, size_t len)
{
	void *c;

	if ((c = malloc(len > 0 ? len : 1)) != NULL && len > 0)
		memcpy(c, b, len);
	return c;
}

/* Keep what an update or delete replaces.  0, or -1 (no memory). */
static int
pending_keep_old(struct listop *op, const struct todo_item *it)
{
	op->old_date = it->date;
	if ((op->old_title = dup_bytes(it->title, it->title_len)) == NULL)
		return -1;
	op->old_title_len = it->title_len;
	if (op->kind == LISTOP_DELETE && it->extra != NULL) {
		if ((op->old_extra = dup_bytes(it->extra, it->extra_len)) ==
		    NULL)
			return -1;
		op->old_extra_len = it->extra_len;
		op->old_extra_pairs = it->extra_pairs;
	}
	return 0;
}

/* Apply op to l.  0, TODOLIST_NOTFOUND or -1. */
static int
pending_do(struct todo_list *l, struct listop *op)
{
	const struct todo_item *it;
	int64_t id;

	if (op->kind == LISTOP_ADD) {
		op->old_next_id = todolist_next_id(l);
		if (todolist_add(l, op->date, op->title, op->title_len,
		    &id) == -1)
			return -1;
		op->id = id;
		return 0;
	}
	if ((it = todolist_get(l, op->id)) == NULL)
		return TODOLIST_NOTFOUND;
	if (pending_keep_old(op, it) == -1)
		return -1;
	if (op->kind == LISTOP_DELETE)
		return todolist_delete(l, op->id) == 0 ? 0 : -1;
	return todolist_update(l, op->id, op->has_date ? &op->date : NULL,
	    op->title, op->title_len) == 0 ? 0 : -1;
}

int
pending_apply(struct pending *p, struct todo_list *l, struct listop *op,
    uint64_t seq)
{
	struct pending_id *pid, *fresh = NULL;
	int rc;

	/* The id an ADD will get is known before it is added. */
	if (op->kind == LISTOP_ADD)
		op->id = todolist_next_id(l);
	if ((pid = pending_find(p, op->id)) == NULL &&
	    (fresh = calloc(1, sizeof(*fresh))) == NULL)
		return -1;
	if ((rc = pending_do(l, op)) != 0) {
		free(fresh);
		free(op->old_title);
		free(op->old_extra);
		op->old_title = op->old_extra = NULL;
		return rc;
	}
	if (fresh != NULL) {
		fresh->id = op->id;
		fresh->first = op;
		RB_INSERT(pending_ids, &p->ids, fresh);
		pending_index_date(p, fresh);
	} else
		pid->last->next_same = op;
	(fresh != NULL ? fresh : pid)->last = op;
	op->next_same = NULL;
	op->seq = seq;
	TAILQ_INSERT_TAIL(&p->ops, op, entry);
	p->nops++;
	p->nadd += op->kind == LISTOP_ADD;
	p->ndel += op->kind == LISTOP_DELETE;
	return 0;
}

/* Drop the oldest op (it leaves its id's chain). */
static void
pending_drop_first(struct pending *p)
{
	struct listop *op = TAILQ_FIRST(&p->ops);
	struct pending_id *pid;

	TAILQ_REMOVE(&p->ops, op, entry);
	if ((pid = pending_find(p, op->id)) == NULL || pid->first != op)
		fatalx("pending changes out of order");
	pending_unindex_date(p, pid);
	if ((pid->first = op->next_same) == NULL) {
		RB_REMOVE(pending_ids, &p->ids, pid);
		free(pid);
	} else
		pending_index_date(p, pid);
	p->nops--;
	p->nadd -= op->kind == LISTOP_ADD;
	p->ndel -= op->kind == LISTOP_DELETE;
	listop_free(op);
}

void
pending_ack(struct pending *p, uint64_t seq)
{
	struct listop *op;

	while ((op = TAILQ_FIRST(&p->ops)) != NULL && op->seq <= seq)
		pending_drop_first(p);
}

void
pending_clear(struct pending *p)
{
	while (!TAILQ_EMPTY(&p->ops))
		pending_drop_first(p);
}

void
pending_undo(struct pending *p, struct todo_list *l)
{
	struct listop *op;
	int rc = 0;

	TAILQ_FOREACH_REVERSE(op, &p->ops, listop_queue, entry) {
		switch (op->kind) {
		case LISTOP_ADD:
			rc = todolist_delete(l, op->id);
			todolist_set_next_id(l, op->old_next_id);
			break;
		case LISTOP_UPDATE:
			rc = todolist_update(l, op->id, &op->old_date,
			    op->old_title, op->old_title_len);
			break;
		case LISTOP_DELETE:
			rc = todolist_insert(l, op->id, op->old_date,
			    op->old_title, op->old_title_len, op->old_extra,
			    op->old_extra_len, op->old_extra_pairs);
			break;
		}
		/* The list would no longer be the durable one: better to
		 * exit and be loaded again from the worker. */
		if (rc != 0)
			fatalx("cannot undo a change (out of memory)");
	}
	pending_clear(p);
}

size_t
pending_durable_size(const struct pending *p, const struct todo_list *l)
{
	return todolist_size(l) - p->nadd + p->ndel;
}

/* The first pending id (or the next after pid) whose durable entry
 * exists, of the date if date is not NULL. */
static const struct pending_id *
pending_next_old(const struct pending *p, const struct pending_id *pid,
    const struct todo_date *date)
{
	struct pending_dated *dated = (struct pending_dated *)&p->dated;
	struct pending_ids *ids = (struct pending_ids *)&p->ids;
	struct pending_id key;

	if (date != NULL) {
		if (pid != NULL)
			pid = RB_NEXT(pending_dated, dated,
			    (struct pending_id *)pid);
		else {
			key.old_date = *date;
			key.id = INT64_MIN;
			pid = RB_NFIND(pending_dated, dated, &key);
		}
		return pid != NULL && date_cmp(pid->old_date, *date) == 0 ?
		    pid : NULL;
	}
	pid = pid != NULL ? RB_NEXT(pending_ids, ids,
	    (struct pending_id *)pid) : RB_MIN(pending_ids, ids);
	while (pid != NULL && pid->first->kind == LISTOP_ADD)
		pid = RB_NEXT(pending_ids, ids, (struct pending_id *)pid);
	return pid;
}

size_t
pending_durable_entries(const struct pending *p, const struct todo_list *l,
    const struct todo_date *date, pending_entry_cb cb, void *arg)
{
	const struct todo_item *it;
	const struct pending_id *pid;
	const struct listop *old;
	size_t n = 0;

	it = date != NULL ? todolist_date_first(l, *date) : todolist_first(l);
	pid = pending_next_old(p, NULL, date);
	while (it != NULL || pid != NULL) {
		if (it != NULL && pending_find(p, it->id) != NULL) {
			/* Changed since: its durable state is in pid. */
		} else if (pid != NULL && (it == NULL || pid->id < it->id)) {
			old = pid->first;
			cb(arg, pid->id, old->old_date, old->old_title,
			    old->old_title_len);
			n++;
			pid = pending_next_old(p, pid, date);
			continue;
		} else {
			cb(arg, it->id, it->date, it->title, it->title_len);
			n++;
		}
		it = date != NULL ? todolist_date_next(l, it) :
		    todolist_next(l, it);
	}
	return n;
}
