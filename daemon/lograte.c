/* lograte.c: at most one log line a while for a repeating message
 * (lograte.h). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include "lograte.h"
#include "monotime.h"

bool
lograte_ok_at(struct lograte *r, int64_t now_ms, unsigned *missed)
{
	if (r->started && now_ms < r->next_ms) {
		if (r->missed < UINT_MAX)
			r->missed++;
		return false;
	}
	*missed = r->missed;
	r->missed = 0;
	r->next_ms = now_ms + LOGRATE_MS;
	r->started = true;
	return true;
}

bool
lograte_ok(struct lograte *r, unsigned *missed)
{
	int saved = errno;	/* for the log_warn that follows */
	bool ok = lograte_ok_at(r, monotime_ms(), missed);

	errno = saved;
	return ok;
}

const char *
lograte_held(unsigned missed, char *buf, size_t size)
{
	int saved = errno;	/* an argument of log_warn, which reads it */

	if (missed == 0 || size == 0)
		return "";
	snprintf(buf, size, " (%u more since the last report)", missed);
	errno = saved;
	return buf;
}
