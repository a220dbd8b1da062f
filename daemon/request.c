/* request.c: client requests matched by their exact term shape. */
#include "config.h"

#include <string.h>

#include "etf.h"
#include "names.h"
#include "request.h"

static const struct {
	const char		*tag;
	enum request_kind	 kind;
} request_tags[] = {
	{ "ping", REQ_PING },
	{ "lists", REQ_LISTS },
	{ "stats", REQ_STATS },
	{ "sync", REQ_SYNC },
	{ "server_process", REQ_SERVER_PROCESS },
	{ "add_entry", REQ_ADD_ENTRY },
	{ "entries", REQ_ENTRIES },
	{ "update_entry", REQ_UPDATE_ENTRY },
	{ "delete_entry", REQ_DELETE_ENTRY },
	{ "size", REQ_SIZE },
};

enum request_kind
request_kind(const struct etf_term *t)
{
	const struct etf_term *tag = t;
	size_t i;

	if (t->type == ETF_TUPLE) {
		if (t->seq.n == 0)
			return REQ_BADARG;
		tag = &t->seq.v[0];
	}
	if (tag->type != ETF_ATOM)
		return REQ_BADARG;
	for (i = 0; i < sizeof(request_tags) / sizeof(request_tags[0]); i++)
		if (etf_is_atom(tag, request_tags[i].tag))
			return request_tags[i].kind;
	return REQ_UNKNOWN;
}

int
request_is_list(enum request_kind k)
{
	return k == REQ_ADD_ENTRY || k == REQ_ENTRIES ||
	    k == REQ_UPDATE_ENTRY || k == REQ_DELETE_ENTRY || k == REQ_SIZE;
}

static int
parse_title(const struct etf_term *t, struct request *r)
{
	if (t->type != ETF_BINARY || !todo_title_valid(t->bin.p, t->bin.len))
		return -1;
	r->title = t->bin.p;
	r->title_len = t->bin.len;
	return 0;
}

/* A map whose keys are only date and/or title, each valid.  `need_all`
 * demands both. */
static int
parse_fields(const struct etf_term *m, struct request *r, int need_all)
{
	const struct etf_term *k, *v;
	size_t i;

	if (m->type != ETF_MAP || m->map.n == 0 || m->map.n > 2)
		return -1;
	for (i = 0; i < m->map.n; i++) {
		k = &m->map.kv[2 * i];
		v = &m->map.kv[2 * i + 1];
		if (etf_is_atom(k, "date") && !r->has_date) {
			if (todo_date_from_term(v, &r->date) == -1)
				return -1;
			r->has_date = 1;
		} else if (etf_is_atom(k, "title") && r->title == NULL) {
			if (parse_title(v, r) == -1)
				return -1;
		} else
			return -1;
	}
	if (need_all && (!r->has_date || r->title == NULL))
		return -1;
	return 0;
}

const char *
request_parse(const struct etf_term *t, struct request *r)
{
	const struct etf_term *a = t->type == ETF_TUPLE ? t->seq.v : NULL;
	size_t n = t->type == ETF_TUPLE ? t->seq.n : 1;

	memset(r, 0, sizeof(*r));
	r->kind = request_kind(t);
	switch (r->kind) {
	case REQ_BADARG:
		return "badarg";
	case REQ_UNKNOWN:
		return NULL;
	case REQ_PING:
	case REQ_LISTS:
	case REQ_STATS:
	case REQ_SYNC:
	case REQ_SIZE:
		return t->type == ETF_ATOM ? NULL : "badarg";
	case REQ_ENTRIES:
		if (t->type == ETF_ATOM)
			return NULL;
		if (n != 2 || todo_date_from_term(&a[1], &r->date) == -1)
			return "badarg";
		r->has_date = 1;
		return NULL;
	case REQ_SERVER_PROCESS:
		if (n != 2 || a == NULL || a[1].type != ETF_BINARY)
			return "badarg";
		if (!name_valid(a[1].bin.p, a[1].bin.len))
			return "bad_name";
		r->name = a[1].bin.p;
		r->name_len = a[1].bin.len;
		return NULL;
	case REQ_ADD_ENTRY:
		if (n != 2 || a == NULL || parse_fields(&a[1], r, 1) == -1)
			return "badarg";
		return NULL;
	case REQ_UPDATE_ENTRY:
		if (n != 3 || a == NULL || todo_id_from_term(&a[1], &r->id) == -1 ||
		    parse_fields(&a[2], r, 0) == -1)
			return "badarg";
		return NULL;
	case REQ_DELETE_ENTRY:
		if (n != 2 || a == NULL || todo_id_from_term(&a[1], &r->id) == -1)
			return "badarg";
		return NULL;
	}
	return "badarg";
}
