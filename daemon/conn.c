/* conn.c: a client connection's buffered, bounded I/O. */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/queue.h>

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "conn.h"
#include "conn_int.h"
#include "etf.h"
#include "evadd.h"
#include "frame.h"
#include "linger.h"
#include "log.h"
#include "lograte.h"
#include "memtrim.h"
#include "store_fault.h"

/* One read's reserve: libevent adds its chain header and rounds up to
 * a power of two, so this makes chains of 64 KiB (not 128 KiB, glibc's
 * first mmap threshold: an mmap and munmap per read). */
#define CONN_READ	(64 * 1024 - 256)
/* An output that grew this large is told to memtrim once written. */
#define CONN_OUT_LARGE	(256u * 1024)


/*
 * The process's bounds over all its connections (conn_set_budget()).
 * Each process is one thread with one event loop.  A connection held
 * back by the input budget waits in stalled, in the order it came: the
 * first of them reads on all the same, so that one whole request at a
 * time still gets through while the budget is spent (without it, a few
 * clients each sending part of a large request would wait for each
 * other forever).  While others wait behind it, the first has turn_ms
 * to make its request whole (conn_turn_over()).  The next first is the
 * earliest of the class after last_class (conn_next_first()).
 */
static struct {
	size_t			 in_budget;	/* 0: no bound */
	size_t			 in_small;
	size_t			 out_budget;	/* 0: no bound */
	unsigned		 turn_ms;	/* 0: no bound */
	size_t			 in_total;
	size_t			 out_total;
	size_t			 nconns;	/* made and not freed */
	TAILQ_HEAD(, conn)	 stalled;
	unsigned long		 last_class;	/* of the last first */
} budget = { .stalled = TAILQ_HEAD_INITIALIZER(budget.stalled) };

static void	conn_read(evutil_socket_t, short, void *);
static void	conn_write(evutil_socket_t, short, void *);

static void	conn_unstall(struct conn *);
static void	conn_turn_start(void);

/* Others wait behind the first held back. */
static int
conn_others_wait(void)
{
	struct conn *first = TAILQ_FIRST(&budget.stalled);

	return first != NULL && TAILQ_NEXT(first, stall_entry) != NULL;
}

static void
conn_update_read(struct conn *c)
{
	size_t inlen = evbuffer_get_length(c->in);
	int could = !c->paused && !c->eof && !c->full &&
	    inlen < c->max_frame + FRAME_HDR;
	int over = could && budget.in_budget != 0 &&
	    inlen >= budget.in_small && budget.in_total >= budget.in_budget;
	int want;

	if (over && !c->stalled) {
		if (TAILQ_EMPTY(&budget.stalled))
			budget.last_class = c->turn_class;
		TAILQ_INSERT_TAIL(&budget.stalled, c, stall_entry);
		c->stalled = 1;
		/* The first's turn begins once another waits: c, second. */
		if (TAILQ_NEXT(TAILQ_FIRST(&budget.stalled), stall_entry) == c)
			conn_turn_start();
	} else if (!over && c->stalled)
		conn_unstall(c);
	want = could && (!over || TAILQ_FIRST(&budget.stalled) == c);
	if (want && !c->reading) {
		event_add_or_exit(c->rev, NULL);
		c->reading = 1;
	} else if (!want && c->reading) {
		event_del(c->rev);
		c->reading = 0;
	}
}

static void
conn_stall_remove(struct conn *c)
{
	TAILQ_REMOVE(&budget.stalled, c, stall_entry);
	c->stalled = 0;
	if (c->turn != NULL)
		evtimer_del(c->turn);
}

/*
 * Make first in the stalled queue the earliest connection of the class
 * that follows the last first's in number (round the classes, lowest
 * after highest), and return it; NULL if none waits.  A walk of the
 * queue, once a turn.
 */
static struct conn *
conn_next_first(void)
{
	struct conn *c, *after = NULL, *lowest = NULL, *next;

	TAILQ_FOREACH(c, &budget.stalled, stall_entry) {
		if (lowest == NULL || c->turn_class < lowest->turn_class)
			lowest = c;
		if (c->turn_class > budget.last_class && (after == NULL ||
		    c->turn_class < after->turn_class))
			after = c;
	}
	if ((next = after != NULL ? after : lowest) == NULL)
		return NULL;
	if (next != TAILQ_FIRST(&budget.stalled)) {
		TAILQ_REMOVE(&budget.stalled, next, stall_entry);
		TAILQ_INSERT_HEAD(&budget.stalled, next, stall_entry);
	}
	budget.last_class = next->turn_class;
	return next;
}

/* Out of the stalled queue; the next one, first now, reads on. */
static void
conn_unstall(struct conn *c)
{
	struct conn *next;
	int first = TAILQ_FIRST(&budget.stalled) == c;

	conn_stall_remove(c);
	if (first && (next = conn_next_first()) != NULL) {
		if (conn_others_wait())
			conn_turn_start();
		conn_update_read(next);
	}
}

/* The input budget has room again: every stalled connection reads. */
static void
conn_unstall_all(void)
{
	struct conn *c;

	while ((c = TAILQ_FIRST(&budget.stalled)) != NULL) {
		conn_stall_remove(c);
		conn_update_read(c);
	}
}

/*
 * The first held back has had its turn and others still wait behind it:
 * its client sent part of a large request and then nothing more, or next
 * to nothing, for turn_ms.  It must not hold up the others' large
 * requests for ever, nor keep the part it sent: the connection is closed
 * (closed()), as if the client had gone; replies not yet written are
 * dropped.  It lingers (linger.h): a client that writes the rest of its
 * request before it reads (Erlang's gen_tcp) would otherwise fail that
 * write and drop the replies already written to it that it has not read
 * yet.
 */
static void
conn_turn_over(evutil_socket_t fd, short ev, void *arg)
{
	static struct lograte turn_rate;
	struct conn *c = arg;

	if (!c->stalled || TAILQ_FIRST(&budget.stalled) != c ||
	    !conn_others_wait())
		return;
	lograte_warn(&turn_rate, 0, "a client sent %zu bytes of a request and "
	    "not the rest in %u ms while others waited for memory: "
	    "connection closed", evbuffer_get_length(c->in), budget.turn_ms);
	conn_linger(c);
	c->cbs->closed(c, c->arg);
}

/* The first in the stalled queue, with others behind it, starts its
 * turn.  Without a timer (no memory) it has no end, as with turn_ms 0. */
static void
conn_turn_start(void)
{
	struct conn *c = TAILQ_FIRST(&budget.stalled);
	struct timeval tv;

	if (budget.turn_ms == 0)
		return;
	if (c->turn == NULL &&
	    (c->turn = evtimer_new(c->base, conn_turn_over, c)) == NULL)
		return;
	tv.tv_sec = budget.turn_ms / 1000;
	tv.tv_usec = (budget.turn_ms % 1000) * 1000;
	event_add_or_exit(c->turn, &tv);
}

/* Count in and out bytes as the connection's share of the totals. */
static void
conn_count(struct conn *c, size_t in, size_t out)
{
	size_t out_before = c->out_counted;

	budget.in_total = budget.in_total - c->in_counted + in;
	budget.out_total = budget.out_total - c->out_counted + out;
	c->in_counted = in;
	c->out_counted = out;
	if (out != out_before)
		conn_outwait_counted(c, out_before, out);
	if (budget.in_total < budget.in_budget &&
	    !TAILQ_EMPTY(&budget.stalled))
		conn_unstall_all();
}

/* Bring the totals up to date with the connection's buffers. */
static void
conn_account(struct conn *c)
{
	conn_count(c, evbuffer_get_length(c->in), evbuffer_get_length(c->out));
}

void
conn_set_held(struct conn *c, size_t bytes)
{
	size_t before = c->held_counted;

	budget.out_total = budget.out_total - before + bytes;
	c->held_counted = bytes;
	if (bytes < before)
		conn_outwait_fell();
}

void
conn_set_class(struct conn *c, unsigned long turn_class)
{
	c->turn_class = turn_class;
}

void
conn_set_budget(size_t in_budget, size_t in_small, size_t out_budget,
    unsigned turn_ms)
{
	budget.in_budget = in_budget;
	budget.in_small = in_small;
	budget.out_budget = out_budget;
	budget.turn_ms = turn_ms;
}

size_t
conn_out_limit(void)
{
	return 2 * budget.out_budget;
}

unsigned
conn_turn_length_ms(void)
{
	return budget.turn_ms;
}

size_t
conn_total_in(void)
{
	return budget.in_total;
}

size_t
conn_total_out(void)
{
	return budget.out_total;
}

struct conn *
conn_new(struct event_base *base, int fd, size_t max_frame, size_t out_cap,
    const struct conn_cbs *cbs, void *arg)
{
	struct conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->fd = fd;
	c->base = base;
	c->max_frame = max_frame;
	c->out_cap = out_cap;
	c->cbs = cbs;
	c->arg = arg;
	/* fd is non-blocking already: accept4(SOCK_NONBLOCK) made it so,
	 * and the flag goes with the descriptor to a list server. */
	if ((c->in = evbuffer_new()) == NULL ||
	    (c->out = evbuffer_new()) == NULL ||
	    (c->rev = event_new(base, fd, EV_READ | EV_PERSIST, conn_read,
	    c)) == NULL ||
	    (c->wev = event_new(base, fd, EV_WRITE, conn_write, c)) == NULL) {
		c->fd = -1;
		conn_free(c);
		return NULL;
	}
	budget.nconns++;
	conn_update_read(c);
	return c;
}

uid_t
conn_peer_uid(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return (uid_t)-1;
	return cred.uid;
}

int
conn_prepend_input(struct conn *c, const void *p, size_t len)
{
	int rc;

	if (len == 0)
		return 0;
	rc = evbuffer_prepend(c->in, p, len);
	conn_account(c);
	conn_update_read(c);
	return rc;
}

int
conn_frame(struct conn *c, uint8_t **p, size_t *len)
{
	switch (frame_next(c->in, c->max_frame, p, len)) {
	case FRAME_READY:
		return 1;
	case FRAME_NEED_MORE:
		return 0;
	case FRAME_NOMEM:
		return CONN_FRAME_NOMEM;
	default:
		return -1;
	}
}

enum conn_req
conn_request(struct conn *c, struct etf_arena *arena, size_t max_term,
    const struct etf_term **t, size_t *len)
{
	uint8_t *p;
	int rc, drc;

	etf_arena_reset(arena);
	if ((rc = conn_frame(c, &p, len)) == 0)
		return CONN_REQ_NONE;
	if (rc == CONN_FRAME_NOMEM)
		return CONN_REQ_NOMEM;
	if (rc == -1)
		return CONN_REQ_BAD;
	if ((drc = etf_decode(arena, p, *len, max_term, t)) == ETF_ENOMEM)
		return CONN_REQ_NOMEM;
	return drc == ETF_OK ? CONN_REQ_OK : CONN_REQ_BAD;
}

void
conn_consume(struct conn *c, size_t len)
{
	frame_drain(c->in, len);
	conn_account(c);
	conn_update_read(c);
}

bool
conn_pass_spent(struct conn_pass *pass, size_t frame_len, size_t decoded)
{
	pass->frames++;
	pass->bytes += frame_len + decoded;
	return pass->frames >= CONN_PASS_FRAMES ||
	    pass->bytes >= CONN_PASS_BYTES;
}

static void
conn_again(evutil_socket_t fd, short ev, void *arg)
{
	struct conn *c = arg;

	c->cbs->input(c, c->arg);
}

/* A timer of 0, not event_active(): an event made active from a
 * callback runs in the same pass of the loop, before the loop polls the
 * descriptors again, and the others' input would wait for all of this
 * connection's; a timer runs after the next poll. */
int
conn_yield(struct conn *c)
{
	static const struct timeval now = { 0, 0 };

	/* Test-only: as when the timer cannot be had. */
	if (store_fault_file("TODOD_FAULT_YIELD_FILE"))
		return -1;
	if (c->again == NULL &&
	    (c->again = evtimer_new(c->base, conn_again, c)) == NULL)
		return -1;
	return evtimer_add(c->again, &now);
}

void
conn_pause(struct conn *c)
{
	c->paused = 1;
	conn_update_read(c);
}

void
conn_resume(struct conn *c)
{
	c->paused = 0;
	conn_update_read(c);
}

/* Whether a whole frame, or a bad one, is buffered: a request to answer.
 * Only the header is looked at (conn_frame() would make the frame
 * contiguous). */
static int
conn_request_buffered(struct conn *c)
{
	uint32_t len;

	return frame_peek(c->in, c->max_frame, &len) != FRAME_NEED_MORE;
}

int
conn_full(struct conn *c)
{
	/* Under the budget with nobody waiting for room, as nearly always:
	 * only its own cap can hold it (no header to look at). */
	if (budget.out_budget == 0 || (budget.out_total < budget.out_budget &&
	    !conn_outwait_any()))
		return c->full;
	/* With no request buffered, whole, it has no reply to make: it
	 * waits for its own output only (an idle connection, or one part
	 * way through a request, does not count as one waiting for
	 * room). */
	if (!conn_request_buffered(c))
		return c->full || (budget.out_budget != 0 &&
		    budget.out_total >= budget.out_budget &&
		    evbuffer_get_length(c->out) > 0);
	return conn_wait_room(c);
}

int
conn_wait_room(struct conn *c)
{
	if (c->full)
		return 1;
	if (budget.out_budget == 0 || budget.out_total < budget.out_budget)
		return conn_outwait_wait(c, 0);
	/* With output of its own, it waits for that to be written; with
	 * none, it may make one reply, up to the limit, unless others wait
	 * their turn; past the limit, it waits for its turn too
	 * (conn_outwait.c). */
	if (evbuffer_get_length(c->out) > 0)
		return 1;
	return conn_outwait_wait(c, budget.out_total >= conn_out_limit());
}

int
conn_deaf(const struct conn *c)
{
	return c->deaf;
}

int
conn_finished(struct conn *c)
{
	uint8_t *p;
	size_t len;

	return c->eof && conn_frame(c, &p, &len) == 0;
}

size_t
conn_outlen(const struct conn *c)
{
	return evbuffer_get_length(c->out);
}

size_t
conn_inlen(const struct conn *c)
{
	return evbuffer_get_length(c->in);
}

size_t
conn_copy_input(const struct conn *c, void *p, size_t len)
{
	ssize_t n = evbuffer_copyout(c->in, p, len);

	return n < 0 ? 0 : (size_t)n;
}

static void
conn_read(evutil_socket_t fd, short ev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer_iovec v;
	ssize_t n;

	/* One read(2) into reserved space: evbuffer_read() would first ask
	 * the kernel how much is waiting (an ioctl on every wake-up). */
	if (evbuffer_reserve_space(c->in, CONN_READ, &v, 1) != 1) {
		c->cbs->closed(c, c->arg);
		return;
	}
	n = read(fd, v.iov_base, v.iov_len);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == -1 && errno != ECONNRESET) {
		c->cbs->closed(c, c->arg);
		return;
	}
	if (n <= 0) {
		/* Only the client's requests are over (shutdown(SHUT_WR),
		 * as socat does): those buffered are still answered.  A
		 * client that closed altogether makes the writes fail
		 * (conn_flush); a reset comes after the last byte it sent,
		 * and ends its requests the same way. */
		c->eof = 1;
		conn_update_read(c);
		c->cbs->input(c, c->arg);
		return;
	}
	v.iov_len = (size_t)n;
	evbuffer_commit_space(c->in, &v, 1);
	conn_account(c);
	conn_update_read(c);
	c->cbs->input(c, c->arg);
}

static void
conn_write(evutil_socket_t fd, short ev, void *arg)
{
	struct conn *c = arg;

	switch (conn_flush(c)) {
	case -1:
		return;
	case 0:
		break;
	default:
		/* Requests are taken again at half the cap, not just below
		 * it, so that the owner does not wake for every write. */
		if (!c->full || evbuffer_get_length(c->out) > c->out_cap / 2)
			return;
		c->full = 0;
		conn_update_read(c);
		break;
	}
	if (c->cbs->drained != NULL)
		c->cbs->drained(c, c->arg);
}

/*
 * The output is empty now, written or dropped: if it grew large, that
 * much was freed, and memtrim (memtrim.h) is told.  In the cache, many
 * clients that left large replies unread, then closed or read them,
 * would otherwise leave its heap at their peak for good.  Small outputs
 * are not counted: ordinary traffic would trim every second.
 */
static void
conn_output_emptied(struct conn *c)
{
	if (c->out_peak >= CONN_OUT_LARGE)
		memtrim_freed(c->out_peak);
	c->out_peak = 0;
}

/* Drop the replies not yet written. */
static void
conn_drop_output(struct conn *c)
{
	evbuffer_drain(c->out, evbuffer_get_length(c->out));
	conn_output_emptied(c);
}

/*
 * A reply that cannot be queued (no memory for it) must not be skipped:
 * the next one would go out in its place, as the answer to this
 * request.  The connection is ended instead, both ways, as if its client
 * had gone: the requests it sent before are still carried out (the
 * owner reads on to the EOF) and their replies dropped, and the client
 * sees the connection close rather than a wrong answer or none.
 */
static void
conn_break(struct conn *c, size_t len)
{
	static struct lograte break_rate;

	lograte_warn(&break_rate, 0, "no memory for a reply of %zu bytes: its "
	    "connection is closed", len);
	conn_drop_output(c);
	conn_account(c);
	c->deaf = 1;
	(void)shutdown(c->fd, SHUT_RDWR);
	if (c->full) {
		c->full = 0;
		conn_update_read(c);
	}
}

/* A reply is queued whole, whatever its size: at the cap the owner stops
 * taking requests, so no more than one reply goes beyond it. */
static int
conn_queue(struct conn *c, const void *p, size_t len)
{
	if (c->deaf)
		return 0;
	if (frame_add(c->out, p, len) == -1) {
		conn_break(c, len);
		return -1;
	}
	if (evbuffer_get_length(c->out) > c->out_peak)
		c->out_peak = evbuffer_get_length(c->out);
	conn_account(c);
	if (!c->full && evbuffer_get_length(c->out) >= c->out_cap) {
		c->full = 1;
		conn_update_read(c);
	}
	return 0;
}

int
conn_send_raw(struct conn *c, const void *p, size_t len)
{
	return conn_queue(c, p, len);
}

int
conn_send(struct conn *c, const struct etf_buf *b)
{
	if (b->oom) {
		if (!c->deaf)
			conn_break(c, b->len);
		return -1;
	}
	return conn_queue(c, b->p, b->len);
}

int
conn_flush(struct conn *c)
{
	int n, err, moved = 0;

	while (evbuffer_get_length(c->out) > 0) {
		n = evbuffer_write(c->out, c->fd);
		if (n > 0) {
			moved = 1;
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		err = n == -1 ? errno : 0;
		conn_drop_output(c);
		if (err == EPIPE || err == ECONNRESET) {
			/* The client closed: its replies go nowhere, but
			 * the requests it sent before are carried out
			 * (the owner reads on to the EOF). */
			c->deaf = 1;
			break;
		}
		c->cbs->closed(c, c->arg);
		return -1;
	}
	if (moved)
		conn_outwait_moved(c);
	conn_account(c);
	if (evbuffer_get_length(c->out) == 0) {
		conn_output_emptied(c);
		event_del(c->wev);
		if (c->full) {
			c->full = 0;
			conn_update_read(c);
		}
		return 0;
	}
	event_add_or_exit(c->wev, NULL);
	return 1;
}

void
conn_linger(struct conn *c)
{
	c->linger = 1;
}

int
conn_release(struct conn *c)
{
	int fd = c->fd;

	c->fd = -1;
	conn_free(c);
	return fd;
}

void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	if (c->stalled)
		conn_unstall(c);
	conn_outwait_forget(c);
	conn_set_held(c, 0);
	conn_count(c, 0, 0);
	/* The last one (made: it has its events): the budget's events go
	 * with it, as the event base may. */
	if (c->wev != NULL && --budget.nconns == 0)
		conn_outwait_done();
	if (c->rev != NULL)
		event_free(c->rev);
	if (c->again != NULL)
		event_free(c->again);
	if (c->turn != NULL)
		event_free(c->turn);
	if (c->wev != NULL)
		event_free(c->wev);
	/* A partial request of a client that closes can be --max-frame;
	 * its output, a large reply. */
	if (c->in != NULL)
		memtrim_freed(evbuffer_get_length(c->in));
	if (c->out != NULL)
		conn_drop_output(c);
	if (c->in != NULL)
		evbuffer_free(c->in);
	if (c->out != NULL)
		evbuffer_free(c->out);
	if (c->fd != -1 && c->linger && !c->eof)
		linger_close(c->base, c->fd);
	else if (c->fd != -1)
		close(c->fd);
	free(c);
}
