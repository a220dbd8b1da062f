/*
 * sup_stop.c: the supervisor's shutdown: the cache and the list servers
 * go first, within a deadline; then the workers write their lists, and
 * one that stalls meanwhile is killed (not one that waits on the disk).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "chan.h"
#include "evadd.h"
#include "log.h"
#include "lograte.h"
#include "notify.h"
#include "options.h"
#include "pidalive.h"
#include "proc.h"
#include "stallwatch.h"
#include "supervisor_int.h"
#include "worker.h"

/* A shutdown deadline of secs (test-only: TODOD_FAULT_STOP_MS sets both
 * in ms). */
static struct timeval
sup_stop_tv(int secs)
{
	struct timeval tv = { secs, 0 };
#ifdef TODOD_FAULTS
	const char *v = getenv("TODOD_FAULT_STOP_MS");
	unsigned long ms;

	if (v != NULL && (ms = strtoul(v, NULL, 10)) > 0 && ms <= 60000) {
		tv.tv_sec = (time_t)(ms / 1000);
		tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	}
#endif
	return tv;
}

/* SUP_STOP_LISTS is over: kill the list servers, the cache and the
 * spawner left.  Once they are reaped the workers are let go. */
static void
sup_kill_stragglers(evutil_socket_t fd, short ev, void *arg)
{
	struct child *l;

	log_warnx("shutdown timed out: killing the list servers left");
	if (sup.cache != NULL)
		kill(sup.cache->pid, SIGKILL);
	TAILQ_FOREACH(l, &sup.lists, entry)
		if (l->pid != 0)
			kill(l->pid, SIGKILL);
	if (sup.spawner != NULL)
		kill(sup.spawner->pid, SIGKILL);
}

/* What a worker has written so far: it moves while a worker works. */
static uint64_t
sup_worker_progress(int i)
{
	const struct worker_counters *c = &proc_stats->workers[i].c;

	return c->ticks + c->stores + c->fsyncs + c->errors;
}

/*
 * A service manager's stop timeout (systemd's TimeoutStopSec) must not
 * cut short workers that are still writing: while they do, it is told to
 * wait two stall deadlines more, which covers the next look at them, and
 * that look either tells it again or kills the stalled worker.
 */
static void
sup_extend_stop(void)
{
	struct timeval tv = sup_stop_tv(SUP_STOP_STALL);

	(void)notify_extend_timeout(2 * ((uint64_t)tv.tv_sec * 1000000u +
	    (uint64_t)tv.tv_usec));
}

/*
 * Every SUP_STOP_STALL while the workers stop: kill one that has
 * written nothing since the last look.  One that is in uninterruptible
 * sleep ('D') is waiting in the kernel, on the disk: a single syncfs or
 * fsync of a final checkpoint can last longer than the deadline when the
 * file system holds much dirty data, and it moves no counter meanwhile.
 * Such a worker is let finish, and the service manager told to wait:
 * killing it could not cut the wait short (SIGKILL waits for the call
 * to return) and would only throw away a checkpoint that is nearly done.
 * For SUP_STOP_DISK_LOOKS looks in a row at most (two minutes): a disk
 * that never answers holds the process whatever is sent to it, but not
 * the service manager's stop, which its own timeout then ends.
 */
static void
sup_watch_workers(evutil_socket_t fd, short ev, void *arg)
{
	uint64_t now;
	int i, busy = 0;

	for (i = 0; i < sup.cfg->workers; i++) {
		/* (Killed once: it goes when the kernel lets it.) */
		if (sup.workers[i] == NULL || sup.stop_killed[i])
			continue;
		if ((now = sup_worker_progress(i)) != sup.progress[i]) {
			sup.progress[i] = now;
			sup.disk_looks[i] = 0;
			busy = 1;
			continue;
		}
		if (pid_state(sup.workers[i]->pid) == 'D' &&
		    ++sup.disk_looks[i] <= SUP_STOP_DISK_LOOKS) {
			log_info("%s is waiting on the disk as it stops: "
			    "letting it finish", sup.workers[i]->label);
			busy = 1;
			continue;
		}
		log_warnx("%s has written nothing for a while as it stops%s: "
		    "killing it (its journal stays, for the next start)",
		    sup.workers[i]->label, pid_state_note(sup.workers[i]->pid));
		kill(sup.workers[i]->pid, SIGKILL);
		sup.stop_killed[i] = true;
	}
	if (busy)
		sup_extend_stop();
}

/* The list servers are gone: let the workers write their lists. */
void
sup_release_workers(void)
{
	struct timeval tv = sup_stop_tv(SUP_STOP_STALL);
	int i, any = 0;

	for (i = 0; i < sup.cfg->workers; i++) {
		if (sup.workers[i] == NULL || sup.workers[i]->ctl == NULL)
			continue;
		sup.progress[i] = sup_worker_progress(i);
		chan_free(sup.workers[i]->ctl);	/* EOF: it checkpoints */
		sup.workers[i]->ctl = NULL;
		any = 1;
	}
	if (!any)
		return;
	(void)notify_status("stopping: writing the list files");
	sup_extend_stop();
	if (sup.stall_timer == NULL && (sup.stall_timer = event_new(sup.base,
	    -1, EV_PERSIST, sup_watch_workers, NULL)) != NULL)
		event_add_or_exit(sup.stall_timer, &tv);
}

void
sup_shutdown(int status)
{
	struct timeval tv = sup_stop_tv(SUP_STOP_LISTS);
	struct child *l;

	if (status > sup.exit_status)
		sup.exit_status = status;
	if (sup.shutting_down)
		return;
	sup.shutting_down = 1;
	log_info("shutting down");
	stallwatch_stop();
	(void)notify_stopping();
	/* Stop accepting: the cache goes (with the unattached clients). */
	if (sup.cache != NULL) {
		chan_free(sup.cache->ctl);	/* EOF: it exits */
		sup.cache->ctl = NULL;
	}
	if (sup.listener.fd != -1) {
		close(sup.listener.fd);
		sup.listener.fd = -1;
	}
	/* Lists still waiting for a spare will not start. */
	while ((l = TAILQ_FIRST(&sup.waiting)) != NULL)
		sup_list_gone(l, 0);
	sup_drop_spares();
	/* List servers finish their stores, answer and exit. */
	sup_msg_atom("shutdown");
	TAILQ_FOREACH(l, &sup.lists, entry)
		sup_send(l, -1);
	sup.shutdown_timer = evtimer_new(sup.base, sup_kill_stragglers, NULL);
	event_add_or_exit(sup.shutdown_timer, &tv);
	sup_check_done();
}

void
sup_signal(evutil_socket_t sig, short ev, void *arg)
{
	static struct lograte ignored_rate[2];	/* SIGUSR1, SIGUSR2 */
	static struct lograte hup_rate;
	char held[LOGRATE_HELD_BUFSZ];
	unsigned missed;
	int usr;

	if (sig == SIGHUP) {
		log_reopen();
		/* Say that it came, as an operator who sends it after a
		 * log rotation looks for; a storm of them is one line. */
		if (lograte_ok(&hup_rate, &missed))
			log_info("SIGHUP: %s%s", log_to_syslog() ?
			    "reconnected to syslog" : "logging to standard "
			    "error, nothing to reopen", lograte_held(missed,
			    held, sizeof(held)));
		return;
	}
	/* What other daemons do on these (reopen, reload) is not
	 * todod's: they must not end it without its shutdown, as their
	 * default action would. */
	if (sig == SIGUSR1 || sig == SIGUSR2) {
		usr = sig == SIGUSR1 ? 1 : 2;
		lograte_warn(&ignored_rate[usr - 1], 0, "SIGUSR%d ignored: "
		    "SIGHUP reopens the log, SIGTERM stops", usr);
		return;
	}
	sup_shutdown(0);
}
