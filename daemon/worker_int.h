/*
 * worker_int.h: the inside of a database worker, shared by its parts:
 *
 *   worker.c         peers, requests, replies
 *   worker_get.c     the answer to a get
 *   worker_commit.c  a round of requests: one journal write, one sync
 *   worker_state.c   lists with journaled ops, journal generations
 *   worker_ckpt.c    checkpoints, sync
 *   worker_recover.c the journal's recovery at start
 */
#ifndef TODOD_WORKER_INT_H
#define TODOD_WORKER_INT_H

#include <sys/queue.h>
#include <sys/tree.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etf.h"
#include "journal.h"
#include "names.h"
#include "store.h"
#include "worker.h"

#define WORKER_BATCH_MAX	256	/* files open at once in a commit */
#define WORKER_SYNCFS_MIN	3	/* files from which syncfs wins */
#define WORKER_SEQ_MAX		65536	/* lists whose last Seq is kept */
#define WORKER_READ_MAX		(256 * 1024)	/* read per peer per pass */
#define WORKER_READ_CHUNK	(64 * 1024)	/* ... by reads of this */
#define WORKER_WRITE_MAX	(1024 * 1024)	/* write per peer per pass */
#define WORKER_ROUND_BYTES	(8u << 20)	/* journal bytes per round */
#define WORKER_JOURNAL_MAX	(32u << 20)	/* then a new generation */
#define WORKER_GEN_LISTS	16384	/* ... or after this many lists */
#define WORKER_BUF_KEEP		(1u << 20)	/* a buffer kept for reuse */
#define WORKER_CKPT_PASS	16	/* checkpoints per pass, per old gen */
#define WORKER_CKPT_GAP_MS	15	/* between passes, one old gen left */
#define WORKER_CKPT_BATCH	64	/* lists checkpointed together */
#define WORKER_CKPT_BYTES	(2u << 20)	/* of files per pass, per gen */
#define WORKER_CKSTREAM_MIN	(256u * 1024)	/* files checkpointed streaming */

struct todo_list;
struct event;
struct event_base;

enum wreq_type { WREQ_GET, WREQ_STORE, WREQ_APPEND };

struct wpeer {
	TAILQ_ENTRY(wpeer)	 entry;
	RB_ENTRY(wpeer)		 by_name;	/* once named */
	struct worker		*w;
	struct event		*rev;		/* persistent while reading */
	struct event		*wev;		/* added while output waits */
	struct evbuffer		*in;
	struct evbuffer		*out;
	int			 fd;
	size_t			 nqueued;	/* its requests in the queue */
	bool			 paused;	/* output over its bound */
	bool			 closing;	/* malformed: answer, close */
	/* The list it serves (a list server's link serves one): named by
	 * {peer, Name}, {peer, Name, relink} or its first request. */
	bool			 named;
	/* Named by the supervisor ({peer, ...}): it may ask for that list
	 * only (worker_peer_may). */
	bool			 bound;
	size_t			 namelen;
	uint8_t			 name[NAME_MAX_BYTES];
};

/* A record of a list that is not in its file yet. */
struct wrec {
	TAILQ_ENTRY(wrec)	 entry;
	uint64_t		 gen;		/* where it is journaled */
	int64_t			 seq;
	enum journal_kind	 kind;		/* OPS; FILE while recovering */
	uint64_t		 flen;		/* FILE */
	uint32_t		 fcrc;
	uint32_t		 nops;
	size_t			 len;
	uint8_t			 ops[];		/* OPS: version byte, [Op] */
};
TAILQ_HEAD(wrecs, wrec);

/* What the worker knows of one list. */
struct wlist {
	RB_ENTRY(wlist)		 entry;
	TAILQ_ENTRY(wlist)	 lru;
	TAILQ_ENTRY(wlist)	 gq;		/* in its first_gen's queue */
	struct wrecs		 recs;		/* in journal order */
	size_t			 nrecs;
	size_t			 nfile;		/* FILE records among them */
	uint64_t		 first_gen;	/* of recs' first; 0: none */
	uint64_t		 last_gen;	/* of its newest record */
	int64_t			 seq;		/* last Seq journaled, stored */
	bool			 has_seq;
	bool			 has_file;	/* its file is known to exist */
	bool			 failed;	/* its checkpoint just failed */
	/* The round being planned (worker_commit.c). */
	uint64_t		 round;
	int64_t			 rseq;
	bool			 rhas;
	bool			 rfresh;	/* rseq is this round's write */
	bool			 rstore;
	bool			 rappend;	/* an append is journaled */
	size_t			 namelen;
	uint8_t			 name[];
};
TAILQ_HEAD(wlistq, wlist);
RB_HEAD(wlists, wlist);

/* A generation of the journal that is still needed. */
struct wgen {
	TAILQ_ENTRY(wgen)	 entry;
	uint64_t		 gen;
	struct wlistq		 lists;		/* lists whose first_gen it is */
	size_t			 nlists;
};
TAILQ_HEAD(wgens, wgen);

struct wreq {
	TAILQ_ENTRY(wreq)	 entry;
	struct wpeer		*peer;		/* NULL once the peer left */
	struct wlist		*wl;		/* planned */
	struct wrec		*rec;		/* APPEND: held once written */
	enum wreq_type		 type;
	int64_t			 seq;
	struct etf_buf		 data;		/* STORE: the file bytes;
						   APPEND: version, [Op] */
	uint32_t		 nops;
	bool			 write;		/* journal it, write it */
	bool			 marker;	/* STORE: a FILE record too */
	int			 err;		/* errno of a failure */
	struct store_tmp	 tmp;
	size_t			 namelen;
	uint8_t			 name[NAME_MAX_BYTES];
};
TAILQ_HEAD(wpeers, wpeer);
RB_HEAD(wpeer_names, wpeer);
TAILQ_HEAD(wreqs, wreq);

struct worker {
	struct event_base	*base;
	struct worker_config	 cfg;		/* dirfd: its own (worker_new) */
	struct worker_counters	*ctr;
	struct worker_counters	 ctr_own;	/* when the caller gives none */
	struct etf_arena	*arena;
	struct event		*flush_ev;
	struct event		*drain_ev;
	struct wpeers		 peers;
	struct wpeer_names	 peer_names;	/* named peers by name */
	size_t			 npeers;
	struct wreqs		 queue;
	size_t			 nqueue;
	struct wlists		 lists;
	struct wlistq		 lru;
	size_t			 nlists;
	struct wgens		 gens;		/* oldest first; last: current */
	size_t			 ngens;
	struct journal		*jn;		/* the current generation */
	uint64_t		 carried;	/* ... bytes carried into it */
	/* The data directory needs a sync: the last one failed
	 * (wk_sync_dir) after a file was renamed into place, so the
	 * rename may not be durable, and the old
	 * generations, whose FILE records and ops recovery replays over
	 * the file it finds, stay until one succeeds (wk_gens_trim).  Set
	 * too by the removal of a generation, which must be durable before
	 * the next is removed (wk_gens_trim, wk_checkpoint_all).  Never
	 * set with --sync none, which syncs nothing. */
	bool			 dir_unsynced;
	/* An old generation could not be removed: not tried again before
	 * this time (monotonic ms), each failure logged at most once in
	 * LOGRATE_MS (a file system refusing the unlink for good would
	 * have every commit and drain pass try it, and log it, again). */
	int64_t			 trim_after_ms;
	uint64_t		 round;
	struct etf_buf		 jbuf;		/* records of one write */
	struct etf_buf		 out;
	size_t			 out_max;	/* per peer output bound */
	size_t			 max_file;	/* largest list file read */
	char			 tag[STORE_TAG_MAX + 1];
};

/* worker_get.c */
/* {error, Reason} into b. */
void		 wk_reply_error(struct etf_buf *, const char *reason);
/* Build the answer to a get in b: 0; 1 if it was sent already; -1 if
 * the peer is to be closed. */
int		 wk_reply_get(struct worker *, struct wreq *, struct etf_buf *);

/* worker_commit.c */
struct wreq	*worker_commit(struct worker *, struct wreq *from);

/* worker_state.c */
struct wlist	*wk_list_find(struct worker *, const uint8_t *, size_t);
struct wlist	*wk_list_get(struct worker *, const uint8_t *, size_t);
bool		 wk_list_live(const struct worker *, const struct wlist *);
void		 wk_list_refirst(struct worker *, struct wlist *);
void		 wk_lists_trim(struct worker *);
void		 wk_file_name(const struct wlist *, char *, size_t);
struct wrec	*wk_rec_new(uint64_t gen, int64_t seq, const uint8_t *ops,
		    size_t len, uint32_t nops);
void		 wk_rec_add(struct worker *, struct wlist *, struct wrec *);
void		 wk_recs_clear(struct worker *, struct wlist *);
/* A buffer done with: kept for the next use up to WORKER_BUF_KEEP,
 * else freed, so that a burst's peak is not kept for good. */
void		 wk_buf_done(struct etf_buf *);
int		 wk_replay(struct worker *, struct todo_list *,
		    const struct wrec *, bool strict, size_t *odd);
struct wgen	*wk_gen_add(struct worker *, uint64_t gen);
uint64_t	 wk_gen_current(const struct worker *);
#define WORKER_TRIM_RETRY_MS	1000
/* 0, or -1 if an old generation that no list needs is left (its
 * removal failed, now or less than WORKER_TRIM_RETRY_MS ago). */
int		 wk_gens_trim(struct worker *);
/* fsync the data directory, counted; w->dir_unsynced says whether it
 * failed, until one succeeds.  0 or -1. */
int		 wk_sync_dir(struct worker *);
/* Whether one syncfs flushes a round's or a checkpoint's nfiles files
 * and the journal: from WORKER_SYNCFS_MIN files, where the kernel's
 * syncfs reports write-back errors (store_syncfs_reports). */
bool		 wk_use_syncfs(size_t nfiles);
int		 wk_rotate(struct worker *);
void		 wk_journal_check(struct worker *);
bool		 wk_journal_full(const struct worker *);
void		 wk_state_free(struct worker *);

/* worker_ckpt.c */
/* The next pass over old generations, if any: at once when two or more
 * are left, else after WORKER_CKPT_GAP_MS. */
void		 wk_drain_schedule(struct worker *);
int		 wk_checkpoint_all(struct worker *, bool final);
size_t		 wk_lists_journaled(const struct worker *);
int		 wk_checkpoint_new(struct worker *);
/* Checkpoint every list of the generations before the current one, as
 * recovery does; how many were brought up to date. */
size_t		 wk_checkpoint_old(struct worker *);
/* Make the timer of the passes over old generations.  0 or -1. */
int		 wk_drain_init(struct worker *);
/* Drop a list's FILE records left by recovery, and the ops before the
 * newest one that matches its file (data, NULL if it has none): those
 * ops are in the file already. */
void		 wk_ck_resolve(struct worker *, struct wlist *,
		    const uint8_t *data, size_t len);

/* worker_recover.c */
/* 0; -1; or WK_REFUSED (logged): this journal is not to be replayed
 * here, and a start again would not change that (worker_start_refused). */
#define WK_REFUSED	(-2)
int		 wk_recover(struct worker *);

#endif /* TODOD_WORKER_INT_H */
