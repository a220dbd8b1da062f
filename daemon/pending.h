/*
 * pending.h: a list server's changes that are not yet durable, each with
 * what it replaced, so that one copy of a list serves two views:
 *
 *   the working list: the list itself, every change applied as it
 *     arrives (a connection's read after its own changes sees them);
 *   the durable list: the working list with the pending changes taken
 *     back, computed for each read of another connection (which sees only
 *     durable, acknowledged state) and applied for real when a store
 *     fails.
 *
 * Changes carry the number (Seq) of the store that makes them durable.
 * An acknowledged store drops its changes; a failed one undoes them all,
 * newest first.  A read of the durable list costs a lookup per entry it
 * walks while changes are pending (none otherwise), plus a walk of the
 * pending ids whose durable entry is of the date read (of every pending
 * id, for a read of the whole list): not of every pending id, so that a
 * read of a date stays cheap while many changes of others are pending.
 */
#ifndef TODOD_PENDING_H
#define TODOD_PENDING_H

#include <sys/tree.h>

#include <stddef.h>
#include <stdint.h>

#include "listops.h"
#include "todo_term.h"

struct todo_list;

/* An id that pending changes touch: its oldest and newest change.  The
 * oldest change's old state is the entry as the durable list has it;
 * unless that change is the ADD that made the entry, the id is also in
 * the index by that entry's date. */
struct pending_id {
	RB_ENTRY(pending_id)	 entry;
	RB_ENTRY(pending_id)	 by_date;
	int64_t			 id;
	struct todo_date	 old_date;	/* the key in by_date */
	int			 dated;		/* in by_date */
	struct listop		*first;
	struct listop		*last;
};

RB_HEAD(pending_ids, pending_id);
RB_HEAD(pending_dated, pending_id);

struct pending {
	struct listop_queue	 ops;		/* oldest first */
	struct pending_ids	 ids;
	struct pending_dated	 dated;		/* by (old date, id) */
	size_t			 nops;
	size_t			 nadd;		/* ADDs among ops */
	size_t			 ndel;		/* DELETEs among ops */
};

void	pending_init(struct pending *);

/*
 * Apply op to l and queue it, carried by store seq.  0 (the op is owned
 * here; an ADD's id is the id it got), TODOLIST_NOTFOUND (an update or
 * delete of an id l does not have) or -1 (no memory; l unchanged).  On
 * an error the op stays the caller's.
 */
int	pending_apply(struct pending *, struct todo_list *, struct listop *,
	    uint64_t seq);
/* The changes of the stores up to seq are durable: drop them. */
void	pending_ack(struct pending *, uint64_t seq);
/* Undo every pending change on l, newest first, and drop them. */
void	pending_undo(struct pending *, struct todo_list *);
/* Drop every change without undoing it. */
void	pending_clear(struct pending *);

/* The durable list's size. */
size_t	pending_durable_size(const struct pending *, const struct todo_list *);

typedef void (*pending_entry_cb)(void *arg, int64_t id, struct todo_date,
    const uint8_t *title, size_t title_len);
/* The durable list's entries of one date (or all, date NULL) in id
 * order, through cb.  Returns how many. */
size_t	pending_durable_entries(const struct pending *,
	    const struct todo_list *, const struct todo_date *date,
	    pending_entry_cb cb, void *arg);

#endif /* TODOD_PENDING_H */
