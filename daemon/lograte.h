/*
 * lograte.h: at most one log line a while for a message that can repeat
 * as fast as requests come (a condition that lasts: a data directory that
 * cannot be written, descriptors run out).  The first goes out; those in
 * the LOGRATE_MS after it are only counted, and the next one that goes
 * out says how many were held back.
 */
#ifndef TODOD_LOGRATE_H
#define TODOD_LOGRATE_H

#include <stdbool.h>
#include <stdint.h>

#define LOGRATE_MS	10000

struct lograte {
	int64_t		next_ms;	/* the next may go out then */
	unsigned	missed;
	bool		started;	/* one went out */
};

/* Whether to log now (now_ms on the monotonic clock); if so, *missed is
 * how many were held back since the last one. */
bool	lograte_ok_at(struct lograte *, int64_t now_ms, unsigned *missed);
/* The same, now. */
bool	lograte_ok(struct lograte *, unsigned *missed);

#endif /* TODOD_LOGRATE_H */
