/*
 * listsrv.h: a list server (the book's Todo.Server), one process per
 * live list.
 *
 * It starts at once and loads its list from its database worker after
 * (requests that arrive meanwhile wait), serves every connection the
 * cache hands to it, and answers a modification only once the worker
 * reports it durable.  It keeps one list, every change applied as it
 * arrives, and the changes not yet durable (pending.h), which the reads
 * of other connections take back: a connection's reads are answered
 * after its own earlier modifications, so it sees them; other
 * connections see only durable state.  At most one store is in flight;
 * the changes that arrive meanwhile go out together in the next (group
 * commit).
 */
#ifndef TODOD_LISTSRV_H
#define TODOD_LISTSRV_H

#include <stddef.h>

struct todod_config;

/*
 * A spare, then a list server, for the rest of the process's life.
 * Descriptor 3 is its channel to the supervisor, kept from list to list.
 * {list, Name} +fd (its link to the cache) starts a list; the worker's
 * link follows on the channel.  When the cache stops the server and
 * every change is durable, the server says released, frees everything
 * of the list and waits for the next.  It exits when the supervisor
 * closes the channel or shuts it down.
 */
void	listsrv_spare_main(const struct todod_config *)
	    __attribute__((__noreturn__));

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
