/* listsrv.c: one list server: load, serve, group-commit its stores. */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "chan.h"
#include "conn.h"
#include "etf.h"
#include "listfile.h"
#include "listops.h"
#include "listsrv.h"
#include "log.h"
#include "names.h"
#include "options.h"
#include "proc.h"
#include "reply.h"
#include "request.h"
#include "todolist.h"

#define LS_OUT_CAP	(16u * 1024 * 1024)	/* unread replies */
#define LS_MAX_PEND	4096		/* waiting replies before pausing */

/*
 * A reply in a connection's queue: replies leave in request order.  A
 * reply waits until the store that makes its state durable (seq) is
 * acknowledged.  A read that follows the connection's own modifications
 * is computed when it arrives, from the working list (so it shows exactly
 * the requests before it), and waits until everything in that working
 * list is durable.
 */
enum pend_kind { PEND_REPLY, PEND_REATTACH };

struct pend {
	STAILQ_ENTRY(pend)	 entry;
	enum pend_kind		 kind;
	uint64_t		 seq;	/* REPLY: durable once acked >= seq */
	uint8_t			*data;	/* REPLY: the encoded reply */
	size_t			 len;
};

struct lconn {
	TAILQ_ENTRY(lconn)	 entry;
	struct conn		*conn;
	STAILQ_HEAD(, pend)	 pend;
	size_t			 npend;
	size_t			 pend_bytes;
	int			 closing;	/* bad frame: close once flushed */
	int			 leaving;	/* re-attach queued */
	uint8_t			 target[NAME_MAX_BYTES];
	size_t			 target_len;
	uid_t			 uid;		/* counted in proc_stats */
};

static struct {
	const struct todod_config *cfg;
	struct event_base	*base;
	uint8_t			 name[NAME_MAX_BYTES];
	size_t			 len;
	struct chan		*sup;
	struct chan		*cache;
	struct chan		*worker;
	int			 loading;	/* {get} sent */
	int			 loaded;
	int			 unavailable;	/* the file cannot be loaded */
	struct todo_list	*durable;
	struct todo_list	*working;
	struct listop_queue	 ops;		/* not yet durable */
	uint64_t		 next_seq;	/* the batch being collected */
	uint64_t		 inflight;	/* 0: no store in flight */
	uint64_t		 acked;
	int			 dirty;		/* ops in batch next_seq */
	TAILQ_HEAD(, lconn)	 conns;
	size_t			 nconns;
	uint64_t		 handoffs;	/* received */
	struct event		*idle_ev;
	int			 idle_told;
	int			 stopping;	/* stop or shutdown received */
	struct etf_arena	*arena;
	struct etf_buf		 out;
	struct etf_buf		 msg;
} ls;

static void	ls_conn_input(struct conn *, void *);
static void	ls_conn_closed(struct conn *, void *);
static void	ls_conn_drained(struct conn *, void *);
static void	ls_drive(struct lconn *);
static void	ls_check_idle(void);

static const struct conn_cbs ls_conn_cbs = {
	ls_conn_input, ls_conn_closed, ls_conn_drained
};

static void
ls_send_msg(struct chan *c, int fd)
{
	if (c == NULL || chan_send(c, &ls.msg, fd) == -1) {
		if (fd != -1 && c == NULL)
			close(fd);
	}
}

static void
ls_exit(void)
{
	etf_buf_reset(&ls.msg);
	etf_put_version(&ls.msg);
	etf_put_atom(&ls.msg, "stopping");
	ls_send_msg(ls.sup, -1);
	if (ls.sup != NULL)
		chan_flush(ls.sup);
	log_debug("exiting");
	exit(0);
}

/* --- replies in order ------------------------------------------------ */

static void
pend_free(struct pend *p)
{
	free(p->data);
	free(p);
}

static struct pend *
ls_pend_push(struct lconn *lc, enum pend_kind kind, uint64_t seq)
{
	struct pend *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatalx("out of memory");
	p->kind = kind;
	p->seq = seq;
	STAILQ_INSERT_TAIL(&lc->pend, p, entry);
	lc->npend++;
	return p;
}

/* Queue the reply in ls.out: at once if nothing waits before it. */
static void
ls_reply(struct lconn *lc, uint64_t seq)
{
	struct pend *p;

	if (STAILQ_EMPTY(&lc->pend) && (seq == 0 || seq <= ls.acked)) {
		conn_send(lc->conn, &ls.out);
		return;
	}
	p = ls_pend_push(lc, PEND_REPLY, seq);
	if ((p->data = malloc(ls.out.len)) == NULL)
		fatalx("out of memory");
	memcpy(p->data, ls.out.p, ls.out.len);
	p->len = ls.out.len;
	lc->pend_bytes += p->len;
}

/* The store after which everything in the working list is durable. */
static uint64_t
ls_working_seq(void)
{
	if (ls.dirty)
		return ls.next_seq;
	if (ls.inflight != 0)
		return ls.inflight;
	return 0;
}

static void
ls_error(struct lconn *lc, const char *reason)
{
	etf_buf_reset(&ls.out);
	reply_error(&ls.out, reason);
	ls_reply(lc, 0);
}

/* --- reads -------------------------------------------------------------- */

static void
ls_put_item(const struct todo_item *it)
{
	todo_put_entry(&ls.out, it->id, it->date, it->title, it->title_len);
}

static void
ls_read(const struct todo_list *l, const struct request *r)
{
	const struct todo_item *it;
	size_t n;

	etf_buf_reset(&ls.out);
	if (r->kind == REQ_SIZE) {
		reply_ok_int(&ls.out, (int64_t)todolist_size(l));
		return;
	}
	etf_put_version(&ls.out);
	etf_put_tuple(&ls.out, 2);
	etf_put_atom(&ls.out, "ok");
	if (r->has_date) {
		if ((n = todolist_date_count(l, r->date)) > 0)
			etf_put_list(&ls.out, (uint32_t)n);
		for (it = todolist_date_first(l, r->date); it != NULL;
		    it = todolist_date_next(l, it))
			ls_put_item(it);
	} else {
		if ((n = todolist_size(l)) > 0)
			etf_put_list(&ls.out, (uint32_t)n);
		for (it = todolist_first(l); it != NULL;
		    it = todolist_next(l, it))
			ls_put_item(it);
	}
	etf_put_nil(&ls.out);
}

/* --- modifications ---------------------------------------------------- */

static void
ls_op_queue(struct listop *op)
{
	if (op == NULL)
		fatalx("out of memory");
	if (ls.next_seq == 0)
		ls.next_seq = 1;
	op->seq = ls.next_seq;
	TAILQ_INSERT_TAIL(&ls.ops, op, entry);
	ls.dirty = 1;
}

/* Apply a modification to the working list and queue its reply.  */
static void
ls_modify(struct lconn *lc, const struct request *r)
{
	const struct todo_item *it;
	int64_t id;
	int rc;

	etf_buf_reset(&ls.out);
	switch (r->kind) {
	case REQ_ADD_ENTRY:
		if (todolist_add(ls.working, r->date, r->title, r->title_len,
		    &id) == -1) {
			ls_error(lc, "unavailable");
			return;
		}
		ls_op_queue(listop_new(LISTOP_ADD, id, 1, r->date, r->title,
		    r->title_len));
		reply_ok_int(&ls.out, id);
		break;
	case REQ_UPDATE_ENTRY:
		rc = todolist_update(ls.working, r->id, r->has_date ? &r->date :
		    NULL, r->title, r->title_len);
		if (rc == TODOLIST_NOTFOUND) {
			ls_error(lc, "not_found");
			return;
		}
		if (rc != 0) {
			ls_error(lc, "unavailable");
			return;
		}
		ls_op_queue(listop_new(LISTOP_UPDATE, r->id, r->has_date,
		    r->date, r->title, r->title_len));
		it = todolist_get(ls.working, r->id);
		etf_put_version(&ls.out);
		etf_put_tuple(&ls.out, 2);
		etf_put_atom(&ls.out, "ok");
		ls_put_item(it);
		break;
	case REQ_DELETE_ENTRY:
		if (todolist_delete(ls.working, r->id) != 0) {
			ls_error(lc, "not_found");
			return;
		}
		ls_op_queue(listop_new(LISTOP_DELETE, r->id, 0, r->date, NULL,
		    0));
		reply_atom(&ls.out, "ok");
		break;
	default:
		return;
	}
	ls_reply(lc, ls.next_seq);
}

/* Send the changes of batch seq to the worker's journal:
 * {append, Name, Seq, [Op]}. */
static void
ls_send_batch(uint64_t seq)
{
	struct listop *op;
	uint32_t n = 0;

	TAILQ_FOREACH(op, &ls.ops, entry)
		if (op->seq == seq)
			n++;
	etf_buf_reset(&ls.msg);
	etf_put_version(&ls.msg);
	etf_put_tuple(&ls.msg, 4);
	etf_put_atom(&ls.msg, "append");
	etf_put_binary(&ls.msg, ls.name, ls.len);
	etf_put_int(&ls.msg, (int64_t)seq);
	etf_put_list(&ls.msg, n);
	TAILQ_FOREACH(op, &ls.ops, entry)
		if (op->seq == seq)
			listop_put(&ls.msg, op);
	etf_put_nil(&ls.msg);
	if (ls.msg.oom)
		fatalx("out of memory encoding a store");
	chan_send(ls.worker, &ls.msg, -1);
}

/* Send the collected batch if no store is in flight. */
static void
ls_maybe_store(void)
{
	if (ls.inflight != 0 || !ls.dirty || ls.worker == NULL)
		return;
	ls_send_batch(ls.next_seq);
	ls.inflight = ls.next_seq++;
	ls.dirty = 0;
}

/* --- requests -------------------------------------------------------- */

/* One request.  Returns 1 if the connection stops taking requests. */
static int
ls_request(struct lconn *lc, const struct etf_term *t)
{
	struct request r;
	const char *err;
	enum request_kind k = request_kind(t);

	if (k == REQ_LISTS || k == REQ_STATS || k == REQ_SYNC ||
	    k == REQ_UNKNOWN) {
		ls_error(lc, "unknown_request");
		return 0;
	}
	if ((err = request_parse(t, &r)) != NULL) {
		ls_error(lc, err);
		return 0;
	}
	switch (r.kind) {
	case REQ_PING:
		etf_buf_reset(&ls.out);
		reply_atom(&ls.out, "pong");
		ls_reply(lc, 0);
		return 0;
	case REQ_SERVER_PROCESS:
		if (r.name_len == ls.len && memcmp(r.name, ls.name, ls.len) == 0) {
			etf_buf_reset(&ls.out);
			reply_ok_int(&ls.out, getpid());
			ls_reply(lc, 0);
			return 0;
		}
		memcpy(lc->target, r.name, r.name_len);
		lc->target_len = r.name_len;
		lc->leaving = 1;
		ls_pend_push(lc, PEND_REATTACH, 0);
		return 1;
	default:
		break;
	}
	if (ls.unavailable) {
		ls_error(lc, "unavailable");
		return 0;
	}
	if (r.kind == REQ_ENTRIES || r.kind == REQ_SIZE) {
		if (STAILQ_EMPTY(&lc->pend))
			ls_read(ls.durable, &r);
		else
			ls_read(ls.working, &r);
		ls_reply(lc, STAILQ_EMPTY(&lc->pend) ? 0 : ls_working_seq());
		return 0;
	}
	ls_modify(lc, &r);
	return 0;
}

static void
ls_process(struct lconn *lc)
{
	const struct etf_term *t;
	uint8_t *p;
	size_t len;
	int rc;

	while (ls.loaded && !lc->closing && !lc->leaving &&
	    lc->npend < LS_MAX_PEND && lc->pend_bytes < LS_OUT_CAP &&
	    (rc = conn_frame(lc->conn, &p, &len)) != 0) {
		etf_arena_reset(ls.arena);
		if (rc == -1 || etf_decode(ls.arena, p, len, ls.cfg->max_frame,
		    &t) != ETF_OK) {
			ls_error(lc, "bad_frame");
			lc->closing = 1;
			break;
		}
		/* The request is fully used before the frame is dropped. */
		(void)ls_request(lc, t);
		conn_consume(lc->conn, len);
	}
	if (lc->closing || lc->leaving || lc->npend >= LS_MAX_PEND ||
	    lc->pend_bytes >= LS_OUT_CAP)
		conn_pause(lc->conn);
	else
		conn_resume(lc->conn);
}

/* --- connections -------------------------------------------------------- */

static void
ls_conn_free(struct lconn *lc)
{
	struct pend *p;

	while ((p = STAILQ_FIRST(&lc->pend)) != NULL) {
		STAILQ_REMOVE_HEAD(&lc->pend, entry);
		pend_free(p);
	}
	TAILQ_REMOVE(&ls.conns, lc, entry);
	ls.nconns--;
	conn_free(lc->conn);
	proc_uid_release(lc->uid);
	free(lc);
	ls_check_idle();
}

static void
ls_conn_closed(struct conn *c, void *arg)
{
	ls_conn_free(arg);
}

/* Give the connection back to the cache for another list. */
static void
ls_reattach(struct lconn *lc)
{
	size_t inlen = conn_inlen(lc->conn);
	uint8_t *input = NULL;
	int fd;

	if (ls.cache == NULL) {
		/* No cache to go through: refused, the attachment stays. */
		lc->leaving = 0;
		ls_error(lc, "busy");
		ls_drive(lc);
		return;
	}
	if (inlen > 0 && (input = malloc(inlen)) == NULL)
		fatalx("out of memory");
	conn_copy_input(lc->conn, input, inlen);
	etf_buf_reset(&ls.msg);
	etf_put_version(&ls.msg);
	etf_put_tuple(&ls.msg, 4);
	etf_put_atom(&ls.msg, "reattach");
	etf_put_binary(&ls.msg, lc->target, lc->target_len);
	etf_put_binary(&ls.msg, ls.name, ls.len);
	etf_put_binary(&ls.msg, input, inlen);
	free(input);
	TAILQ_REMOVE(&ls.conns, lc, entry);
	ls.nconns--;
	fd = conn_release(lc->conn);
	chan_send(ls.cache, &ls.msg, fd);
	free(lc);
	ls_check_idle();
}

/* Send every reply that is ready, in order; then take more requests. */
static void
ls_drive(struct lconn *lc)
{
	struct pend *p;

	while ((p = STAILQ_FIRST(&lc->pend)) != NULL) {
		if (p->kind == PEND_REPLY) {
			if (p->seq != 0 && p->seq > ls.acked)
				break;
			conn_send_raw(lc->conn, p->data, p->len);
			lc->pend_bytes -= p->len;
		} else {
			/* Re-attach once every earlier reply is written. */
			if (conn_outlen(lc->conn) > 0)
				break;
			STAILQ_REMOVE_HEAD(&lc->pend, entry);
			lc->npend--;
			pend_free(p);
			ls_reattach(lc);
			return;
		}
		STAILQ_REMOVE_HEAD(&lc->pend, entry);
		lc->npend--;
		pend_free(p);
	}
	if (STAILQ_EMPTY(&lc->pend) && lc->leaving) {
		/* The reattach was refused: go on here. */
		lc->leaving = 0;
	}
	ls_process(lc);
	switch (conn_flush(lc->conn)) {
	case 0:
		ls_conn_drained(lc->conn, lc);
		break;
	default:
		break;
	}
}

static void
ls_conn_drained(struct conn *c, void *arg)
{
	struct lconn *lc = arg;
	struct pend *p = STAILQ_FIRST(&lc->pend);

	if (lc->closing && STAILQ_EMPTY(&lc->pend))
		ls_conn_free(lc);
	else if (p != NULL && p->kind == PEND_REATTACH)
		ls_drive(lc);
}

static void
ls_conn_input(struct conn *c, void *arg)
{
	struct lconn *lc = arg;

	ls_process(lc);
	ls_maybe_store();
	if (conn_flush(c) == 0)
		ls_conn_drained(c, lc);
}

static void
ls_drive_all(void)
{
	struct lconn *lc, *next;

	TAILQ_FOREACH_SAFE(lc, &ls.conns, entry, next)
		ls_drive(lc);
	ls_maybe_store();
}

/* A connection handed over by the cache: {handoff, Mode, Input}. */
static void
ls_handoff(const struct etf_term *t, int fd)
{
	const struct etf_term *mode = &t->seq.v[1], *input = &t->seq.v[2];
	struct lconn *lc;

	ls.handoffs++;
	/* Confirm before reading the connection: until then the cache keeps
	 * a copy, to hand it to a new server if this one dies. */
	etf_buf_reset(&ls.msg);
	etf_put_version(&ls.msg);
	etf_put_tuple(&ls.msg, 2);
	etf_put_atom(&ls.msg, "got");
	etf_put_int(&ls.msg, (int64_t)ls.handoffs);
	if (ls.cache != NULL) {
		ls_send_msg(ls.cache, -1);
		chan_flush(ls.cache);
	}
	if ((lc = calloc(1, sizeof(*lc))) == NULL)
		fatalx("out of memory");
	STAILQ_INIT(&lc->pend);
	lc->uid = conn_peer_uid(fd);
	if ((lc->conn = conn_new(ls.base, fd, ls.cfg->max_frame, LS_OUT_CAP,
	    &ls_conn_cbs, lc)) == NULL ||
	    conn_prepend_input(lc->conn, input->bin.p, input->bin.len) == -1)
		fatalx("out of memory");
	TAILQ_INSERT_TAIL(&ls.conns, lc, entry);
	ls.nconns++;
	if (ls.idle_ev != NULL)
		evtimer_del(ls.idle_ev);
	ls.idle_told = 0;
	etf_buf_reset(&ls.out);
	if (etf_is_atom(mode, "attach"))
		reply_ok_int(&ls.out, getpid());
	else
		reply_error(&ls.out, mode->seq.v[1].atom.p);
	conn_send(lc->conn, &ls.out);
	ls_drive(lc);
	ls_maybe_store();
}

/* --- idleness and stopping ------------------------------------------- */

static int
ls_quiet(void)
{
	return ls.nconns == 0 && ls.inflight == 0 && !ls.dirty;
}

static void
ls_idle_expired(evutil_socket_t fd, short ev, void *arg)
{
	if (!ls_quiet() || ls.cache == NULL)
		return;
	etf_buf_reset(&ls.msg);
	etf_put_version(&ls.msg);
	etf_put_tuple(&ls.msg, 2);
	etf_put_atom(&ls.msg, "idle_stop");
	etf_put_int(&ls.msg, (int64_t)ls.handoffs);
	ls_send_msg(ls.cache, -1);
}

static void
ls_check_idle(void)
{
	struct timeval tv;

	if (!ls_quiet())
		return;
	if (ls.stopping)
		ls_exit();
	if (ls.idle_told || ls.cache == NULL)
		return;
	ls.idle_told = 1;
	etf_buf_reset(&ls.msg);
	etf_put_version(&ls.msg);
	etf_put_tuple(&ls.msg, 2);
	etf_put_atom(&ls.msg, "idle");
	etf_put_int(&ls.msg, (int64_t)ls.handoffs);
	ls_send_msg(ls.cache, -1);
	if (ls.cfg->idle_timeout > 0) {
		tv.tv_sec = ls.cfg->idle_timeout;
		tv.tv_usec = 0;
		evtimer_add(ls.idle_ev, &tv);
	}
}

/* --- the worker ---------------------------------------------------------- */

/*
 * The worker's answer to {get, Name}: not_found, {ok, ListTerm}, or
 * {ok, ListTerm | nil, Ops} with the changes journaled since the file was
 * written.
 */
static void
ls_load(const struct etf_term *t)
{
	const struct etf_term *v = t->type == ETF_TUPLE ? t->seq.v : NULL;
	const char *why = NULL;

	ls.loading = 0;
	if (etf_is_atom(t, "not_found"))
		ls.durable = todolist_new();
	else if ((etf_is_tuple(t, 2) || etf_is_tuple(t, 3)) &&
	    etf_is_atom(&v[0], "ok")) {
		if (etf_is_atom(&v[1], "nil") && t->seq.n == 3)
			ls.durable = todolist_new();
		else
			ls.durable = listfile_from_term(&v[1], &why);
		if (ls.durable != NULL && t->seq.n == 3 &&
		    listop_replay_terms(ls.durable, &v[2]) == -1) {
			why = "its journaled changes do not apply";
			todolist_free(ls.durable);
			ls.durable = NULL;
		}
	} else if (etf_is_tuple(t, 2) && etf_is_atom(&v[0], "error") &&
	    v[1].type == ETF_ATOM)
		why = v[1].atom.p;
	else
		fatalx("unexpected answer from the worker");
	if (ls.durable != NULL)
		ls.working = listop_clone(ls.durable);
	if (ls.durable == NULL || ls.working == NULL) {
		log_warnx("list cannot be loaded: %s", why != NULL ? why :
		    "out of memory");
		ls.unavailable = 1;
	}
	ls.loaded = 1;
	ls_drive_all();
	ls_check_idle();
}

/* The store in flight failed: it and every later change are undone. */
static void
ls_store_failed(const char *reason)
{
	struct listop *op;
	struct lconn *lc;
	struct pend *p;

	log_warnx("store failed: %s", reason);
	while ((op = TAILQ_FIRST(&ls.ops)) != NULL) {
		TAILQ_REMOVE(&ls.ops, op, entry);
		listop_free(op);
	}
	todolist_free(ls.working);
	if ((ls.working = listop_clone(ls.durable)) == NULL)
		fatalx("out of memory");
	etf_buf_reset(&ls.out);
	reply_error(&ls.out, "unavailable");
	TAILQ_FOREACH(lc, &ls.conns, entry)
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
	ls.inflight = 0;
	ls.dirty = 0;
}

static void
ls_stored(uint64_t seq)
{
	struct listop *op;

	if (seq != ls.inflight)
		fatalx("worker acknowledged store %llu, expected %llu",
		    (unsigned long long)seq, (unsigned long long)ls.inflight);
	while ((op = TAILQ_FIRST(&ls.ops)) != NULL && op->seq <= seq) {
		if (listop_replay(ls.durable, op) == -1)
			fatalx("durable list diverged from the working list");
		TAILQ_REMOVE(&ls.ops, op, entry);
		listop_free(op);
	}
	ls.acked = seq;
	ls.inflight = 0;
}

static void
ls_worker_msg(struct chan *c, const struct etf_term *t, int fd, void *arg)
{
	if (fd != -1)
		close(fd);
	if (!ls.loaded) {
		ls_load(t);
		return;
	}
	if (etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "stored") &&
	    t->seq.v[1].type == ETF_INT && ls.inflight != 0)
		ls_stored((uint64_t)t->seq.v[1].i);
	else if (etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "error") &&
	    t->seq.v[1].type == ETF_ATOM && ls.inflight != 0)
		ls_store_failed(t->seq.v[1].atom.p);
	else
		fatalx("unexpected message from the worker");
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
	ls.loading = 1;
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
	if (etf_is_atom(t, "stop")) {
		ls.stopping = 1;
		ls_check_idle();
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
}

static void
ls_shutdown(void)
{
	struct lconn *lc, *next;

	ls.stopping = 1;
	TAILQ_FOREACH(lc, &ls.conns, entry) {
		lc->closing = 1;
		conn_pause(lc->conn);
	}
	/* Connections close once their replies are written. */
	TAILQ_FOREACH_SAFE(lc, &ls.conns, entry, next)
		ls_drive(lc);
	ls_check_idle();
}

static void
ls_sup_msg(struct chan *c, const struct etf_term *t, int fd, void *arg)
{
	if (etf_is_tuple(t, 1) && etf_is_atom(&t->seq.v[0], "cache") &&
	    fd != -1) {
		if (ls.cache != NULL)
			chan_free(ls.cache);
		if ((ls.cache = chan_new(ls.base, fd, PROC_MAX_MSG,
		    ls_cache_msg, ls_cache_closed, NULL)) == NULL)
			fatalx("out of memory");
		/* A new cache counts its handoffs from zero. */
		ls.handoffs = 0;
		ls.idle_told = 0;
		ls_check_idle();
	} else if (etf_is_tuple(t, 1) && etf_is_atom(&t->seq.v[0],
	    "worker") && fd != -1) {
		if (ls.worker != NULL)
			chan_free(ls.worker);
		if ((ls.worker = chan_new(ls.base, fd, PROC_MAX_MSG,
		    ls_worker_msg, ls_worker_closed, NULL)) == NULL)
			fatalx("out of memory");
		if (!ls.loaded)
			ls_get();
		else if (ls.inflight != 0)
			ls_send_batch(ls.inflight);
		else
			ls_maybe_store();
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

static void
ls_init(const struct todod_config *cfg, const void *name, size_t len)
{
	char file[NAME_FILE_BUFSZ];
	struct timespec ts;

	memset(&ls, 0, sizeof(ls));
	ls.cfg = cfg;
	memcpy(ls.name, name, len);
	ls.len = len;
	if (name_to_file(name, len, file, sizeof(file)) == -1)
		fatalx("invalid list name");
	log_setrole("list[%s]", file);
	proc_title("todod: list %s", file);
	TAILQ_INIT(&ls.ops);
	TAILQ_INIT(&ls.conns);
	etf_buf_init(&ls.out);
	etf_buf_init(&ls.msg);
	/* Store numbers grow across restarts of this server too, so that a
	 * worker never takes a new store for an old one. */
	clock_gettime(CLOCK_REALTIME, &ts);
	ls.next_seq = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	if ((ls.base = event_base_new()) == NULL ||
	    (ls.arena = etf_arena_new()) == NULL ||
	    (ls.idle_ev = evtimer_new(ls.base, ls_idle_expired, NULL)) ==
	    NULL)
		fatalx("out of memory");
}

void
listsrv_main(const struct todod_config *cfg, const void *name, size_t len)
{
	ls_init(cfg, name, len);
	if ((ls.sup = chan_new(ls.base, 3, PROC_MAX_MSG, ls_sup_msg,
	    ls_sup_closed, NULL)) == NULL)
		fatalx("out of memory");
	event_base_dispatch(ls.base);
	exit(0);
}

struct event_base *
listsrv_embed(const struct todod_config *cfg, const void *name, size_t len,
    int worker_fd)
{
	ls_init(cfg, name, len);
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
