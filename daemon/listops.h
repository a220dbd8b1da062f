/*
 * listops.h: modifications of a list as values, so that one change can be
 * applied to a list server's list when it arrives (pending.h) and
 * replayed by a database worker on the list it holds, with the same
 * result; and the same values as terms, for the workers' journal:
 *
 *   {add, Id, {Y, M, D}, Title}
 *   {update, Id, {Y, M, D} | nil, Title | nil}
 *   {delete, Id}
 */
#ifndef TODOD_LISTOPS_H
#define TODOD_LISTOPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "todo_term.h"

struct todo_list;

enum listop_kind { LISTOP_ADD, LISTOP_UPDATE, LISTOP_DELETE };

struct listop {
	TAILQ_ENTRY(listop)	 entry;
	uint64_t		 seq;		/* the store that carries it */
	enum listop_kind	 kind;
	int64_t			 id;		/* ADD: the id it got */
	int			 has_date;
	struct todo_date	 date;
	uint8_t			*title;		/* owned; NULL if unchanged */
	size_t			 title_len;
	/* What the change replaced (set and used by pending.c). */
	struct listop		*next_same;	/* next pending op of this id */
	int64_t			 old_next_id;	/* ADD */
	struct todo_date	 old_date;	/* UPDATE, DELETE */
	uint8_t			*old_title;	/* owned */
	size_t			 old_title_len;
	uint8_t			*old_extra;	/* DELETE; owned */
	size_t			 old_extra_len;
	uint32_t		 old_extra_pairs;
};

TAILQ_HEAD(listop_queue, listop);

struct etf_buf;
struct etf_term;

struct listop	*listop_new(enum listop_kind, int64_t id, const int has_date,
		    struct todo_date, const void *title, size_t title_len);
void		 listop_free(struct listop *);
/* Replay on a list (a worker's, or one read back from a journal).  0, or
 * -1 if it does not apply. */
int		 listop_replay(struct todo_list *, const struct listop *);
/* The term of an op. */
void		 listop_put(struct etf_buf *, const struct listop *);
/* An op from its term (validated: ids, dates, titles), or NULL. */
struct listop	*listop_from_term(const struct etf_term *);
/* Replay a list of op terms.  0, or -1 if one is malformed or does not
 * apply. */
int		 listop_replay_terms(struct todo_list *, const struct etf_term *);
/* A deep copy of a list (extra entry keys included), or NULL; used by
 * the tests, to compare a list before and after. */
struct todo_list *listop_clone(const struct todo_list *);

#endif /* TODOD_LISTOPS_H */
