/*
 * spawner.c: the process that forks the list servers and reaps them.
 *
 * The supervisor forks the spawner first, while its own memory is small.
 * A fork copies the parent's table of descriptors and its page tables,
 * and a child closes every descriptor it inherits: the supervisor holds
 * a channel to every live list server and grows with them, the spawner
 * holds a few descriptors and stays small.  And the pages a list server
 * shares with its parent stay shared only while the parent does not
 * write them: the supervisor writes its heap with every message, the
 * spawner hardly.
 *
 * List servers are the spawner's children (they die with it): it reaps
 * them and reports each exit to the supervisor, which supervises them as
 * before.
 *
 * A list is started by a process that is ready for it, not by a fork: a
 * spare, waiting on its channel to the supervisor for a list's name and
 * links.  The spawner forks a spare when the supervisor asks for one
 * (need) and hands it over, {spare, Pid} +fd (the supervisor's end of
 * the spare's channel), or answers no_spare if none can be forked.  The
 * supervisor gives a spare its list itself when the cache asks for one:
 * the spawner is not on a list's path.
 *
 * A list server the cache stopped (an idle timeout, or --max-lists)
 * does not exit either: once every change is durable it releases its
 * list and tells the supervisor so over the same channel, and the
 * supervisor keeps it as a spare (or closes the channel, and it exits).
 * So at --max-lists every new list takes the process of one evicted
 * before it: no fork, no exit, no page of a new process to fault in,
 * and no message to the spawner.
 *
 * Messages (proc.h):
 *
 *   sup     -> spawner need                     fork a spare
 *   spawner -> sup     {spare, Pid} +fd | no_spare
 *                      {exited, Pid, Status}    reaped (waitpid status)
 *                      ready
 */
#include "config.h"

#include <sys/types.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "chan.h"
#include "etf.h"
#include "listsrv.h"
#include "log.h"
#include "options.h"
#include "proc.h"
#include "spawner.h"
#include "store_fault.h"

static struct {
	const struct todod_config *cfg;
	struct chan		*sup;
	struct etf_buf		 msg;
} sp;

/* --- the spares ---------------------------------------------------------- */

/* Hand a spare to the supervisor: {spare, Pid} +fd, its channel. */
static void
sp_give(pid_t pid, int fd)
{
	etf_buf_reset(&sp.msg);
	etf_put_version(&sp.msg);
	etf_put_tuple(&sp.msg, 2);
	etf_put_atom(&sp.msg, "spare");
	etf_put_int(&sp.msg, pid);
	chan_send_or_exit(sp.sup, &sp.msg, fd);	/* closes fd */
}

#ifdef TODOD_FAULTS
/* Test-only: every fork of a spare fails, as a fork would, while the
 * file named by TODOD_FAULT_FORK_FILE exists. */
static int
sp_fault_fork(void)
{
	if (!store_fault_file("TODOD_FAULT_FORK_FILE"))
		return 0;
	errno = EAGAIN;
	return 1;
}
#else
#define sp_fault_fork()	0
#endif

/* Fork a spare for the supervisor; no_spare if none can be. */
static void
sp_make_spare(void)
{
	int sv[2];
	pid_t pid = -1;

	if (sp_fault_fork())
		log_warn("fork");
	else if (chan_socketpair(sv) == -1)
		log_warn("socketpair");
	else {
		if ((pid = proc_fork(&sv[1], 1, PROC_FORK_SIGNALS_CLEAN)) == 0) {
			proc_title("todod: spare");
			listsrv_spare_main(sp.cfg);
		}
		close(sv[1]);
		if (pid == -1) {
			log_warn("fork");
			close(sv[0]);
		} else
			sp_give(pid, sv[0]);
	}
	if (pid == -1) {
		etf_buf_reset(&sp.msg);
		etf_put_version(&sp.msg);
		etf_put_atom(&sp.msg, "no_spare");
		chan_send_or_exit(sp.sup, &sp.msg, -1);
	}
}

/* {exited, Pid, Status}: a list server or spare reaped (waitpid status). */
static void
sp_report_exit(pid_t pid, int status)
{
	/* Test-only: the pid is free again before the supervisor hears. */
	store_fault_hold("TODOD_FAULT_EXIT_REPORT_HOLD_FILE");
	etf_buf_reset(&sp.msg);
	etf_put_version(&sp.msg);
	etf_put_tuple(&sp.msg, 3);
	etf_put_atom(&sp.msg, "exited");
	etf_put_int(&sp.msg, pid);
	etf_put_int(&sp.msg, status);
	chan_send_or_exit(sp.sup, &sp.msg, -1);
}

/* --- asking and reaping ---------------------------------------------- */

static void
sp_sup_msg(struct chan *c, const struct etf_term *t, int fd, void *arg)
{
	if (fd == -1 && etf_is_atom(t, "need")) {
		sp_make_spare();
		return;
	}
	fatalx("unexpected message from the supervisor");
}

static void
sp_sup_closed(struct chan *c, void *arg)
{
	/* Shutdown (every list server is gone), or the supervisor is. */
	exit(0);
}

/*
 * SIGCHLD, read from a signalfd: a libevent signal event would clash
 * with the supervisor's, whose base this process inherited.
 *
 * A wait for any child walks the list of every child, and the spawner
 * has as many as list servers run: the child the signal names is reaped
 * by its pid first, and one walk then finds any other (exits that came
 * together make one signal).
 */
static void
sp_sigchld(evutil_socket_t sfd, short ev, void *arg)
{
	struct signalfd_siginfo si;
	ssize_t n;
	pid_t pid;
	int status;

	for (;;) {
		n = read(sfd, &si, sizeof(si));
		if (n == -1 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si))
			break;
		if (si.ssi_pid > 0 &&
		    waitpid((pid_t)si.ssi_pid, &status, WNOHANG) > 0)
			sp_report_exit((pid_t)si.ssi_pid, status);
	}
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		sp_report_exit(pid, status);
}

void
spawner_main(const struct todod_config *cfg)
{
	struct event_base *base;
	struct event *ev;
	sigset_t set;
	int sfd;

	log_setrole("spawner");
	proc_title("todod: spawner");
	sp.cfg = cfg;
	proc_stats->spawner = getpid();
	proc_stats_leave();
	etf_buf_init(&sp.msg);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	if ((base = proc_event_base()) == NULL ||
	    (sp.sup = chan_new(base, 3, PROC_MAX_MSG, sp_sup_msg,
	    sp_sup_closed, NULL)) == NULL ||
	    (ev = event_new(base, sfd, EV_READ | EV_PERSIST, sp_sigchld,
	    NULL)) == NULL || event_add(ev, NULL) == -1)
		fatalx("cannot start");
	sp_make_spare();
	etf_buf_reset(&sp.msg);
	etf_put_version(&sp.msg);
	etf_put_atom(&sp.msg, "ready");
	chan_send_or_exit(sp.sup, &sp.msg, -1);
	event_base_dispatch(base);
	exit(0);
}
