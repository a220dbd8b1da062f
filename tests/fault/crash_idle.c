/*
 * crash_idle.c: list servers that stop on their own.  A stopped server's
 * process does not exit: it becomes a spare again and may serve
 * another list.  So "stopped" here means the process no longer bears
 * the title "todod: list NAME" it had.
 *   - idle expiry (--idle-timeout 1): the server stops after the idle
 *     time, not while a connection is attached; the next request starts
 *     a new one with the data; and a server whose last connection
 *     re-attaches elsewhere stops too when its idle timer fired while
 *     the connection waited for the cache;
 *   - --max-lists 2: a third list stops the least recently used idle
 *     server; with none idle the answer is {error, busy};
 *   - the race: attaches timed around the moment the idle timer fires,
 *     200 times over 10 lists at once: every attach gets {ok, Pid} and
 *     its requests answered, never a dropped connection, never two live
 *     servers for one name (watched in /proc and in `stats`).
 */
#include "config.h"

#include <sys/ioctl.h>

#include <linux/sockios.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crash_util.h"
#include "fclient.h"
#include "fload.h"
#include "harness.h"

/* ---- helpers ---- */

static int64_t
call_int(struct fc *c, const char *what)
{
	const struct etf_term	*t;
	char			 buf[256];
	int64_t			 v;
	int			 r;

	r = fc_call(c, h_ms(10000), &t);
	H_ASSERT(r == FC_REPLY, "%s: %s", what, c->err);
	H_ASSERT(fc_ok_int(t, &v), "%s: %s", what, fc_print(t, buf,
	    sizeof buf));
	return v;
}

/* The title of a live (not zombie) process, or "" (len bytes at most). */
static void
live_title(pid_t pid, char *title, size_t len)
{
	char	path[64];
	ssize_t	n;
	FILE	*f;

	title[0] = '\0';
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	n = (ssize_t)fread(title, 1, len - 1, f);
	fclose(f);
	if (n <= 0 || proc_state(pid) == 'Z')
		n = 0;
	title[n] = '\0';
}

/* A list server: its process, and the list it serves (its title). */
struct alive {
	pid_t			pid;
	unsigned long long	start;
	char			title[128];
};

static struct alive
alive_of(pid_t pid)
{
	struct alive	a = { pid, proc_starttime(pid), "" };

	live_title(pid, a.title, sizeof a.title);
	H_ASSERT(strncmp(a.title, "todod: list ", 12) == 0, "pid %d is not "
	    "a list server: \"%s\"", (int)pid, a.title);
	return a;
}

/* Still serving the same list. */
static bool
is_alive(const struct alive *a)
{
	char	title[128];

	live_title(a->pid, title, sizeof title);
	return a->start != 0 && proc_starttime(a->pid) == a->start &&
	    strcmp(title, a->title) == 0;
}

static bool
gone_cond(void *arg)
{
	return !is_alive(arg);
}

static bool
live_is(const struct daemon *d, int64_t n)
{
	struct fc_stats	st;
	char		err[256];

	return fc_stats(d->sock, &st, err, sizeof err) == 0 &&
	    st.lists_live == n;
}

struct live_arg {
	const struct daemon	*d;
	int64_t			 n;
};

static bool
live_cond(void *arg)
{
	struct live_arg	*l = arg;

	return live_is(l->d, l->n);
}

/* ---- idle expiry ---- */

START_TEST(idle_expiry)
{
	struct daemon	*d;
	struct fc	 c, h;
	struct alive	 a, held;
	struct live_arg	 la;
	struct fc_stats	 st;
	struct todo_date dd = { 2024, 6, 1 };
	int64_t		 pid, pid2, id, closed, took;
	char		 err[256];

	d = daemon_start_ok("--idle-timeout", "1", NULL);
	pid = cu_attach(d, &c, "idle");
	fc_q_add(&c, dd, "kept across idle stops");
	id = call_int(&c, "add");
	a = alive_of((pid_t)pid);
	/* a server with a connection attached stays */
	pid2 = cu_attach(d, &h, "held");
	held = alive_of((pid_t)pid2);
	closed = h_now_ms();
	fc_free(&c);

	H_ASSERT(h_poll(h_ms(10000), gone_cond, &a), "list server %lld "
	    "still there 10 s after its last connection closed",
	    (long long)pid);
	took = h_now_ms() - closed;
	H_ASSERT(took >= 800, "list server stopped %lld ms after its last "
	    "connection closed, before the idle time (1 s)", (long long)took);
	la.d = d;
	la.n = 1;
	H_ASSERT(h_poll(h_ms(5000), live_cond, &la), "stats lists_live "
	    "does not drop to 1");
	H_ASSERT(fc_stats(d->sock, &st, err, sizeof err) == 0, "%s", err);
	H_ASSERT(fc_stats_list_pid(&st, "idle") == 0, "stats still lists "
	    "the stopped server");
	H_ASSERT(is_alive(&held), "the list server with an open connection "
	    "stopped");
	fc_q_atom(&h, "size");
	H_ASSERT(call_int(&h, "size on the held connection") == 0, "size");

	/* the next request starts it again, with its data (perhaps in the
	 * same process: a stopped server's process is used again) */
	pid2 = cu_attach(d, &c, "idle");
	fc_q_atom(&c, "size");
	H_ASSERT(call_int(&c, "size after restart") == 1, "the entry is "
	    "not there after the idle stop");
	fc_q_add(&c, dd, "after the idle stop");
	H_ASSERT(call_int(&c, "add after restart") == id + 1, "ids go on");
	fc_free(&c);
	fc_free(&h);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/*
 * A server whose last connection re-attaches elsewhere waits for the
 * cache's {took}; if its idle timer fires in that wait, it must still
 * stop once the connection is taken.  (It did not: told idle once, it
 * never told again, and stayed up for good.)  The cache is held
 * (SIGSTOP) so that the wait outlasts the idle time (1 s).
 */
static bool
request_read(void *arg)
{
	int	*fd = arg, unsent = -1;

	return ioctl(*fd, SIOCOUTQ, &unsent) == 0 && unsent == 0;
}

START_TEST(idle_while_handing_back)
{
	struct daemon	*d;
	struct fc	 c;
	struct fc_stats	 st;
	struct alive	 a;
	const struct etf_term *t;
	struct timespec	 ts = { 1, 500 * 1000 * 1000 };
	char		 err[256], buf[256];
	int64_t		 pid;
	int		 r;

	d = daemon_start_ok("--idle-timeout", "1", NULL);
	H_ASSERT(fc_stats(d->sock, &st, err, sizeof err) == 0, "%s", err);
	pid = cu_attach(d, &c, "left");
	a = alive_of((pid_t)pid);
	H_ASSERT(kill(st.cache, SIGSTOP) == 0, "stop the cache");
	fc_q_attach(&c, "next");
	H_ASSERT(fc_flush(&c, 5000) == 0, "%s", c.err);
	H_ASSERT(h_poll(h_ms(5000), request_read, &c.fd), "the list "
	    "server does not read the re-attach");
	/* Past the idle time, with nothing to poll for: the timer fires
	 * while the connection waits for the held cache. */
	while (nanosleep(&ts, &ts) == -1)
		;
	H_ASSERT(is_alive(&a), "the list server stopped with its "
	    "connection not taken");
	H_ASSERT(kill(st.cache, SIGCONT) == 0, "continue the cache");
	r = fc_call(&c, 10000, &t);
	H_ASSERT(r == FC_REPLY, "re-attach: %s", c.err);
	H_ASSERT(fc_ok_int(t, &pid), "re-attach: %s", fc_print(t, buf,
	    sizeof buf));
	H_ASSERT(h_poll(h_ms(10000), gone_cond, &a), "the list server the "
	    "connection left is still there 10 s after the cache took it");
	fc_free(&c);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/* ---- max-lists ---- */

/*
 * A list server tells the cache that it is idle when its last
 * connection is gone: asynchronously.  Before an eviction decision the
 * test waits until that news has arrived: each server is asleep
 * (state S: it handled the close and sent its report; a close makes it
 * runnable at once), and then the cache is asleep (it read the report).
 */
struct quiet_arg {
	const struct daemon	*d;
	pid_t			 pids[4];
	int			 n;
};

static bool
servers_asleep(void *arg)
{
	struct quiet_arg	*q = arg;
	int			 i;

	for (i = 0; i < q->n; i++)
		if (proc_state(q->pids[i]) != 'S')
			return false;
	return true;
}

static void
wait_reported(const struct daemon *d, pid_t p1, pid_t p2)
{
	struct quiet_arg	q = { d, { p1, p2 }, 2 };
	struct daemon_pids	dp;

	H_ASSERT(h_poll(h_ms(5000), servers_asleep, &q), "list servers "
	    "%d, %d stay busy", (int)p1, (int)p2);
	H_ASSERT(daemon_pids(d, &dp) == 0, "stats: %s", h_err());
	q.pids[0] = dp.cache;
	q.n = 1;
	H_ASSERT(h_poll(h_ms(5000), servers_asleep, &q), "the cache stays "
	    "busy");
}

START_TEST(max_lists_eviction)
{
	const struct etf_term	*t;
	struct daemon		*d;
	struct fc		 a, b, c, x;
	struct alive		 pa, pb, pc;
	struct fc_stats		 st;
	int64_t			 pid;
	char			 err[256], buf[256];
	int			 busy = 0;

	d = daemon_start_ok("--max-lists", "2", NULL);
	cu_attach_retry_busy(d, &a, "lru-a", &pid, &busy);
	pa = alive_of((pid_t)pid);
	fc_free(&a);
	cu_attach_retry_busy(d, &b, "lru-b", &pid, &busy);
	pb = alive_of((pid_t)pid);
	fc_free(&b);
	/* use a again: b is now the least recently used */
	cu_attach_retry_busy(d, &a, "lru-a", &pid, &busy);
	H_ASSERT(pid == pa.pid, "lru-a got a new server");
	fc_free(&a);
	wait_reported(d, pa.pid, pb.pid);
	cu_attach_retry_busy(d, &c, "lru-c", &pid, &busy);
	pc = alive_of((pid_t)pid);
	if (!h_poll(h_ms(5000), gone_cond, &pb)) {
		H_ASSERT(fc_stats(d->sock, &st, err, sizeof err) == 0, "%s",
		    err);
		H_ASSERT(0, "the least recently used idle server (lru-b) was "
		    "not stopped: lru-a %s, stats: lists_live %lld, lru-a %d, "
		    "lru-b %d, lru-c %d", is_alive(&pa) ? "alive" : "gone",
		    (long long)st.lists_live, (int)fc_stats_list_pid(&st,
		    "lru-a"), (int)fc_stats_list_pid(&st, "lru-b"),
		    (int)fc_stats_list_pid(&st, "lru-c"));
	}
	H_ASSERT(is_alive(&pa), "lru-a was stopped instead of lru-b");
	H_ASSERT(fc_stats(d->sock, &st, err, sizeof err) == 0, "%s", err);
	H_ASSERT(st.lists_live == 2 && fc_stats_list_pid(&st, "lru-a") ==
	    pa.pid && fc_stats_list_pid(&st, "lru-c") == pc.pid,
	    "stats: lists_live %lld", (long long)st.lists_live);

	/* a and c held open: nothing can be stopped */
	cu_attach_retry_busy(d, &a, "lru-a", &pid, &busy);
	fc_init(&x);
	H_ASSERT(fc_open(&x, d->sock, h_ms(5000)) == 0, "%s", x.err);
	fc_q_attach(&x, "lru-d");
	H_ASSERT(fc_call(&x, h_ms(10000), &t) == FC_REPLY, "%s", x.err);
	H_ASSERT(fc_is_error(t, "busy"), "a third list with none idle: %s",
	    fc_print(t, buf, sizeof buf));
	fc_q_atom(&x, "ping");
	H_ASSERT(fc_call(&x, h_ms(10000), &t) == FC_REPLY &&
	    etf_is_atom(t, "pong"), "the refused connection: %s", x.err);
	H_ASSERT(is_alive(&pa) && is_alive(&pc), "a held server was stopped");

	/* once a is released, d evicts it */
	fc_free(&a);
	fc_free(&x);
	cu_attach_retry_busy(d, &x, "lru-d", &pid, &busy);
	H_ASSERT(h_poll(h_ms(5000), gone_cond, &pa), "lru-a not stopped for "
	    "lru-d");
	H_ASSERT(is_alive(&pc), "lru-c (held) was stopped");
	fprintf(stderr, "max-lists: %d busy answers while a closed "
	    "connection's server was not yet idle\n", busy);
	fc_free(&x);
	fc_free(&c);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/* ---- a stopped server's process serves the next list ---- */

#define REUSE_LISTS	8

/* The entries of name on dd: exactly one, titled name. */
static void
assert_own_entry(const struct daemon *d, const char *name,
    struct todo_date dd)
{
	const struct etf_term	*t, *v;
	struct fc		 c;
	char			 buf[512];
	int64_t			 pid;
	int			 busy = 0;

	cu_attach_retry_busy(d, &c, name, &pid, &busy);
	fc_q_entries_on(&c, dd);
	H_ASSERT(fc_call(&c, h_ms(10000), &t) == FC_REPLY, "%s: %s", name,
	    c.err);
	fc_print(t, buf, sizeof buf);
	H_ASSERT((v = fc_ok_value(t)) != NULL && v->type == ETF_LIST &&
	    v->seq.n == 1 && strstr(buf, name) != NULL, "%s holds more or "
	    "less than its own entry: %s", name, buf);
	fc_free(&c);
}

START_TEST(stopped_server_reused)
{
	struct daemon		*d;
	struct fc		 c;
	struct todo_date	 dd = { 2024, 8, 1 };
	struct pidset		 ps;
	int64_t			 pid[REUSE_LISTS];
	char			 name[32], title[128];
	int			 i, j, busy = 0, shared = 0, spares = 0;

	/* Each new list evicts the least recently used: with two live at
	 * most, the evicted servers' processes are spares again. */
	d = daemon_start_ok("--max-lists", "2", NULL);
	for (i = 0; i < REUSE_LISTS; i++) {
		snprintf(name, sizeof name, "reuse%d", i);
		cu_attach_retry_busy(d, &c, name, &pid[i], &busy);
		fc_q_add(&c, dd, name);
		H_ASSERT(call_int(&c, "add") == 1, "%s: not its first entry",
		    name);
		fc_free(&c);
	}
	for (i = 0; i < REUSE_LISTS; i++)
		for (j = 0; j < i; j++)
			shared += pid[i] == pid[j];
	H_ASSERT(shared > 0, "no process served two of %d lists",
	    REUSE_LISTS);
	/* Nothing of a list a process served before shows in the next. */
	for (i = 0; i < REUSE_LISTS; i++) {
		snprintf(name, sizeof name, "reuse%d", i);
		assert_own_entry(d, name, dd);
	}
	/* Spares that wait are bounded (supervisor_int.h: SUP_SPARES_MAX). */
	cu_children(d, &ps);
	for (i = 0; i < (int)ps.n; i++) {
		live_title(ps.pid[i], title, sizeof title);
		spares += strcmp(title, "todod: spare") == 0;
	}
	H_ASSERT(spares >= 1 && spares <= 4, "%d spares wait", spares);
	fprintf(stderr, "reuse: %d of %d lists started in a process that "
	    "had served another; %d spares\n", shared, REUSE_LISTS, spares);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/* Kill every spare that waits; true once at least one was killed. */
struct spare_kill {
	const struct daemon	*d;
	int			 killed;
};

static bool
spares_kill_cond(void *arg)
{
	struct spare_kill	*k = arg;
	struct pidset		 ps;
	char			 title[128];
	int			 i, before = k->killed;

	cu_children(k->d, &ps);
	for (i = 0; i < (int)ps.n; i++) {
		live_title(ps.pid[i], title, sizeof title);
		if (strcmp(title, "todod: spare") == 0 &&
		    kill(ps.pid[i], SIGKILL) == 0)
			k->killed++;
	}
	return k->killed > before;
}

/* Spares killed while they wait: lists still start. */
START_TEST(spares_killed)
{
	struct daemon		*d;
	struct fc		 c;
	struct todo_date	 dd = { 2024, 8, 2 };
	struct spare_kill	 k;
	int64_t			 pid;
	char			 name[32];
	int			 round, busy = 0;

	d = daemon_start_ok("--max-lists", "1", NULL);
	k.d = d;
	k.killed = 0;
	for (round = 0; round < 4; round++) {
		/* The spawner forks the next spare after the last is taken
		 * or killed: wait for it. */
		H_ASSERT(h_poll(h_ms(5000), spares_kill_cond, &k), "round %d: "
		    "no spare to kill", round);
		snprintf(name, sizeof name, "spk%d", round);
		cu_attach_retry_busy(d, &c, name, &pid, &busy);
		fc_q_add(&c, dd, name);
		H_ASSERT(call_int(&c, "add") == 1, "%s: add", name);
		fc_free(&c);
	}
	for (round = 0; round < 4; round++) {
		snprintf(name, sizeof name, "spk%d", round);
		assert_own_entry(d, name, dd);
	}
	assert_serving(d);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/* ---- the idle-stop race ---- */

#define RACE_LISTS	10
#define RACE_ITER	20

struct race {
	const struct daemon	*d;
	atomic_int		 done;
	char			 error[RACE_LISTS][512];
	char			 twin[512];	/* two servers for a name */
};

struct racer {
	struct race	*r;
	int		 i;
};

static void *
racer_main(void *arg)
{
	struct racer		*me = arg;
	struct race		*r = me->r;
	const struct etf_term	*t;
	struct todo_date	 dd = { 2024, 7, 1 };
	struct fc		 c;
	char			 name[32], buf[256], *err = r->error[me->i];
	int64_t			 pid, v, closed, wait_ms;
	int			 it, k;

	snprintf(name, sizeof name, "race%d", me->i);
	fc_init(&c);
	for (it = 0; it < RACE_ITER && err[0] == '\0'; it++) {
		if (fc_open(&c, r->d->sock, h_ms(5000)) == -1) {
			snprintf(err, 512, "%s: %s", name, c.err);
			break;
		}
		/* attach, add, size: every reply must come */
		fc_q_attach(&c, name);
		fc_q_add(&c, dd, "race");
		fc_q_atom(&c, "size");
		if (fc_flush(&c, h_ms(5000)) == -1) {
			snprintf(err, 512, "%s #%d: %s", name, it, c.err);
			break;
		}
		for (k = 0; k < 3; k++) {
			if (fc_recv(&c, h_ms(10000), &t) != FC_REPLY) {
				snprintf(err, 512, "%s iteration %d, reply %d:"
				    " %s", name, it, k + 1, c.err);
				break;
			}
			if (k == 0 && (!fc_ok_int(t, &pid) || pid <= 0))
				snprintf(err, 512, "%s iteration %d: attach: "
				    "%s", name, it, fc_print(t, buf,
				    sizeof buf));
			else if (k == 1 && (!fc_ok_int(t, &v) || v != it + 1))
				snprintf(err, 512, "%s iteration %d: add: %s",
				    name, it, fc_print(t, buf, sizeof buf));
			else if (k == 2 && (!fc_ok_int(t, &v) || v != it + 1))
				snprintf(err, 512, "%s iteration %d: size: %s "
				    "(entries lost over an idle stop?)", name,
				    it, fc_print(t, buf, sizeof buf));
			if (err[0] != '\0')
				break;
		}
		if (err[0] != '\0')
			break;
		fc_close(&c);
		closed = h_now_ms();
		/* come back around the moment the idle timer fires */
		wait_ms = 1000 - 60 + ((it * 7 + me->i * 3) % 12) * 10;
		while (h_now_ms() - closed < wait_ms)
			h_pause_ms(1);
	}
	fc_free(&c);
	atomic_fetch_add(&r->done, 1);
	return NULL;
}

/*
 * Two live processes titled "todod: list NAME" for one name?  The walk of
 * /proc is not atomic: a server that was read alive may have exited, and
 * its successor started, before the walk reached that one.  So a pair is
 * read again, the first last: both alive after the second was seen means
 * both at once.
 */
static void
check_twins(struct race *r)
{
	struct pidset	*ps;
	char		 title[128], again[128], seen[64][128];
	pid_t		 seen_pid[64], spawner;
	size_t		 i, j, n = 0;

	if ((ps = calloc(1, sizeof *ps)) == NULL)
		return;
	/* The list servers are the spawner's children (only: a sanitizer's
	 * helper task of an exiting server bears its title too). */
	proc_children(r->d->pid, ps);
	for (i = 0; i < ps->n; i++) {
		live_title(ps->pid[i], title, sizeof title);
		if (strcmp(title, "todod: spawner") == 0)
			break;
	}
	if (i == ps->n) {
		free(ps);
		return;		/* being started again */
	}
	spawner = ps->pid[i];
	memset(ps, 0, sizeof *ps);
	proc_children(spawner, ps);
	for (i = 0; i < ps->n; i++) {
		live_title(ps->pid[i], title, sizeof title);
		if (strncmp(title, "todod: list ", 12) != 0)
			continue;
		for (j = 0; j < n; j++) {
			if (strcmp(seen[j], title + 12) != 0 ||
			    r->twin[0] != '\0')
				continue;
			live_title(ps->pid[i], again, sizeof again);
			if (strcmp(again, title) != 0)
				continue;
			live_title(seen_pid[j], again, sizeof again);
			if (strcmp(again, title) == 0)
				snprintf(r->twin, sizeof r->twin, "two live "
				    "list servers for %s: pids %d and %d",
				    title + 12, (int)seen_pid[j],
				    (int)ps->pid[i]);
		}
		if (n < 64) {
			seen_pid[n] = ps->pid[i];
			snprintf(seen[n++], sizeof seen[0], "%s", title + 12);
		}
	}
	free(ps);
}

static void
check_stats_names(struct race *r)
{
	struct fc_stats	st;
	char		err[256];
	int		i, j;

	if (fc_stats(r->d->sock, &st, err, sizeof err) == -1) {
		if (r->twin[0] == '\0')
			snprintf(r->twin, sizeof r->twin, "%s", err);
		return;
	}
	for (i = 0; i < st.nlists; i++)
		for (j = 0; j < i; j++)
			if (strcmp(st.name[i], st.name[j]) == 0 &&
			    r->twin[0] == '\0')
				snprintf(r->twin, sizeof r->twin, "stats lists "
				    "%s twice", st.name[i]);
}

START_TEST(idle_stop_race)
{
	static struct race	 r;
	struct racer		 me[RACE_LISTS];
	pthread_t		 th[RACE_LISTS];
	struct daemon		*d;
	struct fc_stats		 st;
	char			 err[256];
	int64_t			 starts;
	int			 i, rounds = 0;

	memset(&r, 0, sizeof r);
	d = daemon_start_ok("--idle-timeout", "1", NULL);
	r.d = d;
	H_ASSERT(fc_stats(d->sock, &st, err, sizeof err) == 0, "%s", err);
	starts = st.spawns;
	for (i = 0; i < RACE_LISTS; i++) {
		me[i].r = &r;
		me[i].i = i;
		H_ASSERT(pthread_create(&th[i], NULL, racer_main, &me[i]) == 0,
		    "pthread_create");
	}
	while (atomic_load(&r.done) < RACE_LISTS) {
		check_twins(&r);
		if (rounds++ % 10 == 0)
			check_stats_names(&r);
		h_pause_ms(3);
	}
	for (i = 0; i < RACE_LISTS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < RACE_LISTS; i++)
		H_ASSERT(r.error[i][0] == '\0', "%s", r.error[i]);
	H_ASSERT(r.twin[0] == '\0', "%s", r.twin);
	/* the timing must have made servers stop: else the race was not
	 * run at all (a server may start in the process of a stopped one:
	 * the supervisor's count of starts tells) */
	H_ASSERT(fc_stats(d->sock, &st, err, sizeof err) == 0, "%s", err);
	starts = st.spawns - starts;
	fprintf(stderr, "idle race: %d attaches, %lld found a new server\n",
	    RACE_LISTS * RACE_ITER, (long long)starts);
	H_ASSERT(starts >= RACE_LISTS * RACE_ITER / 5, "only %lld of %d "
	    "attaches found a new server: the idle stop was not reached",
	    (long long)starts, RACE_LISTS * RACE_ITER);
	assert_serving(d);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

void
crash_idle_add(Suite *s)
{
	TCase	*tc;

	tc = tcase_create("idle");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, idle_expiry);
	tcase_add_test(tc, idle_while_handing_back);
	tcase_add_test(tc, max_lists_eviction);
	tcase_add_test(tc, stopped_server_reused);
	tcase_add_test(tc, spares_killed);
	suite_add_tcase(s, tc);

	tc = tcase_create("idle-race");
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, idle_stop_race);
	suite_add_tcase(s, tc);
}
