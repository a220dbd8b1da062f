/*
 * cache.h: the cache process (the book's Todo.Cache).
 *
 * It accepts client connections on the public socket, answers the
 * unattached requests (ping, lists, stats, sync), keeps the routing table
 * name -> list server, asks the supervisor to start list servers, and
 * hands each attaching connection to its list server (SCM_RIGHTS, with
 * the bytes already read from it).  It never forks.
 */
#ifndef TODOD_CACHE_H
#define TODOD_CACHE_H

#include <sys/types.h>

#include <stdint.h>

struct todod_config;
struct uidcount;

/* Descriptors: 3 the supervisor channel, 4 the listening socket, 5 the
 * data directory.  Does not return. */
void	cache_main(const struct todod_config *) __attribute__((noreturn));
/* Serve fd, a connection of user uid (counted in), as unattached: first
 * the reply {error, error}, then the bytes of input as if read from it. */
void	cache_unattached(int fd, uid_t uid, const char *error,
	    const void *input, size_t inlen);
/*
 * The open connections of each user (uidcount.h): counted in when
 * accepted, out when closed, by the cache or, told by a message or by its
 * death, by the list server that held it.  cache_uid_in() counts in one
 * that a list server reports it holds (to a cache started again).
 */
void	cache_uid_in(uid_t);
void	cache_uid_out(uid_t, uint32_t n);
const struct uidcount *cache_uids(void);

#endif /* TODOD_CACHE_H */
