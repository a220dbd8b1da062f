/*
 * supervisor.c: the supervisor's state and its run; it forks the other
 * processes, links them, reads their messages and runs the sync rounds.
 * What comes before the first fork is in sup_start.c, its spares in
 * sup_spares.c, the reaping and restarting of its children in
 * sup_reap.c, the shutdown in sup_stop.c (supervisor_int.h).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "cache.h"
#include "chan.h"
#include "datadir.h"
#include "detach.h"
#include "earlylog.h"
#include "etf.h"
#include "listener.h"
#include "log.h"
#include "notify.h"
#include "options.h"
#include "pidfile.h"
#include "privdrop.h"
#include "proc.h"
#include "spawner.h"
#include "stallwatch.h"
#include "store.h"
#include "store_fault.h"
#include "supervisor.h"
#include "supervisor_int.h"
#include "ttyguard.h"
#include "worker.h"
#include "workerproc.h"

static int
child_name_cmp(const struct child *a, const struct child *b)
{
	return name_cmp(a->name, a->len, b->name, b->len);
}

static int
child_pid_cmp(const struct child *a, const struct child *b)
{
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

RB_GENERATE(child_names, child, by_name, child_name_cmp)
RB_GENERATE(child_pids, child, by_pid, child_pid_cmp)

struct sup_state sup;

/* Signals the supervisor handles: SIGTERM, SIGINT, SIGHUP, SIGCHLD,
 * SIGUSR1, SIGUSR2. */
#define SUP_NSIGS	6

static void	sup_ctl_msg(struct chan *, const struct etf_term *, int,
		    void *);
static void	sup_ctl_closed(struct chan *, void *);

void
sup_msg_atom(const char *atom)
{
	etf_buf_reset(&sup.msg);
	etf_put_version(&sup.msg);
	etf_put_atom(&sup.msg, atom);
}

void
sup_send(struct child *c, int fd)
{
	if (c == NULL || c->ctl == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	chan_send_or_exit(c->ctl, &sup.msg, fd);
}

/* Common set-up of a forked child: logfd is what sup_fork kept of the
 * pipe for its messages, or -1. */
static void
sup_child_setup(int logfd)
{
	if (ttyguard_active())
		ttyguard_child(logfd);
	else if (!sup.cfg->foreground && !sup.announced) {
		(void)detach_devnull();
		log_init(0, (enum log_level)sup.cfg->log_level);
		if (logfd != -1)
			earlylog_child(logfd);
	}
}

struct child *
sup_child_new(enum role role, int sv_parent, pid_t pid)
{
	struct child *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatalx("out of memory");
	c->role = role;
	c->pid = pid;
	c->cache_fd = -1;
	c->respawn_link = -1;
	if (sv_parent != -1 && (c->ctl = chan_new(sup.base, sv_parent,
	    PROC_MAX_MSG, sup_ctl_msg, sup_ctl_closed, c)) == NULL)
		fatalx("out of memory");
	return c;
}

/* Both ends non-blocking from the start: the processes that get them
 * need not make them so (a channel does not care; a worker's link does). */
static int
sup_socketpair(int sv[2])
{
	if (chan_socketpair(sv) == -1) {
		log_warn("socketpair");
		return -1;
	}
	return 0;
}

/* --- links between children --------------------------------------------- */

/* Give a list server its end of a link to the cache.  A list waiting for
 * a spare takes this one when it starts, instead of the one it held. */
static void
sup_give_cache_link(struct child *list, int fd)
{
	if (list->cache_fd != -1) {
		close(list->cache_fd);
		list->cache_fd = fd;
		return;
	}
	etf_buf_reset(&sup.msg);
	etf_put_version(&sup.msg);
	etf_put_tuple(&sup.msg, 1);
	etf_put_atom(&sup.msg, "cache");
	sup_send(list, fd);
}

/* Give a list server and a cache started again a new link between them
 * ({list, Name, Pid}): 0, or -1 if no link could be made.  (A new server's
 * link is the cache's own, made with its spawn request.) */
static int
sup_link_cache(struct child *list)
{
	int sv[2];

	if (sup.cache == NULL || sup.cache->ctl == NULL)
		return 0;
	if (sup_socketpair(sv) == -1)
		return -1;
	etf_buf_reset(&sup.msg);
	etf_put_version(&sup.msg);
	etf_put_tuple(&sup.msg, 3);
	etf_put_atom(&sup.msg, "list");
	etf_put_binary(&sup.msg, list->name, list->len);
	etf_put_int(&sup.msg, list->pid);
	sup_send(sup.cache, sv[0]);
	sup_give_cache_link(list, sv[1]);
	return 0;
}

/*
 * Give a list server and its worker a new channel between them.  A new
 * server's first link is "unasked": the worker is told its list's name
 * ({peer, Name}) and sends it the list at once, and the server, told so
 * ({worker, unasked}), does not ask ({get, Name}): the worker's read of
 * the list overlaps the server's start, and a round trip goes.  Later
 * links (a worker started again) are named too ({peer, Name, relink}),
 * and a server not loaded yet asks: the worker knows at once which list
 * each link serves, so that the last batch a server resends there before
 * it dies is taken into the list that a new server of it loads.  0
 * (linked, or nothing to link yet), or -1 if no link could be made
 * (logged).
 */
static int
sup_link_worker(struct child *list, int unasked)
{
	struct child *w;
	int sv[2];

	/* A list waiting for a spare gets its link when it starts. */
	w = sup.workers[worker_for_name(list->name, list->len,
	    sup.cfg->workers)];
	if (list->ctl == NULL || w == NULL || w->ctl == NULL)
		return 0;
	if (sup_socketpair(sv) == -1)
		return -1;
	etf_buf_reset(&sup.msg);
	etf_put_version(&sup.msg);
	etf_put_tuple(&sup.msg, unasked ? 2 : 3);
	etf_put_atom(&sup.msg, "peer");
	etf_put_binary(&sup.msg, list->name, list->len);
	if (!unasked)
		etf_put_atom(&sup.msg, "relink");
	sup_send(w, sv[0]);
	etf_buf_reset(&sup.msg);
	etf_put_version(&sup.msg);
	etf_put_tuple(&sup.msg, unasked ? 2 : 1);
	etf_put_atom(&sup.msg, "worker");
	if (unasked)
		etf_put_atom(&sup.msg, "unasked");
	sup_send(list, sv[1]);
	return 0;
}

/*
 * Link a list's server to its worker, or stop it: a server that no link
 * reaches would wait for one for ever.  Its channel closes, it exits, and
 * the cache hands its connections to another server (or tells them
 * busy).
 */
void
sup_link_worker_or_stop(struct child *list, int unasked)
{
	if (sup_link_worker(list, unasked) == 0)
		return;
	log_warnx("%s: no link to its worker; stopping its server",
	    list->label);
	chan_free(list->ctl);
	list->ctl = NULL;
}

/* --- forking ------------------------------------------------------------------ */

/*
 * Fork a permanent child: its control channel becomes its descriptor 3,
 * the extra ones 4 and on.  Its record, or NULL (logged).
 */
static struct child *
sup_fork(enum role role, int index, const int *extra, int nextra)
{
	int sv[2], keep[5], i, n, logfd = -1, pipefd = -1;
	pid_t pid;

	if (nextra > 3 || sup_socketpair(sv) == -1)
		return NULL;
	keep[0] = sv[1];
	for (i = 0; i < nextra; i++)
		keep[i + 1] = extra[i];
	n = nextra + 1;
	/* Before readiness, a detaching daemon's children tell their
	 * warnings to the command that started it too (earlylog.h); a
	 * foreground one started with -u has them write to its terminal
	 * through it (ttyguard.h).  The pipe's end comes last, above the
	 * descriptors they use. */
	if (ttyguard_active())
		pipefd = ttyguard_fd();
	else if (!sup.cfg->foreground && !sup.announced)
		pipefd = earlylog_fd();
	if (pipefd != -1) {
		keep[n] = pipefd;
		logfd = 3 + n++;
	}
	if ((pid = proc_fork(keep, n, 0)) == -1) {
		log_warn("fork");
		close(sv[0]);
		close(sv[1]);
		return NULL;
	}
	if (pid == 0) {
		sup_child_setup(logfd);
		if (role == ROLE_WORKER)
			workerproc_main(sup.cfg, index);
		if (role == ROLE_CACHE)
			cache_main(sup.cfg);
		spawner_main(sup.cfg);
	}
	close(sv[1]);
	return sup_child_new(role, sv[0], pid);
}

int
sup_fork_worker(int index)
{
	/* The directory, and its locks: held while a worker writes. */
	const int extra[3] = { sup.dirfd, sup.datadir.lockfd,
	    sup.datadir.dirlockfd };
	struct child *c;

	if ((c = sup_fork(ROLE_WORKER, index, extra, 3)) == NULL)
		return -1;
	c->index = index;
	snprintf(c->label, sizeof(c->label), "worker[%d]", index);
	sup.workers[index] = c;
	proc_stats->workers[index].pid = c->pid;
	return 0;
}

int
sup_fork_spawner(void)
{
	if ((sup.spawner = sup_fork(ROLE_SPAWNER, 0, NULL, 0)) == NULL)
		return -1;
	snprintf(sup.spawner->label, sizeof(sup.spawner->label), "spawner");
	return 0;
}

int
sup_fork_cache(void)
{
	const int extra[2] = { sup.listener.fd, sup.dirfd };
	struct child *c, *l;
	size_t i = 0;

	if ((c = sup_fork(ROLE_CACHE, 0, extra, 2)) == NULL)
		return -1;
	snprintf(c->label, sizeof(c->label), "cache");
	sup.cache = c;
	proc_stats->cache = c->pid;
	/* A new cache learns every live or starting list before it
	 * accepts (pid 0: not known yet). */
	TAILQ_FOREACH(l, &sup.lists, entry) {
		if (!l->stopping && sup_link_cache(l) == -1)
			log_warnx("cannot link %s to the cache", l->label);
		/* Test-only: a pause half-way, so that the servers linked
		 * first talk to the new cache before the others are named
		 * to it (crash_relink). */
		if (++i == sup.nlists / 2)
			store_fault_sleep("TODOD_FAULT_RELINK_PAUSE_MS");
	}
	if (sup.announced) {
		sup_msg_atom("go");
		sup_send(c, -1);
	}
	return 0;
}

struct child *
sup_find_list(const void *name, size_t len)
{
	struct child key;

	if (len > sizeof(key.name))
		return NULL;
	memcpy(key.name, name, len);
	key.len = len;
	return RB_FIND(child_names, &sup.names, &key);
}

/* --- sync rounds --------------------------------------------------------- */

/* {synced | sync_failed, Token} for the rounds that wait for no worker. */
static void
sup_sync_finish(void)
{
	struct sync_round *r, *next;

	TAILQ_FOREACH_SAFE(r, &sup.syncs, entry, next) {
		if (r->pending != 0)
			continue;
		etf_buf_reset(&sup.msg);
		etf_put_version(&sup.msg);
		etf_put_tuple(&sup.msg, 2);
		etf_put_atom(&sup.msg, r->failed ? "sync_failed" : "synced");
		etf_put_int(&sup.msg, r->token);
		sup_send(sup.cache, -1);
		TAILQ_REMOVE(&sup.syncs, r, entry);
		free(r);
	}
}

/* Worker bit is done with every round that waits for it (failed: some
 * list file is not current): it started again and is ready, or it is
 * gone at shutdown. */
void
sup_sync_done(uint64_t worker_bit, int failed)
{
	struct sync_round *r;

	TAILQ_FOREACH(r, &sup.syncs, entry) {
		if (r->pending & worker_bit && failed)
			r->failed = 1;
		r->pending &= ~worker_bit;
		r->sent &= ~worker_bit;
	}
	sup_sync_finish();
}

/* Worker bit answered a sync message: the oldest round that sent it one
 * and waits for it (sync_round). */
static void
sup_sync_answered(uint64_t worker_bit, int failed)
{
	struct sync_round *r;

	TAILQ_FOREACH(r, &sup.syncs, entry)
		if (r->sent & r->pending & worker_bit) {
			if (failed)
				r->failed = 1;
			r->pending &= ~worker_bit;
			r->sent &= ~worker_bit;
			break;
		}
	sup_sync_finish();
}

/* {sync, Token} from the cache: every worker writes its lists' files
 * (what "sync"); {sync_new, Token}: the files of new lists. */
static void
sup_sync(int64_t token, const char *what)
{
	struct sync_round *r;
	int i;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		fatalx("out of memory");
	r->token = token;
	TAILQ_INSERT_TAIL(&sup.syncs, r, entry);
	stallwatch_wake();
	sup_msg_atom(what);
	for (i = 0; i < sup.cfg->workers; i++) {
		/* One starting again is done when it is ready. */
		r->pending |= (uint64_t)1 << i;
		if (sup.workers[i] != NULL && sup.workers[i]->ctl != NULL &&
		    sup.workers[i]->ready) {
			sup_send(sup.workers[i], -1);
			r->sent |= (uint64_t)1 << i;
		}
	}
	sup_sync_finish();
}

/* --- messages from children --------------------------------------------- */

static void
sup_log_ready(void)
{
	log_info("ready: %s, data in %s, %d workers", sup.cfg->socket_path,
	    sup.cfg->data_dir, sup.cfg->workers);
}

static void
sup_maybe_ready(void)
{
	char err[256];
	int i, rc, said;

	if (sup.announced || sup.cache == NULL || !sup.cache->ready ||
	    sup.spawner == NULL || !sup.spawner->ready)
		return;
	for (i = 0; i < sup.cfg->workers; i++)
		if (sup.workers[i] == NULL || !sup.workers[i]->ready)
			return;
	sup.announced = 1;
	sup_msg_atom("go");
	sup_send(sup.cache, -1);
	sup_log_ready();
	(void)notify_ready();
	if (!sup.cfg->foreground) {
		/* Said to the command's stderr, unless nobody read it and the
		 * log has it already (log.h). */
		said = log_to_syslog();
		earlylog_close();
		if ((rc = detach_ready(err, sizeof(err))) == -1)
			fatalx("%s", err);
		log_init(0, (enum log_level)sup.cfg->log_level);
		if (!said)
			sup_log_ready();
		if (rc == 1)
			log_warnx("the command that started todod was gone "
			    "before it was ready; running on");
	}
}

#ifdef TODOD_FAULTS
/*
 * Test-only: while the file named by TODOD_FAULT_STALE_FILE exists, a
 * list server that says released is first sent what a restart of its
 * worker or of the cache and a new request for its list could have sent
 * it just before the supervisor read released: a worker link, a cache
 * link and a shutdown, all meant for the list it released.
 */
static void
sup_fault_stale(struct child *c)
{
	int sv[2];

	if (!store_fault_file("TODOD_FAULT_STALE_FILE"))
		return;
	log_info("%s released: stale messages sent (injected fault)",
	    c->label);
	(void)sup_link_worker(c, 0);	/* stale: not sent if it cannot be */
	if (sup_socketpair(sv) == 0) {
		close(sv[0]);
		sup_give_cache_link(c, sv[1]);
	}
	sup_msg_atom("shutdown");
	sup_send(c, -1);
}

#else
#define sup_fault_stale(c)	do { } while (0)
#endif

static void
sup_ctl_msg(struct chan *ch, const struct etf_term *t, int fd, void *arg)
{
	struct child *c = arg;
	const struct etf_term *name;

	if (etf_is_atom(t, "ready") || (c->role == ROLE_WORKER &&
	    etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "ready") &&
	    etf_is_atom(&t->seq.v[1], "behind"))) {
		c->ready = 1;
		/* A worker started again: done with the sync rounds, which
		 * fail if its recovery left some file behind. */
		if (c->role == ROLE_WORKER)
			sup_sync_done((uint64_t)1 << c->index,
			    !etf_is_atom(t, "ready"));
		sup_maybe_ready();
	} else if (c->role == ROLE_LIST && etf_is_atom(t, "stopping"))
		c->stopping = 1;
	else if (c->role == ROLE_LIST && etf_is_atom(t, "released")) {
		sup_fault_stale(c);
		sup_list_released(c);
	}
	else if (c->role == ROLE_SPAWNER && etf_is_tuple(t, 2) &&
	    etf_is_atom(&t->seq.v[0], "spare") && fd != -1 &&
	    t->seq.v[1].type == ETF_INT && t->seq.v[1].i > 0 &&
	    t->seq.v[1].i <= INT32_MAX) {
		sup_spare_in((pid_t)t->seq.v[1].i, fd);
		fd = -1;
	} else if (c->role == ROLE_SPAWNER && etf_is_atom(t, "no_spare"))
		sup_no_spare();
	else if (c->role == ROLE_SPAWNER && etf_is_tuple(t, 3) &&
	    etf_is_atom(&t->seq.v[0], "exited") &&
	    t->seq.v[1].type == ETF_INT && t->seq.v[2].type == ETF_INT &&
	    t->seq.v[1].i > 0 && t->seq.v[1].i <= INT32_MAX &&
	    t->seq.v[2].i >= INT32_MIN && t->seq.v[2].i <= INT32_MAX)
		sup_spawned_reaped((pid_t)t->seq.v[1].i,
		    (int)t->seq.v[2].i);
	else if ((c->role == ROLE_WORKER || c->role == ROLE_CACHE) &&
	    etf_is_atom(t, "pong"))
		sup_watch_pong(c);
	else if (c->role == ROLE_WORKER && (etf_is_atom(t, "synced") ||
	    etf_is_atom(t, "sync_failed")))
		sup_sync_answered((uint64_t)1 << c->index,
		    etf_is_atom(t, "sync_failed"));
	else if (c->role == ROLE_CACHE && etf_is_tuple(t, 2) &&
	    (etf_is_atom(&t->seq.v[0], "sync") ||
	    etf_is_atom(&t->seq.v[0], "sync_new")) &&
	    t->seq.v[1].type == ETF_INT)
		sup_sync(t->seq.v[1].i, t->seq.v[0].atom.p);
	else if (c->role == ROLE_CACHE && etf_is_tuple(t, 2) &&
	    etf_is_atom(&t->seq.v[0], "spawn") && fd != -1 &&
	    t->seq.v[1].type == ETF_BINARY &&
	    name_valid(t->seq.v[1].bin.p, t->seq.v[1].bin.len)) {
		/* {spawn, Name} +fd: the server's end of its cache link.
		 * Closed if no server can start: the cache sees that. */
		name = &t->seq.v[1];
		if (sup.shutting_down)
			close(fd);
		else
			(void)sup_spawn_list(name->bin.p, name->bin.len, fd);
		fd = -1;
	} else if (c->role == ROLE_LIST) {
		/* A bug in the list server: its control channel closes, and
		 * it exits. */
		log_warnx("%s sent a malformed message; stopping it", c->label);
		chan_free(c->ctl);
		c->ctl = NULL;
	} else if (c->role == ROLE_SPARE) {
		log_warnx("a spare sent a malformed message; stopping it");
		(void)sup_spare_gone(c, 0);
	} else {
		/* An internal peer that speaks nonsense is a bug: stop it
		 * and let the usual policy apply. */
		log_warnx("%s sent a malformed message; killing it", c->label);
		kill(c->pid, SIGKILL);
	}
	if (fd != -1)
		close(fd);
}

static void
sup_ctl_closed(struct chan *ch, void *arg)
{
	struct child *c = arg;

	/* The child is exiting; reaping it decides what follows.  A spare
	 * is forgotten at once (it has nothing to follow). */
	if (c->role == ROLE_SPARE && sup_spare_gone(c, 0))
		return;
	chan_free(c->ctl);
	c->ctl = NULL;
}

/* --- run -------------------------------------------------------------------- */

/* The supervisor's state, empty. */
static void
sup_init(const struct todod_config *cfg)
{
	memset(&sup, 0, sizeof(sup));
	sup.cfg = cfg;
	sup.listener.fd = sup.listener.dirfd = sup.listener.lockfd = -1;
	sup.datadir.lockfd = sup.datadir.dirlockfd = -1;
	TAILQ_INIT(&sup.lists);
	TAILQ_INIT(&sup.waiting);
	RB_INIT(&sup.names);
	RB_INIT(&sup.pids);
	TAILQ_INIT(&sup.syncs);
	etf_buf_init(&sup.msg);
}

/* The event loop, with the signals the supervisor handles (in ev). */
static void
sup_events(struct event *ev[SUP_NSIGS])
{
	const int sigs[SUP_NSIGS] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD,
	    SIGUSR1, SIGUSR2 };
	int i;

	if ((sup.base = proc_event_base()) == NULL ||
	    (sup.wait_timer = evtimer_new(sup.base, sup_wait_expired,
	    NULL)) == NULL)
		fatalx("out of memory");
	for (i = 0; i < SUP_NSIGS; i++)
		if ((ev[i] = evsignal_new(sup.base, sigs[i], sigs[i] == SIGCHLD ?
		    sup_sigchld : sup_signal, NULL)) == NULL ||
		    event_add(ev[i], NULL) == -1)
			fatalx("cannot handle signals");
	if (ttyguard_relay(sup.base) == -1)
		fatalx("out of memory");
	sup_stops_unblock();
}

/* The permanent children, the spawner first, while the supervisor is
 * small (spawner.c).  They die with the supervisor (PDEATHSIG). */
static void
sup_start_children(const struct todod_config *cfg)
{
	int i;

	/* What the start made is no longer removed once a child may have
	 * written there (sup_start_failed()): its descriptors would only
	 * be inherited. */
	madedirs_close(&sup.datadir.made);
	madedirs_close(&sup.listener.made);
	if (sup_fork_spawner() == -1)
		sup_start_failed(cfg, "cannot start the spawner");
	for (i = 0; i < cfg->workers; i++)
		if (sup_fork_worker(i) == -1)
			sup_start_failed(cfg, "cannot start the database "
			    "workers");
	if (sup_fork_cache() == -1)
		sup_start_failed(cfg, "cannot start the cache");
	if (sup_watch_start() == -1)
		fatalx("out of memory");
}

/* After the loop: the pidfile, the socket and the lock given up, and
 * everything freed. */
static void
sup_finish(const struct todod_config *cfg, struct event *ev[SUP_NSIGS])
{
	int i, rc;

	/* The pidfile before the socket's lock goes with the socket: the
	 * next daemon on this socket writes its own once it has the lock. */
	if (sup.pidfile_made) {
		rc = pidfile_unlink(cfg->pidfile);
		if (rc == -1)
			log_warn("cannot remove the pidfile %s", cfg->pidfile);
		else if (rc == 2)
			log_info("pidfile %s left in place: cannot remove "
			    "it: %s", cfg->pidfile, strerror(errno));
	}
	stallwatch_stop();	/* it watches the socket */
	if (listener_close(&sup.listener) == -1 && errno != ENOENT)
		log_warn("cannot remove the socket %s", cfg->socket_path);
	datadir_unlock(&sup.datadir);
	log_info("exiting with status %d", sup.exit_status);
	for (i = 0; i < SUP_NSIGS; i++)
		event_free(ev[i]);
	if (sup.shutdown_timer != NULL)
		event_free(sup.shutdown_timer);
	if (sup.stall_timer != NULL)
		event_free(sup.stall_timer);
	event_free(sup.wait_timer);
	ttyguard_stop();
	event_base_free(sup.base);
	etf_buf_free(&sup.msg);
}

int
supervisor_run(const struct todod_config *cfg)
{
	struct privdrop_user user;
	struct event *ev[SUP_NSIGS];

	sup_init(cfg);
	signal(SIGPIPE, SIG_IGN);
	log_setrole("supervisor");
	/* Descriptors the command left open (a shell's redirection, a pipe
	 * of the caller's) are not the daemon's: closed before it opens
	 * any, so that the supervisor, which runs on as -u's user, and a
	 * detached daemon hold none of them.  Each child closes what is
	 * not its own again (proc.c). */
	if (close_range(3, ~0U, 0) == -1)
		fatal("close_range");
	sup_prepare(cfg, &user);
	proc_title("todod: supervisor");

	if (proc_stats_init() == -1)
		fatal("mmap");
	proc_stats->supervisor = getpid();
	proc_stats->started = time(NULL);
	proc_stats->nworkers = cfg->workers;
	sup_events(ev);
	sup_start_children(cfg);
	event_base_dispatch(sup.base);
	sup_finish(cfg, ev);
	return sup.exit_status;
}
