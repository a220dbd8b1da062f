/*
 * memtrim.h: memory given back to the system after large frees.
 *
 * The C library keeps freed memory in the process's heap for its next
 * allocations.  The cache holds what its clients send until a request is
 * whole (up to --max-frame a connection): after many connections each
 * held a large part of one and closed, it would keep that peak for
 * good; so would a database worker the changes it holds between two
 * checkpoints, and its buffers of a burst; so would the cache the
 * output of large replies (conn.c).  Once MEMTRIM_MIN bytes of
 * such buffers were freed, a trim (malloc_trim) runs a moment later, at
 * most once a MEMTRIM_DELAY_MS.  Without memtrim_init() (list servers,
 * which trim when they release a list; tests) nothing is done.
 */
#ifndef TODOD_MEMTRIM_H
#define TODOD_MEMTRIM_H

#include <stddef.h>

struct event_base;

#define MEMTRIM_MIN		(4u * 1024 * 1024)
#define MEMTRIM_DELAY_MS	1000

/* Trim in this process's loop from now on.  0, or -1 with no memory. */
int	memtrim_init(struct event_base *);
/* A buffer of this many bytes was freed. */
void	memtrim_freed(size_t);

#endif /* TODOD_MEMTRIM_H */
