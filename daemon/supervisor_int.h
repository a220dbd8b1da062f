/*
 * supervisor_int.h: the inside of the supervisor, shared by its parts:
 *
 *   supervisor.c    state, links between children, forking, sync
 *                   rounds, messages from children, the run
 *   sup_start.c     the start, up to the first fork
 *   sup_spares.c    spares held, lists waiting for a spare
 *   sup_reap.c      reaping and restarting
 *   sup_stop.c      shutdown
 */
#ifndef TODOD_SUPERVISOR_INT_H
#define TODOD_SUPERVISOR_INT_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/util.h>

#include "datadir.h"
#include "etf.h"
#include "listener.h"
#include "names.h"
#include "proc.h"

struct chan;
struct event;
struct event_base;
struct privdrop_user;
struct todod_config;

#define SUP_INTENSITY		5	/* restarts ... */
#define SUP_PERIOD		10	/* ... in this many seconds */
/*
 * Shutdown deadlines, in seconds.  The list servers, the cache and the
 * spawner have SUP_STOP_LISTS after the signal; those left are killed.
 * The workers are not: they go once every list server has, and write
 * every list's file from the journal first, which takes as long as the
 * journal is long.  A stopping worker is killed only if it has written
 * nothing (its shared counters have not moved) for SUP_STOP_STALL: its
 * journal then stays, and the next start replays it.  One that waits on
 * the disk meanwhile (sup_stop.c) is let wait up to SUP_STOP_DISK_LOOKS
 * of those deadlines, so that a disk that never answers cannot hold a
 * service manager's stop for good.
 */
#define SUP_STOP_LISTS		10
#define SUP_STOP_STALL		10
#define SUP_STOP_DISK_LOOKS	12
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
RB_HEAD(child_names, child);
RB_HEAD(child_pids, child);
/* Generated in supervisor.c. */
RB_PROTOTYPE(child_names, child, by_name, child_name_cmp)
RB_PROTOTYPE(child_pids, child, by_pid, child_pid_cmp)

/* Spares held: processes waiting on their control channel for a list
 * (ROLE_SPARE: forked by the spawner, or released by a list). */
#define SUP_SPARES_MAX	4

/*
 * A sync round: the workers that have not yet written their lists.  A
 * worker answers each sync message it is sent, in order: its answer is
 * the oldest round that sent it one and waits for it (several rounds
 * can run at once, one per connection, and a sync_new round's answer
 * must not end a sync round whose message the worker has not read yet).
 * A worker that dies meanwhile is done once its successor is ready (it
 * brings every list file up to date from the journal as it starts; the
 * round fails if it could not: {ready, behind}).
 */
struct sync_round {
	TAILQ_ENTRY(sync_round)	 entry;
	int64_t			 token;		/* the cache's */
	uint64_t		 pending;	/* bit per worker */
	uint64_t		 sent;		/* ... sent its message */
	int			 failed;	/* some list file is not */
};

/* The supervisor's state (supervisor.c). */
struct sup_state {
	const struct todod_config *cfg;
	struct event_base	*base;
	struct listener		 listener;
	struct datadir		 datadir;
	int			 dirfd;
	int			 pidfile_made;	/* written by this start */
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
	/* When the last restarts were (CLOCK_MONOTONIC, ms; 0: none): a
	 * wall clock set back would put the earlier ones in the future,
	 * within the period, and one crash would stop the daemon. */
	int64_t			 restarts[SUP_INTENSITY + 1];
	struct event		*shutdown_timer;	/* SUP_STOP_LISTS */
	struct event		*stall_timer;		/* SUP_STOP_STALL */
	struct event		*wait_timer;		/* SUP_SPARE_WAIT_MS */
	uint64_t		 progress[PROC_MAX_WORKERS];
	int			 disk_looks[PROC_MAX_WORKERS];
	bool			 stop_killed[PROC_MAX_WORKERS];
	TAILQ_HEAD(, sync_round) syncs;
	struct etf_buf		 msg;
};

extern struct sup_state sup;

/* supervisor.c */
void		 sup_msg_atom(const char *);
void		 sup_send(struct child *, int fd);
struct child	*sup_child_new(enum role, int sv_parent, pid_t);
void		 sup_link_worker_or_stop(struct child *, int unasked);
int		 sup_fork_worker(int index);
int		 sup_fork_spawner(void);
int		 sup_fork_cache(void);
struct child	*sup_find_list(const void *, size_t);
void		 sup_sync_done(uint64_t worker_bit, int failed);

/* sup_start.c */
/* Detach, lock the data directory, bind the socket, write the pidfile,
 * drop privileges (to user, looked up); the stop signals stay blocked
 * until sup_stops_unblock(). */
void		 sup_prepare(const struct todod_config *,
		    struct privdrop_user *user);
void		 sup_stops_unblock(void);
/* Undo what the start made (what may be), then exit 1 with the
 * message. */
void		 sup_start_failed(const struct todod_config *, const char *,
		    ...) __attribute__((__format__(__printf__, 2, 3),
		    __noreturn__));

/* sup_spares.c */
void		 sup_drop_spares(void);
void		 sup_wait_expired(evutil_socket_t, short, void *);
void		 sup_spare_in(pid_t, int fd);
void		 sup_list_released(struct child *);
void		 sup_no_spare(void);
int		 sup_spare_gone(struct child *, pid_t);
int		 sup_spawn_list(const void *, size_t, int cache_fd);

/* sup_reap.c */
void		 sup_child_free(struct child *);
void		 sup_check_done(void);
void		 sup_list_gone(struct child *, int status);
void		 sup_reaped(pid_t, int status);
void		 sup_spawned_reaped(pid_t, int status);
void		 sup_sigchld(evutil_socket_t, short, void *);

/* sup_watch.c: the watch of the workers and the cache (stallwatch.h). */
int		 sup_watch_start(void);
void		 sup_watch_pong(const struct child *);
void		 sup_watch_forget(const struct child *);

/* sup_stop.c */
void		 sup_release_workers(void);
void		 sup_shutdown(int status);
void		 sup_signal(evutil_socket_t, short, void *);

#endif /* TODOD_SUPERVISOR_INT_H */
