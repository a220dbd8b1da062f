/*
 * worker.h: a database worker (the book's Todo.DatabaseWorker).
 *
 * A worker serves any number of peers (list servers), each on its own
 * stream socket speaking 4-byte framed ETF:
 *
 *   {get, Name}                  -> {ok, ListTerm} | not_found
 *                                   | {error, Reason}
 *   {store, Name, Seq, ListTerm} -> {stored, Seq} | {error, Reason}
 *
 * Reason is an atom (e.g. enospc, eio, eacces, corrupt).  Stores are
 * group-committed: every store that is ready is written, then synced,
 * then all are acknowledged.  A store with a Seq lower than the last one
 * stored for that list is acknowledged and not written.  A malformed
 * message is a bug in the peer: the peer's connection is closed and the
 * fact logged.
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
	bool	sync;		/* --sync always */
	size_t	max_frame;	/* bound of one peer message */
};

struct worker_counters {
	uint64_t	stores;		/* files written */
	uint64_t	bytes;		/* bytes written */
	uint64_t	fsyncs;
	uint64_t	errors;
	uint64_t	queue;		/* stores waiting right now */
};

struct worker	*worker_new(struct event_base *, const struct worker_config *,
		    struct worker_counters *counters);
/* Take ownership of fd (a connected stream socket) as a new peer. */
int		 worker_add_peer(struct worker *, int fd);
size_t		 worker_npeers(const struct worker *);
void		 worker_free(struct worker *);

/* The worker that stores a list: fnv1a32(name) mod n. */
uint32_t	 fnv1a32(const void *, size_t);
int		 worker_for_name(const void *name, size_t len, int nworkers);

#endif /* TODOD_WORKER_H */
