/* cache.c: accepts clients, routes names to list servers, hands off. */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/tree.h>
#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "cache.h"
#include "chan.h"
#include "conn.h"
#include "etf.h"
#include "evadd.h"
#include "fdlimit.h"
#include "log.h"
#include "lograte.h"
#include "memtrim.h"
#include "names.h"
#include "options.h"
#include "proc.h"
#include "reply.h"
#include "request.h"
#include "route.h"
#include "uidcount.h"

#define CACHE_OUT_CAP		(8u * 1024 * 1024)	/* unread replies */
/* The budgets of all the cache's connections (conn.h): its requests are
 * small, so only parts of requests a client never finishes, or will
 * finish to be refused, or that follow an attach, pass CONN_IN_SMALL. */
#define CACHE_IN_BUDGET		(16u * 1024 * 1024)
#define CACHE_OUT_BUDGET	(32u * 1024 * 1024)
#define CACHE_ACCEPTS		64	/* per wake-up */

/* An unattached client connection. */
struct cconn {
	TAILQ_ENTRY(cconn)	 entry;
	struct conn		*conn;
	uid_t			 uid;
	int			 closing;	/* close once flushed */
	int			 leaving;	/* handoff once flushed */
	uint64_t		 sync;		/* waiting for sync round */
	int			 sync_lists;	/* ... to answer lists */
	int			 lists_due;	/* lists to answer, once
						 * there is room (conn.h) */
	uint8_t			 target[NAME_MAX_BYTES]; /* the list to attach to */
	size_t			 target_len;
};

static struct {
	const struct todod_config *cfg;
	struct event_base	*base;
	struct chan		*sup;
	int			 listen_fd;
	int			 dirfd;
	int			 spare_fd;	/* given up to accept on EMFILE */
	struct event		*accept_ev;
	struct event		*accept_retry;
	TAILQ_HEAD(, cconn)	 conns;
	struct etf_arena	*arena;
	struct etf_buf		 out;
	struct uidcount		 uids;		/* open connections */
	uint64_t		 accepted;
	uint64_t		 handoffs;
	uint64_t		 sync_token;
	size_t			 nconns;
} cache;

static void	cache_conn_serve(struct cconn *);
static void	cache_conn_input(struct conn *, void *);
static void	cache_conn_closed(struct conn *, void *);
static void	cache_conn_drained(struct conn *, void *);

static const struct conn_cbs cache_conn_cbs = {
	cache_conn_input, cache_conn_closed, cache_conn_drained
};

static void
cache_conn_free(struct cconn *cc)
{
	TAILQ_REMOVE(&cache.conns, cc, entry);
	cache.nconns--;
	conn_free(cc->conn);
	cache_uid_out(cc->uid, 1);
	free(cc);
}

void
cache_uid_in(uid_t uid)
{
	if (uidcount_add(&cache.uids, uid, 0) == -1)
		log_warnx("out of memory counting connections");
}

void
cache_uid_out(uid_t uid, uint32_t n)
{
	while (n-- > 0)
		if (uidcount_remove(&cache.uids, uid) == -1) {
			log_warnx("uid %u: a connection counted out that was "
			    "not counted", (unsigned)uid);
			return;
		}
}

const struct uidcount *
cache_uids(void)
{
	return &cache.uids;
}

/* Serve fd, of user uid, as an unattached connection, input already
 * read first.  It is counted in already; if it cannot be served, it is
 * closed and counted out. */
static struct cconn *
cache_conn_add(int fd, uid_t uid, const void *input, size_t inlen)
{
	struct cconn *cc;

	if ((cc = calloc(1, sizeof(*cc))) == NULL)
		goto fail;
	cc->uid = uid;
	if ((cc->conn = conn_new(cache.base, fd, cache.cfg->max_frame,
	    CACHE_OUT_CAP, &cache_conn_cbs, cc)) == NULL)
		goto fail;
	/* Held back with others, its user's turn comes round (conn.h). */
	conn_set_class(cc->conn, (unsigned long)uid);
	if (conn_prepend_input(cc->conn, input, inlen) == -1) {
		conn_free(cc->conn);
		fd = -1;
		goto fail;
	}
	TAILQ_INSERT_TAIL(&cache.conns, cc, entry);
	cache.nconns++;
	return cc;
fail:
	if (fd != -1)
		close(fd);
	free(cc);
	cache_uid_out(uid, 1);
	return NULL;
}

/* The connection is flushed: attach it (hand it to its list server).
 * An EOF goes with it: the socket reports it to the server's reads too. */
static void
cache_conn_leave(struct cconn *cc)
{
	size_t inlen = conn_inlen(cc->conn);
	uint8_t *input = NULL;
	int fd;

	if (inlen > 0 && (input = malloc(inlen)) == NULL) {
		cache_conn_free(cc);
		return;
	}
	conn_copy_input(cc->conn, input, inlen);
	TAILQ_REMOVE(&cache.conns, cc, entry);
	cache.nconns--;
	fd = conn_release(cc->conn);
	route_attach(cc->target, cc->target_len, fd, cc->uid, input, inlen,
	    NULL);
	cache.handoffs++;
	free(input);
	free(cc);
}

static void
cache_conn_drained(struct conn *c, void *arg)
{
	cache_conn_serve(arg);
}

static void
cache_conn_closed(struct conn *c, void *arg)
{
	cache_conn_free(arg);
}

/* Ask the supervisor for a sync round (what: sync | sync_new); the
 * connection waits for {synced, Token}. */
static void
cache_sync(struct cconn *cc, const char *what, int lists)
{
	cc->sync = ++cache.sync_token;
	cc->sync_lists = lists;
	etf_buf_reset(&cache.out);
	etf_put_version(&cache.out);
	etf_put_tuple(&cache.out, 2);
	etf_put_atom(&cache.out, what);
	etf_put_int(&cache.out, (int64_t)cc->sync);
	chan_send_or_exit(cache.sup, &cache.out, -1);
}

/* One request of an unattached connection; it may make the connection
 * stop taking requests (attaching or waiting for a sync). */
static void
cache_request(struct cconn *cc, const struct etf_term *t)
{
	struct request r;
	const char *err;
	enum request_kind k = request_kind(t);

	etf_buf_reset(&cache.out);
	if (request_is_list(k)) {
		reply_error(&cache.out, "not_attached");
		conn_send(cc->conn, &cache.out);
		return;
	}
	if ((err = request_parse(t, &r)) != NULL) {
		reply_error(&cache.out, err);
		conn_send(cc->conn, &cache.out);
		return;
	}
	/* A client that has closed gets no reply: a request that only
	 * reads is skipped (each lists reads the directory). */
	if (conn_deaf(cc->conn) && (r.kind == REQ_PING ||
	    r.kind == REQ_LISTS || r.kind == REQ_STATS))
		return;
	switch (r.kind) {
	case REQ_PING:
		reply_atom(&cache.out, "pong");
		break;
	case REQ_LISTS:
		/* A new list's first change is journaled: the workers
		 * write the files of new lists first, then the directory
		 * names every list. */
		cache_sync(cc, "sync_new", 1);
		return;
	case REQ_STATS:
		route_reply_stats(&cache.out, cache.accepted, cache.handoffs,
		    cache.nconns);
		(void)reply_unbuilt(&cache.out, "stats");
		break;
	case REQ_SYNC:
		/* The supervisor has every worker write its lists' files;
		 * the reply waits for that. */
		cache_sync(cc, "sync", 0);
		return;
	case REQ_SERVER_PROCESS:
		memcpy(cc->target, r.name, r.name_len);
		cc->target_len = r.name_len;
		cc->leaving = 1;
		return;
	default:
		reply_error(&cache.out, "unknown_request");
		break;
	}
	conn_send(cc->conn, &cache.out);
}

/*
 * Whether the connection stops taking requests for now.  At the output
 * cap (a client that does not read its replies) it is paused until they
 * drain, not closed.
 */
static int
cache_held(const struct cconn *cc)
{
	return cc->closing || cc->leaving || cc->sync != 0 ||
	    cc->lists_due || conn_full(cc->conn);
}

/* Take the requests buffered, up to the connection's share of the pass
 * (conn.h): 1 if it yielded with some left, else 0. */
static int
cache_process(struct cconn *cc)
{
	struct conn *c = cc->conn;
	struct conn_pass pass = { 0, 0 };
	const struct etf_term *t;
	enum conn_req rc;
	size_t len;
	int spent = 0, yielded = 0;

	while (!cache_held(cc) && (rc = conn_request(c, cache.arena,
	    cache.cfg->max_frame, &t, &len)) != CONN_REQ_NONE) {
		if (spent && conn_yield(c) == 0) {
			yielded = 1;
			break;
		}
		if (spent) {
			/* No timer to come back by: go on now. */
			pass = (struct conn_pass){ 0, 0 };
			spent = 0;
		}
		if (rc == CONN_REQ_NOMEM) {
			/* Skipped, answered, and the connection goes on. */
			reply_untaken(&cache.out, len);
			conn_send(c, &cache.out);
		} else if (rc == CONN_REQ_BAD) {
			etf_buf_reset(&cache.out);
			reply_error(&cache.out, "bad_frame");
			conn_send(c, &cache.out);
			cc->closing = 1;
			conn_linger(c);	/* the rest of it may be coming */
			break;
		} else
			cache_request(cc, t);
		spent = conn_pass_spent(&pass, len,
		    etf_arena_bytes(cache.arena));
		conn_consume(c, len);
	}
	/* A request is done with its term once answered or passed on: give
	 * back now what a large frame took, not at the next frame. */
	etf_arena_reset(cache.arena);
	if (cc->closing || cc->leaving || cc->sync != 0)
		conn_pause(c);
	return yielded;
}

/*
 * The lists reply a connection is owed, once the output limit leaves
 * room for it (conn_wait_room()): the replies of many clients that
 * asked for lists and do not read would otherwise all be made, past
 * it.  0 once made, -1 while it waits (drained() comes).
 */
static int
cache_lists_reply(struct cconn *cc)
{
	if (!cc->lists_due)
		return 0;
	if (conn_deaf(cc->conn)) {
		cc->lists_due = 0;	/* it would be dropped */
		return 0;
	}
	if (conn_wait_room(cc->conn))
		return -1;
	cc->lists_due = 0;
	etf_buf_reset(&cache.out);
	route_reply_lists(&cache.out, cache.dirfd);
	(void)reply_unbuilt(&cache.out, "lists");
	conn_send(cc->conn, &cache.out);
	return 0;
}

/*
 * Answer what is buffered, write; once all is written, close the
 * connection if it is done (a bad frame answered, or EOF with every
 * request answered) or hand it off if it attaches.
 */
static void
cache_conn_serve(struct cconn *cc)
{
	uint8_t *p;
	size_t len;
	int yielded;

	for (;;) {
		if (cache_lists_reply(cc) == -1)
			return;
		yielded = cache_process(cc);
		if (conn_flush(cc->conn) != 0)
			return;		/* closed, or drained() comes */
		if (cc->closing) {
			cache_conn_free(cc);
			return;
		}
		if (cc->leaving) {
			cache_conn_leave(cc);
			return;
		}
		if (cc->sync != 0)
			return;		/* cache_synced() goes on */
		if (conn_finished(cc->conn)) {
			cache_conn_free(cc);
			return;
		}
		/* Requests held back by unsent replies are taken now; those
		 * left by a yield, when it comes back, and those of a
		 * connection that waits for room for its replies (it has
		 * none unsent), when drained() says its turn has come. */
		if (yielded || conn_frame(cc->conn, &p, &len) == 0 ||
		    conn_full(cc->conn))
			return;
	}
}

static void
cache_conn_input(struct conn *c, void *arg)
{
	cache_conn_serve(arg);
}

/*
 * A connection that could not be attached goes on unattached, after the
 * error reply.  Its next requests are served from the event loop, not
 * from here: the refusal may come from serving its previous attach, and
 * each attach it pipelined, refused at once in turn, would take the
 * stack one level deeper.  Served now only if no timer can be had.
 */
void
cache_unattached(int fd, uid_t uid, const char *error, const void *input,
    size_t inlen)
{
	struct cconn *cc;

	if ((cc = cache_conn_add(fd, uid, input, inlen)) == NULL)
		return;
	etf_buf_reset(&cache.out);
	reply_error(&cache.out, error);
	conn_send(cc->conn, &cache.out);
	if (conn_yield(cc->conn) != 0)
		cache_conn_serve(cc);
}

/* {error, busy} as a frame, for a refused connection. */
static const uint8_t cache_busy[] = {
	0, 0, 0, 16, 131, 104, 2, 119, 5, 'e', 'r', 'r', 'o', 'r',
	119, 4, 'b', 'u', 's', 'y'
};

static void
cache_accept_resume(evutil_socket_t fd, short ev, void *arg)
{
	/* The spare descriptor, if it could not be taken back (the
	 * system's table was full), is tried again. */
	if (cache.spare_fd == -1)
		cache.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	event_add_or_exit(cache.accept_ev, NULL);
}

/*
 * Out of descriptors, or into the last ones (fdlimit.h): each client
 * waiting is told busy and closed, as many as one wake-up accepts, so
 * that a full backlog drains at once rather than one client a pass.
 * Accepting rests a moment only when clients cannot be refused (no spare
 * descriptor) or a wake-up's worth were: the listening socket would
 * otherwise keep the loop spinning.  Said at most once a while.
 */
static void
cache_accept_pause(void)
{
	struct timeval backoff = { 0, 100 * 1000 };

	event_del(cache.accept_ev);
	event_add_or_exit(cache.accept_retry, &backoff);
}

static void
cache_refuse(int fd)
{
	(void)send(fd, cache_busy, sizeof(cache_busy), MSG_DONTWAIT |
	    MSG_NOSIGNAL);
	close(fd);
}

static void
cache_refused_log(int refused, int paused)
{
	static struct lograte rate;

	lograte_warn(&rate, 0, "out of descriptors: %s", refused == 0 ?
	    "pausing accept" : paused ? "telling clients busy, "
	    "pausing accept" : "telling clients busy");
}

/* Out of descriptors (EMFILE): refuse one client on the spare
 * descriptor given up for it, which is taken back after.  0, or -1 with
 * errno (EAGAIN: no client waits; with no spare descriptor, the errno of
 * the caller's failed accept is left). */
static int
cache_accept_spare(int lfd)
{
	int fd, err;

	if (cache.spare_fd == -1)
		return -1;
	close(cache.spare_fd);
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	err = errno;
	if (fd != -1)
		cache_refuse(fd);
	cache.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	errno = err;
	return fd == -1 ? -1 : 0;
}

static void
cache_accept(evutil_socket_t lfd, short ev, void *arg)
{
	static struct lograte at_limit;
	char held[LOGRATE_HELD_BUFSZ];
	unsigned missed;
	struct ucred cred;
	socklen_t credlen;
	int i, fd, refused = 0, paused = 0;

	for (i = 0; i < CACHE_ACCEPTS; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno != EMFILE && errno != ENFILE)
				break;
			if (cache_accept_spare(lfd) == -1) {
				/* No client refused: nothing else to do
				 * but wait (EAGAIN: none left). */
				if (errno != EAGAIN && errno != EWOULDBLOCK) {
					cache_accept_pause();
					paused = 1;
				}
				break;
			}
			refused++;
			continue;
		}
		if (fdlimit_reserved(fd)) {
			/* The last descriptors are for those the links
			 * pass (fdlimit.h): refused. */
			cache_refuse(fd);
			refused++;
			continue;
		}
		memset(&cred, 0, sizeof(cred));
		cred.uid = (uid_t)-1;
		credlen = sizeof(cred);
		(void)getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &credlen);
		log_debug("connection from pid %d uid %u", (int)cred.pid,
		    (unsigned)cred.uid);
		if (uidcount_add(&cache.uids, cred.uid,
		    cache.cfg->max_conns_per_uid) == -1) {
			/* Refused at the limit, or with no memory to count
			 * it (then not at the limit). */
			if (cache.cfg->max_conns_per_uid <= 0 ||
			    uidcount_get(&cache.uids, cred.uid) <
			    (uint32_t)cache.cfg->max_conns_per_uid)
				log_warnx("out of memory counting connections");
			else if (lograte_ok(&at_limit, &missed))
				/* A client that retries at once would fill
				 * the log: a line a while. */
				log_info("uid %u is at its limit of %d "
				    "connections%s", (unsigned)cred.uid,
				    cache.cfg->max_conns_per_uid,
				    lograte_held(missed, held, sizeof(held)));
			cache_refuse(fd);
			continue;
		}
		cache.accepted++;
		(void)cache_conn_add(fd, cred.uid, NULL, 0);
	}
	if (refused > 0 && i == CACHE_ACCEPTS && !paused) {
		cache_accept_pause();
		paused = 1;
	}
	if (refused > 0 || paused)
		cache_refused_log(refused, paused);
}

/*
 * {synced | sync_failed, Token}: the sync round of a connection is done
 * (failed: some list's file could not be brought up to date; its changes
 * stay in the journal).  sync answers unavailable then; lists answers
 * what the directory and the live servers name all the same.
 */
static void
cache_synced(uint64_t token, int failed)
{
	struct cconn *cc;

	TAILQ_FOREACH(cc, &cache.conns, entry)
		if (cc->sync == token) {
			cc->sync = 0;
			/* The lists reply, large, is made when there is
			 * room for it (cache_lists_reply()). */
			cc->lists_due = cc->sync_lists;
			if (!cc->sync_lists) {
				etf_buf_reset(&cache.out);
				if (failed)
					reply_error(&cache.out, "unavailable");
				else
					reply_atom(&cache.out, "ok");
				conn_send(cc->conn, &cache.out);
			}
			conn_resume(cc->conn);
			cache_conn_serve(cc);
			return;
		}
}

static void
cache_sup_msg(struct chan *c, const struct etf_term *t, int fd, void *arg)
{
	if (etf_is_atom(t, "go")) {
		event_add_or_exit(cache.accept_ev, NULL);
		route_go();
		return;
	}
	if (etf_is_atom(t, "ping") && fd == -1) {
		/* The supervisor's watch (stallwatch.h). */
		etf_buf_reset(&cache.out);
		etf_put_version(&cache.out);
		etf_put_atom(&cache.out, "pong");
		chan_send_or_exit(cache.sup, &cache.out, -1);
		return;
	}
	if (etf_is_tuple(t, 2) && (etf_is_atom(&t->seq.v[0], "synced") ||
	    etf_is_atom(&t->seq.v[0], "sync_failed")) &&
	    t->seq.v[1].type == ETF_INT) {
		cache_synced((uint64_t)t->seq.v[1].i,
		    etf_is_atom(&t->seq.v[0], "sync_failed"));
		return;
	}
	if (route_sup_msg(t, fd) == -1)
		fatalx("bad message from the supervisor");
}

static void
cache_sup_closed(struct chan *c, void *arg)
{
	/* The supervisor is gone or shutting down: stop. */
	exit(0);
}

void
cache_main(const struct todod_config *cfg)
{
	struct etf_buf b;

	log_setrole("cache");
	proc_title("todod: cache");
	memset(&cache, 0, sizeof(cache));
	cache.cfg = cfg;
	cache.listen_fd = 4;
	/* Tokens of this cache never match a round a dead one asked for. */
	cache.sync_token = (uint64_t)getpid() << 32;
	cache.dirfd = 5;
	TAILQ_INIT(&cache.conns);
	uidcount_init(&cache.uids);
	etf_buf_init(&cache.out);
	if ((cache.base = proc_event_base()) == NULL ||
	    (cache.arena = etf_arena_new()) == NULL ||
	    memtrim_init(cache.base) == -1)
		fatalx("cache: out of memory");
	conn_set_budget(CACHE_IN_BUDGET, CONN_IN_SMALL, CACHE_OUT_BUDGET,
	    CONN_TURN_MS);
	cache.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if ((cache.accept_ev = event_new(cache.base, cache.listen_fd,
	    EV_READ | EV_PERSIST, cache_accept, NULL)) == NULL ||
	    (cache.accept_retry = evtimer_new(cache.base, cache_accept_resume,
	    NULL)) == NULL)
		fatalx("cache: out of memory");
	if ((cache.sup = chan_new(cache.base, 3, PROC_MAX_MSG, cache_sup_msg,
	    cache_sup_closed, NULL)) == NULL)
		fatalx("cache: out of memory");
	route_init(cache.base, cfg, cache.sup);
	proc_stats->cache = getpid();
	proc_stats_read_only();		/* clients talk to this process */

	etf_buf_init(&b);
	etf_put_version(&b);
	etf_put_atom(&b, "ready");
	chan_send_or_exit(cache.sup, &b, -1);
	etf_buf_free(&b);

	event_base_dispatch(cache.base);
	exit(0);
}
