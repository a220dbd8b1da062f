/* reply.c: the common reply shapes. */
#include "config.h"

#include "etf.h"
#include "log.h"
#include "lograte.h"
#include "reply.h"

void
reply_atom(struct etf_buf *b, const char *atom)
{
	etf_put_version(b);
	etf_put_atom(b, atom);
}

void
reply_error(struct etf_buf *b, const char *reason)
{
	etf_put_version(b);
	etf_put_tuple(b, 2);
	etf_put_atom(b, "error");
	etf_put_atom(b, reason);
}

void
reply_ok_int(struct etf_buf *b, int64_t n)
{
	etf_put_version(b);
	etf_put_tuple(b, 2);
	etf_put_atom(b, "ok");
	etf_put_int(b, n);
}

int
reply_unbuilt(struct etf_buf *b, const char *what)
{
	static struct lograte rate;

	if (!b->oom)
		return 0;
	etf_buf_free(b);
	reply_error(b, "unavailable");
	lograte_warn(&rate, 0, "no memory for a reply to %s: answered "
	    "unavailable", what);
	return 1;
}

void
reply_untaken(struct etf_buf *b, size_t len)
{
	static struct lograte rate;

	etf_buf_reset(b);
	reply_error(b, "unavailable");
	lograte_warn(&rate, 0, "no memory to take a request of %zu bytes: "
	    "answered unavailable", len);
}
