/*
 * todolist.h: the list model (the book's Todo.List).
 *
 * Entries by id, plus an index by (date, id), built once the list is
 * asked by date a few times, so that entries of one date cost
 * O(log n + k).  Ids come from next_id and are never reused after a
 * delete.  Iteration is in id order.  Extra keys that other code wrote
 * into an entry map are kept as opaque ETF bytes and written back.
 */
#ifndef TODOD_TODOLIST_H
#define TODOD_TODOLIST_H

#include <stddef.h>
#include <stdint.h>

#include "todo_term.h"

struct todo_list;

struct todo_item {
	int64_t			id;
	struct todo_date	date;
	const uint8_t		*title;
	size_t			title_len;
	/* Extra map pairs, ETF-encoded key,value,key,value... (no header). */
	const uint8_t		*extra;
	size_t			extra_len;
	uint32_t		extra_pairs;
};

#define TODOLIST_NOTFOUND	1

struct todo_list *todolist_new(void);
void		todolist_free(struct todo_list *);
int64_t		todolist_next_id(const struct todo_list *);
/* For loading: next_id is taken from the file, never recomputed. */
void		todolist_set_next_id(struct todo_list *, int64_t);
size_t		todolist_size(const struct todo_list *);
/* The bytes of its entries' titles and extra keys, all together. */
size_t		todolist_payload(const struct todo_list *);

/* Add with id next_id (then next_id + 1). 0, or -1 (no memory, ids
 * exhausted). */
int		todolist_add(struct todo_list *, struct todo_date,
		    const void *title, size_t title_len, int64_t *id);
/* Insert an entry with a given id (loading a file); extra may be NULL.
 * 0, or -1 (no memory, duplicate id). */
int		todolist_insert(struct todo_list *, int64_t id,
		    struct todo_date, const void *title, size_t title_len,
		    const void *extra, size_t extra_len, uint32_t extra_pairs);
const struct todo_item *todolist_get(const struct todo_list *, int64_t id);
/* date and/or title may be NULL (unchanged). 0, TODOLIST_NOTFOUND, -1. */
int		todolist_update(struct todo_list *, int64_t id,
		    const struct todo_date *date, const void *title,
		    size_t title_len);
/* 0 or TODOLIST_NOTFOUND. */
int		todolist_delete(struct todo_list *, int64_t id);

/* All entries in id order. */
const struct todo_item *todolist_first(const struct todo_list *);
const struct todo_item *todolist_next(const struct todo_list *,
		    const struct todo_item *);
/* Entries of one date in id order.  The first few lookups of a list walk
 * its entries (O(n)); then an index by date is built and kept, and a
 * lookup costs O(log n + k). */
const struct todo_item *todolist_date_first(const struct todo_list *,
		    struct todo_date);
const struct todo_item *todolist_date_next(const struct todo_list *,
		    const struct todo_item *);
size_t		todolist_date_count(const struct todo_list *,
		    struct todo_date);
/* Whether the index by date is built (1) or not yet (0). */
int		todolist_dates_indexed(const struct todo_list *);

#endif /* TODOD_TODOLIST_H */
