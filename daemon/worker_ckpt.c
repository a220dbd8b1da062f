/*
 * worker_ckpt.c: checkpoints of a database worker's lists (the recovery
 * of its journal at start, which ends with one, is worker_recover.c).
 *
 * A checkpoint of some lists: for each, read the file, apply its
 * journaled ops (wk_replay, leniently: an op whose effect is already in
 * the file changes nothing), write the temporary file (where the file
 * and the ops come to WORKER_CKSTREAM_MIN bytes or more, it is streamed,
 * ckstream.h, not built whole in memory); then one journal write of a
 * FILE record per list (the new file's length and CRC), one sync
 * (syncfs where it reports errors, or an fsync per file and an
 * fdatasync of the journal), the renames, one sync of the directory;
 * then the lists' records are forgotten.  The FILE record is durable
 * before the rename: recovery replays only the ops after the newest FILE
 * record that matches the file on disk, whether or not the rename
 * happened, so a list is never given an op twice on top of a file that
 * holds it (and where that cannot be told, the lenient replay makes it
 * harmless).
 *
 * A list that cannot be checkpointed (its file is corrupt, the disk is
 * full) keeps its ops, which are journaled again in the current
 * generation ("carried") so that its old generation can be removed all
 * the same.  Leaving the old generation in place instead would pin it
 * and every later one until the file is repaired: the journal would
 * grow without bound.  A corrupt list's ops thus follow the journal from
 * generation to generation, logged each time, and are applied once its
 * file is repaired (at the next checkpoint or start).
 *
 * Old generations are checkpointed a few lists per pass (ckpt_pass lists
 * and WORKER_CKPT_BYTES of files per old generation: the further behind,
 * the more), so that the worker never stalls for long; worker_sync(),
 * worker_shutdown() and recovery do all lists at once.  While one old
 * generation is left, the passes are WORKER_CKPT_GAP_MS apart: a
 * generation's files are then written over a few seconds, beside the
 * requests, instead of in one burst that every request waits behind (a
 * burst slowed the whole machine: a new list's file is an inode and a
 * directory entry, and the syncs share the file system's journal).  With
 * two or more, the worker is behind, and the passes follow each other
 * at once.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <zlib.h>

#include "ckstream.h"
#include "etf.h"
#include "evadd.h"
#include "journal.h"
#include "listfile.h"
#include "listops.h"
#include "log.h"
#include "lograte.h"
#include "names.h"
#include "store.h"
#include "store_fault.h"
#include "todolist.h"
#include "worker.h"
#include "worker_int.h"

/*
 * A checkpoint's failure, of a list or of a batch, is logged through
 * lograte_warn(): what makes it fail (a full disk, a file system turned
 * read-only, a list file that is not one) comes back at every checkpoint
 * while it lasts, for every list.  Each kind of line is held back on its
 * own, so that a milder failure does not hide a worse one.
 */
static struct lograte read_rate;	/* a list's file cannot be read */
static struct lograte corrupt_rate;	/* it is not a list file */
static struct lograte build_rate;	/* no memory, or too large */
static struct lograte write_rate;	/* its new file cannot be written */
static struct lograte sync_rate;	/* a batch's sync failed */
static struct lograte carry_rate;	/* changes cannot be carried */
static struct lograte carried_rate;	/* changes were carried */

/* A list being checkpointed. */
struct wck {
	struct wlist		*wl;
	struct store_tmp	 tmp;
	uint64_t		 flen;
	uint32_t		 fcrc;
	bool			 write;		/* a file to write */
	bool			 failed;
	bool			 absent;	/* it has no file (known) */
};

/* ------------------------------------------------------------------ */
/* One list */

/*
 * Recovery: drop the records up to the newest FILE record that matches
 * the file (data, NULL if there is none), and every FILE record.  Here,
 * or at a get if the file could not be read here (worker_get.c).
 */
void
wk_ck_resolve(struct worker *w, struct wlist *wl, const uint8_t *data,
    size_t len)
{
	struct wrec *rec, *next, *match = NULL;
	uint32_t crc = 0;

	if (data != NULL)
		crc = (uint32_t)crc32_z(0L, data, len);
	TAILQ_FOREACH(rec, &wl->recs, entry)
		if (rec->kind == JOURNAL_FILE && data != NULL &&
		    rec->flen == len && rec->fcrc == crc)
			match = rec;
	TAILQ_FOREACH_SAFE(rec, &wl->recs, entry, next) {
		if (rec == match)
			match = NULL;	/* the ops after it stay */
		else if (match == NULL && rec->kind == JOURNAL_OPS)
			continue;
		TAILQ_REMOVE(&wl->recs, rec, entry);
		wl->nrecs--;
		w->ctr->pending_ops -= rec->nops;
		free(rec);
	}
	wl->nfile = 0;
	wk_list_refirst(w, wl);
}

/* The list with its ops applied (on an empty list if it is known to have
 * no file, *absent, which is set if it turns out to have none); NULL
 * (logged) if it cannot be made. */
static struct todo_list *
wk_ck_build(struct worker *w, struct wlist *wl, const char *file,
    bool *absent)
{
	struct todo_list *l = NULL;
	const struct wrec *rec;
	const char *why;
	uint8_t *data = NULL;
	size_t len = 0, odd = 0;
	int rc = STORE_ABSENT;

	if (!*absent)
		rc = store_read(w->cfg.dirfd, wl->name, wl->namelen,
		    w->max_file, &data, &len);
	if (rc == STORE_ERR) {
		lograte_warn(&read_rate, errno, "checkpoint of %s: cannot read "
		    "it", file);
		return NULL;
	}
	if (wl->nfile > 0)
		wk_ck_resolve(w, wl, rc == STORE_OK ? data : NULL, len);
	if (rc == STORE_ABSENT) {
		*absent = true;
		l = todolist_new();
	}
	else if (store_parse(w->arena, data, len, w->max_file, &l, &why) !=
	    STORE_OK)
		lograte_warn(&corrupt_rate, 0, "%s: not a list file (%s): left "
		    "alone; its changes stay in the journal", file, why);
	etf_arena_reset(w->arena);
	free(data);
	if (l == NULL)
		return NULL;
	TAILQ_FOREACH(rec, &wl->recs, entry)
		if (wk_replay(w, l, rec, false, &odd) == -1) {
			lograte_warn(&build_rate, 0, "checkpoint of %s: out of "
			    "memory", file);
			todolist_free(l);
			return NULL;
		}
	if (odd > 0)
		log_info("checkpoint of %s: %zu journaled ops were in its "
		    "file already", file, odd);
	return l;
}

/* Fold a list's journaled ops into a streamed checkpoint.  0 or -1. */
static int
wk_ck_fold(struct worker *w, struct wlist *wl, struct ckstream *ck)
{
	const struct etf_term *t;
	const struct wrec *rec;
	struct listop *op;
	size_t i;
	int rc = 0;

	TAILQ_FOREACH(rec, &wl->recs, entry) {
		if (rec->kind != JOURNAL_OPS)
			continue;
		if (etf_decode(w->arena, rec->ops, rec->len, rec->len, &t) !=
		    ETF_OK || t->type != ETF_LIST)
			rc = -1;
		for (i = 0; rc == 0 && i < t->seq.n; i++) {
			if ((op = listop_from_term(&t->seq.v[i])) == NULL) {
				rc = -1;
				break;
			}
			rc = ckstream_op(ck, op);
			listop_free(op);
		}
		etf_arena_reset(w->arena);
		if (rc == -1)
			return -1;
	}
	return 0;
}

/* The bytes of a list's journaled ops. */
static size_t
wk_ck_ops_bytes(const struct wlist *wl)
{
	const struct wrec *rec;
	size_t n = 0;

	TAILQ_FOREACH(rec, &wl->recs, entry)
		n += rec->len;
	return n;
}

/*
 * The checkpoint of a large list, streamed (ckstream.h): 0 (c->write),
 * -1 (failed, logged), or 1: checkpoint it the plain way (a small list
 * with few changes, a compressed file, FILE records to resolve, or ids
 * that do not ascend; the plain way also reports what cannot be read).
 */
static int
wk_ck_stream(struct worker *w, struct wck *c, const char *file)
{
	struct wlist *wl = c->wl;
	struct ckstream *ck;
	const char *why = NULL;
	size_t size = 0, ops;
	int fd, rc;

	if (wl->nfile > 0)
		return 1;
	/* Checked as the plain way checks it (a symbolic link in its
	 * place is not followed, nor is what is not a regular file read),
	 * which also reports what cannot be read. */
	switch (store_open_read(w->cfg.dirfd, wl->name, wl->namelen,
	    w->max_file, &fd, &size)) {
	case STORE_OK:
		break;
	case STORE_ABSENT:
		c->absent = true;	/* the plain way need not look again */
		break;
	default:
		return 1;
	}
	/* A list, or its changes, large enough to be worth it. */
	ops = wk_ck_ops_bytes(wl);
	if (size + ops < (size_t)WORKER_CKSTREAM_MIN) {
		if (fd != -1)
			close(fd);
		return 1;
	}
	if ((ck = ckstream_new()) == NULL || wk_ck_fold(w, wl, ck) == -1) {
		ckstream_free(ck);
		if (fd != -1)
			close(fd);
		return 1;
	}
	rc = ckstream_run(ck, fd, w->cfg.dirfd, w->tag, wl->name,
	    wl->namelen, w->max_file, &c->tmp, &c->fcrc, &why);
	if (fd != -1)
		close(fd);
	ckstream_free(ck);
	switch (rc) {
	case CKSTREAM_OK:
		c->flen = c->tmp.len;
		c->write = true;
		return 0;
	case CKSTREAM_FALLBACK:
		return 1;
	case CKSTREAM_CORRUPT:
		lograte_warn(&corrupt_rate, 0, "%s: not a list file (%s): left "
		    "alone; its changes stay in the journal", file, why);
		return -1;
	default:
		lograte_warn(&write_rate, errno, "checkpoint of %s", file);
		return -1;
	}
}

/* Write a list's temporary file (c->write), or find nothing to do. */
static int
wk_ck_prepare(struct worker *w, struct wck *c)
{
	char file[NAME_FILE_BUFSZ];
	struct wlist *wl = c->wl;
	struct todo_list *l;
	struct etf_buf b;
	int rc;

	c->tmp.fd = -1;
	wk_file_name(wl, file, sizeof(file));
	if ((rc = wk_ck_stream(w, c, file)) != 1)
		return rc;
	if ((l = wk_ck_build(w, wl, file, &c->absent)) == NULL)
		return -1;
	if (wl->nrecs == 0) {		/* all of it was in the file */
		todolist_free(l);
		return 0;
	}
	etf_buf_init(&b);
	listfile_encode(&b, l);
	todolist_free(l);
	if (b.oom || b.len > w->max_file) {
		etf_buf_free(&b);
		/* A file too big to read back is not written: the changes
		 * stay in the journal. */
		lograte_warn(&build_rate, 0, "checkpoint of %s: %s", file,
		    b.oom ? "out of memory" : "the list is larger than a file "
		    "may be");
		return -1;
	}
	c->flen = b.len;
	c->fcrc = (uint32_t)crc32_z(0L, b.p, b.len);
	/* A new list's file is made unnamed and linked in place (store.h). */
	rc = (c->absent ? store_prepare_new : store_prepare)(w->cfg.dirfd,
	    w->tag, wl->name, wl->namelen, b.p, b.len, &c->tmp);
	if (rc == -1)
		lograte_warn(&write_rate, errno, "checkpoint of %s", file);
	etf_buf_free(&b);
	c->write = rc == 0;
	return rc;
}

/* ------------------------------------------------------------------ */
/* A batch */

/* The journal records, then one sync; 0 or -1 (then abort them all). */
static int
wk_ck_sync(struct worker *w, struct wck *cs, size_t n, size_t nfiles)
{
	size_t i;

	if (w->jbuf.oom) {
		errno = ENOMEM;
		goto fail;
	}
	if (journal_write(w->jn, w->jbuf.p, w->jbuf.len) == -1)
		goto fail;
	w->ctr->bytes += w->jbuf.len;
	w->ctr->journal_bytes += w->jbuf.len;
	store_fault_hold_in_kernel("TODOD_FAULT_CKPT_SYNC_HOLD_FILE");
	if (w->cfg.sync && wk_use_syncfs(nfiles)) {
		w->ctr->fsyncs++;
		if (store_syncfs(w->cfg.dirfd) == 0) {
			journal_synced(w->jn);
			return 0;
		}
		log_warn("syncfs");
	}
	for (i = 0; w->cfg.sync && i < n; i++) {
		if (!cs[i].write)
			continue;
		w->ctr->fsyncs++;
		if (store_sync_tmp(&cs[i].tmp) == -1)
			goto fail;
	}
	if (journal_sync(w->jn) == 0)
		return 0;
fail:
	if (journal_state(w->jn) == JOURNAL_BROKEN)
		fatalx("the journal cannot be cut back after a failure");
	lograte_warn(&sync_rate, errno, "checkpoint of %zu lists", nfiles);
	for (i = 0; i < n; i++)
		if (cs[i].write) {
			store_abort(w->cfg.dirfd, &cs[i].tmp);
			cs[i].write = false;
			cs[i].failed = true;
		}
	return -1;
}

/* Rename the files into place and sync the directory. */
static void
wk_ck_rename(struct worker *w, struct wck *cs, size_t n)
{
	size_t i, renamed = 0;

	for (i = 0; i < n; i++) {
		if (!cs[i].write)
			continue;
		if (store_commit(w->cfg.dirfd, &cs[i].tmp) == -1) {
			lograte_warn(&write_rate, errno, "checkpoint of %s: "
			    "cannot put the file in place", cs[i].tmp.file);
			cs[i].write = false;
			cs[i].failed = true;
		} else
			renamed++;
	}
	if (!w->cfg.sync || renamed == 0)
		return;
	if (wk_sync_dir(w) == 0)
		return;
	/* In place, maybe not durably: keep the ops (a replay is a no-op),
	 * and the generations that hold them (wk_gens_trim). */
	log_warn("fsync of the data directory");
	for (i = 0; i < n; i++)
		if (cs[i].write) {
			cs[i].write = false;
			cs[i].failed = true;
		}
}

/*
 * Checkpoint v[0..n), or the first of them whose files make *budget
 * bytes (one at least); a list that fails is marked (wl->failed).
 * Returns how many were done.
 */
static size_t
wk_ck_batch(struct worker *w, struct wlist **v, size_t n, size_t *budget)
{
	struct wck *cs;
	size_t i, nfiles = 0;

	if ((cs = calloc(n, sizeof(*cs))) == NULL) {
		for (i = 0; i < n; i++)
			v[i]->failed = true;
		return n;
	}
	etf_buf_reset(&w->jbuf);
	for (i = 0; i < n; i++) {
		if (*budget == 0) {
			n = i;
			break;
		}
		cs[i].wl = v[i];
		if (wk_ck_prepare(w, &cs[i]) == -1)
			cs[i].failed = true;
		w->ctr->ticks++;
		store_fault_sleep("TODOD_FAULT_CKPT_DELAY_MS");
		store_fault_hold("TODOD_FAULT_CKPT_HOLD_FILE");
		if (!cs[i].write)
			continue;
		nfiles++;
		*budget -= cs[i].flen < *budget ? cs[i].flen : *budget;
		journal_put_file(&w->jbuf, v[i]->name, v[i]->namelen,
		    v[i]->has_seq ? v[i]->seq : 0, cs[i].flen, cs[i].fcrc);
	}
	if (nfiles > 0 && wk_ck_sync(w, cs, n, nfiles) == 0)
		wk_ck_rename(w, cs, n);
	for (i = 0; i < n; i++) {
		v[i]->failed = cs[i].failed;
		if (cs[i].failed) {
			w->ctr->errors++;
			continue;
		}
		wk_recs_clear(w, v[i]);
		if (!cs[i].write)
			continue;
		v[i]->has_file = true;
		v[i]->last_gen = wk_gen_current(w);
		w->ctr->stores++;
		w->ctr->checkpoints++;
		w->ctr->bytes += cs[i].flen;
	}
	free(cs);
	return n;
}

/* Journal the records of the failed lists of v again, in the current
 * generation (those with records in an older one).  0 or -1. */
static int
wk_carry(struct worker *w, struct wlist **v, size_t n)
{
	uint64_t gen = wk_gen_current(w);
	const struct wrec *rec;
	struct wrec *r;
	size_t i, count = 0;

	etf_buf_reset(&w->jbuf);
	for (i = 0; i < n; i++) {
		if (!v[i]->failed || v[i]->first_gen == gen ||
		    v[i]->nrecs == 0)
			continue;
		count++;
		TAILQ_FOREACH(rec, &v[i]->recs, entry)
			if (rec->kind == JOURNAL_OPS)
				journal_put_rec(&w->jbuf, v[i]->name,
				    v[i]->namelen, rec->seq, rec->ops + 1,
				    rec->len - 1);
			else if (rec->kind == JOURNAL_FILE)
				journal_put_file(&w->jbuf, v[i]->name,
				    v[i]->namelen, rec->seq, rec->flen,
				    rec->fcrc);
		/* Then the Seq as it is now: the records' own are older,
		 * and a get since may have forgotten it (0), which a
		 * recovery must not undo. */
		journal_put_seq(&w->jbuf, v[i]->name, v[i]->namelen,
		    v[i]->has_seq ? v[i]->seq : 0);
	}
	if (count == 0)
		return 0;
	if (w->jbuf.oom || journal_write(w->jn, w->jbuf.p, w->jbuf.len) ==
	    -1 || journal_sync(w->jn) == -1) {
		if (journal_state(w->jn) == JOURNAL_BROKEN)
			fatalx("the journal cannot be cut back after a "
			    "failure");
		lograte_warn(&carry_rate, errno, "cannot carry the changes "
		    "of %zu lists forward", count);
		wk_buf_done(&w->jbuf);
		return -1;
	}
	w->ctr->bytes += w->jbuf.len;
	w->ctr->journal_bytes += w->jbuf.len;
	w->carried += w->jbuf.len;
	wk_buf_done(&w->jbuf);
	for (i = 0; i < n; i++) {
		if (!v[i]->failed || v[i]->first_gen == gen ||
		    v[i]->nrecs == 0)
			continue;
		TAILQ_FOREACH(r, &v[i]->recs, entry)
			r->gen = gen;
		v[i]->last_gen = gen;
		wk_list_refirst(w, v[i]);
	}
	lograte_warn(&carried_rate, 0, "%zu lists could not be checkpointed: "
	    "their changes are carried to journal generation %" PRIu64, count,
	    gen);
	return 0;
}

/*
 * Checkpoint v[0..n) in batches, or the first of them whose files make
 * budget bytes; carry what fails.  *done: how many were.  0, or -1 if
 * some list could not be carried either.
 */
static int
wk_ck_lists(struct worker *w, struct wlist **v, size_t n, size_t budget,
    size_t *done)
{
	size_t i, k;

	*done = 0;
	if (w->jn == NULL)
		return -1;
	if (journal_state(w->jn) != JOURNAL_USABLE)
		wk_rotate(w);
	for (i = 0; i < n && budget > 0; i += k) {
		k = n - i < WORKER_CKPT_BATCH ? n - i : WORKER_CKPT_BATCH;
		k = wk_ck_batch(w, v + i, k, &budget);
	}
	*done = i;
	return wk_carry(w, v, i);
}

/* Up to max lists queued on generations before the current one (all
 * generations if all), oldest first: a malloc'ed array of *n. */
static struct wlist **
wk_ck_collect(struct worker *w, size_t max, bool all, size_t *n)
{
	struct wlist **v, *wl;
	struct wgen *g, *cur = TAILQ_LAST(&w->gens, wgens);
	size_t total = 0;

	*n = 0;
	TAILQ_FOREACH(g, &w->gens, entry)
		total += g->nlists;
	if (total > max)
		total = max;
	if (total == 0 || (v = calloc(total, sizeof(*v))) == NULL)
		return NULL;
	TAILQ_FOREACH(g, &w->gens, entry) {
		if (g == cur && !all)
			break;
		TAILQ_FOREACH(wl, &g->lists, gq) {
			if (*n == total)
				return v;
			v[(*n)++] = wl;
		}
	}
	return v;
}

/* ------------------------------------------------------------------ */
/* Old generations, a few lists per pass */

static void
wk_drain_after(struct worker *w, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (w->drain_ev != NULL)
		event_add_or_exit(w->drain_ev, &tv);
}

static void
wk_drain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct wlist **v;
	size_t n, old;
	int rc = 0;

	if (w->ngens < 2)
		return;
	old = w->ngens - 1;
	v = wk_ck_collect(w, w->cfg.ckpt_pass * old, false, &n);
	if (v != NULL) {
		rc = wk_ck_lists(w, v, n, WORKER_CKPT_BYTES * old, &n);
		free(v);
	}
	if (wk_gens_trim(w) == -1 && n == 0)
		/* Nothing left to write, a generation left to remove. */
		wk_drain_after(w, WORKER_TRIM_RETRY_MS);
	else if (rc == -1 && w->ngens > 1)
		wk_drain_after(w, 1000);	/* and carrying failed */
	else
		wk_drain_schedule(w);
}

int
wk_drain_init(struct worker *w)
{
	w->drain_ev = evtimer_new(w->base, wk_drain_cb, w);
	return w->drain_ev != NULL ? 0 : -1;
}

void
wk_drain_schedule(struct worker *w)
{
	if (w->ngens > 1)
		wk_drain_after(w, w->ngens > 2 ? 0 : WORKER_CKPT_GAP_MS);
}

/* How many lists have changes that are in the journal only. */
size_t
wk_lists_journaled(const struct worker *w)
{
	const struct wgen *g;
	size_t n = 0;

	TAILQ_FOREACH(g, &w->gens, entry)
		n += g->nlists;
	return n;
}

/* Everything; the current generation is new if the last had records. */
int
wk_checkpoint_all(struct worker *w, bool final)
{
	struct wlist **v;
	struct wgen *g;
	size_t n, left;

	if (w->jn == NULL)
		return 0;
	if (journal_size(w->jn) > 0 ||
	    journal_state(w->jn) != JOURNAL_USABLE)
		wk_rotate(w);
	if ((v = wk_ck_collect(w, SIZE_MAX, true, &n)) != NULL) {
		wk_ck_lists(w, v, n, SIZE_MAX, &n);
		free(v);
	}
	w->trim_after_ms = 0;		/* asked for: tried now */
	wk_gens_trim(w);
	if ((left = wk_lists_journaled(w)) > 0) {
		log_warnx("%zu lists keep their changes in the journal", left);
		return -1;
	}
	if (final && w->ngens > 1) {
		/* An older generation could not be removed (logged): the
		 * files are current, but the current generation stays too,
		 * else the older one would be replayed alone at the next
		 * start, over files that hold later changes.  Replayed
		 * together, in order, they change nothing. */
		log_warnx("list files written; the journal stays, since an "
		    "older one could not be removed");
		return 0;
	}
	if (final && w->dir_unsynced && wk_sync_dir(w) == -1) {
		/* The removal of an older generation is not known durable:
		 * removing the current one could leave that one alone at
		 * the next start, as above. */
		log_warn("list files written; the journal stays, since the "
		    "data directory cannot be synced");
		return 0;
	}
	if (final) {
		/* Its removal made durable too: a journal back after a
		 * power loss would be replayed for nothing (the files hold
		 * its changes), and would refuse a next start with fewer
		 * workers than its index needs. */
		if (journal_close_remove(w->jn) == -1)
			log_warn("cannot remove the journal");
		else if (w->cfg.sync && wk_sync_dir(w) == -1)
			log_warn("cannot sync the data directory");
		w->jn = NULL;
		while ((g = TAILQ_FIRST(&w->gens)) != NULL) {
			TAILQ_REMOVE(&w->gens, g, entry);
			free(g);
		}
		w->ngens = 0;
		w->ctr->journal_files = 0;
	}
	return 0;
}

/*
 * Write the file of every list that has none yet: the first change of a
 * new list is journaled, and its file comes with the next checkpoint or
 * here, when a client asks for the lists (the directory names them).
 */
int
wk_checkpoint_new(struct worker *w)
{
	char file[NAME_FILE_BUFSZ];
	struct wlist **v, *wl;
	struct wgen *g;
	struct stat st;
	size_t n = 0, total = 0;
	int rc = 0;

	TAILQ_FOREACH(g, &w->gens, entry)
		total += g->nlists;
	if (total == 0 || w->jn == NULL)
		return 0;
	if ((v = calloc(total, sizeof(*v))) == NULL)
		return -1;
	TAILQ_FOREACH(g, &w->gens, entry)
		TAILQ_FOREACH(wl, &g->lists, gq) {
			if (wl->has_file || n == total)
				continue;
			wk_file_name(wl, file, sizeof(file));
			if (fstatat(w->cfg.dirfd, file, &st,
			    AT_SYMLINK_NOFOLLOW) == 0)
				wl->has_file = true;
			else if (errno == ENOENT)
				v[n++] = wl;
		}
	if (n > 0)
		rc = wk_ck_lists(w, v, n, SIZE_MAX, &n);
	free(v);
	return rc;
}

size_t
wk_checkpoint_old(struct worker *w)
{
	struct wlist **v;
	size_t n = 0;

	if ((v = wk_ck_collect(w, SIZE_MAX, false, &n)) != NULL) {
		wk_ck_lists(w, v, n, SIZE_MAX, &n);
		free(v);
	}
	return n;
}
