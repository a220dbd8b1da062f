/*
 * todoclient.h: the client side of the todod public protocol (see
 * todod-protocol(7)), used by todoctl and todo-bench.
 *
 * A struct tc_conn is one connection to the daemon's public socket.  Its
 * descriptor is non-blocking.  Requests are appended to an output buffer
 * (tc_queue, tc_send) and written while the caller waits for replies
 * (tc_read_frame, tc_read_term, tc_flush): a waiting connection always
 * reads too, so a long pipeline cannot deadlock against a daemon that
 * stops reading from a client whose replies pile up.  Every wait is a
 * poll(2) bounded by the connection's timeout, counted from the last byte
 * that moved.
 *
 * Typical use:
 *
 *	c = tc_new();
 *	tc_socket_path(opt_socket, path, sizeof(path));
 *	if (tc_connect(c, path) != TC_OK)
 *		errx(3, "%s", tc_error(c));
 *	tc_attach(c, "bob", 3, &pid);
 *	tc_req_entries(&req, NULL);
 *	tc_call(c, &req, arena, &reply);	(or tc_send ... tc_read_term)
 *	tc_reply_value(c, reply, &value);
 *
 * Nothing here exits or writes to stdout/stderr; every failure is a
 * status code, and tc_error() describes the last one in a sentence.
 */
#ifndef TODOD_TODOCLIENT_H
#define TODOD_TODOCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etf.h"
#include "todo_term.h"

/* Defaults: timeout for connect and for every wait, and the largest reply
 * frame accepted (a list of 100,000 entries is about 15 MB): above the
 * entries of the largest list the daemon keeps (todod --max-list-size,
 * 500 MiB at most), which are a little smaller than its file. */
#define TC_DEFAULT_TIMEOUT_MS	30000
#define TC_DEFAULT_MAX_REPLY	(512u * 1024 * 1024)

enum tc_status {
	TC_OK = 0,
	TC_ESYS = -1,		/* a system call failed (errno in tc_error) */
	TC_ETIMEOUT = -2,	/* nothing moved within the timeout */
	TC_EEOF = -3,		/* the daemon closed the connection */
	TC_EFRAME = -4,		/* a reply frame of length 0 or over the max */
	TC_EDECODE = -5,	/* a reply that is not exactly one valid term */
	TC_EREPLY = -6,		/* the daemon answered {error, Reason} */
	TC_EUNEXPECTED = -7,	/* a reply of a shape the request cannot get */
	TC_ENOMEM = -8,
	TC_EPATH = -9,		/* socket path empty or too long */
	TC_EUNSAFE = -10	/* default socket in another user's directory */
};

struct tc_conn;

/*
 * The socket to use: `opt` (the -s option) if not NULL, else the default,
 * the daemon's own ($TODOD_SOCKET, /run/todod/todod.sock for root,
 * $XDG_RUNTIME_DIR/todod/todod.sock, /tmp/todod-$UID/todod.sock).
 * Returns TC_OK; TC_EPATH if it is empty or does not fit a sockaddr_un
 * (buf then holds as much of it as fits, for a message);
 * TC_EUNSAFE for a user's default socket in a directory that another
 * user owns or may write into (anyone could be listening there).
 */
int		 tc_socket_path(const char *opt, char *buf, size_t size);

/* A connection object, not yet connected.  NULL if out of memory. */
struct tc_conn	*tc_new(void);
/* Close the descriptor and free everything. NULL is allowed. */
void		 tc_free(struct tc_conn *);
/* Timeout in milliseconds for connect and for every wait; < 0: none. */
void		 tc_set_timeout(struct tc_conn *, int ms);
/* Largest reply payload accepted (TC_DEFAULT_MAX_REPLY); a frame's
 * length cannot exceed UINT32_MAX. */
void		 tc_set_max_reply(struct tc_conn *, size_t);

/* Connect to a Unix socket, retrying while its backlog is full, within
 * the timeout.  The descriptor is non-blocking and close-on-exec. */
int		 tc_connect(struct tc_conn *, const char *path);
/* Why connecting to path failed with err, for a message: into buf. */
const char	*tc_connect_why(const char *path, int err, char *buf,
		    size_t size);
/* The connected descriptor (-1 before tc_connect), for poll or an event
 * loop; use it only for waiting, and do I/O through the calls below. */
int		 tc_fd(const struct tc_conn *);
/* The last failure as a sentence ("cannot connect to /x: No such file or
 * directory"); for TC_EREPLY, the reason's message. Never NULL. */
const char	*tc_error(const struct tc_conn *);
/* The Reason atom of the last TC_EREPLY ("not_found"), else NULL. */
const char	*tc_reason(const struct tc_conn *);

/* --- Raw frames ------------------------------------------------------- */

/* Append a frame (header and payload) to the output buffer and write what
 * the socket takes now, without waiting.  len must be 1..2^32-1. */
int		 tc_queue(struct tc_conn *, const void *payload, size_t len);
/* Wait until the output buffer is written, reading replies meanwhile. */
int		 tc_flush(struct tc_conn *);
/* Bytes queued and not yet written. */
size_t		 tc_pending(const struct tc_conn *);
/*
 * Wait for the next reply frame (writing queued requests meanwhile).  On
 * TC_OK *payload, *len point into the connection's input buffer and stay
 * valid until the next call on this connection that reads (tc_read_*,
 * tc_flush, tc_call, tc_attach, tc_io, tc_next_frame).
 */
int		 tc_read_frame(struct tc_conn *, const uint8_t **payload,
		    size_t *len);

/*
 * For an event loop: tc_io() reads what is readable and writes what is
 * writable without waiting (call it when tc_fd() polls ready); it returns
 * TC_OK, TC_EEOF or TC_ESYS.  tc_next_frame() then returns 1 and the
 * frame if a whole one is buffered, 0 if not, or TC_EFRAME.  Poll for
 * POLLOUT only while tc_pending() > 0.
 */
int		 tc_io(struct tc_conn *);
int		 tc_next_frame(struct tc_conn *, const uint8_t **payload,
		    size_t *len);

/* --- Terms ------------------------------------------------------------ */

/* Queue an encoded term (etf_buf with the version byte). */
int		 tc_send(struct tc_conn *, const struct etf_buf *);
/* Read the next reply and decode it into the arena (the term points into
 * the input buffer: same lifetime as tc_read_frame). */
int		 tc_read_term(struct tc_conn *, struct etf_arena *,
		    const struct etf_term **);
/* tc_send and tc_read_term. */
int		 tc_call(struct tc_conn *, const struct etf_buf *,
		    struct etf_arena *, const struct etf_term **);

/*
 * Classify a reply: `ok` gives TC_OK and *value = NULL; {ok, V} gives
 * TC_OK and *value = V; {error, Reason} gives TC_EREPLY (tc_reason(),
 * tc_error()); anything else TC_EUNEXPECTED.  value may be NULL.
 */
int		 tc_reply_value(struct tc_conn *, const struct etf_term *,
		    const struct etf_term **value);
/* The same for a reply that must be exactly the atom `atom` (pong). */
int		 tc_reply_atom(struct tc_conn *, const struct etf_term *,
		    const char *atom);
/* Record that a reply to `what` had an unexpected shape; returns
 * TC_EUNEXPECTED (for callers that look inside a reply's value). */
int		 tc_unexpected(struct tc_conn *, const char *what);
/* The message for a Reason atom: "no such entry" for not_found, ... */
const char	*tc_reason_message(const char *reason);
/* The message for a status (for TC_EREPLY and the others that keep no
 * detail); prefer tc_error(), which has the details. */
const char	*tc_strstatus(int status);

/* --- Requests: each writes one whole term (version byte first) -------- */

void		 tc_req_atom(struct etf_buf *, const char *);	/* ping, lists, stats, sync, entries, size */
void		 tc_req_attach(struct etf_buf *, const void *name, size_t);
void		 tc_req_add(struct etf_buf *, struct todo_date,
		    const void *title, size_t);
/* {entries, Date}, or the atom entries when date is NULL. */
void		 tc_req_entries(struct etf_buf *, const struct todo_date *);
/* date and title may be NULL (unchanged); at least one must not be. */
void		 tc_req_update(struct etf_buf *, int64_t id,
		    const struct todo_date *, const void *title, size_t);
void		 tc_req_delete(struct etf_buf *, int64_t id);

/* --- Convenience ------------------------------------------------------ */

/* {server_process, Name} and its {ok, Pid}; pid may be NULL. */
int		 tc_attach(struct tc_conn *, const void *name, size_t len,
		    int64_t *pid);

#endif /* TODOD_TODOCLIENT_H */
