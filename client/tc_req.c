/*
 * tc_req.c: requests, replies and error messages of the client library
 * (the tables of todod-protocol(7)).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "etf.h"
#include "todo_term.h"
#include "todoclient.h"
#include "todoclient_int.h"

static const struct {
	const char	*reason;
	const char	*message;
} reasons[] = {
	{ "badarg", "the daemon refused a malformed request (badarg)" },
	{ "unknown_request", "the daemon does not know this request "
	    "(unknown_request)" },
	/* The library encodes every request itself: only its size can
	 * be wrong. */
	{ "bad_frame", "the request is larger than the daemon's --max-frame "
	    "(bad_frame)" },
	{ "bad_name", "list name is not valid" },
	{ "not_found", "no such entry" },
	{ "not_attached", "the connection is not attached to a list "
	    "(not_attached)" },
	{ "busy", "the daemon is busy: too many live lists, or too many "
	    "connections of this user" },
	{ "unavailable", "the list is unavailable: its file cannot be read, "
	    "storing it failed, or it is full (see the daemon's log)" },
};

const char *
tc_reason_message(const char *reason)
{
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(reasons[i].reason, reason) == 0)
			return reasons[i].message;
	return "the daemon answered with an error";
}

const char *
tc_strstatus(int status)
{
	switch (status) {
	case TC_OK:
		return "success";
	case TC_ESYS:
		return "system error";
	case TC_ETIMEOUT:
		return "timed out waiting for the daemon";
	case TC_EEOF:
		return "the daemon closed the connection";
	case TC_EFRAME:
		return "the daemon sent a frame of a bad length";
	case TC_EDECODE:
		return "the daemon sent a reply that cannot be decoded";
	case TC_EREPLY:
		return "the daemon answered with an error";
	case TC_EUNEXPECTED:
		return "unexpected reply from the daemon";
	case TC_ENOMEM:
		return "out of memory";
	case TC_EPATH:
		return "socket path is empty or too long";
	case TC_EUNSAFE:
		return "the default socket's directory belongs to another user "
		    "or others may write into it; name the socket with -s if "
		    "you trust it";
	}
	return "unknown status";
}

int
tc_unexpected(struct tc_conn *c, const char *what)
{
	return tc_fail(c, TC_EUNEXPECTED, "unexpected reply from the daemon "
	    "to %s", what);
}

int
tc_send(struct tc_conn *c, const struct etf_buf *b)
{
	if (b->oom)
		return tc_fail(c, TC_ENOMEM, "out of memory");
	return tc_queue(c, b->p, b->len);
}

int
tc_read_term(struct tc_conn *c, struct etf_arena *a,
    const struct etf_term **out)
{
	const uint8_t *p;
	size_t len;
	int rv;

	if ((rv = tc_read_frame(c, &p, &len)) != TC_OK)
		return rv;
	/* The daemon never compresses a reply (todod-protocol(7)): none is
	 * inflated, or a few kilobytes from a hostile daemon could decode
	 * into gigabytes. */
	if (len >= 2 && p[0] == ETF_VERSION && p[1] == ETF_TAG_COMPRESSED)
		return tc_fail(c, TC_EDECODE, "the daemon sent a compressed "
		    "reply, which todod never sends");
	if ((rv = etf_decode(a, p, len, 0, out)) != ETF_OK)
		return tc_fail(c, TC_EDECODE, "the daemon sent a reply that "
		    "cannot be decoded: %s", etf_strerror(rv));
	return TC_OK;
}

int
tc_call(struct tc_conn *c, const struct etf_buf *b, struct etf_arena *a,
    const struct etf_term **out)
{
	int rv;

	if ((rv = tc_send(c, b)) != TC_OK)
		return rv;
	return tc_read_term(c, a, out);
}

/* {error, Reason}: remember Reason and say what it means. */
static int
error_reply(struct tc_conn *c, const struct etf_term *r)
{
	const struct etf_term *reason = &r->seq.v[1];

	if (reason->type != ETF_ATOM)
		return tc_fail(c, TC_EUNEXPECTED, "the daemon answered with "
		    "an error of an unexpected shape");
	snprintf(c->reason, sizeof(c->reason), "%s", reason->atom.p);
	return tc_fail(c, TC_EREPLY, "%s", tc_reason_message(c->reason));
}

int
tc_reply_value(struct tc_conn *c, const struct etf_term *r,
    const struct etf_term **value)
{
	if (value != NULL)
		*value = NULL;
	if (etf_is_atom(r, "ok"))
		return TC_OK;
	if (etf_is_tuple(r, 2) && etf_is_atom(&r->seq.v[0], "ok")) {
		if (value != NULL)
			*value = &r->seq.v[1];
		return TC_OK;
	}
	if (etf_is_tuple(r, 2) && etf_is_atom(&r->seq.v[0], "error"))
		return error_reply(c, r);
	return tc_fail(c, TC_EUNEXPECTED, "unexpected reply from the daemon");
}

int
tc_reply_atom(struct tc_conn *c, const struct etf_term *r, const char *atom)
{
	if (etf_is_atom(r, atom))
		return TC_OK;
	if (etf_is_tuple(r, 2) && etf_is_atom(&r->seq.v[0], "error"))
		return error_reply(c, r);
	return tc_fail(c, TC_EUNEXPECTED, "unexpected reply from the daemon "
	    "(expected %s)", atom);
}

void
tc_req_atom(struct etf_buf *b, const char *atom)
{
	etf_buf_reset(b);
	etf_put_version(b);
	etf_put_atom(b, atom);
}

void
tc_req_attach(struct etf_buf *b, const void *name, size_t len)
{
	etf_buf_reset(b);
	etf_put_version(b);
	etf_put_tuple(b, 2);
	etf_put_atom(b, "server_process");
	etf_put_binary(b, name, len);
}

void
tc_req_add(struct etf_buf *b, struct todo_date date, const void *title,
    size_t len)
{
	etf_buf_reset(b);
	etf_put_version(b);
	etf_put_tuple(b, 2);
	etf_put_atom(b, "add_entry");
	etf_put_map(b, 2);
	etf_put_atom(b, "date");
	todo_put_date(b, date);
	etf_put_atom(b, "title");
	etf_put_binary(b, title, len);
}

void
tc_req_entries(struct etf_buf *b, const struct todo_date *date)
{
	etf_buf_reset(b);
	etf_put_version(b);
	if (date == NULL) {
		etf_put_atom(b, "entries");
		return;
	}
	etf_put_tuple(b, 2);
	etf_put_atom(b, "entries");
	todo_put_date(b, *date);
}

void
tc_req_update(struct etf_buf *b, int64_t id, const struct todo_date *date,
    const void *title, size_t len)
{
	etf_buf_reset(b);
	etf_put_version(b);
	etf_put_tuple(b, 3);
	etf_put_atom(b, "update_entry");
	etf_put_int(b, id);
	etf_put_map(b, (date != NULL) + (title != NULL));
	if (date != NULL) {
		etf_put_atom(b, "date");
		todo_put_date(b, *date);
	}
	if (title != NULL) {
		etf_put_atom(b, "title");
		etf_put_binary(b, title, len);
	}
}

void
tc_req_delete(struct etf_buf *b, int64_t id)
{
	etf_buf_reset(b);
	etf_put_version(b);
	etf_put_tuple(b, 2);
	etf_put_atom(b, "delete_entry");
	etf_put_int(b, id);
}

int
tc_attach(struct tc_conn *c, const void *name, size_t len, int64_t *pid)
{
	struct etf_arena *a;
	struct etf_buf b;
	const struct etf_term *r, *v;
	int rv;

	if ((a = etf_arena_new()) == NULL)
		return tc_fail(c, TC_ENOMEM, "out of memory");
	etf_buf_init(&b);
	tc_req_attach(&b, name, len);
	rv = tc_call(c, &b, a, &r);
	if (rv == TC_OK)
		rv = tc_reply_value(c, r, &v);
	if (rv == TC_OK && (v == NULL || v->type != ETF_INT))
		rv = tc_unexpected(c, "server_process");
	if (rv == TC_OK && pid != NULL)
		*pid = v->i;
	etf_buf_free(&b);
	etf_arena_free(a);
	return rv;
}
