/*
 * stdfds.h: standard input, output and error held open.
 *
 * A program started with one of them closed would give that number to
 * the next descriptor it opens (a socket to the daemon, a lock file),
 * and then print into it.  Each closed one is held by /dev/null opened
 * the other way round (standard input for writing, output and error for
 * reading), so that using it still fails, with EBADF, as a closed one
 * does: a program that checks its output still reports it lost.
 */
#ifndef TODOD_STDFDS_H
#define TODOD_STDFDS_H

/* 0, or -1 (errno set) if one could not be held. */
int	stdfds_hold(void);

#endif /* TODOD_STDFDS_H */
