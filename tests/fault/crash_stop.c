/*
 * crash_stop.c: a stop that its list servers do not follow.  A list
 * server stopped (SIGSTOP: a debugger, a frozen container, a process
 * paging in under memory pressure) does not answer the supervisor's
 * shutdown; the supervisor waits its deadline, kills what is left and
 * exits as any stop does: status 0, socket removed, every acknowledged
 * change in the list files.  Stop signals that come meanwhile change
 * nothing of it.
 */
#include "config.h"

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
	H_ASSERT(h_poll(h_ms(30000), cu_reaped, d), "the daemon waits for "
	    "a stopped list server");
	H_ASSERT(WIFEXITED(d->status) && WEXITSTATUS(d->status) == 0,
	    "wait status %#x", d->status);
	H_ASSERT(h_log_count(d, "shutdown timed out") == 1, "the timeout is "
	    "not logged once");
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

void
crash_stop_add(Suite *s)
{
	TCase	*tc;

	tc = tcase_create("stop");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, stopped_list_server);
	suite_add_tcase(s, tc);
}
