/* listops.c: list modifications as values, replayed on the durable list. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

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
