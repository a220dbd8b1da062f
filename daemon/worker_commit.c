/*
 * worker_commit.c: a round of a database worker's queue, committed
 * together (group commit across lists):
 *
 *   1. plan, in queue order: an append or store whose Seq is not above
 *      the last one written for its list is acknowledged and not written
 *      (a copy of one planned in this round waits for the next, which
 *      knows whether that one was written); every
 *      other append is journaled, the first change of a new list too
 *      (its file is written at the next checkpoint, or when a client
 *      asks for the lists: worker_sync_new()); a round ends before a
 *      second file of one list, at WORKER_BATCH_MAX files, or at
 *      WORKER_ROUND_BYTES of journal;
 *   2. the temporary files (stores) are written;
 *   3. the journal records of the round, in queue order, are written
 *      with one write: the appends' ops, a FILE record for each store of
 *      a list that has records in the journal (so that recovery does not
 *      replay older ops on the stored file) and a Seq record of 0 for
 *      each get of such a list (recovery must not keep a Seq forgotten;
 *      not synced for its own sake);
 *   4. with sync: one syncfs if the round has WORKER_SYNCFS_MIN files or
 *      more (it covers the journal too) and the kernel's syncfs reports
 *      write-back errors (wk_use_syncfs), else an fsync per file and one
 *      fdatasync of the journal;
 *   5. the files are renamed into place and the directory synced once;
 *   6. what was written is recorded in memory, in queue order.
 *
 * If the journal write or its sync fails, every append of the round and
 * every store that needed a FILE record fails, and the journal is cut
 * back (journal.h) so that nothing of the round is ever replayed: the
 * list servers undo what failed.  A journal that cannot be cut back or
 * sealed is fatal: the worker exits without answering, and the list
 * servers resend to its successor, which recovers the journal first.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "etf.h"
#include "journal.h"
#include "log.h"
#include "lograte.h"
#include "names.h"
#include "store.h"
#include "worker.h"
#include "worker_int.h"

/* The list's state as this round sees it. */
static void
wc_round_init(struct worker *w, struct wlist *wl)
{
	if (wl->round == w->round)
		return;
	wl->round = w->round;
	wl->rseq = wl->seq;
	wl->rhas = wl->has_seq;
	wl->rfresh = false;
	wl->rstore = false;
	wl->rappend = false;
}

static void
wc_fail(struct worker *w, struct wreq *r, int err)
{
	r->err = err != 0 ? err : EIO;
	r->write = false;
	w->ctr->errors++;
}

/* Does r write a file? */
static bool
wc_has_file(const struct wreq *r)
{
	return r->write && r->type == WREQ_STORE;
}

/* Choose the round starting at from; the first request of the next. */
static struct wreq *
wc_plan(struct worker *w, struct wreq *from)
{
	struct wreq *r;
	struct wlist *wl;
	size_t nfiles = 0, jbytes = 0;

	w->round++;
	for (r = from; r != NULL; r = TAILQ_NEXT(r, entry)) {
		r->write = r->marker = false;
		r->err = 0;
		wl = r->type == WREQ_GET ?
		    wk_list_find(w, r->name, r->namelen) :
		    wk_list_get(w, r->name, r->namelen);
		if ((r->wl = wl) == NULL) {
			if (r->type != WREQ_GET)
				wc_fail(w, r, ENOMEM);
			continue;
		}
		wc_round_init(w, wl);
		if (r->type == WREQ_GET) {
			/* Journal that the Seq is forgotten, if it matters. */
			r->write = wl->rhas && (wk_list_live(w, wl) ||
			    wl->rappend);
			wl->rhas = false;
			wl->rfresh = false;
			continue;
		}
		/* Resent after it was written: acknowledged, not written.
		 * Resent within this round: in the next, which knows
		 * whether the first was written (if it fails, so must the
		 * copy, or be written). */
		if (wl->rhas && r->seq <= wl->rseq) {
			if (!wl->rfresh)
				continue;
			return r;
		}
		if (wl->rstore && r != from)
			return r;	/* after its file: the next round */
		if (r->type == WREQ_STORE) {
			if (r != from && nfiles == WORKER_BATCH_MAX)
				return r;
			wl->rstore = true;
			nfiles++;
			/* A FILE record, so that recovery does not replay
			 * older ops over it: those journaled before, and
			 * those of this round. */
			r->marker = wl->nrecs > 0 || wl->rappend ||
			    wk_list_live(w, wl);
		} else {
			if (r != from &&
			    jbytes + r->data.len > WORKER_ROUND_BYTES)
				return r;
			jbytes += r->data.len + 2 * NAME_MAX_BYTES;
			wl->rappend = true;
		}
		r->write = true;
		wl->rhas = true;
		wl->rfresh = true;
		wl->rseq = r->seq;
	}
	return NULL;
}

/* Write the temporary files; how many there are. */
static size_t
wc_prepare(struct worker *w, struct wreq *from, struct wreq *end)
{
	struct wreq *r;
	size_t n = 0;

	for (r = from; r != end; r = TAILQ_NEXT(r, entry)) {
		if (r->type == WREQ_APPEND && r->write) {
			/* Held now, so that memory cannot fail later. */
			r->rec = wk_rec_new(0, r->seq, r->data.p, r->data.len,
			    r->nops);
			if (r->rec == NULL)
				wc_fail(w, r, ENOMEM);
		}
		if (!wc_has_file(r))
			continue;
		if (r->data.len > w->max_file) {
			/* It could never be read back. */
			log_warnx("store of a list of %zu bytes refused: the "
			    "limit is %zu", r->data.len, w->max_file);
			wc_fail(w, r, EFBIG);
			continue;
		}
		if (store_prepare(w->cfg.dirfd, w->tag, r->name, r->namelen,
		    r->data.p, r->data.len, &r->tmp) == -1) {
			log_warn("store of %s failed", r->tmp.file[0] != '\0' ?
			    r->tmp.file : "a list");
			wc_fail(w, r, errno);
		} else
			n++;
	}
	return n;
}

/* The round's journal records, in queue order, into w->jbuf. */
static void
wc_records(struct worker *w, struct wreq *from, struct wreq *end)
{
	struct wreq *r;
	uint32_t crc;

	etf_buf_reset(&w->jbuf);
	for (r = from; r != end; r = TAILQ_NEXT(r, entry)) {
		if (!r->write)
			continue;
		switch (r->type) {
		case WREQ_GET:
			journal_put_seq(&w->jbuf, r->name, r->namelen, 0);
			break;
		case WREQ_APPEND:
			journal_put_rec(&w->jbuf, r->name, r->namelen, r->seq,
			    r->data.p + 1, r->data.len - 1);
			break;
		case WREQ_STORE:
			if (!r->marker)
				break;
			crc = (uint32_t)crc32_z(0L, r->data.p, r->data.len);
			journal_put_file(&w->jbuf, r->name, r->namelen,
			    r->seq, r->data.len, crc);
			break;
		}
	}
}

/* Does r fail with the journal? */
static bool
wc_needs_journal(const struct wreq *r)
{
	return r->write && (r->type == WREQ_APPEND ||
	    (r->type == WREQ_STORE && r->marker));
}

static void
wc_journal_failed(struct worker *w, struct wreq *from, struct wreq *end,
    int err)
{
	static struct lograte rate;	/* a full disk fails every round */
	struct wreq *r;

	if (w->jn != NULL && journal_state(w->jn) == JOURNAL_BROKEN)
		fatalx("the journal cannot be cut back after a failure: "
		    "exiting without answering");
	/* The cause in the text (not as err): the count of lines held
	 * back goes after it, as it always has. */
	lograte_warn(&rate, 0, "journal write failed: %s", strerror(err));
	for (r = from; r != end; r = TAILQ_NEXT(r, entry)) {
		if (r->type == WREQ_GET)
			r->write = false;
		if (!wc_needs_journal(r))
			continue;
		if (wc_has_file(r))
			store_abort(w->cfg.dirfd, &r->tmp);
		wc_fail(w, r, err);
	}
}

/*
 * The journal holds the round's records: synced (unless synced is, by a
 * syncfs that covered it) and still in the data directory (synced into
 * one removed with it, a change is on no disk a start reads).  0 or an
 * errno.
 */
static int
wc_journal_durable(struct worker *w, bool synced)
{
	if (synced)
		journal_synced(w->jn);
	else if (journal_sync(w->jn) == -1)
		return errno;
	return journal_linked(w->jn) ? 0 : ENOENT;
}

/*
 * Write and sync the journal and the files; 0, or errno of the journal
 * (the files are synced all the same).  A round without appends or FILE
 * records (gets) writes its Seq records without a sync: they need none
 * of their own, and the next synced write covers them.
 */
static int
wc_write_sync(struct worker *w, struct wreq *from, struct wreq *end,
    size_t nfiles)
{
	struct wreq *r;
	bool jn = w->jbuf.len > 0, acked = false;
	int jerr = 0;

	for (r = from; r != end && !acked; r = TAILQ_NEXT(r, entry))
		acked = wc_needs_journal(r);
	if (w->jbuf.oom)
		jerr = ENOMEM;
	else if (jn && w->jn == NULL)
		jerr = EIO;		/* no journal could be started */
	else if (jn && journal_write(w->jn, w->jbuf.p, w->jbuf.len) == -1)
		jerr = errno;
	if (jerr != 0 || !acked)
		jn = false;
	if (!w->cfg.sync)
		return jn ? wc_journal_durable(w, false) : jerr;
	if (wk_use_syncfs(nfiles)) {
		w->ctr->fsyncs++;
		if (store_syncfs(w->cfg.dirfd) == 0)
			return jn ? wc_journal_durable(w, true) : jerr;
		log_warn("syncfs");
	}
	for (r = from; r != end && nfiles > 0; r = TAILQ_NEXT(r, entry)) {
		if (!wc_has_file(r))
			continue;
		w->ctr->fsyncs++;
		if (store_sync_tmp(&r->tmp) == -1) {
			log_warn("fsync of %s", r->tmp.file);
			wc_fail(w, r, errno);
			store_abort(w->cfg.dirfd, &r->tmp);
		}
	}
	return jn ? wc_journal_durable(w, false) : jerr;
}

/* Rename the files into place and sync the directory. */
static void
wc_rename(struct worker *w, struct wreq *from, struct wreq *end)
{
	struct wreq *r;
	size_t renamed = 0;
	int err;

	for (r = from; r != end; r = TAILQ_NEXT(r, entry)) {
		if (!wc_has_file(r))
			continue;
		if (store_commit(w->cfg.dirfd, &r->tmp) == -1) {
			log_warn("rename of %s", r->tmp.file);
			wc_fail(w, r, errno);
		} else
			renamed++;
	}
	if (!w->cfg.sync || renamed == 0)
		return;
	if (wk_sync_dir(w) == 0)
		return;
	/* Renamed, but not known to be durable: refuse.  The files are the
	 * lists now all the same, so what the worker holds follows them
	 * (wc_apply: the records they replace go): r->write stays.  A crash
	 * may yet undo a rename: the journal generations that hold what the
	 * file replaced stay until a directory sync succeeds. */
	err = errno;
	log_warn("fsync of the data directory");
	for (r = from; r != end; r = TAILQ_NEXT(r, entry))
		if (wc_has_file(r)) {
			r->err = err != 0 ? err : EIO;
			w->ctr->errors++;
		}
}

/* Record in memory what the round wrote, in queue order. */
static void
wc_apply(struct worker *w, struct wreq *from, struct wreq *end)
{
	uint64_t gen = wk_gen_current(w);
	struct wlist *wl;
	struct wreq *r;

	for (r = from; r != end; r = TAILQ_NEXT(r, entry)) {
		if ((wl = r->wl) == NULL)
			continue;
		if (r->type == WREQ_GET) {
			wl->has_seq = false;
			if (r->write)
				wl->last_gen = gen;
			continue;
		}
		if (!r->write)
			continue;
		wl->seq = r->seq;
		wl->has_seq = true;
		w->ctr->stores++;
		if (r->type == WREQ_APPEND) {
			r->rec->gen = gen;
			wk_rec_add(w, wl, r->rec);
			r->rec = NULL;
			continue;
		}
		w->ctr->bytes += r->data.len;
		wl->has_file = true;
		/* The stored list holds every change journaled before it
		 * (the list server loaded them, or made them), whatever
		 * their Seq: a get forgets the Seq, and the next server
		 * numbers its changes anew. */
		if (r->type == WREQ_STORE)
			wk_recs_clear(w, wl);
		if (r->marker)
			wl->last_gen = gen;
	}
}

struct wreq *
worker_commit(struct worker *w, struct wreq *from)
{
	struct wreq *end;
	size_t nfiles;
	int err;

	/* A new generation between rounds, if this one is full. */
	if (w->jn == NULL || journal_state(w->jn) != JOURNAL_USABLE ||
	    wk_journal_full(w))
		wk_rotate(w);
	end = wc_plan(w, from);
	nfiles = wc_prepare(w, from, end);
	wc_records(w, from, end);
	if ((err = wc_write_sync(w, from, end, nfiles)) != 0)
		wc_journal_failed(w, from, end, err);
	else if (w->jbuf.len > 0) {
		w->ctr->bytes += w->jbuf.len;
		w->ctr->journal_bytes += w->jbuf.len;
	}
	wc_rename(w, from, end);
	wc_apply(w, from, end);
	wk_buf_done(&w->jbuf);
	return end;
}
