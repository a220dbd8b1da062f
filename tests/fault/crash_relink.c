/*
 * crash_relink.c: a cache started again learns the list servers that run
 * from the supervisor, one {list, Name, Pid} message each, read one per
 * pass of its loop (each carries a descriptor), while the servers linked
 * first already talk to it.  A client attached to one of those that asks
 * for a list further on reached the cache before that list's message:
 * the cache, knowing no server for it, asked for a new one, and the
 * supervisor stopped the one that ran to start it (and, when the cache
 * asked twice, could keep the second request for ever: a client waited
 * until its deadline).  Such a client now waits for the supervisor's go,
 * which follows the last {list}: no server starts, none stops.  Built
 * with fault injection, the supervisor pauses half-way through the
 * messages, so that the race is run every time (the test fails 5 runs of
 * 5 without the wait for go).
 *
 * And a cache that dies with a re-attaching connection in hand: the list
 * server that gave it back serves it again (reattach_as_cache_dies), also
 * when that cache had stopped it for room (reattach_stopped_as_cache_dies).
 * And one that dies while a list waits for a process to start in
 * (cache_dies_while_list_waits).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crash_util.h"
#include "fclient.h"

#define RL_LISTS	48
#define RL_CLIENTS	16

static bool
gone(void *arg)
{
	return kill(*(pid_t *)arg, 0) == -1 && errno == ESRCH;
}

/* Each client, attached to an early list, asks for a late one, again
 * while it is told busy (its server has no cache yet); true once every
 * client is attached to its late list. */
static bool
all_moved(struct fc *c, bool *moved, int n, int64_t end, char *err,
    size_t errsize)
{
	const struct etf_term *t;
	char name[32], buf[256];
	int i, left, r;

	do {
		left = 0;
		for (i = 0; i < n; i++) {
			if (moved[i])
				continue;
			snprintf(name, sizeof name, "relink%02d",
			    RL_LISTS - 1 - i);
			fc_q_attach(&c[i], name);
			if (fc_flush(&c[i], h_ms(5000)) == -1) {
				snprintf(err, errsize, "client %d: %s", i,
				    c[i].err);
				return false;
			}
		}
		for (i = 0; i < n; i++) {
			if (moved[i])
				continue;
			r = fc_recv(&c[i], h_ms(10000), &t);
			if (r != FC_REPLY) {
				snprintf(err, errsize, "client %d: no reply: "
				    "%s", i, c[i].err);
				return false;
			}
			if (fc_is_error(t, "busy")) {
				left++;
				continue;
			}
			if (fc_ok_value(t) == NULL) {
				snprintf(err, errsize, "client %d: %s", i,
				    fc_print(t, buf, sizeof buf));
				return false;
			}
			moved[i] = true;
		}
		if (left > 0)
			usleep(200);
	} while (left > 0 && h_now_ms() < end);
	if (left > 0)
		snprintf(err, errsize, "%d clients still told busy", left);
	return left == 0;
}

START_TEST(reattach_while_relinking)
{
	struct daemon		*d;
	struct fc_stats		 before, after;
	struct fc		 c[RL_CLIENTS], x;
	bool			 moved[RL_CLIENTS] = { false };
	char			 name[32], err[512];
	pid_t			 pid;
	int			 i;

	/* With fault injection, the supervisor pauses half-way through the
	 * {list} messages: the clients of the lists named first then ask
	 * for the others before the new cache knows them, every time;
	 * without it, the race is left to the scheduler. */
	setenv("TODOD_FAULT_RELINK_PAUSE_MS", "300", 1);
	d = daemon_start_ok(NULL);
	unsetenv("TODOD_FAULT_RELINK_PAUSE_MS");
	fc_init(&x);
	for (i = 0; i < RL_LISTS; i++) {
		snprintf(name, sizeof name, "relink%02d", i);
		(void)cu_attach(d, &x, name);
		fc_free(&x);
	}
	for (i = 0; i < RL_CLIENTS; i++) {
		snprintf(name, sizeof name, "relink%02d", i);
		(void)cu_attach(d, &c[i], name);
	}
	H_ASSERT(fc_stats(d->sock, &before, err, sizeof err) == 0, "%s", err);
	H_ASSERT(before.lists_live == RL_LISTS, "%lld lists live",
	    (long long)before.lists_live);
	/* A connection a server passes to a cache as it dies is lost with
	 * it: ask once it is gone (and its servers told busy until the new
	 * one links them). */
	H_ASSERT(kill(before.cache, SIGKILL) == 0, "kill the cache");
	H_ASSERT(h_poll(h_ms(5000), gone, &before.cache), "the cache "
	    "pid %d does not go", (int)before.cache);
	H_ASSERT(all_moved(c, moved, RL_CLIENTS, h_now_ms() + h_ms(15000),
	    err, sizeof err), "after the cache was killed: %s", err);
	H_ASSERT(fc_stats(d->sock, &after, err, sizeof err) == 0, "%s", err);
	for (i = 0; i < RL_LISTS; i++) {
		snprintf(name, sizeof name, "relink%02d", i);
		pid = fc_stats_list_pid(&before, name);
		H_ASSERT(pid != 0 && fc_stats_list_pid(&after, name) == pid,
		    "the server of %s was replaced (pid %d, now %d)", name,
		    (int)pid, (int)fc_stats_list_pid(&after, name));
	}
	H_ASSERT(after.spawns == before.spawns, "%lld list servers started "
	    "while every list had one", (long long)(after.spawns -
	    before.spawns));
	for (i = 0; i < RL_CLIENTS; i++)
		fc_free(&c[i]);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

#ifdef TODOD_FAULTS	/* the cache killed by a test-only fault */
struct cache_moved {
	const char	*sock;
	pid_t		 old;
};

/* The cache runs again, a new process, and answers stats. */
static bool
cache_moved(void *arg)
{
	struct cache_moved *m = arg;
	struct fc_stats st;
	char err[256];

	return fc_stats(m->sock, &st, err, sizeof err) == 0 &&
	    st.cache != 0 && st.cache != m->old;
}

/* A daemon (with --max-lists max_lists, unless NULL) whose cache exits
 * as it reads a re-attach while the file flag exists (not yet), and c
 * attached to list, which holds one entry. */
static struct daemon *
start_dying_cache(char *flag, size_t len, struct fc *c, const char *list,
    const char *max_lists)
{
	const struct etf_term	*t;
	struct daemon		*d;
	char			 buf[256];
	int64_t			 n;

	snprintf(flag, len, "/tmp/todod-reattach-die.%d", (int)getpid());
	(void)unlink(flag);
	setenv("TODOD_FAULT_REATTACH_DIE_FILE", flag, 1);
	d = max_lists != NULL ? daemon_start_ok("--max-lists", max_lists,
	    NULL) : daemon_start_ok(NULL);
	unsetenv("TODOD_FAULT_REATTACH_DIE_FILE");
	(void)cu_attach(d, c, list);
	fc_q_add(c, (struct todo_date){ 2024, 1, 2 }, "kept");
	H_ASSERT(fc_call(c, h_ms(5000), &t) == FC_REPLY && fc_ok_int(t, &n) &&
	    n == 1, "add: %s", fc_print(t, buf, sizeof buf));
	return d;
}

/* Arm the fault, then c asks for list and its size: the re-attach is
 * answered busy by the server it leaves, which answers the size (one
 * entry). */
static void
reattach_refused(const char *flag, struct fc *c, const char *list)
{
	const struct etf_term	*t;
	char			 buf[256];
	int64_t			 n;
	int			 fd;

	H_ASSERT((fd = open(flag, O_WRONLY | O_CREAT, 0600)) != -1, "%s", flag);
	close(fd);
	fc_q_attach(c, list);
	fc_q_atom(c, "size");
	H_ASSERT(fc_flush(c, h_ms(5000)) == 0, "send: %s", c->err);
	H_ASSERT(fc_recv(c, h_ms(10000), &t) == FC_REPLY, "the re-attach got "
	    "no reply (the connection was lost with the cache): %s", c->err);
	(void)unlink(flag);
	H_ASSERT(fc_is_error(t, "busy"), "the re-attach: %s",
	    fc_print(t, buf, sizeof buf));
	H_ASSERT(fc_recv(c, h_ms(5000), &t) == FC_REPLY && fc_ok_int(t, &n) &&
	    n == 1, "size, on the old list: %s", fc_print(t, buf, sizeof buf));
}

/*
 * The cache dies with a connection a list server gave back to it (a
 * re-attach to another list) in hand, not yet taken (a test-only fault
 * kills it as it reads the message).  The connection was lost with it:
 * the client got EOF.  The server, which keeps the connection until the
 * cache says it took it, now serves it again: the re-attach is answered
 * busy, the request pipelined after it goes to the old list, and once
 * the cache runs again the client moves.
 */
START_TEST(reattach_as_cache_dies)
{
	const struct etf_term	*t;
	struct cache_moved	 m;
	struct fc_stats		 st;
	struct daemon		*d;
	struct fc		 c;
	char			 flag[128], err[256], buf[256];
	int64_t			 n;

	d = start_dying_cache(flag, sizeof flag, &c, "ra-old", NULL);
	H_ASSERT(fc_stats(d->sock, &st, err, sizeof err) == 0, "%s", err);
	reattach_refused(flag, &c, "ra-new");
	m.sock = d->sock;
	m.old = st.cache;
	H_ASSERT(h_poll(h_ms(10000), cache_moved, &m), "the cache did not "
	    "start again");
	fc_q_attach(&c, "ra-new");
	H_ASSERT(fc_call(&c, h_ms(5000), &t) == FC_REPLY &&
	    fc_ok_value(t) != NULL, "the re-attach, the cache back: %s",
	    fc_print(t, buf, sizeof buf));
	fc_q_atom(&c, "size");
	H_ASSERT(fc_call(&c, h_ms(5000), &t) == FC_REPLY && fc_ok_int(t, &n) &&
	    n == 0, "size, on the new list: %s", fc_print(t, buf, sizeof buf));
	fc_free(&c);
	H_ASSERT(h_logged(d, "served here again", h_ms(1000)), "the server "
	    "did not say it took the connection back");
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

struct waiting {
	const struct daemon	*d;
};

/* A client waits for room at --max-lists. */
static bool
one_waiting(void *arg)
{
	return h_stats_int(((struct waiting *)arg)->d, "lists_waiting") >= 1;
}

/*
 * The same when the server is stopped for room as its last client
 * leaves: at --max-lists 1 with a client waiting, the cache reads the
 * server's {idle}, sent just before the connection, and tells it to stop;
 * then it dies reading the connection.  The server, with nothing but the
 * connection it keeps, released its list and closed it: the client got
 * EOF.  It waits now for the {took} or the link's end, and serves the
 * client again.
 */
START_TEST(reattach_stopped_as_cache_dies)
{
	struct waiting		 wt;
	struct daemon		*d;
	struct fc		 c, w;
	char			 flag[128];

	d = start_dying_cache(flag, sizeof flag, &c, "rs-old", "1");
	fc_init(&w);
	H_ASSERT(fc_open(&w, d->sock, h_ms(5000)) == 0, "%s", w.err);
	fc_q_attach(&w, "rs-other");
	H_ASSERT(fc_flush(&w, h_ms(5000)) == 0, "send: %s", w.err);
	wt.d = d;
	H_ASSERT(h_poll(h_ms(5000), one_waiting, &wt), "the second client "
	    "does not wait for room");
	reattach_refused(flag, &c, "rs-new");
	fc_free(&c);
	fc_free(&w);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST
#endif /* TODOD_FAULTS */

/* How many of the daemon's processes are spares (title "todod: spare"). */
static int
count_spares(const struct daemon *d)
{
	struct pidset	*ps;
	char		 path[64], title[64];
	size_t		 i, n;
	int		 spares = 0;
	FILE		*f;

	H_ASSERT((ps = calloc(1, sizeof *ps)) != NULL, "no memory");
	cu_children(d, ps);
	for (i = 0; i < ps->n; i++) {
		snprintf(path, sizeof path, "/proc/%d/cmdline", (int)ps->pid[i]);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		n = fread(title, 1, sizeof title - 1, f);
		title[n] = '\0';
		fclose(f);
		spares += strcmp(title, "todod: spare") == 0;
	}
	free(ps);
	return spares;
}

/* The cache's `stats` list name (its server starting or running). */
struct named_arg {
	const struct daemon	*d;
	const char		*name;
	pid_t			 not_cache;	/* ... by a cache other than */
};

static bool
cache_knows(void *arg)
{
	struct named_arg	*a = arg;
	struct fc_stats		 st;
	char			 err[256];
	int			 i;

	if (fc_stats(a->d->sock, &st, err, sizeof err) == -1 ||
	    st.cache == a->not_cache)
		return false;
	for (i = 0; i < st.nlists; i++)
		if (strcmp(st.name[i], a->name) == 0)
			return true;
	return false;
}

/*
 * A cache that dies while a list waits for a process to start in (the
 * spawner stalled: stopped here, as a debugger or a frozen cgroup would):
 * the list is linked to the new cache as it starts, waits on, and starts
 * once a spare comes; a client of the new cache that asks for it gets
 * it, with its change kept.
 */
START_TEST(cache_dies_while_list_waits)
{
	const struct etf_term	*t;
	struct named_arg	 a;
	struct fc_stats		 st;
	struct daemon		*d;
	struct fc		 c, w;
	char			 err[256], name[32];
	int64_t			 n;
	int			 i, spares;

	d = daemon_start_ok(NULL);
	H_ASSERT(fc_stats(d->sock, &st, err, sizeof err) == 0, "stats: %s",
	    err);
	H_ASSERT(kill(st.spawner, SIGSTOP) == 0, "SIGSTOP the spawner");
	/* Every spare held goes to a list: the next one waits. */
	spares = count_spares(d);
	for (i = 0; i < spares; i++) {
		snprintf(name, sizeof name, "early%d", i);
		(void)cu_attach(d, &c, name);
		fc_free(&c);
	}
	fc_init(&w);
	H_ASSERT(fc_open(&w, d->sock, h_ms(5000)) == 0, "%s", w.err);
	fc_q_attach(&w, "waits");
	H_ASSERT(fc_flush(&w, h_ms(5000)) == 0, "%s", w.err);
	a.d = d;
	a.name = "waits";
	a.not_cache = 0;
	H_ASSERT(h_poll(h_ms(5000), cache_knows, &a), "the cache did not ask "
	    "for a server of the list");

	H_ASSERT(kill(st.cache, SIGKILL) == 0, "kill the cache");
	a.not_cache = st.cache;
	H_ASSERT(h_poll(h_ms(5000), cache_knows, &a), "the new cache does not "
	    "know the list that waits");
	fc_free(&w);		/* the old cache's: closed with it */
	fc_init(&w);
	H_ASSERT(fc_open(&w, d->sock, h_ms(5000)) == 0, "%s", w.err);
	fc_q_attach(&w, "waits");
	H_ASSERT(fc_flush(&w, h_ms(5000)) == 0, "%s", w.err);
	H_ASSERT(kill(st.spawner, SIGCONT) == 0, "SIGCONT the spawner");
	H_ASSERT(fc_recv(&w, h_ms(10000), &t) == FC_REPLY && fc_ok_value(t) !=
	    NULL, "attach after the cache's restart: %s", w.err);
	fc_q_add(&w, (struct todo_date){ 2024, 5, 6 }, "kept");
	H_ASSERT(fc_call(&w, h_ms(10000), &t) == FC_REPLY && fc_ok_int(t, &n)
	    && n == 1, "add: %s", w.err);
	fc_free(&w);
	H_ASSERT(fc_stats(d->sock, &st, err, sizeof err) == 0 &&
	    st.restarts == 1, "restarts: %lld", (long long)st.restarts);
	daemon_stop_ok(d);
	H_ASSERT(daemon_restart(d) == 0, "restart: %s", h_err());
	H_ASSERT(cu_size(d, "waits") == 1, "the change is lost");
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

void
crash_relink_add(Suite *s)
{
	TCase	*tc;

	tc = tcase_create("relink");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, reattach_while_relinking);
	tcase_add_test(tc, cache_dies_while_list_waits);
#ifdef TODOD_FAULTS
	tcase_add_test(tc, reattach_as_cache_dies);
	tcase_add_test(tc, reattach_stopped_as_cache_dies);
#endif
	suite_add_tcase(s, tc);
}
