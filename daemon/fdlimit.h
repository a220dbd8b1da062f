/*
 * fdlimit.h: as many descriptors as we are allowed.
 *
 * Every client connection is a descriptor (in the cache, then in a list
 * server), so the supervisor raises the soft RLIMIT_NOFILE to the hard
 * limit at start; the children inherit it.  An unlimited hard limit is
 * taken as the kernel's per-process maximum (fs.nr_open).
 */
#ifndef TODOD_FDLIMIT_H
#define TODOD_FDLIMIT_H

#include <stdbool.h>

/*
 * Raise the soft limit as far as allowed and log the result (debug).
 * Returns the soft limit now in force (unchanged if it cannot be raised),
 * or -1 if it cannot even be read.
 */
long	fdlimit_raise(void);

/*
 * Whether a descriptor just made lies in the last ones of the soft limit,
 * which a process keeps for the descriptors its links pass to it
 * (SCM_RIGHTS): one that arrives with no room is dropped by the kernel,
 * its message cut short, the link lost with it.  The cache refuses a
 * client whose connection lands in the reserve (FDLIMIT_RESERVE, or an
 * eighth of a smaller limit), and a new link in its last half.
 */
#define FDLIMIT_RESERVE	64
bool	fdlimit_reserved(int fd);
bool	fdlimit_reserved_half(int fd);

#endif /* TODOD_FDLIMIT_H */
