/*
 * fmodel.h: what each test client asked for and what it was told, and
 * the check of a list's final contents against it.
 *
 * Every add and update writes a title no other request ever wrote:
 * "c<client>.<seq>", seq the client's request number, so an entry found
 * in a list names the one request that produced its present state.
 * Updates always set both date and title.  A request ends in one of
 * three ways: acknowledged (ok), refused (an error reply: not applied),
 * or unknown (the connection broke first: may or may not be applied).
 * The check, per list:
 *   - ids are unique; every entry's title names an add or update of
 *     that list (nothing appears from nowhere), with that request's date;
 *   - an entry whose add was acknowledged has the acknowledged id and a
 *     state no older than its last acknowledged change (a later unknown
 *     change may show); it is present unless a delete was sent for it,
 *     and absent if that delete was acknowledged;
 *   - a refused change never shows; an unknown add shows at most once;
 *   - no id was acknowledged to two adds of one list.
 * Clients only change entries they created, so each entry's history is
 * written by one thread.
 */
#ifndef TODOD_TEST_FMODEL_H
#define TODOD_TEST_FMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "todo_term.h"

enum fm_kind { FM_ADD = 1, FM_UPDATE, FM_DELETE };
enum fm_status { FM_PENDING = 0, FM_ACKED, FM_UNKNOWN, FM_REFUSED };

struct fm_op {
	uint8_t			kind;
	uint8_t			status;
	uint16_t		list;
	uint32_t		ent;	/* index into the client's entries */
	struct todo_date	date;	/* add, update: the date it sets */
};

#define FM_DEL_NONE	0
#define FM_DEL_UNKNOWN	1
#define FM_DEL_ACKED	2

struct fm_ent {
	uint16_t	list;
	uint8_t		deleted;	/* FM_DEL_* */
	uint8_t		seen;		/* found by the check */
	int64_t		id;		/* once the add is acknowledged */
	uint32_t	add_seq;
	uint32_t	acked_seq;	/* last acknowledged state, or 0 */
	uint32_t	last_seq;	/* last request sent for it */
};

struct fm_client {
	int		 index;
	struct fm_op	*ops;		/* by seq; ops[0] unused */
	uint32_t	 nops, capops;
	struct fm_ent	*ents;
	uint32_t	 nents, capents;
	/* counters */
	uint64_t	 acked[4], unknown[4], refused[4];	/* by kind */
	uint64_t	 reads, read_errors;
	char		 first_error[512];
};

/* An entry as found in a list. */
struct fm_seen {
	int64_t			id;
	struct todo_date	date;
	char			title[64];
};

void	fm_client_init(struct fm_client *, int index);
void	fm_client_free(struct fm_client *);
/* A title for request seq of this client. */
void	fm_title(const struct fm_client *, uint32_t seq, char *buf,
	    size_t len);
/* Record a request before it is sent; returns its seq. */
uint32_t fm_add(struct fm_client *, uint16_t list, struct todo_date);
uint32_t fm_update(struct fm_client *, uint32_t ent, struct todo_date);
uint32_t fm_delete(struct fm_client *, uint32_t ent);
/* How it ended.  id: the new id of an acknowledged add. */
void	fm_acked(struct fm_client *, uint32_t seq, int64_t id);
void	fm_refused(struct fm_client *, uint32_t seq);
void	fm_unknown(struct fm_client *, uint32_t seq);
/* Every request still without an outcome becomes unknown. */
void	fm_settle(struct fm_client *);
/* Pick a random live entry of a list this client created (acknowledged,
 * no delete sent); -1 if none. */
int64_t	fm_pick(const struct fm_client *, uint16_t list, unsigned *seed);
/*
 * A read on one connection saw these entries of list (all of them, or
 * those of one date if date != NULL): check this client's own entries
 * (those with nothing in flight are there as acknowledged; acknowledged
 * deletes are gone).  false and first_error set on a violation.
 */
bool	fm_check_read(struct fm_client *, uint16_t list,
	    const struct todo_date *date, const struct fm_seen *, size_t n);

/* Result of the final check. */
struct fm_report {
	uint64_t	acked_changes;	/* acknowledged requests checked */
	uint64_t	lost;		/* acknowledged changes not found */
	uint64_t	phantoms;	/* entries nobody asked for, refused */
	uint64_t	dup_ids;	/* ids twice in a list or acked twice */
	uint64_t	dup_entries;	/* one request's entry twice */
	uint64_t	wrong;		/* wrong id or date, stale state */
	uint64_t	unknown_present, unknown_absent;
	uint64_t	entries_seen;
	int		nerrors;	/* messages printed */
};

void	fm_report_init(struct fm_report *);
/* Before a check: forget what an earlier check found. */
void	fm_check_begin(struct fm_client *cl, int ncl);
/* Check one list's final entries against all clients. */
void	fm_check_list(struct fm_client *cl, int ncl, uint16_t list,
	    const char *listname, const struct fm_seen *, size_t n,
	    struct fm_report *);
/* After every list was checked: the acknowledged entries not seen, and
 * ids acknowledged twice. */
void	fm_check_missing(struct fm_client *cl, int ncl,
	    const char *const *listnames, struct fm_report *);
/* True if nothing was lost or wrong. */
bool	fm_report_ok(const struct fm_report *);

#endif /* TODOD_TEST_FMODEL_H */
