/*
 * test_store_faults: faults inside a store, through the daemon's
 * test-only fault switch (daemon/store.h: TODOD_FAULT, TODOD_FAULT_FILE;
 * todod configured with --enable-fault-injection), and corrupt files.
 *
 *   - Crash points (after the temporary write, after its fsync, after
 *     the rename), the worker dying once: the daemon restarts it, the
 *     client still gets its reply, the list file is the old or the new
 *     version whenever it is read meanwhile (decoded with the codec:
 *     never torn), and no temporary file remains.
 *   - The same crash points, the whole daemon killed right after the
 *     worker died: the file is the old version (write, fsync) or the new
 *     one (rename), and the next start removes the temporary files.
 *   - Disk full (ENOSPC while the fault file exists): modifications get
 *     {error, unavailable}, state and file stay as they were, reads go
 *     on; once the fault file is gone, writes work again.
 *   - A list server that cannot start (TODOD_FAULT_SPAWN_FILE, in
 *     sup_spares.c): {error, busy} after a few tries; then it starts.
 *     A connection that asked to re-attach to it stays on its list.
 *   - No spare can be forked (TODOD_FAULT_FORK_FILE, in spawner.c):
 *     the spares held go first, then a new list waits for one, is told
 *     busy after a few tries, and starts once forks work again.
 *   - Stale messages to a released server (TODOD_FAULT_STALE_FILE, in
 *     supervisor.c: a worker link, a cache link and a shutdown meant
 *     for the list it released): the spare drops them and lives on.
 *   - A shutdown whose final checkpoint outlasts the deadline
 *     (TODOD_FAULT_CKPT_DELAY_MS, TODOD_FAULT_STOP_MS): a worker that
 *     keeps writing finishes, the service manager told to wait
 *     (EXTEND_TIMEOUT_USEC) while it writes; one whose sync waits in
 *     the kernel (TODOD_FAULT_CKPT_SYNC_HOLD_FILE: uninterruptible sleep)
 *     is let finish too, for a while; one that stalls is killed, its
 *     journal kept for the next start.
 *   - A worker stopped while the daemon serves (SIGSTOP, the
 *     supervisor's watch quickened by TODOD_FAULT_WATCH_MS, in
 *     stallwatch.c): logged once, shown in stats, its waiting add
 *     answered once it goes on.  While no list is live, the watch
 *     sleeps: an idle worker is not woken.  A cache stopped while the
 *     daemon is idle: logged once a client comes, its ping answered
 *     once the cache goes on.
 *   - More requests in one go than a connection's share of a pass, while
 *     a list server or the cache cannot yield its turn
 *     (TODOD_FAULT_YIELD_FILE): every one is answered.  A reply over a
 *     list server's cap on unread replies (TODOD_FAULT_OUT_CAP) that is
 *     written at once: the next request is still read and answered.  A
 *     list server that cannot add the write event of a large reply
 *     (TODOD_FAULT_EVADD_FILE) exits; the next one has every entry.
 *   - A journal generation that cannot be removed (made immutable): at
 *     the stop the newer ones stay with it, and the next start replays
 *     them all, in order, changing nothing.
 *   - A corrupt or truncated list file: that list answers
 *     {error, unavailable} (its server_process still {ok, Pid}), the file
 *     is left untouched, every other list works; a repaired file is
 *     read by the next start of that list's server.  The same for
 *     what the worker cannot give as a list file (not a regular file).
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <linux/fs.h>
#include <linux/sockios.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crash_util.h"
#include "fclient.h"
#include "fload.h"
#include "todolist.h"

#define NWORKERS	3

#ifdef TODOD_FAULTS
struct armed {
	char	dir[64];
	char	file[96];
};

/* The fault file's name, in a directory of its own (the file absent). */
static void
armed_init(struct armed *a)
{
	snprintf(a->dir, sizeof a->dir, "/tmp/todod-arm.XXXXXX");
	H_ASSERT(mkdtemp(a->dir) != NULL, "mkdtemp: %s", strerror(errno));
	snprintf(a->file, sizeof a->file, "%s/armed", a->dir);
}

/* Start a daemon (args: its extra arguments, NULL-terminated) with the
 * environment variable var set to val; asserts. */
static struct daemon *
start_with_env(const char *var, const char *val, const char *const *args)
{
	struct daemon	*d;

	setenv(var, val, 1);
	d = daemon_startv(args);
	unsetenv(var);
	H_ASSERT(d != NULL, "start: %s", h_err());
	return d;
}

/* Start a daemon with TODOD_FAULT=fault armed by a file (absent yet). */
static struct daemon *
start_faulty(const char *fault, struct armed *a)
{
	struct daemon	*d;

	armed_init(a);
	setenv("TODOD_FAULT", fault, 1);
	setenv("TODOD_FAULT_FILE", a->file, 1);
	d = daemon_start("-w", "3", NULL);
	unsetenv("TODOD_FAULT");
	unsetenv("TODOD_FAULT_FILE");
	H_ASSERT(d != NULL, "start: %s", h_err());
	return d;
}

static void
arm(const struct armed *a, bool on)
{
	if (on)
		H_ASSERT(cu_write_file(a->file, "", 0) == 0, "arm: %s",
		    strerror(errno));
	else
		unlink(a->file);
}

static void
armed_free(struct armed *a)
{
	unlink(a->file);
	rmdir(a->dir);
}
#endif /* TODOD_FAULTS */

static const struct etf_term *
call(struct fc *c, const char *what)
{
	const struct etf_term	*t;

	H_ASSERT(fc_call(c, h_ms(15000), &t) == FC_REPLY, "%s: %s", what,
	    c->err);
	return t;
}

static int64_t
fadd_ok(struct fc *c, const char *title)
{
	struct todo_date	 dd = { 2024, 8, 8 };
	const struct etf_term	*t;
	char			 buf[256];
	int64_t			 id;

	fc_q_add(c, dd, title);
	t = call(c, title);
	H_ASSERT(fc_ok_int(t, &id), "add %s: %s", title,
	    fc_print(t, buf, sizeof buf));
	return id;
}

/* sync on a new connection: whether it answered ok (its answer in buf). */
static bool
sync_is_ok(const struct daemon *d, char *buf, size_t len)
{
	const struct etf_term	*t;
	struct fc		 s;
	bool			 ok;

	fc_init(&s);
	H_ASSERT(fc_open(&s, d->sock, h_ms(5000)) == 0, "%s", s.err);
	fc_q_atom(&s, "sync");
	t = call(&s, "sync");
	ok = fc_is_ok(t);
	fc_print(t, buf, len);
	fc_free(&s);
	return ok;
}

static void
expect_error(struct fc *c, const char *reason, const char *what)
{
	const struct etf_term	*t = call(c, what);
	char			 buf[256];

	H_ASSERT(fc_is_error(t, reason), "%s: expected {error, %s}, got %s",
	    what, reason, fc_print(t, buf, sizeof buf));
}

/* The titles of a list's entries, in id order, joined by ','. */
static void
titles(struct fc *c, char *out, size_t len)
{
	const struct etf_term	*t;
	struct fm_seen		*s;
	size_t			 n, i, off = 0;
	char			 buf[256];

	fc_q_atom(c, "entries");
	t = call(c, "entries");
	H_ASSERT(fl_parse_entries(t, &s, &n) == 0, "entries: %s",
	    fc_print(t, buf, sizeof buf));
	out[0] = '\0';
	for (i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(out + off, len - off, "%s%s",
		    i ? "," : "", s[i].title);
	free(s);
}

/* The running d's list name holds the titles want (what, for the
 * message). */
static void
holds(const struct daemon *d, const char *name, const char *want,
    const char *what)
{
	struct fc	c;
	char		got[512];

	(void)cu_attach(d, &c, name);
	titles(&c, got, sizeof got);
	H_ASSERT(strcmp(got, want) == 0, "%s: %s holds \"%s\"", what, name,
	    got);
	fc_free(&c);
}

#ifdef TODOD_FAULTS
/* d stops cleanly and starts again, and name holds the titles want (what,
 * for the message); then d stops cleanly again. */
static void
restart_holds(struct daemon *d, const char *name, const char *want,
    const char *what)
{
	daemon_stop_ok(d);
	H_ASSERT(daemon_restart(d) == 0, "restart: %s", h_err());
	holds(d, name, want, what);
	daemon_stop_ok(d);
}

static void
file_titles(const struct daemon *d, const char *name, char *out, size_t len,
    int64_t *next_id)
{
	const struct todo_item	*it;
	struct todo_list	*l;
	char			 why[256];
	size_t			 off = 0;

	H_ASSERT(cu_load_list(d->data, name, &l, why, sizeof why) == 0,
	    "the file of %s: %s", name, why);
	out[0] = '\0';
	for (it = todolist_first(l); it != NULL && off < len;
	    it = todolist_next(l, it))
		off += (size_t)snprintf(out + off, len - off, "%s%.*s",
		    off ? "," : "", (int)it->title_len,
		    (const char *)it->title);
	*next_id = todolist_next_id(l);
	todolist_free(l);
}

/* name's file holds the titles want, and next as its next id (what, for
 * the message). */
static void
file_is(const struct daemon *d, const char *name, const char *want,
    int64_t next, const char *what)
{
	char	got[512];
	int64_t	got_next;

	file_titles(d, name, got, sizeof got, &got_next);
	H_ASSERT(strcmp(got, want) == 0 && got_next == next, "%s: the file "
	    "of %s holds \"%s\", next id %lld", what, name, got,
	    (long long)got_next);
}

/* d, stopped with a journal left, starts again and name holds want after
 * the replay; then a clean stop leaves no journal, and name's file holds
 * want, next as its next id. */
static void
replayed_then_clean(struct daemon *d, const char *name, const char *want,
    int64_t next)
{
	H_ASSERT(daemon_restart(d) == 0, "restart: %s", h_err());
	holds(d, name, want, "after the journal's replay");
	daemon_stop_ok(d);
	H_ASSERT(!h_journal_left(d), "a journal was left after a clean stop");
	file_is(d, name, want, next, "after a clean stop");
}

/*
 * sync on an unattached connection: the workers bring every list file up
 * to date (changes are journaled first, and files written at checkpoints).
 */
static void
sync_files(const struct daemon *d)
{
	char	buf[256];

	H_ASSERT(sync_is_ok(d, buf, sizeof buf), "sync: %s", buf);
}

/* lists on a new connection: the workers write the files of new lists;
 * the answer names name. */
static void
sync_new_files(const struct daemon *d, const char *name)
{
	const struct etf_term	*t;
	struct fc		 s;
	char			 buf[512];
	size_t			 i;
	bool			 found = false;

	fc_init(&s);
	H_ASSERT(fc_open(&s, d->sock, h_ms(5000)) == 0, "%s", s.err);
	fc_q_atom(&s, "lists");
	t = call(&s, "lists");
	H_ASSERT(etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "ok") &&
	    t->seq.v[1].type == ETF_LIST, "lists: %s",
	    fc_print(t, buf, sizeof buf));
	for (i = 0; i < t->seq.v[1].seq.n; i++)
		if (t->seq.v[1].seq.v[i].type == ETF_BINARY &&
		    t->seq.v[1].seq.v[i].bin.len == strlen(name) &&
		    memcmp(t->seq.v[1].seq.v[i].bin.p, name,
		    strlen(name)) == 0)
			found = true;
	H_ASSERT(found, "lists lacks %s: %s", name,
	    fc_print(t, buf, sizeof buf));
	fc_free(&s);
}

/* Queue sync on a new connection and leave it (for a crash during it). */
static void
sync_start(const struct daemon *d, struct fc *s)
{
	fc_init(s);
	H_ASSERT(fc_open(s, d->sock, h_ms(5000)) == 0, "%s", s->err);
	fc_q_atom(s, "sync");
	H_ASSERT(fc_flush(s, h_ms(5000)) == 0, "%s", s->err);
}

static pid_t
worker_pid(const struct daemon *d, int k)
{
	struct fc_stats	st;
	char		err[256];

	H_ASSERT(fc_stats(d->sock, &st, err, sizeof err) == 0, "%s", err);
	return st.workers[k];
}
#endif /* TODOD_FAULTS */

/* The tests that need fault injection (TODOD_FAULTS) come first. */
#ifdef TODOD_FAULTS
/* ---- crash points, the worker restarted ---- */

static void
crash_point_restart(const char *point)
{
	const char		*name = "crashme";
	const struct etf_term	*t;
	struct daemon		*d;
	struct armed		 a;
	struct fc		 c;
	struct todo_list	*l;
	char			 fault[64], got[512], why[256], buf[256];
	int64_t			 id, next, end;
	int			 k = fc_worker_of(name, NWORKERS), r;
	int			 reads = 0, olds = 0, news = 0;
	pid_t			 wpid;

	/* the second armed point crashes; the crash disarms the fault, so
	 * the worker that takes over (its recovery, the resend) runs */
	snprintf(fault, sizeof fault, "%s:2", point);
	setenv("TODOD_FAULT_ONCE", "1", 1);
	d = start_faulty(fault, &a);
	unsetenv("TODOD_FAULT_ONCE");
	(void)cu_attach(d, &c, name);
	fadd_ok(&c, "e1");
	sync_files(d);		/* the file: e1 (a first change is journaled) */
	arm(&a, true);
	fadd_ok(&c, "e2");
	wpid = worker_pid(d, k);

	fc_q_add(&c, (struct todo_date){ 2024, 8, 9 }, "e3");
	H_ASSERT(fc_flush(&c, h_ms(5000)) == 0, "%s", c.err);
	end = h_now_ms() + h_ms(20000);
	while ((r = fc_recv(&c, 1, &t)) != FC_REPLY) {
		H_ASSERT(r != FC_EOF, "e3: the connection was closed");
		H_ASSERT(h_now_ms() < end, "e3: no reply after the crash");
		/* meanwhile the file is always a whole list */
		H_ASSERT(cu_load_list(d->data, name, &l, why, sizeof why) ==
		    0, "the list file while the worker crashes: %s", why);
		/* the file is a checkpoint: e1 (written by the sync), or a
		 * later whole list */
		next = todolist_next_id(l);
		H_ASSERT(next >= 2 && next <= 4 &&
		    todolist_size(l) == (size_t)(next - 1), "the list file "
		    "holds %zu entries, next_id %lld", todolist_size(l),
		    (long long)next);
		if (next < 4)
			olds++;
		else
			news++;
		reads++;
		todolist_free(l);
	}
	H_ASSERT(fc_ok_int(t, &id) && id == 3, "e3 after the crash: %s",
	    fc_print(t, buf, sizeof buf));
	arm(&a, false);
	fprintf(stderr, "%s: the file read %d times during the crash "
	    "(%d old, %d new)\n", point, reads, olds, news);

	H_ASSERT(worker_pid(d, k) != wpid, "worker %d was not restarted", k);
	snprintf(buf, sizeof buf, "worker[%d] pid %d: killed by signal 9", k,
	    (int)wpid);
	H_ASSERT(h_log_count(d, buf) == 1, "no \"lost child: %s\"", buf);
	H_ASSERT(h_log_count(d, "fault injection: killed") == 1,
	    "the fault point was not reached once");
	H_ASSERT(cu_count_temps(d->data) == 0, "temporary files remain");
	sync_files(d);
	file_titles(d, name, got, sizeof got, &next);
	H_ASSERT(strcmp(got, "e1,e2,e3") == 0 && next == 4, "file: %s", got);
	titles(&c, got, sizeof got);
	H_ASSERT(strcmp(got, "e1,e2,e3") == 0, "entries: %s", got);
	fc_free(&c);
	restart_holds(d, name, "e1,e2,e3", "crash");
	daemon_free(d);
	armed_free(&a);
}

START_TEST(crash_after_write_restart)
{
	crash_point_restart("crash-after-write");
}
END_TEST

START_TEST(crash_after_fsync_restart)
{
	crash_point_restart("crash-after-fsync");
}
END_TEST

/*
 * Changes go to the journal; a list file is renamed into place at a
 * checkpoint, which sync asks for.  A worker killed during it (its new
 * file written, not renamed; or renamed, its records not dropped) is
 * restarted, and sync answers once the new worker has brought the file
 * up to date: the file is whole and current when the answer comes.
 */
static const char *sync_crash_points[] = {
	"crash-after-write", "crash-after-rename"
};

static bool
worker_replaced(void *arg)
{
	pid_t	*p = arg;

	return proc_state(*p) == 0 || proc_state(*p) == 'Z';
}

/* A daemon whose worker of name crashes at point during a sync (asked on
 * *s) after e1 and e2 were added on *c; its successor takes 1 s to start
 * (the sync waits for it).  The worker's pid, gone when this returns. */
static pid_t
sync_crash(const char *point, struct daemon **dp, struct armed *a,
    struct fc *c, struct fc *s, const char *name)
{
	int	k = fc_worker_of(name, NWORKERS);
	pid_t	wpid;

	setenv("TODOD_FAULT_ONCE", "1", 1);
	setenv("TODOD_FAULT_WORKER_DELAY_MS", "1000", 1);
	*dp = start_faulty(point, a);
	unsetenv("TODOD_FAULT_ONCE");
	unsetenv("TODOD_FAULT_WORKER_DELAY_MS");
	(void)cu_attach(*dp, c, name);
	fadd_ok(c, "e1");
	fadd_ok(c, "e2");
	wpid = worker_pid(*dp, k);
	arm(a, true);
	sync_start(*dp, s);
	H_ASSERT(h_poll(h_ms(10000), worker_replaced, &wpid), "worker %d did "
	    "not crash at %s", k, point);
	arm(a, false);
	return wpid;
}

START_TEST(crash_during_sync)
{
	const char		*name = "crashme";
	const struct etf_term	*t;
	struct daemon		*d;
	struct armed		 a;
	struct fc		 c, s;
	char			 got[512], buf[256];
	int64_t			 next;
	pid_t			 wpid;

	wpid = sync_crash(sync_crash_points[_i], &d, &a, &c, &s, name);
	t = call(&s, "sync");
	H_ASSERT(fc_is_ok(t), "sync across the crash: %s",
	    fc_print(t, buf, sizeof buf));
	fc_free(&s);
	file_titles(d, name, got, sizeof got, &next);
	H_ASSERT(strcmp(got, "e1,e2") == 0 && next == 3, "file when sync "
	    "answered: %s", got);
	snprintf(buf, sizeof buf, "worker[%d] pid %d: killed by signal 9",
	    fc_worker_of(name, NWORKERS), (int)wpid);
	H_ASSERT(h_log_count(d, buf) == 1, "no \"lost child: %s\"", buf);
	assert_serving(d);
	sync_files(d);
	H_ASSERT(cu_count_temps(d->data) == 0, "temporary files remain");
	file_titles(d, name, got, sizeof got, &next);
	H_ASSERT(strcmp(got, "e1,e2") == 0 && next == 3, "file: %s", got);
	H_ASSERT(fadd_ok(&c, "e3") == 3, "next id");
	fc_free(&c);
	restart_holds(d, name, "e1,e2,e3", "crash");
	daemon_free(d);
	armed_free(&a);
}
END_TEST

/*
 * Syncs are paced (workerproc.c): syncs that come right after one, here
 * four at once, wait for their moment and share one checkpoint, each
 * answered ok with the file current.  Each list file a checkpoint
 * prepares takes 300 ms (TODOD_FAULT_CKPT_DELAY_MS), so that the first
 * sync's duration makes the wait certain.
 */
START_TEST(syncs_paced)
{
	const char *const	 args[] = { "-w", "1", "-l", "debug", NULL };
	const char		*name = "paced";
	const struct etf_term	*t;
	struct daemon		*d;
	struct fc		 c, s[4];
	char			 got[512], buf[256];
	int64_t			 next;
	int			 i;

	d = start_with_env("TODOD_FAULT_CKPT_DELAY_MS", "300", args);
	(void)cu_attach(d, &c, name);
	fadd_ok(&c, "e1");
	sync_files(d);
	fadd_ok(&c, "e2");
	for (i = 0; i < 4; i++)
		sync_start(d, &s[i]);
	for (i = 0; i < 4; i++) {
		t = call(&s[i], "sync");
		H_ASSERT(fc_is_ok(t), "sync %d: %s", i,
		    fc_print(t, buf, sizeof buf));
		fc_free(&s[i]);
	}
	file_titles(d, name, got, sizeof got, &next);
	H_ASSERT(strcmp(got, "e1,e2") == 0, "file: %s", got);
	H_ASSERT(h_logged(d, "sync: one checkpoint answers 4 requests",
	    h_ms(5000)), "the four syncs were not answered together");
	fc_free(&c);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/*
 * The same crash, and the successor cannot bring the list's file up to
 * date (something not a list file took its place meanwhile): the sync
 * waiting for it fails instead of answering ok; the changes stay in the
 * journal, and a later sync writes them once the file can be.
 */
START_TEST(crash_during_sync_behind)
{
	const char		*name = "crashme";
	const struct etf_term	*t;
	struct daemon		*d;
	struct armed		 a;
	struct fc		 c, s;
	char			 got[512], buf[256], path[512];
	int64_t			 next;

	(void)sync_crash("crash-after-write", &d, &a, &c, &s, name);
	snprintf(path, sizeof path, "%s/%s", d->data, name);
	H_ASSERT(cu_write_file(path, "not a list\n", 11) == 0, "%s", path);
	t = call(&s, "sync");
	H_ASSERT(fc_is_error(t, "unavailable"), "sync when the file could "
	    "not be written: %s", fc_print(t, buf, sizeof buf));
	fc_free(&s);
	H_ASSERT(h_log_count(d, "1 lists keep their changes in the journal: "
	    "their files could not be written") == 1, "recovery did not say "
	    "what it left");
	H_ASSERT(unlink(path) == 0, "%s", path);
	sync_files(d);
	file_titles(d, name, got, sizeof got, &next);
	H_ASSERT(strcmp(got, "e1,e2") == 0 && next == 3, "file: %s", got);
	titles(&c, got, sizeof got);
	H_ASSERT(strcmp(got, "e1,e2") == 0, "entries: %s", got);
	fc_free(&c);
	daemon_stop_ok(d);
	daemon_free(d);
	armed_free(&a);
}
END_TEST

/* ---- crash points, then the whole daemon killed ---- */

static bool
pid_gone(void *arg)
{
	pid_t	*p = arg;

	return proc_state(*p) == 0 || proc_state(*p) == 'Z';
}

static bool
no_orphans(void *arg)
{
	return cu_orphans(0, NULL) == 0;
}

static void
crash_point_full(const char *point, bool renamed)
{
	const char	*name = "crashme";
	struct daemon	*d;
	struct armed	 a;
	struct fc	 c;
	uint8_t		*before, *after;
	size_t		 blen, alen;
	char		 path[256], got[512];
	int64_t		 next;
	int		 k = fc_worker_of(name, NWORKERS), temps;
	pid_t		 wpid;

	struct fc	 s;
	int		 e3_seen;

	d = start_faulty(point, &a);
	(void)cu_attach(d, &c, name);
	fadd_ok(&c, "e1");
	sync_files(d);		/* the file: e1; e2 is journaled */
	fadd_ok(&c, "e2");
	snprintf(path, sizeof path, "%s/%s", d->data, name);
	H_ASSERT(cu_read_file(path, &before, &blen) == 0, "%s", path);
	wpid = worker_pid(d, k);
	arm(&a, true);
	if (renamed)
		sync_start(d, &s);	/* a checkpoint renames the file */
	else {
		fc_q_add(&c, (struct todo_date){ 2024, 8, 9 }, "e3");
		H_ASSERT(fc_flush(&c, h_ms(5000)) == 0, "%s", c.err);
	}
	/* every later worker crashes at the same point: kill all at once */
	H_ASSERT(h_poll(h_ms(10000), pid_gone, &wpid), "worker %d did not "
	    "crash at %s", k, point);
	daemon_kill(d);
	if (renamed)
		fc_free(&s);
	/* a worker forked just before the kill goes with its parent */
	H_ASSERT(h_poll(2000, no_orphans, NULL), "processes of the killed "
	    "daemon remain after 2 s");
	fc_free(&c);

	temps = cu_count_temps(d->data);
	H_ASSERT(cu_read_file(path, &after, &alen) == 0, "%s", path);
	file_titles(d, name, got, sizeof got, &next);
	if (renamed)
		H_ASSERT(strcmp(got, "e1,e2") == 0 && next == 3,
		    "after a crash past the rename the file holds %s", got);
	else {
		H_ASSERT(alen == blen && memcmp(before, after, blen) == 0,
		    "a crash before the rename changed the file (now %s)",
		    got);
	}
	/* (a restarted worker removes the temporary files of the one
	 * before it, so there may be none left by now) */
	fprintf(stderr, "%s, daemon killed: %d temporary files left\n",
	    point, temps);
	free(before);
	free(after);

	arm(&a, false);
	H_ASSERT(cu_wait_unlocked(d->data, 2000), "the data directory is "
	    "still locked 2 s after the daemon was killed");
	H_ASSERT(daemon_restart(d) == 0, "restart: %s", h_err());
	H_ASSERT(cu_count_temps(d->data) == 0, "%d temporary files remain "
	    "after the next start", cu_count_temps(d->data));
	(void)cu_attach(d, &c, name);
	titles(&c, got, sizeof got);
	/* e3 was requested but never acknowledged: a journal record that
	 * reached the file system may be replayed, or not */
	e3_seen = strcmp(got, "e1,e2,e3") == 0;
	H_ASSERT(e3_seen ? !renamed : strcmp(got, "e1,e2") == 0,
	    "after the next start: %s", got);
	H_ASSERT(fadd_ok(&c, "e4") == (e3_seen ? 4 : 3), "next id");
	fc_free(&c);
	daemon_stop_ok(d);
	daemon_free(d);
	armed_free(&a);
}

START_TEST(crash_after_write_full)
{
	crash_point_full("crash-after-write", false);
}
END_TEST

START_TEST(crash_after_fsync_full)
{
	crash_point_full("crash-after-fsync", false);
}
END_TEST

START_TEST(crash_after_rename_full)
{
	crash_point_full("crash-after-rename", true);
}
END_TEST

/* ---- disk full ---- */

/* sync on a full disk: {error, unavailable}, the changes kept in the
 * journal; once there is room, sync writes them. */
START_TEST(sync_disk_full)
{
	const struct etf_term	*t;
	struct daemon		*d;
	struct armed		 a;
	struct fc		 c, s;
	char			 got[256], buf[256];
	int64_t			 next;

	d = start_faulty("enospc", &a);
	(void)cu_attach(d, &c, "sf");
	fadd_ok(&c, "s1");	/* journaled: no file yet */
	arm(&a, true);
	fc_init(&s);
	H_ASSERT(fc_open(&s, d->sock, h_ms(5000)) == 0, "%s", s.err);
	fc_q_atom(&s, "sync");
	t = call(&s, "sync on a full disk");
	H_ASSERT(fc_is_error(t, "unavailable"), "sync on a full disk: %s",
	    fc_print(t, buf, sizeof buf));
	arm(&a, false);
	fc_q_atom(&s, "sync");
	t = call(&s, "sync with room");
	H_ASSERT(fc_is_ok(t), "sync with room: %s",
	    fc_print(t, buf, sizeof buf));
	fc_free(&s);
	file_titles(d, "sf", got, sizeof got, &next);
	H_ASSERT(strcmp(got, "s1") == 0 && next == 2, "file: %s", got);
	fc_free(&c);
	daemon_stop_ok(d);
	daemon_free(d);
	armed_free(&a);
}
END_TEST

/* The workers are those of before: none was started again. */
static void
workers_kept(const struct daemon *d, const struct daemon_pids *before)
{
	struct daemon_pids	 after;
	size_t			 i;

	H_ASSERT(daemon_pids(d, &after) == 0, "pids: %s", h_err());
	for (i = 0; i < before->nworkers; i++)
		H_ASSERT(before->workers[i] == after.workers[i], "worker %zu "
		    "was started again", i);
}

/*
 * A file system gone read-only (erofs: a journal write fails before any
 * byte, and the journal cannot be cut back either): changes are answered
 * unavailable, reads go on, and the worker stays (it used to find it
 * could not void the round, exit unanswered, and be started again into
 * the same, until the daemon stopped).  Once writes go through again,
 * so do changes, with the next id.
 */
START_TEST(read_only)
{
	struct daemon_pids	 before;
	struct daemon		*d;
	struct armed		 a;
	struct fc		 c;
	struct todo_date	 dd = { 2024, 9, 9 };
	char			 got[256];
	size_t			 i;

	d = start_faulty("erofs", &a);
	(void)cu_attach(d, &c, "ro");
	fadd_ok(&c, "r1");
	H_ASSERT(daemon_pids(d, &before) == 0, "pids: %s", h_err());
	arm(&a, true);
	for (i = 0; i < 5; i++) {
		fc_q_add(&c, dd, "r2");
		expect_error(&c, "unavailable", "add on a read-only disk");
	}
	titles(&c, got, sizeof got);
	H_ASSERT(strcmp(got, "r1") == 0, "entries: %s", got);
	workers_kept(d, &before);
	H_ASSERT(h_log_count(d, "cannot cut it back") == 0, "a round that "
	    "wrote nothing was made void");
	arm(&a, false);
	H_ASSERT(fadd_ok(&c, "r2") == 2, "the first id after is not 2");
	fc_free(&c);
	restart_holds(d, "ro", "r1,r2", "read-only");
	daemon_free(d);
	armed_free(&a);
}
END_TEST

/*
 * A journal write that fails part-way through on a file that cannot be
 * cut back (eio-nocut): the worker seals the file where the write began
 * and goes on in a new generation.  The change is answered unavailable,
 * the worker is not started again, the next change goes through with
 * the next id, and a restart reads the sealed file up to its seal
 * without keeping it as damaged.
 */
START_TEST(journal_sealed)
{
	struct daemon_pids	 before;
	struct daemon		*d;
	struct armed		 a;
	struct fc		 c;
	struct todo_date	 dd = { 2024, 9, 9 };
	char			 got[256];

	d = start_faulty("eio-nocut", &a);
	(void)cu_attach(d, &c, "sealed");
	fadd_ok(&c, "s1");
	H_ASSERT(daemon_pids(d, &before) == 0, "pids: %s", h_err());
	arm(&a, true);
	fc_q_add(&c, dd, "s2");
	expect_error(&c, "unavailable", "add to a journal that fails");
	arm(&a, false);
	H_ASSERT(h_log_count(d, "sealed at") == 1, "the journal was not "
	    "sealed (%d lines)", h_log_count(d, "sealed at"));
	titles(&c, got, sizeof got);
	H_ASSERT(strcmp(got, "s1") == 0, "entries: %s", got);
	H_ASSERT(fadd_ok(&c, "s2") == 2, "the first id after is not 2");
	H_ASSERT(fadd_ok(&c, "s3") == 3, "the next id is not 3");
	workers_kept(d, &before);
	fc_free(&c);
	restart_holds(d, "sealed", "s1,s2,s3", "sealed journal");
	H_ASSERT(cu_count_prefix(d->data, ".damaged-journal") == 0,
	    "a sealed journal was kept as damaged");
	daemon_free(d);
	armed_free(&a);
}
END_TEST

START_TEST(disk_full)
{
	const struct etf_term	*t;
	struct daemon		*d;
	struct armed		 a;
	struct fc		 c, o, f;
	struct todo_date	 dd = { 2024, 9, 9 };
	uint8_t			*before, *after;
	size_t			 blen, alen;
	char			 path[256], got[512], buf[256];
	int64_t			 next, v;
	int			 i;

	d = start_faulty("enospc", &a);
	(void)cu_attach(d, &c, "full");
	fadd_ok(&c, "f1");
	fadd_ok(&c, "f2");
	(void)cu_attach(d, &o, "other");
	fadd_ok(&o, "o1");
	sync_files(d);		/* their files (first changes are journaled) */
	snprintf(path, sizeof path, "%s/full", d->data);
	H_ASSERT(cu_read_file(path, &before, &blen) == 0, "%s", path);

	arm(&a, true);
	fc_q_add(&c, dd, "f3");
	expect_error(&c, "unavailable", "add on a full disk");
	fc_q_update(&c, 1, &dd, "f1 changed");
	expect_error(&c, "unavailable", "update on a full disk");
	fc_q_delete(&c, 2);
	expect_error(&c, "unavailable", "delete on a full disk");
	/* An answer that rests on a change not durable yet goes with it: an
	 * update pipelined behind a delete of its entry that fails is
	 * unavailable as well, not not_found (the entry is still there; it
	 * was not_found, and so was another connection's update while the
	 * delete was in flight). */
	fc_q_delete(&c, 2);
	fc_q_update(&c, 2, NULL, "f2 changed");
	expect_error(&c, "unavailable", "delete on a full disk, pipelined");
	expect_error(&c, "unavailable", "update behind that delete");
	/* Each failure is not a line of the log: a full disk fails every
	 * store (it wrote two lines per store, hundreds of thousands a
	 * minute under load, to a log that may share the disk). */
	for (i = 0; i < 20; i++) {
		fc_q_add(&c, dd, "again");
		expect_error(&c, "unavailable", "add on a full disk, again");
	}
	H_ASSERT(h_log_count(d, "store failed") <= 2 &&
	    h_log_count(d, "journal write failed") <= 2, "%d and %d lines "
	    "for 25 failed stores", h_log_count(d, "store failed"),
	    h_log_count(d, "journal write failed"));
	titles(&c, got, sizeof got);
	H_ASSERT(strcmp(got, "f1,f2") == 0, "entries on the same connection "
	    "after refused changes: %s", got);
	(void)cu_attach(d, &f, "full");
	titles(&f, got, sizeof got);
	H_ASSERT(strcmp(got, "f1,f2") == 0, "entries on a fresh connection: "
	    "%s", got);
	fc_q_atom(&f, "size");
	t = call(&f, "size");
	H_ASSERT(fc_ok_int(t, &v) && v == 2, "size: %s",
	    fc_print(t, buf, sizeof buf));
	fc_free(&f);
	H_ASSERT(cu_read_file(path, &after, &alen) == 0, "%s", path);
	H_ASSERT(alen == blen && memcmp(before, after, blen) == 0,
	    "the file changed on a full disk");
	free(after);
	H_ASSERT(cu_count_temps(d->data) == 0, "temporary files remain");
	titles(&o, got, sizeof got);
	H_ASSERT(strcmp(got, "o1") == 0, "another list: %s", got);
	fc_q_add(&o, dd, "o2");
	expect_error(&o, "unavailable", "add to another list on a full disk");
	assert_serving(d);

	arm(&a, false);
	H_ASSERT(fadd_ok(&c, "f3") == 3, "the first id after the disk full "
	    "is not 3: a refused add used an id");
	fc_q_update(&c, 1, &dd, "f1 changed");
	t = call(&c, "update");
	H_ASSERT(fc_ok_value(t) != NULL, "update after the disk full: %s",
	    fc_print(t, buf, sizeof buf));
	fc_q_delete(&c, 2);
	t = call(&c, "delete");
	H_ASSERT(fc_is_ok(t), "delete: %s", fc_print(t, buf, sizeof buf));
	fadd_ok(&o, "o2");
	sync_files(d);
	file_titles(d, "full", got, sizeof got, &next);
	H_ASSERT(strcmp(got, "f1 changed,f3") == 0 && next == 4, "file: %s, "
	    "next_id %lld", got, (long long)next);
	fc_free(&c);
	fc_free(&o);
	free(before);
	restart_holds(d, "full", "f1 changed,f3", "disk full");
	daemon_free(d);
	armed_free(&a);
}
END_TEST

/* ---- the first change of a new list ---- */

/*
 * The first changes of a new list (journaled), then its file (written
 * when a client asks for the lists): a worker killed at any point, the
 * batch in flight is resent to the worker that takes over: every change
 * is acknowledged once and is there after a restart.  (A worker that
 * journaled a Seq before the file it stood for was in place acknowledged
 * the resent batch without writing it.)
 */
static const char *const new_list_points[] = {
	"crash-after-write:1", "crash-after-write:2", "crash-after-fsync:1",
	"crash-after-fsync:2", "crash-after-rename:1"
};

START_TEST(crash_new_list)
{
	const char	*point = new_list_points[_i];
	struct daemon	*d;
	struct armed	 a;
	struct fc	 c;
	int64_t		 id;

	setenv("TODOD_FAULT_ONCE", "1", 1);
	d = start_faulty(point, &a);
	unsetenv("TODOD_FAULT_ONCE");
	(void)cu_attach(d, &c, "fresh");
	arm(&a, true);
	id = fadd_ok(&c, "n1");
	H_ASSERT(id == 1, "%s: n1 got id %lld", point, (long long)id);
	id = fadd_ok(&c, "n2");
	H_ASSERT(id == 2, "%s: n2 got id %lld", point, (long long)id);
	sync_new_files(d, "fresh");
	arm(&a, false);
	fc_free(&c);
	H_ASSERT(h_log_count(d, "fault injection: killed") <= 1,
	    "%s: more than one crash", point);
	fprintf(stderr, "new list, %s: the worker %s\n", point,
	    h_log_count(d, "fault injection: killed") == 1 ? "crashed" :
	    "did not crash (no such point)");
	restart_holds(d, "fresh", "n1,n2", point);
	armed_free(&a);
	daemon_free(d);
}
END_TEST

#endif /* TODOD_FAULTS */

/* ---- corrupt list files ---- */

static void
all_unavailable(const struct daemon *d, const char *name)
{
	struct todo_date	dd = { 2024, 1, 1 };
	struct fc		c;
	char			what[128];

	(void)cu_attach(d, &c, name);
	snprintf(what, sizeof what, "%s: entries", name);
	fc_q_atom(&c, "entries");
	expect_error(&c, "unavailable", what);
	fc_q_entries_on(&c, dd);
	expect_error(&c, "unavailable", what);
	fc_q_atom(&c, "size");
	expect_error(&c, "unavailable", what);
	fc_q_add(&c, dd, "x");
	snprintf(what, sizeof what, "%s: add", name);
	expect_error(&c, "unavailable", what);
	fc_q_update(&c, 1, NULL, "y");
	snprintf(what, sizeof what, "%s: update", name);
	expect_error(&c, "unavailable", what);
	fc_q_delete(&c, 1);
	snprintf(what, sizeof what, "%s: delete", name);
	expect_error(&c, "unavailable", what);
	fc_free(&c);
}

static void
assert_same(const char *path, const uint8_t *want, size_t len)
{
	uint8_t	*got;
	size_t	 glen;

	H_ASSERT(cu_read_file(path, &got, &glen) == 0, "%s: %s", path,
	    strerror(errno));
	H_ASSERT(glen == len && memcmp(got, want, len) == 0, "%s was "
	    "changed", path);
	free(got);
}

struct named_list {
	const struct daemon	*d;
	const char		*name;
};

/* The list (a struct named_list) has no live server (stats). */
static bool
list_stopped(void *arg)
{
	const struct named_list	*nl = arg;
	const struct etf_term	*t, *l, *n;
	struct conn		*c;
	size_t			 i, len = strlen(nl->name);
	bool			 live = true;

	if ((c = conn_open(nl->d)) == NULL)
		return false;
	if (conn_sendf(c, "stats") == 0 &&
	    (t = conn_recv(c, h_ms(H_REPLY_MS))) != NULL &&
	    etf_is_tuple(t, 2) && t->seq.v[1].type == ETF_MAP &&
	    (l = etf_map_get(&t->seq.v[1], "lists")) != NULL &&
	    l->type == ETF_LIST) {
		live = false;
		for (i = 0; i < l->seq.n; i++)
			if ((n = etf_map_get(&l->seq.v[i], "name")) != NULL &&
			    n->type == ETF_BINARY && n->bin.len == len &&
			    memcmp(n->bin.p, nl->name, len) == 0)
				live = true;
	}
	conn_close(c);
	return !live;
}

START_TEST(corrupt_file)
{
	struct daemon	*d;
	struct fc	 c;
	uint8_t		 garbage[1000], *good, *trunc;
	size_t		 glen, i;
	char		 pg[256], pc[256], pt[256], got[512];
	unsigned	 seed = 7;

	d = daemon_start_ok(NULL);
	(void)cu_attach(d, &c, "good");
	fadd_ok(&c, "g1");
	fadd_ok(&c, "g2");
	fc_free(&c);
	daemon_stop_ok(d);
	snprintf(pg, sizeof pg, "%s/good", d->data);
	snprintf(pc, sizeof pc, "%s/corrupt", d->data);
	snprintf(pt, sizeof pt, "%s/torn", d->data);
	garbage[0] = 131;
	for (i = 1; i < sizeof garbage; i++)
		garbage[i] = (uint8_t)rand_r(&seed);
	H_ASSERT(cu_write_file(pc, garbage, sizeof garbage) == 0, "%s", pc);
	H_ASSERT(cu_read_file(pg, &good, &glen) == 0, "%s", pg);
	H_ASSERT((trunc = malloc(glen)) != NULL, "out of memory");
	memcpy(trunc, good, glen);
	H_ASSERT(cu_write_file(pt, trunc, glen / 2) == 0, "%s", pt);
	H_ASSERT(daemon_restart(d) == 0, "restart: %s", h_err());

	all_unavailable(d, "corrupt");
	all_unavailable(d, "torn");
	(void)cu_attach(d, &c, "good");
	titles(&c, got, sizeof got);
	H_ASSERT(strcmp(got, "g1,g2") == 0, "good: %s", got);
	H_ASSERT(fadd_ok(&c, "g3") == 3, "good: add");
	fc_free(&c);
	(void)cu_attach(d, &c, "fresh");
	H_ASSERT(fadd_ok(&c, "n1") == 1, "a new list: add");
	fc_free(&c);
	assert_serving(d);
	assert_same(pc, garbage, sizeof garbage);
	assert_same(pt, trunc, glen / 2);

	/* repaired while the daemon runs: the server of a list that could
	 * not be read stops a second after its last client left (not after
	 * the idle timeout, 300 s), and the next one reads the file */
	H_ASSERT(cu_write_file(pt, good, glen) == 0, "%s", pt);
	H_ASSERT(h_poll(h_ms(H_REPLY_MS), list_stopped,
	    &(struct named_list){ d, "torn" }), "the server of an unreadable "
	    "list did not stop");
	holds(d, "torn", "g1,g2", "a file repaired while the daemon runs");
	all_unavailable(d, "corrupt");
	/* and across a restart */
	daemon_stop_ok(d);
	assert_same(pc, garbage, sizeof garbage);
	H_ASSERT(daemon_restart(d) == 0, "restart: %s", h_err());
	holds(d, "torn", "g1,g2", "a repaired file, after a restart");
	all_unavailable(d, "corrupt");
	daemon_stop_ok(d);
	assert_same(pc, garbage, sizeof garbage);
	free(good);
	free(trunc);
	daemon_free(d);
}
END_TEST

/* The list name of the running d answers {ok, 0} to size, and takes an
 * add. */
static void
empty_list_works(const struct daemon *d, const char *name)
{
	struct fc	c;

	H_ASSERT(cu_size(d, name) == 0, "%s: size", name);
	(void)cu_attach(d, &c, name);
	H_ASSERT(fadd_ok(&c, "n1") == 1, "%s: add", name);
	fc_free(&c);
}

/*
 * Not a regular file where a list's file goes (a directory, a FIFO): the
 * worker cannot give it to the list's server, which answers
 * {error, unavailable} to everything, as for a corrupt file, and stops
 * a second after its last client left, so that the next one looks
 * again.  The entry is left alone; other lists, lists and sync work.
 * Once it is gone, the list starts empty.
 */
START_TEST(unloadable_file)
{
	const struct etf_term	*t;
	struct daemon		*d;
	struct fc		 c;
	struct stat		 st;
	char			 pd[256], pf[256], buf[256];

	d = daemon_start_ok(NULL);
	(void)cu_attach(d, &c, "good");
	fadd_ok(&c, "g1");
	fc_free(&c);
	snprintf(pd, sizeof pd, "%s/dir", d->data);
	snprintf(pf, sizeof pf, "%s/fifo", d->data);
	H_ASSERT(mkdir(pd, 0700) == 0, "mkdir %s: %s", pd, strerror(errno));
	H_ASSERT(mkfifo(pf, 0600) == 0, "mkfifo %s: %s", pf, strerror(errno));

	all_unavailable(d, "dir");
	all_unavailable(d, "fifo");
	holds(d, "good", "g1", "another list");
	fc_init(&c);
	H_ASSERT(fc_open(&c, d->sock, h_ms(5000)) == 0, "%s", c.err);
	fc_q_atom(&c, "lists");
	t = call(&c, "lists");
	H_ASSERT(fc_ok_value(t) != NULL, "lists: %s", fc_print(t, buf,
	    sizeof buf));
	fc_q_atom(&c, "sync");
	t = call(&c, "sync");
	H_ASSERT(fc_is_ok(t), "sync: %s", fc_print(t, buf,
	    sizeof buf));
	fc_free(&c);
	H_ASSERT(h_log_count(d, "list cannot be loaded") >= 2, "the lists "
	    "that cannot be loaded were not logged");
	H_ASSERT(lstat(pd, &st) == 0 && S_ISDIR(st.st_mode), "%s was "
	    "changed", pd);
	H_ASSERT(lstat(pf, &st) == 0 && S_ISFIFO(st.st_mode), "%s was "
	    "changed", pf);

	H_ASSERT(h_poll(h_ms(H_REPLY_MS), list_stopped,
	    &(struct named_list){ d, "dir" }), "the server of a list that "
	    "cannot be loaded did not stop");
	H_ASSERT(rmdir(pd) == 0, "rmdir %s: %s", pd, strerror(errno));
	empty_list_works(d, "dir");
	H_ASSERT(h_poll(h_ms(H_REPLY_MS), list_stopped,
	    &(struct named_list){ d, "fifo" }), "the server of a list that "
	    "cannot be loaded did not stop");
	H_ASSERT(unlink(pf) == 0, "unlink %s: %s", pf, strerror(errno));
	empty_list_works(d, "fifo");
	assert_serving(d);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/* The cache counts no connection of this user but the one that asks:
 * a list server has told it of the close of its last (a count of the
 * server's descriptors would not say so, its link to a worker coming
 * at any moment). */
static bool
only_stats_conn(void *arg)
{
	const struct daemon	*d = arg;
	struct fc_stats		 st;
	char			 err[256];

	return fc_stats(d->sock, &st, err, sizeof(err)) == 0 &&
	    st.my_conns == 1;
}

/*
 * The same when the list's only client has left before the worker's
 * answer came (the worker stopped meanwhile): the server, already told
 * idle to the cache with the idle timeout running (300 s), must still
 * stop a second after the load failed, not at the timeout.
 */
START_TEST(unloadable_after_idle)
{
	struct daemon_pids	 dp;
	struct daemon		*d;
	struct fc		 c;
	char			 pd[256];

	d = daemon_start_ok("-w", "1", NULL);
	H_ASSERT(daemon_pids(d, &dp) == 0 && dp.nworkers == 1, "pids: %s",
	    h_err());
	snprintf(pd, sizeof pd, "%s/dir", d->data);
	H_ASSERT(mkdir(pd, 0700) == 0, "mkdir %s: %s", pd, strerror(errno));
	H_ASSERT(kill(dp.workers[0], SIGSTOP) == 0, "SIGSTOP");
	(void)cu_attach(d, &c, "dir");
	fc_free(&c);
	/* The server has closed the connection, and said it is idle (in
	 * the same step, after telling the cache of the close). */
	if (!h_poll(h_ms(H_REPLY_MS), only_stats_conn, d)) {
		kill(dp.workers[0], SIGCONT);
		H_ASSERT(0, "the list server kept its closed connection");
	}
	H_ASSERT(kill(dp.workers[0], SIGCONT) == 0, "SIGCONT");
	H_ASSERT(h_logged(d, "list cannot be loaded", h_ms(H_REPLY_MS)),
	    "the load did not fail");
	H_ASSERT(h_poll(h_ms(H_REPLY_MS), list_stopped,
	    &(struct named_list){ d, "dir" }), "the server of a list that "
	    "could not be loaded after its client left did not stop");
	H_ASSERT(rmdir(pd) == 0, "rmdir %s: %s", pd, strerror(errno));
	empty_list_works(d, "dir");
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/* todod on d's data directory with -w workers and a socket of its own,
 * which must stop, with a status other than 0, within 30 s: what it
 * said, into out. */
static void
start_refused(const struct daemon *d, const char *workers, char *out,
    size_t outlen)
{
	char sock2[200];
	int64_t ms;
	int st;

	snprintf(sock2, sizeof sock2, "%s/s2.sock", d->dir);
	st = cu_run_todod(h_ms(30000), out, outlen, &ms, "-f", "-s", sock2,
	    "-d", d->data, "-w", workers, NULL);
	H_ASSERT(st != -1, "todod did not exit within %d ms: %s",
	    h_ms(30000), out);
	H_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) != 0, "wait status %#x: "
	    "%s", st, out);
}

/* The name of worker 0's journal generation in dir, into name. */
static bool
journal_of_worker0(const char *dir, char *name, size_t len)
{
	struct dirent *de;
	DIR *dd;
	bool found = false;

	if ((dd = opendir(dir)) == NULL)
		return false;
	while (!found && (de = readdir(dd)) != NULL)
		if (strncmp(de->d_name, ".journal-w0-", 12) == 0) {
			snprintf(name, len, "%s", de->d_name);
			found = true;
		}
	closedir(dd);
	return found;
}

/*
 * A crash leaves a journal with a change; before the next start it is
 * moved away and a link put in its place.  The link is no journal, and
 * a start that passed over it would serve the list without the change
 * (and give its id again): todod does not start, and says why.  With the
 * journal back, the change is there.
 */
START_TEST(journal_link_refused)
{
	struct daemon	*d;
	struct fc	 c;
	char		 out[8192], jn[256], path[768], moved[512];
	int64_t		 n;

	d = daemon_start_ok("-w", "1", NULL);
	(void)cu_attach(d, &c, "linked");
	fadd_ok(&c, "kept");
	fc_free(&c);
	cu_kill_wait(d);
	H_ASSERT(journal_of_worker0(d->data, jn, sizeof jn), "no journal");
	snprintf(path, sizeof path, "%s/%s", d->data, jn);
	snprintf(moved, sizeof moved, "%s/moved-journal", d->dir);
	H_ASSERT(rename(path, moved) == 0 && symlink(moved, path) == 0,
	    "link: %s", strerror(errno));

	start_refused(d, "1", out, sizeof out);
	H_ASSERT(strstr(out, "not a regular file") != NULL &&
	    strstr(out, "refuses to start: stopping") != NULL, "todod does "
	    "not say why: %s", out);

	H_ASSERT(unlink(path) == 0 && rename(moved, path) == 0, "back: %s",
	    strerror(errno));
	H_ASSERT(daemon_restart(d) == 0, "restart: %s", h_err());
	H_ASSERT((n = cu_size(d, "linked")) == 1, "size after the replay: "
	    "%lld", (long long)n);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/*
 * A list's file moved out of the data directory and a symbolic link to
 * it put in its place, with a change of the list still in the journal:
 * the checkpoint of a sync does not follow the link (nor replace it, nor
 * write through it), whether it reads the old file whole (a small list,
 * _i 0) or streams it (one of 256 KiB and more, _i 1); sync answers
 * unavailable and the change stays in the journal.  With the file back,
 * the next sync writes it, the change included.
 */
START_TEST(checkpoint_link_not_followed)
{
	struct daemon		*d;
	struct fc		 c;
	struct todo_list	*l;
	struct stat		 st;
	char			 title[1001], path[512], moved[512], buf[256];
	uint8_t			*before, *after;
	size_t			 blen, alen;
	int			 i, n = _i == 0 ? 3 : 300;

	d = daemon_start_ok("-w", "1", NULL);
	(void)cu_attach(d, &c, "linked");
	memset(title, 'x', sizeof title - 1);
	title[sizeof title - 1] = '\0';
	for (i = 0; i < n; i++) {
		title[0] = (char)('a' + i % 26);
		if (_i == 0)
			title[8] = '\0';
		fadd_ok(&c, title);
	}
	H_ASSERT(sync_is_ok(d, buf, sizeof buf), "first sync: %s", buf);
	fadd_ok(&c, "last");
	snprintf(path, sizeof path, "%s/linked", d->data);
	snprintf(moved, sizeof moved, "%s/linked-moved", d->dir);
	H_ASSERT(lstat(path, &st) == 0 && (_i == 0 || st.st_size >= 256 *
	    1024), "the file of linked: %lld bytes", (long long)st.st_size);
	H_ASSERT(rename(path, moved) == 0 && symlink(moved, path) == 0,
	    "link: %s", strerror(errno));
	H_ASSERT(cu_read_file(moved, &before, &blen) == 0, "%s: %s", moved,
	    strerror(errno));

	H_ASSERT(!sync_is_ok(d, buf, sizeof buf) && strstr(buf,
	    "unavailable") != NULL, "sync through a link: %s", buf);
	H_ASSERT(h_logged(d, "Too many levels of symbolic links",
	    h_ms(H_REPLY_MS)), "the link was not logged");
	H_ASSERT(lstat(path, &st) == 0 && S_ISLNK(st.st_mode), "the link "
	    "was replaced");
	H_ASSERT(cu_read_file(moved, &after, &alen) == 0, "%s: %s", moved,
	    strerror(errno));
	H_ASSERT(alen == blen && memcmp(before, after, blen) == 0, "the "
	    "file the link leads to was changed");
	free(before);
	free(after);

	H_ASSERT(unlink(path) == 0 && rename(moved, path) == 0, "back: %s",
	    strerror(errno));
	H_ASSERT(sync_is_ok(d, buf, sizeof buf), "sync with the file back: "
	    "%s", buf);
	H_ASSERT(cu_load_list(d->data, "linked", &l, buf, sizeof buf) == 0,
	    "the file of linked: %s", buf);
	H_ASSERT(todolist_size(l) == (size_t)n + 1, "the file holds %zu "
	    "entries, not %d", todolist_size(l), n + 1);
	todolist_free(l);
	fc_free(&c);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/*
 * The data directory removed while the daemon runs: a change synced to
 * the journal would be on no disk a start reads (the journal is
 * unlinked with the directory), so none is acknowledged; reads go on.
 */
START_TEST(data_dir_removed)
{
	struct daemon		*d;
	struct fc		 c;
	struct todo_date	 dd = { 2024, 9, 9 };
	char			 moved[512], got[256];

	d = daemon_start_ok("-w", "1", NULL);
	(void)cu_attach(d, &c, "gone");
	fadd_ok(&c, "g1");
	snprintf(moved, sizeof moved, "%s/removed", d->dir);
	H_ASSERT(rename(d->data, moved) == 0, "rename: %s", strerror(errno));
	h_rmtree(moved);
	fc_q_add(&c, dd, "g2");
	expect_error(&c, "unavailable", "add once the directory is gone");
	H_ASSERT(h_logged(d, "is no longer in the data directory",
	    h_ms(H_REPLY_MS)), "not logged");
	titles(&c, got, sizeof got);
	H_ASSERT(strcmp(got, "g1") == 0, "entries: %s", got);
	fc_free(&c);
	/* Its files cannot be written at the stop. */
	H_ASSERT(daemon_stop_status(d, 1) == 0, "stop: %s", h_err());
	daemon_free(d);
}
END_TEST

/*
 * A list server that cannot be started (the spawner's fork fails while
 * the fault file exists): the attach is answered {error, busy} after a
 * few tries, not retried for ever; lists already running go on; once
 * servers can start again, the list attaches and keeps its changes.
 */
#ifdef TODOD_FAULTS
/*
 * A list server that sends its supervisor a malformed message (a bug;
 * TODOD_FAULT_BADMSG_LIST) has its control channel closed and exits:
 * the pid may already serve another list, so it is not killed.  The
 * daemon serves other lists throughout.
 */
START_TEST(list_server_speaks_nonsense)
{
	const struct etf_term	*t;
	struct daemon		*d;
	struct fc		 c, o;
	char			 got[256];
	int			 r;

	d = start_with_env("TODOD_FAULT_BADMSG_LIST", "bad",
	    (const char *[]){ "-w", "3", NULL });
	d->bug_lines_ok = true;		/* the supervisor logs the bug */
	(void)cu_attach(d, &o, "good");
	fadd_ok(&o, "g1");
	fc_init(&c);
	H_ASSERT(fc_open(&c, d->sock, h_ms(5000)) == 0, "%s", c.err);
	fc_q_attach(&c, "bad");
	fc_q_atom(&c, "size");
	/* Whatever the answers (each new server of "bad" is stopped
	 * too), they come or the connection closes, within the bound. */
	(void)fc_flush(&c, h_ms(5000));
	do
		r = fc_recv(&c, h_ms(10000), &t);
	while (r == FC_REPLY);
	H_ASSERT(r == FC_EOF || strstr(c.err, "timeout") == NULL,
	    "a connection to the bad list hangs: %s", c.err);
	fc_free(&c);
	H_ASSERT(h_log_count(d, "sent a malformed message; stopping it") > 0,
	    "the supervisor did not see the malformed message");
	fadd_ok(&o, "g2");
	titles(&o, got, sizeof got);
	H_ASSERT(strcmp(got, "g1,g2") == 0, "another list: %s", got);
	assert_serving(d);
	fc_free(&o);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

static bool
not_serving_bad(void *arg)
{
	return !proc_cmdline_is(*(pid_t *)arg, "todod: list bad");
}

/*
 * A list server that sends the cache a malformed message (a bug;
 * TODOD_FAULT_BADMSG_CACHE_LIST) is told to stop: its client is served
 * on, and once it has gone the process no longer serves the list (it
 * was left serving it, idle and uncounted, for ever).
 */
START_TEST(list_server_confuses_cache)
{
	struct daemon		*d;
	struct fc		 c;
	pid_t			 pid;

	d = start_with_env("TODOD_FAULT_BADMSG_CACHE_LIST", "bad",
	    (const char *[]){ NULL });
	d->bug_lines_ok = true;		/* the cache logs the bug */
	pid = cu_attach(d, &c, "bad");
	H_ASSERT(h_logged(d, "bad message from list server", h_ms(5000)),
	    "the cache did "
	    "not see the malformed message");
	fadd_ok(&c, "served on");
	fc_free(&c);
	H_ASSERT(h_poll(h_ms(5000), not_serving_bad, &pid), "the server of "
	    "the list goes on once its client has gone");
	assert_serving(d);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/*
 * A list server's report of the users it holds ({conns, [Uid]}) is taken
 * only as its first message on a link to a cache started again.  One
 * sent on a new server's link (TODOD_FAULT_CONNS_LIST: two connections
 * of the test's user more) is a bug: the server is told to stop, and the
 * user's count is not raised (it was, so that at --max-conns-per-uid 3
 * the user's second connection was refused).
 */
START_TEST(list_server_inflates_count)
{
	struct daemon		*d;
	struct fc		 c, c2;

	d = start_with_env("TODOD_FAULT_CONNS_LIST", "bad",
	    (const char *[]){ "--max-conns-per-uid", "3", NULL });
	d->bug_lines_ok = true;		/* the cache logs the bug */
	(void)cu_attach(d, &c, "bad");
	H_ASSERT(h_logged(d, "bad message from list server", h_ms(5000)),
	    "the cache took the report of a new server");
	(void)cu_attach(d, &c2, "other");
	fadd_ok(&c2, "counted once");
	fadd_ok(&c, "served on");
	fc_free(&c2);
	fc_free(&c);
	assert_serving(d);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/* A daemon whose fault file (named by the environment variable var) is
 * a.file, off for now, with the list "running" holding r1 on o. */
static struct daemon *
start_with_fault_file(const char *var, struct armed *a, struct fc *o)
{
	struct daemon	*d;

	armed_init(a);
	setenv(var, a->file, 1);
	d = daemon_start("-w", "3", NULL);
	unsetenv(var);
	H_ASSERT(d != NULL, "start: %s", h_err());
	(void)cu_attach(d, o, "running");
	fadd_ok(o, "r1");
	return d;
}

/* After the fault: the running list went on, and with the fault off the
 * list name starts and takes a change; then everything stops. */
static void
running_then_starts(struct daemon *d, struct armed *a, struct fc *o,
    const char *name)
{
	struct fc	 c;
	char		 got[256];

	fadd_ok(o, "r2");
	titles(o, got, sizeof got);
	H_ASSERT(strcmp(got, "r1,r2") == 0, "a running list: %s", got);
	assert_serving(d);

	arm(a, false);
	(void)cu_attach(d, &c, name);
	fadd_ok(&c, "n1");
	titles(&c, got, sizeof got);
	H_ASSERT(strcmp(got, "n1") == 0, "once %s can start: %s", name, got);
	fc_free(&c);
	fc_free(o);
	daemon_stop_ok(d);
	daemon_free(d);
	armed_free(a);
}

START_TEST(spawn_fails)
{
	const struct etf_term	*t;
	struct daemon		*d;
	struct armed		 a;
	struct fc		 c, o;
	char			 buf[256];
	int64_t			 start;

	d = start_with_fault_file("TODOD_FAULT_SPAWN_FILE", &a, &o);
	arm(&a, true);
	fc_init(&c);
	H_ASSERT(fc_open(&c, d->sock, h_ms(5000)) == 0, "%s", c.err);
	start = h_now_ms();
	fc_q_attach(&c, "unborn");
	t = call(&c, "attach while servers cannot start");
	H_ASSERT(fc_is_error(t, "busy"), "attach while servers cannot start: "
	    "%s", fc_print(t, buf, sizeof buf));
	H_ASSERT(h_now_ms() - start < 5000, "busy took %lld ms",
	    (long long)(h_now_ms() - start));
	fc_free(&c);
	running_then_starts(d, &a, &o, "unborn");
}
END_TEST

/* A re-attach to a list whose server cannot start is refused, and the
 * connection stays attached to its list (todod-protocol(7)). */
START_TEST(reattach_spawn_fails)
{
	const struct etf_term	*t;
	struct daemon		*d;
	struct armed		 a;
	struct fc		 o;
	char			 buf[256];

	d = start_with_fault_file("TODOD_FAULT_SPAWN_FILE", &a, &o);
	arm(&a, true);
	fc_q_attach(&o, "unborn");
	t = call(&o, "re-attach while servers cannot start");
	H_ASSERT(fc_is_error(t, "busy"), "re-attach while servers cannot "
	    "start: %s", fc_print(t, buf, sizeof buf));
	running_then_starts(d, &a, &o, "unborn");
}
END_TEST

START_TEST(fork_fails)
{
	const struct etf_term	*t = NULL;
	struct daemon		*d;
	struct armed		 a;
	struct fc		 c, o;
	char			 name[32], buf[256];
	int			 i, busy = 0;

	d = start_with_fault_file("TODOD_FAULT_FORK_FILE", &a, &o);
	/* The supervisor holds at most 4 spares and one may be on its way:
	 * new lists take them, then one finds none and no fork works. */
	arm(&a, true);
	for (i = 0; i < 6 && !busy; i++) {
		snprintf(name, sizeof name, "new%d", i);
		fc_init(&c);
		H_ASSERT(fc_open(&c, d->sock, h_ms(5000)) == 0, "%s", c.err);
		fc_q_attach(&c, name);
		t = call(&c, "attach while no spare can be forked");
		busy = fc_is_error(t, "busy");
		H_ASSERT(busy || (t->type == ETF_TUPLE && t->seq.n == 2 &&
		    etf_is_atom(&t->seq.v[0], "ok")), "attach %s: %s", name,
		    fc_print(t, buf, sizeof buf));
		fc_free(&c);
	}
	H_ASSERT(busy, "no busy answer after %d new lists", i);
	fprintf(stderr, "fork fails: new list %d of %d told busy\n", i, 6);
	H_ASSERT(h_log_count(d, "no process") > 0,
	    "the supervisor did not give up on a list with no process");
	running_then_starts(d, &a, &o, name);
}
END_TEST

static bool
stale_dropped(void *arg)
{
	return h_log_count(arg, "for the list released: dropped") >= 3;
}

/* Attach to name (retrying while busy) and add one entry, titled. */
static void
attach_add(const struct daemon *d, const char *name, const char *title,
    int64_t *pid, int *busy)
{
	struct fc	c;

	cu_attach_retry_busy(d, &c, name, pid, busy);
	fadd_ok(&c, title);
	fc_free(&c);
}

/*
 * A server that releases its list may still be sent what was meant for
 * that list, by a supervisor that had not read released yet
 * (TODOD_FAULT_STALE_FILE: a worker link, a cache link and a shutdown):
 * the spare drops the three, lives on, and lists go on starting.
 */
START_TEST(released_drops_stale)
{
	struct daemon	*d;
	struct armed	 a;
	int64_t		 first, pid;
	int		 busy = 0;

	armed_init(&a);
	setenv("TODOD_FAULT_STALE_FILE", a.file, 1);
	d = daemon_start("-w", "3", "--max-lists", "1", "-l", "debug", NULL);
	unsetenv("TODOD_FAULT_STALE_FILE");
	H_ASSERT(d != NULL, "start: %s", h_err());
	arm(&a, true);
	attach_add(d, "first", "f1", &first, &busy);
	/* A second list makes the first's server release it (once the
	 * cache knows it idle). */
	attach_add(d, "second", "s1", &pid, &busy);
	H_ASSERT(h_poll(h_ms(5000), stale_dropped, d), "the released "
	    "server did not drop the three stale messages");
	H_ASSERT(h_log_count(d, "stale messages sent") >= 1,
	    "the fault did not fire");
	H_ASSERT(proc_state((pid_t)first) != 0 &&
	    proc_state((pid_t)first) != 'Z', "the released server (pid %d) "
	    "is gone", (int)first);
	arm(&a, false);
	attach_add(d, "third", "t1", &pid, &busy);
	attach_add(d, "first", "f2", &pid, &busy);
	assert_serving(d);
	daemon_stop_ok(d);
	daemon_free(d);
	armed_free(&a);
}
END_TEST

/* ---- stopping ---- */

/* The service manager's end of sd_notify(3): a datagram socket under an
 * abstract name, which $NOTIFY_SOCKET names while a daemon starts. */
static int
notify_listen(char *env, size_t envlen)
{
	struct sockaddr_un sun;
	socklen_t len;
	int fd;

	snprintf(env, envlen, "@todod-test-notify-%ld", (long)getpid());
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, env + 1, strlen(env) - 1);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(env));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	H_ASSERT(fd != -1 && bind(fd, (struct sockaddr *)&sun, len) == 0,
	    "notify socket: %s", strerror(errno));
	return fd;
}

/* How many of the messages queued on the notify socket start with what
 * (all of them are read). */
static int
notify_count(int fd, const char *what, char *last, size_t lastlen)
{
	char	buf[256];
	ssize_t	r;
	int	n = 0;

	while ((r = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) >= 0) {
		buf[r] = '\0';
		if (strncmp(buf, what, strlen(what)) == 0) {
			n++;
			snprintf(last, lastlen, "%s", buf);
		}
	}
	return n;
}

/* A daemon of one worker whose checkpoints sleep ckpt_ms before each
 * list file, with both shutdown deadlines at stop_ms, holding n new
 * lists "<prefix>-<i>" of one entry each, titled by the list's name (in
 * the journal only: a new list's file waits for a checkpoint).  It
 * notifies the socket named by notify_env. */
static struct daemon *
start_slow_stop(const char *stop_ms, const char *ckpt_ms, const char *prefix,
    int n, const char *notify_env)
{
	struct daemon	*d;
	struct fc	 c;
	char		 name[32];
	int		 i;

	setenv("TODOD_FAULT_STOP_MS", stop_ms, 1);
	setenv("TODOD_FAULT_CKPT_DELAY_MS", ckpt_ms, 1);
	setenv("NOTIFY_SOCKET", notify_env, 1);
	d = daemon_start("-w", "1", NULL);
	unsetenv("TODOD_FAULT_STOP_MS");
	unsetenv("TODOD_FAULT_CKPT_DELAY_MS");
	unsetenv("NOTIFY_SOCKET");
	H_ASSERT(d != NULL, "start: %s", h_err());
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "%s-%d", prefix, i);
		(void)cu_attach(d, &c, name);
		fadd_ok(&c, name);
		fc_free(&c);
	}
	return d;
}

/*
 * SIGTERM when the worker's final checkpoint takes longer than the
 * shutdown deadline (40 list files at 100 ms each, deadlines at 1 s):
 * a worker that keeps writing is not killed, and the service manager is
 * told to wait two deadlines more at each deadline it writes through.
 * Every list has its file and no journal is left.
 */
START_TEST(stop_long_checkpoint)
{
	enum { N = 40 };
	struct daemon	*d;
	char		 name[32], got[64], env[64], last[256] = "";
	int64_t		 t0, took, next;
	int		 i, nfd, extends;

	nfd = notify_listen(env, sizeof env);
	d = start_slow_stop("1000", "100", "long", N, env);
	t0 = h_now_ms();
	daemon_stop_ok(d);
	took = h_now_ms() - t0;
	extends = notify_count(nfd, "EXTEND_TIMEOUT_USEC=", last, sizeof last);
	close(nfd);
	H_ASSERT(extends >= 3, "the service manager was told to wait %d "
	    "times over a stop of %lld ms", extends, (long long)took);
	H_ASSERT(strcmp(last, "EXTEND_TIMEOUT_USEC=2000000") == 0, "told "
	    "\"%s\"", last);
	/* The list servers may be killed at the first deadline (under
	 * LeakSanitizer, forty exits take more than a second of CPU); a
	 * worker must not be. */
	H_ASSERT(h_log_count(d, "has written nothing") == 0, "the stop "
	    "killed a worker that was still writing");
	H_ASSERT(!h_journal_left(d), "a journal was left");
	H_ASSERT(took >= 3000, "the stop took %lld ms: the checkpoint's delay "
	    "did not apply", (long long)took);
	for (i = 0; i < N; i++) {
		snprintf(name, sizeof name, "long-%d", i);
		file_titles(d, name, got, sizeof got, &next);
		H_ASSERT(strcmp(got, name) == 0 && next == 2, "the file of %s "
		    "holds \"%s\"", name, got);
	}
	daemon_free(d);
}
END_TEST

/*
 * SIGTERM when the worker's final checkpoint stalls (5 s before each of
 * two files, deadlines at 0.5 s): the supervisor kills the worker once it
 * has written nothing for a deadline, not after 10 s, and the daemon
 * exits 1: the stop was not clean.  The journal stays, and the next
 * start replays it.
 */
START_TEST(stop_stalled_worker)
{
	struct daemon	*d;
	char		 env[64], last[256];
	int64_t		 t0, took;
	int		 nfd, extends;

	nfd = notify_listen(env, sizeof env);
	d = start_slow_stop("500", "5000", "stall", 2, env);
	t0 = h_now_ms();
	H_ASSERT(daemon_stop_status(d, 1) == 0, "stop: %s", h_err());
	took = h_now_ms() - t0;
	/* At the release of the worker, and perhaps at the first deadline
	 * (its first file was prepared by then); never after the stall. */
	extends = notify_count(nfd, "EXTEND_TIMEOUT_USEC=", last, sizeof last);
	close(nfd);
	H_ASSERT(extends >= 1 && extends <= 2, "the service manager was told "
	    "to wait %d times for a stalled worker", extends);
	H_ASSERT(h_log_count(d, "has written nothing") == 1, "the stalled "
	    "worker was not named in the log");
	H_ASSERT(took < 8000, "the stop took %lld ms: the stalled worker was "
	    "let finish", (long long)took);
	H_ASSERT(h_journal_left(d), "no journal left: the checkpoint was "
	    "not stopped");
	H_ASSERT(h_log_count(d, "exiting with status 1") == 1, "the "
	    "supervisor did not say why it exits 1");
	H_ASSERT(daemon_restart(d) == 0, "restart: %s", h_err());
	holds(d, "stall-0", "stall-0", "after the journal's replay");
	holds(d, "stall-1", "stall-1", "after the journal's replay");
	daemon_stop_ok(d);
	H_ASSERT(!h_journal_left(d), "a journal was left after a clean stop");
	daemon_free(d);
}
END_TEST

static bool
daemon_gone(void *d)
{
	return !daemon_alive(d);
}

/* The daemon, signalled already, exits with status want by itself: a
 * second SIGTERM could land while it exits (slowly, under the leak
 * checker) and kill it. */
static void
exits_with(struct daemon *d, int want)
{
	H_ASSERT(h_poll(h_ms(30000), daemon_gone, d), "the daemon did not "
	    "exit");
	H_ASSERT(WIFEXITED(d->status) && WEXITSTATUS(d->status) == want,
	    "the daemon exited with wait status %#x, not status %d",
	    (unsigned)d->status, want);
}

/*
 * The stall deadline of a stop that must end cleanly.  Under the
 * sanitizers a process's exit runs LeakSanitizer's check, its threads
 * traced meanwhile ('t', "stopped by a debugger"), which on a loaded
 * machine can outlast 0.5 s: the stop then kills a worker that has
 * finished its work, as it kills any worker held by a debugger.
 */
#ifdef __SANITIZE_ADDRESS__
#define STOP_MS_CLEAN	"2000"
#else
#define STOP_MS_CLEAN	"500"
#endif

static bool
seen_disk_wait_twice(void *d)
{
	return h_log_count(d, "is waiting on the disk as it stops") >= 2;
}

/*
 * SIGTERM when the final checkpoint's sync waits in the kernel for
 * longer than the stall deadline (a slow disk: the worker sleeps in
 * uninterruptible sleep while a file exists; deadlines of
 * STOP_MS_CLEAN): its counters do not move, but the supervisor sees it
 * waiting on the disk and lets it finish, telling the service manager
 * to wait.  Once the disk answers, the stop is clean: every list has its
 * file, no journal.
 */
START_TEST(stop_disk_wait)
{
	struct daemon	*d;
	struct armed	 a;
	char		 name[32], got[64], env[64], last[256];
	int64_t		 next;
	int		 i, nfd, extends;

	nfd = notify_listen(env, sizeof env);
	armed_init(&a);
	setenv("TODOD_FAULT_CKPT_SYNC_HOLD_FILE", a.file, 1);
	d = start_slow_stop(STOP_MS_CLEAN, "0", "disk", 3, env);
	unsetenv("TODOD_FAULT_CKPT_SYNC_HOLD_FILE");
	arm(&a, true);
	H_ASSERT(kill(d->pid, SIGTERM) == 0, "kill: %s", strerror(errno));
	/* Two looks at the worker, a deadline apart, find it waiting. */
	H_ASSERT(h_poll(h_ms(10000), seen_disk_wait_twice, d), "the worker "
	    "waiting on the disk was not seen as such");
	H_ASSERT(h_log_count(d, "has written nothing") == 0, "the stop "
	    "killed a worker that waited on the disk");
	arm(&a, false);
	exits_with(d, 0);
	extends = notify_count(nfd, "EXTEND_TIMEOUT_USEC=", last, sizeof last);
	close(nfd);
	H_ASSERT(extends >= 3, "the service manager was told to wait %d "
	    "times for a worker waiting on the disk", extends);
	H_ASSERT(!h_journal_left(d), "a journal was left");
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof name, "disk-%d", i);
		file_titles(d, name, got, sizeof got, &next);
		H_ASSERT(strcmp(got, name) == 0 && next == 2, "the file of %s "
		    "holds \"%s\"", name, got);
	}
	daemon_free(d);
	armed_free(&a);
}
END_TEST

static bool
killed_waiting_on_disk(void *d)
{
	return h_log_count(d, "as it stops (waiting on the disk): killing "
	    "it") == 1;
}

/*
 * The same with a disk that does not answer for longer than the
 * supervisor lets a worker wait on it (12 deadlines of 0.5 s): the worker
 * is then killed, once, and the daemon exits 1 without holding its
 * service manager's stop for good.  Its journal stays, and the next start
 * replays it.
 */
START_TEST(stop_disk_wait_bounded)
{
	struct daemon	*d;
	struct armed	 a;
	char		 env[64];
	int		 nfd;

	nfd = notify_listen(env, sizeof env);
	armed_init(&a);
	setenv("TODOD_FAULT_CKPT_SYNC_HOLD_FILE", a.file, 1);
	d = start_slow_stop("500", "0", "dead", 2, env);
	unsetenv("TODOD_FAULT_CKPT_SYNC_HOLD_FILE");
	close(nfd);
	arm(&a, true);
	H_ASSERT(kill(d->pid, SIGTERM) == 0, "kill: %s", strerror(errno));
	H_ASSERT(h_poll(h_ms(20000), killed_waiting_on_disk, d), "a worker "
	    "waiting on the disk for good was not killed");
	arm(&a, false);
	exits_with(d, 1);
	H_ASSERT(h_log_count(d, "is waiting on the disk as it stops") == 12,
	    "the worker was let wait %d deadlines, not 12",
	    h_log_count(d, "is waiting on the disk as it stops"));
	H_ASSERT(h_log_count(d, "killing it") == 1, "killed %d times",
	    h_log_count(d, "killing it"));
	H_ASSERT(h_journal_left(d), "no journal left");
	/* What stands in for the slow disk (a vfork child of the killed
	 * worker, with its descriptors) sees the hold file gone a moment
	 * later, perhaps after the supervisor exited: until then it holds
	 * the data directory's lock, and a start is refused. */
	H_ASSERT(cu_wait_unlocked(d->data, h_ms(10000)), "the killed worker "
	    "holds the data directory");
	H_ASSERT(daemon_restart(d) == 0, "restart: %s", h_err());
	holds(d, "dead-0", "dead-0", "after the journal's replay");
	holds(d, "dead-1", "dead-1", "after the journal's replay");
	daemon_stop_ok(d);
	daemon_free(d);
	armed_free(&a);
}
END_TEST

/*
 * SIGTERM when a list's file cannot be written (something not a list
 * file took its place): the worker writes the others, keeps the list's
 * change in its journal, and the daemon exits 1 and says which worker.
 * Once the file can be written, the next start replays the journal and
 * its stop is clean again.
 */
START_TEST(stop_checkpoint_fails)
{
	struct daemon	*d;
	struct fc	 c;
	char		 path[512];

	d = daemon_start_ok("-w", "1", NULL);
	(void)cu_attach(d, &c, "blocked");
	fadd_ok(&c, "kept");
	fc_free(&c);
	(void)cu_attach(d, &c, "fine");
	fadd_ok(&c, "written");
	fc_free(&c);
	snprintf(path, sizeof path, "%s/blocked", d->data);
	H_ASSERT(cu_write_file(path, "not a list\n", 11) == 0, "%s", path);
	H_ASSERT(daemon_stop_status(d, 1) == 0, "stop: %s", h_err());
	H_ASSERT(h_log_count(d, "worker[0] could not write every list file: "
	    "its journal keeps their changes") == 1, "the supervisor did not "
	    "name the worker that left a journal");
	H_ASSERT(h_journal_left(d), "no journal left for the change that "
	    "could not be written");
	file_is(d, "fine", "written", 2, "the other list");
	H_ASSERT(unlink(path) == 0, "%s", path);
	replayed_then_clean(d, "blocked", "kept", 2);
	daemon_free(d);
}
END_TEST

/* The name of worker 0's one journal in dir; false if there is not
 * exactly one. */
static bool
only_journal(const char *dir, char *name, size_t size)
{
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return false;
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, ".journal-w0-", 12) == 0) {
			snprintf(name, size, "%s", e->d_name);
			n++;
		}
	closedir(d);
	return n == 1;
}

/* The file set_immutable() made immutable last, if any. */
static char	immutable_path[768];

/* Set or clear a file's immutable flag: 0, or -1 (errno). */
static int
set_immutable(const char *path, bool on)
{
	int	fd, flags, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
		flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
		rc = ioctl(fd, FS_IOC_SETFLAGS, &flags);
	}
	close(fd);
	if (rc == 0)
		snprintf(immutable_path, sizeof immutable_path, "%s",
		    on ? path : "");
	return rc;
}

/* A test that fails leaves no file that its clean-up cannot remove. */
static void
clear_immutable(void)
{
	if (immutable_path[0] != '\0')
		(void)set_immutable(immutable_path, false);
}

/*
 * A journal generation that cannot be removed (immutable: even root's
 * unlink fails, as on a file system that refuses it): the worker logs it
 * and goes on, its changes going to a new generation, trying again
 * now and then (once a second at most; logged once in 10 s).  At the stop,
 * every list file is current, but the newer generations stay with the
 * old one: replayed alone at the next start, the old one would take the
 * lists back to before the changes the files hold.  The next start, the
 * flag cleared, replays them all in order and changes nothing: each
 * change is there once; and its stop leaves no journal.
 */
START_TEST(stop_old_journal_stays)
{
	struct daemon	*d;
	struct fc	 c;
	char		 jname[256], jpath[768];

	d = daemon_start_ok("-w", "1", NULL);
	(void)cu_attach(d, &c, "gens");
	fadd_ok(&c, "first");
	H_ASSERT(only_journal(d->data, jname, sizeof jname), "worker 0 has "
	    "not exactly one journal in %s", d->data);
	snprintf(jpath, sizeof jpath, "%s/%s", d->data, jname);
	atexit(clear_immutable);
	if (set_immutable(jpath, true) == -1) {
		/* A file system without the flag (tmpfs before Linux 6.0),
		 * or no CAP_LINUX_IMMUTABLE: nothing can refuse the unlink. */
		printf("stop_old_journal_stays: skipped: cannot make %s "
		    "immutable: %s\n", jname, strerror(errno));
		fc_free(&c);
		daemon_stop_ok(d);
		daemon_free(d);
		return;
	}
	/* The sync writes the file, starts a new generation, and cannot
	 * remove the old one. */
	sync_files(d);
	H_ASSERT(h_logged(d, "cannot remove .journal-w0-", h_ms(10000)),
	    "the journal that could not be removed was not logged");
	fadd_ok(&c, "second");
	fc_free(&c);
	H_ASSERT(daemon_stop_status(d, 0) == 0, "stop: %s", h_err());
	H_ASSERT(set_immutable(jpath, false) == 0, "%s: %s", jpath,
	    strerror(errno));
	H_ASSERT(h_log_count(d, "the journal stays, since an older one could "
	    "not be removed") == 1, "the stop did not say why the journal "
	    "stays");
	H_ASSERT(h_journal_left(d), "the journals were removed");
	/* Tried again, by every commit and drain pass: logged once (a
	 * pass every 15 ms logged each try, 187 lines in 3 s). */
	H_ASSERT(h_log_count(d, "cannot remove .journal-w0-") == 1, "the "
	    "failed removal was logged %d times",
	    h_log_count(d, "cannot remove .journal-w0-"));
	file_is(d, "gens", "first,second", 3, "the journals kept");
	replayed_then_clean(d, "gens", "first,second", 3);
	daemon_free(d);
}
END_TEST

/*
 * A daemon with one worker killed with a change journaled, started again
 * with two workers while no list file can be written (ENOSPC): the list
 * now belongs to worker 1, but its change is in worker 0's journal and
 * cannot be written to its file.  todod does not start, and says why,
 * rather than serve the list from its old file; with one worker again
 * and room on the disk, the change is there.
 */
START_TEST(more_workers_behind_refused)
{
	struct daemon		*d;
	struct armed		 a;
	struct fc		 c;
	char			 out[8192], name[32];
	int64_t			 n;
	int			 i;

	armed_init(&a);
	d = daemon_start("-w", "1", NULL);
	H_ASSERT(d != NULL, "start: %s", h_err());
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof name, "mw-%d", i);
		if (fc_worker_of(name, 2) == 1)
			break;
	}
	(void)cu_attach(d, &c, name);
	fadd_ok(&c, "kept");
	fc_free(&c);
	cu_kill_wait(d);

	setenv("TODOD_FAULT", "enospc", 1);
	setenv("TODOD_FAULT_FILE", a.file, 1);
	arm(&a, true);
	start_refused(d, "2", out, sizeof out);
	arm(&a, false);
	unsetenv("TODOD_FAULT");
	unsetenv("TODOD_FAULT_FILE");
	H_ASSERT(strstr(out, "belong to other workers") != NULL, "todod "
	    "does not say why: %s", out);
	/* Once: the worker is not started again. */
	H_ASSERT(strstr(strstr(out, "belong to other workers") + 1,
	    "belong to other workers") == NULL &&
	    strstr(out, "refuses to start: stopping") != NULL, "the worker "
	    "that refused was started again: %s", out);

	H_ASSERT(daemon_restart(d) == 0, "restart with 1 worker: %s", h_err());
	H_ASSERT((n = cu_size(d, name)) == 1, "size after the replay: %lld",
	    (long long)n);
	daemon_stop_ok(d);
	daemon_free(d);
	rmdir(a.dir);
}
END_TEST

/* stats: the integer field of the first map in the list under key
 * (workers: worker 0; lists: the first live list server), or -1 if there
 * is none. */
static int64_t
first_map_int(const struct daemon *d, const char *key, const char *field)
{
	const struct etf_term	*t, *m, *w, *v;
	struct fc		 c;
	int64_t			 s = -1;

	fc_init(&c);
	if (fc_open(&c, d->sock, h_ms(5000)) == 0) {
		fc_q_atom(&c, "stats");
		if (fc_call(&c, h_ms(5000), &t) == FC_REPLY &&
		    (m = fc_ok_value(t)) != NULL && m->type == ETF_MAP &&
		    (w = etf_map_get(m, key)) != NULL &&
		    w->type == ETF_LIST && w->seq.n > 0 &&
		    w->seq.v[0].type == ETF_MAP &&
		    (v = etf_map_get(&w->seq.v[0], field)) != NULL &&
		    v->type == ETF_INT)
			s = v->i;
	}
	fc_free(&c);
	return s;
}

static int64_t
first_stalled_s(const struct daemon *d, const char *key)
{
	return first_map_int(d, key, "stalled_s");
}

/*
 * A batch of changes is bounded (LS_BATCH_MAX; here 8,192 bytes,
 * TODOD_FAULT_BATCH_MAX): while the worker is stopped (SIGSTOP), a
 * client pipelines 100 adds of 1,000-byte titles; once the worker goes
 * on, they are all stored, in a dozen batches at least.  Unbounded, all
 * that came behind the batch in flight went in one, whatever its size:
 * past the worker's bound on a message, the worker refused it, again
 * each time the list server sent it.
 */
#define BATCH_ADDS	100
START_TEST(batch_bounded)
{
	struct todo_date	 dd = { 2024, 8, 8 };
	struct daemon		*d;
	struct fc		 c;
	struct fc_stats		 st;
	const struct etf_term	*t;
	char			 title[1001], err[256], buf[256];
	int64_t			 stores, id;
	int			 i;

	d = start_with_env("TODOD_FAULT_BATCH_MAX", "8192",
	    (const char *[]){ "-w", "1", NULL });
	(void)cu_attach(d, &c, "batched");
	fadd_ok(&c, "first");
	H_ASSERT(fc_stats(d->sock, &st, err, sizeof err) == 0 &&
	    st.nworkers == 1 && st.workers[0] > 0, "stats: %s", err);
	stores = first_map_int(d, "workers", "stores");
	H_ASSERT(stores > 0, "stores: %lld", (long long)stores);
	H_ASSERT(kill(st.workers[0], SIGSTOP) == 0, "SIGSTOP");
	memset(title, 'b', sizeof title - 1);
	title[sizeof title - 1] = '\0';
	for (i = 0; i < BATCH_ADDS; i++)
		fc_q_add(&c, dd, title);
	H_ASSERT(fc_flush(&c, h_ms(10000)) == 0, "send: %s", c.err);
	H_ASSERT(kill(st.workers[0], SIGCONT) == 0, "SIGCONT");
	for (i = 0; i < BATCH_ADDS; i++) {
		H_ASSERT(fc_recv(&c, h_ms(10000), &t) == FC_REPLY, "add %d: %s",
		    i, c.err);
		H_ASSERT(fc_ok_int(t, &id) && id == i + 2, "add %d: %s", i,
		    fc_print(t, buf, sizeof buf));
	}
	fc_free(&c);
	stores = first_map_int(d, "workers", "stores") - stores;
	H_ASSERT(stores >= 10, "%d adds of 1,064 bytes went in %lld "
	    "batches", BATCH_ADDS, (long long)stores);
	assert_serving(d);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

static bool
stalled_a_second(void *arg)
{
	return first_stalled_s(arg, "workers") >= 1;
}

static bool
list_stalled_a_second(void *arg)
{
	return first_stalled_s(arg, "lists") >= 1;
}

static bool
no_list_stalled(void *arg)
{
	return h_stats_int(arg, "lists_stalled") == 0 &&
	    first_stalled_s(arg, "lists") == 0;
}

/* No stall is open in the log (each reported one has its end), so that
 * a mark taken now comes before the next stall's report: one the
 * quickened watch saw in a slow moment is not stretched by the stop. */
static bool
no_stall_open(void *arg)
{
	const struct daemon *d = arg;

	return h_log_count(d, "has not answered for") ==
	    h_log_count(d, "answers again") &&
	    h_log_count(d, "has not taken a connection for") ==
	    h_log_count(d, "takes connections again");
}

/* The log since mark says once that a process stalls (stalled), and
 * once why (why): what came before mark (a slow start, say, seen by the
 * quickened watch) is not this stall's. */
static void
assert_logged_once(const struct daemon *d, long mark, const char *stalled,
    const char *why)
{
	H_ASSERT(h_log_count_since(d, mark, stalled) == 1, "the stall was "
	    "logged %d times", h_log_count_since(d, mark, stalled));
	H_ASSERT(h_log_count_since(d, mark, why) == 1, "the log does not say "
	    "once why (\"%s\"): %d times", why, h_log_count_since(d, mark,
	    why));
}

/*
 * A list server that does not take the connections handed to it
 * (SIGSTOP; the watch quickened): the cache logs it once, stats count
 * it stalled, the new client's attach waits, is answered once the
 * server goes on, and the log says that it takes connections again.
 */
START_TEST(list_server_stalls)
{
	const struct etf_term	*t;
	struct daemon		*d;
	long			 mark;
	struct fc		 a, b;
	pid_t			 pid;
	char			 buf[256];

	d = start_with_env("TODOD_FAULT_WATCH_MS", "100",
	    (const char *[]){ NULL });
	pid = cu_attach(d, &a, "stuck");
	fadd_ok(&a, "before");
	H_ASSERT(h_poll(h_ms(10000), no_stall_open, d), "a stall logged "
	    "before the stop does not end");
	mark = h_log_mark(d);	/* what the stop makes is after */
	H_ASSERT(kill(pid, SIGSTOP) == 0, "SIGSTOP");
	fc_init(&b);
	H_ASSERT(fc_open(&b, d->sock, h_ms(5000)) == 0, "%s", b.err);
	fc_q_attach(&b, "stuck");
	H_ASSERT(fc_flush(&b, h_ms(5000)) == 0, "send: %s", b.err);
	if (!h_logged_since(d, mark, "has not taken a connection for",
	    h_ms(10000))) {
		kill(pid, SIGCONT);
		H_ASSERT(0, "a stopped list server was not reported");
	}
	H_ASSERT(fc_recv(&b, 200, &t) == FC_FAIL, "an attach was answered "
	    "while its server was stopped");
	if (!h_poll(h_ms(10000), list_stalled_a_second, d) ||
	    h_stats_int(d, "lists_stalled") != 1) {
		kill(pid, SIGCONT);
		H_ASSERT(0, "stats do not show the stopped server: "
		    "lists_stalled %lld, stalled_s %lld",
		    (long long)h_stats_int(d, "lists_stalled"),
		    (long long)first_stalled_s(d, "lists"));
	}
	H_ASSERT(kill(pid, SIGCONT) == 0, "SIGCONT");
	H_ASSERT(fc_recv(&b, h_ms(10000), &t) == FC_REPLY &&
	    fc_ok_value(t) != NULL, "the attach that waited: %s %s",
	    b.err, fc_print(t, buf, sizeof buf));
	H_ASSERT(h_logged_since(d, mark, "takes connections again",
	    h_ms(10000)), "the log does not say that the server takes "
	    "connections again");
	H_ASSERT(h_log_count_since(d, mark, "has not taken a connection "
	    "for") == 1, "the stall was logged %d times", h_log_count_since(d,
	    mark, "has not taken a connection for"));
	H_ASSERT(h_poll(h_ms(10000), no_list_stalled, d), "stats show the "
	    "server stalled after it went on: lists_stalled %lld, "
	    "stalled_s %lld", (long long)h_stats_int(d, "lists_stalled"),
	    (long long)first_stalled_s(d, "lists"));
	fc_free(&b);
	fc_free(&a);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/* The voluntary task switches of a process so far (it woke that many
 * times), or -1. */
static long
wakeups(pid_t pid)
{
	return proc_status(pid, "voluntary_ctxt_switches");
}

/* Whether the process does not wake during 500 ms (5 of the quickened
 * watch's ticks). */
static bool
quiet_half_a_second(void *arg)
{
	pid_t pid = *(pid_t *)arg;
	long before = wakeups(pid);

	h_pause_ms(500);
	return before != -1 && wakeups(pid) == before;
}

/* Whether the process wakes at least 3 times within 500 ms. */
static bool
woken_in_half_a_second(void *arg)
{
	pid_t pid = *(pid_t *)arg;
	long before = wakeups(pid);

	h_pause_ms(500);
	return before != -1 && wakeups(pid) >= before + 3;
}

/*
 * A list server that stops answering while it holds a client, with no
 * connection handed to it (SIGSTOP; the watch quickened): the cache,
 * whose pings go unanswered, logs it once, stats count it, and the log
 * says when it answers again.  Once its client has gone the server is
 * idle and no longer asked: it is not woken.
 */
START_TEST(list_server_mute)
{
	struct daemon		*d;
	long			 mark;
	struct fc		 a;
	pid_t			 pid;

	d = start_with_env("TODOD_FAULT_WATCH_MS", "100",
	    (const char *[]){ NULL });
	pid = cu_attach(d, &a, "mute");
	fadd_ok(&a, "before");
	H_ASSERT(h_stats_int(d, "lists_stalled") == 0 &&
	    first_stalled_s(d, "lists") == 0, "stalled before the stall: "
	    "%lld, %lld",
	    (long long)h_stats_int(d, "lists_stalled"),
	    (long long)first_stalled_s(d, "lists"));
	H_ASSERT(h_poll(h_ms(10000), no_stall_open, d), "a stall logged "
	    "before the stop does not end");
	mark = h_log_mark(d);	/* what the stop makes is after */
	H_ASSERT(kill(pid, SIGSTOP) == 0, "SIGSTOP");
	if (!h_logged_since(d, mark, "has not answered for", h_ms(10000)) ||
	    !h_poll(h_ms(10000), list_stalled_a_second, d)) {
		kill(pid, SIGCONT);
		H_ASSERT(0, "a stopped list server was not reported: %d "
		    "lines, stalled_s %lld", h_log_count_since(d, mark,
		    "has not answered for"),
		    (long long)first_stalled_s(d, "lists"));
	}
	H_ASSERT(h_stats_int(d, "lists_stalled") == 1, "lists_stalled %lld",
	    (long long)h_stats_int(d, "lists_stalled"));
	H_ASSERT(kill(pid, SIGCONT) == 0, "SIGCONT");
	H_ASSERT(h_logged_since(d, mark, "answers again, after ", h_ms(10000)),
	    "the log does not say that the list server answers again, and "
	    "after how long");
	H_ASSERT(h_stats_int(d, "lists_stalled") == 0 &&
	    first_stalled_s(d, "lists") == 0, "stalled after the stall: "
	    "%lld, %lld",
	    (long long)h_stats_int(d, "lists_stalled"),
	    (long long)first_stalled_s(d, "lists"));
	fadd_ok(&a, "after");
	assert_logged_once(d, mark, "has not answered for",
	    "(stopped by a signal)");
	H_ASSERT(h_log_count_since(d, mark, "has not taken a connection") ==
	    0, "a handoff was reported stalled");
	fc_free(&a);
	H_ASSERT(h_poll(h_ms(5000), quiet_half_a_second, &pid),
	    "an idle list server is woken again and again (%ld times so "
	    "far)", wakeups(pid));
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/*
 * A worker that stops answering while the daemon serves (SIGSTOP; the
 * supervisor asks every 100 ms): the log says so once, stats show how
 * long (stalled_s), the add that waits for it is answered as soon as it
 * goes on, and the log says that it answers again.
 */
START_TEST(worker_stalls)
{
	const struct etf_term	*t;
	struct daemon		*d;
	long			 mark;
	struct fc_stats		 st;
	struct fc		 c;
	char			 err[256];
	int64_t			 id;

	d = start_with_env("TODOD_FAULT_WATCH_MS", "100",
	    (const char *[]){ "-w", "1", NULL });
	(void)cu_attach(d, &c, "stalls");
	fadd_ok(&c, "before");
	H_ASSERT(fc_stats(d->sock, &st, err, sizeof err) == 0 &&
	    st.nworkers == 1 && st.workers[0] > 0, "stats: %s", err);
	H_ASSERT(first_stalled_s(d, "workers") == 0, "stalled_s before the "
	    "stall: %lld", (long long)first_stalled_s(d, "workers"));
	H_ASSERT(h_poll(h_ms(10000), no_stall_open, d), "a stall logged "
	    "before the stop does not end");
	mark = h_log_mark(d);	/* what the stop makes is after */
	H_ASSERT(kill(st.workers[0], SIGSTOP) == 0, "SIGSTOP");
	fc_q_add(&c, (struct todo_date){ 2024, 8, 8 }, "during");
	H_ASSERT(fc_flush(&c, h_ms(5000)) == 0, "send: %s", c.err);
	if (!h_logged_since(d, mark, "has not answered for", h_ms(10000)) ||
	    !h_poll(h_ms(10000), stalled_a_second, d)) {
		kill(st.workers[0], SIGCONT);
		H_ASSERT(0, "a stopped worker was not reported: %d lines, "
		    "stalled_s %lld", h_log_count_since(d, mark, "has not "
		    "answered for"), (long long)first_stalled_s(d, "workers"));
	}
	H_ASSERT(fc_recv(&c, 200, &t) == FC_FAIL, "an add was answered "
	    "while its worker was stopped");
	H_ASSERT(kill(st.workers[0], SIGCONT) == 0, "SIGCONT");
	H_ASSERT(fc_recv(&c, h_ms(10000), &t) == FC_REPLY &&
	    fc_ok_int(t, &id) && id == 2, "the add that waited: %s", c.err);
	H_ASSERT(h_logged_since(d, mark, "answers again", h_ms(10000)), "the "
	    "log does not say that the worker answers again");
	H_ASSERT(first_stalled_s(d, "workers") == 0, "stalled_s after the "
	    "stall: %lld", (long long)first_stalled_s(d, "workers"));
	assert_logged_once(d, mark, "has not answered for",
	    "(stopped by a signal)");
	fc_free(&c);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/*
 * While no list is live the supervisor's watch sleeps (the supervisor
 * asks every 100 ms here): an idle worker is not woken.  Once a list
 * is live, the worker is asked again.
 */
START_TEST(idle_watch_sleeps)
{
	struct daemon		*d;
	struct fc_stats		 st;
	struct fc		 c;
	char			 err[256];
	pid_t			 worker;

	d = start_with_env("TODOD_FAULT_WATCH_MS", "100",
	    (const char *[]){ "-w", "1", NULL });
	H_ASSERT(fc_stats(d->sock, &st, err, sizeof err) == 0 &&
	    st.nworkers == 1 && st.workers[0] > 0, "stats: %s", err);
	worker = (pid_t)st.workers[0];
	H_ASSERT(h_poll(h_ms(5000), quiet_half_a_second, &worker),
	    "an idle worker is woken again and again (%ld times so far)",
	    wakeups(worker));
	(void)cu_attach(d, &c, "watched");
	fadd_ok(&c, "wakes the watch");
	H_ASSERT(h_poll(h_ms(5000), woken_in_half_a_second, &worker),
	    "the worker of a live list is not asked whether it answers");
	fc_free(&c);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/*
 * A cache stopped while the daemon is idle (SIGSTOP; the supervisor asks
 * every 100 ms while it watches): the idle supervisor is not woken
 * meanwhile, but a client that comes wakes its watch, which logs the
 * stall once; the client's ping is answered once the cache goes on, and
 * the log says that it answers again.
 */
START_TEST(cache_stalls)
{
	const struct etf_term	*t;
	struct daemon		*d;
	long			 mark;
	struct fc_stats		 st;
	struct fc		 c;
	char			 err[256];
	pid_t			 sup;

	d = start_with_env("TODOD_FAULT_WATCH_MS", "100",
	    (const char *[]){ "-w", "1", NULL });
	H_ASSERT(fc_stats(d->sock, &st, err, sizeof err) == 0 &&
	    st.cache > 0 && st.supervisor > 0, "stats: %s", err);
	sup = st.supervisor;
	H_ASSERT(h_poll(h_ms(5000), quiet_half_a_second, &sup),
	    "an idle supervisor is woken again and again (%ld times so far)",
	    wakeups(sup));
	H_ASSERT(h_poll(h_ms(10000), no_stall_open, d), "a stall logged "
	    "before the stop does not end");
	mark = h_log_mark(d);	/* what the stop makes is after */
	H_ASSERT(kill(st.cache, SIGSTOP) == 0, "SIGSTOP");
	/* (The stop itself wakes it: SIGCHLD.) */
	if (!h_poll(h_ms(5000), quiet_half_a_second, &sup)) {
		kill(st.cache, SIGCONT);
		H_ASSERT(0, "the supervisor of an idle daemon wakes while no "
		    "client comes");
	}
	H_ASSERT(h_log_count_since(d, mark, "the cache has not answered") ==
	    0, "a stopped cache was reported while no client waited");
	fc_init(&c);
	if (fc_open(&c, d->sock, h_ms(5000)) == -1) {
		kill(st.cache, SIGCONT);
		H_ASSERT(0, "connect: %s", c.err);
	}
	fc_q_atom(&c, "ping");
	if (fc_flush(&c, h_ms(5000)) == -1 ||
	    !h_logged_since(d, mark, "the cache has not answered for",
	    h_ms(10000))) {
		kill(st.cache, SIGCONT);
		H_ASSERT(0, "a stopped cache was not reported: %s", c.err);
	}
	H_ASSERT(fc_recv(&c, 200, &t) == FC_FAIL, "a ping was answered "
	    "while the cache was stopped");
	H_ASSERT(kill(st.cache, SIGCONT) == 0, "SIGCONT");
	H_ASSERT(fc_recv(&c, h_ms(10000), &t) == FC_REPLY &&
	    etf_is_atom(t, "pong"), "the ping that waited: %s", c.err);
	H_ASSERT(h_logged_since(d, mark, "the cache answers again",
	    h_ms(10000)), "the log does not say that the cache answers again");
	assert_logged_once(d, mark, "has not answered for",
	    "(stopped by a signal): new clients");
	H_ASSERT(h_stats_int(d, "restarts") == 0, "a process was restarted");
	fc_free(&c);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/* Whether the peer of the socket (*(int *)arg) has read all that was sent
 * on it: for a Unix socket, SIOCOUTQ is what the peer has not read. */
static bool
all_read(void *arg)
{
	int n;

	return ioctl(*(int *)arg, SIOCOUTQ, &n) == 0 && n == 0;
}

static bool
one_waits(void *arg)
{
	return h_stats_int(arg, "lists_waiting") == 1;
}

/* Whether a spare list server waits (one is forked ahead). */
static bool
spare_waits(void *arg)
{
	struct pidset	ps;
	size_t		i;

	cu_children(arg, &ps);
	for (i = 0; i < ps.n; i++)
		if (proc_cmdline_is(ps.pid[i], "todod: spare"))
			return true;
	return false;
}

/* Whether the file of list name in d's data directory holds text. */
static bool
file_holds(const struct daemon *d, const char *name, const char *text)
{
	char	 path[512], *buf;
	size_t	 n;
	FILE	*f;
	bool	 found;

	snprintf(path, sizeof path, "%s/%s", d->data, name);
	if ((f = fopen(path, "rb")) == NULL)
		return false;
	H_ASSERT((buf = malloc(1 << 20)) != NULL, "malloc");
	n = fread(buf, 1, 1 << 20, f);
	fclose(f);
	found = memmem(buf, n, text, strlen(text)) != NULL;
	free(buf);
	return found;
}

/*
 * Two sync rounds at once, from two connections: lists (the files of
 * new lists; slowed here) and then sync (every file).  sync is answered
 * only once the worker has done its own round: it was answered by the
 * worker's answer to the first, while the file of a list whose change
 * was only journaled did not hold it yet.
 */
START_TEST(sync_rounds_overlap)
{
	const struct etf_term	*t;
	struct daemon		*d;
	struct fc		 c, n, l, s;
	char			 buf[256];

	d = start_with_env("TODOD_FAULT_CKPT_DELAY_MS", "300",
	    (const char *[]){ "-w", "1", NULL });
	(void)cu_attach(d, &c, "old");
	fadd_ok(&c, "first");
	sync_files(d);
	fadd_ok(&c, "acked-before-sync");
	H_ASSERT(!file_holds(d, "old", "acked-before-sync"), "a change "
	    "journaled only is in the file already: the test proves nothing");
	(void)cu_attach(d, &n, "new1");
	fadd_ok(&n, "n");
	fc_init(&l);
	fc_init(&s);
	H_ASSERT(fc_open(&l, d->sock, h_ms(5000)) == 0 &&
	    fc_open(&s, d->sock, h_ms(5000)) == 0, "%s %s", l.err, s.err);
	fc_q_atom(&l, "lists");
	H_ASSERT(fc_flush(&l, h_ms(5000)) == 0, "%s", l.err);
	/* The cache has read it, and asked for its round, first. */
	H_ASSERT(h_poll(h_ms(5000), all_read, &l.fd), "lists is not read");
	fc_q_atom(&s, "sync");
	t = call(&s, "sync");
	H_ASSERT(fc_is_ok(t), "sync: %s", fc_print(t, buf, sizeof buf));
	H_ASSERT(file_holds(d, "old", "acked-before-sync"), "sync answered "
	    "ok while a list's file lacked an acknowledged change");
	t = call(&l, "lists");
	H_ASSERT(fc_ok_value(t) != NULL, "lists: %s", fc_print(t, buf,
	    sizeof buf));
	fc_free(&l);
	fc_free(&s);
	fc_free(&n);
	fc_free(&c);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/*
 * A list server stopped for room at --max-lists while it gives a
 * connection back for another list: the connection goes on, with all of
 * its input.  The worker stopped meanwhile, a client's pipeline (an
 * attach to "from", one to "to", then adds: more than a socket holds)
 * is read whole by "from"'s new server, which cannot load its list, and
 * a second client waits for room.  Once the worker goes on, the server
 * answers, sends its idle report and gives the connection back
 * ({reattach}) with the input it has read, which it cannot write at
 * once; the cache, reading the report, stops it for the waiting client.
 * The rest of the message was dropped with the server's link: its
 * client saw EOF, its adds never done.
 */
START_TEST(stopped_server_hands_back)
{
	const struct todo_date	 dd = { 2024, 8, 8 };
	const struct etf_term	*t;
	struct daemon		*d;
	struct fc_stats		 st;
	struct fc		 x, y;
	char			 err[256], buf[256];
	int64_t			 id;
	int			 i, n, r, ok;

	d = daemon_start("-w", "1", "--max-lists", "1", NULL);
	H_ASSERT(d != NULL, "start: %s", h_err());
	H_ASSERT(fc_stats(d->sock, &st, err, sizeof err) == 0 &&
	    st.nworkers == 1 && st.workers[0] > 0, "stats: %s", err);
	fc_init(&x);
	fc_init(&y);
	H_ASSERT(fc_open(&x, d->sock, h_ms(5000)) == 0, "%s", x.err);
	fc_q_attach(&x, "from");
	fc_q_attach(&x, "to");
	/* More than a socket holds, less than a server reads ahead
	 * (--max-frame, 1 MiB). */
	for (n = 0; x.out.len < 700 * 1024; n++)
		fc_q_add(&x, dd, "t");
	/* The new server starts from a spare without its worker. */
	H_ASSERT(h_poll(h_ms(5000), spare_waits, d), "no spare waits");
	H_ASSERT(kill(st.workers[0], SIGSTOP) == 0, "SIGSTOP");
	ok = fc_flush(&x, h_ms(10000)) == 0 &&
	    h_poll(h_ms(10000), all_read, &x.fd) &&
	    fc_open(&y, d->sock, h_ms(5000)) == 0 &&
	    (fc_q_attach(&y, "third"), fc_flush(&y, h_ms(5000))) == 0 &&
	    h_poll(h_ms(5000), one_waits, d);
	kill(st.workers[0], SIGCONT);
	H_ASSERT(ok, "the pipeline is not read, or the second client does "
	    "not wait: %s %s", x.err, y.err);
	/* The waiting client has the room; gone, it leaves it to "to". */
	H_ASSERT(fc_recv(&y, h_ms(10000), &t) == FC_REPLY &&
	    fc_ok_int(t, &id), "the waiting attach: %s %s", y.err,
	    fc_print(t, buf, sizeof buf));
	fc_free(&y);
	for (i = 0; i < n + 2; i++) {
		r = fc_recv(&x, h_ms(10000), &t);
		H_ASSERT(r == FC_REPLY, "reply %d of %d: %s", i + 1, n + 2,
		    r == FC_EOF ? "EOF" : x.err);
		H_ASSERT(fc_ok_int(t, &id) && (i < 2 || id == i - 1),
		    "reply %d: %s", i + 1, fc_print(t, buf, sizeof buf));
		if (i % 1000 == 0)
			fc_reset(&x);
	}
	fc_free(&x);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/*
 * A connection waiting for room whose list's server cannot be linked
 * (the cache out of descriptors; a test-only fault) is told busy and
 * served at once, and so is the attach it pipelined behind: that one
 * waited, woke the queue and found the first still at its head, which
 * the cache handed on twice and freed twice (it crashed).
 */
START_TEST(waiter_refused_pipelined)
{
	const struct etf_term	*t;
	struct daemon		*d;
	struct armed		 a;
	struct fc		 c, w;
	char			 buf[256];
	int			 i;

	armed_init(&a);
	d = start_with_env("TODOD_FAULT_LINK_FILE", a.file,
	    (const char *[]){ "--max-lists", "1", NULL });
	(void)cu_attach(d, &c, "first");
	fc_init(&w);
	H_ASSERT(fc_open(&w, d->sock, h_ms(5000)) == 0, "%s", w.err);
	fc_q_attach(&w, "second");
	fc_q_attach(&w, "third");
	H_ASSERT(fc_flush(&w, h_ms(5000)) == 0, "send: %s", w.err);
	H_ASSERT(h_poll(h_ms(5000), one_waits, d), "the attach does not wait");
	arm(&a, true);
	fc_free(&c);		/* "first" idle: room, but no link */
	for (i = 0; i < 2; i++)
		H_ASSERT(fc_recv(&w, h_ms(10000), &t) == FC_REPLY &&
		    fc_is_error(t, "busy"), "attach %d: %s %s", i + 1, w.err,
		    fc_print(t, buf, sizeof buf));
	arm(&a, false);
	fc_q_attach(&w, "fourth");
	t = call(&w, "attach with links again");
	H_ASSERT(fc_ok_value(t) != NULL, "attach with links again: %s",
	    fc_print(t, buf, sizeof buf));
	H_ASSERT(h_stats_int(d, "restarts") == 0, "a process was restarted");
	fc_free(&w);
	daemon_stop_ok(d);
	daemon_free(d);
	armed_free(&a);
}
END_TEST

/*
 * 3,000 attaches pipelined in one write, each refused at once (no link
 * can be made for a new list: a test-only fault): each is answered busy
 * and the connection goes on unattached to the next.  The cache used to
 * serve the refused connection from within the refusal, one level of
 * its stack deeper for every attach that followed (its stack grew by
 * about 64 kB over one read of them; a connection handed back with a
 * megabyte of input would have gone 36,000 levels deep).
 */
START_TEST(refused_attaches_pipelined)
{
	const struct etf_term	*t;
	struct daemon		*d;
	struct daemon_pids	 dp;
	struct armed		 a;
	struct fc		 c;
	char			 buf[256];
	long			 stk0, stk;
	int			 i, n = 3000, lines;

	armed_init(&a);
	d = start_with_env("TODOD_FAULT_LINK_FILE", a.file, NULL);
	H_ASSERT(daemon_pids(d, &dp) == 0, "no stats");
	stk0 = proc_status(dp.cache, "VmStk");
	H_ASSERT(stk0 > 0, "cannot read the cache's VmStk");
	arm(&a, true);
	fc_init(&c);
	H_ASSERT(fc_open(&c, d->sock, h_ms(5000)) == 0, "%s", c.err);
	for (i = 0; i < n; i++)
		fc_q_attach(&c, "a");
	fc_q_atom(&c, "ping");
	H_ASSERT(fc_flush(&c, h_ms(10000)) == 0, "send: %s", c.err);
	for (i = 0; i < n; i++) {
		H_ASSERT(fc_recv(&c, h_ms(10000), &t) == FC_REPLY &&
		    fc_is_error(t, "busy"), "attach %d of %d: %s %s", i + 1,
		    n, c.err, fc_print(t, buf, sizeof buf));
		if (i % 256 == 255)
			fc_reset(&c);
	}
	H_ASSERT(fc_recv(&c, h_ms(10000), &t) == FC_REPLY &&
	    etf_is_atom(t, "pong"), "the ping after them: %s", c.err);
	stk = proc_status(dp.cache, "VmStk");
	H_ASSERT(stk - stk0 < 16, "the cache's stack grew from %ld to %ld kB",
	    stk0, stk);
	/* A line once a while (LOGRATE_MS), not one for each. */
	lines = h_log_count(d, "socketpair");
	H_ASSERT(lines >= 1 && lines <= 3, "%d lines say socketpair", lines);
	arm(&a, false);
	H_ASSERT(h_stats_int(d, "restarts") == 0, "a process was restarted");
	fc_free(&c);
	daemon_stop_ok(d);
	daemon_free(d);
	armed_free(&a);
}
END_TEST

/* Send n pings in one go on c and read n pongs, each within the reply
 * deadline. */
static void
pings_answered(struct fc *c, int n, const char *where)
{
	const struct etf_term	*t;
	char			 buf[128];
	int			 i;

	for (i = 0; i < n; i++)
		fc_q_atom(c, "ping");
	H_ASSERT(fc_flush(c, h_ms(H_REPLY_MS)) == 0, "%s: send: %s", where,
	    c->err);
	for (i = 0; i < n; i++) {
		H_ASSERT(fc_recv(c, h_ms(H_REPLY_MS), &t) == FC_REPLY,
		    "%s: ping %d of %d: %s", where, i + 1, n, c->err);
		H_ASSERT(etf_is_atom(t, "pong"), "%s: ping %d: %s", where,
		    i + 1, fc_print(t, buf, sizeof buf));
		if (i % 256 == 255)
			fc_reset(c);
	}
}

/*
 * More requests in one go than a connection's share of a pass (1,024
 * frames: conn.h), while the list servers and the cache cannot yield
 * the connection's turn (TODOD_FAULT_YIELD_FILE: no memory for the
 * timer that calls them back).  Every request is answered, on a list
 * and unattached: the owner goes on rather than leave the rest waiting
 * for input that a client waiting for replies never sends.
 */
START_TEST(no_yield)
{
	struct daemon	*d;
	struct armed	 a;
	struct fc	 c;
	const char	*args[] = { NULL };

	armed_init(&a);
	arm(&a, true);
	d = start_with_env("TODOD_FAULT_YIELD_FILE", a.file, args);
	(void)cu_attach(d, &c, "yield");
	pings_answered(&c, 3000, "attached");
	fc_free(&c);
	fc_init(&c);
	H_ASSERT(fc_open(&c, d->sock, h_ms(H_REPLY_MS)) == 0, "connect: %s",
	    c.err);
	pings_answered(&c, 3000, "unattached");
	fc_free(&c);
	daemon_stop_ok(d);
	daemon_free(d);
	armed_free(&a);
}
END_TEST

/* Add n entries of 4,000-byte titles on the attached c, all sent in one
 * go; asserts each is answered {ok, Id}. */
static void
add_long_entries(struct fc *c, int n)
{
	const struct todo_date	 day = { 2024, 1, 2 };
	const struct etf_term	*t;
	char			 title[4001];
	int64_t			 id;
	int			 i;

	memset(title, 'x', sizeof title - 1);
	title[sizeof title - 1] = '\0';
	for (i = 0; i < n; i++)
		fc_q_add(c, day, title);
	H_ASSERT(fc_flush(c, h_ms(H_REPLY_MS)) == 0, "send: %s", c->err);
	for (i = 0; i < n; i++)
		H_ASSERT(fc_recv(c, h_ms(H_REPLY_MS), &t) == FC_REPLY &&
		    fc_ok_int(t, &id), "add %d: %s", i + 1, c->err);
	fc_reset(c);
}

/*
 * A reply larger than a connection's cap on unread replies, which the
 * socket takes whole at once (the cap lowered to 64 KiB for the test,
 * TODOD_FAULT_OUT_CAP; a 100 KB reply): the list server stops reading
 * while the reply is unsent, and must read again once it has gone, though
 * no write event comes to say so.  The request sent after the reply is
 * read is answered.
 */
START_TEST(read_again_after_large_reply)
{
	const struct etf_term	*t;
	struct daemon		*d;
	struct fc		 c;
	const char		*args[] = { NULL };
	char			 buf[128];
	int64_t			 n;
	int			 i;

	d = start_with_env("TODOD_FAULT_OUT_CAP", "65536", args);
	(void)cu_attach(d, &c, "large");
	add_long_entries(&c, 25);
	for (i = 0; i < 3; i++) {
		fc_q_atom(&c, "entries");
		H_ASSERT(fc_call(&c, h_ms(H_REPLY_MS), &t) == FC_REPLY,
		    "entries %d: %s", i + 1, c.err);
		H_ASSERT((t = fc_ok_value(t)) != NULL &&
		    t->type == ETF_LIST && t->seq.n == 25, "entries %d: %s",
		    i + 1, fc_print(t, buf, sizeof buf));
		fc_reset(&c);
		fc_q_atom(&c, "size");
		H_ASSERT(fc_call(&c, h_ms(H_REPLY_MS), &t) == FC_REPLY,
		    "size after entries %d: %s", i + 1, c.err);
		H_ASSERT(fc_ok_int(t, &n) && n == 25, "size: %s",
		    fc_print(t, buf, sizeof buf));
		fc_reset(&c);
	}
	fc_free(&c);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/*
 * A list server that cannot add an event to its loop (no memory, or the
 * system's limit on watched descriptors: TODOD_FAULT_EVADD_FILE fails
 * the add of a write event) as a large reply waits for its client to
 * read: the server exits with a log line, its client's connection
 * closes, and the list, every change answered, is served by the next
 * server.  Without the check the reply would wait for a write event
 * that never comes, and the client with it.
 */
START_TEST(event_add_fails)
{
	const struct etf_term	*t;
	struct daemon		*d;
	struct armed		 a;
	struct fc		 c;
	const char		*args[] = { NULL };
	pid_t			 pid;
	int			 rc;

	armed_init(&a);
	d = start_with_env("TODOD_FAULT_EVADD_FILE", a.file, args);
	pid = cu_attach(d, &c, "big");
	/* 1.2 MB of entries: more than the socket buffers hold */
	add_long_entries(&c, 300);
	arm(&a, true);
	fc_q_atom(&c, "entries");
	H_ASSERT(fc_flush(&c, h_ms(H_REPLY_MS)) == 0, "send: %s", c.err);
	H_ASSERT(h_poll(h_ms(H_REPLY_MS), pid_gone, &pid), "the list server "
	    "%d runs on with a reply it cannot send", (int)pid);
	H_ASSERT(h_log_count(d, "cannot add an event to the loop") == 1,
	    "the list server's exit is not logged once");
	arm(&a, false);
	/* Part of the reply, what the socket held, then the end. */
	rc = fc_recv(&c, h_ms(H_REPLY_MS), &t);
	H_ASSERT(rc == FC_EOF || (rc == FC_FAIL &&
	    strcmp(c.err, "closed inside a frame") == 0),
	    "the connection did not close: %s",
	    rc == FC_REPLY ? "a whole reply came" : c.err);
	fc_free(&c);
	H_ASSERT(cu_size(d, "big") == 300, "the list lost entries");
	daemon_stop_ok(d);
	daemon_free(d);
	armed_free(&a);
}
END_TEST
#endif /* TODOD_FAULTS */

static Suite *
store_faults_suite(void)
{
	Suite	*s = suite_create("store_faults");
	TCase	*tc;

#ifdef TODOD_FAULTS
	tc = tcase_create("crash-restart");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, crash_after_write_restart);
	tcase_add_test(tc, crash_after_fsync_restart);
	tcase_add_loop_test(tc, crash_during_sync, 0, 2);
	tcase_add_test(tc, crash_during_sync_behind);
	tcase_add_test(tc, syncs_paced);
	suite_add_tcase(s, tc);

	tc = tcase_create("crash-new-list");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, crash_new_list, 0,
	    (int)(sizeof new_list_points / sizeof new_list_points[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("crash-full");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, crash_after_write_full);
	tcase_add_test(tc, crash_after_fsync_full);
	tcase_add_test(tc, crash_after_rename_full);
	suite_add_tcase(s, tc);

	tc = tcase_create("disk-full");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, disk_full);
	tcase_add_test(tc, read_only);
	tcase_add_test(tc, journal_sealed);
	tcase_add_test(tc, sync_disk_full);
	tcase_add_test(tc, more_workers_behind_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("spawn-fails");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, spawn_fails);
	tcase_add_test(tc, reattach_spawn_fails);
	tcase_add_test(tc, fork_fails);
	tcase_add_test(tc, released_drops_stale);
	tcase_add_test(tc, list_server_speaks_nonsense);
	tcase_add_test(tc, list_server_confuses_cache);
	tcase_add_test(tc, list_server_inflates_count);
	suite_add_tcase(s, tc);

	tc = tcase_create("stop");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, stop_long_checkpoint);
	tcase_add_test(tc, stop_disk_wait);
	tcase_add_test(tc, stop_disk_wait_bounded);
	tcase_add_test(tc, stop_stalled_worker);
	tcase_add_test(tc, stop_checkpoint_fails);
	tcase_add_test(tc, stop_old_journal_stays);
	suite_add_tcase(s, tc);

	tc = tcase_create("stall");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, worker_stalls);
	tcase_add_test(tc, list_server_stalls);
	tcase_add_test(tc, list_server_mute);
	tcase_add_test(tc, idle_watch_sleeps);
	tcase_add_test(tc, cache_stalls);
	tcase_add_test(tc, batch_bounded);
	suite_add_tcase(s, tc);

	tc = tcase_create("yield");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, no_yield);
	tcase_add_test(tc, read_again_after_large_reply);
	tcase_add_test(tc, event_add_fails);
	suite_add_tcase(s, tc);

	tc = tcase_create("races");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, stopped_server_hands_back);
	tcase_add_test(tc, waiter_refused_pipelined);
	tcase_add_test(tc, refused_attaches_pipelined);
	tcase_add_test(tc, sync_rounds_overlap);
	suite_add_tcase(s, tc);
#else
	fprintf(stderr, "todod built without --enable-fault-injection: the "
	    "crash-point and disk-full tests are not run\n");
#endif
	tc = tcase_create("corrupt");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, corrupt_file);
	tcase_add_test(tc, unloadable_file);
	tcase_add_test(tc, unloadable_after_idle);
	tcase_add_test(tc, journal_link_refused);
	tcase_add_loop_test(tc, checkpoint_link_not_followed, 0, 2);
	tcase_add_test(tc, data_dir_removed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return h_run_suite(store_faults_suite());
}
