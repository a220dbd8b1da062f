/*
 * test_nomem: replies that a process has no memory for.
 *
 * The address space of a list server, or of the cache, is limited
 * (RLIMIT_AS, soft limit only, by prlimit) a little further above what
 * it holds at each step, and a large reply asked for with a small
 * request pipelined behind it:
 *
 *   entries         `entries` of a list of ~20 MB, with `size` behind it,
 *                   first alone, then behind an add whose store is in
 *                   flight
 *   request         a request of nearly --max-frame, with `ping` behind
 *                   it, to a list server, then to the cache
 *   lists           `lists` of 8,000 long names, with `ping` behind it
 *   worker          a worker with no memory for a list server's request
 *                   exits and is started again: every add is answered,
 *                   none acknowledged is lost
 *
 * At every step the client gets the reply, or {error, unavailable} in
 * its place, and then the next reply; or the connection closes.  Never
 * the next reply in its place, a cut reply, or nothing.  The process
 * serves on, and once it has its memory back answers in full.
 *
 * Skipped against the reference peer (its processes are not todod's),
 * and under AddressSanitizer, whose shadow memory does not fit an
 * address space limit (and whose allocator aborts rather than fail).
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/resource.h>

#include <linux/sockios.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define NENTRIES	5000
#define TITLE_LEN	4096
#define NLISTS		8000
#define NAME_LEN	247
/* A title that makes a request of nearly the default --max-frame. */
#define BIG_TITLE	(1000 * 1000)

/* Deadline for one large reply (sanitizer builds). */
#define BIG_REPLY_MS	30000

/* Steps of headroom above the process's size, in MiB. */
#define STEP_MB		6
#define MAX_MB		120

/* Limit pid's address space to its size now plus room KiB (0: lift). */
static void
limit_as_kb(pid_t pid, long room)
{
	struct rlimit	lim;
	long		kb;

	H_ASSERT(prlimit(pid, RLIMIT_AS, NULL, &lim) == 0, "prlimit");
	if (room == 0)
		lim.rlim_cur = lim.rlim_max;
	else {
		H_ASSERT((kb = proc_status(pid, "VmSize")) > 0, "VmSize of "
		    "%d", (int)pid);
		lim.rlim_cur = ((rlim_t)kb + (rlim_t)room) * 1024;
	}
	H_ASSERT(prlimit(pid, RLIMIT_AS, &lim, NULL) == 0, "prlimit");
}

/* The same with room in MiB. */
static void
limit_as(pid_t pid, long mb)
{
	limit_as_kb(pid, mb * 1024);
}

/* The process whose memory is limited, for a report if it stalls. */
static pid_t	limited;

/* No reply came: what the limited process is doing, and whether it read
 * what was sent (the bytes still queued on the client's socket). */
static void
report_stall(struct conn *c)
{
	int	unread = -1, unsent = -1;

	(void)ioctl(c->fd, SIOCINQ, &unread);
	(void)ioctl(c->fd, SIOCOUTQ, &unsent);
	fprintf(stderr, "no reply: %d bytes sent and not read by the "
	    "server, %d bytes come and not read by the test\n", unsent,
	    unread);
	if (limited <= 0)
		return;
	proc_report(limited);
}

/* The next reply, or NULL if the connection closed instead (anything
 * else fails the test). */
static const struct etf_term *
next_reply(struct conn *c, const char *what)
{
	const struct etf_term	*t;

	if ((t = conn_recv(c, h_ms(BIG_REPLY_MS))) == NULL &&
	    strstr(h_err(), "closed") == NULL) {
		report_stall(c);
		H_ASSERT(0, "%s: %s", what, h_err());
	}
	return t;
}

/* The next reply matches fmt: 1, or -1 if the connection closed. */
static int
small_reply(struct conn *c, const char *what, const char *fmt, ...)
{
	const struct etf_term	*t;
	va_list			 ap;
	char			 e[8192];
	bool			 ok;

	if ((t = next_reply(c, what)) == NULL)
		return -1;
	va_start(ap, fmt);
	ok = tterm_vmatch(t, e, sizeof e, fmt, ap);
	va_end(ap);
	H_ASSERT(ok, "%s: %s", what, e);
	return 1;
}

/* What came for a large read: 1 its reply whole, 0 {error, unavailable}
 * in its place, -1 the connection closed. */
static int
big_reply(struct conn *c, bool (*whole)(const struct etf_term *),
    const char *what)
{
	const struct etf_term	*t;
	char			 buf[512];

	if ((t = next_reply(c, what)) == NULL)
		return -1;
	if (etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "error") &&
	    etf_is_atom(&t->seq.v[1], "unavailable"))
		return 0;
	H_ASSERT(whole(t), "%s: got %s", what, tterm_print(t, buf,
	    sizeof buf));
	return 1;
}

static int64_t	want_entries;

static bool
whole_entries(const struct etf_term *t)
{
	return etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "ok") &&
	    t->seq.v[1].type == ETF_LIST &&
	    (int64_t)t->seq.v[1].seq.n == want_entries;
}

static bool
whole_lists(const struct etf_term *t)
{
	return etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "ok") &&
	    t->seq.v[1].type == ETF_LIST && t->seq.v[1].seq.n == NLISTS;
}

/* n adds of long titles, pipelined in batches: each is answered {ok, _}
 * or {error, unavailable} within the deadline; *acked counts the oks. */
static void
add_many_any(struct conn *c, int n, int64_t *acked)
{
	struct etf_buf		 b;
	const struct etf_term	*t;
	char			*title, buf[512];
	int			 i, j, batch = 50;

	H_ASSERT((title = malloc(TITLE_LEN)) != NULL, "out of memory");
	memset(title, 'w', TITLE_LEN);
	etf_buf_init(&b);
	for (i = 0; i < n; i += batch) {
		etf_buf_reset(&b);
		for (j = i; j < n && j < i + batch; j++)
			h_frame_append(&b, "{add_entry, #{date => "
			    "{2024, 1, 1}, title => ~b}}", title,
			    (size_t)TITLE_LEN);
		H_ASSERT(!b.oom, "out of memory");
		send_raw(c, b.p, b.len);
		for (j = i; j < n && j < i + batch; j++) {
			t = conn_recv(c, h_ms(BIG_REPLY_MS));
			H_ASSERT(t != NULL, "add %d: %s", j + 1, h_err());
			if (etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0],
			    "ok"))
				(*acked)++;
			else
				H_ASSERT(etf_is_tuple(t, 2) &&
				    etf_is_atom(&t->seq.v[1], "unavailable"),
				    "add %d: %s", j + 1, tterm_print(t, buf,
				    sizeof buf));
		}
		conn_reset(c);
	}
	etf_buf_free(&b);
	free(title);
}

START_TEST(t_entries)
{
	struct daemon	*d;
	struct conn	*c;
	pid_t		 pid;
	long		 mb;
	int		 r, refused = 0, closed = 0;

#ifdef __SANITIZE_ADDRESS__
	return;
#endif
	d = daemon_start_ok(NULL);
	c = conn_open_ok(d);
	pid = limited = (pid_t)attach_ok(c, "big");
	h_add_many(c, NENTRIES, TITLE_LEN);
	want_entries = NENTRIES;
	for (mb = STEP_MB; mb <= MAX_MB; mb += STEP_MB) {
		if (c == NULL) {
			c = conn_open_ok(d);
			H_ASSERT(attach_ok(c, "big") == pid, "a new server");
		}
		limit_as(pid, mb);
		if (_i == 1)
			/* behind a change whose reply waits for its store */
			send_req(c, "{add_entry, #{date => {2024, 1, 2}, "
			    "title => <<\"x\">>}}");
		send_req(c, "entries");
		send_req(c, "size");
		r = 1;
		if (_i == 1)
			r = small_reply(c, "add", "{ok, ~I}", ++want_entries);
		if (r != -1)
			r = big_reply(c, whole_entries, "entries");
		if (r != -1 && small_reply(c, "size", "{ok, ~I}",
		    want_entries) == -1)
			r = -1;
		limit_as(pid, 0);
		refused += r == 0;
		closed += r == -1;
		conn_reset(c);
		if (r == -1) {
			conn_close(c);
			c = NULL;
		}
	}
	H_ASSERT(refused > 0, "never short of memory for the reply");
	if (c == NULL) {
		c = conn_open_ok(d);
		H_ASSERT(attach_ok(c, "big") == pid, "a new server");
	}
	/* its memory back, it answers in full */
	send_req(c, "entries");
	H_ASSERT(big_reply(c, whole_entries, "entries") == 1, "entries: "
	    "refused with no limit");
	H_ASSERT(h_log_count(d, "no memory for a reply") > 0, "not logged");
	(void)closed;
	conn_close(c);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/*
 * A request of nearly --max-frame (an add whose title is far too long),
 * with ping behind it, to a list server (_i = 0) or to the cache on an
 * unattached connection (_i = 1), whose address space leaves less and
 * less room: the request is answered as without a limit (badarg, or
 * not_attached), or {error, unavailable} when the process has no memory
 * to take it whole or decode it, and then pong; or the connection
 * closes.  Never bad_frame: the frame is good.
 */
START_TEST(t_request)
{
	struct daemon		*d;
	struct daemon_pids	 dp;
	struct conn		*c;
	const struct etf_term	*t;
	struct etf_buf		 b;
	char			*title, e[512];
	const char		*want = _i == 0 ? "badarg" : "not_attached";
	long			 kb;
	int			 refused = 0;

#ifdef __SANITIZE_ADDRESS__
	return;
#endif
	d = daemon_start_ok(NULL);
	H_ASSERT((title = malloc(BIG_TITLE)) != NULL, "out of memory");
	memset(title, 't', BIG_TITLE);
	etf_buf_init(&b);
	h_frame_append(&b, "{add_entry, #{date => {2024, 1, 1}, title => ~b}}",
	    title, (size_t)BIG_TITLE);
	h_frame_append(&b, "ping");
	H_ASSERT(!b.oom, "out of memory");
	free(title);
	for (kb = 256; kb <= 8192; kb += 256) {
		c = conn_open_ok(d);
		if (_i == 0)
			limited = (pid_t)attach_ok(c, "req");
		else {
			H_ASSERT(daemon_pids(d, &dp) == 0, "pids: %s", h_err());
			limited = dp.cache;
		}
		limit_as_kb(limited, kb);
		/* A connection closed for want of memory to read the
		 * request may close before all of it is sent. */
		if (conn_send_raw(c, b.p, b.len) == -1)
			H_ASSERT(strstr(h_err(), "Broken pipe") != NULL ||
			    strstr(h_err(), "reset") != NULL, "send: %s",
			    h_err());
		else if ((t = next_reply(c, "the large request")) != NULL) {
			if (etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[1],
			    "unavailable"))
				refused++;
			else
				H_ASSERT(etf_is_tuple(t, 2) &&
				    etf_is_atom(&t->seq.v[1], want),
				    "the large request: %s", tterm_print(t, e,
				    sizeof e));
			(void)small_reply(c, "ping", "pong");
		}
		limit_as_kb(limited, 0);
		conn_close(c);
	}
	H_ASSERT(refused > 0, "never short of memory for the request");
	H_ASSERT(h_log_count(d, "no memory to take a request") > 0, "not "
	    "logged");
	/* Its memory back, it answers as usual. */
	c = conn_open_ok(d);
	if (_i == 0)
		(void)attach_ok(c, "req");
	send_raw(c, b.p, b.len);
	H_ASSERT(small_reply(c, "the large request", "{error, ~a}", want) ==
	    1, "closed");
	H_ASSERT(small_reply(c, "ping", "pong") == 1, "closed");
	conn_close(c);
	etf_buf_free(&b);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

START_TEST(t_lists)
{
	struct daemon	*d;
	struct conn	*c;
	struct daemon_pids dp;
	long		 mb;
	int		 r, refused = 0;

#ifdef __SANITIZE_ADDRESS__
	return;
#endif
	d = daemon_start_ok(NULL);
	H_ASSERT(daemon_restart_with_lists(d, NLISTS, NAME_LEN) == 0,
	    "restart: %s", h_err());
	H_ASSERT(daemon_pids(d, &dp) == 0, "pids: %s", h_err());
	limited = dp.cache;
	for (mb = 1; mb <= 12; mb++) {
		c = conn_open_ok(d);
		limit_as(dp.cache, mb);
		send_req(c, "lists");
		send_req(c, "ping");
		r = big_reply(c, whole_lists, "lists");
		if (r != -1 && small_reply(c, "ping", "pong") == -1)
			r = -1;
		limit_as(dp.cache, 0);
		refused += r == 0;
		conn_close(c);
		assert_serving(d);
	}
	H_ASSERT(refused > 0, "never short of memory for the reply");
	c = conn_open_ok(d);
	send_req(c, "lists");
	H_ASSERT(big_reply(c, whole_lists, "lists") == 1, "lists: refused "
	    "with no limit");
	conn_close(c);
	H_ASSERT(daemon_pids(d, &dp) == 0 && h_stats_int(d, "restarts") == 0,
	    "the cache was restarted");
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/*
 * The workers' address space limited to 2 MiB above their size: adds of
 * long titles to new lists make their requests fail to be taken.  Each
 * add is answered (ok, or unavailable) within the deadline, none hangs,
 * and every acknowledged one is there after a restart.
 */
START_TEST(t_worker)
{
	struct daemon		*d;
	struct daemon_pids	 dp;
	struct conn		*c;
	const struct etf_term	*t;
	char			 name[16];
	int64_t			 acked[4];
	size_t			 i;
	int			 k;

#ifdef __SANITIZE_ADDRESS__
	return;
#endif
	d = daemon_start_ok(NULL);
	H_ASSERT(daemon_pids(d, &dp) == 0, "pids: %s", h_err());
	for (i = 0; i < dp.nworkers; i++)
		limit_as(dp.workers[i], 2);
	for (k = 0; k < 4; k++) {
		snprintf(name, sizeof name, "w%d", k);
		c = conn_open_ok(d);
		attach_ok(c, name);
		acked[k] = 0;
		add_many_any(c, 300, &acked[k]);
		conn_close(c);
	}
	/* Not for nothing: a worker did run out, and was started again. */
	H_ASSERT(h_log_count(d, "out of memory for a request") > 0,
	    "no worker ran out of memory");
	H_ASSERT(daemon_pids(d, &dp) == 0, "pids: %s", h_err());
	for (i = 0; i < dp.nworkers; i++)
		limit_as(dp.workers[i], 0);
	daemon_stop_ok(d);
	H_ASSERT(daemon_restart(d) == 0, "restart: %s", h_err());
	for (k = 0; k < 4; k++) {
		snprintf(name, sizeof name, "w%d", k);
		c = conn_open_ok(d);
		attach_ok(c, name);
		send_req(c, "size");
		t = conn_recv(c, h_ms(H_REPLY_MS));
		H_ASSERT(t != NULL && etf_is_tuple(t, 2) &&
		    t->seq.v[1].type == ETF_INT &&
		    t->seq.v[1].i >= acked[k], "%s: fewer entries than "
		    "acknowledged (%lld)", name, (long long)acked[k]);
		conn_close(c);
	}
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;

	/* Limits on the address space of todod's own processes. */
	if (h_peer()) {
		fprintf(stderr, "test_nomem: todod only (RLIMIT_AS of its list "
		    "servers, cache and workers); skipped against the peer\n");
		return 77;
	}
	s = suite_create("nomem");
	tc = tcase_create("replies");
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, t_entries, 0, 2);
	tcase_add_loop_test(tc, t_request, 0, 2);
	tcase_add_test(tc, t_lists);
	tcase_add_test(tc, t_worker);
	suite_add_tcase(s, tc);
	return h_run_suite(s);
}
