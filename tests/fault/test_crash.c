/*
 * test_crash: the daemon's process tree under faults, with concurrent
 * clients that log every acknowledged change (fload.h):
 *   - SIGKILL of each worker, the cache and list servers during the
 *     load: every role serves fresh connections again, the supervisor
 *     says "lost child" once per kill and counts the restarts, every
 *     acknowledged change is there (live and after a restart);
 *   - a worker killed again and again while many lists it stores have
 *     stores in flight: every store goes again, every client answered;
 *   - SIGTERM during the load: exit 0, no process left, socket removed,
 *     every acknowledged change on disk;
 *   - SIGKILL of the supervisor: every child gone within a second or
 *     two, a new todod on the same data directory has every change;
 *   - a second todod on the same data directory or socket is refused;
 * and, in crash_start.c and crash_idle.c, the two-phase start of a big
 * list, idle stops, max-lists eviction and the idle-stop race; in
 * crash_uids.c, per-user counts across crashes; in crash_syslog.c, a
 * detached daemon's log; in crash_relink.c, clients that move to other
 * lists while a cache started again learns the servers that run; in
 * crash_stop.c, a stop that a frozen list server does not follow.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crash_util.h"
#include "fkill.h"
#include "fload.h"

#define NCLIENTS	8
#define NLISTS		10

struct loadrun {
	struct daemon	 *d;
	struct fl_cfg	  cfg;
	struct fl_client *cls;
	struct fk	  fk;
	unsigned long	  want;		/* progress awaited */
};

static bool
progress_cond(void *arg)
{
	struct loadrun	*lr = arg;

	return fl_progress(&lr->cfg, lr->cls) >= lr->want ||
	    fl_failure(&lr->cfg, lr->cls) != NULL;
}

/* Wait until the clients got n more replies: they make progress. */
static void
assert_progress(struct loadrun *lr, unsigned long n, const char *after)
{
	const char	*f;

	lr->want = fl_progress(&lr->cfg, lr->cls) + n;
	H_ASSERT(h_poll(h_ms(20000), progress_cond, lr),
	    "no progress of the clients after %s", after);
	f = fl_failure(&lr->cfg, lr->cls);
	H_ASSERT(f == NULL, "after %s: %s", after, f);
}

static void
load_start(struct loadrun *lr, struct daemon *d)
{
	memset(lr, 0, sizeof *lr);
	lr->d = d;
	fl_cfg_init(&lr->cfg, d->sock, NCLIENTS, NLISTS, "crash");
	H_ASSERT(fk_init(&lr->fk, &lr->cfg, 3, NCLIENTS) == 0, "fk_init");
	lr->cls = fl_start(&lr->cfg);
	H_ASSERT(lr->cls != NULL, "cannot start the clients");
	assert_progress(lr, 200, "the start");
}

/* Stop the clients; no client may have failed. */
static void
load_stop(struct loadrun *lr)
{
	const char	*f;
	uint64_t	 refused = 0;
	int		 i, k;

	fl_stop(&lr->cfg, lr->cls);
	f = fl_failure(&lr->cfg, lr->cls);
	H_ASSERT(f == NULL, "%s", f);
	for (i = 0; i < lr->cfg.nclients; i++)
		for (k = FM_ADD; k <= FM_DELETE; k++)
			refused += lr->cls[i].m.refused[k];
	H_ASSERT(refused == 0, "%llu changes were refused with "
	    "{error, unavailable}", (unsigned long long)refused);
}

static void
load_verify(struct loadrun *lr, const char *when)
{
	struct fm_report rep;
	char		 err[512];

	H_ASSERT(fl_verify(&lr->cfg, lr->cls, &lr->fk.probe, 1, &rep, err,
	    sizeof err) == 0, "%s: %s", when, err);
	H_ASSERT(rep.acked_changes > 0, "%s: nothing was acknowledged", when);
	H_ASSERT(fm_report_ok(&rep), "%s: of %llu acknowledged changes, "
	    "lost %llu; phantoms %llu, duplicate ids %llu, duplicate "
	    "entries %llu, wrong %llu (details above)", when,
	    (unsigned long long)rep.acked_changes,
	    (unsigned long long)rep.lost, (unsigned long long)rep.phantoms,
	    (unsigned long long)rep.dup_ids,
	    (unsigned long long)rep.dup_entries,
	    (unsigned long long)rep.wrong);
}

static void
load_free(struct loadrun *lr)
{
	fl_free(&lr->cfg, lr->cls);
	fk_free(&lr->fk);
}

/* The supervisor logged the loss of pid, killed by signal 9. */
static void
assert_lost_logged(const struct daemon *d, pid_t pid)
{
	char	s[64];

	snprintf(s, sizeof s, " pid %d: killed by signal 9", (int)pid);
	H_ASSERT(h_log_count(d, s) == 1, "the log does not say once "
	    "\"lost child: ...%s\"", s);
}

static void
kill_one(struct loadrun *lr, enum fk_role role, int k, pid_t *pids,
    int *npids)
{
	double	ms;

	ms = fk_kill(&lr->fk, role, k, NULL);
	H_ASSERT(ms >= 0, "kill %s: %s", fk_role_name(role), lr->fk.error);
	pids[(*npids)++] = lr->fk.last_pid;
	fprintf(stderr, "killed %s pid %d: serving again after %.0f ms "
	    "(%lld probe attempts)\n", fk_role_name(role),
	    (int)lr->fk.last_pid, ms, (long long)lr->fk.last_attempts);
	assert_progress(lr, 100, fk_role_name(role));
}

START_TEST(kill_roles_during_load)
{
	struct loadrun	 lr;
	struct fc_stats	 before, after;
	struct daemon	*d;
	pid_t		 pids[32];
	char		 err[512];
	int		 n = 0, i, k;

	d = daemon_start_ok(NULL);
	load_start(&lr, d);
	H_ASSERT(fc_stats(d->sock, &before, err, sizeof err) == 0, "%s", err);
	for (k = 0; k < 3; k++)
		kill_one(&lr, FK_WORKER, k, pids, &n);
	kill_one(&lr, FK_CACHE, 0, pids, &n);
	for (i = 0; i < 4; i++)
		kill_one(&lr, FK_LIST, 0, pids, &n);
	load_stop(&lr);

	H_ASSERT(fc_stats(d->sock, &after, err, sizeof err) == 0, "%s", err);
	H_ASSERT(after.restarts == before.restarts + 4, "stats restarts %lld,"
	    " expected %lld", (long long)after.restarts,
	    (long long)before.restarts + 4);
	H_ASSERT(after.cache != before.cache, "the cache pid is unchanged");
	for (k = 0; k < 3; k++)
		H_ASSERT(after.workers[k] != before.workers[k] &&
		    after.workers[k] > 0, "worker %d pid unchanged", k);
	for (i = 0; i < n; i++)
		assert_lost_logged(d, pids[i]);
	H_ASSERT(h_log_count(d, "lost child:") == n, "%d \"lost child:\" "
	    "lines for %d kills", h_log_count(d, "lost child:"), n);
	/* The permanent ones, each started again under its new pid. */
	for (k = 0; k < 3; k++) {
		snprintf(err, sizeof err, "worker[%d] started again: pid %d",
		    k, (int)after.workers[k]);
		H_ASSERT(h_log_count(d, err) == 1, "the log does not say "
		    "\"%s\"", err);
	}
	snprintf(err, sizeof err, "cache started again: pid %d",
	    (int)after.cache);
	H_ASSERT(h_log_count(d, err) == 1, "the log does not say \"%s\"", err);
	load_verify(&lr, "live, after the kills");
	daemon_stop_ok(d);
	H_ASSERT(daemon_restart(d) == 0, "restart: %s", h_err());
	load_verify(&lr, "after a restart");
	daemon_stop_ok(d);
	load_free(&lr);
	daemon_free(d);
}
END_TEST

/* A child's exit, polled for (h_poll). */
struct reap {
	pid_t	pid;
	int	status;
};

static bool
child_reaped(void *arg)
{
	struct reap	*r = arg;

	return waitpid(r->pid, &r->status, WNOHANG) == r->pid;
}

static bool
path_exists(void *path)
{
	return access(path, F_OK) == 0;
}

/*
 * SIGTERM that arrives while the start has its socket bound and its
 * pidfile written but no handlers yet (held there by a test-only pause)
 * waits for them: the daemon then stops in order, exit status 0, socket
 * and pidfile removed.  Unblocked, it would kill the supervisor and leave
 * both behind.
 */
START_TEST(sigterm_during_start)
{
	char		 dir[] = "/tmp/todod-early.XXXXXX", sock[64], data[64],
			 pidf[64], pause[64], log[64];
	struct reap	 r;
	int		 fd;

	H_ASSERT(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(sock, sizeof sock, "%s/s.sock", dir);
	snprintf(data, sizeof data, "%s/data", dir);
	snprintf(pidf, sizeof pidf, "%s/pid", dir);
	snprintf(pause, sizeof pause, "%s/pause", dir);
	snprintf(log, sizeof log, "%s/log", dir);
	H_ASSERT((fd = open(pause, O_WRONLY | O_CREAT, 0600)) != -1, "%s",
	    pause);
	close(fd);
	H_ASSERT((r.pid = fork()) != -1, "fork");
	if (r.pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if ((fd = open(log, O_WRONLY | O_CREAT, 0600)) != -1) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		setenv("TODOD_FAULT_START_PAUSE_FILE", pause, 1);
		execl(getenv("TODOD"), "todod", "-f", "-s", sock, "-d", data,
		    "-p", pidf, (char *)NULL);
		_exit(127);
	}
	H_ASSERT(h_poll(h_ms(10000), path_exists, pidf), "no pidfile %s",
	    pidf);
	H_ASSERT(kill(r.pid, SIGTERM) == 0, "kill");
	H_ASSERT(unlink(pause) == 0, "%s", pause);
	if (!h_poll(h_ms(30000), child_reaped, &r)) {
		kill(r.pid, SIGKILL);
		waitpid(r.pid, NULL, 0);
		H_ASSERT(0, "todod did not stop within %d ms", h_ms(30000));
	}
	H_ASSERT(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "todod "
	    "stopped during its start: wait status %#x", r.status);
	H_ASSERT(access(sock, F_OK) == -1 && access(pidf, F_OK) == -1,
	    "the socket or the pidfile was left behind");
	h_rmtree(dir);
}
END_TEST

/*
 * The spawner killed under load: every list server dies with it, the
 * supervisor starts it again, and the clients' lists start again on
 * demand; nothing acknowledged is lost.
 */
START_TEST(kill_spawner_during_load)
{
	struct loadrun	 lr;
	struct fc_stats	 before, after;
	struct daemon	*d;
	pid_t		 pids[4];
	char		 err[512];
	int		 n = 0;

	d = daemon_start_ok(NULL);
	load_start(&lr, d);
	H_ASSERT(fc_stats(d->sock, &before, err, sizeof err) == 0, "%s", err);
	kill_one(&lr, FK_SPAWNER, 0, pids, &n);
	kill_one(&lr, FK_SPAWNER, 0, pids, &n);
	load_stop(&lr);
	H_ASSERT(fc_stats(d->sock, &after, err, sizeof err) == 0, "%s", err);
	H_ASSERT(after.restarts == before.restarts + 2, "stats restarts %lld,"
	    " expected %lld", (long long)after.restarts,
	    (long long)before.restarts + 2);
	H_ASSERT(after.spawner > 0 && after.spawner != before.spawner,
	    "the spawner pid is unchanged");
	assert_lost_logged(d, pids[0]);
	assert_lost_logged(d, pids[1]);
	load_verify(&lr, "live, after the kills");
	daemon_stop_ok(d);
	H_ASSERT(daemon_restart(d) == 0, "restart: %s", h_err());
	load_verify(&lr, "after a restart");
	daemon_stop_ok(d);
	load_free(&lr);
	daemon_free(d);
}
END_TEST

/*
 * Stores in flight when their worker dies: many lists on one worker,
 * each with a client writing to it, and that worker killed again and
 * again.  Every store must be sent again to the restarted worker and
 * every client answered.
 */
START_TEST(kill_worker_stores_in_flight)
{
	struct loadrun	 lr;
	struct daemon	*d;
	char		 name[FL_NAME_MAX];
	pid_t		 pids[8];
	int		 n = 0, i;

	d = daemon_start_ok(NULL);
	memset(&lr, 0, sizeof lr);
	lr.d = d;
	fl_cfg_init(&lr.cfg, d->sock, 24, 0, "");
	for (i = 0; lr.cfg.nall < 40; i++) {
		snprintf(name, sizeof name, "w0-%d", i);
		if (fc_worker_of(name, 3) == 0)
			fl_extra_list(&lr.cfg, name);
	}
	lr.cfg.nlists = lr.cfg.nall;
	H_ASSERT(fk_init(&lr.fk, &lr.cfg, 3, 24) == 0, "fk_init");
	H_ASSERT((lr.cls = fl_start(&lr.cfg)) != NULL, "clients");
	assert_progress(&lr, 300, "the start");
	for (i = 0; i < 4; i++)
		kill_one(&lr, FK_WORKER, 0, pids, &n);
	load_stop(&lr);
	load_verify(&lr, "after killing worker 0 four times");
	daemon_stop_ok(d);
	load_free(&lr);
	daemon_free(d);
}
END_TEST

START_TEST(sigterm_during_load)
{
	struct loadrun	 lr;
	struct pidset	*kids;
	struct daemon	*d;
	int		 n;

	cu_subreaper();
	d = daemon_start_ok(NULL);
	load_start(&lr, d);
	H_ASSERT((kids = calloc(1, sizeof *kids)) != NULL, "out of memory");
	proc_tree(d->pid, kids);
	H_ASSERT(kids->n >= 5, "only %zu processes in the tree", kids->n);
	atomic_store(&lr.cfg.going_down, 1);
	/* exit 0 in time, tree gone, socket removed */
	H_ASSERT(daemon_stop(d) == 0, "SIGTERM under load: %s", h_err());
	load_stop(&lr);
	H_ASSERT(!pidset_any_alive(kids), "processes of the tree remain");
	H_ASSERT((n = cu_orphans(0, NULL)) == 0, "%d todod processes were "
	    "left behind (orphans)", n);
	H_ASSERT(access(d->sock, F_OK) == -1, "socket %s remains", d->sock);
	H_ASSERT(daemon_restart(d) == 0, "restart: %s", h_err());
	load_verify(&lr, "after SIGTERM and a restart");
	daemon_stop_ok(d);
	free(kids);
	load_free(&lr);
	daemon_free(d);
}
END_TEST

struct gone_arg {
	struct pidset	*kids;
	pid_t		 sup;
};

static bool
children_gone(void *arg)
{
	struct gone_arg	*g = arg;

	return !pidset_any_alive(g->kids) && cu_orphans(g->sup, NULL) == 0;
}


START_TEST(sigkill_supervisor)
{
	struct loadrun	 lr;
	struct gone_arg	 g;
	struct pidset	*left;
	struct daemon	*d;
	int64_t		 t0, took;
	char		 list[256];
	size_t		 i, off = 0;

	cu_subreaper();
	d = daemon_start_ok(NULL);
	load_start(&lr, d);
	H_ASSERT((g.kids = calloc(1, sizeof *g.kids)) != NULL, "no memory");
	H_ASSERT((left = calloc(1, sizeof *left)) != NULL, "no memory");
	cu_children(d, g.kids);
	g.sup = d->pid;
	H_ASSERT(g.kids->n >= 4, "only %zu children", g.kids->n);
	atomic_store(&lr.cfg.going_down, 1);
	t0 = h_now_ms();
	kill(d->pid, SIGKILL);
	if (!h_poll(h_ms(2000), children_gone, &g)) {
		for (i = 0; i < g.kids->n; i++)
			if (proc_starttime(g.kids->pid[i]) == g.kids->start[i] &&
			    proc_state(g.kids->pid[i]) != 'Z')
				pidset_add(left, g.kids->pid[i]);
		cu_orphans(g.sup, left);
		list[0] = '\0';
		for (i = 0; i < left->n && off < sizeof list - 16; i++) {
			off += (size_t)snprintf(list + off, sizeof list - off,
			    " %d", (int)left->pid[i]);
			kill(left->pid[i], SIGKILL);
		}
		H_ASSERT(0, "%d ms after SIGKILL of the supervisor, children "
		    "remain:%s", h_ms(2000), list);
	}
	took = h_now_ms() - t0;
	fprintf(stderr, "every child gone %lld ms after SIGKILL of the "
	    "supervisor\n", (long long)took);
	H_ASSERT(h_poll(h_ms(5000), cu_reaped, d), "supervisor not "
	    "reaped");
	load_stop(&lr);
	H_ASSERT(daemon_restart(d) == 0, "a new todod on the same data "
	    "directory: %s", h_err());
	load_verify(&lr, "after SIGKILL of the supervisor and a restart");
	daemon_stop_ok(d);
	free(g.kids);
	free(left);
	load_free(&lr);
	daemon_free(d);
}
END_TEST

/* The cache pid in stats differs from arg's (a new cache serves). */
struct new_cache_arg {
	const struct daemon	*d;
	pid_t			 old;
};

static bool
new_cache_serves(void *arg)
{
	struct new_cache_arg	*a = arg;
	struct fc_stats		 st;
	char			 err[256];

	return fc_stats(a->d->sock, &st, err, sizeof err) == 0 &&
	    st.cache != 0 && st.cache != a->old;
}

/*
 * The restart intensity: the cache killed 5 times in a row is started
 * again each time; a 6th time within 10 seconds stops the daemon with
 * status 1, the reason logged, so that the service manager takes over.
 * (The window is on the monotonic clock: a wall clock set back put the
 * earlier restarts in the future, and one crash stopped the daemon.)
 */
START_TEST(restart_intensity)
{
	struct new_cache_arg	 a;
	struct fc_stats		 st;
	struct daemon		*d;
	char			 err[256];
	int			 i;

	d = daemon_start_ok(NULL);
	d->bug_lines_ok = true;		/* lost children are logged */
	a.d = d;
	for (i = 0; i < 5; i++) {
		H_ASSERT(fc_stats(d->sock, &st, err, sizeof err) == 0,
		    "stats: %s", err);
		a.old = st.cache;
		H_ASSERT(kill(st.cache, SIGKILL) == 0, "kill the cache");
		H_ASSERT(h_poll(h_ms(5000), new_cache_serves, &a), "no new "
		    "cache after kill %d", i + 1);
	}
	H_ASSERT(daemon_alive(d), "stopped after 5 restarts");
	H_ASSERT(fc_stats(d->sock, &st, err, sizeof err) == 0 &&
	    st.restarts == 5, "restarts %lld: %s", (long long)st.restarts,
	    err);
	H_ASSERT(kill(st.cache, SIGKILL) == 0, "kill the cache");
	H_ASSERT(h_poll(h_ms(10000), cu_reaped, d), "the daemon runs on "
	    "after 6 restarts");
	H_ASSERT(WIFEXITED(d->status) && WEXITSTATUS(d->status) == 1,
	    "wait status %#x", d->status);
	H_ASSERT(h_log_count(d, "restart intensity exceeded") == 1,
	    "the reason is not logged");
	daemon_free(d);
}
END_TEST

START_TEST(second_daemon_refused)
{
	struct daemon	*d;
	char		 out[4096], sock2[200], data2[200], pid[32];
	int64_t		 ms;
	int		 st;

	d = daemon_start_ok(NULL);
	snprintf(sock2, sizeof sock2, "%s/s2.sock", d->dir);
	snprintf(data2, sizeof data2, "%s/data2", d->dir);
	snprintf(pid, sizeof pid, "pid %d", (int)d->pid);

	st = cu_run_todod(h_ms(10000), out, sizeof out, &ms, "-f", "-s",
	    sock2, "-d", d->data, NULL);
	H_ASSERT(st != -1, "a second todod on the same data directory did "
	    "not exit within %d ms", h_ms(10000));
	H_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) != 0, "a second todod on "
	    "the same data directory: wait status %#x, output: %s", st, out);
	H_ASSERT(strstr(out, pid) != NULL, "the refusal does not name the "
	    "first todod (%s): %s", pid, out);
	H_ASSERT(ms < h_ms(3000), "refused only after %lld ms",
	    (long long)ms);
	H_ASSERT(access(sock2, F_OK) == -1, "the refused todod left %s",
	    sock2);

	st = cu_run_todod(h_ms(10000), out, sizeof out, &ms, "-f", "-s",
	    d->sock, "-d", data2, NULL);
	H_ASSERT(st != -1, "a second todod on the same socket did not exit "
	    "within %d ms", h_ms(10000));
	H_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) != 0, "a second todod on "
	    "the same socket: wait status %#x, output: %s", st, out);
	H_ASSERT(strstr(out, "another todod is listening") != NULL,
	    "unexpected refusal: %s", out);

	H_ASSERT(access(d->sock, F_OK) == 0, "the first todod's socket is "
	    "gone");
	assert_serving(d);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/*
 * A daemon with 3 workers killed with a change in the journal of worker
 * 2, started again with 1 worker: it refuses to start and names the
 * journal that no worker would replay; with 3 workers again the change
 * is there.
 */
START_TEST(fewer_workers_refused)
{
	const struct etf_term	*t;
	struct daemon		*d;
	struct fc		 c;
	char			 out[4096], sock2[200], name[32];
	int64_t			 ms, n;
	int			 st, i;

	d = daemon_start("-w", "3", NULL);
	H_ASSERT(d != NULL, "start: %s", h_err());
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof name, "w2-%d", i);
		if (fc_worker_of(name, 3) == 2)
			break;
	}
	(void)cu_attach(d, &c, name);
	fc_q_add(&c, (struct todo_date){ 2024, 8, 8 }, "kept");
	H_ASSERT(fc_call(&c, h_ms(10000), &t) == FC_REPLY &&
	    fc_ok_int(t, &n) && n == 1, "add: %s", c.err);
	fc_free(&c);
	cu_kill_wait(d);

	snprintf(sock2, sizeof sock2, "%s/s2.sock", d->dir);
	st = cu_run_todod(h_ms(10000), out, sizeof out, &ms, "-f", "-s",
	    sock2, "-d", d->data, "-w", "1", NULL);
	H_ASSERT(st != -1, "todod with fewer workers than its journals "
	    "did not exit within %d ms", h_ms(10000));
	H_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) != 0, "todod with fewer "
	    "workers: wait status %#x, output: %s", st, out);
	H_ASSERT(strstr(out, ".journal-w2-") != NULL &&
	    strstr(out, "--workers 1 does not start") != NULL, "the refusal "
	    "does not name the journal: %s", out);
	H_ASSERT(access(sock2, F_OK) == -1, "the refused todod left %s",
	    sock2);

	H_ASSERT(daemon_restart(d) == 0, "restart with 3 workers: %s",
	    h_err());
	H_ASSERT((n = cu_size(d, name)) == 1, "size after the replay: %lld",
	    (long long)n);

	/* Killed again with no change since: the journals of workers 1
	 * and 2 hold none (new generations, Seq and file records), so 1
	 * worker starts, and the list's file has the change. */
	cu_kill_wait(d);
	free(d->args[1]);
	d->args[1] = strdup("1");
	H_ASSERT(daemon_restart(d) == 0, "restart with 1 worker after "
	    "journals without a change: %s", h_err());
	H_ASSERT((n = cu_size(d, name)) == 1, "size with 1 worker: %lld",
	    (long long)n);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/*
 * A detaching todod whose worker refuses its journal (a generation at the
 * end of the range, empty) fails, and the command that started it says
 * the worker's reason, not only that the worker refused: the children's
 * start-up warnings reach it too (earlylog.h); they went to syslog only.
 */
START_TEST(detached_refusal_told)
{
	char	 dir[] = "/tmp/todod-refused.XXXXXX", data[64], sock[64];
	char	 pid[64], journal[128], out[4096];
	int64_t	 ms;
	int	 st;

	H_ASSERT(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(data, sizeof data, "%s/data", dir);
	snprintf(sock, sizeof sock, "%s/s.sock", dir);
	snprintf(pid, sizeof pid, "%s/todod.pid", dir);
	snprintf(journal, sizeof journal, "%s/.journal-w0-"
	    "18446744073709551615", data);
	H_ASSERT(mkdir(data, 0700) == 0, "mkdir %s", data);
	H_ASSERT(cu_write_file(journal, "", 0) == 0, "%s", journal);
	st = cu_run_todod(h_ms(10000), out, sizeof out, &ms, "-s", sock,
	    "-d", data, "-p", pid, NULL);
	H_ASSERT(st != -1, "todod did not exit within %d ms", h_ms(10000));
	H_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 1, "wait status %#x: "
	    "%s", st, out);
	H_ASSERT(strstr(out, "worker[0] refuses to start") != NULL &&
	    strstr(out, "is the last there can be") != NULL, "the worker's "
	    "reason is not told: %s", out);
	H_ASSERT(cu_wait_unlocked(data, h_ms(5000)), "the data directory "
	    "stays locked");
	unlink(journal);
	unlink(pid);
	snprintf(journal, sizeof journal, "%s/.lock", data);
	unlink(journal);
	rmdir(data);
	/* The socket's lock stays once the daemon has started, like the
	 * data directory's. */
	snprintf(journal, sizeof journal, "%s.lock", sock);
	H_ASSERT(unlink(journal) == 0, "no %s", journal);
	H_ASSERT(rmdir(dir) == 0, "%s is not empty", dir);
}
END_TEST

/*
 * A detached start refused for a data directory in use says why, and
 * nothing about syslog first: it never gets to log there.  A detached
 * start that gets as far as its socket does warn that there is no syslog
 * socket.  (With fault injection, the path looked for is a test-only one
 * that does not exist, as on a machine without /dev/log; without, the
 * warning is looked for only where there is no /dev/log.)
 */
START_TEST(detached_refusal_no_syslog_word)
{
	struct daemon	*d = daemon_start_ok(NULL);
	char		 sock[128], data[128], pidfile[128], out[4096];
#ifdef TODOD_FAULTS
	const char	*warning = "no syslog socket /nonexistent/log";
#else
	const char	*warning = access("/dev/log", F_OK) == -1 ?
			    "no syslog socket /dev/log" : NULL;
#endif
	long		 pid = 0;
	int64_t		 ms;
	FILE		*f;
	int		 st;

	setenv("TODOD_FAULT_SYSLOG_PATH", "/nonexistent/log", 1);
	snprintf(sock, sizeof sock, "%s/other.sock", d->dir);
	st = cu_run_todod(h_ms(10000), out, sizeof out, &ms, "-s", sock,
	    "-d", d->data, "-p", "", NULL);
	H_ASSERT(st != -1, "todod did not exit within %d ms", h_ms(10000));
	H_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 1, "wait status %#x: "
	    "%s", st, out);
	H_ASSERT(strstr(out, "in use") != NULL, "the refusal is not told: "
	    "%s", out);
	H_ASSERT(strstr(out, "syslog") == NULL, "a refused start spoke of "
	    "syslog: %s", out);

	/* One that starts says it, before it is ready. */
	snprintf(data, sizeof data, "%s/data2", d->dir);
	snprintf(pidfile, sizeof pidfile, "%s/other.pid", d->dir);
	st = cu_run_todod(h_ms(10000), out, sizeof out, &ms, "-s", sock,
	    "-d", data, "-p", pidfile, NULL);
	unsetenv("TODOD_FAULT_SYSLOG_PATH");
	H_ASSERT((f = fopen(pidfile, "r")) != NULL && fscanf(f, "%ld",
	    &pid) == 1 && pid > 1, "no pid in %s: %s", pidfile, out);
	fclose(f);
	H_ASSERT(kill((pid_t)pid, SIGTERM) == 0, "kill %ld", pid);
	H_ASSERT(cu_wait_unlocked(data, h_ms(10000)), "the detached daemon "
	    "did not stop");
	H_ASSERT(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "wait "
	    "status %#x: %s", st, out);
	H_ASSERT(warning == NULL || (strstr(out, warning) != NULL &&
	    strstr(out, warning) < strstr(out, "ready")), "a start without "
	    "a syslog socket did not warn before ready: %s", out);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

static Suite *
crash_suite(void)
{
	Suite	*s = suite_create("crash");
	TCase	*tc;

	tc = tcase_create("kill");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, kill_roles_during_load);
	tcase_add_test(tc, kill_spawner_during_load);
	tcase_add_test(tc, kill_worker_stores_in_flight);
	suite_add_tcase(s, tc);

	tc = tcase_create("sigterm");
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, sigterm_during_load);
	tcase_add_test(tc, sigterm_during_start);
	suite_add_tcase(s, tc);

	tc = tcase_create("supervisor");
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, sigkill_supervisor);
	tcase_add_test(tc, restart_intensity);
	suite_add_tcase(s, tc);

	tc = tcase_create("second");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, second_daemon_refused);
	tcase_add_test(tc, fewer_workers_refused);
	tcase_add_test(tc, detached_refusal_told);
	tcase_add_test(tc, detached_refusal_no_syslog_word);
	suite_add_tcase(s, tc);

	crash_start_add(s);
	crash_idle_add(s);
	crash_uids_add(s);
	crash_syslog_add(s);
	crash_relink_add(s);
	crash_stop_add(s);
	crash_reuse_add(s);
	return s;
}

int
main(void)
{
	return h_run_suite(crash_suite());
}
