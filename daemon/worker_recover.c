/*
 * worker_recover.c: the recovery of a database worker's journal at start.
 *
 * The generations on disk are read in order into each list's records
 * (its ops, and the FILE records of its checkpoints and stores); then
 * every list of the old generations is checkpointed (worker_ckpt.c):
 * only the ops after the newest FILE record that matches the list's
 * file are applied to it.  The last Seq of each list is journaled in
 * the new generation, so that a second restart still knows it.  A
 * journal whose lists' files could not be written and that other
 * workers would serve under this --workers is refused.
 */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "etf.h"
#include "journal.h"
#include "listops.h"
#include "log.h"
#include "names.h"
#include "worker.h"
#include "worker_int.h"

struct wk_recovery {
	struct worker	*w;
	size_t		 records;
	size_t		 skipped;
};

/* The ops of a record, checked, as we keep them. */
static struct wrec *
wk_recover_ops(struct worker *w, const struct journal_rec *jr)
{
	const struct etf_term *ops = jr->ops;
	struct listop *op;
	size_t i;

	if (ops->seq.n > UINT32_MAX)
		return NULL;
	etf_buf_reset(&w->jbuf);
	etf_put_version(&w->jbuf);
	etf_put_list(&w->jbuf, (uint32_t)ops->seq.n);
	for (i = 0; i < ops->seq.n; i++) {
		if ((op = listop_from_term(&ops->seq.v[i])) == NULL)
			return NULL;
		listop_put(&w->jbuf, op);
		listop_free(op);
	}
	etf_put_nil(&w->jbuf);
	if (w->jbuf.oom)
		return NULL;
	return wk_rec_new(jr->gen, jr->seq, w->jbuf.p, w->jbuf.len,
	    (uint32_t)ops->seq.n);
}

static int
wk_recover_rec(void *arg, const struct journal_rec *jr)
{
	struct wk_recovery *rv = arg;
	struct worker *w = rv->w;
	struct wlist *wl;
	struct wrec *rec;

	if ((wl = wk_list_get(w, jr->name, jr->namelen)) == NULL)
		return -1;
	rv->records++;
	/* A FILE record is journaled before its file is renamed into
	 * place: its Seq is not known to be written (a resent store is
	 * written again, the same). */
	if (jr->kind != JOURNAL_FILE) {
		wl->seq = jr->seq;
		wl->has_seq = jr->seq > 0;
	}
	wl->last_gen = jr->gen;
	if (jr->kind == JOURNAL_SEQ ||
	    (jr->kind == JOURNAL_FILE && wl->nrecs == 0))
		return 0;
	if (jr->kind == JOURNAL_FILE) {
		if ((rec = wk_rec_new(jr->gen, jr->seq, NULL, 0, 0)) == NULL)
			return -1;
		rec->kind = JOURNAL_FILE;
		rec->flen = jr->flen;
		rec->fcrc = jr->fcrc;
	} else if ((rec = wk_recover_ops(w, jr)) == NULL) {
		log_warnx("journal generation %" PRIu64 ", offset %" PRIu64
		    ": a record with an invalid op: ignored", jr->gen,
		    jr->off);
		rv->skipped++;
		return 0;
	}
	wk_rec_add(w, wl, rec);
	return 0;
}

/* Journal the last Seq of every list that has one (in the current
 * generation), so a second restart still knows them. */
static void
wk_recover_seqs(struct worker *w)
{
	struct wlist *wl;

	etf_buf_reset(&w->jbuf);
	TAILQ_FOREACH(wl, &w->lru, lru)
		if (wl->has_seq) {
			journal_put_seq(&w->jbuf, wl->name, wl->namelen,
			    wl->seq);
			wl->last_gen = wk_gen_current(w);
		}
	if (w->jbuf.len == 0)
		return;
	if (w->jbuf.oom || journal_write(w->jn, w->jbuf.p, w->jbuf.len) ==
	    -1 || journal_sync(w->jn) == -1) {
		log_warn("cannot journal the last Seq of the lists");
		return;
	}
	w->ctr->journal_bytes += w->jbuf.len;
	w->ctr->bytes += w->jbuf.len;
}

/*
 * Make a generation left by an earlier life of this worker durable
 * before it is replayed.  That worker may have died between the write of
 * a round and its fdatasync: its records would be in memory only, yet
 * taken as journaled (their Seq answered as stored when their list
 * server sends them again), and lost by a power cut after.  0, or -1
 * (logged).
 */
static int
wk_sync_gen(struct worker *w, const char *file)
{
	int fd, rc;

	if (!w->cfg.sync)
		return 0;
	if ((fd = openat(w->cfg.dirfd, file, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW | O_NONBLOCK)) == -1) {
		log_warn("cannot open the journal %s", file);
		return -1;
	}
	if ((rc = fsync(fd)) == -1)
		log_warn("cannot sync the journal %s", file);
	else
		w->ctr->fsyncs++;
	close(fd);
	return rc;
}

/* Read the generations on disk into memory; the next generation. */
static int
wk_recover_read(struct worker *w, struct wk_recovery *rv, uint64_t *next)
{
	char file[JOURNAL_NAME_BUFSZ];
	uint64_t *gens, valid;
	size_t n, i;
	int rc = 0;

	*next = 1;
	if ((rc = journal_list(w->cfg.dirfd, w->cfg.index, &gens, &n)) ==
	    JOURNAL_NOT_FILE)
		return WK_REFUSED;
	if (rc == -1) {
		log_warn("cannot list the journal");
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		journal_file_name(file, sizeof(file), w->cfg.index, gens[i]);
		if (wk_gen_add(w, gens[i]) == NULL)
			rc = -1;
		else if (wk_sync_gen(w, file) == -1)
			rc = WK_REFUSED;
		else if (journal_read(w->cfg.dirfd, w->cfg.index, gens[i],
		    w->cfg.max_frame + 4096, w->arena, wk_recover_rec, rv,
		    &valid) != 0) {
			log_warn("cannot read the journal %s", file);
			rc = -1;
		}
		*next = gens[i] + 1;
	}
	/* No generation after the last there can be: refused, rather than
	 * wrap to generation 0 and lose the journal at the next start. */
	if (rc == 0 && n > 0 && gens[n - 1] == UINT64_MAX) {
		log_warnx("journal: generation %" PRIu64 " is the last there "
		    "can be", gens[n - 1]);
		rc = WK_REFUSED;
	}
	free(gens);
	return rc;
}

/*
 * Lists whose changes stay in the journal after recovery (their files
 * could not be written) that --workers now gives to another worker: it
 * changed since this journal was written.  That worker would serve them
 * from their old files, and this one later write those files over what
 * it stored.  Logged; how many.
 */
static size_t
wk_recover_foreign(const struct worker *w)
{
	const struct wgen *g;
	const struct wlist *wl, *first = NULL;
	char file[NAME_FILE_BUFSZ];
	size_t n = 0;

	if (w->cfg.nworkers <= 0)
		return 0;
	TAILQ_FOREACH(g, &w->gens, entry)
		TAILQ_FOREACH(wl, &g->lists, gq)
			if (worker_for_name(wl->name, wl->namelen,
			    w->cfg.nworkers) != w->cfg.index && n++ == 0)
				first = wl;
	if (n == 0)
		return 0;
	if (name_to_file(first->name, first->namelen, file,
	    sizeof(file)) == -1)
		snprintf(file, sizeof(file), "?");
	log_warnx("journal: %zu lists whose files could not be written "
	    "(%s first) belong to other workers with --workers %d: start "
	    "todod with the --workers this journal was written with until "
	    "their files can be written", n, file, w->cfg.nworkers);
	return n;
}

int
wk_recover(struct worker *w)
{
	struct wk_recovery rv = { w, 0, 0 };
	uint64_t next;
	size_t old, n = 0;
	char msg[160];
	int rc;

	if (wk_drain_init(w) == -1)
		return -1;
	if ((rc = wk_recover_read(w, &rv, &next)) != 0)
		return rc;
	old = w->ngens;
	w->jn = journal_create(w->cfg.dirfd, w->cfg.index, next, w->cfg.sync,
	    &w->ctr->fsyncs);
	if (w->jn == NULL || wk_gen_add(w, next) == NULL) {
		log_warn("cannot start the journal");
		return -1;
	}
	if (old == 0)
		return 0;
	n = wk_checkpoint_old(w);
	wk_recover_seqs(w);
	wk_gens_trim(w);
	snprintf(msg, sizeof(msg), "journal: %zu record%s of %zu file%s "
	    "recovered, %zu list%s brought up to date", rv.records,
	    rv.records == 1 ? "" : "s", old, old == 1 ? "" : "s", n,
	    n == 1 ? "" : "s");
	/* After an unclean stop every worker finds its journal; one with
	 * nothing in it has news only for debugging. */
	if (rv.records > 0 || n > 0)
		log_info("%s", msg);
	else
		log_debug("%s", msg);
	if ((n = wk_lists_journaled(w)) > 0)
		log_warnx("journal: %zu lists keep their changes in the "
		    "journal: their files could not be written", n);
	if (wk_recover_foreign(w) > 0)
		return WK_REFUSED;
	if (rv.skipped > 0)
		log_warnx("journal: %zu invalid records ignored", rv.skipped);
	return 0;
}
