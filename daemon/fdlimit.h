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

/*
 * Raise the soft limit as far as allowed and log the result (debug).
 * Returns the soft limit now in force (unchanged if it cannot be raised),
 * or -1 if it cannot even be read.
 */
long	fdlimit_raise(void);

#endif /* TODOD_FDLIMIT_H */
