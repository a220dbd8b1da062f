/*
 * sup_spares.c: the supervisor's spares, processes that wait to serve a
 * list, and the lists that wait for one to start in.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "chan.h"
#include "etf.h"
#include "evadd.h"
#include "log.h"
#include "monotime.h"
#include "names.h"
#include "proc.h"
#include "stallwatch.h"
#include "store_fault.h"
#include "supervisor_int.h"

static void	sup_wait_arm(void);

/* Ask the spawner for a spare (need) if none is held or on its way. */
static void
sup_need_spare(void)
{
	if (sup.nspares > 0 || sup.spare_asked || sup.shutting_down ||
	    sup.spawner == NULL || sup.spawner->ctl == NULL)
		return;
	sup_msg_atom("need");
	sup_send(sup.spawner, -1);
	sup.spare_asked = 1;
}

/* A spare's record: its process and its control channel (fd, or -1 for
 * one moved in after, sup_ctl_move). */
static struct child *
sup_spare_new(pid_t pid, int fd)
{
	struct child *s;

	s = sup_child_new(ROLE_SPARE, fd, pid);
	snprintf(s->label, sizeof(s->label), "spare");
	return s;
}

/* A process's control channel goes from one record to another (a spare
 * becomes a list's server, a released server a spare). */
static void
sup_ctl_move(struct child *from, struct child *to)
{
	to->ctl = from->ctl;
	from->ctl = NULL;
	chan_set_arg(to->ctl, to);
}

/* Forget the spares held (the spawner is gone, or the daemon stops):
 * their channels close, and those still alive exit. */
void
sup_drop_spares(void)
{
	while (sup.nspares > 0)
		sup_child_free(sup.spares[--sup.nspares]);
	sup.spare_asked = 0;
}

/*
 * Start the lists that wait (sup.waiting, oldest first), while spares
 * are held: a spare is told {list, Name} with the list's end of its
 * cache link, takes the list's record its channel and pid, and is its
 * server from then on; the worker's link follows.  A spare found dead
 * (nothing could be sent) is dropped, and the spawner reaps it.  A list
 * left waiting starts with the next spare (sup_spare_keep); one that
 * cannot start is gone (its link closes: the cache sees it).
 */
static void
sup_start_waiting(void)
{
	struct child *c, *s;

	while ((c = TAILQ_FIRST(&sup.waiting)) != NULL && sup.nspares > 0) {
		/* Test-only: every start fails, as if no process could
		 * be had. */
		if (store_fault_file("TODOD_FAULT_SPAWN_FILE")) {
			log_warnx("cannot start %s (injected fault)",
			    c->label);
			sup_list_gone(c, 0);
			continue;
		}
		s = sup.spares[--sup.nspares];
		etf_buf_reset(&sup.msg);
		etf_put_version(&sup.msg);
		etf_put_tuple(&sup.msg, 2);
		etf_put_atom(&sup.msg, "list");
		etf_put_binary(&sup.msg, c->name, c->len);
		if (chan_send_first(s->ctl, &sup.msg, c->cache_fd) == -1) {
			sup_child_free(s);
			continue;
		}
		TAILQ_REMOVE(&sup.waiting, c, waiting);
		c->cache_fd = -1;
		sup_ctl_move(s, c);
		c->pid = s->pid;
		sup_child_free(s);
		RB_INSERT(child_pids, &sup.pids, c);
		proc_stats->spawns++;
		/* The worker reads the list while the server starts. */
		sup_link_worker_or_stop(c, 1);
	}
	/* The next spare is made now, off the next list's path. */
	sup_need_spare();
	sup_wait_arm();
}

/* The oldest list waiting for a spare has waited SUP_SPARE_WAIT_MS: it
 * and those as old are given up (they never started: their links close,
 * and the cache sees servers that did not start). */
void
sup_wait_expired(evutil_socket_t fd, short ev, void *arg)
{
	struct child *c;
	int64_t now = monotime_ms();

	while ((c = TAILQ_FIRST(&sup.waiting)) != NULL &&
	    now - c->waiting_since >= SUP_SPARE_WAIT_MS) {
		log_warnx("cannot start %s: no spare process within %d ms",
		    c->label, SUP_SPARE_WAIT_MS);
		sup_list_gone(c, 0);
	}
	sup_wait_arm();
	sup_check_done();
}

/* The timer for the oldest list waiting for a spare, if any waits. */
static void
sup_wait_arm(void)
{
	struct child *c = TAILQ_FIRST(&sup.waiting);
	struct timeval tv;

	if (c == NULL) {
		evtimer_del(sup.wait_timer);
		return;
	}
	tv = monotime_until(c->waiting_since + SUP_SPARE_WAIT_MS);
	event_add_or_exit(sup.wait_timer, &tv);
}

/* A spare, forked or released: the first list waiting takes it, or it is
 * held (if there is room: else its channel closes and it exits). */
static void
sup_spare_keep(struct child *s)
{
	if (sup.shutting_down || sup.nspares == SUP_SPARES_MAX) {
		sup_child_free(s);
		return;
	}
	sup.spares[sup.nspares++] = s;
	sup_start_waiting();
}

/* {spare, Pid} +fd from the spawner. */
void
sup_spare_in(pid_t pid, int fd)
{
	sup.spare_asked = 0;
	sup_spare_keep(sup_spare_new(pid, fd));
}

/*
 * released: the cache stopped the list's server, every change of it is
 * durable, and its process waits for another list on the same channel.
 * The list is gone, as if its server had exited; the process is a
 * spare.  It is held first, so that a list waiting to start again
 * (respawn_link) may take it.
 */
void
sup_list_released(struct child *c)
{
	struct child *s;

	s = sup_spare_new(c->pid, -1);
	sup_ctl_move(c, s);
	RB_REMOVE(child_pids, &sup.pids, c);
	log_debug("%s pid %d released", c->label, (int)c->pid);
	c->pid = 0;
	sup_spare_keep(s);
	sup_list_gone(c, 0);
	sup_check_done();
}

/* no_spare: none could be forked; the lists waiting cannot start. */
void
sup_no_spare(void)
{
	struct child *c;

	sup.spare_asked = 0;
	while ((c = TAILQ_FIRST(&sup.waiting)) != NULL) {
		log_warnx("cannot start %s: no process", c->label);
		sup_list_gone(c, 0);	/* never started: its links close */
	}
	sup_check_done();
}

/* A held spare is gone (s, or the one of pid if s is NULL): 1, or 0 if
 * it is not held. */
int
sup_spare_gone(struct child *s, pid_t pid)
{
	int i;

	for (i = 0; i < sup.nspares; i++)
		if (sup.spares[i] == s || (s == NULL &&
		    sup.spares[i]->pid == pid)) {
			sup_child_free(sup.spares[i]);
			sup.spares[i] = sup.spares[--sup.nspares];
			sup_need_spare();
			return 1;
		}
	return 0;
}

/*
 * Start a list server for the cache, which sent cache_fd, the server's
 * end of their link (owned from here on; closed if no server can be
 * started, which the cache sees as a server that did not start).  The
 * list waits in sup.waiting, with cache_fd, until a spare takes it: at
 * once if one is held (sup_start_waiting), else when the spawner's next
 * one comes.
 */
int
sup_spawn_list(const void *name, size_t len, int cache_fd)
{
	struct child *c;
	char file[NAME_FILE_BUFSZ];

	if ((c = sup_find_list(name, len)) != NULL && c->cache_fd != -1) {
		/* Not started yet: it starts with the newest link the cache
		 * sent (the cache has given up the one it held).  Nothing
		 * would stop it once started, to start this one instead. */
		close(c->cache_fd);
		c->cache_fd = cache_fd;
		return 0;
	}
	if (c != NULL) {
		/* Never two servers for one list: the cache has given this
		 * one up, so it is on its way out; start the new one when it
		 * is gone, with the newest link the cache sent. */
		if (c->respawn_link != -1)
			close(c->respawn_link);
		c->respawn_link = cache_fd;
		if (!c->stopping) {
			sup_msg_atom("shutdown");
			sup_send(c, -1);
		}
		return 0;
	}
	if (name_to_file(name, len, file, sizeof(file)) == -1) {
		close(cache_fd);
		return -1;
	}
	c = sup_child_new(ROLE_LIST, -1, 0);
	memcpy(c->name, name, len);
	c->len = len;
	c->cache_fd = cache_fd;
	snprintf(c->label, sizeof(c->label), "list[%s]", file);
	TAILQ_INSERT_TAIL(&sup.lists, c, entry);
	RB_INSERT(child_names, &sup.names, c);
	sup.nlists++;
	stallwatch_wake();
	c->waiting_since = monotime_ms();
	TAILQ_INSERT_TAIL(&sup.waiting, c, waiting);
	sup_start_waiting();
	return 0;
}
