/*
 * route.h: the cache's routing table, name -> list server.
 *
 * A route is the cache's end of a link to a list server: the cache
 * makes the link and asks the supervisor for a server with the other
 * end, and connections go out on it at once, waiting in the socket while
 * the server starts.  Never two
 * servers for one name: the table holds one route per name, and a route
 * leaves the table only when its server has agreed to stop (idle expiry,
 * eviction) or died; the supervisor does not start a new server for the
 * name until the old one has exited.
 *
 * Stopping is agreed: a server reports {idle, Seen} with the number of
 * handoffs it has received; the cache stops it only while that equals
 * the number it has sent, so no connection is ever in flight to a server
 * that stops.
 */
#ifndef TODOD_ROUTE_H
#define TODOD_ROUTE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

struct chan;
struct etf_buf;
struct etf_term;
struct event_base;
struct todod_config;

/* Where a connection goes back to if its new list cannot be started. */
struct route_fallback {
	const void	*name;
	size_t		 len;
};

void	route_init(struct event_base *, const struct todod_config *,
	    struct chan *sup);
/* Give the connection fd of user uid (counted in; input already read
 * from it) to the list server of name, starting one if needed. */
void	route_attach(const void *name, size_t len, int fd, uid_t uid,
	    const void *input, size_t inlen, const struct route_fallback *);
/* A message from the supervisor about list servers. -1 if malformed. */
int	route_sup_msg(const struct etf_term *, int fd);
/* The supervisor's go: every server that runs is known ({list, ...}
 * come first), and new ones may start; those waiting for it go. */
void	route_go(void);
void	route_reply_lists(struct etf_buf *, int dirfd);
void	route_reply_stats(struct etf_buf *, uint64_t accepted,
	    uint64_t handoffs, size_t unattached);

#endif /* TODOD_ROUTE_H */
