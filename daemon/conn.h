/*
 * conn.h: one client connection's I/O: bounded input, output with a
 * high-water mark.
 *
 * The owner (cache or list server) is told when input arrived and pulls
 * whole requests with conn_request(); replies are queued with conn_send()
 * and written by conn_flush() (or when the socket becomes writable).  Input
 * is read only while less than one maximal frame is buffered, while the
 * owner has not paused it, and while the output is below its cap.
 *
 * Output at the cap (conn_full()) means the client does not read its
 * replies as fast as it asks: the owner takes no more of its requests
 * until drained() says the output fell to half the cap.  The connection
 * is not closed for it: a reply is queued whole whatever its size, and a
 * paused connection makes no new replies, so its unsent output stays
 * below the cap plus one reply however long the client waits.
 *
 * Every connection of a process shares its budgets (conn_set_budget()),
 * so that the memory of many connections is bounded too, not each
 * one's alone.  While their input not yet taken (whole requests and
 * parts of requests) totals in_budget or more, a connection holding
 * in_small bytes or more reads no more, except the first of those held
 * back, which reads on: small requests never wait for large ones, and
 * one large request at a time still gets through.  While others wait
 * behind it, the first has turn_ms to make its request whole; past that
 * it is closed (closed()) and the next reads on: a client that sends
 * part of a large request and stops holds up the others for one turn,
 * not for ever.  The turns go round the classes of the connections
 * waiting (conn_set_class(): the cache's are its clients' uids), in the
 * order of their numbers, each class's first in the order it came: one
 * user with many connections held back waits its turn with another
 * user's one, instead of each of its connections taking one before it.
 * While their unsent output totals out_budget or more,
 * conn_full() is true of every connection with output unsent: each
 * takes no more requests until its output is written, and one that has
 * none may still make one reply.  From twice out_budget on, the limit,
 * it is true of those with none too: they wait for room, and are let
 * go (drained()) in the order they came; while they wait, a connection
 * whose output has not moved for turn_ms is closed (closed()), so that
 * clients that do not read hold up the others for a turn, not for ever
 * (conn_outwait.c).
 *
 * EOF (the client shut down its sending side, or closed) ends the input,
 * not the connection: the owner answers the whole frames buffered, writes
 * every reply, and closes once conn_finished().  A client that closed
 * altogether is found out by a write (EPIPE, ECONNRESET): from then on
 * replies are dropped, and the requests it sent before it closed are
 * still read, to the EOF, and carried out, except that the owners skip
 * those whose only effect is their reply (conn_deaf()).  Only other read
 * or write errors, and a turn over (above), close at once (closed()).
 */
#ifndef TODOD_CONN_H
#define TODOD_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct event_base;
struct etf_buf;
struct conn;

struct conn_cbs {
	/* Bytes arrived, or EOF (see conn_finished()). */
	void	(*input)(struct conn *, void *arg);
	/* A read or write error, or the end of a turn (conn.h, above):
	 * the owner frees the connection. */
	void	(*closed)(struct conn *, void *arg);
	/* The output is written, or fell to half the cap after it was
	 * full, or the connection waited for room for a reply (conn_full(),
	 * conn_wait_room()) and its turn has come: more requests may be
	 * taken. */
	void	(*drained)(struct conn *, void *arg);
};

/* What a connection may hold of input however spent the budget is. */
#define CONN_IN_SMALL	(64u * 1024)
/* The turn of the first held back by the input budget, while others
 * wait behind it; and the time a client that does not read its replies
 * is given, past the output limit, while others wait for room. */
#define CONN_TURN_MS	10000u
/* The process's budgets (0: none); before any connection is made. */
void		 conn_set_budget(size_t in_budget, size_t in_small,
		    size_t out_budget, unsigned turn_ms);
/* Replies the owner has made and holds before c's output (a list
 * server's, waiting for their store to be durable): counted in the
 * output total, so that the budget and the limit bound them too.  They
 * are not c's output unsent: past the budget, c may go on making
 * replies up to the limit (the owner's own cap bounds each one). */
void		 conn_set_held(struct conn *c, size_t bytes);
/* The class whose turn c takes when held back (above); 0 unless set. */
void		 conn_set_class(struct conn *c, unsigned long turn_class);
/* Input not yet taken, and output unsent, of all the connections. */
size_t		 conn_total_in(void);
size_t		 conn_total_out(void);

/* fd must be non-blocking. */
struct conn	*conn_new(struct event_base *, int fd, size_t max_frame,
		    size_t out_cap, const struct conn_cbs *, void *arg);
/* Bytes that arrived before this process got the connection. */
int		 conn_prepend_input(struct conn *, const void *, size_t);
/*
 * The next whole frame: 1 and *p, *len (valid until conn_consume), 0 if
 * incomplete, -1 for a bad frame (empty or over max_frame),
 * CONN_FRAME_NOMEM for a whole frame that there is no memory to make
 * contiguous (*len: its length, to skip it with conn_consume).
 */
#define CONN_FRAME_NOMEM	(-2)
int		 conn_frame(struct conn *, uint8_t **p, size_t *len);
void		 conn_consume(struct conn *, size_t len);
/*
 * The next request, its frame decoded into arena (reset first; terms of
 * at most max_term bytes inflated) and left buffered until
 * conn_consume(len):
 *   CONN_REQ_NONE   no whole frame yet
 *   CONN_REQ_OK     *t the request
 *   CONN_REQ_BAD    a bad frame (conn_frame's, or not one valid term):
 *                   the owner answers bad_frame and closes
 *   CONN_REQ_NOMEM  a whole frame that there is no memory to make
 *                   contiguous or to decode: not the client's fault, the
 *                   owner answers unavailable and goes on (reply.h)
 */
enum conn_req {
	CONN_REQ_NONE,
	CONN_REQ_OK,
	CONN_REQ_BAD,
	CONN_REQ_NOMEM
};
struct etf_arena;
struct etf_term;
enum conn_req	 conn_request(struct conn *, struct etf_arena *,
		    size_t max_term, const struct etf_term **t, size_t *len);

/*
 * A connection's share of one pass of the event loop: an owner takes at
 * most this many of its requests, or requests of this many bytes framed
 * and decoded (a compressed frame of 1 kB can inflate to --max-frame and
 * decode to 32 times that), then yields, so that a client sending
 * costly requests as fast as it can delays the others by one share, not
 * by all it has sent.
 */
#define CONN_PASS_FRAMES	1024
#define CONN_PASS_BYTES		(4u * 1024 * 1024)

struct conn_pass {
	size_t	frames;
	size_t	bytes;
};
/* Count a request taken (its frame's length, what decoding it made):
 * true once the pass's share is spent. */
bool		 conn_pass_spent(struct conn_pass *, size_t frame_len,
		    size_t decoded);
/* Call the input callback again after the other events ready now.  0, or
 * -1 with no memory: then nothing calls it back (the client may be
 * waiting for replies, with nothing more to send), and the owner must
 * go on with the requests buffered now instead of yielding. */
int		 conn_yield(struct conn *);
void		 conn_pause(struct conn *);
void		 conn_resume(struct conn *);
int		 conn_send(struct conn *, const struct etf_buf *);
int		 conn_send_raw(struct conn *, const void *, size_t);
/* Write what the socket takes: 0 all written, 1 some left (written when
 * writable; then drained() is called), -1 closed() was called. */
int		 conn_flush(struct conn *);
/*
 * Whether to take no request until drained(): the output reached the cap
 * and has not drained to half of it since; or the process's output
 * budget is spent and this connection has output unsent; or, with a
 * whole request buffered and no output unsent, it must wait for room
 * (conn_wait_room()).  It may queue the connection: the owner must then
 * wait for drained().
 */
int		 conn_full(struct conn *);
/* The same for a reply owed with no request buffered (one whose request
 * was taken before, answered once something else is done): whether it
 * must wait until drained() to make it. */
int		 conn_wait_room(struct conn *);
/* The client has closed (a write found it gone): replies are dropped,
 * so a request whose only effect is its reply need not be carried out
 * (its cost would be spent for nobody). */
int		 conn_deaf(const struct conn *);
/* EOF, and no whole (or bad) frame left to answer: once its replies are
 * written, the connection is done (a partial frame is dropped). */
int		 conn_finished(struct conn *);
size_t		 conn_outlen(const struct conn *);
size_t		 conn_inlen(const struct conn *);
/* Copy out the unprocessed input (for a handoff). */
size_t		 conn_copy_input(const struct conn *, void *, size_t);
/* Stop all I/O and give the descriptor away; the conn is freed. */
int		 conn_release(struct conn *);
void		 conn_free(struct conn *);	/* closes the descriptor */
/* Closed by conn_free() lingering (linger.h) unless the client has
 * closed its side: for a connection closed after an error reply while
 * its client may still be sending (a bad frame). */
void		 conn_linger(struct conn *);
/* The peer's uid (SO_PEERCRED) of a connected socket, (uid_t)-1 if
 * unknown. */
uid_t		 conn_peer_uid(int fd);

#endif /* TODOD_CONN_H */
