/*
 * sup_reap.c: the supervisor reaps its children, restarts the permanent
 * ones within the restart intensity, and starts again the lists whose
 * servers are gone.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "chan.h"
#include "earlylog.h"
#include "log.h"
#include "monotime.h"
#include "options.h"
#include "proc.h"
#include "supervisor_int.h"
#include "worker.h"

static int
sup_restart_allowed(void)
{
	int64_t now = monotime_ms();
	int i;

	memmove(sup.restarts + 1, sup.restarts,
	    SUP_INTENSITY * sizeof(sup.restarts[0]));
	sup.restarts[0] = now;
	proc_stats->restarts++;
	for (i = 0; i <= SUP_INTENSITY; i++)
		if (sup.restarts[i] == 0 ||
		    now - sup.restarts[i] >= SUP_PERIOD * 1000)
			return 1;
	return 0;
}

static void
sup_describe_exit(const struct child *c, int status)
{
	if (WIFSIGNALED(status))
		log_warnx("lost child: %s pid %d: killed by signal %d",
		    c->label, (int)c->pid, WTERMSIG(status));
	else if (c->role == ROLE_LIST && WEXITSTATUS(status) == 0)
		log_debug("%s pid %d exited", c->label, (int)c->pid);
	else if (WEXITSTATUS(status) != 0 || !sup.shutting_down)
		log_warnx("lost child: %s pid %d: exited with status %d",
		    c->label, (int)c->pid, WEXITSTATUS(status));
}

/*
 * A worker that stopped without writing every list file: it could not
 * (its status says so) or it was killed.  Nothing acknowledged is lost,
 * its journal keeps the changes for the next start to replay, but the
 * files are behind: the daemon exits 1 to say the stop was not clean.
 */
static void
sup_worker_unclean(const struct child *c, int status)
{
	if (WIFEXITED(status) &&
	    WEXITSTATUS(status) == PROC_EXIT_JOURNAL_KEPT)
		log_warnx("%s could not write every list file: its journal "
		    "keeps their changes for the next start", c->label);
	else
		sup_describe_exit(c, status);
	if (sup.exit_status < 1)
		sup.exit_status = 1;
}

void
sup_child_free(struct child *c)
{
	if (c->ctl != NULL)
		chan_free(c->ctl);
	if (c->cache_fd != -1)
		close(c->cache_fd);
	if (c->respawn_link != -1)
		close(c->respawn_link);
	free(c);
}

static void
sup_restart(struct child *c)
{
	struct child *l, *n;
	int rc;

	if (!sup_restart_allowed()) {
		log_warnx("restart intensity exceeded: more than %d restarts "
		    "in %d seconds; shutting down", SUP_INTENSITY, SUP_PERIOD);
		sup_shutdown(1);
		return;
	}
	if (c->role == ROLE_CACHE)
		rc = sup_fork_cache();
	else if (c->role == ROLE_SPAWNER)
		rc = sup_fork_spawner();
	else {
		rc = sup_fork_worker(c->index);
		if (rc == 0)
			TAILQ_FOREACH(l, &sup.lists, entry)
				if (worker_for_name(l->name, l->len,
				    sup.cfg->workers) == c->index)
					sup_link_worker_or_stop(l, 0);
	}
	if (rc == -1) {
		log_warnx("cannot restart %s; shutting down", c->label);
		sup_shutdown(1);
		return;
	}
	n = c->role == ROLE_CACHE ? sup.cache : c->role == ROLE_SPAWNER ?
	    sup.spawner : sup.workers[c->index];
	log_info("%s started again: pid %d", n->label, (int)n->pid);
}

void
sup_check_done(void)
{
	int i;

	if (!sup.shutting_down)
		return;
	if (!TAILQ_EMPTY(&sup.lists))
		return;
	/* Every list server has flushed and gone: let the spawner and the
	 * workers go. */
	if (sup.spawner != NULL && sup.spawner->ctl != NULL) {
		chan_free(sup.spawner->ctl);
		sup.spawner->ctl = NULL;
	}
	sup_release_workers();
	if (sup.cache != NULL || sup.spawner != NULL)
		return;
	if (sup.shutdown_timer != NULL)	/* nothing left for it to kill */
		evtimer_del(sup.shutdown_timer);
	for (i = 0; i < sup.cfg->workers; i++)
		if (sup.workers[i] != NULL)
			return;
	event_base_loopbreak(sup.base);
}

/* A list server is gone (status as waitpid's). */
void
sup_list_gone(struct child *c, int status)
{
	if (c->cache_fd != -1)
		TAILQ_REMOVE(&sup.waiting, c, waiting);
	TAILQ_REMOVE(&sup.lists, c, entry);
	RB_REMOVE(child_names, &sup.names, c);
	if (c->pid != 0)
		RB_REMOVE(child_pids, &sup.pids, c);
	sup.nlists--;
	/* One never forked needs no word to the cache: its link to it
	 * closes with the child, and the cache hands its connections on. */
	if (c->pid != 0)
		sup_describe_exit(c, status);
	if (c->respawn_link != -1 && !sup.shutting_down) {
		if (sup_spawn_list(c->name, c->len, c->respawn_link) == -1)
			log_warnx("cannot start %s again", c->label);
		c->respawn_link = -1;
	}
	sup_child_free(c);
}

/* The cache is gone: the links it sent for servers to start once their
 * old ones exit lead nowhere, and a new cache asks again if it needs. */
static void
sup_cache_gone_links(void)
{
	struct child *l;

	TAILQ_FOREACH(l, &sup.lists, entry)
		if (l->respawn_link != -1) {
			close(l->respawn_link);
			l->respawn_link = -1;
		}
}

/* The spawner is gone, and every list server with it (they die with
 * their parent): start it again first, so that lists can start again. */
static void
sup_spawner_gone(struct child *c, int status)
{
	struct child *l, *next;

	sup_describe_exit(c, status);
	/* Its list servers died with it, and so did the spares it had
	 * handed over: the cache hands their connections to new ones.  The
	 * lists waiting for a spare wait for the new spawner's. */
	sup_drop_spares();
	TAILQ_FOREACH(l, &sup.lists, entry)
		l->lost = l->pid != 0;
	if (!sup.shutting_down)
		sup_restart(c);
	/* Lists started again go to the tail, not lost. */
	for (l = TAILQ_FIRST(&sup.lists); l != NULL; l = next) {
		next = TAILQ_NEXT(l, entry);
		if (l->lost)
			sup_list_gone(l, SIGKILL);	/* "killed" */
	}
	sup_child_free(c);
	sup_check_done();
}

/*
 * A list server or spare that the spawner reaped ({exited, Pid, Status}).
 * Only those are looked up: the spawner's waitpid freed the pid, which
 * may already be a child the supervisor forked since (a worker started
 * again), and that one is alive.
 */
void
sup_spawned_reaped(pid_t pid, int status)
{
	struct child *c, key;

	earlylog_relay();
	key.pid = pid;
	if ((c = RB_FIND(child_pids, &sup.pids, &key)) != NULL) {
		sup_list_gone(c, status);
		sup_check_done();
		return;
	}
	(void)sup_spare_gone(NULL, pid);
}

/* A child of the supervisor's own reaped: the spawner, the cache or a
 * worker (list servers and spares are the spawner's). */
void
sup_reaped(pid_t pid, int status)
{
	struct child *c = NULL;
	int i;

	/* What it said as it started, before what its end makes of it. */
	earlylog_relay();
	if (sup.spawner != NULL && sup.spawner->pid == pid) {
		c = sup.spawner;
		sup.spawner = NULL;
		sup_spawner_gone(c, status);
		return;
	}
	if (sup.cache != NULL && sup.cache->pid == pid) {
		c = sup.cache;
		sup.cache = NULL;
		sup_cache_gone_links();
	}
	for (i = 0; c == NULL && i < sup.cfg->workers; i++)
		if (sup.workers[i] != NULL && sup.workers[i]->pid == pid) {
			c = sup.workers[i];
			sup.workers[i] = NULL;
		}
	if (c == NULL)
		return;		/* not ours (e.g. the detach helper) */
	sup_watch_forget(c);
	/* A worker whose journal is not to be replayed here (it said why):
	 * no start again, the daemon stops. */
	if (c->role == ROLE_WORKER && WIFEXITED(status) &&
	    WEXITSTATUS(status) == PROC_EXIT_REFUSED) {
		log_warnx("%s refuses to start: stopping", c->label);
		sup_shutdown(1);
	} else if (c->role == ROLE_WORKER && sup.shutting_down && status != 0)
		sup_worker_unclean(c, status);
	else
		sup_describe_exit(c, status);
	/* A worker that starts again writes every list file first: its
	 * rounds wait for it to be ready.  None starts when shutting down. */
	if (c->role == ROLE_WORKER && sup.shutting_down)
		sup_sync_done((uint64_t)1 << c->index, 1);
	if (!sup.shutting_down)
		sup_restart(c);
	sup_child_free(c);
	sup_check_done();
}

void
sup_sigchld(evutil_socket_t sig, short ev, void *arg)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		sup_reaped(pid, status);
}
