/*
 * worker.c: a database worker (the book's Todo.DatabaseWorker): peers,
 * requests and replies.
 *
 * Peers send framed requests; each complete frame is decoded, checked and
 * queued at once, and its bytes dropped from the peer's input, which is
 * bounded (a frame over the largest size closes the peer, so the input
 * holds at most one frame and one pass's read; reading a peer pauses
 * while its replies pile up unread).  Once per pass of the event loop,
 * after every readable peer was read, the queue is committed in rounds
 * (worker_commit.c) and every request answered in the order it came:
 * gets see the appends and stores of the same round.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/util.h>

#include "etf.h"
#include "evadd.h"
#include "frame.h"
#include "listfile.h"
#include "listops.h"
#include "log.h"
#include "names.h"
#include "store.h"
#include "store_fault.h"
#include "todolist.h"
#include "worker.h"
#include "worker_int.h"

static void	worker_read_cb(evutil_socket_t, short, void *);
static void	worker_write_cb(evutil_socket_t, short, void *);
static void	worker_flush_cb(evutil_socket_t, short, void *);
static int	worker_frames(struct wpeer *);
static struct wreq *worker_req_new(enum wreq_type, const struct etf_term *,
		    const char **);
static void	worker_req_free(struct wreq *);
static void	worker_enqueue(struct wpeer *, struct wreq *);

/* Peers by the name of their list, then by address (a list's old and
 * new server may both be linked for a moment). */
static int
wpeer_name_cmp(const struct wpeer *a, const struct wpeer *b)
{
	int c = name_cmp(a->name, a->namelen, b->name, b->namelen);

	if (c != 0)
		return c;
	return (uintptr_t)a < (uintptr_t)b ? -1 : (uintptr_t)a > (uintptr_t)b;
}

/* libbsd leaves __unused undefined, so RB_GENERATE_STATIC cannot be used. */
RB_GENERATE_INTERNAL(wpeer_names, wpeer, by_name, wpeer_name_cmp,
    __attribute__((__unused__)) static)

/* ------------------------------------------------------------------ */
/* Peers */

/*
 * A peer's socket is read and written with plain events and evbuffers,
 * not a bufferevent: a reply is written at once, when it is ready, and
 * the write event is added only if the socket does not take it all (a
 * bufferevent would add it for every reply and remove it again, two
 * epoll_ctl calls, and write a pass later); reading asks no FIONREAD.
 */

static void
worker_peer_free(struct wpeer *p)
{
	struct worker *w = p->w;
	struct wreq *r;

	/* Its queued requests are still carried out; nobody gets replies. */
	TAILQ_FOREACH(r, &w->queue, entry)
		if (r->peer == p)
			r->peer = NULL;
	TAILQ_REMOVE(&w->peers, p, entry);
	if (p->named)
		RB_REMOVE(wpeer_names, &w->peer_names, p);
	w->npeers--;
	if (p->rev != NULL)
		event_free(p->rev);
	if (p->wev != NULL)
		event_free(p->wev);
	if (p->in != NULL)
		evbuffer_free(p->in);
	if (p->out != NULL)
		evbuffer_free(p->out);
	close(p->fd);
	free(p);
}

static struct wpeer *
worker_peer_new(struct worker *w, int fd)
{
	struct wpeer *p;

	/* Non-blocking already: the supervisor makes every link so
	 * (chan_socketpair), and the flag goes with the descriptor. */
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		close(fd);
		return NULL;
	}
	p->w = w;
	p->fd = fd;
	TAILQ_INSERT_TAIL(&w->peers, p, entry);
	w->npeers++;
	if ((p->in = evbuffer_new()) == NULL ||
	    (p->out = evbuffer_new()) == NULL ||
	    (p->rev = event_new(w->base, fd, EV_READ | EV_PERSIST,
	    worker_read_cb, p)) == NULL ||
	    (p->wev = event_new(w->base, fd, EV_WRITE, worker_write_cb,
	    p)) == NULL || event_add(p->rev, NULL) == -1) {
		worker_peer_free(p);
		return NULL;
	}
	return p;
}

int
worker_add_peer(struct worker *w, int fd)
{
	return worker_peer_new(w, fd) != NULL ? 0 : -1;
}

static void
worker_peer_name(struct wpeer *p, const uint8_t *name, size_t len)
{
	if (p->named || len > sizeof(p->name))
		return;
	memcpy(p->name, name, len);
	p->namelen = len;
	p->named = true;
	RB_INSERT(wpeer_names, &p->w->peer_names, p);
}

int
worker_add_peer_named(struct worker *w, int fd, const void *name,
    size_t len)
{
	struct wpeer *p;

	if (!name_valid(name, len)) {
		close(fd);
		return -1;
	}
	if ((p = worker_peer_new(w, fd)) == NULL)
		return -1;
	worker_peer_name(p, name, len);
	p->bound = true;
	return 0;
}

static int	worker_peer_read(struct wpeer *);

static bool
worker_same_list(const struct wpeer *a, const struct wpeer *b)
{
	return name_cmp(a->name, a->namelen, b->name, b->namelen) == 0;
}

/* Read what a peer has sent, all of it. */
static void
worker_peer_drain(struct wpeer *p)
{
	if (!p->closing)
		while (worker_peer_read(p) == 1)
			;
}

/*
 * Take in, now, everything the other peers of np's list have sent: a
 * server of the list that died may have left its last batch unread in
 * its socket (unacknowledged, but it is journaled all the same), and a
 * new server must load the list as it is after that batch, or its ids
 * would clash with the batch's.  Peers of one list are neighbours in
 * the tree.
 */
static void
worker_drain_list(struct worker *w, struct wpeer *np)
{
	struct wpeer *p, *next;

	for (p = RB_NEXT(wpeer_names, &w->peer_names, np);
	    p != NULL && worker_same_list(p, np); p = next) {
		next = RB_NEXT(wpeer_names, &w->peer_names, p);
		worker_peer_drain(p);
	}
	for (p = RB_PREV(wpeer_names, &w->peer_names, np);
	    p != NULL && worker_same_list(p, np); p = next) {
		next = RB_PREV(wpeer_names, &w->peer_names, p);
		worker_peer_drain(p);
	}
}

int
worker_add_peer_get(struct worker *w, int fd, const void *name, size_t len)
{
	struct etf_term t;
	struct wreq *r;
	struct wpeer *p;
	const char *why;

	t.type = ETF_BINARY;
	t.bin.p = name;
	t.bin.len = len;
	if ((r = worker_req_new(WREQ_GET, &t, &why)) == NULL) {
		close(fd);
		return -1;
	}
	if ((p = worker_peer_new(w, fd)) == NULL) {
		worker_req_free(r);
		return -1;
	}
	worker_peer_name(p, name, len);
	p->bound = true;
	worker_drain_list(w, p);
	worker_enqueue(p, r);
	return 0;
}

size_t
worker_npeers(const struct worker *w)
{
	return w->npeers;
}

/* Close a peer once its earlier requests are answered and sent: -1 if
 * it is closed (freed) now. */
static int
worker_peer_linger(struct wpeer *p)
{
	if (p->nqueued != 0 || evbuffer_get_length(p->out) != 0)
		return 0;
	worker_peer_free(p);
	return -1;
}

/* Stop reading a peer (its replies pile up, or it is closing). */
static void
worker_peer_pause(struct wpeer *p)
{
	event_del(p->rev);
}

/*
 * Write what the socket takes; add the write event for the rest.  0, or
 * -1 if the peer is gone (and freed).
 */
static int
worker_peer_flush(struct wpeer *p)
{
	int n;

	while (evbuffer_get_length(p->out) > 0) {
		n = evbuffer_write_atmost(p->out, p->fd, WORKER_WRITE_MAX);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			log_debug("peer %d: closed", p->fd);
			worker_peer_free(p);
			return -1;
		}
	}
	if (evbuffer_get_length(p->out) > 0) {
		if (!event_pending(p->wev, EV_WRITE, NULL))
			event_add_or_exit(p->wev, NULL);
		return 0;
	}
	if (p->closing)
		return worker_peer_linger(p);
	/* Output drained: read again from a peer paused for it. */
	if (p->paused) {
		p->paused = false;
		event_add_or_exit(p->rev, NULL);
	}
	return 0;
}

static void
worker_write_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)worker_peer_flush(arg);
}

/* Read a pass's worth from a peer and queue its frames: 1 if there may
 * be more, 0 if there is no more now, -1 if the peer is gone (freed). */
static int
worker_peer_read(struct wpeer *p)
{
	struct evbuffer_iovec v;
	size_t total = 0, room;
	ssize_t n;
	int more = 0;

	/* At most WORKER_READ_MAX a pass: bigger batches, other peers too. */
	while (total < WORKER_READ_MAX) {
		if (evbuffer_reserve_space(p->in, WORKER_READ_CHUNK, &v, 1) != 1)
			fatalx("out of memory");
		room = v.iov_len;
		n = read(p->fd, v.iov_base, room);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			/* What came whole before the end is taken: a dead
			 * server's last batch (worker_drain_list()). */
			if (total > 0 && worker_frames(p) == -1)
				return -1;
			if (n == -1 && errno != ECONNRESET)
				log_warn("peer %d: connection error", p->fd);
			else
				log_debug("peer %d: closed", p->fd);
			worker_peer_free(p);
			return -1;
		}
		v.iov_len = (size_t)n;
		evbuffer_commit_space(p->in, &v, 1);
		total += (size_t)n;
		if ((size_t)n < room)
			break;
		more = total >= WORKER_READ_MAX;
	}
	if (worker_frames(p) == -1)
		return -1;
	return more && !p->closing;
}

static void
worker_read_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)worker_peer_read(arg);
}

/* ------------------------------------------------------------------ */
/* Requests */

/* The reason of a request that could not be taken for want of memory,
 * told from a malformed one by its address (worker_frames). */
static const char wk_nomem[] = "out of memory";

static struct wreq *
worker_req_new(enum wreq_type type, const struct etf_term *name,
    const char **why)
{
	struct wreq *r;

	if (name->type != ETF_BINARY ||
	    !name_valid(name->bin.p, name->bin.len)) {
		*why = "bad Name";
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		*why = wk_nomem;
		return NULL;
	}
	r->type = type;
	etf_buf_init(&r->data);
	r->tmp.fd = -1;
	memcpy(r->name, name->bin.p, name->bin.len);
	r->namelen = name->bin.len;
	return r;
}

static void
worker_req_free(struct wreq *r)
{
	etf_buf_free(&r->data);
	free(r->rec);
	free(r);
}

/* Check a store's list term and keep its file bytes, as we write them. */
static const char *
worker_parse_store(struct wreq *r, const struct etf_term *seq,
    const struct etf_term *list)
{
	struct todo_list *l;
	const char *why;

	if (seq->type != ETF_INT || seq->i < 0)
		return "Seq is not a non-negative integer";
	r->seq = seq->i;
	if ((l = listfile_from_term(list, &why)) == NULL)
		return strcmp(why, wk_nomem) == 0 ? wk_nomem : why;
	listfile_encode(&r->data, l);
	todolist_free(l);
	if (r->data.oom)
		return wk_nomem;
	return NULL;
}

/* Check an append's ops and keep them as we journal them: [Op, ...]. */
static const char *
worker_parse_append(struct wreq *r, const struct etf_term *seq,
    const struct etf_term *ops)
{
	struct listop *op;
	size_t i;

	if (seq->type != ETF_INT || seq->i < 1)
		return "Seq is not a positive integer";
	r->seq = seq->i;
	if (ops->type != ETF_LIST || ops->seq.n == 0 ||
	    ops->seq.n > UINT32_MAX)
		return "Ops is not a non-empty list";
	etf_put_version(&r->data);
	etf_put_list(&r->data, (uint32_t)ops->seq.n);
	for (i = 0; i < ops->seq.n; i++) {
		if ((op = listop_from_term(&ops->seq.v[i])) == NULL)
			return "not an op";
		listop_put(&r->data, op);
		listop_free(op);
	}
	etf_put_nil(&r->data);
	r->nops = (uint32_t)ops->seq.n;
	if (r->data.oom)
		return wk_nomem;
	return NULL;
}

/* Decode and check one request. NULL and *why if it is malformed, or
 * could not be taken for want of memory (*why is wk_nomem). */
static struct wreq *
worker_parse(struct worker *w, const uint8_t *p, size_t len, const char **why)
{
	const struct etf_term *t;
	const char *(*parse)(struct wreq *, const struct etf_term *,
	    const struct etf_term *) = NULL;
	struct wreq *r = NULL;
	int err;

	*why = "not {get, Name}, {append, Name, Seq, Ops} or "
	    "{store, Name, Seq, List}";
	/* List servers never compress a request: none is inflated (0). */
	if ((err = etf_decode(w->arena, p, len, 0, &t)) != 0) {
		*why = err == ETF_ENOMEM ? wk_nomem : etf_strerror(err);
		return NULL;
	}
	if (etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "get"))
		r = worker_req_new(WREQ_GET, &t->seq.v[1], why);
	else if (etf_is_tuple(t, 4) && etf_is_atom(&t->seq.v[0], "append")) {
		r = worker_req_new(WREQ_APPEND, &t->seq.v[1], why);
		parse = worker_parse_append;
	} else if (etf_is_tuple(t, 4) && etf_is_atom(&t->seq.v[0], "store")) {
		r = worker_req_new(WREQ_STORE, &t->seq.v[1], why);
		parse = worker_parse_store;
	}
	if (r != NULL && parse != NULL &&
	    (*why = parse(r, &t->seq.v[2], &t->seq.v[3])) != NULL) {
		worker_req_free(r);
		r = NULL;
	}
	etf_arena_reset(w->arena);
	return r;
}

/*
 * A malformed message is a bug in the peer: read nothing more from it,
 * answer what it sent before, then close it.
 */
static int
worker_malformed(struct wpeer *p, const char *why)
{
	log_warnx("peer %d: malformed message (%s): closing it", p->fd, why);
	p->closing = true;
	worker_peer_pause(p);
	return worker_peer_linger(p);
}

/* Queue a request of a peer, to be carried out once this pass of the
 * event loop has read every peer. */
static void
worker_enqueue(struct wpeer *p, struct wreq *r)
{
	struct worker *w = p->w;

	r->peer = p;
	p->nqueued++;
	TAILQ_INSERT_TAIL(&w->queue, r, entry);
	w->ctr->queue = ++w->nqueue;
	event_active(w->flush_ev, EV_TIMEOUT, 0);
}

/*
 * Whether the peer may ask for the request's list: NULL, or why not.  A
 * list server's link is named after its list by the supervisor (which
 * gives each list to its worker), and a list server, which runs what
 * clients send, asks for that list only: another's name would let it
 * write, read or empty any list, or make this worker acknowledge another
 * server's changes unwritten.  (A link that is not bound, the tests',
 * may carry several lists.)
 */
static const char *
worker_peer_may(const struct wpeer *p, const struct wreq *r)
{
	if (p->bound && name_cmp(r->name, r->namelen, p->name,
	    p->namelen) != 0)
		return "a request for another list than the link's";
	return NULL;
}

/* Queue every complete frame of a peer's input: 0, or -1 if the peer
 * sent a malformed one and is closed (freed) now. */
static int
worker_frames(struct wpeer *p)
{
	struct worker *w = p->w;
	struct evbuffer *in = p->in;
	const char *why;
	struct wreq *r;
	uint8_t *payload;
	size_t len;
	int rc;

	while ((rc = frame_next(in, w->cfg.max_frame, &payload, &len)) ==
	    FRAME_READY) {
		r = worker_parse(w, payload, len, &why);
		frame_drain(in, len);
		/* No memory to take a request is no fault of the peer's:
		 * a list server whose link is closed waits for a new one,
		 * which comes only with a new worker, and its clients with
		 * it, for good.  The worker exits instead: the supervisor
		 * starts another, and each list server sends it again
		 * what it has not had acknowledged. */
		if (r == NULL && why == wk_nomem)
			fatalx("peer %d: out of memory for a request",
			    p->fd);
		if (r == NULL)
			return worker_malformed(p, why);
		if ((why = worker_peer_may(p, r)) != NULL) {
			worker_req_free(r);
			return worker_malformed(p, why);
		}
		worker_peer_name(p, r->name, r->namelen);
		worker_enqueue(p, r);
	}
	if (rc == FRAME_EMPTY)
		return worker_malformed(p, "empty frame");
	if (rc == FRAME_TOOBIG)
		return worker_malformed(p, "frame too big");
	if (rc == FRAME_NOMEM)
		/* As for a request that cannot be taken (above). */
		fatalx("peer %d: out of memory for a request", p->fd);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Replies */

static void
worker_reply_stored(struct wreq *r, struct etf_buf *b)
{
	if (r->err != 0) {
		wk_reply_error(b, store_errno_atom(r->err));
		return;
	}
	etf_put_version(b);
	etf_put_tuple(b, 2);
	etf_put_atom(b, "stored");
	etf_put_int(b, r->seq);
}

static void
worker_reply(struct worker *w, struct wreq *r)
{
	struct wpeer *p = r->peer;
	int sent;

	if (p == NULL)
		return;		/* the peer left: its changes were written */
	etf_buf_reset(&w->out);
	sent = 0;
	if (r->type == WREQ_GET)
		sent = wk_reply_get(w, r, &w->out);
	else
		worker_reply_stored(r, &w->out);
	p->nqueued--;
	if (sent == 0 && (w->out.oom ||
	    frame_add(p->out, w->out.p, w->out.len) == -1))
		sent = -1;
	wk_buf_done(&w->out);	/* copied out, or dropped */
	if (sent == -1) {
		log_warnx("peer %d: out of memory for a reply: closing it",
		    p->fd);
		worker_peer_free(p);
		return;
	}
	if (worker_peer_flush(p) == -1)
		return;
	if (!p->closing && !p->paused &&
	    evbuffer_get_length(p->out) > w->out_max) {
		p->paused = true;
		worker_peer_pause(p);
	}
}

static void
worker_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct wreq *r, *end;

	while ((r = TAILQ_FIRST(&w->queue)) != NULL) {
		end = worker_commit(w, r);
		while ((r = TAILQ_FIRST(&w->queue)) != end) {
			TAILQ_REMOVE(&w->queue, r, entry);
			w->ctr->queue = --w->nqueue;
			worker_reply(w, r);
			worker_req_free(r);
		}
	}
	wk_journal_check(w);
	wk_lists_trim(w);
}

/* ------------------------------------------------------------------ */

/* Why the last worker_new() failed (worker_start_refused). */
static bool refused;

bool
worker_start_refused(void)
{
	return refused;
}

struct worker *
worker_new(struct event_base *base, const struct worker_config *cfg,
    struct worker_counters *counters)
{
	struct worker *w;
	int rc;

	refused = false;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->base = base;
	w->cfg = *cfg;
	/* The data directory on an open file of the worker's own (its
	 * w->cfg.dirfd from here on, closed by worker_free): syncfs, and
	 * fsync of the directory, report a write-back error once per open
	 * file (the file system's error sequence against the one that file
	 * saw last).  On the descriptor the worker is given, which every
	 * worker inherits as one open file, one worker's syncfs would take
	 * the error that another's files had, and the other would take
	 * them for durable. */
	if ((w->cfg.dirfd = openat(cfg->dirfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		log_warn("cannot open the data directory");
		free(w);
		return NULL;
	}
	if (w->cfg.max_frame == 0)
		w->cfg.max_frame = FRAME_DEFAULT_MAX;
	if (w->cfg.journal_max == 0)
		w->cfg.journal_max = WORKER_JOURNAL_MAX;
	if (w->cfg.ckpt_pass == 0)
		w->cfg.ckpt_pass = WORKER_CKPT_PASS;
	w->out_max = 2 * w->cfg.max_frame + 65536;
	w->max_file = w->cfg.max_frame > 64 ? w->cfg.max_frame - 64 : 0;
	w->ctr = counters != NULL ? counters : &w->ctr_own;
	TAILQ_INIT(&w->peers);
	RB_INIT(&w->peer_names);
	TAILQ_INIT(&w->queue);
	RB_INIT(&w->lists);
	TAILQ_INIT(&w->lru);
	TAILQ_INIT(&w->gens);
	etf_buf_init(&w->out);
	etf_buf_init(&w->jbuf);
	snprintf(w->tag, sizeof(w->tag), "w%d", cfg->index);
	w->arena = etf_arena_new();
	w->flush_ev = event_new(base, -1, 0, worker_flush_cb, w);
	if (w->arena == NULL || w->flush_ev == NULL) {
		worker_free(w);
		return NULL;
	}
	store_fault_init();
	/* Left-overs of an earlier life of this worker (never another's). */
	if (store_cleanup_temps_tag(w->cfg.dirfd, w->tag) == -1)
		log_warn("cannot clean up temporary files");
	if ((rc = wk_recover(w)) != 0) {
		refused = rc == WK_REFUSED;
		worker_free(w);
		return NULL;
	}
	return w;
}

size_t
worker_lists_behind(const struct worker *w)
{
	return wk_lists_journaled(w);
}

int
worker_sync(struct worker *w)
{
	worker_flush_cb(-1, 0, w);
	return wk_checkpoint_all(w, false);
}

int
worker_sync_new(struct worker *w)
{
	worker_flush_cb(-1, 0, w);
	return wk_checkpoint_new(w);
}

int
worker_shutdown(struct worker *w)
{
	struct wpeer *p;

	worker_flush_cb(-1, 0, w);
	while ((p = TAILQ_FIRST(&w->peers)) != NULL)
		worker_peer_free(p);
	return wk_checkpoint_all(w, true);
}

void
worker_free(struct worker *w)
{
	struct wpeer *p;
	struct wreq *r;

	if (w == NULL)
		return;
	while ((p = TAILQ_FIRST(&w->peers)) != NULL)
		worker_peer_free(p);
	while ((r = TAILQ_FIRST(&w->queue)) != NULL) {
		TAILQ_REMOVE(&w->queue, r, entry);
		worker_req_free(r);
	}
	wk_state_free(w);
	if (w->flush_ev != NULL)
		event_free(w->flush_ev);
	etf_arena_free(w->arena);
	etf_buf_free(&w->out);
	etf_buf_free(&w->jbuf);
	close(w->cfg.dirfd);
	free(w);
}

uint32_t
fnv1a32(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t h = 0x811c9dc5u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x01000193u;
	}
	return h;
}

int
worker_for_name(const void *name, size_t len, int nworkers)
{
	if (nworkers < 1)
		return -1;
	return (int)(fnv1a32(name, len) % (uint32_t)nworkers);
}
