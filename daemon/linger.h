/*
 * linger.h: closing a connection whose client may still be sending.
 *
 * A connection closed with input unread is reset: the client's next
 * write fails, and a client that writes a whole request before it
 * reads (Erlang's gen_tcp among them) drops the reply already sent
 * with it, the {error, bad_frame} that says why it was closed.  So
 * such a connection is shut down for writing (the client reads the
 * reply, then the end) and what the client still sends is read and
 * dropped, for a while and up to a bound, before it is closed.
 */
#ifndef TODOD_LINGER_H
#define TODOD_LINGER_H

#include <event2/event.h>

/* Connections lingering at once in a process; more are closed at once. */
#define LINGER_MAX		16
/* How long one lingers, and how much is read from it, at most. */
#define LINGER_MS		2000
#define LINGER_BYTES		((size_t)64 << 20)

/* Shut fd down for writing, drop what it sends until it closes or a
 * bound is met, then close it.  fd is the callee's, in any case. */
void	linger_close(struct event_base *, int fd);
/* Close every connection that lingers now (a list server released to
 * serve another list leaves nothing in its event loop). */
void	linger_close_all(void);
/* How many connections linger now (for tests). */
unsigned linger_count(void);

#endif /* TODOD_LINGER_H */
