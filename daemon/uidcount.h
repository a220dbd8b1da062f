/*
 * uidcount.h: open client connections counted by user.
 *
 * The cache admits a connection only while its user holds fewer than
 * --max-conns-per-uid.  It keeps the count of every user, and, for each
 * list server, the users of the connections it has handed to it, so that
 * the connections a server held are counted out when it dies (the
 * kernel closes them; nobody else would say so).  A few users hold
 * connections at any time: a small array, searched in order, its slots
 * by uid (so that stats lists them in term order).
 */
#ifndef TODOD_UIDCOUNT_H
#define TODOD_UIDCOUNT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

struct uidcount_slot {
	uid_t		uid;
	uint32_t	n;	/* > 0 */
};

struct uidcount {
	struct uidcount_slot	*v;
	size_t			 len, cap;
};

void	uidcount_init(struct uidcount *);
void	uidcount_free(struct uidcount *);
/* Count one connection of uid in: 0, or -1 if max (> 0) are counted
 * already, or if there is no memory (max 0: no limit). */
int	uidcount_add(struct uidcount *, uid_t, int max);
/* Count one out: 0, or -1 if none of uid was counted. */
int	uidcount_remove(struct uidcount *, uid_t);
/* The count of uid. */
uint32_t uidcount_get(const struct uidcount *, uid_t);

#endif /* TODOD_UIDCOUNT_H */
