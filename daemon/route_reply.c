/*
 * route_reply.c: the cache's replies to lists (every stored or live
 * list) and stats (the routing table, the processes and their counters).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "conn.h"
#include "etf.h"
#include "log.h"
#include "memtrim.h"
#include "monotime.h"
#include "names.h"
#include "proc.h"
#include "reply.h"
#include "route.h"
#include "route_int.h"
#include "stallwatch.h"
#include "store.h"
#include "uidcount.h"

/*
 * lists: every stored or live list, sorted bytewise, once each.  The
 * names are kept end to end in one buffer and sorted through an index
 * of where each is: a data directory of 200,000 lists costs a few bytes
 * more than their names, not a slot of the longest name each (about 53
 * MB, doubled while it grew).
 */
struct name {
	uint32_t	 off;		/* in namevec.bytes */
	uint32_t	 len;
};

struct namevec {
	struct etf_buf	 bytes;		/* the names, end to end */
	struct name	*v;
	size_t		 n, cap;
	int		 oom;
};

static void
namevec_add(void *arg, const void *name, size_t len)
{
	struct namevec *nv = arg;
	struct name *v;

	if (nv->oom || len > NAME_MAX_BYTES)
		return;
	if (nv->bytes.len > UINT32_MAX - NAME_MAX_BYTES) {
		nv->oom = 1;
		return;
	}
	if (nv->n == nv->cap) {
		nv->cap = nv->cap ? 2 * nv->cap : 64;
		if ((v = reallocarray(nv->v, nv->cap, sizeof(*v))) == NULL) {
			nv->oom = 1;
			return;
		}
		nv->v = v;
	}
	nv->v[nv->n].off = (uint32_t)nv->bytes.len;
	nv->v[nv->n].len = (uint32_t)len;
	if (etf_buf_append(&nv->bytes, name, len) != ETF_OK) {
		nv->oom = 1;
		return;
	}
	nv->n++;
}

/* qsort(3) has no argument for the comparison: the names being sorted
 * (the cache is one thread). */
static const uint8_t *sorting;

static int
namevec_cmp(const void *pa, const void *pb)
{
	const struct name *a = pa, *b = pb;

	return name_cmp(sorting + a->off, a->len, sorting + b->off, b->len);
}

static void
namevec_free(struct namevec *nv)
{
	memtrim_freed(nv->bytes.cap + nv->cap * sizeof(*nv->v));
	etf_buf_free(&nv->bytes);
	free(nv->v);
}

void
route_reply_lists(struct etf_buf *b, int dirfd)
{
	struct namevec nv = { .v = NULL };
	struct route *r;
	size_t i, n = 0;

	etf_buf_init(&nv.bytes);
	RB_FOREACH(r, route_tree, &rt.tree)
		namevec_add(&nv, r->name, r->len);
	if (store_list_names(dirfd, namevec_add, &nv) == -1 || nv.oom) {
		log_warn("cannot list the data directory");
		reply_error(b, "unavailable");
		namevec_free(&nv);
		return;
	}
	sorting = nv.bytes.p;
	if (nv.n > 1)
		qsort(nv.v, nv.n, sizeof(*nv.v), namevec_cmp);
	for (i = 0; i < nv.n; i++)
		if (n == 0 || namevec_cmp(&nv.v[n - 1], &nv.v[i]) != 0)
			nv.v[n++] = nv.v[i];
	etf_put_version(b);
	etf_put_tuple(b, 2);
	etf_put_atom(b, "ok");
	if (n > 0)
		etf_put_list(b, (uint32_t)n);
	for (i = 0; i < n; i++)
		etf_put_binary(b, nv.bytes.p + nv.v[i].off, nv.v[i].len);
	etf_put_nil(b);
	namevec_free(&nv);
}

static void
put_kv_int(struct etf_buf *b, const char *key, int64_t v)
{
	etf_put_atom(b, key);
	etf_put_int(b, v);
}

/* uids => #{Uid => OpenConnections}, by uid (uidcount.h). */
static void
put_uids(struct etf_buf *b)
{
	const struct uidcount *u = cache_uids();
	size_t i;

	etf_put_atom(b, "uids");
	etf_put_map(b, (uint32_t)u->len);
	for (i = 0; i < u->len; i++) {
		etf_put_int(b, (int64_t)u->v[i].uid);
		etf_put_int(b, u->v[i].n);
	}
}

void
route_reply_stats(struct etf_buf *b, uint64_t accepted, uint64_t handoffs,
    size_t unattached)
{
	struct shared_stats *s = proc_stats;
	struct route *r;
	int64_t since, now = monotime_ms(), stalled = 0;
	int i, nworkers, live = (int)rt.nroutes;

	etf_put_version(b);
	etf_put_tuple(b, 2);
	etf_put_atom(b, "ok");
	/* Keys in term order, as OTP writes a map this small. */
	etf_put_map(b, 18);
	put_kv_int(b, "cache", s->cache);
	put_kv_int(b, "connections", (int64_t)accepted);
	put_kv_int(b, "handoffs", (int64_t)handoffs);
	/* What the cache's connections hold: requests not yet taken (or
	 * parts of them), replies not yet written (conn.h's budgets). */
	put_kv_int(b, "input_bytes", (int64_t)conn_total_in());
	etf_put_atom(b, "lists");
	if (live > 0)
		etf_put_list(b, (uint32_t)live);
	RB_FOREACH(r, route_tree, &rt.tree) {
		/* Seconds it has not taken a connection or answered, once
		 * that is logged (route_watch.c); else 0. */
		since = route_stalled_ms(r, now);
		stalled += since > 0;
		etf_put_map(b, 3);
		etf_put_atom(b, "name");
		etf_put_binary(b, r->name, r->len);
		put_kv_int(b, "pid", r->pid);
		put_kv_int(b, "stalled_s", since > 0 ?
		    stallwatch_secs(since) : 0);
	}
	etf_put_nil(b);
	put_kv_int(b, "lists_live", live);
	put_kv_int(b, "lists_stalled", stalled);
	put_kv_int(b, "lists_waiting", (int64_t)rt.nwaiters);
	put_kv_int(b, "max_lists", (int64_t)rt.max_lists);
	put_kv_int(b, "output_bytes", (int64_t)conn_total_out());
	put_kv_int(b, "restarts", (int64_t)s->restarts);
	put_kv_int(b, "spawner", s->spawner);
	put_kv_int(b, "spawns", (int64_t)s->spawns);
	put_kv_int(b, "supervisor", s->supervisor);
	put_uids(b);
	put_kv_int(b, "unattached", (int64_t)unattached);
	put_kv_int(b, "uptime_s", (int64_t)(time(NULL) - s->started));
	etf_put_atom(b, "workers");
	nworkers = s->nworkers < 0 ? 0 : s->nworkers > PROC_MAX_WORKERS ?
	    PROC_MAX_WORKERS : s->nworkers;
	etf_put_list(b, (uint32_t)nworkers);
	for (i = 0; i < nworkers; i++) {
		since = s->workers[i].stalled_since;
		etf_put_map(b, 7);
		put_kv_int(b, "bytes", (int64_t)s->workers[i].c.bytes);
		put_kv_int(b, "errors", (int64_t)s->workers[i].c.errors);
		put_kv_int(b, "fsyncs", (int64_t)s->workers[i].c.fsyncs);
		put_kv_int(b, "pid", s->workers[i].pid);
		put_kv_int(b, "queue", (int64_t)s->workers[i].c.queue);
		/* Seconds it has not answered the supervisor, once that is
		 * two of its ticks (stallwatch.h); else 0. */
		put_kv_int(b, "stalled_s", since > 0 ?
		    stallwatch_secs(now - since) : 0);
		put_kv_int(b, "stores", (int64_t)s->workers[i].c.stores);
	}
	etf_put_nil(b);
}
