/* reply.c: the common reply shapes. */
#include "config.h"

#include "etf.h"
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
reply_unbuilt(struct etf_buf *b)
{
	if (!b->oom)
		return 0;
	etf_buf_free(b);
	reply_error(b, "unavailable");
	return 1;
}
