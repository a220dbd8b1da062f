/*
 * test_slow: slow and careless clients do not stop service to others.
 *
 *   slow writers   clients that send their frames a byte at a time,
 *                  unattached and attached, and the next byte only
 *                  once another client has been served
 *   idle crowd     1,000 (5,000 when RLIMIT_NOFILE allows) open idle
 *                  connections, each still answered, while another
 *                  client is served
 *   costly frames  a client sending, as fast as it can, frames of 1 kB
 *                  that inflate to nearly 1 MiB and decode to a million
 *                  terms, unattached and then attached, while another
 *                  client waits for a few of those frames at most
 *   partial frames 100 connections each send all of a 1 MiB request
 *                  but its last byte: the cache holds no more of them
 *                  than its input budget allows and serves others; then
 *                  the last bytes, each request answered; then they
 *                  close: the cache gives the memory back to the system
 *   never reads    a client that pipelines requests and does not read
 *                  is paused, not disconnected, once its replies pass
 *                  the output cap; the daemon's memory (sum of VmRSS
 *                  over its process tree) stays bounded, others are
 *                  served meanwhile, and when the client reads at last
 *                  it gets every reply in order
 *   burst given back
 *                  a burst of large changes held by a database worker
 *                  until its checkpoint: the worker gives the memory
 *                  back to the system after the checkpoint (sync)
 *
 * The test raises its own soft RLIMIT_NOFILE to the hard limit after
 * the daemon has started (the daemon raises its own).
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "frame.h"
#include "harness.h"

/*
 * One round trip on c while other clients are slow or careless.  No
 * bound on its time but the harness's reply deadline: the test is built
 * so that a daemon that waited on the others would never answer (the
 * others send nothing more until this reply has come), not so that a
 * slow answer fails; speed is the benchmarks' business.
 */
static void
served_call(struct conn *c, const char *req, const char *reply)
{
	char	e[8192];

	H_ASSERT(h_call_is(c, e, sizeof e, req, reply), "%s", e);
	conn_reset(c);
}

/* Encoded frame of a request. */
static void
frame_of(struct etf_buf *b, const char *req)
{
	etf_buf_init(b);
	H_ASSERT(h_frame_append(b, req) == 0, "encode %s", req);
}

/*
 * Slow writers: each sends its frame one byte at a time, all but its
 * last byte, and sends the next byte only once two other clients have
 * each had a round trip, so that the daemon answers those while four
 * frames are cut short, or never.  Thirty bytes are enough to show the
 * point.
 */
START_TEST(t_slow_writers)
{
	struct daemon	*d = daemon_start_ok(NULL);
	struct conn	*slow[4], *fast = conn_open_ok(d), *fast2;
	struct etf_buf	 ping, add;
	size_t		 i, k;

	frame_of(&ping, "ping");
	frame_of(&add, "{add_entry, #{date => {2023, 12, 19}, title => "
	    "<<\"slow\">>}}");
	fast2 = conn_open_ok(d);
	attach_ok(fast2, "slow-list");
	for (k = 0; k < 4; k++) {
		slow[k] = conn_open_ok(d);
		if (k >= 2)
			attach_ok(slow[k], "slow-list");
	}
	/* unattached ones send ping; attached ones add_entry */
	H_ASSERT(add.len > 30, "a frame of %zu bytes", add.len);
	for (i = 0; i < 30; i++) {
		for (k = 0; k < 4; k++) {
			const struct etf_buf *b = k < 2 ? &ping : &add;

			if (i + 1 < b->len)	/* its last byte: below */
				send_raw(slow[k], b->p + i, 1);
		}
		served_call(fast, "ping", "pong");
		served_call(fast2, "size", "{ok, 0}");
	}
	/* finish the frames at once: each is answered */
	for (k = 0; k < 4; k++) {
		const struct etf_buf *b = k < 2 ? &ping : &add;
		size_t sent = i < b->len - 1 ? i : b->len - 1;

		send_raw(slow[k], b->p + sent, b->len - sent);
	}
	assert_reply(slow[0], "pong");
	assert_reply(slow[1], "pong");
	assert_reply(slow[2], "{ok, _}");
	assert_reply(slow[3], "{ok, _}");
	served_call(fast2, "size", "{ok, 2}");
	for (k = 0; k < 4; k++)
		conn_close(slow[k]);
	conn_close(fast);
	conn_close(fast2);
	etf_buf_free(&ping);
	etf_buf_free(&add);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/*
 * A frame of 1 kB or so: {x, [[], [], ...]} compressed (tag 80), which
 * inflates to 1 MiB less 1 kB (under the default --max-frame) and
 * decodes to a million terms; the daemon answers unknown_request.
 * *len gets its size; the caller frees it.
 */
static uint8_t *
costly_frame(size_t *len)
{
	static const uint8_t head[] = { 104, 2, 119, 1, 'x', 108 };
	size_t tlen = 1024 * 1024 - 1024, n = tlen - sizeof(head) - 4 - 1;
	uint8_t *t, *f;
	uLongf zlen;

	H_ASSERT((t = malloc(tlen)) != NULL, "malloc");
	memcpy(t, head, sizeof(head));
	frame_put_len(t + sizeof(head), (uint32_t)n);
	memset(t + sizeof(head) + 4, 106, n + 1);	/* [] x n, then nil */
	zlen = compressBound(tlen);
	H_ASSERT((f = malloc(10 + zlen)) != NULL, "malloc");
	H_ASSERT(compress2(f + 10, &zlen, t, tlen, 9) == Z_OK, "compress");
	free(t);
	frame_put_len(f, (uint32_t)(6 + zlen));
	f[4] = 131;
	f[5] = 80;
	frame_put_len(f + 6, (uint32_t)tlen);
	*len = 10 + zlen;
	return f;
}

/* A child process that sends frame on c's socket for ever, reading
 * nothing (its replies are small: the output cap is far). */
static pid_t
flood(struct conn *c, const uint8_t *frame, size_t len)
{
	pid_t pid;
	size_t i;
	uint8_t *batch;

	H_ASSERT((batch = malloc(64 * len)) != NULL, "malloc");
	for (i = 0; i < 64; i++)
		memcpy(batch + i * len, frame, len);
	H_ASSERT((pid = fork()) != -1, "fork");
	if (pid == 0) {
		for (;;)
			if (send(c->fd, batch, 64 * len, MSG_NOSIGNAL) == -1)
				_exit(0);
	}
	free(batch);
	return pid;
}

/* Bytes of replies waiting, unread, on c's socket. */
static size_t
unread_bytes(struct conn *c)
{
	int n;

	H_ASSERT(ioctl(c->fd, FIONREAD, &n) == 0, "FIONREAD: %s",
	    strerror(errno));
	return (size_t)n;
}

/* The costly frames a round trip may wait for (t_costly_frames). */
#define COSTLY_WAIT_MAX	8

/*
 * One round trip on fast while flood answers costly frames on bad: the
 * flood's frames the daemon finished meanwhile, counted by their
 * replies on bad's socket (which nobody reads).  A reply to a frame is
 * queued before the daemon's pass ends, so those of every frame taken
 * before the round trip's reply are on the socket when it arrives.
 * The wait is bounded in frames too, not by a fixed time only: while
 * the flood's frames go on being answered, the round trip may wait
 * (a sanitizer build on a loaded machine takes seconds a frame); it
 * stops once more than COSTLY_WAIT_MAX of them went by (the caller
 * then fails), or when nothing moves for the reply deadline.
 */
static size_t
frames_during(struct conn *fast, const char *req, const char *reply,
    struct conn *bad, size_t reply_len)
{
	size_t	 before = unread_bytes(bad), seen = before, now;
	int64_t	 still = h_now_ms();
	struct pollfd pfd = { .fd = fast->fd, .events = POLLIN };

	send_req(fast, req);
	for (;;) {
		H_ASSERT(poll(&pfd, 1, 100) != -1 || errno == EINTR, "poll: %s",
		    strerror(errno));
		now = unread_bytes(bad);
		if (pfd.revents != 0 ||
		    (now - before) / reply_len > COSTLY_WAIT_MAX + 2)
			break;
		if (now != seen) {
			seen = now;
			still = h_now_ms();
		}
		H_ASSERT(h_now_ms() - still < h_ms(H_REPLY_MS), "request %s: "
		    "no reply, and no costly frame answered, for %d ms",
		    req, h_ms(H_REPLY_MS));
	}
	if (pfd.revents != 0)
		assert_reply(fast, reply);
	conn_reset(fast);
	return (unread_bytes(bad) - before) / reply_len;
}

static bool
answered(void *arg)
{
	return unread_bytes(arg) > 0;
}

/* Flood c (flood()) and wait until the daemon answers the first frame:
 * from then on, it has the flood's frames to work on. */
static pid_t
flood_started(struct conn *c, const uint8_t *frame, size_t len)
{
	pid_t pid = flood(c, frame, len);

	H_ASSERT(h_poll(h_ms(10000), answered, c),
	    "no costly frame answered within %d ms", h_ms(10000));
	return pid;
}

static void
flood_stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/*
 * Costly frames: while a client floods the cache (unattached), then the
 * server of a list (attached), with frames that each take the daemon
 * some milliseconds to inflate and decode, others wait for a few of
 * them at most: a connection takes its share of an event loop's pass,
 * then the others go (conn.h).  The cache took every whole frame
 * buffered in one pass: one read of 64 kB held 60 of them, a second's
 * work, and others waited that long.
 *
 * Counted in frames, not in milliseconds, so that a loaded machine
 * (which slows the frames and the round trip alike) cannot fail it: a
 * round trip may wait for COSTLY_WAIT_MAX of the flood's frames (a new
 * connection waits for its accept and its read, a share each).
 */
START_TEST(t_costly_frames)
{
	struct daemon	*d = daemon_start_ok(NULL);
	struct conn	*bad = conn_open_ok(d), *bad2 = conn_open_ok(d);
	struct conn	*fast, *fast2 = conn_open_ok(d);
	struct etf_buf	 reply;
	uint8_t		*frame;
	size_t		 len, i, n, most = 0, sum = 0;
	pid_t		 pid;

	frame = costly_frame(&len);
	H_ASSERT(len < 8192, "the costly frame is %zu bytes", len);
	frame_of(&reply, "{error, unknown_request}");
	attach_ok(fast2, "costly");
	attach_ok(bad2, "costly");
	pid = flood_started(bad, frame, len);
	for (i = 0; i < 10; i++) {
		fast = conn_open_ok(d);
		n = frames_during(fast, "ping", "pong", bad, reply.len);
		most = n > most ? n : most;
		sum += n;
		conn_close(fast);
	}
	flood_stop(pid);
	/* The flood did compete with the round trips: in todod, whose
	 * processes each serve many connections in one event loop (the
	 * peer runs each connection in a process of its own, and a round
	 * trip need not wait for any costly frame there). */
	H_ASSERT(h_peer() || sum >= 5, "the pings waited for %zu costly "
	    "frames in all", sum);
	H_ASSERT(most <= COSTLY_WAIT_MAX, "a ping waited for %zu costly "
	    "frames (at most %d)", most, COSTLY_WAIT_MAX);
	pid = flood_started(bad2, frame, len);
	for (i = 0, sum = 0, most = 0; i < 10; i++) {
		n = frames_during(fast2, "size", "{ok, 0}", bad2, reply.len);
		most = n > most ? n : most;
		sum += n;
	}
	flood_stop(pid);
	H_ASSERT(h_peer() || sum >= 5, "the sizes waited for %zu costly "
	    "frames in all", sum);
	H_ASSERT(most <= COSTLY_WAIT_MAX, "a size waited for %zu costly "
	    "frames (at most %d)", most, COSTLY_WAIT_MAX);
	etf_buf_free(&reply);
	free(frame);
	conn_close(bad);
	conn_close(bad2);
	conn_close(fast2);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

#define PARTIAL_CONNS	100
#define PARTIAL_MIB	1024

struct rss_arg {
	pid_t	pid;
	long	kb;		/* at least (above) or at most (below) */
};

#ifndef __SANITIZE_ADDRESS__
static bool
rss_below(void *arg)
{
	struct rss_arg *a = arg;

	return proc_rss_kb(a->pid) <= a->kb;
}
#endif

/* The cache's budget for its connections' input (daemon/cache.c), and
 * what each connection may hold beyond it: CONN_IN_SMALL and one read. */
#define CACHE_IN_BUDGET_KIB	(16 * 1024)
#define CONN_BEYOND_KIB		(64 + 64)

/* Connections each sending one request of len bytes, as much as their
 * sockets take without waiting. */
struct pump {
	struct conn	**c;
	size_t		 n;
	const uint8_t	*req;
	size_t		 len;		/* to send on each connection */
	size_t		*sent;
	int		 idle;		/* rounds in a row that sent nothing */
	const struct daemon *d;
	int64_t		 in;		/* the cache's input_bytes, last seen */
};

static size_t
pump_round(struct pump *p)
{
	size_t i, moved = 0;
	ssize_t n;

	for (i = 0; i < p->n; i++) {
		if (p->sent[i] == p->len)
			continue;
		n = conn_send_nowait(p->c[i], p->req + p->sent[i],
		    p->len - p->sent[i]);
		H_ASSERT(n >= 0, "send: %s", strerror(errno));
		p->sent[i] += (size_t)n;
		moved += (size_t)n;
	}
	return moved;
}

/* Sent all the sockets take: two rounds in a row moved nothing. */
static bool
pump_stuck(void *arg)
{
	struct pump *p = arg;

	p->idle = pump_round(p) == 0 ? p->idle + 1 : 0;
	if (p->idle < 2)
		return false;
	p->in = h_stats_int(p->d, "input_bytes");
	return p->in >= (int64_t)CACHE_IN_BUDGET_KIB * 1024;
}

/* Every byte of every request sent. */
static bool
pump_done(void *arg)
{
	struct pump *p = arg;
	size_t i;

	pump_round(p);
	for (i = 0; i < p->n; i++)
		if (p->sent[i] < p->len)
			return false;
	return true;
}

/*
 * Partial frames: 100 connections each send a request of --max-frame
 * (1 MiB), as fast as their sockets take it, and hold back its last
 * byte.  The cache reads them only up to its budget for the input of
 * all its connections (16 MiB, and at most 128 KiB of each beyond it,
 * one of them excepted, which reads on to the end of its request), not
 * 100 MiB; others' small requests are served meanwhile.  Then every
 * connection sends its last byte: each request is answered
 * (bad_frame: it is not a term), none waits for the others forever.
 * Once they are closed, the cache gives the memory back to the system
 * (memtrim.h) instead of keeping its peak for good.
 */
START_TEST(t_partial_frames_bounded)
{
	struct daemon		*d;
	struct daemon_pids	 dp;
	struct conn		*c[PARTIAL_CONNS], *other;
	size_t			 sent[PARTIAL_CONNS];
	struct pump		 pu;
	struct rss_arg		 ra;
	uint8_t			*req;
	size_t			 len = PARTIAL_MIB * 1024, i;
	long			 rss0, most;

	H_TODOD_ONLY("the cache's budget for its connections' input, seen "
	    "in its stats");
	d = daemon_start_ok(NULL);
	H_ASSERT(daemon_pids(d, &dp) == 0, "stats: %s", h_err());
	H_ASSERT((req = calloc(1, 4 + len)) != NULL, "calloc");
	frame_put_len(req, (uint32_t)len);
	req[4] = 131;
	rss0 = proc_rss_kb(dp.cache);
	for (i = 0; i < PARTIAL_CONNS; i++) {
		c[i] = conn_open_ok(d);
		sent[i] = 0;
	}
	pu = (struct pump){ c, PARTIAL_CONNS, req, 4 + len - 1, sent, 0, d,
	    0 };
	H_ASSERT(h_poll(h_ms(20000), pump_stuck, &pu), "the clients could "
	    "still send, or the cache holds %lld bytes of their requests, "
	    "under its budget", (long long)pu.in);
	most = CACHE_IN_BUDGET_KIB + PARTIAL_MIB +
	    PARTIAL_CONNS * CONN_BEYOND_KIB;
	H_ASSERT(pu.in <= most * 1024, "the cache holds %lld bytes of "
	    "partial requests (at most %ld KiB)", (long long)pu.in, most);
	printf("partial frames: the cache holds %lld KiB of them\n",
	    (long long)pu.in / 1024);
	served_call(other = conn_open_ok(d), "ping", "pong");
	conn_close(other);
#ifndef __SANITIZE_ADDRESS__	/* ASan's shadow and redzones */
	H_ASSERT(h_valgrind() ||
	    proc_rss_kb(dp.cache) - rss0 < most + 8 * 1024, "the cache "
	    "grew by %ld KiB holding partial requests (%ld KiB allowed)",
	    proc_rss_kb(dp.cache) - rss0, most + 8 * 1024);
#endif
	/* The last bytes: every request whole, each answered. */
	pu.len = 4 + len;
	H_ASSERT(h_poll(h_ms(30000), pump_done, &pu), "the requests were "
	    "not all taken: the cache's connections wait for each other");
	for (i = 0; i < PARTIAL_CONNS; i++) {
		assert_reply(c[i], "{error, bad_frame}");
		conn_close(c[i]);
	}
	served_call(c[0] = conn_open_ok(d), "ping", "pong");
	conn_close(c[0]);
	/* The stats request itself is counted while it is answered. */
	H_ASSERT(h_stats_int(d, "input_bytes") < 1024, "the cache counts "
	    "%lld bytes of input after the connections closed",
	    (long long)h_stats_int(d, "input_bytes"));
#ifndef __SANITIZE_ADDRESS__	/* ASan holds freed memory in quarantine */
	ra.pid = dp.cache;
	ra.kb = rss0 + 16 * 1024;
	H_ASSERT(h_poll(h_ms(10000), rss_below, &ra), "the cache keeps %ld "
	    "KiB after the connections closed (%ld KiB before)",
	    proc_rss_kb(dp.cache), rss0);
#else
	(void)ra;
	(void)rss0;
#endif
	free(req);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

static size_t
raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 0;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	getrlimit(RLIMIT_NOFILE, &rl);
	return rl.rlim_cur;
}

/*
 * Many idle connections: a few attached to lists, most not.  Others are
 * served meanwhile, and in the end every idle one still gets pong.
 */
START_TEST(t_idle_crowd)
{
	struct daemon	 *d = daemon_start_ok(NULL);
	struct conn	**idle, *c;
	size_t		  limit, n, i;
	char		  name[32];
	int64_t		  t0;

	limit = raise_nofile();
	n = limit >= 5200 ? 5000 : 1000;
	if (limit < n + 100) {
		n = limit > 200 ? limit - 100 : 100;
		fprintf(stderr, "RLIMIT_NOFILE is %zu: only %zu connections\n",
		    limit, n);
	}
	idle = calloc(n, sizeof *idle);
	c = conn_open_ok(d);
	t0 = h_now_ms();
	for (i = 0; i < n; i++) {
		idle[i] = conn_open(d);
		H_ASSERT(idle[i] != NULL, "connection %zu of %zu: %s", i, n,
		    h_err());
		if (i % 500 == 0)
			served_call(c, "ping", "pong");
	}
	fprintf(stderr, "%zu connections opened in %lld ms\n", n,
	    (long long)(h_now_ms() - t0));
	/* a few of them attached to lists */
	for (i = 0; i < 50; i++) {
		snprintf(name, sizeof name, "crowd-%zu", i % 5);
		attach_ok(idle[i], name);
	}
	served_call(c, "ping", "pong");
	served_call(c, "lists", "{ok, _}");
	served_call(c, "{server_process, <<\"crowd-other\">>}", "{ok, _}");
	served_call(c, "{add_entry, #{date => {2023, 12, 19}, title => "
	    "<<\"x\">>}}", "{ok, 1}");
	served_call(c, "entries", "{ok, [_]}");
	/* every idle connection is still served */
	for (i = 0; i < n; i++)
		send_req(idle[i], "ping");
	for (i = 0; i < n; i++) {
		assert_reply(idle[i], "pong");
		conn_close(idle[i]);
	}
	free(idle);
	conn_close(c);
	assert_serving(d);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

#define UNREAD_LISTS	4000	/* a `lists` reply of ~1 MB */
#define MEMTRIM_DELAY_MS 1000	/* as daemon/memtrim.h */
#define UNREAD_CONNS	48

struct output_arg {
	const struct daemon	*d;
	int64_t			 bytes;	/* at least (above) or below */
};

/*
 * The cache's output_bytes.  Its `stats` reply may wait behind the
 * building or the freeing of dozens of ~1 MB `lists` replies in one pass
 * of its loop: some 50 ms in a plain build, over a second under ASan,
 * and several on a loaded machine; so it is awaited longer than a
 * reply's usual bound.
 */
static int64_t
output_bytes(const struct daemon *d)
{
	return h_stats_int_within(d, "output_bytes", h_ms(30000));
}

static bool
output_above(void *arg)
{
	struct output_arg *a = arg;

	return output_bytes(a->d) >= a->bytes;
}

static bool
output_below(void *arg)
{
	struct output_arg *a = arg;

	return output_bytes(a->d) < a->bytes;
}

/* UNREAD_CONNS connections that each ask for `lists` and do not read,
 * in c: once the cache holds their replies (about half of each, the
 * rest in the sockets). */
static void
unread_lists(struct daemon *d, struct conn *c[UNREAD_CONNS])
{
	struct output_arg	oa = { d, (int64_t)UNREAD_CONNS * 512 * 1024 };
	int			i, small = 4096;

	for (i = 0; i < UNREAD_CONNS; i++) {
		c[i] = conn_open_ok(d);
		(void)setsockopt(c[i]->fd, SOL_SOCKET, SO_RCVBUF, &small,
		    sizeof(small));
		send_req(c[i], "lists");
	}
	H_ASSERT(h_poll(h_ms(20000), output_above, &oa), "the cache holds "
	    "%lld bytes of replies, not the %d unread",
	    (long long)output_bytes(d), UNREAD_CONNS);
	/* Unread for a while: longer than the cache waits to trim after
	 * large frees (memtrim.h), so that the trim the building of the
	 * replies asked for has run, and what follows is the connections'
	 * own doing.  A scenario's length, not a wait for an event. */
	h_pause_ms(2 * MEMTRIM_DELAY_MS);
}

/* The cache's output back to nothing, and its memory given back. */
static void
cache_gave_back(struct daemon *d, pid_t cache, long rss0, const char *what)
{
	struct output_arg	oa = { d, 64 * 1024 };
	struct rss_arg		ra = { cache, rss0 + 16 * 1024 };

	/* The stats request itself is counted while it is answered. */
	H_ASSERT(h_poll(h_ms(10000), output_below, &oa), "the cache holds "
	    "%lld bytes of replies after their clients %s",
	    (long long)output_bytes(d), what);
#ifndef __SANITIZE_ADDRESS__	/* ASan holds freed memory in quarantine */
	H_ASSERT(h_valgrind() || h_poll(h_ms(10000), rss_below, &ra), "the "
	    "cache keeps %ld KiB after the clients %s (%ld KiB before)",
	    proc_rss_kb(cache), what, rss0);
#else
	(void)ra;
#endif
}

/*
 * Clients that ask the cache for `lists` (~1 MB each) and do not read:
 * the cache holds their replies meanwhile (one each, beyond its budget).
 * Whether the clients then close without reading (the cache drops the
 * replies when it finds them gone) or read at last, the cache gives the
 * memory back to the system (memtrim.h) rather than keep its peak.  The
 * C library is set to take every allocation under 32 MiB from the heap
 * and to give nothing back by itself (glibc tunables), so that what the
 * cache keeps is what it does not trim.
 */
START_TEST(t_unread_replies_trimmed)
{
	struct daemon		*d;
	struct daemon_pids	 dp;
	struct conn		*c[UNREAD_CONNS];
	int			 i;
	long			 rss0;

	H_TODOD_ONLY("the cache's memory, seen in its stats");
	setenv("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=33554432:"
	    "glibc.malloc.trim_threshold=1073741824", 1);
	d = daemon_start_ok(NULL);
	H_ASSERT(daemon_restart_with_lists(d, UNREAD_LISTS, 247) == 0,
	    "restart: %s", h_err());
	unsetenv("GLIBC_TUNABLES");
	H_ASSERT(daemon_pids(d, &dp) == 0, "stats: %s", h_err());
	c[0] = conn_open_ok(d);
	send_req(c[0], "lists");
	H_ASSERT(conn_recv(c[0], h_ms(10000)) != NULL, "lists: %s", h_err());
	conn_close(c[0]);
	rss0 = proc_rss_kb(dp.cache);

	unread_lists(d, c);
	for (i = 0; i < UNREAD_CONNS; i++)
		conn_close(c[i]);
	cache_gave_back(d, dp.cache, rss0, "closed");

	unread_lists(d, c);
	for (i = 0; i < UNREAD_CONNS; i++) {
		H_ASSERT(conn_recv(c[i], h_ms(10000)) != NULL, "lists %d: %s",
		    i, h_err());
		conn_close(c[i]);
	}
	cache_gave_back(d, dp.cache, rss0, "read their replies");
	assert_serving(d);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/* The peer closed: send fails, or poll says hang-up. */
static bool
disconnected(struct conn *c)
{
	struct pollfd	pfd = { c->fd, 0, 0 };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR));
}

/* Samples the daemon's memory; fails once it grew by more than 200 MiB. */
static void
check_rss(struct daemon *d, long rss0, long *peak)
{
	long	rss = proc_tree_rss_kb(d->pid);

	if (rss > *peak)
		*peak = rss;
	H_ASSERT(*peak - rss0 < 200 * 1024, "daemon RSS grew by %ld KiB",
	    *peak - rss0);
}

/* The replies to unit i of t_never_reads: the 10 entries of the day,
 * then the id of the add (11 onwards). */
static void
unit_replies(struct conn *c, size_t i)
{
	const struct etf_term	*l, *id;
	char			 e[8192];
	size_t			 k;

	H_ASSERT(h_reply_is(c, e, sizeof e, "{ok, ~?t}", &l),
	    "entries of unit %zu: %s", i, e);
	H_ASSERT(l->type == ETF_LIST && l->seq.n == 10, "entries of unit "
	    "%zu: not the 10 entries of the day", i);
	for (k = 0; k < 10; k++)
		H_ASSERT(l->seq.v[k].type == ETF_MAP &&
		    (id = etf_map_get(&l->seq.v[k], "id")) != NULL &&
		    id->type == ETF_INT && id->i == (int64_t)k + 1,
		    "entries of unit %zu: entry %zu", i, k);
	H_ASSERT(h_reply_is(c, e, sizeof e, "{ok, ~i}", (int)(11 + i)),
	    "add of unit %zu: %s", i, e);
	conn_reset(c);
}

/*
 * A client that pipelines requests with large replies and does not read
 * them.  Each unit is `{entries, Day}` (10 entries of 4000 bytes, a reply
 * of ~40 KB) and an add on another day (a 4 KB request, its id in the
 * reply, so that the order of the replies shows).  The daemon stops
 * reading the client once its replies pass the output cap, instead of
 * closing it; the daemon's memory (sum of VmRSS over its process tree)
 * stays bounded, and others are served meanwhile.  When the client reads
 * at last, it gets every reply, in order.
 */
START_TEST(t_never_reads)
{
	struct daemon	*d = daemon_start_ok("--sync", "none", NULL);
	struct conn	*c = conn_open_ok(d), *other = conn_open_ok(d);
	struct etf_buf	 b, unit;
	static char	 title[4000];
	long		 rss0, peak = 0;
	size_t		 i, units = 0, off = 0, max_units = 20000;
	ssize_t		 w;
	int64_t		 stalled = 0, next_check = 0;

	memset(title, 'r', sizeof title);
	attach_ok(c, "never-reads");
	etf_buf_init(&b);
	for (i = 0; i < 10; i++)
		h_frame_append(&b, "{add_entry, #{date => {2023, 12, 19}, "
		    "title => ~b}}", title, sizeof title);
	send_raw(c, b.p, b.len);
	for (i = 1; i <= 10; i++)
		assert_reply(c, "{ok, ~i}", (int)i);
	conn_reset(c);
	etf_buf_free(&b);
	attach_ok(other, "never-reads");
	etf_buf_init(&unit);
	h_frame_append(&unit, "{entries, {2023, 12, 19}}");
	h_frame_append(&unit, "{add_entry, #{date => {2024, 1, 1}, "
	    "title => ~b}}", title, sizeof title);
	H_ASSERT(!unit.oom, "out of memory");
	rss0 = proc_tree_rss_kb(d->pid);
	H_ASSERT(rss0 > 0, "cannot read the daemon's VmRSS");

	/* Units until the socket takes nothing for a second: the daemon
	 * stopped reading.  Without that, 20,000 units ask for 800 MB of
	 * replies. */
	while (units < max_units) {
		w = conn_send_nowait(c, unit.p + off, unit.len - off);
		H_ASSERT(w >= 0 && !disconnected(c), "the daemon closed a "
		    "client that does not read, after %zu units (~%zu MB of "
		    "replies)", units, units * 44 / 1000);
		if (w > 0) {
			stalled = 0;
			if ((off += (size_t)w) == unit.len) {
				off = 0;
				units++;
			}
		} else if (stalled == 0)
			stalled = h_now_ms();
		else if (h_now_ms() - stalled >= h_ms(1000))
			break;
		if (w == 0 || h_now_ms() >= next_check) {
			/* now and then: memory is sampled, others served */
			check_rss(d, rss0, &peak);
			served_call(other, "ping", "pong");
			next_check = h_now_ms() + 200;
			if (w == 0) {
				struct pollfd pfd = { c->fd, POLLOUT, 0 };

				poll(&pfd, 1, 50);
			}
		}
	}
	fprintf(stderr, "never-reads: %zu units sent, daemon RSS %ld KiB "
	    "before, peak %ld KiB\n", units, rss0, peak);
	H_ASSERT(units < max_units, "the daemon never stopped reading a "
	    "client that does not read its replies");
	H_ASSERT(!disconnected(c), "the daemon closed a client that does "
	    "not read");
	check_rss(d, rss0, &peak);
	served_call(other, "{entries, {2023, 12, 19}}", "{ok, [_ | _]}");

	/* Now it reads: every reply, in order.  The unit cut short goes
	 * out as the daemon reads again. */
	for (i = 0; i < units; i++) {
		if (off > 0 && (w = conn_send_nowait(c, unit.p + off,
		    unit.len - off)) > 0 && (off += (size_t)w) == unit.len) {
			off = 0;
			units++;
		}
		unit_replies(c, i);
	}
	if (off > 0) {
		send_raw(c, unit.p + off, unit.len - off);
		unit_replies(c, units);
	}
	assert_call(c, "ping", "pong");
	conn_close(c);
	conn_close(other);
	etf_buf_free(&unit);
	assert_serving(d);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

#define HOG_CONNS	64
#define HOG_ENTRIES	1000
#define HOG_TITLE	4000	/* an `entries` reply of ~4 MB */

/* The pid of the process of d whose title is title, or 0. */
static pid_t
titled(const struct daemon *d, const char *title)
{
	static struct pidset ps;
	size_t		i;

	memset(&ps, 0, sizeof(ps));
	if (proc_tree(d->pid, &ps) == -1)
		return 0;
	for (i = 0; i < ps.n; i++)
		if (proc_title_is(ps.pid[i], title))
			return ps.pid[i];
	return 0;
}

/*
 * Clients that each ask for the entries of a large list (~4 MB) and do
 * not read: the list server makes their replies until its output limit
 * (128 MiB, twice its budget) is passed, and the rest wait, instead of
 * each holding a copy (64 of them, 256 MB).  A client that reads, come
 * after them, is not held up for ever: once they have not read for a
 * turn (10 s) while others wait, they are closed, logged, and it is
 * answered.
 */
/* Whether the process (*(pid_t *)arg) uses no CPU for 300 ms. */
static bool
list_server_idle(void *arg)
{
	pid_t	pid = *(pid_t *)arg;
	int64_t	before = proc_cpu_ms(pid);

	h_pause_ms(300);
	return before >= 0 && proc_cpu_ms(pid) == before;
}

/*
 * As above; pended: the database workers are stopped while each client
 * adds an entry, then asks, so that each reply, a read after its own
 * change, is made and held until that change is durable, before it goes
 * to the output.
 */
static void
unread_entries(bool pended)
{
	struct daemon	*d = daemon_start_ok("--sync", "none", NULL);
	struct daemon_pids dp;
	struct conn	*c[HOG_CONNS], *reader;
	const struct etf_term *t;
	pid_t		 ls;
	long		 hwm;
	int		 i, small = 4096;
	size_t		 k;

	reader = conn_open_ok(d);
	attach_ok(reader, "hogged");
	h_add_many(reader, HOG_ENTRIES, HOG_TITLE);
	H_ASSERT((ls = titled(d, "todod: list hogged")) > 0, "no list "
	    "server titled 'todod: list hogged'");
	H_ASSERT(daemon_pids(d, &dp) == 0, "stats: %s", h_err());
	for (i = 0; i < HOG_CONNS; i++) {
		c[i] = conn_open_ok(d);
		(void)setsockopt(c[i]->fd, SOL_SOCKET, SO_RCVBUF, &small,
		    sizeof(small));
		attach_ok(c[i], "hogged");
	}
	if (pended)
		for (k = 0; k < dp.nworkers; k++)
			H_ASSERT(kill(dp.workers[k], SIGSTOP) == 0, "SIGSTOP");
	for (i = 0; i < HOG_CONNS; i++) {
		if (pended)
			send_req(c[i], "{add_entry, #{date => {2024, 1, 1}, "
			    "title => <<\"waits\">>}}");
		send_req(c[i], "entries");
	}
	if (pended) {
		/* The list server takes what it can of the requests. */
		H_ASSERT(h_poll(h_ms(10000), list_server_idle, &ls),
		    "the list server does not settle");
		for (k = 0; k < dp.nworkers; k++)
			H_ASSERT(kill(dp.workers[k], SIGCONT) == 0, "SIGCONT");
	}
	/* Behind them, for a turn at most (and a little more). */
	send_req(reader, "size");
	H_ASSERT((t = conn_recv(reader, h_ms(30000))) != NULL &&
	    etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "ok") &&
	    t->seq.v[1].type == ETF_INT && t->seq.v[1].i >= HOG_ENTRIES,
	    "size, behind clients that do not read: %s", h_err());
	H_ASSERT(h_logged(d, "read none of its", h_ms(10000)), "no client "
	    "that did not read was closed");
	hwm = proc_status(ls, "VmHWM");
	fprintf(stderr, "unread-turns%s: the list server's peak %ld KiB\n",
	    pended ? " (pended)" : "", hwm);
#ifndef __SANITIZE_ADDRESS__	/* ASan holds freed memory in quarantine */
	H_ASSERT(h_valgrind() || (hwm > 0 && hwm < 190 * 1024), "the list "
	    "server held %ld KiB at its peak", hwm);
#endif
	/* Once they close, the list server drops the replies it held for
	 * them before it answers: up to 64 of ~4 MB when pended.  Next to
	 * nothing in a plain build, but 1.4 s of processor time under ASan
	 * (its allocator's quarantine), and more than H_REPLY_MS on a loaded
	 * machine: the same bound as the size above, not one reply's. */
	for (i = 0; i < HOG_CONNS; i++)
		conn_close(c[i]);
	send_req(reader, "size");
	H_ASSERT((t = conn_recv(reader, h_ms(30000))) != NULL &&
	    etf_is_tuple(t, 2) && t->seq.v[1].type == ETF_INT &&
	    t->seq.v[1].i >= HOG_ENTRIES, "size, after the clients that did "
	    "not read closed: %s", h_err());
	conn_close(reader);
	assert_serving(d);
	daemon_stop_ok(d);
	daemon_free(d);
}

START_TEST(t_unread_turns)
{
	H_TODOD_ONLY("the list server's output budget");
	unread_entries(false);
}
END_TEST

/* Replies held until a change is durable count as much. */
START_TEST(t_unread_turns_pended)
{
	H_TODOD_ONLY("the list server's output budget");
	unread_entries(true);
}
END_TEST

#define LIMIT_CONNS	120

struct readable_arg {
	struct conn	**c;
	int		  n;
	int		  seen;		/* readable at the last look */
};

/* How many of the connections have a reply begun (bytes to read). */
static int
readable(const struct readable_arg *a)
{
	struct pollfd	pfd;
	int		i, n = 0;

	for (i = 0; i < a->n; i++) {
		pfd = (struct pollfd){ a->c[i]->fd, POLLIN, 0 };
		n += poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
	}
	return n;
}

/* Whether half of them or more have a reply begun, and no more began in
 * half a second: the cache makes no more. */
static bool
replies_settled(void *arg)
{
	struct readable_arg *a = arg;
	int before = readable(a);

	h_pause_ms(500);
	a->seen = readable(a);
	return a->seen >= a->n / 2 && a->seen == before;
}

/*
 * The same in the cache: clients that each ask for `lists` (~1 MB) and
 * do not read: the cache makes their replies until its output limit
 * (64 MiB, twice its budget) is passed, and no more.  A ping after them
 * waits for room, and is answered once they have been closed for not
 * reading.  (The cache once spun on the waiting connection's buffered
 * request instead, for good.)
 */
START_TEST(t_unread_lists_limit)
{
	struct daemon	*d;
	struct conn	*c[LIMIT_CONNS], *pinger;
	struct readable_arg ra = { c, LIMIT_CONNS, 0 };
	int		 i, small = 4096;

	H_TODOD_ONLY("the cache's output limit");
	d = daemon_start_ok(NULL);
	H_ASSERT(daemon_restart_with_lists(d, UNREAD_LISTS, 247) == 0,
	    "restart: %s", h_err());
	for (i = 0; i < LIMIT_CONNS; i++) {
		c[i] = conn_open_ok(d);
		(void)setsockopt(c[i]->fd, SOL_SOCKET, SO_RCVBUF, &small,
		    sizeof(small));
		send_req(c[i], "lists");
	}
	H_ASSERT(h_poll(h_ms(30000), replies_settled, &ra), "replies begun "
	    "for %d of %d clients", ra.seen, LIMIT_CONNS);
	H_ASSERT(ra.seen < LIMIT_CONNS, "the cache made every reply (%d "
	    "of ~1 MB)", ra.seen);
	pinger = conn_open_ok(d);
	send_req(pinger, "ping");
	H_ASSERT(conn_recv(pinger, h_ms(30000)) != NULL, "a ping behind "
	    "clients that do not read: %s", h_err());
	H_ASSERT(h_logged(d, "read none of its", h_ms(10000)), "no client "
	    "that did not read was closed");
	for (i = 0; i < LIMIT_CONNS; i++)
		conn_close(c[i]);
	conn_close(pinger);
	assert_serving(d);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

#define BURST_LISTS	4
#define BURST_ADDS	1500
#define BURST_TITLE	4000	/* 4 x 1,500 x 4,000: 24 MB of changes */

/*
 * A database worker keeps the changes it journals until their lists'
 * checkpoint: a burst of 24 MB of them, in one journal generation, and
 * a sync.  Once the checkpoint has freed them, the worker gives the
 * memory back to the system (memtrim.h) instead of keeping the burst's
 * peak for good.
 */
START_TEST(t_burst_given_back)
{
#ifndef __SANITIZE_ADDRESS__	/* ASan holds freed memory in quarantine */
	struct daemon		*d;
	struct daemon_pids	 dp;
	struct conn		*c;
	struct rss_arg		 ra;
	char			 name[32];
	long			 rss0, peak;
	int			 i;

	H_TODOD_ONLY("a database worker's memory");
	if (h_valgrind())
		return;
	d = daemon_start_ok("-w", "1", "--idle-timeout", "0", NULL);
	H_ASSERT(daemon_pids(d, &dp) == 0 && dp.nworkers == 1, "stats: %s",
	    h_err());
	rss0 = proc_rss_kb(dp.workers[0]);
	for (i = 0; i < BURST_LISTS; i++) {
		c = conn_open_ok(d);
		snprintf(name, sizeof(name), "burst-%d", i);
		attach_ok(c, name);
		h_add_many(c, BURST_ADDS, BURST_TITLE);
		conn_close(c);
	}
	peak = proc_rss_kb(dp.workers[0]);
	H_ASSERT(peak - rss0 > 16 * 1024, "the worker holds the burst's "
	    "changes: %ld KiB, %ld KiB before", peak, rss0);
	c = conn_open_ok(d);
	assert_call(c, "sync", "ok");
	conn_close(c);
	ra.pid = dp.workers[0];
	ra.kb = rss0 + 8 * 1024;
	H_ASSERT(h_poll(h_ms(10000), rss_below, &ra), "the worker keeps %ld "
	    "KiB after its checkpoint (%ld KiB before the burst, %ld at its "
	    "peak)", proc_rss_kb(dp.workers[0]), rss0, peak);
	assert_serving(d);
	daemon_stop_ok(d);
	daemon_free(d);
#endif
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("slow");
	TCase	*tc = tcase_create("slow");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, t_slow_writers);
	tcase_add_test(tc, t_idle_crowd);
	tcase_add_test(tc, t_costly_frames);
	tcase_add_test(tc, t_partial_frames_bounded);
	tcase_add_test(tc, t_unread_replies_trimmed);
	tcase_add_test(tc, t_never_reads);
	tcase_add_test(tc, t_unread_turns);
	tcase_add_test(tc, t_unread_turns_pended);
	tcase_add_test(tc, t_unread_lists_limit);
	tcase_add_test(tc, t_burst_given_back);
	suite_add_tcase(s, tc);
	return h_run_suite(s);
}
