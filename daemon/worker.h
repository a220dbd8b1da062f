/*
 * worker.h: a database worker (the book's Todo.DatabaseWorker).
 *
 * A worker serves any number of peers (list servers), each on its own
 * stream socket speaking 4-byte framed ETF:
 *
 *   {append, Name, Seq, Ops}     -> {stored, Seq} | {error, Reason}
 *   {get, Name}                  -> not_found | {file, Size} +fd
 *                                   | {ok, FileBytes}
 *                                   | {ok, ListTerm}
 *                                   | {ok, ListTerm | nil, Ops}
 *                                   | {error, Reason}
 *   {store, Name, Seq, ListTerm} -> {stored, Seq} | {error, Reason}
 *
 * Ops is a non-empty list of the op terms of listops.h; Seq an integer
 * (>= 1 in an append, >= 0 in a store).  Reason is an atom (enospc, eio,
 * eacces, corrupt, ...).
 *
 * An append is journaled (journal.h): every append that is ready in one
 * pass of the event loop, from every peer, goes into the journal with
 * one write and one fdatasync, then all are acknowledged.  An append or
 * store whose Seq is not above the last one journaled or stored for that
 * list (since the last get of it) is acknowledged and not written again:
 * a list server resends what was in flight when a worker restarted.
 *
 * A get answers the list's file and the ops journaled since its last
 * checkpoint, flattened into one list in order ({ok, nil, Ops} if there
 * is no file), or, if there are none, the file itself undecoded (the
 * list server decodes it, once, and finds a corrupt file; getreply.h):
 * {file, Size} with the open file's descriptor when nothing else waits to
 * be written to the peer (the message is framed as a chan reads it, with
 * the descriptor bit; chan.h), so that the file's bytes cross no socket,
 * else {ok, FileBytes}, its bytes as a binary; where the ops would
 * not apply to the file as they are (or would not fit in a frame), the
 * worker applies them itself and answers {ok, ListTerm} of the result.
 * A get also forgets the list's last Seq: a list server loads its list
 * when it starts and numbers its changes from there.  A new list
 * server's first link comes with its list's name (worker_add_peer_get):
 * the worker answers the get unasked, at once, so that its read of the
 * list overlaps the server's start; first it reads whatever the list's
 * other links have sent (a dead server's last batch), so that the answer
 * includes it, as it would if the server had asked.
 *
 * A store replaces the list's file as before and drops every journaled
 * op of the list: the stored list holds them (its server loaded them or
 * made them), whatever their Seq.
 *
 * A checkpoint writes a list's file from the file and its journaled ops
 * (atomically, as a store).  Lists are checkpointed when the journal
 * passes journal_max bytes and a new generation starts (a few lists per
 * pass, until the old generation is no longer needed and is removed), by
 * worker_sync(), by worker_shutdown() and at start: worker_new()
 * recovers the journal left by an earlier life of the worker, so the
 * list files are current once it returns.
 *
 * A malformed message is a bug in the peer: the peer's connection is
 * closed and the fact logged.
 */
#ifndef TODOD_WORKER_H
#define TODOD_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct worker;

struct worker_config {
	int	dirfd;		/* the data directory, opened O_DIRECTORY */
	int	index;		/* 0..nworkers-1 */
	int	nworkers;	/* --workers; 0: not known (not checked) */
	bool	sync;		/* --sync always */
	size_t	max_frame;	/* bound of one peer message */
	size_t	journal_max;	/* new generation from here; 0: 32 MiB */
	size_t	ckpt_pass;	/* checkpoints per pass; 0: 16 */
};

/* One writer (the worker); anyone may read. */
struct worker_counters {
	uint64_t	stores;		/* records journaled + files written */
	uint64_t	bytes;		/* bytes written (journal and files) */
	uint64_t	fsyncs;		/* fdatasync, fsync, syncfs calls */
	uint64_t	errors;
	uint64_t	queue;		/* requests waiting right now */
	uint64_t	checkpoints;	/* list files written from the journal */
	uint64_t	journal_bytes;	/* bytes appended to the journal */
	uint64_t	pending_ops;	/* ops journaled, not in a file yet */
	uint64_t	journal_files;	/* generations on disk */
	uint64_t	ticks;		/* list files prepared: moves while a
					 * checkpoint works (the supervisor
					 * watches a stopping worker) */
};

/* Recovers this worker's journal first; NULL if that fails (logged). */
struct worker	*worker_new(struct event_base *, const struct worker_config *,
		    struct worker_counters *counters);
/* Whether the last worker_new() that failed refused to replay the
 * journal here (logged): it holds changes of lists that --workers gives
 * to other workers, or a generation cannot be synced.  Starting it again
 * would not help. */
bool		 worker_start_refused(void);
/* How many lists have changes in the journal only, their files behind
 * until a checkpoint writes them.  Right after worker_new(): those whose
 * files its recovery could not write. */
size_t		 worker_lists_behind(const struct worker *);
/* Take ownership of fd (a connected stream socket) as a new peer. */
int		 worker_add_peer(struct worker *, int fd);
/* The same, for a link that serves list name (a live list server's new
 * link after this worker started again): named at once, so that a new
 * server of the list takes in what was sent on it before it is answered
 * (worker_add_peer_get), even if nothing was read from it yet. */
int		 worker_add_peer_named(struct worker *, int fd,
		    const void *name, size_t len);
/* A new list server's link, answered {get, Name} at once, unasked (after
 * whatever the list's other links have sent).  0, or -1 (fd closed).
 * A link made by either is bound to its list: a request for another is
 * malformed, and closes it (a list server runs what clients send). */
int		 worker_add_peer_get(struct worker *, int fd, const void *name,
		    size_t len);
size_t		 worker_npeers(const struct worker *);
/* Checkpoint every list with journaled ops; start a new generation and
 * remove the old ones.  0, or -1 if some list could not be (logged;
 * its ops stay journaled). */
int		 worker_sync(struct worker *);
/* Write the file of every list that has journaled ops and no file yet
 * (the first change of a list is journaled).  0, or -1 as worker_sync. */
int		 worker_sync_new(struct worker *);
/* Serve what is queued, checkpoint everything and remove the journal
 * (kept if some list could not be checkpointed: -1).  For an orderly
 * exit; the worker serves nothing afterwards. */
int		 worker_shutdown(struct worker *);
void		 worker_free(struct worker *);

/* The worker that stores a list: fnv1a32(name) mod n. */
uint32_t	 fnv1a32(const void *, size_t);
int		 worker_for_name(const void *name, size_t len, int nworkers);

#endif /* TODOD_WORKER_H */
