/* listsrv.c: one list server: its links, loading, group-committed stores,
 * idling, stopping and releasing its list.  Its connections are in
 * listsrv_conn.c. */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>

#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "chan.h"
#include "conn.h"
#include "etf.h"
#include "evadd.h"
#include "getreply.h"
#include "linger.h"
#include "listops.h"
#include "listsrv.h"
#include "listsrv_int.h"
#include "log.h"
#include "lograte.h"
#include "names.h"
#include "options.h"
#include "proc.h"
#include "reply.h"
#include "request.h"
#include "todolist.h"

struct ls_state ls;

void
ls_send_msg(struct chan *c, int fd)
{
	if (c != NULL)
		chan_send_or_exit(c, &ls.msg, fd);
	else if (fd != -1)
		close(fd);
}

/*
 * Every change is durable and no connection is left.  Shut down by the
 * supervisor, the server says so (stopping) and exits.  Stopped by the
 * cache, it releases the list (released): the loop ends and
 * listsrv_spare_main() frees the list, and the process waits for
 * another.  It is titled a spare before it says so, for the supervisor
 * may start a new server for this list as soon as it reads it.
 */
static void
ls_exit(void)
{
	/* What is still queued for the cache goes before the link closes
	 * with the release: a connection given back for another list
	 * ({reattach, ...}, ls_reattach) with more input than the socket
	 * holds is partly queued when the cache, reading the idle report
	 * sent before it, stops this server for room.  The wait cannot
	 * block for long: the cache reads a stopped server's link until it
	 * closes, and has nothing queued for it but the stop, read. */
	if (!ls.shutdown && ls.cache != NULL)
		chan_flush(ls.cache);
	etf_buf_reset(&ls.msg);
	etf_put_version(&ls.msg);
	etf_put_atom(&ls.msg, ls.shutdown ? "stopping" : "released");
	if (!ls.shutdown)
		proc_title("todod: spare");
	ls_send_msg(ls.sup, -1);
	if (ls.sup != NULL)
		chan_flush(ls.sup);
	if (ls.shutdown) {
		log_debug("exiting");
		exit(0);
	}
	log_debug("released");
	ls.released = 1;
	/* Nothing more is taken in for the list released: a message read
	 * with this one (the supervisor's next, for a spare, may be in the
	 * same read) waits for the spare (listsrv_spare_main()). */
	if (ls.sup != NULL)
		chan_hold(ls.sup);
	if (ls.cache != NULL)
		chan_hold(ls.cache);
	if (ls.worker != NULL)
		chan_hold(ls.worker);
	event_base_loopbreak(ls.base);
}

/* Send the changes of batch seq to the worker's journal:
 * {append, Name, Seq, [Op]}. */
static void
ls_send_batch(uint64_t seq)
{
	struct listop *op;
	uint32_t n = 0;

	TAILQ_FOREACH(op, &ls.pending.ops, entry)
		if (op->seq == seq)
			n++;
	etf_buf_reset(&ls.msg);
	etf_put_version(&ls.msg);
	etf_put_tuple(&ls.msg, 4);
	etf_put_atom(&ls.msg, "append");
	etf_put_binary(&ls.msg, ls.name, ls.len);
	etf_put_int(&ls.msg, (int64_t)seq);
	etf_put_list(&ls.msg, n);
	TAILQ_FOREACH(op, &ls.pending.ops, entry)
		if (op->seq == seq)
			listop_put(&ls.msg, op);
	etf_put_nil(&ls.msg);
	if (ls.msg.oom)
		fatalx("out of memory encoding a store");
	chan_send_or_exit(ls.worker, &ls.msg, -1);
}

/* Send the collected batch if no store is in flight. */
void
ls_maybe_store(void)
{
	if (ls.inflight != 0 || !ls.dirty || ls.worker == NULL)
		return;
	ls_send_batch(ls.next_seq);
	ls.inflight = ls.next_seq++;
	ls.dirty = 0;
	ls.batch_bytes = 0;
}

int
ls_batch_full(void)
{
	return ls.batch_bytes >= ls.batch_max;
}

/*
 * A change was made: its batch goes once this pass of the event loop is
 * done with every connection (one store for all they sent), whichever
 * path took the request in.
 */
static void
ls_store_cb(evutil_socket_t fd, short ev, void *arg)
{
	ls_maybe_store();
}

void
ls_store_soon(void)
{
	event_active(ls.store_ev, EV_TIMEOUT, 0);
}

pid_t
ls_pid(void)
{
	static pid_t pid;

	if (pid == 0)
		pid = getpid();
	return pid;
}

/* --- idleness and stopping ------------------------------------------- */

/* No connection, nothing to store, and no connection given back that
 * the cache has not taken yet (a stopped server waits for its {took},
 * or for the link to close, which returns the connection). */
static int
ls_quiet(void)
{
	return ls.nconns == 0 && ls.inflight == 0 && !ls.dirty &&
	    STAILQ_EMPTY(&ls.parked);
}

static void
ls_idle_expired(evutil_socket_t fd, short ev, void *arg)
{
	/* Not quiet: a connection handed back waits for the cache's
	 * {took} (a new connection would have stopped the timer).  Told
	 * idle again once it is taken (ls_check_idle()), and timed anew;
	 * else the server would never stop for idleness. */
	if (!ls_quiet()) {
		ls.idle_told = 0;
		return;
	}
	if (ls.cache == NULL)
		return;
	etf_buf_reset(&ls.msg);
	etf_put_version(&ls.msg);
	etf_put_tuple(&ls.msg, 2);
	etf_put_atom(&ls.msg, "idle_stop");
	etf_put_int(&ls.msg, (int64_t)ls.handoffs);
	ls_send_msg(ls.cache, -1);
}

/*
 * A list whose file could not be read stops once no client has held it
 * for LS_UNAVAILABLE_STOP, so that a later one reads the file again
 * (repaired, perhaps) instead of being told unavailable until the idle
 * timeout; not at once, so that a client attaching again and again does
 * not have the file read, and its failure logged, each time.
 */
static void
ls_stop_unavailable(void)
{
	struct timeval tv = { LS_UNAVAILABLE_STOP, 0 };

	event_add_or_exit(ls.idle_ev, &tv);
}

void
ls_check_idle(void)
{
	struct timeval tv;

	if (ls.released || !ls_quiet())
		return;
	if (ls.stopping) {
		ls_exit();
		return;
	}
	if (ls.idle_told || ls.cache == NULL)
		return;
	ls.idle_told = 1;
	etf_buf_reset(&ls.msg);
	etf_put_version(&ls.msg);
	etf_put_tuple(&ls.msg, 2);
	etf_put_atom(&ls.msg, "idle");
	etf_put_int(&ls.msg, (int64_t)ls.handoffs);
	ls_send_msg(ls.cache, -1);
	if (ls.unavailable)
		ls_stop_unavailable();
	else if (ls.cfg->idle_timeout > 0) {
		tv.tv_sec = ls.cfg->idle_timeout;
		tv.tv_usec = 0;
		event_add_or_exit(ls.idle_ev, &tv);
	}
}

/* --- the worker ---------------------------------------------------------- */

/* The worker's answer to {get, Name} (getreply.h), with the file's
 * descriptor or -1. */
static void
ls_load(const struct etf_term *t, int fd)
{
	const char *why;
	int rc;

	/* The worker's bounds, for the file and for what a compressed one
	 * inflates to: its largest message, less the frame.  (Not the
	 * clients' --max-frame: a list is loaded whole as the worker loads
	 * it, however large its requests may be.) */
	if (fd != -1)
		rc = getreply_file(ls.arena, t, fd, PROC_MAX_LIST_FILE,
		    PROC_MAX_LIST_FILE, &ls.list, &why);
	else
		rc = getreply_list(ls.arena, t, PROC_MAX_LIST_FILE, &ls.list,
		    &why);
	etf_arena_reset(ls.arena);
	if (rc == GETREPLY_BAD)
		fatalx("unexpected answer from the worker");
	if (rc == GETREPLY_CORRUPT)
		log_warnx("not a list file (%s): left alone", why);
	else if (rc != GETREPLY_OK)
		log_warnx("list cannot be loaded: %s", why);
	/* Memory was lost: this process exits when it stops, rather
	 * than serve another list. */
	if (rc == GETREPLY_FAULT)
		ls.shutdown = 1;
	if (rc != GETREPLY_OK) {
		ls.unavailable = 1;
		/* Told idle before the load failed: the idle timer runs
		 * already. */
		if (ls.idle_told)
			ls_stop_unavailable();
	}
	ls.loaded = 1;
	ls_drive_all();
	ls_check_idle();
}

/* The store in flight failed: it and every later change are undone. */
static void
ls_store_failed(const char *reason)
{
	static struct lograte store_failed_rate;  /* a full disk: each one */
	struct lconn *lc;
	struct pend *p;

	lograte_warn(&store_failed_rate, 0, "store failed: %s", reason);
	pending_undo(&ls.pending, ls.list);
	etf_buf_reset(&ls.out);
	reply_error(&ls.out, "unavailable");
	TAILQ_FOREACH(lc, &ls.conns, entry) {
		STAILQ_FOREACH(p, &lc->pend, entry)
			if (p->kind == PEND_REPLY && p->seq > ls.acked) {
				lc->pend_bytes -= p->len;
				lc->pend_bytes += ls.out.len;
				free(p->data);
				if ((p->data = malloc(ls.out.len)) == NULL)
					fatalx("out of memory");
				memcpy(p->data, ls.out.p, ls.out.len);
				p->len = ls.out.len;
				p->seq = 0;
			}
		conn_set_held(lc->conn, lc->pend_bytes);
	}
	ls.inflight = 0;
	ls.dirty = 0;
	ls.batch_bytes = 0;
}

static void
ls_stored(uint64_t seq)
{
	if (seq != ls.inflight)
		fatalx("worker acknowledged store %llu, expected %llu",
		    (unsigned long long)seq, (unsigned long long)ls.inflight);
	pending_ack(&ls.pending, seq);
	ls.acked = seq;
	ls.inflight = 0;
}

static void
ls_worker_msg(struct chan *c, const struct etf_term *t, int fd, void *arg)
{
	if (!ls.loaded) {
		ls_load(t, fd);
		if (fd != -1)
			close(fd);
		return;
	}
	if (fd != -1)
		close(fd);
	if (etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "stored") &&
	    t->seq.v[1].type == ETF_INT && ls.inflight != 0)
		ls_stored((uint64_t)t->seq.v[1].i);
	else if (etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "error") &&
	    t->seq.v[1].type == ETF_ATOM && ls.inflight != 0)
		ls_store_failed(t->seq.v[1].atom.p);
	else
		fatalx("unexpected message from the worker");
	/* A full batch goes first: the connections it held take requests
	 * again (after them, as usual, the batch takes what they bring). */
	if (ls_batch_full())
		ls_maybe_store();
	ls_drive_all();
	ls_check_idle();
}

static void
ls_get(void)
{
	etf_buf_reset(&ls.msg);
	etf_put_version(&ls.msg);
	etf_put_tuple(&ls.msg, 2);
	etf_put_atom(&ls.msg, "get");
	etf_put_binary(&ls.msg, ls.name, ls.len);
	ls_send_msg(ls.worker, -1);
}

static void
ls_worker_closed(struct chan *c, void *arg)
{
	/* A new link comes from the supervisor once the worker is back;
	 * the batch in flight then goes again, the same (the worker may
	 * have journaled it already and knows it by its Seq). */
	chan_free(ls.worker);
	ls.worker = NULL;
}

/* --- the cache and the supervisor ------------------------------------- */

static void
ls_cache_msg(struct chan *c, const struct etf_term *t, int fd, void *arg)
{
	if (etf_is_tuple(t, 3) && etf_is_atom(&t->seq.v[0], "handoff") &&
	    fd != -1 && t->seq.v[2].type == ETF_BINARY &&
	    (etf_is_atom(&t->seq.v[1], "attach") ||
	    (etf_is_tuple(&t->seq.v[1], 2) &&
	    t->seq.v[1].seq.v[1].type == ETF_ATOM))) {
		ls_handoff(t, fd);
		return;
	}
	if (fd != -1)
		close(fd);
	if (etf_is_atom(t, "ping")) {
		/* The cache's watch (route_watch.c): the loop runs. */
		etf_buf_reset(&ls.msg);
		etf_put_version(&ls.msg);
		etf_put_atom(&ls.msg, "pong");
		ls_send_msg(ls.cache, -1);
		return;
	}
	if (etf_is_atom(t, "stop")) {
		ls.stopping = 1;
		ls_check_idle();
		return;
	}
	if (etf_is_atom(t, "took") && ls_parked_taken() == 0) {
		ls_check_idle();	/* a stopped server may go now */
		return;
	}
	fatalx("unexpected message from the cache");
}

static void
ls_cache_closed(struct chan *c, void *arg)
{
	chan_free(ls.cache);
	ls.cache = NULL;
	ls.idle_told = 0;
	/* Everything the cache said is read: what it did not take, it
	 * never will. */
	ls_parked_return(1);
}

/*
 * At shutdown, replies a client leaves unread this long are given up: its
 * connection is closed, then again every LS_GRACE_AGAIN_MS, so that a
 * client that does not read cannot hold the daemon's stop until the
 * supervisor kills what is left (and the workers' final checkpoint with
 * it).  Every change is durable whatever becomes of its reply.
 */
#define LS_GRACE_MS		2000
#define LS_GRACE_AGAIN_MS	250

static void
ls_grace_expired(evutil_socket_t fd, short ev, void *arg)
{
	struct timeval tv = { 0, LS_GRACE_AGAIN_MS * 1000 };

	ls_drop_unread();
	event_add_or_exit(ls.grace_ev, &tv);
}

static void
ls_shutdown(void)
{
	struct timeval tv = { LS_GRACE_MS / 1000, LS_GRACE_MS % 1000 * 1000 };
	struct lconn *lc, *next;

	ls.stopping = 1;
	ls.shutdown = 1;
	TAILQ_FOREACH(lc, &ls.conns, entry) {
		lc->closing = 1;
		conn_pause(lc->conn);
	}
	if (ls.grace_ev == NULL && (ls.grace_ev = evtimer_new(ls.base,
	    ls_grace_expired, NULL)) == NULL)
		fatalx("out of memory");
	if (!evtimer_pending(ls.grace_ev, NULL))
		event_add_or_exit(ls.grace_ev, &tv);
	/* Connections close once their replies are written. */
	TAILQ_FOREACH_SAFE(lc, &ls.conns, entry, next)
		ls_drive(lc);
	ls_check_idle();
}

/* {conns, [Uid]}: a user for each connection held, to a new cache. */
static void
ls_send_conns(void)
{
	struct lconn *lc;

	if (ls.nconns == 0)
		return;
	etf_buf_reset(&ls.msg);
	etf_put_version(&ls.msg);
	etf_put_tuple(&ls.msg, 2);
	etf_put_atom(&ls.msg, "conns");
	etf_put_list(&ls.msg, (uint32_t)ls.nconns);
	TAILQ_FOREACH(lc, &ls.conns, entry)
		etf_put_int(&ls.msg, (int64_t)lc->uid);
	etf_put_nil(&ls.msg);
	ls_send_msg(ls.cache, -1);
}

/* {cache} +fd: the server's link to the cache (a new one, if the cache
 * started again). */
static void
ls_cache_link(int fd)
{
	int i;

	/* A new link: the cache started again, the old one is gone (the
	 * supervisor reaped it first, so its end of the old link is
	 * closed).  What it said there is read to the end first, which
	 * returns the connections it did not take (ls_cache_closed), every
	 * {took} counted: else a connection it took and handed on would be
	 * served here too.  (Reading stops if a {stop} read there releases
	 * this server; the bound is a safeguard only.) */
	for (i = 0; ls.cache != NULL && !ls.released && i < (1 << 20); i++)
		chan_read_now(ls.cache);
	if (ls.cache != NULL) {
		chan_free(ls.cache);
		ls.cache = NULL;
		ls_parked_return(1);	/* closed if released */
	}
	if (ls.released) {
		/* Stopped by the old cache: the link is for the list this
		 * process no longer serves, as one that comes later. */
		close(fd);
		return;
	}
	if ((ls.cache = chan_new(ls.base, fd, PROC_MAX_MSG, ls_cache_msg,
	    ls_cache_closed, NULL)) == NULL)
		fatalx("out of memory");
	/* A new cache counts its handoffs from zero, and learns the users
	 * of the connections held here. */
	ls.handoffs = 0;
	ls.idle_told = 0;
	ls_send_conns();
	/* A new server's first connection is in the link already: taken
	 * now, it is not told idle first (a message the cache would wake
	 * up for, to no use). */
	chan_read_now(ls.cache);
	ls_check_idle();
}

static void	ls_start(const void *, size_t);

#ifdef TODOD_FAULTS
/* Whether the environment variable var names this server's list. */
static int
ls_fault_named(const char *var)
{
	const char *n = getenv(var);

	return n != NULL && strlen(n) == ls.len && !memcmp(n, ls.name, ls.len);
}

/* Test-only: the server of the list named by TODOD_FAULT_BADMSG_LIST
 * sends the supervisor a malformed message, as a bug would; that of the
 * list named by TODOD_FAULT_BADMSG_CACHE_LIST sends the cache one; that
 * of TODOD_FAULT_CONNS_LIST tells the cache it holds two connections of
 * its own user more, a report only a cache started again may take. */
static void
ls_fault_badmsg(void)
{
	etf_buf_reset(&ls.msg);
	etf_put_version(&ls.msg);
	etf_put_atom(&ls.msg, "nonsense");
	if (ls_fault_named("TODOD_FAULT_BADMSG_LIST"))
		ls_send_msg(ls.sup, -1);
	if (ls_fault_named("TODOD_FAULT_BADMSG_CACHE_LIST"))
		ls_send_msg(ls.cache, -1);
	if (ls_fault_named("TODOD_FAULT_CONNS_LIST")) {
		etf_buf_reset(&ls.msg);
		etf_put_version(&ls.msg);
		etf_put_tuple(&ls.msg, 2);
		etf_put_atom(&ls.msg, "conns");
		etf_put_list(&ls.msg, 2);
		etf_put_int(&ls.msg, (int64_t)getuid());
		etf_put_int(&ls.msg, (int64_t)getuid());
		etf_put_nil(&ls.msg);
		ls_send_msg(ls.cache, -1);
	}
}

/* Test-only: TODOD_FAULT_BATCH_MAX=BYTES in place of LS_BATCH_MAX. */
static void
ls_fault_batch_max(void)
{
	const char *v = getenv("TODOD_FAULT_BATCH_MAX");
	long long n;

	if (v != NULL && (n = atoll(v)) > 0 && n <= LS_BATCH_MAX)
		ls.batch_max = (size_t)n;
}
#else
#define ls_fault_badmsg()	do { } while (0)
#define ls_fault_batch_max()	do { } while (0)
#endif

/*
 * A spare's messages: {list, Name} +fd starts a list (fd: its cache
 * link).  Links and a shutdown meant for the list this process released
 * may still come, sent before the supervisor read {released}: they are
 * dropped (the supervisor closes the channel of a spare it does not
 * keep, and the process exits then).
 */
static void
ls_spare_msg(const struct etf_term *t, int fd)
{
	if (etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "list") &&
	    fd != -1 && t->seq.v[1].type == ETF_BINARY &&
	    name_valid(t->seq.v[1].bin.p, t->seq.v[1].bin.len)) {
		ls_start(t->seq.v[1].bin.p, t->seq.v[1].bin.len);
		ls_cache_link(fd);
		ls_fault_badmsg();
		return;
	}
	if (fd != -1)
		close(fd);
	if (!etf_is_atom(t, "shutdown") && !((etf_is_tuple(t, 1) ||
	    etf_is_tuple(t, 2)) && (etf_is_atom(&t->seq.v[0], "cache") ||
	    etf_is_atom(&t->seq.v[0], "worker"))))
		fatalx("unexpected message from the supervisor");
	log_debug("a message for the list released: dropped");
}

static void
ls_sup_msg(struct chan *c, const struct etf_term *t, int fd, void *arg)
{
	if (ls.cfg == NULL)
		ls_spare_msg(t, fd);
	else if (etf_is_tuple(t, 1) && etf_is_atom(&t->seq.v[0], "cache") &&
	    fd != -1)
		ls_cache_link(fd);
	else if ((etf_is_tuple(t, 1) || (etf_is_tuple(t, 2) &&
	    etf_is_atom(&t->seq.v[1], "unasked"))) &&
	    etf_is_atom(&t->seq.v[0], "worker") && fd != -1) {
		if (ls.worker != NULL)
			chan_free(ls.worker);
		if ((ls.worker = chan_new(ls.base, fd, PROC_MAX_MSG,
		    ls_worker_msg, ls_worker_closed, NULL)) == NULL)
			fatalx("out of memory");
		/* Unasked: the worker sends the list (supervisor.c), which
		 * may be here already. */
		if (!ls.loaded && t->seq.n == 1)
			ls_get();
		else if (ls.inflight != 0)
			ls_send_batch(ls.inflight);
		else
			ls_maybe_store();
		chan_read_now(ls.worker);
	} else if (etf_is_atom(t, "shutdown")) {
		if (fd != -1)
			close(fd);
		ls_shutdown();
	} else
		fatalx("unexpected message from the supervisor");
}

static void
ls_sup_closed(struct chan *c, void *arg)
{
	exit(0);
}

/* --- a new list, and the release of one ------------------------------ */

/*
 * What a list server keeps from one list to the next: made once, so that
 * a list's start does not make them.
 */
static struct {
	const struct todod_config *cfg;
	struct event_base	*base;
	struct etf_arena	*arena;
	struct chan		*sup;	/* NULL: embedded */
} lsp;

static void
ls_process_init(const struct todod_config *cfg)
{
	lsp.cfg = cfg;
	if ((lsp.base = proc_event_base()) == NULL ||
	    (lsp.arena = etf_arena_new()) == NULL)
		fatalx("out of memory");
	conn_set_budget(LS_IN_BUDGET, CONN_IN_SMALL, LS_OUT_BUDGET,
	    CONN_TURN_MS);
}

static void
ls_start(const void *name, size_t len)
{
	char file[NAME_FILE_BUFSZ];
	struct timespec ts;

	memset(&ls, 0, sizeof(ls));
	ls.cfg = lsp.cfg;
	ls.base = lsp.base;
	ls.arena = lsp.arena;
	ls.sup = lsp.sup;
	memcpy(ls.name, name, len);
	ls.len = len;
	if (name_to_file(name, len, file, sizeof(file)) == -1)
		fatalx("invalid list name");
	log_setrole("list[%s]", file);
	proc_title("todod: list %s", file);
	pending_init(&ls.pending);
	TAILQ_INIT(&ls.conns);
	STAILQ_INIT(&ls.parked);
	etf_buf_init(&ls.out);
	etf_buf_init(&ls.msg);
	/* Store numbers grow across restarts of this server too, so that a
	 * worker never takes a new store for an old one.  The wall clock
	 * only has to be ahead of the previous server's numbers where the
	 * worker compares them: it forgets a list's last number at this
	 * server's get (journaling that it did whenever recovery could read
	 * the old number), and reads the previous server's last batch before
	 * answering the get (worker.h).  A clock stepped back matters only if
	 * that record is lost to a failed journal write and the worker
	 * then restarts with this server's first batch in flight. */
	clock_gettime(CLOCK_REALTIME, &ts);
	ls.next_seq = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	ls.batch_max = LS_BATCH_MAX;
	ls_fault_batch_max();
	if ((ls.idle_ev = evtimer_new(ls.base, ls_idle_expired, NULL)) ==
	    NULL || (ls.store_ev = event_new(ls.base, -1, 0, ls_store_cb,
	    NULL)) == NULL)
		fatalx("out of memory");
}

/* Free heap above this goes back to the system (a released list, a
 * large reply sent); below it, it stays for what comes next (no page to
 * fault in again). */
#define LS_TRIM_MIN	(1024 * 1024)

void
ls_trim(void)
{
	if (mallinfo2().fordblks > LS_TRIM_MIN)
		(void)malloc_trim(0);
}

/* An event in the loop that is not the supervisor channel's (descriptor
 * 3, as in every child: proc.h). */
static int
ls_count_stray(const struct event_base *base, const struct event *ev,
    void *arg)
{
	if (event_get_fd(ev) != 3)
		(*(int *)arg)++;
	return 0;
}

/*
 * Free everything of the list that was released: its links (the
 * descriptors close), its entries, its buffers.  The event loop, the
 * arena and the supervisor channel stay, and nothing else may be left in
 * the loop (else the process exits rather than serve another list with
 * it); a large free heap goes back to the system.
 */
static void
ls_release(void)
{
	int stray = 0;

	if (!TAILQ_EMPTY(&ls.conns))
		fatalx("released with connections");
	ls_parked_return(0);
	linger_close_all();	/* bad frames' clients: the end now */
	chan_free(ls.cache);
	chan_free(ls.worker);
	event_free(ls.idle_ev);
	event_free(ls.store_ev);
	pending_clear(&ls.pending);
	if (ls.list != NULL)
		todolist_free(ls.list);
	etf_buf_free(&ls.out);
	etf_buf_free(&ls.msg);
	etf_arena_reset(ls.arena);
	memset(&ls, 0, sizeof(ls));
	log_setrole("spare");
	if (event_base_foreach_event(lsp.base, ls_count_stray, &stray) ==
	    -1 || stray != 0) {
		log_warnx("events left after a release; exiting");
		exit(0);
	}
	ls_trim();
}

void
listsrv_spare_main(const struct todod_config *cfg)
{
	log_setrole("spare");
	ls_process_init(cfg);
	if ((lsp.sup = chan_new(lsp.base, 3, PROC_MAX_MSG, ls_sup_msg,
	    ls_sup_closed, NULL)) == NULL)
		fatalx("out of memory");
	for (;;) {
		event_base_dispatch(lsp.base);
		if (!ls.released)
			exit(0);
		ls_release();
		chan_resume(lsp.sup);
	}
}

struct event_base *
listsrv_embed(const struct todod_config *cfg, const void *name, size_t len,
    int worker_fd)
{
	ls_process_init(cfg);
	ls_start(name, len);
	if ((ls.worker = chan_new(ls.base, worker_fd, PROC_MAX_MSG,
	    ls_worker_msg, ls_worker_closed, NULL)) == NULL)
		fatalx("out of memory");
	ls_get();
	return ls.base;
}

void
listsrv_embed_attach(int fd)
{
	struct etf_buf b;
	struct etf_arena *a;
	const struct etf_term *t;

	/* Exactly what the cache sends: {handoff, attach, <<>>}. */
	etf_buf_init(&b);
	etf_put_version(&b);
	etf_put_tuple(&b, 3);
	etf_put_atom(&b, "handoff");
	etf_put_atom(&b, "attach");
	etf_put_binary(&b, "", 0);
	if ((a = etf_arena_new()) == NULL ||
	    etf_decode(a, b.p, b.len, b.len, &t) != ETF_OK)
		fatalx("out of memory");
	ls_handoff(t, fd);
	etf_arena_free(a);
	etf_buf_free(&b);
}
