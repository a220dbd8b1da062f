/* supervisor.c: starts, wires, reaps and restarts the other processes. */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "cache.h"
#include "chan.h"
#include "datadir.h"
#include "detach.h"
#include "etf.h"
#include "fdlimit.h"
#include "journal.h"
#include "listener.h"
#include "listsrv.h"
#include "log.h"
#include "monotime.h"
#include "names.h"
#include "notify.h"
#include "options.h"
#include "pidfile.h"
#include "privdrop.h"
#include "proc.h"
#include "spawner.h"
#include "stallwatch.h"
#include "store.h"
#include "supervisor.h"
#include "worker.h"
#include "workerproc.h"

#define SUP_INTENSITY		5	/* restarts ... */
#define SUP_PERIOD		10	/* ... in this many seconds */
/*
 * Shutdown deadlines, in seconds.  The list servers, the cache and the
 * spawner have SUP_STOP_LISTS after the signal; those left are killed.
 * The workers are not: they go once every list server has, and write
 * every list's file from the journal first, which takes as long as the
 * journal is long.  A stopping worker is killed only if it has written
 * nothing (its shared counters have not moved) for SUP_STOP_STALL: its
 * journal then stays, and the next start replays it.
 */
#define SUP_STOP_LISTS		10
#define SUP_STOP_STALL		10
/* How long a list may wait for a spare (the spawner stalled, or its
 * forks too slow) before it is given up, in ms: its link closes, and the
 * cache tries again a few times, then answers busy. */
#define SUP_SPARE_WAIT_MS	3000

enum role { ROLE_CACHE, ROLE_WORKER, ROLE_LIST, ROLE_SPAWNER, ROLE_SPARE };

struct child {
	TAILQ_ENTRY(child)	 entry;
	RB_ENTRY(child)		 by_name;	/* list: in sup.names */
	RB_ENTRY(child)		 by_pid;	/* list: in sup.pids */
	enum role		 role;
	pid_t			 pid;
	int			 index;		/* worker */
	uint8_t			 name[NAME_MAX_BYTES];	/* list */
	size_t			 len;
	char			 label[NAME_FILE_BUFSZ + 16];
	struct chan		*ctl;
	int			 ready;
	int			 stopping;	/* list: said it is exiting */
	int			 respawn_link;	/* list: start again once reaped,
						 * with this cache link; or -1 */
	int			 lost;		/* list: its spawner died */
	int			 cache_fd;	/* list: its end of its cache
						 * link, until a spare has
						 * it; else -1 */
	TAILQ_ENTRY(child)	 waiting;	/* list: in sup.waiting while
						 * it keeps cache_fd (and has
						 * no process, nor ctl) */
	int64_t			 waiting_since;	/* list: monotime_ms() */
};

TAILQ_HEAD(child_list, child);

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

RB_HEAD(child_names, child);
RB_HEAD(child_pids, child);
RB_GENERATE_INTERNAL(child_names, child, by_name, child_name_cmp,
    __attribute__((__unused__)) static)
RB_GENERATE_INTERNAL(child_pids, child, by_pid, child_pid_cmp,
    __attribute__((__unused__)) static)

/* Spares held: processes waiting on their control channel for a list
 * (ROLE_SPARE: forked by the spawner, or released by a list). */
#define SUP_SPARES_MAX	4

/*
 * A sync round: the workers that have not yet written their lists.  A
 * worker that dies meanwhile is done once its successor is ready (it
 * brings every list file up to date from the journal as it starts; the
 * round fails if it could not: {ready, behind}).
 */
struct sync_round {
	TAILQ_ENTRY(sync_round)	 entry;
	int64_t			 token;		/* the cache's */
	uint64_t		 pending;	/* bit per worker */
	int			 failed;	/* some list file is not */
};

static struct {
	const struct todod_config *cfg;
	struct event_base	*base;
	struct listener		 listener;
	struct datadir		 datadir;
	int			 dirfd;
	struct child		*cache;
	struct child		*spawner;	/* forks the list servers */
	struct child		*workers[PROC_MAX_WORKERS];
	struct child_list	 lists;		/* list servers, oldest first */
	struct child_names	 names;		/* ... by list name */
	struct child_pids	 pids;		/* ... by pid */
	struct child_list	 waiting;	/* ... waiting for a spare */
	size_t			 nlists;
	struct child		*spares[SUP_SPARES_MAX]; /* last used first */
	int			 nspares;
	int			 spare_asked;	/* a need is unanswered */
	int			 announced;	/* READY=1 sent */
	int			 shutting_down;
	int			 exit_status;
	time_t			 restarts[SUP_INTENSITY + 1];
	struct event		*shutdown_timer;	/* SUP_STOP_LISTS */
	struct event		*stall_timer;		/* SUP_STOP_STALL */
	struct event		*wait_timer;		/* SUP_SPARE_WAIT_MS */
	uint64_t		 progress[PROC_MAX_WORKERS];
	TAILQ_HEAD(, sync_round) syncs;
	struct etf_buf		 msg;
} sup;

static void	sup_ctl_msg(struct chan *, const struct etf_term *, int,
		    void *);
static void	sup_ctl_closed(struct chan *, void *);
static void	sup_shutdown(int status);
static int	sup_spawn_list(const void *, size_t, int);
static void	sup_child_free(struct child *);
static void	sup_check_done(void);
static void	sup_reaped(pid_t, int);
static void	sup_list_gone(struct child *, int);
static void	sup_release_workers(void);
static void	sup_wait_arm(void);

static void
sup_msg_atom(const char *atom)
{
	etf_buf_reset(&sup.msg);
	etf_put_version(&sup.msg);
	etf_put_atom(&sup.msg, atom);
}

static void
sup_send(struct child *c, int fd)
{
	if (c == NULL || c->ctl == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	chan_send(c->ctl, &sup.msg, fd);
}

/* Common set-up of a forked child. */
static void
sup_child_setup(void)
{
	if (!sup.cfg->foreground && !sup.announced) {
		(void)detach_devnull();
		log_init(0, (enum log_level)sup.cfg->log_level);
	}
}

static struct child *
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
static void
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
	int sv[2], keep[4], i;
	pid_t pid;

	if (nextra > 3 || sup_socketpair(sv) == -1)
		return NULL;
	keep[0] = sv[1];
	for (i = 0; i < nextra; i++)
		keep[i + 1] = extra[i];
	if ((pid = proc_fork(keep, nextra + 1, 0)) == -1) {
		log_warn("fork");
		close(sv[0]);
		close(sv[1]);
		return NULL;
	}
	if (pid == 0) {
		sup_child_setup();
		if (role == ROLE_WORKER)
			workerproc_main(sup.cfg, index);
		if (role == ROLE_CACHE)
			cache_main(sup.cfg);
		spawner_main(sup.cfg);
	}
	close(sv[1]);
	return sup_child_new(role, sv[0], pid);
}

static int
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

static int
sup_fork_spawner(void)
{
	if ((sup.spawner = sup_fork(ROLE_SPAWNER, 0, NULL, 0)) == NULL)
		return -1;
	snprintf(sup.spawner->label, sizeof(sup.spawner->label), "spawner");
	return 0;
}

static int
sup_fork_cache(void)
{
	const int extra[2] = { sup.listener.fd, sup.dirfd };
	struct child *c, *l;

	if ((c = sup_fork(ROLE_CACHE, 0, extra, 2)) == NULL)
		return -1;
	snprintf(c->label, sizeof(c->label), "cache");
	sup.cache = c;
	proc_stats->cache = c->pid;
	/* A new cache learns every live or starting list before it
	 * accepts (pid 0: not known yet). */
	TAILQ_FOREACH(l, &sup.lists, entry)
		if (!l->stopping && sup_link_cache(l) == -1)
			log_warnx("cannot link %s to the cache", l->label);
	if (sup.announced) {
		sup_msg_atom("go");
		sup_send(c, -1);
	}
	return 0;
}

static struct child *
sup_find_list(const void *name, size_t len)
{
	struct child key;

	if (len > sizeof(key.name))
		return NULL;
	memcpy(key.name, name, len);
	key.len = len;
	return RB_FIND(child_names, &sup.names, &key);
}

/* --- spares ------------------------------------------------------------ */

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
static void
sup_drop_spares(void)
{
	while (sup.nspares > 0)
		sup_child_free(sup.spares[--sup.nspares]);
	sup.spare_asked = 0;
}

#ifdef TODOD_FAULTS
/* Test-only: every start fails, as if no process could be had, while
 * the file named by TODOD_FAULT_SPAWN_FILE exists. */
static int
sup_fault_spawn(void)
{
	const char *f = getenv("TODOD_FAULT_SPAWN_FILE");

	return f != NULL && *f != '\0' && access(f, F_OK) == 0;
}
#else
#define sup_fault_spawn()	0
#endif

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
		if (sup_fault_spawn()) {
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
static void
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
	evtimer_add(sup.wait_timer, &tv);
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
static void
sup_spare_in(pid_t pid, int fd)
{
	sup.spare_asked = 0;
	sup_spare_keep(sup_spare_new(pid, fd));
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
	const char *f = getenv("TODOD_FAULT_STALE_FILE");
	int sv[2];

	if (f == NULL || *f == '\0' || access(f, F_OK) == -1)
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

/*
 * released: the cache stopped the list's server, every change of it is
 * durable, and its process waits for another list on the same channel.
 * The list is gone, as if its server had exited; the process is a
 * spare.  It is held first, so that a list waiting to start again
 * (respawn_link) may take it.
 */
static void
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
static void
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
static int
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
static int
sup_spawn_list(const void *name, size_t len, int cache_fd)
{
	struct child *c;
	char file[NAME_FILE_BUFSZ];

	if ((c = sup_find_list(name, len)) != NULL) {
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
	c->waiting_since = monotime_ms();
	TAILQ_INSERT_TAIL(&sup.waiting, c, waiting);
	sup_start_waiting();
	return 0;
}

/* --- sync rounds --------------------------------------------------------- */

/* Worker bit is done with the rounds that wait for it (failed: some list
 * file is not current); {synced | sync_failed, Token} for those done. */
static void
sup_sync_done(uint64_t worker_bit, int failed)
{
	struct sync_round *r, *next;

	TAILQ_FOREACH_SAFE(r, &sup.syncs, entry, next) {
		if (r->pending & worker_bit && failed)
			r->failed = 1;
		r->pending &= ~worker_bit;
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
	sup_msg_atom(what);
	for (i = 0; i < sup.cfg->workers; i++) {
		/* One starting again is done when it is ready. */
		r->pending |= (uint64_t)1 << i;
		if (sup.workers[i] != NULL && sup.workers[i]->ctl != NULL &&
		    sup.workers[i]->ready)
			sup_send(sup.workers[i], -1);
	}
	sup_sync_done(0, 0);
}

/* --- messages from children --------------------------------------------- */

static void
sup_maybe_ready(void)
{
	char err[256];
	int i;

	if (sup.announced || sup.cache == NULL || !sup.cache->ready ||
	    sup.spawner == NULL || !sup.spawner->ready)
		return;
	for (i = 0; i < sup.cfg->workers; i++)
		if (sup.workers[i] == NULL || !sup.workers[i]->ready)
			return;
	sup.announced = 1;
	sup_msg_atom("go");
	sup_send(sup.cache, -1);
	log_info("ready: %s, data in %s, %d workers", sup.cfg->socket_path,
	    sup.cfg->data_dir, sup.cfg->workers);
	(void)notify_ready();
	if (!sup.cfg->foreground) {
		if (detach_ready(err, sizeof(err)) == -1)
			fatalx("%s", err);
		log_init(0, (enum log_level)sup.cfg->log_level);
	}
}

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
		sup_reaped((pid_t)t->seq.v[1].i, (int)t->seq.v[2].i);
	else if (c->role == ROLE_WORKER && etf_is_atom(t, "pong"))
		stallwatch_pong(c->index);
	else if (c->role == ROLE_WORKER && (etf_is_atom(t, "synced") ||
	    etf_is_atom(t, "sync_failed")))
		sup_sync_done((uint64_t)1 << c->index,
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

/* --- reaping and restarting --------------------------------------------- */

static int
sup_restart_allowed(void)
{
	time_t now = time(NULL);
	int i;

	memmove(sup.restarts + 1, sup.restarts,
	    SUP_INTENSITY * sizeof(sup.restarts[0]));
	sup.restarts[0] = now;
	proc_stats->restarts++;
	for (i = 0; i <= SUP_INTENSITY; i++)
		if (sup.restarts[i] == 0 || now - sup.restarts[i] >= SUP_PERIOD)
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

static void
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
	struct child *l;
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
	}
}

static void
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
static void
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

static void
sup_reaped(pid_t pid, int status)
{
	struct child *c = NULL, key;
	int i;

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
	key.pid = pid;
	if (c == NULL && (c = RB_FIND(child_pids, &sup.pids, &key)) != NULL) {
		sup_list_gone(c, status);
		sup_check_done();
		return;
	}
	if (c == NULL && sup_spare_gone(NULL, pid))
		return;
	if (c == NULL)
		return;		/* not ours (e.g. the detach helper) */
	if (c->role == ROLE_WORKER)
		stallwatch_forget(c->index);
	/* A worker whose journal is not to be replayed here (it said why):
	 * no start again, the daemon stops. */
	if (c->role == ROLE_WORKER && WIFEXITED(status) &&
	    WEXITSTATUS(status) == PROC_EXIT_REFUSED) {
		log_warnx("%s refuses to start: stopping", c->label);
		sup_shutdown(1);
	} else
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

static void
sup_sigchld(evutil_socket_t sig, short ev, void *arg)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		sup_reaped(pid, status);
}

/* --- shutdown ------------------------------------------------------------- */

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

/* stallwatch.h: ask worker i whether it answers. */
static int
sup_ping_worker(int i)
{
	struct child *w = sup.workers[i];

	if (sup.shutting_down || w == NULL || w->ctl == NULL || !w->ready)
		return -1;
	sup_msg_atom("ping");
	sup_send(w, -1);
	return 0;
}

static const char *
sup_worker_label(int i)
{
	return sup.workers[i] != NULL ? sup.workers[i]->label : "a worker";
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

/* Every SUP_STOP_STALL while the workers stop: kill one that has
 * written nothing since the last look. */
static void
sup_watch_workers(evutil_socket_t fd, short ev, void *arg)
{
	uint64_t now;
	int i, busy = 0;

	for (i = 0; i < sup.cfg->workers; i++) {
		if (sup.workers[i] == NULL)
			continue;
		if ((now = sup_worker_progress(i)) != sup.progress[i]) {
			sup.progress[i] = now;
			busy = 1;
			continue;
		}
		log_warnx("%s has written nothing for a while as it stops: "
		    "killing it (its journal stays, for the next start)",
		    sup.workers[i]->label);
		kill(sup.workers[i]->pid, SIGKILL);
	}
	if (busy)
		sup_extend_stop();
}

/* The list servers are gone: let the workers write their lists. */
static void
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
		evtimer_add(sup.stall_timer, &tv);
}

static void
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
	evtimer_add(sup.shutdown_timer, &tv);
	sup_check_done();
}

static void
sup_signal(evutil_socket_t sig, short ev, void *arg)
{
	if (sig == SIGHUP) {
		log_reopen();
		return;
	}
	sup_shutdown(0);
}

/* --- start ------------------------------------------------------------------ */

static void
sup_prepare(const struct todod_config *cfg, struct privdrop_user *user)
{
	char err[512], journal[256];
	pid_t holder = 0;
	int saved, found;

	if (cfg->user[0] != '\0' &&
	    privdrop_lookup(user, cfg->user, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (!cfg->foreground && detach_start(err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (datadir_lock(&sup.datadir, cfg->data_dir, &holder, err,
	    sizeof(err)) == -1) {
		if (holder > 0)
			fatalx("data directory %s is in use by todod pid %d",
			    cfg->data_dir, (int)holder);
		fatalx("%s", err);
	}
	if ((sup.dirfd = store_open_dir(cfg->data_dir)) == -1)
		fatal("cannot open the data directory %s", cfg->data_dir);
	if (store_cleanup_temps(sup.dirfd) == -1)
		fatal("cannot clean the data directory %s", cfg->data_dir);
	/* A crash of a daemon with more workers left this journal: none of
	 * these workers would replay it, and its lists would lose the
	 * changes it holds (and get them back over newer ones, were the
	 * count raised again). */
	if ((found = journal_beyond(sup.dirfd, cfg->workers,
	    PROC_MAX_MSG + 4096, journal, sizeof(journal))) == -1)
		fatal("cannot read the data directory %s", cfg->data_dir);
	if (found)
		fatalx("data directory %s holds %s, a journal with changes of "
		    "a worker that --workers %d does not start: start todod "
		    "with the --workers it was written with, so that it is "
		    "replayed, and stop todod before changing --workers",
		    cfg->data_dir, journal, cfg->workers);
	if (listener_open(&sup.listener, cfg->socket_path, cfg->socket_mode,
	    cfg->user[0] != '\0' ? user->uid : (uid_t)-1, err,
	    sizeof(err)) == -1)
		fatalx("%s", err);
	/* Written once the socket is bound, before privileges go. */
	if (cfg->pidfile[0] != '\0' &&
	    pidfile_create(cfg->pidfile, err, sizeof(err)) == -1) {
		(void)listener_close(&sup.listener);
		fatalx("%s", err);
	}
	if (cfg->user[0] != '\0' &&
	    (privdrop_give(user, &sup.datadir, &sup.listener, err,
	    sizeof(err)) == -1 || privdrop_drop(user, err, sizeof(err)) == -1))
		fatalx("%s", err);
	/* Else every worker would fail to start its journal, and be
	 * started again, until the restart limit. */
	if (faccessat(sup.dirfd, ".", W_OK | X_OK, AT_EACCESS) == -1) {
		saved = errno;
		(void)listener_close(&sup.listener);
		if (cfg->pidfile[0] != '\0')
			(void)pidfile_unlink(cfg->pidfile);
		errno = saved;
		fatal("data directory %s is not writable%s%s", cfg->data_dir,
		    cfg->user[0] != '\0' ? " by user " : "", cfg->user);
	}
	(void)fdlimit_raise();
}

int
supervisor_run(const struct todod_config *cfg)
{
	struct privdrop_user user;
	struct event *ev[4];
	const int sigs[4] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD };
	int i;

	memset(&sup, 0, sizeof(sup));
	sup.cfg = cfg;
	sup.listener.fd = -1;
	sup.datadir.lockfd = sup.datadir.dirlockfd = -1;
	TAILQ_INIT(&sup.lists);
	TAILQ_INIT(&sup.waiting);
	RB_INIT(&sup.names);
	RB_INIT(&sup.pids);
	TAILQ_INIT(&sup.syncs);
	etf_buf_init(&sup.msg);
	signal(SIGPIPE, SIG_IGN);
	log_setrole("supervisor");
	sup_prepare(cfg, &user);
	proc_title("todod: supervisor");

	if (proc_stats_init() == -1)
		fatal("mmap");
	proc_stats->supervisor = getpid();
	proc_stats->started = time(NULL);
	proc_stats->nworkers = cfg->workers;
	if ((sup.base = proc_event_base()) == NULL ||
	    (sup.wait_timer = evtimer_new(sup.base, sup_wait_expired,
	    NULL)) == NULL)
		fatalx("out of memory");
	for (i = 0; i < 4; i++)
		if ((ev[i] = evsignal_new(sup.base, sigs[i], sigs[i] == SIGCHLD ?
		    sup_sigchld : sup_signal, NULL)) == NULL ||
		    event_add(ev[i], NULL) == -1)
			fatalx("cannot handle signals");

	/* The spawner first, while the supervisor is small (spawner.c). */
	if (sup_fork_spawner() == -1)
		fatalx("cannot start the spawner");
	for (i = 0; i < cfg->workers; i++)
		if (sup_fork_worker(i) == -1)
			fatalx("cannot start the database workers");
	if (sup_fork_cache() == -1)
		fatalx("cannot start the cache");
	if (stallwatch_start(sup.base, cfg->workers, sup_ping_worker,
	    sup_worker_label) == -1)
		fatalx("out of memory");

	event_base_dispatch(sup.base);

	if (listener_close(&sup.listener) == -1 && errno != ENOENT)
		log_warn("cannot remove the socket %s", cfg->socket_path);
	if (cfg->pidfile[0] != '\0')
		(void)pidfile_unlink(cfg->pidfile);
	datadir_unlock(&sup.datadir);
	log_info("exiting with status %d", sup.exit_status);
	for (i = 0; i < 4; i++)
		event_free(ev[i]);
	if (sup.shutdown_timer != NULL)
		event_free(sup.shutdown_timer);
	if (sup.stall_timer != NULL)
		event_free(sup.stall_timer);
	event_free(sup.wait_timer);
	stallwatch_stop();
	event_base_free(sup.base);
	etf_buf_free(&sup.msg);
	return sup.exit_status;
}
