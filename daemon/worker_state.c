/*
 * worker_state.c: what a database worker knows of its lists and of the
 * generations of its journal.
 *
 * Every record journaled for a list and not yet in its file is kept in
 * memory (struct wrec, its ops as their ETF bytes), so a get answers
 * them and a checkpoint (worker_ckpt.c) applies them without reading the
 * journal.  A list is queued on the generation of its oldest such
 * record; a generation other than the current one is removed once its
 * queue is empty and every older one is gone.  So memory and disk are
 * bounded by the live generations: the current one (up to journal_max
 * bytes and WORKER_GEN_LISTS lists) and the old ones being checkpointed.
 *
 * A list is also remembered for its last Seq (for a bounded number of
 * lists), and while it has records in a live generation.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/tree.h>

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "etf.h"
#include "journal.h"
#include "listops.h"
#include "log.h"
#include "lograte.h"
#include "memtrim.h"
#include "monotime.h"
#include "names.h"
#include "store.h"
#include "todolist.h"
#include "worker.h"
#include "worker_int.h"

static int
wlist_cmp(const struct wlist *a, const struct wlist *b)
{
	return name_cmp(a->name, a->namelen, b->name, b->namelen);
}

/* libbsd leaves __unused undefined, so RB_GENERATE_STATIC cannot be used. */
#define WORKER_RB_STATIC	__attribute__((__unused__)) static
RB_GENERATE_INTERNAL(wlists, wlist, entry, wlist_cmp, WORKER_RB_STATIC)

void
wk_file_name(const struct wlist *wl, char *buf, size_t bufsz)
{
	if (name_to_file(wl->name, wl->namelen, buf, bufsz) == -1)
		snprintf(buf, bufsz, "(a list)");
}

/* ------------------------------------------------------------------ */
/* Generations */

static struct wgen *
wk_gen_find(struct worker *w, uint64_t gen)
{
	struct wgen *g;

	TAILQ_FOREACH(g, &w->gens, entry)
		if (g->gen == gen)
			return g;
	return NULL;
}

struct wgen *
wk_gen_add(struct worker *w, uint64_t gen)
{
	struct wgen *g;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->gen = gen;
	TAILQ_INIT(&g->lists);
	TAILQ_INSERT_TAIL(&w->gens, g, entry);
	w->ctr->journal_files = ++w->ngens;
	return g;
}

static void
wk_gen_free(struct worker *w, struct wgen *g)
{
	TAILQ_REMOVE(&w->gens, g, entry);
	w->ctr->journal_files = --w->ngens;
	free(g);
}

uint64_t
wk_gen_current(const struct worker *w)
{
	return TAILQ_EMPTY(&w->gens) ? 0 : TAILQ_LAST(&w->gens, wgens)->gen;
}

int
wk_sync_dir(struct worker *w)
{
	w->ctr->fsyncs++;
	w->dir_unsynced = store_sync_dir(w->cfg.dirfd) == -1;
	return w->dir_unsynced ? -1 : 0;
}

bool
wk_use_syncfs(size_t nfiles)
{
	return nfiles >= WORKER_SYNCFS_MIN && store_syncfs_reports();
}

/*
 * Remove the old generations no list needs any more, oldest first; none
 * while a rename may not be durable (w->dir_unsynced) and a directory
 * sync still fails.  A removal leaves the directory unsynced (but with
 * --sync none, which syncs nothing), so that
 * the next is made only once it is durable: removals reach the disk in
 * their order (POSIX does not promise it).  A power cut can then bring
 * back only generations whose successors are all there, with the FILE
 * records of the checkpoints that made them removable; one brought back
 * without the next could have its changes replayed over files written
 * since, with no FILE record to match them.
 */
int
wk_gens_trim(struct worker *w)
{
	static struct lograte rate, sync_rate;
	char file[JOURNAL_NAME_BUFSZ];
	struct wgen *g;
	int64_t now;
	int err;

	while ((g = TAILQ_FIRST(&w->gens)) != NULL &&
	    g != TAILQ_LAST(&w->gens, wgens) && g->nlists == 0) {
		if (w->dir_unsynced && wk_sync_dir(w) == -1) {
			/* kept; tried again after a pass */
			lograte_warn(&sync_rate, errno, "cannot sync the data "
			    "directory: old journal generations kept");
			return -1;
		}
		now = monotime_ms();
		if (now < w->trim_after_ms)
			return -1;
		if (journal_remove(w->cfg.dirfd, w->cfg.index, g->gen) == -1) {
			err = errno;
			w->trim_after_ms = now + WORKER_TRIM_RETRY_MS;
			journal_file_name(file, sizeof(file), w->cfg.index,
			    g->gen);
			lograte_warn(&rate, err, "cannot remove %s", file);
			return -1;
		}
		w->trim_after_ms = 0;
		w->dir_unsynced = w->cfg.sync;
		wk_gen_free(w, g);
	}
	return 0;
}

int
wk_rotate(struct worker *w)
{
	static struct lograte rate;
	struct journal *j;
	uint64_t gen = wk_gen_current(w) + 1;

	if (gen == 0)
		fatalx("journal generation numbers are exhausted");
	j = journal_create(w->cfg.dirfd, w->cfg.index, gen, w->cfg.sync,
	    &w->ctr->fsyncs);
	if (j == NULL) {
		/* Tried again at every change while it fails. */
		lograte_warn(&rate, errno, "cannot start journal generation %"
		    PRIu64, gen);
		return -1;
	}
	if (wk_gen_add(w, gen) == NULL) {
		journal_close_remove(j);
		return -1;
	}
	journal_close(w->jn);
	w->jn = j;
	w->carried = 0;
	log_debug("journal generation %" PRIu64 " started", gen);
	wk_drain_schedule(w);
	return 0;
}

/*
 * Is the current generation full: journal_max bytes, or records of
 * WORKER_GEN_LISTS lists (each list with records is held in memory: many
 * new lists with a small first change each would otherwise hold a great
 * many before the bytes ran out)?  The records carried into it from an
 * older one (lists that could not be checkpointed) do not count: they
 * would be carried again into the next, which would then be full at
 * once, and so on at every pass.
 */
bool
wk_journal_full(const struct worker *w)
{
	const struct wgen *g = TAILQ_LAST(&w->gens, wgens);
	uint64_t size = journal_size(w->jn);

	size = size > w->carried ? size - w->carried : 0;
	return size >= w->cfg.journal_max ||
	    (g != NULL && g->nlists >= WORKER_GEN_LISTS);
}

/* After a pass: a new generation if this one is full; drop old ones. */
void
wk_journal_check(struct worker *w)
{
	if (w->jn != NULL && (wk_journal_full(w) ||
	    journal_state(w->jn) != JOURNAL_USABLE))
		wk_rotate(w);
	wk_gens_trim(w);
}

/* ------------------------------------------------------------------ */
/* Lists and their records */

struct wlist *
wk_list_find(struct worker *w, const uint8_t *name, size_t len)
{
	struct wlist *wl = RB_ROOT(&w->lists);
	int c;

	while (wl != NULL) {
		c = name_cmp(name, len, wl->name, wl->namelen);
		if (c == 0)
			return wl;
		wl = c < 0 ? RB_LEFT(wl, entry) : RB_RIGHT(wl, entry);
	}
	return NULL;
}

struct wlist *
wk_list_get(struct worker *w, const uint8_t *name, size_t len)
{
	struct wlist *wl;

	if ((wl = wk_list_find(w, name, len)) != NULL) {
		TAILQ_REMOVE(&w->lru, wl, lru);
		TAILQ_INSERT_TAIL(&w->lru, wl, lru);
		return wl;
	}
	if ((wl = calloc(1, sizeof(*wl) + len)) == NULL)
		return NULL;
	TAILQ_INIT(&wl->recs);
	memcpy(wl->name, name, len);
	wl->namelen = len;
	RB_INSERT(wlists, &w->lists, wl);
	TAILQ_INSERT_TAIL(&w->lru, wl, lru);
	w->nlists++;
	return wl;
}

/* Has it records in a generation that is still on disk? */
bool
wk_list_live(const struct worker *w, const struct wlist *wl)
{
	const struct wgen *g = TAILQ_FIRST(&w->gens);

	return wl->last_gen != 0 && g != NULL && wl->last_gen >= g->gen;
}

struct wrec *
wk_rec_new(uint64_t gen, int64_t seq, const uint8_t *ops, size_t len,
    uint32_t nops)
{
	struct wrec *rec;

	if ((rec = malloc(sizeof(*rec) + len)) == NULL)
		return NULL;
	memset(rec, 0, sizeof(*rec));
	rec->gen = gen;
	rec->seq = seq;
	rec->kind = JOURNAL_OPS;
	rec->nops = nops;
	rec->len = len;
	if (len > 0)
		memcpy(rec->ops, ops, len);
	return rec;
}

/* Queue the list on the generation of its first record. */
void
wk_list_refirst(struct worker *w, struct wlist *wl)
{
	struct wrec *first = TAILQ_FIRST(&wl->recs);
	uint64_t gen = first != NULL ? first->gen : 0;
	struct wgen *g;

	if (gen == wl->first_gen)
		return;
	if (wl->first_gen != 0 &&
	    (g = wk_gen_find(w, wl->first_gen)) != NULL) {
		TAILQ_REMOVE(&g->lists, wl, gq);
		g->nlists--;
	}
	wl->first_gen = 0;
	if (gen != 0 && (g = wk_gen_find(w, gen)) != NULL) {
		TAILQ_INSERT_TAIL(&g->lists, wl, gq);
		g->nlists++;
		wl->first_gen = gen;
	}
}

void
wk_rec_add(struct worker *w, struct wlist *wl, struct wrec *rec)
{
	TAILQ_INSERT_TAIL(&wl->recs, rec, entry);
	wl->nrecs++;
	if (rec->kind == JOURNAL_FILE)
		wl->nfile++;
	wl->last_gen = rec->gen;
	w->ctr->pending_ops += rec->nops;
	wk_list_refirst(w, wl);
}

static void
wk_rec_remove(struct worker *w, struct wlist *wl, struct wrec *rec)
{
	TAILQ_REMOVE(&wl->recs, rec, entry);
	wl->nrecs--;
	if (rec->kind == JOURNAL_FILE)
		wl->nfile--;
	w->ctr->pending_ops -= rec->nops;
	/* A checkpoint frees the records of every list it wrote: given
	 * back to the system once they add up (memtrim.h). */
	memtrim_freed(sizeof(*rec) + rec->len);
	free(rec);
}

void
wk_buf_done(struct etf_buf *b)
{
	memtrim_freed(etf_buf_done(b, WORKER_BUF_KEEP));
}

void
wk_recs_clear(struct worker *w, struct wlist *wl)
{
	struct wrec *rec;

	while ((rec = TAILQ_FIRST(&wl->recs)) != NULL)
		wk_rec_remove(w, wl, rec);
	wk_list_refirst(w, wl);
}

static void
wk_list_free(struct worker *w, struct wlist *wl)
{
	wk_recs_clear(w, wl);
	RB_REMOVE(wlists, &w->lists, wl);
	TAILQ_REMOVE(&w->lru, wl, lru);
	w->nlists--;
	free(wl);
}

/* Forget the least recently used lists that only hold a Seq. */
void
wk_lists_trim(struct worker *w)
{
	struct wlist *wl;
	int tries = 0;

	while (w->nlists > WORKER_SEQ_MAX && tries++ < 64 &&
	    (wl = TAILQ_FIRST(&w->lru)) != NULL) {
		if (wl->nrecs == 0 && !wk_list_live(w, wl))
			wk_list_free(w, wl);
		else {
			TAILQ_REMOVE(&w->lru, wl, lru);
			TAILQ_INSERT_TAIL(&w->lru, wl, lru);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Replay */

/*
 * Apply an op.  strict: as it is, or fail.  Else an op that finds its
 * effect already there (a replay over a file that holds it) is made
 * idempotent: an add of an id that exists replaces the entry, an update
 * or delete of an id that does not exist does nothing (*odd counts
 * them).  Replaying a record sequence leniently over a file that holds
 * any prefix of it gives the same list as applying it once.
 */
static int
wk_replay_op(struct todo_list *l, const struct listop *op, bool strict,
    size_t *odd)
{
	if (listop_replay(l, op) == 0)
		return 0;
	if (strict)
		return -1;
	if (op->kind == LISTOP_ADD) {
		if (todolist_get(l, op->id) == NULL ||
		    todolist_delete(l, op->id) != 0)
			return -1;
		(*odd)++;
		return listop_replay(l, op);
	}
	if (todolist_get(l, op->id) != NULL)
		return -1;	/* there, yet it failed: out of memory */
	(*odd)++;
	return 0;
}

int
wk_replay(struct worker *w, struct todo_list *l, const struct wrec *rec,
    bool strict, size_t *odd)
{
	const struct etf_term *t;
	struct listop *op;
	size_t i;
	int rc = 0;

	if (rec->kind != JOURNAL_OPS)
		return 0;
	if (etf_decode(w->arena, rec->ops, rec->len, rec->len, &t) != ETF_OK ||
	    t->type != ETF_LIST)
		rc = -1;
	for (i = 0; rc == 0 && i < t->seq.n; i++) {
		if ((op = listop_from_term(&t->seq.v[i])) == NULL) {
			rc = -1;
			break;
		}
		rc = wk_replay_op(l, op, strict, odd);
		listop_free(op);
	}
	etf_arena_reset(w->arena);
	return rc;
}

void
wk_state_free(struct worker *w)
{
	struct wlist *wl;
	struct wgen *g;

	while ((wl = TAILQ_FIRST(&w->lru)) != NULL)
		wk_list_free(w, wl);
	while ((g = TAILQ_FIRST(&w->gens)) != NULL)
		wk_gen_free(w, g);
	journal_close(w->jn);
	w->jn = NULL;
	if (w->drain_ev != NULL)
		event_free(w->drain_ev);
	w->drain_ev = NULL;
}
