/*
 * test_conn.c: the budgets that all the connections of a process share
 * (conn.h).  Input: while the input held passes the budget, connections
 * holding a large part of a request read no more, except the first of
 * them, so that several clients each sending a large request are all
 * answered in turn instead of waiting for each other forever, and a
 * small request still gets through.  Output: while the output unsent
 * passes the budget, every connection with output unsent is full, and
 * one is not once its own output is written.  The first held back has
 * a turn to make its request whole while others wait, and no more.
 */
#include "config.h"

#include <sys/socket.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/util.h>

#include "conn.h"
#include "etf.h"
#include "frame.h"
#include "linger.h"
#include "tutil.h"

#define NCONN		3
#define BIG		(200u * 1024)	/* one large request's payload */
#define IN_BUDGET	(256u * 1024)
#define OUT_BUDGET	(100u * 1024)

struct side {
	struct conn	*conn;
	int		 client;	/* the client's end */
	uint8_t		*req;		/* what the client sends */
	size_t		 reqlen, sent;
	size_t		 frames;	/* whole frames taken */
	size_t		 most_in;	/* the most input it held */
	int		 drained;
	int		 may_close;	/* closed() is not a failure */
	size_t		 drain_reply;	/* a reply drained() makes */
	int		 closed;
};

static void
on_input(struct conn *c, void *arg)
{
	struct side *s = arg;
	uint8_t *p;
	size_t len;

	if (conn_inlen(c) > s->most_in)
		s->most_in = conn_inlen(c);
	while (conn_frame(c, &p, &len) == 1) {
		s->frames++;
		conn_consume(c, len);
	}
}

static void
on_closed(struct conn *c, void *arg)
{
	struct side *s = arg;

	ck_assert_msg(s->may_close, "a connection failed");
	s->closed++;
	conn_free(c);
	s->conn = NULL;
}

/* Queue a reply of len bytes on c, more than its socket takes now. */
static void
reply_unsent(struct conn *c, size_t len)
{
	uint8_t *reply;

	ck_assert_ptr_nonnull(reply = calloc(1, len));
	ck_assert_int_eq(conn_send_raw(c, reply, len), 0);
	ck_assert_int_eq(conn_flush(c), 1);
	free(reply);
}

static void
on_drained(struct conn *c, void *arg)
{
	struct side *s = arg;

	s->drained++;
	if (s->drain_reply > 0) {
		/* As an owner does: a request taken, answered at once. */
		reply_unsent(c, s->drain_reply);
		s->drain_reply = 0;
	}
}

static const struct conn_cbs cbs = { on_input, on_closed, on_drained };

/* A connection, its client to send a request of payload bytes; sndbuf:
 * the connection's socket buffer (0: the default). */
static void
side_open(struct side *s, struct event_base *base, size_t payload,
    int sndbuf)
{
	int sv[2];

	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	if (sndbuf > 0)
		ck_assert_int_eq(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF,
		    &sndbuf, sizeof(sndbuf)), 0);
	ck_assert_int_eq(evutil_make_socket_nonblocking(sv[0]), 0);
	ck_assert_int_eq(evutil_make_socket_nonblocking(sv[1]), 0);
	s->client = sv[1];
	s->conn = conn_new(base, sv[0], 1024 * 1024, 1024 * 1024, &cbs, s);
	ck_assert_ptr_nonnull(s->conn);
	if (payload > 0) {
		s->reqlen = FRAME_HDR + payload;
		ck_assert_ptr_nonnull(s->req = calloc(1, s->reqlen));
		frame_put_len(s->req, (uint32_t)payload);
	}
}

/* A request of 8 bytes buffered on the connection, as if its client had
 * sent it: the owner has not taken it (it would make a reply). */
static void
side_request(struct side *s)
{
	uint8_t frame[FRAME_HDR + 8] = { 0 };

	frame_put_len(frame, 8);
	ck_assert_int_eq(conn_prepend_input(s->conn, frame, sizeof(frame)),
	    0);
}

static void
side_close(struct side *s)
{
	conn_free(s->conn);
	close(s->client);
	free(s->req);
}

/* The client sends up to upto bytes of its request, what its socket
 * takes now; bytes sent. */
static size_t
side_send(struct side *s, size_t upto)
{
	ssize_t n;

	if (upto > s->reqlen)
		upto = s->reqlen;
	if (s->sent >= upto)
		return 0;
	n = write(s->client, s->req + s->sent, upto - s->sent);
	if (n == -1) {
		ck_assert_int_eq(errno, EAGAIN);
		return 0;
	}
	s->sent += (size_t)n;
	return (size_t)n;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Three clients each send a request of 200 KiB, all of it but its last
 * byte first: 600 KiB against a budget of 256 KiB.  Then a fourth sends
 * a small request, and the three their last bytes.
 */
START_TEST(input_budget)
{
	struct event_base *base = event_base_new();
	struct side s[NCONN], small;
	int64_t end;
	size_t i, moved, total_frames;
	int quiet;

	ck_assert_ptr_nonnull(base);
	conn_set_budget(IN_BUDGET, CONN_IN_SMALL, 0, 0);
	for (i = 0; i < NCONN; i++)
		side_open(&s[i], base, BIG, 0);
	side_open(&small, base, 10, 0);

	/* Until neither the clients nor the connections move a byte. */
	end = now_ms() + TU_DEADLINE_MS;
	for (quiet = 0; quiet < 3 && now_ms() < end; ) {
		moved = 0;
		for (i = 0; i < NCONN; i++)
			moved += side_send(&s[i], s[i].reqlen - 1);
		ck_assert_int_eq(event_base_loop(base, EVLOOP_NONBLOCK), 0);
		quiet = moved == 0 ? quiet + 1 : 0;
	}
	ck_assert_int_eq(quiet, 3);
	/* The budget, each one read more at most, and the first held back
	 * reads its whole request. */
	ck_assert_uint_ge(conn_total_in(), IN_BUDGET);
	ck_assert_uint_le(conn_total_in(), IN_BUDGET + FRAME_HDR + BIG +
	    NCONN * (CONN_IN_SMALL + 64 * 1024));
	ck_assert_uint_lt(conn_total_in(), NCONN * (s[0].reqlen - 1));
	for (i = 0; i < NCONN; i++)
		ck_assert_uint_eq(s[i].frames, 0);

	/* A small request is not held back. */
	end = now_ms() + TU_DEADLINE_MS;
	while (small.frames == 0 && now_ms() < end) {
		side_send(&small, small.reqlen);
		ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE |
		    EVLOOP_NONBLOCK), 0);
	}
	ck_assert_uint_eq(small.frames, 1);

	/* The last bytes: every request is taken, in turn. */
	end = now_ms() + TU_DEADLINE_MS;
	do {
		for (i = 0; i < NCONN; i++)
			side_send(&s[i], s[i].reqlen);
		ck_assert_int_eq(event_base_loop(base, EVLOOP_NONBLOCK), 0);
		for (total_frames = 0, i = 0; i < NCONN; i++)
			total_frames += s[i].frames;
	} while (total_frames < NCONN && now_ms() < end);
	for (i = 0; i < NCONN; i++)
		ck_assert_msg(s[i].frames == 1, "connection %zu: %zu "
		    "requests taken, %zu bytes sent", i, s[i].frames,
		    s[i].sent);
	ck_assert_uint_eq(conn_total_in(), 0);
	for (i = 0; i < NCONN; i++)
		side_close(&s[i]);
	side_close(&small);
	ck_assert_uint_eq(conn_total_in(), 0);
	event_base_free(base);
}
END_TEST

/*
 * A client sends all but the last byte of a large request, and stops:
 * it is the first held back.  Two more send large requests whole and
 * wait behind it.  Once its turn is over, it is closed, and the two
 * others are taken.  The closed one lingers: its client may still write
 * the rest of its request, then reads the reply it had not read yet
 * and the end.
 */
#define TURN_MS		300
START_TEST(turn_ends)
{
	struct event_base *base = event_base_new();
	struct side stop, s[2];
	static const char reply[] = "an earlier reply";
	uint8_t buf[64];
	size_t i;
	int64_t start, end;

	ck_assert_ptr_nonnull(base);
	conn_set_budget(BIG / 2, CONN_IN_SMALL, 0, TURN_MS);
	side_open(&stop, base, BIG, 0);
	stop.may_close = 1;
	ck_assert_int_eq(conn_send_raw(stop.conn, reply, sizeof(reply)), 0);
	ck_assert_int_eq(conn_flush(stop.conn), 0);
	for (i = 0; i < 2; i++)
		side_open(&s[i], base, BIG, 0);

	/* Read whole but its last byte, as the first held back. */
	end = now_ms() + TU_DEADLINE_MS;
	while (conn_inlen(stop.conn) < stop.reqlen - 1 && now_ms() < end) {
		side_send(&stop, stop.reqlen - 1);
		ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE |
		    EVLOOP_NONBLOCK), 0);
	}
	ck_assert_uint_eq(conn_inlen(stop.conn), stop.reqlen - 1);
	ck_assert_uint_ge(conn_total_in(), BIG / 2);

	/* The two others wait behind it for its turn, then are taken. */
	start = now_ms();
	end = start + TU_DEADLINE_MS;
	while ((s[0].frames == 0 || s[1].frames == 0) && now_ms() < end) {
		for (i = 0; i < 2; i++)
			side_send(&s[i], s[i].reqlen);
		ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE |
		    EVLOOP_NONBLOCK), 0);
		if (now_ms() < start + TURN_MS / 2)
			ck_assert(s[0].frames == 0 && s[1].frames == 0 &&
			    stop.closed == 0);
	}
	ck_assert_msg(s[0].frames == 1 && s[1].frames == 1,
	    "taken: %zu and %zu", s[0].frames, s[1].frames);
	/* (Its turn began a moment before start: when the second one was
	 * held back.) */
	ck_assert_int_ge(now_ms() - start, TURN_MS - TURN_MS / 10);
	ck_assert_int_eq(stop.closed, 1);
	ck_assert_uint_eq(stop.frames, 0);
	ck_assert_uint_eq(conn_total_in(), 0);
	ck_assert_int_eq(send(stop.client, stop.req + stop.sent,
	    stop.reqlen - stop.sent, MSG_NOSIGNAL), 1);
	ck_assert_uint_eq(linger_count(), 1);
	ck_assert_int_eq(read(stop.client, buf, sizeof(buf)),
	    FRAME_HDR + sizeof(reply));
	ck_assert_mem_eq(buf + FRAME_HDR, reply, sizeof(reply));
	ck_assert_int_eq(read(stop.client, buf, sizeof(buf)), 0);

	/* Alone in line, the first held back has no end to its turn. */
	side_close(&s[0]);
	side_open(&s[0], base, BIG, 0);
	end = now_ms() + 2 * TURN_MS;
	while (now_ms() < end) {
		side_send(&s[0], s[0].reqlen - 1);
		ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE |
		    EVLOOP_NONBLOCK), 0);
	}
	ck_assert_uint_eq(conn_inlen(s[0].conn), s[0].reqlen - 1);
	side_send(&s[0], s[0].reqlen);
	end = now_ms() + TU_DEADLINE_MS;
	while (s[0].frames == 0 && now_ms() < end)
		ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE |
		    EVLOOP_NONBLOCK), 0);
	ck_assert_uint_eq(s[0].frames, 1);

	side_close(&stop);
	for (i = 0; i < 2; i++)
		side_close(&s[i]);
	ck_assert_uint_eq(conn_total_in(), 0);
	linger_close_all();
	event_base_free(base);
}
END_TEST

/*
 * Three connections of one class (a user's) each send all but the last
 * byte of a large request and stop; then one of another class sends a
 * large request whole.  The turns go round the classes: the other
 * class's request is taken once the first held back's turn is over, not
 * after each of the three has had one.
 */
START_TEST(turns_go_round)
{
	struct event_base *base = event_base_new();
	struct side a[NCONN], other;
	int64_t end;
	size_t i, moved, closed;
	int quiet;

	ck_assert_ptr_nonnull(base);
	conn_set_budget(BIG / 2, CONN_IN_SMALL, 0, TURN_MS);
	for (i = 0; i < NCONN; i++) {
		side_open(&a[i], base, BIG, 0);
		a[i].may_close = 1;
		conn_set_class(a[i].conn, 1000);
	}
	side_open(&other, base, BIG, 0);
	conn_set_class(other.conn, 0);

	/* The three held back, one of them first. */
	end = now_ms() + TU_DEADLINE_MS;
	for (quiet = 0; quiet < 3 && now_ms() < end; ) {
		moved = 0;
		for (i = 0; i < NCONN; i++)
			moved += side_send(&a[i], a[i].reqlen - 1);
		ck_assert_int_eq(event_base_loop(base, EVLOOP_NONBLOCK), 0);
		quiet = moved == 0 ? quiet + 1 : 0;
	}
	ck_assert_int_eq(quiet, 3);

	/* The other class's, whole, behind them. */
	end = now_ms() + TU_DEADLINE_MS;
	while (other.frames == 0 && now_ms() < end) {
		side_send(&other, other.reqlen);
		ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE |
		    EVLOOP_NONBLOCK), 0);
	}
	for (closed = 0, i = 0; i < NCONN; i++)
		closed += a[i].closed;
	ck_assert_msg(other.frames == 1 && closed == 1, "taken: %zu, after "
	    "%zu turns over", other.frames, closed);

	for (i = 0; i < NCONN; i++)
		if (!a[i].closed)
			side_close(&a[i]);
		else {
			close(a[i].client);
			free(a[i].req);
		}
	side_close(&other);
	ck_assert_uint_eq(conn_total_in(), 0);
	linger_close_all();
	event_base_free(base);
}
END_TEST

/* Read all the client's end holds now. */
static void
side_read_all(struct side *s)
{
	uint8_t buf[65536];

	while (read(s->client, buf, sizeof(buf)) > 0)
		;
}

/* The client of reader reads all it is sent until waiter is drained
 * (or the deadline): whether it was. */
static int
read_until_drained(struct event_base *base, struct side *reader,
    struct side *waiter)
{
	int64_t end = now_ms() + TU_DEADLINE_MS;

	while (waiter->drained == 0 && now_ms() < end) {
		side_read_all(reader);
		ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE |
		    EVLOOP_NONBLOCK), 0);
	}
	return waiter->drained > 0;
}

/*
 * Two connections whose clients do not read, with small socket buffers:
 * 150 KiB of replies on one and 8 KiB on the other pass the output
 * budget of 100 KiB, and both are full, each far under its own cap.  A
 * third with no output is not: under the limit (twice the budget) it
 * may make a reply.  Once the first client reads it all, its connection
 * is drained, and the second is no longer full.
 */
START_TEST(output_budget)
{
	struct event_base *base = event_base_new();
	struct side a, b, idle;

	ck_assert_ptr_nonnull(base);
	conn_set_budget(0, 0, OUT_BUDGET, 0);
	side_open(&a, base, 0, 4096);
	side_open(&b, base, 0, 4096);
	side_open(&idle, base, 0, 4096);
	reply_unsent(a.conn, 150 * 1024);
	reply_unsent(b.conn, 8 * 1024);
	ck_assert_uint_ge(conn_total_out(), OUT_BUDGET);
	ck_assert(conn_full(a.conn));
	ck_assert(conn_full(b.conn));
	ck_assert(!conn_full(idle.conn));

	/* The first client reads: its connection is drained, and the
	 * output left is under the budget. */
	ck_assert(read_until_drained(base, &a, &a));
	ck_assert_int_eq(a.drained, 1);
	ck_assert_uint_eq(conn_outlen(a.conn), 0);
	ck_assert(!conn_full(a.conn));
	ck_assert_uint_gt(conn_outlen(b.conn), 0);
	ck_assert_uint_eq(conn_total_out(), conn_outlen(b.conn));
	ck_assert(!conn_full(b.conn));

	side_close(&a);
	side_close(&b);
	side_close(&idle);
	ck_assert_uint_eq(conn_total_out(), 0);
	event_base_free(base);
}
END_TEST

#define OUT_TURN_MS	300

/* Run the loop for ms milliseconds. */
static void
loop_for(struct event_base *base, int64_t ms)
{
	int64_t end = now_ms() + ms;

	while (now_ms() < end)
		ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE |
		    EVLOOP_NONBLOCK), 0);
}

/* Turns of OUT_TURN_MS; a hog whose client reads none of its 250 KiB of
 * replies (past the limit, twice the budget), which may be closed, and
 * another connection; both with small socket buffers. */
static void
hog_past_limit(struct event_base *base, struct side *hog, struct side *other)
{
	ck_assert_ptr_nonnull(base);
	conn_set_budget(0, 0, OUT_BUDGET, OUT_TURN_MS);
	side_open(hog, base, 0, 4096);
	side_open(other, base, 0, 4096);
	hog->may_close = 1;
	reply_unsent(hog->conn, 250 * 1024);
}

/* Run the loop until cond(s) or the deadline; whether cond came. */
static int
loop_until(struct event_base *base, int (*cond)(struct side *),
    struct side *s)
{
	int64_t end = now_ms() + TU_DEADLINE_MS;

	while (!cond(s) && now_ms() < end)
		ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE |
		    EVLOOP_NONBLOCK), 0);
	return cond(s);
}

static int
is_closed(struct side *s)
{
	return s->closed > 0;
}

static int
is_drained(struct side *s)
{
	return s->drained > 0;
}

/*
 * A client that reads none of its 250 KiB of replies (over the output
 * limit of 200 KiB, twice the budget) is closed once it has not read
 * for a turn while another waits for room; the other may then go on.
 * While none waits, it is not closed, however long it does not read;
 * while it reads, even slowly, it is not either.
 *
 * The daemon sees a read only when it frees a segment of the socket's
 * queue (SIOCOUTQ counts whole segments, of at most half the 8 KiB
 * buffer here): so each read takes 4 KiB, and "not before a turn" is
 * measured from the last read, not from when the reading stopped.
 */
START_TEST(output_turn)
{
	struct event_base *base = event_base_new();
	struct side hog, idle;
	uint8_t buf[4096];
	int64_t start, last = 0;

	hog_past_limit(base, &hog, &idle);

	/* Nobody waits: no turn, however long. */
	loop_for(base, 3 * OUT_TURN_MS);
	ck_assert_int_eq(hog.closed, 0);

	/* One with no request does not wait; one with one does, and the
	 * hog reads a little at a time (4 KiB a third of a turn, leaving more
	 * than the limit unsent), for three turns: it is not closed. */
	ck_assert(!conn_full(idle.conn));
	side_request(&idle);
	ck_assert(conn_full(idle.conn));
	start = now_ms();
	while (now_ms() < start + 3 * OUT_TURN_MS) {
		last = now_ms();
		ck_assert_int_gt(read(hog.client, buf, sizeof(buf)), 0);
		loop_for(base, OUT_TURN_MS / 3);
	}
	ck_assert_int_eq(hog.closed, 0);
	ck_assert_int_eq(idle.drained, 0);

	/* It stops reading: closed within its turn and a little more,
	 * not before a turn since its last read; the waiter goes on. */
	ck_assert(loop_until(base, is_closed, &hog));
	ck_assert_int_ge(now_ms() - last, OUT_TURN_MS);
	ck_assert(loop_until(base, is_drained, &idle));
	ck_assert_uint_eq(conn_total_out(), 0);
	ck_assert(!conn_full(idle.conn));

	close(hog.client);
	side_close(&idle);
	linger_close_all();
	event_base_free(base);
}
END_TEST

/*
 * A client that reads its 1 MiB of replies slowly (16 KiB every 40 ms),
 * through a socket with the default buffers, leaves the daemon nothing
 * to write for long stretches, longer than a turn here (the socket is
 * writable again only once it has mostly drained: some 150 KiB read,
 * about 400 ms): it is not closed for that while another waits, as it
 * reads.  Once it stops, it is.
 *
 * The daemon sees the reads only as its socket's queue shrinks by whole
 * segments (SIOCOUTQ; about 36 KiB each here), once every two or three
 * reads: that interval, not the reads', must stay well within a turn,
 * or a loaded machine that delays a read or two closes the reader.  At
 * 16 KiB every 75 ms, segments went 225 ms apart and up to 299 ms under
 * load, against a turn of 300 ms.
 */
START_TEST(output_slow_reader_kept)
{
	struct event_base *base = event_base_new();
	struct side hog, idle;
	uint8_t buf[16384];
	int64_t start;
	ssize_t n;

	ck_assert_ptr_nonnull(base);
	conn_set_budget(0, 0, OUT_BUDGET, OUT_TURN_MS);
	side_open(&hog, base, 0, 0);
	side_open(&idle, base, 0, 0);
	hog.may_close = 1;
	reply_unsent(hog.conn, 1024 * 1024);
	side_request(&idle);
	ck_assert(conn_full(idle.conn));
	start = now_ms();
	while (now_ms() < start + 4 * OUT_TURN_MS) {
		n = read(hog.client, buf, sizeof(buf));
		ck_assert_msg(n > 0, "nothing to read: closed after %lld ms",
		    (long long)(now_ms() - start));
		loop_for(base, 40);
	}
	ck_assert_int_eq(hog.closed, 0);
	ck_assert(loop_until(base, is_closed, &hog));
	ck_assert(loop_until(base, is_drained, &idle));

	close(hog.client);
	side_close(&idle);
	linger_close_all();
	event_base_free(base);
}
END_TEST

/*
 * Part of a request (2 bytes of 8) is no request to answer: past the
 * limit, its connection does not wait for room, and so does not make
 * the client that does not read its replies be closed for nobody.
 */
START_TEST(output_partial_not_waiter)
{
	struct event_base *base = event_base_new();
	struct side hog, part;
	uint8_t frame[FRAME_HDR + 2] = { 0 };

	hog_past_limit(base, &hog, &part);
	frame_put_len(frame, 8);
	ck_assert_int_eq(conn_prepend_input(part.conn, frame, sizeof(frame)),
	    0);
	ck_assert(!conn_full(part.conn));
	loop_for(base, 3 * OUT_TURN_MS);
	ck_assert_int_eq(hog.closed, 0);
	side_close(&hog);
	side_close(&part);
	event_base_free(base);
}
END_TEST

/*
 * Past the limit (200 KiB), waiters are let make their replies in the
 * order they came, while there is room: once the 250 KiB are read, the
 * first waiter makes a reply of 220 KiB, which passes the limit again,
 * and the second waits on until that is read too.  A waiter freed while
 * it waits is forgotten.
 */
START_TEST(output_waiters_in_order)
{
	struct event_base *base = event_base_new();
	struct side hog, w1, w2, w3;

	ck_assert_ptr_nonnull(base);
	conn_set_budget(0, 0, OUT_BUDGET, 0);
	side_open(&hog, base, 0, 4096);
	side_open(&w1, base, 0, 4096);
	side_open(&w2, base, 0, 4096);
	side_open(&w3, base, 0, 4096);
	reply_unsent(hog.conn, 250 * 1024);
	side_request(&w1);
	side_request(&w2);
	side_request(&w3);
	ck_assert(conn_full(w3.conn));
	ck_assert(conn_full(w1.conn));
	ck_assert(conn_full(w2.conn));
	side_close(&w3);

	/* The hog reads it all: w1's turn comes, and it makes its reply
	 * at once, as an owner does in drained(). */
	w1.drain_reply = 220 * 1024;
	ck_assert(read_until_drained(base, &hog, &w1));
	ck_assert_int_eq(w1.drained, 1);
	ck_assert_int_eq(w2.drained, 0);
	ck_assert(conn_full(w2.conn));

	/* w1's client reads: w2's turn. */
	ck_assert(read_until_drained(base, &w1, &w2));
	ck_assert_int_eq(w2.drained, 1);
	ck_assert(!conn_full(w2.conn));

	side_close(&hog);
	side_close(&w1);
	side_close(&w2);
	ck_assert_uint_eq(conn_total_out(), 0);
	event_base_free(base);
}
END_TEST

static Suite *
conn_suite(void)
{
	Suite *s = suite_create("conn");
	TCase *tc = tcase_create("budget");

	tcase_add_test(tc, input_budget);
	tcase_add_test(tc, turn_ends);
	tcase_add_test(tc, turns_go_round);
	tcase_add_test(tc, output_budget);
	tcase_add_test(tc, output_turn);
	tcase_add_test(tc, output_slow_reader_kept);
	tcase_add_test(tc, output_partial_not_waiter);
	tcase_add_test(tc, output_waiters_in_order);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(conn_suite());
}
