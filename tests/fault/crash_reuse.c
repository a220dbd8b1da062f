/*
 * crash_reuse.c: the spawner reaps a list server and then tells the
 * supervisor {exited, Pid, Status}.  Between the two the pid is free,
 * and a worker the supervisor starts again may be given it.  The report
 * must end the list server's record, not the live worker: the
 * supervisor used to look the pid up among its own children first, took
 * the new worker for dead, started a second one on the same journal and
 * kept the list server's record for ever.
 *
 * Built with fault injection, the spawner holds its report while the
 * test kills a worker with the kernel's next pid set to the list
 * server's (/proc/sys/kernel/ns_last_pid, root only): the reuse happens
 * on purpose, not by chance.  Another process on the machine may take
 * the pid first; the test tries a few times, and says it could not
 * arrange the reuse rather than pass on a run that did not test it.
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

#ifdef TODOD_FAULTS
#define NS_LAST_PID	"/proc/sys/kernel/ns_last_pid"
/* Each try restarts a worker: under the restart intensity (5 in 10 s). */
#define REUSE_TRIES	3

static bool
gone(void *arg)
{
	return kill(*(pid_t *)arg, 0) == -1 && errno == ESRCH;
}

/* The supervisor's children that are workers, by their title. */
static int
count_workers(pid_t sup)
{
	struct pidset	*kids;
	size_t		 i;
	int		 n = 0;

	if ((kids = calloc(1, sizeof(*kids))) == NULL ||
	    proc_children(sup, kids) == -1) {
		free(kids);
		return -1;
	}
	for (i = 0; i < kids->n; i++)
		if (proc_cmdline_is(kids->pid[i], "todod: worker"))
			n++;
	free(kids);
	return n;
}

struct replaced {
	const char	*sock;
	pid_t		 old;
	pid_t		 now;
};

/* Worker 0 runs again, as another process. */
static bool
worker_replaced(void *arg)
{
	struct replaced	*r = arg;
	struct fc_stats	 st;
	char		 err[256];

	if (fc_stats(r->sock, &st, err, sizeof err) != 0 || st.nworkers < 1 ||
	    st.workers[0] == 0 || st.workers[0] == r->old)
		return false;
	r->now = st.workers[0];
	return true;
}

static int
set_last_pid(pid_t pid)
{
	char	 buf[32];
	int	 fd, len, rc;

	if ((fd = open(NS_LAST_PID, O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	len = snprintf(buf, sizeof buf, "%d", (int)pid);
	rc = write(fd, buf, (size_t)len) == len ? 0 : -1;
	close(fd);
	return rc;
}

START_TEST(exit_report_of_reused_pid)
{
	struct daemon	*d;
	struct fc_stats	 st;
	struct replaced	 r;
	struct fc	 c;
	char		 flag[64], name[32], line[128], err[256];
	pid_t		 lp = 0;
	int64_t		 restarts;
	int		 i, reused = 0;

	if (access(NS_LAST_PID, W_OK) != 0) {
		fprintf(stderr, "%s: skipped: %s is not writable (root in the "
		    "first pid namespace is needed)\n", tcase_name(),
		    NS_LAST_PID);
		return;
	}
	snprintf(flag, sizeof flag, "/tmp/todod-exit-hold.%d", (int)getpid());
	(void)unlink(flag);
	setenv("TODOD_FAULT_EXIT_REPORT_HOLD_FILE", flag, 1);
	d = daemon_start_ok(NULL);
	unsetenv("TODOD_FAULT_EXIT_REPORT_HOLD_FILE");
	for (i = 0; i < REUSE_TRIES && !reused; i++) {
		snprintf(name, sizeof name, "reuse%d", i);
		lp = cu_attach(d, &c, name);
		fc_free(&c);
		H_ASSERT(fc_stats(d->sock, &st, err, sizeof err) == 0, "%s",
		    err);
		H_ASSERT(cu_write_file(flag, "", 0) == 0, "%s: %s", flag,
		    strerror(errno));
		/* Reaped by the spawner, which holds its report. */
		H_ASSERT(kill(lp, SIGKILL) == 0, "kill the list server");
		H_ASSERT(h_poll(h_ms(5000), gone, &lp), "list server %d not "
		    "reaped", (int)lp);
		r = (struct replaced){ d->sock, st.workers[0], 0 };
		H_ASSERT(set_last_pid(lp - 1) == 0, "%s: %s", NS_LAST_PID,
		    strerror(errno));
		H_ASSERT(kill(r.old, SIGKILL) == 0, "kill worker 0");
		H_ASSERT(h_poll(h_ms(10000), worker_replaced, &r), "worker 0 "
		    "(pid %d) not started again", (int)r.old);
		reused = r.now == lp;
		restarts = 0;
		if (reused) {
			H_ASSERT(fc_stats(d->sock, &st, err, sizeof err) == 0,
			    "%s", err);
			restarts = st.restarts;
		}
		(void)unlink(flag);
		/* The report read: the list server's end is logged. */
		snprintf(line, sizeof line, "pid %d: killed by signal %d",
		    (int)lp, SIGKILL);
		H_ASSERT(h_logged(d, line, h_ms(10000)), "no \"%s\" in the log",
		    line);
	}
	if (!reused) {
		fprintf(stderr, "%s: skipped: another process took pid %d "
		    "first, %d times\n", tcase_name(), (int)lp, REUSE_TRIES);
		daemon_stop_ok(d);
		daemon_free(d);
		return;
	}
	snprintf(line, sizeof line, "list[reuse%d] pid %d: killed by signal",
	    i - 1, (int)lp);
	H_ASSERT(h_log_count(d, line) == 1, "the report of pid %d was not "
	    "taken for the list server's end", (int)lp);
	H_ASSERT(fc_stats(d->sock, &st, err, sizeof err) == 0, "%s", err);
	H_ASSERT(st.workers[0] == lp && kill(lp, 0) == 0, "worker 0 is pid "
	    "%d, not the live %d", (int)st.workers[0], (int)lp);
	H_ASSERT(st.restarts == restarts, "%lld restarts after the report",
	    (long long)(st.restarts - restarts));
	H_ASSERT(count_workers(d->pid) == st.nworkers, "%d worker processes "
	    "for %d workers", count_workers(d->pid), st.nworkers);
	H_ASSERT(fc_stats_list_pid(&st, name) == 0, "the list server gone "
	    "is still listed");
	/* The list starts again, in a new server. */
	H_ASSERT(cu_attach(d, &c, name) != lp, "the list's new server");
	fc_free(&c);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST
#endif

void
crash_reuse_add(Suite *s)
{
#ifdef TODOD_FAULTS
	TCase	*tc;

	tc = tcase_create("reuse");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, exit_report_of_reused_pid);
	suite_add_tcase(s, tc);
#else
	(void)s;
#endif
}
