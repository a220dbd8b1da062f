/*
 * worker.c: a database worker (the book's Todo.DatabaseWorker).
 *
 * Peers send framed requests; each complete frame is decoded, checked and
 * queued at once, and its bytes dropped from the peer's input, which is
 * bounded (reading a peer pauses while a frame's worth is buffered, or
 * while its replies pile up unread).  Once per pass of the event loop,
 * after every readable peer was read, the queue is committed together:
 *
 *   1. stores whose Seq is not above the last one stored for that list,
 *      and all but the newest store of a list, are not written;
 *   2. every other store's temporary file is written;
 *   3. with sync, the data is synced: one syncfs() for the whole batch
 *      when it has WORKER_SYNCFS_MIN files or more (cheaper than one fsync
 *      per file), else an fsync per file; if syncfs fails, each file is
 *      fsynced to learn which ones failed;
 *   4. every file is renamed into place, and the directory synced once;
 *   5. every request is answered, in the order it came (gets see the
 *      stores of the same pass).
 *
 * The last Seq stored is remembered per list (for a bounded number of
 * lists).  A get forgets it: a list server loads its list with a get
 * when it starts, and numbers its stores from there.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/tree.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "etf.h"
#include "frame.h"
#include "listfile.h"
#include "log.h"
#include "names.h"
#include "store.h"
#include "todolist.h"
#include "worker.h"

#define WORKER_BATCH_MAX	256	/* files open at once in a commit */
#define WORKER_SYNCFS_MIN	3	/* files from which syncfs wins */
#define WORKER_SEQ_MAX		65536	/* lists whose last Seq is kept */
#define WORKER_READ_MAX		(256 * 1024)	/* read per peer per pass */

enum wreq_type { WREQ_GET, WREQ_STORE };

struct wpeer {
	TAILQ_ENTRY(wpeer)	 entry;
	struct worker		*w;
	struct bufferevent	*bev;
	int			 fd;
	size_t			 nqueued;	/* its requests in the queue */
	bool			 paused;	/* output over its bound */
	bool			 closing;	/* malformed: answer, close */
};

struct wreq {
	TAILQ_ENTRY(wreq)	 entry;
	RB_ENTRY(wreq)		 round;		/* newest store per list */
	struct wpeer		*peer;		/* NULL once the peer left */
	enum wreq_type		 type;
	int64_t			 seq;
	struct etf_buf		 data;		/* file bytes of a store */
	struct wreq		*newest;	/* written instead of this */
	bool			 write;
	int			 err;		/* errno of a failed store */
	struct store_tmp	 tmp;
	size_t			 namelen;
	uint8_t			 name[NAME_MAX_BYTES];
};

struct wseq {
	RB_ENTRY(wseq)		 entry;
	TAILQ_ENTRY(wseq)	 lru;
	int64_t			 seq;
	size_t			 namelen;
	uint8_t			 name[NAME_MAX_BYTES];
};

TAILQ_HEAD(wpeers, wpeer);
TAILQ_HEAD(wreqs, wreq);
RB_HEAD(wround, wreq);
RB_HEAD(wseqs, wseq);
TAILQ_HEAD(wseqlru, wseq);

struct worker {
	struct event_base	*base;
	struct worker_config	 cfg;
	struct worker_counters	*ctr;
	struct worker_counters	 ctr_own;	/* when the caller gives none */
	struct etf_arena	*arena;
	struct event		*flush_ev;
	struct wpeers		 peers;
	size_t			 npeers;
	struct wreqs		 queue;
	size_t			 nstores;
	struct wseqs		 seqs;
	struct wseqlru		 seqlru;
	size_t			 nseqs;
	struct etf_buf		 out;
	size_t			 out_max;	/* per peer output bound */
	char			 tag[STORE_TAG_MAX + 1];
};

static int
wname_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c;

	c = memcmp(a, b, alen < blen ? alen : blen);
	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int
wreq_cmp(const struct wreq *a, const struct wreq *b)
{
	return wname_cmp(a->name, a->namelen, b->name, b->namelen);
}

static int
wseq_cmp(const struct wseq *a, const struct wseq *b)
{
	return wname_cmp(a->name, a->namelen, b->name, b->namelen);
}

/* libbsd leaves __unused undefined, so RB_GENERATE_STATIC cannot be used. */
#define WORKER_RB_STATIC	__attribute__((__unused__)) static
RB_GENERATE_INTERNAL(wround, wreq, round, wreq_cmp, WORKER_RB_STATIC)
RB_GENERATE_INTERNAL(wseqs, wseq, entry, wseq_cmp, WORKER_RB_STATIC)

static void	worker_read_cb(struct bufferevent *, void *);
static void	worker_write_cb(struct bufferevent *, void *);
static void	worker_event_cb(struct bufferevent *, short, void *);
static void	worker_flush_cb(evutil_socket_t, short, void *);

/* ------------------------------------------------------------------ */
/* Last stored Seq per list */

static struct wseq *
wseq_find(struct worker *w, const uint8_t *name, size_t len)
{
	struct wseq key;

	memcpy(key.name, name, len);
	key.namelen = len;
	return RB_FIND(wseqs, &w->seqs, &key);
}

static void
wseq_forget(struct worker *w, struct wseq *s)
{
	RB_REMOVE(wseqs, &w->seqs, s);
	TAILQ_REMOVE(&w->seqlru, s, lru);
	w->nseqs--;
	free(s);
}

static void
wseq_set(struct worker *w, const uint8_t *name, size_t len, int64_t seq)
{
	struct wseq *s;

	if ((s = wseq_find(w, name, len)) != NULL) {
		TAILQ_REMOVE(&w->seqlru, s, lru);
	} else {
		if (w->nseqs >= WORKER_SEQ_MAX)
			wseq_forget(w, TAILQ_FIRST(&w->seqlru));
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return;		/* only a safety net is lost */
		memcpy(s->name, name, len);
		s->namelen = len;
		RB_INSERT(wseqs, &w->seqs, s);
		w->nseqs++;
	}
	s->seq = seq;
	TAILQ_INSERT_TAIL(&w->seqlru, s, lru);
}

/* ------------------------------------------------------------------ */
/* Peers */

static void
worker_peer_free(struct wpeer *p)
{
	struct worker *w = p->w;
	struct wreq *r;

	/* Its queued stores are still written; nobody gets the replies. */
	TAILQ_FOREACH(r, &w->queue, entry)
		if (r->peer == p)
			r->peer = NULL;
	TAILQ_REMOVE(&w->peers, p, entry);
	w->npeers--;
	bufferevent_free(p->bev);
	free(p);
}

int
worker_add_peer(struct worker *w, int fd)
{
	struct wpeer *p;

	if (evutil_make_socket_nonblocking(fd) == -1 ||
	    evutil_make_socket_closeonexec(fd) == -1)
		return -1;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	p->w = w;
	p->fd = fd;
	p->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (p->bev == NULL) {
		free(p);
		return -1;
	}
	/* Reading pauses once a whole frame of the largest size is in. */
	bufferevent_setwatermark(p->bev, EV_READ, 0,
	    w->cfg.max_frame + FRAME_HDR);
	/* Read more than the default 16 KiB per pass: bigger batches. */
	bufferevent_set_max_single_read(p->bev, WORKER_READ_MAX);
	bufferevent_setcb(p->bev, worker_read_cb, worker_write_cb,
	    worker_event_cb, p);
	if (bufferevent_enable(p->bev, EV_READ | EV_WRITE) == -1) {
		bufferevent_free(p->bev);
		free(p);
		return -1;
	}
	TAILQ_INSERT_TAIL(&w->peers, p, entry);
	w->npeers++;
	return 0;
}

size_t
worker_npeers(const struct worker *w)
{
	return w->npeers;
}

static void
worker_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct wpeer *p = arg;

	if (what & BEV_EVENT_ERROR)
		log_warn("peer %d: connection error", p->fd);
	else
		log_debug("peer %d: closed", p->fd);
	worker_peer_free(p);
}

/* Close a peer once its earlier requests are answered and sent. */
static void
worker_peer_linger(struct wpeer *p)
{
	if (p->nqueued == 0 &&
	    evbuffer_get_length(bufferevent_get_output(p->bev)) == 0)
		worker_peer_free(p);
}

static void
worker_write_cb(struct bufferevent *bev, void *arg)
{
	struct wpeer *p = arg;

	if (p->closing) {
		worker_peer_linger(p);
		return;
	}
	/* Output drained: read again from a peer paused for it. */
	if (p->paused) {
		p->paused = false;
		bufferevent_enable(p->bev, EV_READ);
	}
}

/* ------------------------------------------------------------------ */
/* Requests */

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
		*why = "out of memory";
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
		return why;
	listfile_encode(&r->data, l);
	todolist_free(l);
	if (r->data.oom)
		return "out of memory";
	return NULL;
}

/* Decode and check one request. NULL and *why if it is malformed. */
static struct wreq *
worker_parse(struct worker *w, const uint8_t *p, size_t len, const char **why)
{
	const struct etf_term *t;
	struct wreq *r = NULL;
	int err;

	*why = "not {get, Name} or {store, Name, Seq, List}";
	if ((err = etf_decode(w->arena, p, len, w->cfg.max_frame, &t)) != 0) {
		*why = etf_strerror(err);
		return NULL;
	}
	if (etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "get"))
		r = worker_req_new(WREQ_GET, &t->seq.v[1], why);
	else if (etf_is_tuple(t, 4) && etf_is_atom(&t->seq.v[0], "store")) {
		r = worker_req_new(WREQ_STORE, &t->seq.v[1], why);
		if (r != NULL && (*why = worker_parse_store(r, &t->seq.v[2],
		    &t->seq.v[3])) != NULL) {
			worker_req_free(r);
			r = NULL;
		}
	}
	etf_arena_reset(w->arena);
	return r;
}

/*
 * A malformed message is a bug in the peer: read nothing more from it,
 * answer what it sent before, then close it.
 */
static void
worker_malformed(struct wpeer *p, const char *why)
{
	log_warnx("peer %d: malformed message (%s): closing it", p->fd, why);
	p->closing = true;
	bufferevent_disable(p->bev, EV_READ);
	worker_peer_linger(p);
}

static void
worker_read_cb(struct bufferevent *bev, void *arg)
{
	struct wpeer *p = arg;
	struct worker *w = p->w;
	struct evbuffer *in = bufferevent_get_input(bev);
	const char *why;
	struct wreq *r;
	uint8_t *payload;
	size_t len;
	int rc;

	while ((rc = frame_next(in, w->cfg.max_frame, &payload, &len)) ==
	    FRAME_READY) {
		r = worker_parse(w, payload, len, &why);
		frame_drain(in, len);
		if (r == NULL) {
			worker_malformed(p, why);
			return;
		}
		r->peer = p;
		p->nqueued++;
		TAILQ_INSERT_TAIL(&w->queue, r, entry);
		if (r->type == WREQ_STORE)
			w->ctr->queue = ++w->nstores;
		event_active(w->flush_ev, EV_TIMEOUT, 0);
	}
	if (rc == FRAME_EMPTY)
		worker_malformed(p, "empty frame");
	else if (rc == FRAME_TOOBIG)
		worker_malformed(p, "frame too big");
}

/* ------------------------------------------------------------------ */
/* Commit */

/* Choose what a round writes: stores up to WORKER_BATCH_MAX files. */
static struct wreq *
worker_round_plan(struct worker *w, struct wreq *from)
{
	struct wround round = RB_INITIALIZER(&round);
	struct wseq *last;
	struct wreq *r, *prev;
	size_t nwrite = 0;

	for (r = from; r != NULL; r = TAILQ_NEXT(r, entry)) {
		if (r->type != WREQ_STORE)
			continue;
		last = wseq_find(w, r->name, r->namelen);
		if (last != NULL && r->seq <= last->seq)
			continue;	/* acknowledged, not written */
		if ((prev = RB_FIND(wround, &round, r)) != NULL) {
			if (prev->seq >= r->seq) {
				r->newest = prev;
				continue;
			}
			prev->write = false;
			prev->newest = r;
			RB_REMOVE(wround, &round, prev);
		} else if (nwrite == WORKER_BATCH_MAX)
			return r;	/* the next round starts here */
		else
			nwrite++;
		r->write = true;
		RB_INSERT(wround, &round, r);
	}
	return NULL;
}

static void
worker_fail(struct worker *w, struct wreq *r, int err)
{
	r->err = err != 0 ? err : EIO;
	r->write = false;
	w->ctr->errors++;
	log_warnx("store of %s failed: %s", r->tmp.file[0] != '\0' ?
	    r->tmp.file : "a list", strerror(r->err));
}

/* Sync every prepared file: one syncfs, or fsync each. */
static void
worker_round_sync(struct worker *w, struct wreq *from, struct wreq *end,
    size_t n)
{
	struct wreq *r;

	if (n >= WORKER_SYNCFS_MIN) {
		w->ctr->fsyncs++;
		if (store_syncfs(w->cfg.dirfd) == 0)
			return;
		log_warn("syncfs");
	}
	for (r = from; r != end; r = TAILQ_NEXT(r, entry)) {
		if (!r->write)
			continue;
		w->ctr->fsyncs++;
		if (store_sync_tmp(&r->tmp) == -1) {
			worker_fail(w, r, errno);
			store_abort(w->cfg.dirfd, &r->tmp);
		}
	}
}

/* Write, sync, rename the stores planned in [from, end). */
static void
worker_round_commit(struct worker *w, struct wreq *from, struct wreq *end)
{
	struct wreq *r;
	size_t n = 0, renamed = 0;
	int dirfd = w->cfg.dirfd;

	for (r = from; r != end; r = TAILQ_NEXT(r, entry)) {
		if (!r->write)
			continue;
		if (store_prepare(dirfd, w->tag, r->name, r->namelen,
		    r->data.p, r->data.len, &r->tmp) == -1)
			worker_fail(w, r, errno);
		else
			n++;
	}
	if (w->cfg.sync && n > 0)
		worker_round_sync(w, from, end, n);
	for (r = from; r != end; r = TAILQ_NEXT(r, entry)) {
		if (!r->write)
			continue;
		if (store_commit(dirfd, &r->tmp) == -1)
			worker_fail(w, r, errno);
		else
			renamed++;
	}
	if (w->cfg.sync && renamed > 0) {
		w->ctr->fsyncs++;
		if (store_sync_dir(dirfd) == -1) {
			/* Renamed, but not known to be durable: refuse. */
			log_warn("fsync of the data directory");
			for (r = from; r != end; r = TAILQ_NEXT(r, entry))
				if (r->write)
					worker_fail(w, r, errno);
		}
	}
	for (r = from; r != end; r = TAILQ_NEXT(r, entry)) {
		if (!r->write)
			continue;
		w->ctr->stores++;
		w->ctr->bytes += r->data.len;
		wseq_set(w, r->name, r->namelen, r->seq);
	}
}

/* ------------------------------------------------------------------ */
/* Replies */

static void
worker_reply_error(struct etf_buf *b, const char *reason)
{
	etf_put_version(b);
	etf_put_tuple(b, 2);
	etf_put_atom(b, "error");
	etf_put_atom(b, reason);
}

/* A store not written shares the fate of the one written instead. */
static void
worker_round_resolve(struct wreq *from, struct wreq *end)
{
	struct wreq *r, *res;

	for (r = from; r != end; r = TAILQ_NEXT(r, entry))
		for (res = r->newest; res != NULL; res = res->newest)
			r->err = res->err;
	for (r = from; r != end; r = TAILQ_NEXT(r, entry))
		r->newest = NULL;
}

static void
worker_reply_store(struct worker *w, struct wreq *r, struct etf_buf *b)
{
	if (r->err != 0) {
		worker_reply_error(b, store_errno_atom(r->err));
		return;
	}
	etf_put_version(b);
	etf_put_tuple(b, 2);
	etf_put_atom(b, "stored");
	etf_put_int(b, r->seq);
}

/* {ok, ListTerm}: the file's term as it is, once it checks out. */
static void
worker_reply_get(struct worker *w, struct wreq *r, struct etf_buf *b)
{
	struct todo_list *l;
	struct wseq *s;
	const char *why;
	uint8_t *data;
	size_t len;
	int rc;

	/* A list server loads its list when it starts: Seq starts anew. */
	if ((s = wseq_find(w, r->name, r->namelen)) != NULL)
		wseq_forget(w, s);
	rc = store_read(w->cfg.dirfd, r->name, r->namelen,
	    w->cfg.max_frame > 64 ? w->cfg.max_frame - 64 : 0, &data, &len);
	if (rc == STORE_ABSENT) {
		etf_put_version(b);
		etf_put_atom(b, "not_found");
		return;
	}
	if (rc == STORE_ERR) {
		name_to_file(r->name, r->namelen, r->tmp.file,
		    sizeof(r->tmp.file));
		log_warn("cannot read %s", r->tmp.file);
		worker_reply_error(b, store_errno_atom(errno));
		return;
	}
	rc = store_parse(w->arena, data, len, w->cfg.max_frame, &l, &why);
	etf_arena_reset(w->arena);
	if (rc != STORE_OK) {
		name_to_file(r->name, r->namelen, r->tmp.file,
		    sizeof(r->tmp.file));
		log_warnx("%s: not a list file (%s): left alone", r->tmp.file,
		    why);
		worker_reply_error(b, "corrupt");
		free(data);
		return;
	}
	etf_put_version(b);
	etf_put_tuple(b, 2);
	etf_put_atom(b, "ok");
	if (data[1] == ETF_TAG_COMPRESSED)
		listfile_put(b, l);	/* no compression inside a term */
	else
		etf_buf_append(b, data + 1, len - 1);
	todolist_free(l);
	free(data);
}

static void
worker_reply(struct worker *w, struct wreq *r)
{
	struct wpeer *p = r->peer;
	struct evbuffer *out;

	if (p == NULL)
		return;		/* the peer left: its stores were written */
	etf_buf_reset(&w->out);
	if (r->type == WREQ_GET)
		worker_reply_get(w, r, &w->out);
	else
		worker_reply_store(w, r, &w->out);
	p->nqueued--;
	out = bufferevent_get_output(p->bev);
	if (w->out.oom || frame_add(out, w->out.p, w->out.len) == -1) {
		log_warnx("peer %d: out of memory for a reply: closing it",
		    p->fd);
		worker_peer_free(p);
		return;
	}
	if (p->closing) {
		worker_peer_linger(p);
		return;
	}
	if (!p->paused && evbuffer_get_length(out) > w->out_max) {
		p->paused = true;
		bufferevent_disable(p->bev, EV_READ);
	}
}

static void
worker_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct wreq *r, *end;

	while ((r = TAILQ_FIRST(&w->queue)) != NULL) {
		end = worker_round_plan(w, r);
		worker_round_commit(w, r, end);
		worker_round_resolve(r, end);
		while ((r = TAILQ_FIRST(&w->queue)) != end) {
			TAILQ_REMOVE(&w->queue, r, entry);
			if (r->type == WREQ_STORE)
				w->ctr->queue = --w->nstores;
			worker_reply(w, r);
			worker_req_free(r);
		}
	}
}

/* ------------------------------------------------------------------ */

struct worker *
worker_new(struct event_base *base, const struct worker_config *cfg,
    struct worker_counters *counters)
{
	struct worker *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->base = base;
	w->cfg = *cfg;
	if (w->cfg.max_frame == 0)
		w->cfg.max_frame = FRAME_DEFAULT_MAX;
	w->out_max = 2 * w->cfg.max_frame + 65536;
	w->ctr = counters != NULL ? counters : &w->ctr_own;
	TAILQ_INIT(&w->peers);
	TAILQ_INIT(&w->queue);
	RB_INIT(&w->seqs);
	TAILQ_INIT(&w->seqlru);
	etf_buf_init(&w->out);
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
	return w;
}

void
worker_free(struct worker *w)
{
	struct wpeer *p;
	struct wreq *r;
	struct wseq *s;

	if (w == NULL)
		return;
	while ((p = TAILQ_FIRST(&w->peers)) != NULL)
		worker_peer_free(p);
	while ((r = TAILQ_FIRST(&w->queue)) != NULL) {
		TAILQ_REMOVE(&w->queue, r, entry);
		worker_req_free(r);
	}
	while ((s = TAILQ_FIRST(&w->seqlru)) != NULL)
		wseq_forget(w, s);
	if (w->flush_ev != NULL)
		event_free(w->flush_ev);
	etf_arena_free(w->arena);
	etf_buf_free(&w->out);
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
