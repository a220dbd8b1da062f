/*
 * crash_stop.c: a stop that its list servers do not follow.  A list
 * server stopped (SIGSTOP: a debugger, a frozen container, a process
 * paging in under memory pressure) does not answer the supervisor's
 * shutdown; the supervisor waits its deadline, kills what is left and
 * exits as any stop does: status 0, socket removed, every acknowledged
 * change in the list files.  Stop signals that come meanwhile change
 * nothing of it.  A connection handed to a list server after its
 * shutdown is told busy and closed, not served until the deadline.
 */
#include "config.h"

#include <sys/ioctl.h>

#include <linux/sockios.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crash_util.h"
#include "fclient.h"

/* The shutdown deadline, where the daemon lets a test set it (fault
 * injection builds); else it is its own, 10 s. */
#define STOP_MS		"2000"

struct proc_id {
	pid_t			pid;
	unsigned long long	start;	/* /proc start time: no reuse */
};

/* The process is gone (its pid free or another's), or a zombie no one
 * has reaped yet.  Its state is read once: a killed process can still
 * be on its way out as the daemon exits, and one reaped between two
 * reads is gone. */
static bool
dead(void *arg)
{
	const struct proc_id *p = arg;
	char st = proc_state(p->pid);

	return st == 0 || st == 'Z' || proc_starttime(p->pid) != p->start;
}

/* The daemon exits, status 0, having logged its stop deadline timeouts
 * times (a list server killed there). */
static void
exited_ok(struct daemon *d, int timeouts)
{
	H_ASSERT(h_poll(h_ms(30000), cu_reaped, d), "the daemon does not "
	    "exit");
	H_ASSERT(WIFEXITED(d->status) && WEXITSTATUS(d->status) == 0,
	    "wait status %#x", d->status);
	H_ASSERT(h_log_count(d, "shutdown timed out") == timeouts, "the stop "
	    "deadline logged %d times, not %d", h_log_count(d, "shutdown "
	    "timed out"), timeouts);
}

START_TEST(stopped_list_server)
{
	const struct etf_term	*t;
	struct daemon		*d;
	struct fc		 c;
	pid_t			 lpid;
	struct proc_id		 lp;
	int64_t			 n;

	setenv("TODOD_FAULT_STOP_MS", STOP_MS, 1);
	d = daemon_start_ok(NULL);
	unsetenv("TODOD_FAULT_STOP_MS");
	lpid = cu_attach(d, &c, "frozen");
	fc_q_add(&c, (struct todo_date){ 2024, 3, 4 }, "acknowledged");
	H_ASSERT(fc_call(&c, h_ms(10000), &t) == FC_REPLY &&
	    fc_ok_int(t, &n) && n == 1, "add: %s", c.err);
	fc_free(&c);

	lp.pid = lpid;
	lp.start = proc_starttime(lpid);
	H_ASSERT(kill(lpid, SIGSTOP) == 0, "SIGSTOP the list server");
	H_ASSERT(kill(d->pid, SIGTERM) == 0, "SIGTERM");
	/* Said again while it waits for the list server, as an impatient
	 * operator would. */
	H_ASSERT(h_logged(d, "shutting down", h_ms(5000)), "no shutdown");
	H_ASSERT(kill(d->pid, SIGINT) == 0, "SIGINT");
	H_ASSERT(kill(d->pid, SIGTERM) == 0, "SIGTERM again");
	exited_ok(d, 1);
	H_ASSERT(h_log_count(d, "shutting down") == 1, "the shutdown began "
	    "%d times", h_log_count(d, "shutting down"));
	/* Killed, not reaped by the daemon: its parent, the spawner, was
	 * killed with it. */
	H_ASSERT(h_poll(h_ms(5000), dead, &lp), "the stopped list server "
	    "%d is left behind (state %c)", (int)lpid, proc_state(lpid));
	H_ASSERT(access(d->sock, F_OK) == -1, "the socket is left behind");
	H_ASSERT(cu_wait_unlocked(d->data, h_ms(5000)), "the data directory "
	    "stays locked");

	/* Its change is in the list's file, journal replayed or not. */
	H_ASSERT(daemon_restart(d) == 0, "restart: %s", h_err());
	H_ASSERT(cu_size(d, "frozen") == 1, "the acknowledged change is "
	    "lost");
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/* The supervisor is back in its event loop: what it does on a signal is
 * done (wchan: where a sleeping process waits in the kernel). */
static bool
in_event_loop(void *arg)
{
	const pid_t	*pid = arg;
	char		 path[64], wchan[64] = "";
	FILE		*f;

	snprintf(path, sizeof path, "/proc/%d/wchan", (int)*pid);
	if ((f = fopen(path, "r")) == NULL)
		return false;
	if (fgets(wchan, sizeof wchan, f) == NULL)
		wchan[0] = '\0';
	fclose(f);
	if (strstr(wchan, "epoll") != NULL)
		return true;
	/* A kernel that does not name it ("0" or nothing): asleep will do,
	 * with the log line read before. */
	return strspn(wchan, "0\n") == strlen(wchan) &&
	    proc_state(*pid) == 'S';
}

/* Replies wait in the socket, unread: a list server's output is queued
 * behind them. */
static bool
replies_stuck(void *arg)
{
	int	*fd = arg, n = 0;

	return ioctl(*fd, SIOCINQ, &n) == 0 && n >= 100 * 1000;
}

/*
 * A connection the cache hands to a list server just before it learns
 * of the shutdown, read by the server after its own shutdown (the two
 * come on different links): it is told busy and closed, as the
 * connections the server held are, and the server exits without waiting
 * for the deadline.  (It was served, and held the server up until the
 * supervisor killed it.)  The order is made with SIGSTOP: the cache
 * reads the attach before its link's end, the server its shutdown
 * before the handoff.
 */
START_TEST(handoff_after_shutdown)
{
	const struct etf_term	*t;
	struct daemon		*d;
	struct fc		 held, late;
	struct fc_stats		 st;
	struct proc_id		 cache;
	pid_t			 lpid;
	struct todo_date	 day = { 2024, 5, 6 };
	char			 err[256], buf[256], title[4000];
	int			 i, r;

	/* The daemon's own stop deadline (10 s), not the short one: the
	 * list server stays stopped until the cache is gone. */
	d = daemon_start_ok(NULL);
	H_ASSERT(fc_stats(d->sock, &st, err, sizeof err) == 0, "%s", err);
	cache.pid = st.cache;
	cache.start = proc_starttime(st.cache);
	/* A connection the server cannot close at its shutdown: replies
	 * it does not read, more than the sockets hold. */
	lpid = cu_attach(d, &held, "late");
	memset(title, 'x', sizeof title - 1);
	title[sizeof title - 1] = '\0';
	fc_q_add(&held, day, title);
	H_ASSERT(fc_call(&held, h_ms(10000), &t) == FC_REPLY, "add: %s",
	    held.err);
	for (i = 0; i < 400; i++)
		fc_q_entries_on(&held, day);
	H_ASSERT(fc_flush(&held, h_ms(10000)) == 0, "%s", held.err);
	H_ASSERT(h_poll(h_ms(10000), replies_stuck, &held.fd), "the "
	    "replies do not fill the socket");
	/* The late connection, accepted: the cache answered it. */
	fc_init(&late);
	H_ASSERT(fc_open(&late, d->sock, h_ms(5000)) == 0, "%s", late.err);
	fc_q_atom(&late, "stats");
	H_ASSERT(fc_call(&late, h_ms(10000), &t) == FC_REPLY, "stats: %s",
	    late.err);

	H_ASSERT(kill(lpid, SIGSTOP) == 0, "SIGSTOP the list server");
	H_ASSERT(kill(cache.pid, SIGSTOP) == 0, "SIGSTOP the cache");
	fc_q_attach(&late, "late");
	H_ASSERT(fc_flush(&late, h_ms(5000)) == 0, "%s", late.err);
	H_ASSERT(kill(d->pid, SIGTERM) == 0, "SIGTERM");
	H_ASSERT(h_logged(d, "shutting down", h_ms(5000)), "no shutdown");
	H_ASSERT(h_poll(h_ms(5000), in_event_loop, &d->pid), "the "
	    "supervisor does not go back to its loop");
	H_ASSERT(kill(cache.pid, SIGCONT) == 0, "SIGCONT the cache");
	H_ASSERT(h_poll(h_ms(10000), dead, &cache), "the cache does not "
	    "exit");
	H_ASSERT(kill(lpid, SIGCONT) == 0, "SIGCONT the list server");

	r = fc_call(&late, h_ms(10000), &t);
	H_ASSERT(r == FC_REPLY && fc_is_error(t, "busy"), "the late attach: "
	    "%s", r == FC_REPLY ? fc_print(t, buf, sizeof buf) : late.err);
	H_ASSERT(fc_recv(&late, h_ms(10000), &t) == FC_EOF, "the late "
	    "connection is not closed: %s", late.err);
	/* The held connection's replies, read: then it is closed. */
	for (i = 0; i <= 400 && (r = fc_recv(&held, h_ms(10000), &t)) ==
	    FC_REPLY; i++)
		fc_reset(&held);
	H_ASSERT(r == FC_EOF, "the held connection is not closed: %s",
	    held.err);
	exited_ok(d, 0);
	fc_free(&late);
	fc_free(&held);
	daemon_free(d);
}
END_TEST

void
crash_stop_add(Suite *s)
{
	TCase	*tc;

	tc = tcase_create("stop");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, stopped_list_server);
	tcase_add_test(tc, handoff_after_shutdown);
	suite_add_tcase(s, tc);
}
