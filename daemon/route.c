/*
 * route.c: the cache's routing table and the handoff of connections.
 * Connections that wait for room at --max-lists are in route_wait.c, the
 * replies to lists and stats in route_reply.c (route_int.h).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/tree.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "cache.h"
#include "chan.h"
#include "conn.h"
#include "etf.h"
#include "fdlimit.h"
#include "log.h"
#include "lograte.h"
#include "monotime.h"
#include "names.h"
#include "options.h"
#include "proc.h"
#include "route.h"
#include "route_int.h"
#include "store_fault.h"
#include "uidcount.h"

static int
route_cmp(const struct route *a, const struct route *b)
{
	return name_cmp(a->name, a->len, b->name, b->len);
}

RB_GENERATE(route_tree, route, entry, route_cmp)

struct route_state rt;

static void	route_chan_msg(struct chan *, const struct etf_term *, int,
		    void *);
static void	route_chan_closed(struct chan *, void *);
static void	route_attach_mode(const void *, size_t, int, uid_t,
		    const void *, size_t, const char *,
		    const struct route_fallback *, int);

/*
 * Live servers at most: --max-lists, or fewer where the descriptor limit
 * (raised to its hard limit at start, fdlimit.h) less ROUTE_FD_RESERVE,
 * or half of a limit under twice that, is lower, for the cache, the
 * supervisor and a worker each hold one descriptor per live server.
 * Beyond it a new list is answered busy, as at --max-lists, instead of
 * failing to link its server.
 */
static size_t
route_max_lists(const struct todod_config *cfg)
{
	struct rlimit rl;
	size_t max = (size_t)cfg->max_lists, fds;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY)
		return max;
	/* Under twice the reserve, half the limit each: a hard limit of
	 * 1,024 still leaves 512 servers, not one. */
	fds = rl.rlim_cur >= 2 * ROUTE_FD_RESERVE ?
	    (size_t)rl.rlim_cur - ROUTE_FD_RESERVE :
	    (size_t)rl.rlim_cur / 2;
	if (fds < 1)
		fds = 1;
	if (fds >= max)
		return max;
	log_warnx("--max-lists %d is more than the descriptor limit (%llu) "
	    "allows: at most %zu list servers run at once", cfg->max_lists,
	    (unsigned long long)rl.rlim_cur, fds);
	return fds;
}

void
route_init(struct event_base *base, const struct todod_config *cfg,
    struct chan *sup)
{
	rt.base = base;
	rt.cfg = cfg;
	rt.sup = sup;
	rt.max_lists = route_max_lists(cfg);
	RB_INIT(&rt.tree);
	TAILQ_INIT(&rt.lru);
	TAILQ_INIT(&rt.waiters);
	if ((rt.wait_ev = evtimer_new(base, route_wait_expired, NULL)) ==
	    NULL)
		fatalx("out of memory");
	if ((rt.watch_ev = evtimer_new(base, route_watch, NULL)) == NULL)
		fatalx("out of memory");
	etf_buf_init(&rt.msg);
}

struct route *
route_find(const void *name, size_t len)
{
	struct route key;

	if (len > sizeof(key.name))
		return NULL;
	memcpy(key.name, name, len);
	key.len = len;
	return RB_FIND(route_tree, &rt.tree, &key);
}

/* Take a route out of the tree and the LRU list. */
static void
route_unlink(struct route *r)
{
	RB_REMOVE(route_tree, &rt.tree, r);
	TAILQ_REMOVE(&rt.lru, r, lru);
	rt.nroutes--;
}

/* Keep fd (taken) with its input and how to attach it: 0, or -1 with
 * no memory (then fd is still the caller's). */
int
kept_init(struct kept *k, int fd, uid_t uid, const void *input,
    size_t inlen, const char *error, const struct route_fallback *fb)
{
	if (inlen > 0 && (k->input = malloc(inlen)) == NULL)
		return -1;
	if (inlen > 0)
		memcpy(k->input, input, inlen);
	k->inlen = inlen;
	k->fd = fd;
	k->uid = uid;
	k->error = error;
	k->fblen = 0;
	if (fb != NULL && fb->len <= sizeof(k->fb)) {
		memcpy(k->fb, fb->name, fb->len);
		k->fblen = fb->len;
	}
	return 0;
}

void
kept_clear(struct kept *k)
{
	if (k->fd != -1)
		close(k->fd);
	k->fd = -1;
	free(k->input);
	k->input = NULL;
}

/* Its fallback as route_attach_mode takes it (in *fb), or NULL. */
static const struct route_fallback *
kept_fb(const struct kept *k, struct route_fallback *fb)
{
	fb->name = k->fb;
	fb->len = k->fblen;
	return k->fblen > 0 ? fb : NULL;
}

static void
inflight_free(struct inflight *f)
{
	kept_clear(&f->c);
	free(f);
}

/* Forget the handoffs up to seq (confirmed), or all (seq UINT64_MAX). */
static void
inflight_drop(struct route *r, uint64_t seq)
{
	struct inflight *f;

	while ((f = TAILQ_FIRST(&r->inflight)) != NULL && f->seq <= seq) {
		TAILQ_REMOVE(&r->inflight, f, entry);
		inflight_free(f);
	}
}

/* The connections the server held are closed, or no longer ours to
 * count (the link to it is gone): count them out. */
static void
route_release_held(struct route *r)
{
	size_t i;

	for (i = 0; i < r->held.len; i++)
		cache_uid_out(r->held.v[i].uid, r->held.v[i].n);
	uidcount_free(&r->held);
}

/* Out of the table, with what it was handed and what it held. */
static void
route_retire(struct route *r)
{
	route_unlink(r);
	inflight_drop(r, UINT64_MAX);
	route_release_held(r);
}

static void
route_remove(struct route *r)
{
	route_retire(r);
	if (r->chan != NULL)
		chan_free(r->chan);
	free(r);
}

static void
route_put_atom(const char *atom)
{
	etf_buf_reset(&rt.msg);
	etf_put_version(&rt.msg);
	etf_put_atom(&rt.msg, atom);
}

int
route_send_atom(struct chan *c, const char *atom)
{
	route_put_atom(atom);
	return chan_send(c, &rt.msg, -1);
}

/*
 * Tell an idle server to stop and take it out of the table: its list may
 * get a new server at once, and it no longer counts at --max-lists.  Its
 * link stays open until the server closes it, for what the server sent
 * before it read the stop: a server says it is idle before it gives back
 * its last connection ({reattach, ...}, ls_reattach), and the cache may
 * stop it between the two.  Dropping the link here dropped that
 * connection.
 */
static void
route_stop(struct route *r)
{
	route_put_atom("stop");
	/* Queued, not flushed: the link stays open, and the cache never
	 * waits for a list server (one that does not read would stop the
	 * cache; one blocked on its own write to the cache, both). */
	chan_send_or_exit(r->chan, &rt.msg, -1);
	log_debug("stopping list server pid %d", (int)r->pid);
	route_retire(r);
	r->stopping = 1;
}

int
route_is_idle(const struct route *r)
{
	return r->reported && r->seen == r->sent;
}

/* The least recently used idle server, or NULL if none is idle. */
static struct route *
route_lru_idle(void)
{
	struct route *r;

	/* The busy routes at the head are few: a route goes to the tail
	 * when a connection is handed to it. */
	TAILQ_FOREACH(r, &rt.lru, lru)
		if (route_is_idle(r))
			return r;
	return NULL;
}

static struct route *
route_new(const void *name, size_t len)
{
	struct route *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	memcpy(r->name, name, len);
	r->len = len;
	uidcount_init(&r->held);
	TAILQ_INIT(&r->inflight);
	RB_INSERT(route_tree, &rt.tree, r);
	TAILQ_INSERT_TAIL(&rt.lru, r, lru);
	rt.nroutes++;
	return r;
}

/* A route's channel to its server, on our end of a link. */
static int
route_link(struct route *r, int fd)
{
	r->chan = chan_new(rt.base, fd, PROC_MAX_MSG, route_chan_msg,
	    route_chan_closed, r);
	return r->chan != NULL ? 0 : -1;
}

/*
 * Whether a new server may start now: below the limit (*old NULL), or
 * at --max-lists with the least recently used idle server to stop to
 * make room (*old).  None before route_go(): a cache started again
 * learns the servers that run from the supervisor ({list, ...}), and a
 * server linked early may hand it a client for a list whose message it
 * has not read yet; started then, a second server would have the
 * supervisor stop the one that runs.  Such a client waits for go.
 */
int
route_room(struct route **old)
{
	*old = NULL;
	if (!rt.serving)
		return 0;
	return rt.nroutes < rt.max_lists || (*old = route_lru_idle()) != NULL;
}

void
route_go(void)
{
	rt.serving = 1;
	route_wake();
}

/* No link for a new server (errno says why): logged once a while, for
 * it lasts while descriptors are short and every attach meets it. */
static void
route_link_failed(void)
{
	static struct lograte rate;

	lograte_warn(&rate, errno, "socketpair");
}

/*
 * A new route (NULL if it cannot be made; the caller has checked the
 * room for it: route_room).  The cache makes the link to the server;
 * the server's end (*srv) goes to the supervisor with the request for a
 * server (route_spawn), after the first connection went out on the
 * link: a new server finds it waiting there as it starts.
 */
static struct route *
route_start(const void *name, size_t len, int *srv)
{
	struct route *r;
	int sv[2];

	/* Test-only: no link, as when the cache is out of descriptors. */
	if (store_fault_file("TODOD_FAULT_LINK_FILE")) {
		errno = EMFILE;
		route_link_failed();
		return NULL;
	}
	if (chan_socketpair(sv) == -1) {
		route_link_failed();
		return NULL;
	}
	if (fdlimit_reserved_half(sv[0] > sv[1] ? sv[0] : sv[1])) {
		/* Room kept for descriptors passed to the cache. */
		close(sv[0]);
		close(sv[1]);
		errno = EMFILE;
		route_link_failed();
		return NULL;
	}
	if ((r = route_new(name, len)) == NULL || route_link(r, sv[0]) == -1) {
		if (r != NULL)
			route_remove(r);
		close(sv[0]);
		close(sv[1]);
		return NULL;
	}
	*srv = sv[1];
	return r;
}

/*
 * {spawn, Name} +srv: ask the supervisor for a new server.  If none can
 * be started, the link closes as it does when a server dies before it
 * reports (route_chan_closed).  The server that makes room is told to
 * stop after the spawn is asked, so that the start of the new one,
 * which a client waits for, is not queued behind the stop of the old.
 */
static void
route_spawn(const void *name, size_t len, int srv, struct route *old)
{
	etf_buf_reset(&rt.msg);
	etf_put_version(&rt.msg);
	etf_put_tuple(&rt.msg, 2);
	etf_put_atom(&rt.msg, "spawn");
	etf_put_binary(&rt.msg, name, len);
	/* chan_send closes srv, sent or not (not: the link closes). */
	chan_send(rt.sup, &rt.msg, srv);
	if (old != NULL)
		route_stop(old);
}

static void
route_handoff(struct route *r, int fd, uid_t uid, const void *input,
    size_t inlen, const char *error, const struct route_fallback *fb)
{
	struct inflight *f;
	int dup = -1;

	/* The connection is counted as the server's until it reports it
	 * closed or gives it back, or dies. */
	if (uidcount_add(&r->held, uid, 0) == -1)
		log_warnx("out of memory counting connections");
	etf_buf_reset(&rt.msg);
	etf_put_version(&rt.msg);
	etf_put_tuple(&rt.msg, 3);
	etf_put_atom(&rt.msg, "handoff");
	if (error == NULL)
		etf_put_atom(&rt.msg, "attach");
	else {
		etf_put_tuple(&rt.msg, 2);
		etf_put_atom(&rt.msg, "error");
		etf_put_atom(&rt.msg, error);
	}
	etf_put_binary(&rt.msg, input, inlen);
	r->sent++;
	TAILQ_REMOVE(&rt.lru, r, lru);
	TAILQ_INSERT_TAIL(&rt.lru, r, lru);
	if ((f = calloc(1, sizeof(*f))) != NULL &&
	    (dup = fcntl(fd, F_DUPFD_CLOEXEC, 0)) != -1 &&
	    kept_init(&f->c, dup, uid, input, inlen, error, fb) == 0) {
		f->seq = r->sent;
		f->since = monotime_ms();
		TAILQ_INSERT_TAIL(&r->inflight, f, entry);
		route_watch_arm();
	} else {
		if (dup != -1)
			close(dup);
		free(f);
	}
	/* Lost, it would leave the client waiting for good and the server's
	 * count of handoffs behind the cache's (r->sent). */
	chan_send_or_exit(r->chan, &rt.msg, fd);
}

/* The connection cannot be attached to its list: go back to the
 * fallback list with the error, or stay unattached. */
static void
route_refuse(int fd, uid_t uid, const void *input, size_t inlen,
    const char *error, const struct route_fallback *fb)
{
	if (fb != NULL)
		route_attach_mode(fb->name, fb->len, fd, uid, input, inlen,
		    error, NULL, 0);
	else
		cache_unattached(fd, uid, error, input, inlen);
}

/* Give a kept connection on to name's server (it is kept no longer). */
void
kept_attach(struct kept *k, const void *name, size_t len, int may_wait)
{
	struct route_fallback fb;

	route_attach_mode(name, len, k->fd, k->uid, k->input, k->inlen,
	    k->error, kept_fb(k, &fb), may_wait);
	k->fd = -1;
}

/* Tell a kept connection busy (a re-attach goes back to its list). */
void
kept_refuse(struct kept *k)
{
	struct route_fallback fb;

	route_refuse(k->fd, k->uid, k->input, k->inlen, "busy",
	    kept_fb(k, &fb));
	k->fd = -1;
}

/*
 * Hand the connection to name's server, starting one if there is room.
 * If there is none (may_wait), or others wait for it already, it waits
 * for room (ROUTE_WAIT_MS); else it is refused busy.
 */
static void
route_attach_mode(const void *name, size_t len, int fd, uid_t uid,
    const void *input, size_t inlen, const char *error,
    const struct route_fallback *fb, int may_wait)
{
	struct route *r, *old = NULL;
	int srv = -1;

	if ((r = route_find(name, len)) == NULL) {
		/* Behind others that wait, or with no room: wait for room
		 * if it may, else busy. */
		if ((may_wait && rt.nwaiters > 0) || !route_room(&old)) {
			if (may_wait && route_wait(name, len, fd, uid, input,
			    inlen, error, fb) == 0)
				route_wake();	/* room, if the queue missed it */
			else
				route_refuse(fd, uid, input, inlen, "busy", fb);
			return;
		}
		if ((r = route_start(name, len, &srv)) == NULL) {
			route_refuse(fd, uid, input, inlen, "busy", fb);
			return;
		}
	}
	route_handoff(r, fd, uid, input, inlen, error, fb);
	if (srv != -1)
		route_spawn(name, len, srv, old);
}

void
route_attach(const void *name, size_t len, int fd, uid_t uid,
    const void *input, size_t inlen, const struct route_fallback *fb)
{
	route_attach_mode(name, len, fd, uid, input, inlen, NULL, fb, 1);
}

/* {list, Name, Pid}, with a link to a server that runs or starts (Pid
 * 0: it tells its pid with its first {got}), to a cache started again. */
static int
route_linked(const struct etf_term *t, int fd)
{
	const struct etf_term *name = &t->seq.v[1], *pid = &t->seq.v[2];
	struct route *r;

	if (fd == -1 || name->type != ETF_BINARY || pid->type != ETF_INT ||
	    !name_valid(name->bin.p, name->bin.len))
		return -1;
	if ((r = route_find(name->bin.p, name->bin.len)) == NULL &&
	    (r = route_new(name->bin.p, name->bin.len)) == NULL) {
		close(fd);
		return 0;
	}
	if (r->chan != NULL) {
		chan_free(r->chan);
		route_release_held(r);
	}
	inflight_drop(r, UINT64_MAX);	/* a new link counts from zero */
	r->pid = (pid_t)pid->i;
	r->reported = 0;
	r->sent = r->seen = 0;
	r->conns_due = 1;
	if (route_link(r, fd) == -1) {
		close(fd);
		route_remove(r);
	} else
		route_relinked(r);
	return 0;
}

int
route_sup_msg(const struct etf_term *t, int fd)
{
	int rc;

	if (etf_is_tuple(t, 3) && etf_is_atom(&t->seq.v[0], "list")) {
		rc = route_linked(t, fd);
		route_wake();
		return rc;
	}
	if (fd != -1)
		close(fd);
	return -1;
}

/* {conns, [Uid]}: the users of the connections a server holds, when it
 * is linked to a new cache: counted in.  0, or -1 if malformed. */
static int
route_held_report(struct route *r, const struct etf_term *l)
{
	size_t i;

	if (l->type != ETF_LIST)
		return -1;
	for (i = 0; i < l->seq.n; i++)
		if (l->seq.v[i].type != ETF_INT || l->seq.v[i].i < 0 ||
		    l->seq.v[i].i > UINT32_MAX)
			return -1;
	for (i = 0; i < l->seq.n; i++) {
		if (uidcount_add(&r->held, (uid_t)l->seq.v[i].i, 0) == -1) {
			log_warnx("out of memory counting connections");
			break;
		}
		cache_uid_in((uid_t)l->seq.v[i].i);
	}
	return 0;
}

/* {reattach, Target, Name, Input} +fd: well formed? */
static int
route_is_reattach(const struct etf_term *t, int fd)
{
	const struct etf_term *v;

	if (!etf_is_tuple(t, 4) || fd == -1)
		return 0;
	v = t->seq.v;
	return etf_is_atom(&v[0], "reattach") && v[1].type == ETF_BINARY &&
	    v[2].type == ETF_BINARY && v[3].type == ETF_BINARY &&
	    name_valid(v[1].bin.p, v[1].bin.len) &&
	    name_valid(v[2].bin.p, v[2].bin.len);
}

/*
 * The connection leaves the server, still open, for its next list.  The
 * server keeps it until told it was taken ({took}): if this process died
 * before, the server serves it again instead of its being lost with the
 * message.  The word goes out before the connection is read, at once
 * unless the link is already full (a server that has not read it for a
 * while: then it is queued, for the cache never waits for a list
 * server).  Only a crash of the cache in that moment, with the word
 * still queued, could have the server serve the client again while the
 * cache has read some of its requests, or handed it to another server.
 */
static void
route_reattach(struct chan *c, const struct etf_term *t, int fd, uid_t uid)
{
	const struct etf_term *v = t->seq.v;
	struct route_fallback fb;

	/* Test-only: die with the connection in hand, not yet taken. */
	if (store_fault_file("TODOD_FAULT_REATTACH_DIE_FILE"))
		_exit(70);
	route_put_atom("took");
	chan_send_or_exit(c, &rt.msg, -1);

	fb.name = v[2].bin.p;
	fb.len = v[2].bin.len;
	route_attach(v[1].bin.p, v[1].bin.len, fd, uid, v[3].bin.p,
	    v[3].bin.len, &fb);
}

/* A message from a server told to stop: a connection it gives back goes
 * on, counted in again (the stop counted out all the server held); the
 * rest no longer matters. */
static void
route_stopping_msg(struct chan *c, const struct etf_term *t, int fd)
{
	uid_t uid;

	if (route_is_reattach(t, fd)) {
		uid = conn_peer_uid(fd);
		cache_uid_in(uid);
		route_reattach(c, t, fd, uid);
	} else if (fd != -1)
		close(fd);
}

static void
route_chan_msg(struct chan *c, const struct etf_term *t, int fd, void *arg)
{
	struct route *r = arg;
	const struct etf_term *v = t->type == ETF_TUPLE ? t->seq.v : NULL;
	uid_t uid;
	int conns_due = r->conns_due;

	if (r->stopping) {
		route_stopping_msg(c, t, fd);
		return;
	}
	/* A server tells the users it holds first on a link from the
	 * supervisor, once: taken at any time, a report would count a
	 * user's connections twice, or count in those of another user. */
	r->conns_due = 0;
	if (etf_is_tuple(t, 3) && v[1].type == ETF_INT &&
	    v[2].type == ETF_INT && v[2].i > 0 && v[2].i <= INT32_MAX &&
	    etf_is_atom(&v[0], "got")) {
		inflight_drop(r, (uint64_t)v[1].i);
		/* Its pid: the cache learns it here, from the server. */
		if (r->pid == 0)
			r->pid = (pid_t)v[2].i;
		route_took(r);
	} else if (etf_is_tuple(t, 2) && v[1].type == ETF_INT &&
	    etf_is_atom(&v[0], "idle")) {
		r->seen = (uint64_t)v[1].i;
		r->reported = 1;
	} else if (etf_is_tuple(t, 2) && v[1].type == ETF_INT &&
	    etf_is_atom(&v[0], "idle_stop")) {
		r->seen = (uint64_t)v[1].i;
		r->reported = 1;
		if (route_is_idle(r))
			route_stop(r);
	} else if (etf_is_tuple(t, 2) && etf_is_atom(&v[0], "closed") &&
	    v[1].type == ETF_INT && v[1].i >= 0 && v[1].i <= UINT32_MAX) {
		/* One of its connections is closed. */
		if (uidcount_remove(&r->held, (uid_t)v[1].i) == 0)
			cache_uid_out((uid_t)v[1].i, 1);
		else
			log_warnx("list server pid %d closed a connection of "
			    "uid %lld it was not given", (int)r->pid,
			    (long long)v[1].i);
	} else if (etf_is_atom(t, "pong")) {
		route_pong(r);
	} else if (conns_due && etf_is_tuple(t, 2) &&
	    etf_is_atom(&v[0], "conns") && route_held_report(r, &v[1]) == 0) {
		/* What it holds, told to a cache started again. */
	} else if (route_is_reattach(t, fd)) {
		/* The connection leaves the server, still open: its user,
		 * from the socket, is counted wherever it goes next. */
		uid = conn_peer_uid(fd);
		(void)uidcount_remove(&r->held, uid);
		route_reattach(c, t, fd, uid);
		fd = -1;
	} else {
		/* A bug: the server is told to stop, out of the table, and
		 * goes once its clients have (closing its link instead left
		 * it serving them uncounted, and then idle for ever). */
		log_warnx("bad message from list server pid %d; stopping it",
		    (int)r->pid);
		route_stop(r);
	}
	if (fd != -1)
		close(fd);
	route_wake();	/* an idle or stopped server makes room */
}

/* The server died: the connections it had not confirmed go to a new
 * server for the same name. */
static void
route_chan_closed(struct chan *c, void *arg)
{
	struct route *r = arg, *next;
	struct inflight *f;
	int failed;

	if (r->chan != c)
		return;
	if (r->stopping) {
		/* A stopped server is gone: nothing else was its. */
		chan_free(c);
		free(r);
		return;
	}
	route_unlink(r);
	chan_free(c);
	r->chan = NULL;
	/* The connections it held died with it, but those it had not
	 * confirmed, which go to the next server. */
	TAILQ_FOREACH(f, &r->inflight, entry)
		(void)uidcount_remove(&r->held, f->c.uid);
	route_release_held(r);
	/* Gone before it confirmed a connection (its first {got}): it did
	 * not start, could not be started (the supervisor, with no process
	 * for it, closed the link), or died at once.  A few tries, then the
	 * connections are told busy rather than start servers for ever. */
	failed = r->pid == 0 ? r->failed_starts + 1 : 0;
	if (failed > 0)
		log_warnx("a list server did not start (%d in a row)",
		    failed);
	while ((f = TAILQ_FIRST(&r->inflight)) != NULL) {
		TAILQ_REMOVE(&r->inflight, f, entry);
		log_debug("list server pid %d died: handing a connection over "
		    "again", (int)r->pid);
		if (failed >= ROUTE_START_TRIES)
			kept_refuse(&f->c);
		else
			kept_attach(&f->c, r->name, r->len, 1);
		inflight_free(f);
	}
	/* The server started for them counts this failure too. */
	if (failed > 0 && (next = route_find(r->name, r->len)) != NULL &&
	    next->pid == 0)
		next->failed_starts = failed;
	free(r);
	route_wake();
}

