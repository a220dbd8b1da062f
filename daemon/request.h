/*
 * request.h: a client request, decoded by its exact shape
 * (todod-protocol(7)).  Decoding happens in two steps so that the order
 * of checks is the documented one: request_kind() looks at the tag alone
 * (so the connection's state can be checked first), then request_parse()
 * checks the shape and values.
 */
#ifndef TODOD_REQUEST_H
#define TODOD_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "todo_term.h"

struct etf_term;

enum request_kind {
	REQ_BADARG,		/* neither an atom nor a tuple with an atom tag */
	REQ_UNKNOWN,		/* an unknown atom or tag */
	/* Unattached (cache) requests. */
	REQ_LISTS,
	REQ_STATS,
	REQ_SYNC,		/* write every list file (checkpoint) */
	/* Either state. */
	REQ_PING,
	REQ_SERVER_PROCESS,
	/* List requests (attached). */
	REQ_ADD_ENTRY,
	REQ_ENTRIES,		/* all, or of one date */
	REQ_UPDATE_ENTRY,
	REQ_DELETE_ENTRY,
	REQ_SIZE
};

struct request {
	enum request_kind	 kind;
	int64_t			 id;
	int			 has_date;
	struct todo_date	 date;
	const uint8_t		*title;		/* NULL if absent */
	size_t			 title_len;
	const uint8_t		*name;		/* server_process */
	size_t			 name_len;
};

enum request_kind request_kind(const struct etf_term *);
/* True for add_entry, entries, update_entry, delete_entry, size. */
int		 request_is_list(enum request_kind);
/*
 * Fill r from t (of kind request_kind(t)).  Returns NULL on success, or
 * the error atom: "badarg" or "bad_name".
 */
const char	*request_parse(const struct etf_term *t, struct request *r);

#endif /* TODOD_REQUEST_H */
