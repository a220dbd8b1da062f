/* lograte.c: at most one log line a while for a repeating message
 * (lograte.h). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
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

void
lograte_warn(struct lograte *rate, int err, const char *fmt, ...)
{
	char msg[512], held[LOGRATE_HELD_BUFSZ];
	unsigned missed;
	va_list ap;

	if (!lograte_ok(rate, &missed))
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s%s%s%s", msg, lograte_held(missed, held, sizeof(held)),
	    err != 0 ? ": " : "", err != 0 ? strerror(err) : "");
}
