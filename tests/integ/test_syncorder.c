/*
 * test_syncorder: todod's writes and syncs in the order a power cut sees.
 *
 * A killed process loses nothing that it wrote, synced or not: the page
 * cache keeps it.  The fault tests (tests/fault) therefore cannot tell a
 * change that is on the disk from one that is only in memory; a power
 * cut can.  This test runs todod under strace(1), each process traced to
 * its own file, makes changes, syncs and checkpoints on several lists,
 * stops the daemon, and checks each process's system calls in their own
 * order against three rules (syncorder_trace.h): no reply before the
 * change it acknowledges is synced, no rename of unsynced data, no
 * journal removed before its checkpoint is synced.
 *
 * Cases: three workers (files and journals synced one by one); one
 * worker with every list (checkpoints synced with syncfs); the recovery
 * of journals left by SIGKILL (replayed, checkpointed, removed, every
 * change kept); and --sync none, which must break the reply rule: the
 * check can fail.  Counts of what was seen (journal writes and syncs,
 * renames, directory syncs, journals removed, replies) must be above
 * zero, so an empty or unreadable trace fails too.
 *
 * Skipped (77) when strace is not installed or cannot trace here.  Under
 * LeakSanitizer, whose leak check at exit attaches to the process with
 * ptrace as strace does, the traced daemon runs with detect_leaks=0.
 * TODOD_TEST_KEEP_TRACE=1 keeps the trace files and says where.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/utsname.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "syncorder_trace.h"

/* ---- running todod under strace ---- */

static bool
strace_works(void)
{
	return system("strace -f -o /dev/null true > /dev/null 2>&1") == 0;
}

/*
 * A wrapper that runs the real todod (TODOD) under strace, each process
 * traced to dir/t.PID; TODOD is set to it, and the real one returned.
 */
static char *
wrap_todod(const char *dir)
{
	char	 path[4096], *real;
	FILE	*f;

	H_ASSERT((real = strdup(getenv("TODOD"))) != NULL, "strdup");
	snprintf(path, sizeof path, "%s/todod-traced", dir);
	H_ASSERT((f = fopen(path, "w")) != NULL, "%s", path);
	fprintf(f, "#!/bin/sh\n"
	    "ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0\"\n"
	    "export ASAN_OPTIONS\n"
	    "exec strace -ff -qq -z -y -x -s %d -I 3 -e signal=none "
	    "-e trace=write,writev,pwrite64,pwritev,pwritev2,sendmsg,sendto,"
	    "sendmmsg,fsync,fdatasync,syncfs,sync,open,openat,creat,rename,"
	    "renameat,renameat2,link,linkat,unlink,unlinkat "
	    "-o '%s/t' '%s' \"$@\"\n", STRACE_STRSIZE, dir, real);
	H_ASSERT(fclose(f) == 0, "%s", path);
	H_ASSERT(chmod(path, 0700) == 0, "%s", path);
	H_ASSERT(setenv("TODOD", path, 1) == 0, "setenv");
	return real;
}

static void
call_ok(struct conn *c, const char *req, const char *reply)
{
	char e[8192];

	H_ASSERT(h_call_is(c, e, sizeof e, req, reply), "%s: %s", req, e);
	conn_reset(c);
}

#define NLISTS	6

/*
 * Changes on NLISTS lists (spread over the workers), a checkpoint of
 * everything (sync: new lists' files linked, old journals removed), more
 * changes, another sync (files replaced by rename), more changes left to
 * the shutdown's checkpoint.
 */
static void
load(struct daemon *d)
{
	struct conn	*c[NLISTS], *u = conn_open_ok(d);
	char		 name[32];
	int		 i, k;

	for (i = 0; i < NLISTS; i++) {
		c[i] = conn_open_ok(d);
		snprintf(name, sizeof name, "order-%d", i);
		attach_ok(c[i], name);
		for (k = 0; k < 5; k++)
			add_ok(c[i], "2026-12-05", "first");
		call_ok(c[i], "{update_entry, 2, #{title => <<\"changed\">>}}",
		    "{ok, _}");
		call_ok(c[i], "{delete_entry, 3}", "ok");
	}
	call_ok(u, "sync", "ok");
	for (i = 0; i < NLISTS; i++)
		for (k = 0; k < 3; k++)
			add_ok(c[i], "2026-12-06", "second");
	call_ok(u, "sync", "ok");
	for (i = 0; i < NLISTS; i++) {
		add_ok(c[i], "2026-12-07", "third");
		call_ok(c[i], "{delete_entry, 1}", "ok");
		conn_close(c[i]);
	}
	call_ok(u, "lists", "{ok, _}");
	conn_close(u);
}

/* After a crash: each list holds what load() left (7 entries); one more
 * change on each. */
static void
load_after(struct daemon *d)
{
	struct conn	*c = conn_open_ok(d);
	char		 name[32];
	int		 i;

	for (i = 0; i < NLISTS; i++) {
		snprintf(name, sizeof name, "order-%d", i);
		attach_ok(c, name);
		call_ok(c, "size", "{ok, 7}");
		add_ok(c, "2026-12-08", "after");
	}
	conn_close(c);
}

static struct daemon *
start_ok(const char *const *args)
{
	struct daemon *d = daemon_startv(args);

	H_ASSERT(d != NULL, "start: %s", h_err());
	return d;
}

/*
 * Start todod with args under strace, make the load, stop it and check
 * the trace.  With crash, todod first runs untraced, makes the load and
 * is killed (SIGKILL, every process), its journals left; the traced
 * start recovers them (replay, checkpoint, old journals removed) before
 * load_after().
 */
static void
traced_run(struct tcheck *ck, const char *label, bool crash,
    const char *const *args)
{
	void		(*work)(struct daemon *) = crash ? load_after : load;
	struct daemon	*d = NULL;
	struct pidset	*ps;
	char		 dir[128], data[PATH_MAX], *real;

	snprintf(dir, sizeof dir, "%s/todod-order.XXXXXX", h_tmpbase());
	H_ASSERT(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
	if (crash) {
		d = start_ok(args);
		load(d);
		daemon_kill(d);
		H_ASSERT(h_journal_left(d), "no journal left by the crash");
	}
	real = wrap_todod(dir);
	if (crash)
		H_ASSERT(daemon_restart(d) == 0, "restart: %s", h_err());
	else
		d = start_ok(args);
	H_ASSERT(setenv("TODOD", real, 1) == 0, "setenv");
	free(real);
	work(d);
	/* strace blocks SIGTERM (-I 3): stop its child, the supervisor */
	H_ASSERT((ps = calloc(1, sizeof *ps)) != NULL, "calloc");
	H_ASSERT(proc_children(d->pid, ps) == 0 && ps->n == 1,
	    "strace %d has %zu children", (int)d->pid, ps->n);
	H_ASSERT(kill(ps->pid[0], SIGTERM) == 0, "kill");
	free(ps);
	daemon_stop_ok(d);
	/* strace names files by their real paths */
	H_ASSERT(realpath(d->data, data) != NULL, "%s", d->data);
	ck->data = data;
	ck->datalen = strlen(data);
	trace_check_dir(ck, dir);
	fprintf(stderr, "test_syncorder: %s: journal writes %ld (of Seq "
	    "records only %ld), syncs %ld, syncfs %ld, renames and links %ld, "
	    "directory syncs %ld, journals removed %ld, socket writes %ld; "
	    "violations: reply %ld, rename %ld, retire %ld\n", label,
	    ck->journal_writes, ck->seq_writes, ck->journal_syncs, ck->syncfs,
	    ck->renames, ck->dir_syncs,
	    ck->journal_unlinks, ck->replies, ck->violations[V_REPLY],
	    ck->violations[V_RENAME], ck->violations[V_RETIRE]);
	daemon_free(d);
	if (getenv("TODOD_TEST_KEEP_TRACE") == NULL)
		h_rmtree(dir);
	else
		fprintf(stderr, "test_syncorder: trace kept in %s\n", dir);
}

/* The trace shows the load's work, synced, and no rule broken. */
static void
assert_in_order(const struct tcheck *ck)
{
	ck_assert_msg(ck->journal_writes > 0 && ck->replies > 0 &&
	    ck->renames > 0 && ck->journal_unlinks > 0,
	    "the trace lacks what the load does");
	ck_assert_msg(ck->journal_syncs + ck->syncfs > 0 && ck->dir_syncs +
	    ck->syncfs > 0, "no sync seen with --sync always");
	ck_assert_msg(ck->violations[V_REPLY] == 0, "%ld replies before "
	    "their changes were on the disk", ck->violations[V_REPLY]);
	ck_assert_msg(ck->violations[V_RENAME] == 0, "%ld renames before "
	    "their data was on the disk", ck->violations[V_RENAME]);
	ck_assert_msg(ck->violations[V_RETIRE] == 0, "%ld journals removed "
	    "before their checkpoint, or an earlier removal, was on the disk",
	    ck->violations[V_RETIRE]);
}

/* Three workers, two lists each or so: a file and a journal synced one
 * by one (fsync, fdatasync). */
START_TEST(t_sync_always_in_order)
{
	static const char *const args[] = { "--sync", "always", NULL };
	struct tcheck ck = { 0 };

	traced_run(&ck, "--sync always", false, args);
	assert_in_order(&ck);
	ck_assert_msg(ck.journal_syncs > 0, "no journal synced by itself");
}
END_TEST

/* Linux release at least major.minor? */
static bool
kernel_at_least(int major, int minor)
{
	struct utsname	u;
	int		ma = 0, mi = 0;

	if (uname(&u) == -1 || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

/* One worker with every list: checkpoints of WORKER_SYNCFS_MIN files or
 * more, synced with one syncfs where the kernel reports its errors (Linux
 * 5.8 and later, store.c). */
START_TEST(t_one_worker_in_order)
{
	static const char *const args[] = { "--sync", "always", "-w", "1",
	    NULL };
	struct tcheck ck = { 0 };

	traced_run(&ck, "--sync always -w 1", false, args);
	assert_in_order(&ck);
	if (kernel_at_least(5, 8))
		ck_assert_msg(ck.syncfs > 0, "no checkpoint synced by syncfs");
}
END_TEST

/* Recovery after a crash: the journals replayed, checkpointed and
 * removed in order, and every change kept. */
START_TEST(t_recovery_in_order)
{
	static const char *const args[] = { "--sync", "always", NULL };
	struct tcheck ck = { 0 };

	traced_run(&ck, "recovery", true, args);
	assert_in_order(&ck);
}
END_TEST

/* Without syncs, the check sees replies ahead of the disk. */
START_TEST(t_sync_none_caught)
{
	static const char *const args[] = { "--sync", "none", NULL };
	struct tcheck ck = { 0 };

	traced_run(&ck, "--sync none", false, args);
	ck_assert_msg(ck.journal_writes > 0 && ck.replies > 0,
	    "the trace lacks what the load does");
	ck_assert_msg(ck.violations[V_REPLY] > 0,
	    "--sync none: no reply seen ahead of its journal's sync");
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;

	if (h_peer()) {
		printf("test_syncorder: todod only; skipped\n");
		return 77;
	}
	if (!strace_works()) {
		printf("test_syncorder: strace is not installed or cannot "
		    "trace here; skipped\n");
		return 77;
	}
	s = suite_create("syncorder");
	tc = tcase_create("syncorder");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, t_sync_always_in_order);
	tcase_add_test(tc, t_one_worker_in_order);
	tcase_add_test(tc, t_recovery_in_order);
	tcase_add_test(tc, t_sync_none_caught);
	suite_add_tcase(s, tc);
	return h_run_suite(s);
}
