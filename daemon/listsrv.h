/*
 * listsrv.h: a list server (the book's Todo.Server), one process per
 * live list.
 *
 * It starts at once and loads its list from its database worker after
 * (requests that arrive meanwhile wait), serves every connection the
 * cache hands to it, and answers a modification only once the worker
 * reports it durable.  It keeps two lists: the durable one (what the
 * files hold; what reads see) and the working one (durable plus the
 * changes of the store in flight and of the next one).  At most one store
 * is in flight; the changes that arrive meanwhile go out together in the
 * next (group commit).  A connection's reads are answered after its own
 * earlier modifications, so it sees them; other connections see only
 * durable state.
 */
#ifndef TODOD_LISTSRV_H
#define TODOD_LISTSRV_H

#include <stddef.h>

struct todod_config;

/* Set up what a list server needs whatever its list (its event loop, its
 * decoding arena), ahead of time: a spare does it before it waits for a
 * name, so that a list's start does not. */
void	listsrv_prepare(void);
/*
 * Serve one list.  Descriptor 3 is the supervisor channel; the cache and
 * worker links arrive on it.  Returns only when the cache stopped the
 * server and every change was durable, with everything of the list
 * released and descriptor 3 closed: the process may serve another list.
 * Otherwise (shut down, or the supervisor gone) it exits.
 */
void	listsrv_main(const struct todod_config *, const void *name,
	    size_t len);

/*
 * For tests and fuzzing: a list server inside this process.  worker_fd is
 * its link to a worker (the caller answers {get, Name} and the stores);
 * listsrv_embed_attach() serves fd as a connection handed over by the
 * cache.  Run the returned event base to make progress.
 */
struct event_base *listsrv_embed(const struct todod_config *,
	    const void *name, size_t len, int worker_fd);
void	listsrv_embed_attach(int fd);

#endif /* TODOD_LISTSRV_H */
