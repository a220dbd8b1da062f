/*
 * test_fdlimit.c: out of descriptors, the daemon backs off and recovers.
 *
 * The cache's descriptor limit is lowered to 64 (prlimit).  The test opens
 * more connections than the cache can hold: the cache refuses some
 * (told busy and closed at once, every one waiting, not one a pass)
 * instead of failing or spinning; once the test closes them, a new
 * client is served, and nothing was restarted.
 *
 * With no descriptor left at all, the cache refuses clients on a spare
 * one it keeps for that; without the spare either, it rests and tries
 * for it again, and serves once descriptors are back.
 *
 * A list server short of descriptors tells the connections it cannot
 * hold busy, and serves the others.
 *
 * A daemon whose hard descriptor limit is lower than --max-lists allows
 * runs as many list servers as the limit allows, says so, and answers
 * busy beyond, as at --max-lists.
 *
 * A daemon whose hard descriptor limit is 256 starts and serves.
 *
 * A supervisor out of descriptors cannot link a new list server to its
 * worker: the server is stopped and the client answered, not left
 * waiting.
 */
#include "config.h"

#include <sys/resource.h>

#include <check.h>
#include <dirent.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "etf.h"
#include "harness.h"

#define NCONNS	120

struct serve_arg {
	const struct daemon	*d;
};

static bool
serves(void *arg)
{
	const struct serve_arg *sa = arg;
	char err[256];

	return h_serving(sa->d, err, sizeof(err));
}

/* Lower the descriptor limit of d's cache to 64. */
static void
cache_limit_low(const struct daemon *d)
{
	struct rlimit low = { 64, 64 };
	struct daemon_pids dp;

	ck_assert_int_eq(daemon_pids(d, &dp), 0);
	ck_assert_int_eq(prlimit(dp.cache, RLIMIT_NOFILE, &low, NULL), 0);
}

START_TEST(descriptors_run_out)
{
	struct conn *c[NCONNS];
	struct serve_arg sa;
	struct daemon *d;
	int i, open_ok = 0;

	d = daemon_start(NULL);
	ck_assert_msg(d != NULL, "start: %s", h_err());
	cache_limit_low(d);

	/* Unattached connections stay in the cache, one descriptor each. */
	for (i = 0; i < NCONNS; i++)
		if ((c[i] = conn_open(d)) != NULL)
			open_ok++;
	ck_assert_int_gt(open_ok, 0);
	for (i = 0; i < NCONNS; i++)
		if (c[i] != NULL) {
			conn_close(c[i]);
			c[i] = NULL;
		}

	sa.d = d;
	ck_assert_msg(h_poll(h_ms(10000), serves, &sa), "the daemon does not "
	    "serve after its descriptors ran out");
	ck_assert_msg(h_stats_int(d, "restarts") == 0,
	    "a process was restarted while descriptors ran out");
	ck_assert_msg(daemon_alive(d), "the daemon died");
	ck_assert_msg(h_log_count(d, "out of descriptors: telling clients "
	    "busy") > 0,
	    "the cache never ran out of descriptors: the test proves nothing");
	ck_assert_int_eq(daemon_stop(d), 0);
	daemon_free(d);
}
END_TEST

/*
 * The cache at its limit with many clients waiting to be accepted: every
 * one of them is told busy within a moment.  It took one each 100 ms
 * (a pause after each refusal), so that a backlog of hundreds waited
 * for tens of seconds.
 */
#define NWAITING	300
START_TEST(backlog_told_busy)
{
	struct conn *c[NWAITING];
	struct serve_arg sa;
	struct daemon *d;
	char err[256];
	int64_t t0;
	int i, busy = 0;

	d = daemon_start(NULL);
	ck_assert_msg(d != NULL, "start: %s", h_err());
	cache_limit_low(d);
	t0 = h_now_ms();
	for (i = 0; i < NWAITING; i++)
		c[i] = conn_open(d);
	/* The first ones are taken (and wait for a request); the cache's
	 * limit reached, every other one is answered busy, then closed. */
	for (i = 0; i < NWAITING; i++) {
		if (c[i] == NULL)
			continue;
		if (h_wait_fd(c[i]->fd, POLLIN, t0 + h_ms(5000)) == 0 &&
		    h_reply_is(c[i], err, sizeof(err), "{error, busy}"))
			busy++;
	}
	ck_assert_msg(busy >= NWAITING - 64, "%d of %d clients were told busy "
	    "within 5 s", busy, NWAITING);
	for (i = 0; i < NWAITING; i++)
		if (c[i] != NULL)
			conn_close(c[i]);
	sa.d = d;
	ck_assert_msg(h_poll(h_ms(10000), serves, &sa), "the daemon does not "
	    "serve once the clients have gone");
	ck_assert_int_eq(daemon_stop(d), 0);
	daemon_free(d);
}
END_TEST

/*
 * A client attached before the cache's descriptors ran out moves to
 * another list meanwhile: the server gives its connection back to the
 * cache, which has room for it (clients are refused before the last
 * descriptors, fdlimit.h), and the client is answered, its new list or
 * busy, and goes on.  The cache lost its link to the server instead (the
 * kernel drops a descriptor passed with no room for it), and the client
 * got EOF.
 */
START_TEST(reattach_at_the_limit)
{
	struct conn *c[NCONNS], *a;
	struct serve_arg sa;
	struct daemon *d;
	const struct etf_term *t;
	char buf[512];
	int i;

	d = daemon_start(NULL);
	ck_assert_msg(d != NULL, "start: %s", h_err());
	a = conn_open_ok(d);
	attach_ok(a, "before");
	cache_limit_low(d);
	for (i = 0; i < NCONNS; i++)
		c[i] = conn_open(d);
	ck_assert_msg(h_logged(d, "out of descriptors", h_ms(5000)),
	    "the cache never ran out of descriptors: the test proves "
	    "nothing");
	ck_assert_int_eq(conn_sendf(a, "{server_process, <<\"after\">>}"), 0);
	t = conn_recv(a, h_ms(10000));
	ck_assert_msg(t != NULL, "the re-attach got no reply: %s", h_err());
	tterm_print(t, buf, sizeof buf);
	ck_assert_msg(etf_is_tuple(t, 2) && (etf_is_atom(&t->seq.v[0], "ok") ||
	    (etf_is_atom(&t->seq.v[0], "error") &&
	    etf_is_atom(&t->seq.v[1], "busy"))), "the re-attach: %s", buf);
	conn_reset(a);
	assert_call(a, "ping", "pong");
	for (i = 0; i < NCONNS; i++)
		if (c[i] != NULL)
			conn_close(c[i]);
	conn_close(a);
	/* A client that comes before the cache has seen the others go is
	 * still told busy. */
	sa.d = d;
	ck_assert_msg(h_poll(h_ms(10000), serves, &sa), "the daemon does not "
	    "serve once the clients have gone");
	ck_assert_msg(h_stats_int(d, "restarts") == 0,
	    "a process was restarted while descriptors ran out");
	ck_assert_int_eq(daemon_stop(d), 0);
	daemon_free(d);
}
END_TEST

/*
 * One list's server short of descriptors (its limit lowered to 64): of
 * more connections to the list than it can hold, those that would land
 * in its last descriptors are told busy and closed, and the server goes
 * on serving the others.  It took them until the kernel dropped one
 * passed with no room, lost its link to the cache with the message, and
 * stopped serving the list's clients.
 */
START_TEST(one_list_at_the_limit)
{
	struct rlimit low = { 64, 64 };
	struct conn *c[NCONNS], *a;
	struct daemon *d;
	const struct etf_term *t;
	char buf[512];
	int64_t pid;
	int i, ok = 0, busy = 0;

	d = daemon_start(NULL);
	ck_assert_msg(d != NULL, "start: %s", h_err());
	a = conn_open_ok(d);
	pid = attach_ok(a, "crowded");
	ck_assert_int_eq(prlimit((pid_t)pid, RLIMIT_NOFILE, &low, NULL), 0);
	for (i = 0; i < NCONNS; i++) {
		c[i] = conn_open_ok(d);
		ck_assert_int_eq(conn_sendf(c[i],
		    "{server_process, <<\"crowded\">>}"), 0);
		t = conn_recv(c[i], h_ms(10000));
		ck_assert_msg(t != NULL, "connection %d: no answer: %s", i,
		    h_err());
		tterm_print(t, buf, sizeof buf);
		if (etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "ok") &&
		    t->seq.v[1].type == ETF_INT && t->seq.v[1].i == pid)
			ok++;
		else {
			ck_assert_msg(etf_is_tuple(t, 2) &&
			    etf_is_atom(&t->seq.v[0], "error") &&
			    etf_is_atom(&t->seq.v[1], "busy"),
			    "connection %d: %s", i, buf);
			busy++;
			ck_assert_int_eq(conn_wait_eof(c[i], h_ms(5000)), 0);
			conn_close(c[i]);
			c[i] = NULL;
		}
	}
	ck_assert_msg(busy > 0, "the server never ran short of descriptors "
	    "(%d ok): the test proves nothing", ok);
	ck_assert_int_gt(ok, 0);
	assert_call(a, "ping", "pong");
	for (i = 0; i < NCONNS; i++)
		if (c[i] != NULL) {
			assert_call(c[i], "size", "{ok, 0}");
			conn_close(c[i]);
		}
	conn_close(a);
	ck_assert_msg(h_log_count(d, "descriptors lost") == 0,
	    "a link lost a descriptor");
	ck_assert_msg(h_log_count(d, "a connection told busy") > 0,
	    "the refusals were not logged");
	ck_assert_msg(h_stats_int(d, "restarts") == 0,
	    "a process was restarted while descriptors ran out");
	ck_assert_int_eq(daemon_stop(d), 0);
	daemon_free(d);
}
END_TEST

/* The cache's spare descriptor (cache.c): the one on /dev/null beyond
 * the standard ones, or -1. */
static int
spare_fd(pid_t pid)
{
	char path[64], link[64];
	struct dirent *e;
	DIR *dir;
	ssize_t n;
	int fd, spare = -1;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if ((dir = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(dir)) != NULL) {
		if ((fd = atoi(e->d_name)) <= 2)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, "/dev/null") == 0)
			spare = fd;
	}
	closedir(dir);
	return spare;
}

struct spare_arg {
	pid_t	pid;
	int	fd;		/* the spare's descriptor, -1: none */
};

static bool
spare_is(void *arg)
{
	const struct spare_arg *sp = arg;

	return spare_fd(sp->pid) == sp->fd;
}

/* A new client is told busy and closed. */
static void
told_busy(const struct daemon *d, const char *when)
{
	struct conn *c;
	char err[512];

	c = conn_open(d);
	ck_assert_msg(c != NULL, "%s: connect: %s", when, h_err());
	ck_assert_msg(h_reply_is(c, err, sizeof(err), "{error, busy}"),
	    "%s: %s", when, err);
	ck_assert_msg(conn_wait_eof(c, h_ms(H_EOF_MS)) == 0,
	    "%s: not closed: %s", when, h_err());
	conn_close(c);
}

/*
 * The cache with no descriptor left at all (its limit lowered to the
 * ones it holds): accept(2) fails.  The cache gives up its spare
 * descriptor to accept a client and tell it busy, and takes it back, so
 * that a client is answered rather than left in the backlog.  When the
 * spare cannot be taken back (the limit is now below it, as when the
 * system's table is full), accepting rests (it does not spin on the
 * listening socket) and tries for the spare again, and once descriptors
 * are back the client that waited is served and the spare is there
 * again.
 */
START_TEST(spare_descriptor)
{
	struct rlimit lim, full, below;
	struct daemon_pids dp;
	struct serve_arg sa;
	struct spare_arg sp;
	struct conn *w;
	struct daemon *d;
	char err[512];
	int64_t t0, t1;
	int spare, i;

	d = daemon_start(NULL);
	ck_assert_msg(d != NULL, "start: %s", h_err());
	ck_assert_int_eq(daemon_pids(d, &dp), 0);
	ck_assert_int_eq(prlimit(dp.cache, RLIMIT_NOFILE, NULL, &lim), 0);
	/* The spare was opened last as the cache started, on the lowest
	 * free descriptor: every one below it is in use. */
	spare = spare_fd(dp.cache);
	ck_assert_msg(spare > 2, "the cache has no spare descriptor");

	/* Up to the spare in use, none left: each client is refused on
	 * the spare. */
	full.rlim_cur = (rlim_t)spare + 1;
	full.rlim_max = lim.rlim_max;
	ck_assert_int_eq(prlimit(dp.cache, RLIMIT_NOFILE, &full, NULL), 0);
	for (i = 0; i < 5; i++)
		told_busy(d, "out of descriptors");
	/* (The client sees its close before the cache takes the spare
	 * back.) */
	sp.pid = dp.cache;
	sp.fd = spare;
	ck_assert_msg(h_poll(h_ms(5000), spare_is, &sp), "the spare was not "
	    "taken back");

	/* Below the spare: once given up, it cannot be taken back. */
	below.rlim_cur = (rlim_t)spare;
	below.rlim_max = lim.rlim_max;
	ck_assert_int_eq(prlimit(dp.cache, RLIMIT_NOFILE, &below, NULL), 0);
	w = conn_open(d);
	ck_assert_msg(w != NULL, "connect: %s", h_err());
	send_req(w, "ping");
	sp.fd = -1;
	ck_assert_msg(h_poll(h_ms(5000), spare_is, &sp), "the cache never "
	    "lost its spare: the test proves nothing");
	t0 = proc_cpu_ms(dp.cache);
	h_pause_ms(1000);
	t1 = proc_cpu_ms(dp.cache);
	ck_assert_msg(t0 >= 0 && t1 >= 0, "cannot read the cache's times");
	ck_assert_msg(t1 - t0 < 500, "the cache spins while it cannot "
	    "accept: %lld ms of processor time in a second",
	    (long long)(t1 - t0));

	/* Descriptors back: the client that waited is served, the spare
	 * is taken again and refuses clients as before. */
	ck_assert_int_eq(prlimit(dp.cache, RLIMIT_NOFILE, &lim, NULL), 0);
	ck_assert_msg(h_reply_is(w, err, sizeof(err), "pong"),
	    "the client that waited: %s", err);
	conn_close(w);
	sp.fd = spare;
	ck_assert_msg(h_poll(h_ms(5000), spare_is, &sp), "the spare was not "
	    "taken again");
	ck_assert_int_eq(prlimit(dp.cache, RLIMIT_NOFILE, &full, NULL), 0);
	told_busy(d, "out of descriptors again");
	ck_assert_int_eq(prlimit(dp.cache, RLIMIT_NOFILE, &lim, NULL), 0);

	sa.d = d;
	ck_assert_msg(h_poll(h_ms(10000), serves, &sa), "the daemon does not "
	    "serve once its descriptors are back");
	ck_assert_msg(h_stats_int(d, "restarts") == 0,
	    "a process was restarted while descriptors ran out");
	ck_assert_int_eq(daemon_stop(d), 0);
	daemon_free(d);
}
END_TEST

/* The daemon's hard descriptor limit here, and the list servers it then
 * allows (the cache keeps 1,024 descriptors beside them, or half of a
 * limit under 2,048). */
#define LOW_FDS		200
#define LOW_LISTS	(LOW_FDS / 2)

struct extra_arg {
	const struct daemon	*d;
	struct conn		*c;
};

/* A new connection attaches to the list "cap-extra". */
static bool
extra_attaches(void *arg)
{
	struct extra_arg *ea = arg;
	char err[512];

	if ((ea->c = conn_open(ea->d)) == NULL)
		return false;
	if (h_call_is(ea->c, err, sizeof(err),
	    "{server_process, <<\"cap-extra\">>}", "{ok, _}"))
		return true;
	conn_close(ea->c);
	ea->c = NULL;
	return false;
}

START_TEST(max_lists_within_descriptors)
{
	struct rlimit low = { LOW_FDS, LOW_FDS };
	struct conn *c[LOW_LISTS], *x;
	struct extra_arg ea;
	struct daemon *d;
	char err[512], req[64];
	int i;

	/* The daemon inherits it (this test runs in a process of its own)
	 * and raises its soft limit to it. */
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	d = daemon_start("--max-lists", "2000", NULL);
	ck_assert_msg(d != NULL, "start: %s", h_err());
	ck_assert_int_eq(h_stats_int(d, "max_lists"), LOW_LISTS);

	/* Every server busy with a connection... */
	for (i = 0; i < LOW_LISTS; i++) {
		c[i] = conn_open(d);
		ck_assert_ptr_nonnull(c[i]);
		snprintf(req, sizeof(req), "{server_process, <<\"cap-%d\">>}",
		    i);
		ck_assert_msg(h_call_is(c[i], err, sizeof(err), req, "{ok, _}"),
		    "list %d: %s", i, err);
	}
	/* ...one more list is busy, at once. */
	x = conn_open(d);
	ck_assert_ptr_nonnull(x);
	ck_assert_msg(h_call_is(x, err, sizeof(err),
	    "{server_process, <<\"cap-extra\">>}", "{error, busy}"), "%s",
	    err);
	conn_close(x);
	ck_assert_int_eq(h_stats_int(d, "lists_live"), LOW_LISTS);

	/* An idle server makes room. */
	conn_close(c[0]);
	c[0] = NULL;
	ea.d = d;
	ea.c = NULL;
	ck_assert_msg(h_poll(h_ms(10000), extra_attaches, &ea),
	    "no room after a list's connection closed");
	conn_close(ea.c);
	for (i = 1; i < LOW_LISTS; i++)
		conn_close(c[i]);
	ck_assert_msg(h_log_count(d, "is more than the descriptor limit") > 0,
	    "the lowered limit was not logged");
	ck_assert_int_eq(daemon_stop(d), 0);
	daemon_free(d);
}
END_TEST

START_TEST(supervisor_out_of_descriptors)
{
	struct daemon_pids dp;
	struct rlimit lim, tight;
	struct conn *c;
	struct serve_arg sa;
	const struct etf_term *t;
	struct daemon *d;
	char err[512];
	int n;

	d = daemon_start(NULL);
	ck_assert_msg(d != NULL, "start: %s", h_err());
	ck_assert_int_eq(daemon_pids(d, &dp), 0);
	ck_assert_int_eq(prlimit(dp.supervisor, RLIMIT_NOFILE, NULL, &lim),
	    0);
	/* Room for the new server's cache link to arrive, not for the
	 * socket pair of its worker link. */
	n = proc_nfds(dp.supervisor);
	ck_assert_int_gt(n, 0);
	tight.rlim_cur = (rlim_t)n + 1;
	tight.rlim_max = lim.rlim_max;
	ck_assert_int_eq(prlimit(dp.supervisor, RLIMIT_NOFILE, &tight, NULL),
	    0);
	/* The server answers the attach without its list; what needs the
	 * list is answered, or the connection closes with the server that
	 * cannot get it: either way the client is not left waiting. */
	c = conn_open(d);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(conn_sendf(c, "{server_process, <<\"nofd\">>}"), 0);
	t = conn_recv(c, h_ms(10000));
	ck_assert_msg(t != NULL, "no answer to the attach: %s", h_err());
	if (conn_sendf(c, "{entries, ~D}", "2026-11-30") == 0) {
		t = conn_recv(c, h_ms(10000));
		ck_assert_msg(t != NULL || strstr(h_err(), "closed") != NULL,
		    "the client was left waiting: %s", h_err());
	} else
		ck_assert_msg(strstr(h_err(), "send") != NULL, "%s", h_err());
	conn_close(c);
	ck_assert_msg(h_log_count(d, "no link to its worker") > 0,
	    "the supervisor never failed to link a server: the test proves "
	    "nothing");

	/* With its descriptors back, the list starts. */
	ck_assert_int_eq(prlimit(dp.supervisor, RLIMIT_NOFILE, &lim, NULL),
	    0);
	sa.d = d;
	ck_assert_msg(h_poll(h_ms(10000), serves, &sa), "the daemon does not "
	    "serve after the supervisor's descriptors came back");
	c = conn_open(d);
	ck_assert_ptr_nonnull(c);
	ck_assert_msg(h_call_is(c, err, sizeof(err),
	    "{server_process, <<\"nofd\">>}", "{ok, _}"), "%s", err);
	conn_close(c);
	ck_assert_msg(daemon_alive(d), "the daemon died");
	ck_assert_int_eq(daemon_stop(d), 0);
	daemon_free(d);
}
END_TEST

/* A hard descriptor limit of 256 (a unit's LimitNOFILE=256, say): the
 * daemon starts its processes, serves a list, and stops. */
START_TEST(low_hard_limit)
{
	struct rlimit low = { 256, 256 };
	struct conn *c;
	struct daemon *d;
	char err[512];

	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	d = daemon_start(NULL);
	ck_assert_msg(d != NULL, "start: %s", h_err());
	c = conn_open(d);
	ck_assert_ptr_nonnull(c);
	ck_assert_msg(h_call_is(c, err, sizeof(err),
	    "{server_process, <<\"low\">>}", "{ok, _}"), "%s", err);
	ck_assert_msg(h_call_is(c, err, sizeof(err),
	    "{add_entry, #{date => ~D, title => <<\"x\">>}}", "{ok, 1}",
	    "2026-12-02"), "%s", err);
	ck_assert_msg(h_call_is(c, err, sizeof(err), "size", "{ok, 1}"),
	    "%s", err);
	conn_close(c);
	ck_assert_msg(h_stats_int(d, "restarts") == 0,
	    "a process was restarted under the low limit");
	ck_assert_int_eq(daemon_stop(d), 0);
	daemon_free(d);
}
END_TEST

int
main(void)
{
	Suite *s;
	TCase *tc;

	if (h_peer()) {
		printf("test_fdlimit: todod only; skipped\n");
		return 77;
	}
	s = suite_create("fdlimit");
	tc = tcase_create("fdlimit");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, descriptors_run_out);
	tcase_add_test(tc, reattach_at_the_limit);
	tcase_add_test(tc, backlog_told_busy);
	tcase_add_test(tc, one_list_at_the_limit);
	tcase_add_test(tc, spare_descriptor);
	tcase_add_test(tc, max_lists_within_descriptors);
	tcase_add_test(tc, supervisor_out_of_descriptors);
	tcase_add_test(tc, low_hard_limit);
	suite_add_tcase(s, tc);
	return h_run_suite(s);
}
