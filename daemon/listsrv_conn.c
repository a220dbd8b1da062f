/* listsrv_conn.c: a list server's client connections: requests in order,
 * replies when their state is durable, handoffs in and out. */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "chan.h"
#include "conn.h"
#include "etf.h"
#include "fdlimit.h"
#include "listfile.h"
#include "listops.h"
#include "listsrv_int.h"
#include "log.h"
#include "lograte.h"
#include "names.h"
#include "options.h"
#include "proc.h"
#include "reply.h"
#include "request.h"
#include "todolist.h"

static void	ls_conn_input(struct conn *, void *);
static void	ls_conn_closed(struct conn *, void *);
static void	ls_conn_drained(struct conn *, void *);

static const struct conn_cbs ls_conn_cbs = {
	ls_conn_input, ls_conn_closed, ls_conn_drained
};

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

	/* A reply that could not be built (no memory) is not kept to go
	 * out later cut short: conn_send() ends the connection now, and
	 * the replies waiting before it are dropped with it (conn.c). */
	if (ls.out.oom ||
	    (STAILQ_EMPTY(&lc->pend) && (seq == 0 || seq <= ls.acked))) {
		conn_send(lc->conn, &ls.out);
		return;
	}
	p = ls_pend_push(lc, PEND_REPLY, seq);
	if ((p->data = malloc(ls.out.len)) == NULL)
		fatalx("out of memory");
	memcpy(p->data, ls.out.p, ls.out.len);
	p->len = ls.out.len;
	lc->pend_bytes += p->len;
	conn_set_held(lc->conn, lc->pend_bytes);
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
ls_put_cb(void *arg, int64_t id, struct todo_date date, const uint8_t *title,
    size_t title_len)
{
	(void)arg;
	todo_put_entry(&ls.out, id, date, title, title_len);
}

/* Entries of the working list (every change), or of the durable list. */
static size_t
ls_put_entries(int working, const struct todo_date *date)
{
	const struct todo_list *l = ls.list;
	const struct todo_item *it;
	size_t n = 0;

	if (!working && ls.pending.nops > 0)
		return pending_durable_entries(&ls.pending, l, date,
		    ls_put_cb, NULL);
	it = date != NULL ? todolist_date_first(l, *date) : todolist_first(l);
	for (; it != NULL; n++, it = date != NULL ?
	    todolist_date_next(l, it) : todolist_next(l, it))
		ls_put_item(it);
	return n;
}

static void
ls_read(int working, const struct request *r)
{
	size_t n, at;

	etf_buf_reset(&ls.out);
	if (r->kind == REQ_SIZE) {
		n = working ? todolist_size(ls.list) :
		    pending_durable_size(&ls.pending, ls.list);
		reply_ok_int(&ls.out, (int64_t)n);
		return;
	}
	etf_put_version(&ls.out);
	etf_put_tuple(&ls.out, 2);
	etf_put_atom(&ls.out, "ok");
	/* One walk of the entries: the list header is written first and
	 * its count filled in after (NIL if none). */
	at = ls.out.len;
	etf_put_list(&ls.out, 0);
	n = ls_put_entries(working, r->has_date ? &r->date : NULL);
	if (n == 0)
		ls.out.len = at;
	else if (!ls.out.oom) {
		ls.out.p[at + 1] = (uint8_t)(n >> 24);
		ls.out.p[at + 2] = (uint8_t)(n >> 16);
		ls.out.p[at + 3] = (uint8_t)(n >> 8);
		ls.out.p[at + 4] = (uint8_t)n;
	}
	etf_put_nil(&ls.out);
	(void)reply_unbuilt(&ls.out, "entries");
}

/* --- modifications ---------------------------------------------------- */

/*
 * Whether a change would take the list's file past --max-list-size.  A
 * change that does not grow it (a delete, a shorter title) always goes
 * through, so that a list above the limit (a file another program wrote,
 * a limit lowered since) can be brought under it.  The worker can write
 * and read back a file only up to a size (PROC_MAX_LIST_FILE): without
 * this bound a list could grow past it, every change acknowledged, and
 * then no longer load.
 */
_Static_assert(TODOD_LIST_SIZE_MAX < PROC_MAX_LIST_FILE,
    "--max-list-size must stay under what a worker reads back");

static int
ls_too_large(const struct request *r)
{
	static struct lograte too_large_rate;
	const struct todo_item *it;
	size_t n, payload, was, now;

	n = todolist_size(ls.list);
	payload = todolist_payload(ls.list);
	was = listfile_size_bound(n, payload);
	if (r->kind == REQ_ADD_ENTRY)
		now = listfile_size_bound(n + 1, payload + r->title_len);
	else if (r->kind == REQ_UPDATE_ENTRY && r->title != NULL &&
	    (it = todolist_get(ls.list, r->id)) != NULL)
		now = listfile_size_bound(n, payload - it->title_len +
		    r->title_len);
	else
		return 0;
	if (now <= was || now <= ls.cfg->max_list_size)
		return 0;
	lograte_warn(&too_large_rate, 0, "change refused: the list would reach "
	    "about %zu bytes, over --max-list-size %zu", now,
	    ls.cfg->max_list_size);
	return 1;
}

/* A change with no memory to make it: logged, for the client's
 * unavailable names no cause.  -1. */
static int
ls_no_memory(void)
{
	static struct lograte rate;

	lograte_warn(&rate, 0, "change refused: no memory for it");
	return -1;
}

/*
 * Whether r is an add to a list with no id left to give: its next_id,
 * taken from its file, is 2^63-1, and ids stop below it
 * (todolist.h).  Logged, for the client's unavailable names no cause.
 */
static int
ls_ids_spent(const struct request *r)
{
	static struct lograte rate;

	if (r->kind != REQ_ADD_ENTRY || todolist_next_id(ls.list) < INT64_MAX)
		return 0;
	lograte_warn(&rate, 0, "add refused: the list's next_id is %" PRId64
	    ", the largest id, so it has none left to give",
	    todolist_next_id(ls.list));
	return 1;
}

/* Apply a modification to the working list and queue its reply.  */
static void
ls_modify(struct lconn *lc, const struct request *r)
{
	static const struct todo_date none = { 0, 1, 1 };
	struct listop *op;
	int64_t id;
	int rc;

	switch (r->kind) {
	case REQ_ADD_ENTRY:
		op = listop_new(LISTOP_ADD, 0, 1, r->date, r->title,
		    r->title_len);
		break;
	case REQ_UPDATE_ENTRY:
		op = listop_new(LISTOP_UPDATE, r->id, r->has_date,
		    r->has_date ? r->date : none, r->title, r->title_len);
		break;
	case REQ_DELETE_ENTRY:
		op = listop_new(LISTOP_DELETE, r->id, 0, none, NULL, 0);
		break;
	default:
		return;
	}
	if (op == NULL)
		rc = ls_no_memory();
	else if (ls_ids_spent(r) || ls_too_large(r))
		rc = -1;
	else if ((rc = pending_apply(&ls.pending, ls.list, op,
	    ls.next_seq)) == -1)
		(void)ls_no_memory();
	if (rc != 0) {
		/* The answer rests on the working list, which holds the
		 * changes not durable yet (another connection's delete of
		 * the entry, say): it leaves once they are, as a read after
		 * one's own changes does, and is unavailable if they fail. */
		listop_free(op);
		etf_buf_reset(&ls.out);
		reply_error(&ls.out, rc == TODOLIST_NOTFOUND ? "not_found" :
		    "unavailable");
		ls_reply(lc, ls_working_seq());
		return;
	}
	ls.dirty = 1;
	ls.batch_bytes += LS_OP_BYTES + r->title_len;
	ls_store_soon();
	id = op->id;
	etf_buf_reset(&ls.out);
	if (r->kind == REQ_ADD_ENTRY)
		reply_ok_int(&ls.out, id);
	else if (r->kind == REQ_DELETE_ENTRY)
		reply_atom(&ls.out, "ok");
	else {
		etf_put_version(&ls.out);
		etf_put_tuple(&ls.out, 2);
		etf_put_atom(&ls.out, "ok");
		ls_put_item(todolist_get(ls.list, id));
	}
	ls_reply(lc, ls.next_seq);
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
	/* A client that has closed gets no reply: a read is skipped, not
	 * built for nothing (the entries of a large list, a thousand times
	 * over, would hold this server for minutes). */
	if (conn_deaf(lc->conn) && (r.kind == REQ_PING ||
	    r.kind == REQ_ENTRIES || r.kind == REQ_SIZE))
		return 0;
	switch (r.kind) {
	case REQ_PING:
		etf_buf_reset(&ls.out);
		reply_atom(&ls.out, "pong");
		ls_reply(lc, 0);
		return 0;
	case REQ_SERVER_PROCESS:
		if (r.name_len == ls.len && memcmp(r.name, ls.name, ls.len) == 0) {
			etf_buf_reset(&ls.out);
			reply_ok_int(&ls.out, ls_pid());
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
		ls_read(!STAILQ_EMPTY(&lc->pend), &r);
		ls_reply(lc, STAILQ_EMPTY(&lc->pend) ? 0 : ls_working_seq());
		/* The buffer of a large reply, copied out, is not kept for
		 * the next one (the entries of a large list, once), nor is
		 * what the heap holds free around it. */
		if (etf_buf_done(&ls.out, LS_OUT_KEEP) > 0)
			ls_trim();
		return 0;
	}
	ls_modify(lc, &r);
	return 0;
}

/* LS_OUT_CAP (test-only: TODOD_FAULT_OUT_CAP, in bytes, lower). */
static size_t
ls_out_cap(void)
{
	static size_t cap;
#ifdef TODOD_FAULTS
	const char *v;
	unsigned long n;

	if (cap == 0 && (v = getenv("TODOD_FAULT_OUT_CAP")) != NULL &&
	    (n = strtoul(v, NULL, 10)) > 0 && n < LS_OUT_CAP)
		cap = n;
#endif
	if (cap == 0)
		cap = LS_OUT_CAP;
	return cap;
}

/*
 * Whether the connection stops taking requests for now.  Its replies,
 * waiting and unsent, are kept under LS_OUT_CAP (plus the one reply that
 * crosses it): a client that does not read them is paused, not closed.
 */
static int
ls_held(struct lconn *lc)
{
	/* conn_full() last: it may queue the connection for room, which
	 * is for one held by nothing else. */
	return lc->closing || lc->leaving || lc->npend >= LS_MAX_PEND ||
	    ls_batch_full() ||
	    lc->pend_bytes + conn_outlen(lc->conn) >= ls_out_cap() ||
	    conn_full(lc->conn);
}

/* Take the requests buffered, up to the connection's share of the pass
 * (conn.h; *yielded then, to come back for the rest); whether it stopped
 * for the connection's replies (ls_held), requests perhaps left. */
static int
ls_process(struct lconn *lc, int *yielded)
{
	struct conn_pass pass = { 0, 0 };
	const struct etf_term *t;
	enum conn_req rc;
	size_t len;
	int held, spent = 0;

	*yielded = 0;
	while (ls.loaded && !ls_held(lc) && (rc = conn_request(lc->conn,
	    ls.arena, ls.cfg->max_frame, &t, &len)) != CONN_REQ_NONE) {
		if (spent && conn_yield(lc->conn) == 0) {
			*yielded = 1;
			break;
		}
		if (spent) {
			/* No timer to come back by: go on now. */
			pass = (struct conn_pass){ 0, 0 };
			spent = 0;
		}
		if (rc == CONN_REQ_NOMEM) {
			/* Skipped, answered in its turn, and the connection
			 * goes on. */
			reply_untaken(&ls.out, len);
			ls_reply(lc, 0);
		} else if (rc == CONN_REQ_BAD) {
			ls_error(lc, "bad_frame");
			lc->closing = 1;
			conn_linger(lc->conn);	/* the rest may be coming */
			break;
		} else
			/* The request is fully used before the frame is
			 * dropped. */
			(void)ls_request(lc, t);
		spent = conn_pass_spent(&pass, len, etf_arena_bytes(ls.arena));
		conn_consume(lc->conn, len);
	}
	/* Give back now what a large frame took, not at the next frame. */
	etf_arena_reset(ls.arena);
	if ((held = ls_held(lc)))
		conn_pause(lc->conn);
	else
		conn_resume(lc->conn);
	return held;
}

/* --- connections -------------------------------------------------------- */

static void
ls_conn_free(struct lconn *lc)
{
	struct pend *p;
	int trim;

	/* Replies of a client gone, unsent, are large memory freed too. */
	trim = lc->out_large || lc->pend_bytes +
	    conn_outlen(lc->conn) > LS_OUT_KEEP;
	while ((p = STAILQ_FIRST(&lc->pend)) != NULL) {
		STAILQ_REMOVE_HEAD(&lc->pend, entry);
		pend_free(p);
	}
	TAILQ_REMOVE(&ls.conns, lc, entry);
	ls.nconns--;
	conn_free(lc->conn);
	if (trim)
		ls_trim();
	/* The cache counts its user's connections (uidcount.h). */
	etf_buf_reset(&ls.msg);
	etf_put_version(&ls.msg);
	etf_put_tuple(&ls.msg, 2);
	etf_put_atom(&ls.msg, "closed");
	etf_put_int(&ls.msg, (int64_t)lc->uid);
	ls_send_msg(ls.cache, -1);
	free(lc);
	ls_check_idle();
}

static void
ls_conn_closed(struct conn *c, void *arg)
{
	ls_conn_free(arg);
}

/* Shutting down: close every connection whose client has left replies
 * unread (the list server exits once none is left and its changes are
 * durable). */
void
ls_drop_unread(void)
{
	struct lconn *lc, *next;

	TAILQ_FOREACH_SAFE(lc, &ls.conns, entry, next)
		if (conn_outlen(lc->conn) > 0) {
			log_info("stopping: a client left %zu bytes of "
			    "replies unread: connection closed",
			    conn_outlen(lc->conn));
			ls_conn_free(lc);
		}
}

/*
 * Give the connection back to the cache for another list, with its
 * unprocessed input (after an EOF too: the next process reads the EOF
 * again from the socket).  Returns 1 if it is gone, 0 if it stays.
 */
static void	ls_park(int fd, uid_t uid, uint8_t *input, size_t inlen);

static int
ls_reattach(struct lconn *lc)
{
	size_t inlen = conn_inlen(lc->conn), tlen = lc->target_len;
	uint8_t *input = NULL, target[NAME_MAX_BYTES];
	uid_t uid = lc->uid;
	int fd;

	if (ls.cache == NULL) {
		/* No cache to go through: refused, the attachment stays. */
		lc->leaving = 0;
		ls_error(lc, "busy");
		return 0;
	}
	if (inlen > 0 && (input = malloc(inlen)) == NULL)
		fatalx("out of memory");
	conn_copy_input(lc->conn, input, inlen);
	memcpy(target, lc->target, tlen);
	TAILQ_REMOVE(&ls.conns, lc, entry);
	ls.nconns--;
	fd = conn_release(lc->conn);
	free(lc);
	/* Idle now if it was the last connection, and said before the
	 * connection goes: at --max-lists the cache may then stop this
	 * server to make room for the list it goes to.  (A server told to
	 * stop exits only after it sent it.) */
	if (!ls.stopping)
		ls_check_idle();
	etf_buf_reset(&ls.msg);
	etf_put_version(&ls.msg);
	etf_put_tuple(&ls.msg, 4);
	etf_put_atom(&ls.msg, "reattach");
	etf_put_binary(&ls.msg, target, tlen);
	etf_put_binary(&ls.msg, ls.name, ls.len);
	etf_put_binary(&ls.msg, input, inlen);
	ls_park(fd, uid, input, inlen);		/* takes input */
	chan_send_or_exit(ls.cache, &ls.msg, fd);
	/* Told to stop: it exits now if that was its last connection. */
	if (ls.stopping)
		ls_check_idle();
	return 1;
}

/* Queue every reply that is ready, in order.  Returns 1 if the
 * connection left (re-attached), else 0. */
static int
ls_send_ready(struct lconn *lc)
{
	struct pend *p;

	while ((p = STAILQ_FIRST(&lc->pend)) != NULL) {
		if (p->kind == PEND_REPLY) {
			if (p->seq != 0 && p->seq > ls.acked)
				break;
			conn_send_raw(lc->conn, p->data, p->len);
			lc->pend_bytes -= p->len;
			conn_set_held(lc->conn, lc->pend_bytes);
		} else {
			/* Re-attach once every earlier reply is written. */
			if (conn_outlen(lc->conn) > 0)
				break;
			STAILQ_REMOVE_HEAD(&lc->pend, entry);
			lc->npend--;
			pend_free(p);
			if (ls_reattach(lc))
				return 1;
			continue;
		}
		STAILQ_REMOVE_HEAD(&lc->pend, entry);
		lc->npend--;
		pend_free(p);
	}
	if (STAILQ_EMPTY(&lc->pend) && lc->leaving) {
		/* The reattach was refused: go on here. */
		lc->leaving = 0;
	}
	return 0;
}

/*
 * Send every reply that is ready, in order, take more requests, write;
 * close the connection once it is done: a bad frame answered, or EOF
 * with every buffered request answered and every reply written.
 */
void
ls_drive(struct lconn *lc)
{
	struct pend *p;
	int held, yielded;

	for (;;) {
		if (ls_send_ready(lc))
			return;
		held = ls_process(lc, &yielded);
		if (conn_outlen(lc->conn) > LS_OUT_KEEP)
			lc->out_large = 1;
		if (conn_flush(lc->conn) != 0)
			return;		/* closed, or drained() comes */
		/* The buffers a large output went out in are free now:
		 * given back, as the one its reply was built in was. */
		if (lc->out_large) {
			lc->out_large = 0;
			ls_trim();
		}
		if (STAILQ_EMPTY(&lc->pend) && (lc->closing ||
		    conn_finished(lc->conn))) {
			ls_conn_free(lc);
			return;
		}
		/* All is written: a re-attach may go, or a connection held
		 * back by its unsent replies may go on, to take the requests
		 * buffered and to read again (only then: else ls_process took
		 * every whole one and left reading on).  Written here, its
		 * output brings no drained() that would do it. */
		p = STAILQ_FIRST(&lc->pend);
		if ((p == NULL || p->kind != PEND_REATTACH) &&
		    (yielded || !(held && !ls_held(lc))))
			return;
	}
}

static void
ls_conn_drained(struct conn *c, void *arg)
{
	ls_drive(arg);
}

static void
ls_conn_input(struct conn *c, void *arg)
{
	ls_drive(arg);
	ls_maybe_store();
}

void
ls_drive_all(void)
{
	struct lconn *lc, *next;

	TAILQ_FOREACH_SAFE(lc, &ls.conns, entry, next)
		ls_drive(lc);
	ls_maybe_store();
}

/* A connection refused for want of descriptors: said at most once a
 * while (lograte.h). */
static void
ls_refused_log(void)
{
	static struct lograte rate;

	lograte_warn(&rate, 0, "out of descriptors: a connection told busy");
}

/* A connection comes (or comes back) to this server, with the input it
 * had left. */
static struct lconn *
ls_adopt(int fd, uid_t uid, const void *input, size_t inlen)
{
	struct lconn *lc;

	if ((lc = calloc(1, sizeof(*lc))) == NULL)
		fatalx("out of memory");
	STAILQ_INIT(&lc->pend);
	lc->uid = uid;
	if ((lc->conn = conn_new(ls.base, fd, ls.cfg->max_frame, ls_out_cap(),
	    &ls_conn_cbs, lc)) == NULL ||
	    conn_prepend_input(lc->conn, input, inlen) == -1)
		fatalx("out of memory");
	TAILQ_INSERT_TAIL(&ls.conns, lc, entry);
	ls.nconns++;
	if (ls.idle_ev != NULL)
		evtimer_del(ls.idle_ev);
	ls.idle_told = 0;
	return lc;
}

/* Keep a connection given back to the cache until it says it took it
 * (struct parked); input is taken.  Without a descriptor to spare it is
 * not kept (fd -1), lost if the cache dies, but still waits for its
 * {took}, which comes for every connection given back. */
static void
ls_park(int fd, uid_t uid, uint8_t *input, size_t inlen)
{
	struct parked *p;
	int keep;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatalx("out of memory");
	if ((keep = fcntl(fd, F_DUPFD_CLOEXEC, 0)) != -1 &&
	    fdlimit_reserved(keep)) {
		close(keep);
		keep = -1;
	}
	p->fd = keep;
	p->uid = uid;
	if (keep != -1) {
		p->input = input;
		p->inlen = inlen;
	} else
		free(input);
	STAILQ_INSERT_TAIL(&ls.parked, p, entry);
}

static void
ls_parked_free(struct parked *p)
{
	if (p->fd != -1)
		close(p->fd);
	free(p->input);
	free(p);
}

int
ls_parked_taken(void)
{
	struct parked *p;

	if ((p = STAILQ_FIRST(&ls.parked)) == NULL)
		return -1;
	STAILQ_REMOVE_HEAD(&ls.parked, entry);
	ls_parked_free(p);
	return 0;
}

void
ls_parked_return(int restore)
{
	struct parked *p;
	struct lconn *lc;
	int n = 0;

	while ((p = STAILQ_FIRST(&ls.parked)) != NULL) {
		STAILQ_REMOVE_HEAD(&ls.parked, entry);
		if (!restore || ls.released || p->fd == -1) {
			ls_parked_free(p);
			continue;
		}
		lc = ls_adopt(p->fd, p->uid, p->input, p->inlen);
		free(p->input);
		free(p);
		if (ls.shutdown)
			lc->closing = 1;	/* answered, then closed */
		etf_buf_reset(&ls.out);
		reply_error(&ls.out, "busy");
		conn_send(lc->conn, &ls.out);
		ls_drive(lc);
		n++;
	}
	if (n > 0)
		log_info("connections given back to the cache as it went, "
		    "served here again (their re-attach told busy): %d", n);
}

/* A connection handed over by the cache: {handoff, Mode, Input}. */
void
ls_handoff(const struct etf_term *t, int fd)
{
	const struct etf_term *mode = &t->seq.v[1], *input = &t->seq.v[2];
	struct lconn *lc;

	ls.handoffs++;
	/* Confirm before reading the connection: until then the cache keeps
	 * a copy, to hand it to a new server if this one dies. */
	etf_buf_reset(&ls.msg);
	etf_put_version(&ls.msg);
	etf_put_tuple(&ls.msg, 3);
	etf_put_atom(&ls.msg, "got");
	etf_put_int(&ls.msg, (int64_t)ls.handoffs);
	etf_put_int(&ls.msg, (int64_t)ls_pid());	/* for stats */
	if (ls.cache != NULL) {
		ls_send_msg(ls.cache, -1);
		chan_flush(ls.cache);
	}
	lc = ls_adopt(fd, conn_peer_uid(fd), input->bin.p, input->bin.len);
	etf_buf_reset(&ls.out);
	/* Told busy and closed: in the last descriptors (fdlimit.h), as
	 * the cache refuses a client there, so that the next descriptor a
	 * link brings (a connection, a list's file, a new link) has room
	 * (with none, the kernel drops it and cuts the message, and the
	 * link is lost); or after the shutdown, the handoff sent before
	 * the cache learnt of it and read after it here (two links, no
	 * order between them), as the connections held are, lest it keep
	 * the server up until it is killed. */
	if (fdlimit_reserved(fd) || ls.shutdown) {
		reply_error(&ls.out, "busy");
		lc->closing = 1;
		if (!ls.shutdown)
			ls_refused_log();
	} else if (etf_is_atom(mode, "attach"))
		reply_ok_int(&ls.out, ls_pid());
	else
		reply_error(&ls.out, mode->seq.v[1].atom.p);
	conn_send(lc->conn, &ls.out);
	ls_drive(lc);
	ls_maybe_store();
}
