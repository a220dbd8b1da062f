/*
 * sup_watch.c: what the supervisor's watch (stallwatch.h) asks about its
 * children.  Watched are the database workers, as indexes 0 .. workers-1,
 * and the cache, as index workers: the processes a client waits on
 * without any other process noticing.  (The list servers are the
 * cache's to watch: route_watch.c.)
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>

#include "options.h"
#include "pidalive.h"
#include "proc.h"
#include "stallwatch.h"
#include "supervisor_int.h"

/* The child of watch index i, or NULL (none now). */
static struct child *
sup_watched(int i)
{
	return i == sup.cfg->workers ? sup.cache : sup.workers[i];
}

static int
sup_watch_ping(int i)
{
	struct child *c = sup_watched(i);

	if (sup.shutting_down || c == NULL || c->ctl == NULL || !c->ready)
		return -1;
	sup_msg_atom("ping");
	sup_send(c, -1);
	return 0;
}

static const char *
sup_watch_label(int i)
{
	struct child *c = sup_watched(i);

	if (i == sup.cfg->workers)
		return "the cache";
	return c != NULL ? c->label : "a worker";
}

static const char *
sup_watch_waits(int i)
{
	return i == sup.cfg->workers ? "new clients wait" :
	    "changes to its lists wait";
}

static const char *
sup_watch_state(int i)
{
	struct child *c = sup_watched(i);

	return c != NULL ? pid_state_note(c->pid) : "";
}

/* A worker's stall is shown by stats (the shared page), which the cache
 * makes: the cache's own cannot be. */
static void
sup_watch_stalled(int i, int64_t since)
{
	if (i < sup.cfg->workers)
		proc_stats->workers[i].stalled_since = since;
}

/* Whether anything may wait on a child: a live list server, a sync
 * round.  (A client waiting to be accepted wakes the watch too: its
 * socket is the watch's wake descriptor.) */
static bool
sup_watch_busy(void)
{
	return sup.nlists > 0 || !TAILQ_EMPTY(&sup.syncs);
}

static const struct stallwatch_ops sup_watch_ops = {
	.ping = sup_watch_ping,
	.label = sup_watch_label,
	.waits = sup_watch_waits,
	.state = sup_watch_state,
	.stalled = sup_watch_stalled,
	.busy = sup_watch_busy,
};

int
sup_watch_start(void)
{
	return stallwatch_start(sup.base, sup.cfg->workers + 1,
	    &sup_watch_ops, sup.listener.fd);
}

/* The watch index of c, or -1 (not watched). */
static int
sup_watch_index(const struct child *c)
{
	if (c->role == ROLE_WORKER)
		return c->index;
	if (c->role == ROLE_CACHE)
		return sup.cfg->workers;
	return -1;
}

void
sup_watch_pong(const struct child *c)
{
	int i = sup_watch_index(c);

	if (i != -1)
		stallwatch_pong(i);
}

void
sup_watch_forget(const struct child *c)
{
	int i = sup_watch_index(c);

	if (i != -1)
		stallwatch_forget(i);
}
