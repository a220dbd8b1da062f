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
#include <stddef.h>
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

/* What a line that went out adds about those held back: "" when none
 * were, else " (N more since the last report)", in buf.  errno is kept,
 * for a log_warn() that it is an argument of. */
#define LOGRATE_HELD_BUFSZ	48
const char *lograte_held(unsigned missed, char *buf, size_t size);

/* The whole of it: a warning (log_warnx()), unless held back by rate,
 * with what lograte_held() adds, then ": " and strerror(err) if err is
 * not 0. */
void	lograte_warn(struct lograte *rate, int err, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif /* TODOD_LOGRATE_H */
