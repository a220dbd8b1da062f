/*
 * conn_outwait.c: the output limit of a process's connections (conn.h).
 * While the replies unsent of all its connections total the budget or
 * more, a connection with output of its own takes no request until it
 * is written (conn.c), and one with none may still make a reply, unless
 * others wait.  From the limit (twice the budget) on, one with none and
 * a reply to make waits here for room: then the waiters are let make
 * their replies one after the other, in the order they came, while
 * there is room.  So clients that never read
 * their replies cannot each make one more and grow the process without
 * bound.
 *
 * They must not hold up the others for ever either: once connections
 * have waited for a turn, one whose output has not moved (none of it
 * written) for a turn too is closed (closed()), as if its client had
 * gone, and its replies dropped; so is the next, in its turn, while any
 * waits and there is no room.  A client that reads at all is not
 * closed: as the daemon writes, or as its socket's queue shrinks (the
 * socket is writable again only once it has mostly drained, so a slow
 * reader may leave nothing to write for a long while).  The
 * holders are kept in the order their output last moved, so the first
 * is the one to look at.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/queue.h>

#include <linux/sockios.h>

#include <stdint.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "conn.h"
#include "conn_int.h"
#include "evadd.h"
#include "lograte.h"
#include "monotime.h"

static struct {
	TAILQ_HEAD(, conn)	 waiters;	/* in the order they came */
	TAILQ_HEAD(, conn)	 holders;	/* by out_moved */
	struct event		*wake;		/* let waiters make replies */
	struct event		*turn;		/* close holders not moving */
	int64_t			 wait_since;	/* the waiters' first came */
	struct conn		*letgo;		/* its drained(), from wake */
} ow = {
	.waiters = TAILQ_HEAD_INITIALIZER(ow.waiters),
	.holders = TAILQ_HEAD_INITIALIZER(ow.holders),
};

static void	conn_outwait_turn(evutil_socket_t, short, void *);

static int
conn_outwait_room(void)
{
	return conn_total_out() < conn_out_limit();
}

/* The waiters' turn, in the order they came, while there is room under
 * the limit: each may make one reply (drained()), which may spend it. */
static void
conn_outwait_wake(evutil_socket_t fd, short ev, void *arg)
{
	struct conn *c;

	while (conn_outwait_room() && (c = TAILQ_FIRST(&ow.waiters)) !=
	    NULL) {
		TAILQ_REMOVE(&ow.waiters, c, wait_entry);
		c->out_waiting = 0;
		ow.letgo = c;
		if (c->cbs->drained != NULL)
			c->cbs->drained(c, c->arg);
		ow.letgo = NULL;
	}
	if (TAILQ_EMPTY(&ow.waiters) && ow.turn != NULL)
		evtimer_del(ow.turn);
}

/* When the turn of holder h began: when its output last moved, or
 * when connections began to wait, whichever came last. */
static int64_t
conn_outwait_since(const struct conn *h)
{
	return h->out_moved > ow.wait_since ? h->out_moved : ow.wait_since;
}

/* Look at the first holder when its turn is over, or in a turn if none
 * holds output now (a waiter came while the limit was passed by replies
 * under way). */
static void
conn_outwait_arm(void)
{
	struct conn *h = TAILQ_FIRST(&ow.holders);
	int64_t ms = conn_turn_length_ms();
	struct timeval tv;

	if (ms == 0 || ow.turn == NULL)
		return;		/* no turns: waiters wait for room */
	if (h != NULL)
		ms = conn_outwait_since(h) + ms - monotime_ms();
	tv = monotime_tv(ms > 0 ? ms : 0);
	event_add_or_exit(ow.turn, &tv);
}

/* Make the events, with the first connection that needs them.  0, or -1
 * with no memory: waiters are then let make their replies at once. */
static int
conn_outwait_init(struct event_base *base)
{
	if (ow.wake == NULL &&
	    (ow.wake = event_new(base, -1, 0, conn_outwait_wake, NULL)) ==
	    NULL)
		return -1;
	if (ow.turn == NULL &&
	    (ow.turn = evtimer_new(base, conn_outwait_turn, NULL)) == NULL)
		return -1;
	return 0;
}

/* What c's socket holds that its client has not read, or -1. */
static int
conn_outwait_sockq(const struct conn *c)
{
	int n;

	return c->fd != -1 && ioctl(c->fd, SIOCOUTQ, &n) == 0 ? n : -1;
}

/* Out of the waiters, if it was one. */
static void
conn_outwait_leave(struct conn *c)
{
	if (c->out_waiting) {
		TAILQ_REMOVE(&ow.waiters, c, wait_entry);
		c->out_waiting = 0;
	}
}

int
conn_outwait_wait(struct conn *c, int over)
{
	struct conn *h;

	/* Its replies go nowhere: it waits for nobody. */
	if (c->deaf || (!over &&
	    (TAILQ_EMPTY(&ow.waiters) || c == ow.letgo ||
	    c == TAILQ_FIRST(&ow.waiters)))) {
		conn_outwait_leave(c);
		return 0;
	}
	if (c->out_waiting)
		return 1;
	if (conn_outwait_init(c->base) == -1)
		return 0;	/* no memory to wait: it goes on */
	if (TAILQ_EMPTY(&ow.waiters)) {
		/* A waiting begins: from now on a client that reads its
		 * replies shows by its socket's queue too (a slow reader
		 * leaves the daemon nothing to write for a while). */
		ow.wait_since = monotime_ms();
		TAILQ_FOREACH(h, &ow.holders, hold_entry)
			h->out_sockq = conn_outwait_sockq(h);
	}
	TAILQ_INSERT_TAIL(&ow.waiters, c, wait_entry);
	c->out_waiting = 1;
	if (!evtimer_pending(ow.turn, NULL))
		conn_outwait_arm();
	return 1;
}

/*
 * Connections have waited for a turn, and the first holder has written
 * nothing for a turn: its client does not read.  It is closed (closed()),
 * and lingers (linger.h), as a turn of the input budget does; so is the
 * next, if it has not moved for a turn either, until there is room.
 * The waiters are let go (conn_outwait_wake(), made active as the
 * output of those closed is dropped).
 */
static void
conn_outwait_turn(evutil_socket_t fd, short ev, void *arg)
{
	static struct lograte turn_rate;
	struct conn *h;
	int64_t turn = conn_turn_length_ms();
	int q;

	while (!TAILQ_EMPTY(&ow.waiters) && !conn_outwait_room() &&
	    (h = TAILQ_FIRST(&ow.holders)) != NULL &&
	    monotime_ms() - conn_outwait_since(h) >= turn) {
		if ((q = conn_outwait_sockq(h)) != h->out_sockq) {
			/* Its client has read since: its turn begins
			 * again, at the end. */
			conn_outwait_moved(h);
			h->out_sockq = q;
			continue;
		}
		/* Out of the holders first: whatever closed() does, the
		 * next one is looked at next. */
		TAILQ_REMOVE(&ow.holders, h, hold_entry);
		h->out_holding = 0;
		lograte_warn(&turn_rate, 0, "a client read none of its "
		    "%zu bytes of replies in %lld ms while others waited "
		    "for memory: connection closed",
		    evbuffer_get_length(h->out), (long long)turn);
		conn_linger(h);
		h->cbs->closed(h, h->arg);
	}
	if (!TAILQ_EMPTY(&ow.waiters))
		conn_outwait_arm();
}

void
conn_outwait_counted(struct conn *c, size_t before, size_t after)
{
	if (before == 0 && after > 0 && !c->out_holding) {
		c->out_moved = monotime_ms();
		c->out_sockq = TAILQ_EMPTY(&ow.waiters) ? -1 :
		    conn_outwait_sockq(c);
		TAILQ_INSERT_TAIL(&ow.holders, c, hold_entry);
		c->out_holding = 1;
	} else if (after == 0 && c->out_holding) {
		TAILQ_REMOVE(&ow.holders, c, hold_entry);
		c->out_holding = 0;
	}
	if (after < before)
		conn_outwait_fell();
}

int
conn_outwait_any(void)
{
	return !TAILQ_EMPTY(&ow.waiters);
}

void
conn_outwait_fell(void)
{
	if (!TAILQ_EMPTY(&ow.waiters) && conn_outwait_room())
		event_active(ow.wake, 0, 0);
}

void
conn_outwait_moved(struct conn *c)
{
	c->out_moved = monotime_ms();
	if (!TAILQ_EMPTY(&ow.waiters))
		c->out_sockq = conn_outwait_sockq(c);
	if (c->out_holding && TAILQ_NEXT(c, hold_entry) != NULL) {
		TAILQ_REMOVE(&ow.holders, c, hold_entry);
		TAILQ_INSERT_TAIL(&ow.holders, c, hold_entry);
	}
}

void
conn_outwait_forget(struct conn *c)
{
	conn_outwait_leave(c);
	if (ow.letgo == c)
		ow.letgo = NULL;
	if (c->out_holding) {
		TAILQ_REMOVE(&ow.holders, c, hold_entry);
		c->out_holding = 0;
	}
}

void
conn_outwait_done(void)
{
	if (ow.wake != NULL)
		event_free(ow.wake);
	if (ow.turn != NULL)
		event_free(ow.turn);
	ow.wake = ow.turn = NULL;
}
