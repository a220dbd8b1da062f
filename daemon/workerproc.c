/*
 * workerproc.c: a database worker process.  Its supervisor channel
 * brings {peer, Name, relink} +fd (a live list server's new link, after
 * this worker started again), {peer, Name} +fd (a new list server's link,
 * to be sent its list unasked), sync (checkpoint every
 * list, answered with synced, or sync_failed if some list keeps changes
 * in the journal), sync_new (write the file of every list that has
 * none yet, answered the same) and ping (answered pong); at its EOF the
 * worker checkpoints everything, removes its journal and exits.
 *
 * Syncs are paced: a checkpoint of every list rewrites the whole file of
 * each list changed since the last, so a client asking for sync after
 * sync would have the worker rewrite a large list for every change of
 * it, and its other lists wait.  A sync that comes within three times
 * the last sync's duration after it ended (5 s at most) waits for that
 * moment, and every sync and sync_new that came meanwhile is answered
 * by that one checkpoint, in order: sync checkpoints take at most about
 * a quarter of the worker's time, and a sync after a quiet while is not
 * delayed.  A checkpoint that begins after a sync arrived still covers
 * every change acknowledged before it.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "chan.h"
#include "etf.h"
#include "evadd.h"
#include "log.h"
#include "memtrim.h"
#include "options.h"
#include "proc.h"
#include "store.h"
#include "store_fault.h"
#include "worker.h"
#include "workerproc.h"

static struct worker *wp_worker;
static struct event_base *wp_base;

/* Sync pacing (above). */
#define WP_SYNC_PACE		3
#define WP_SYNC_GAP_MAX_MS	5000
static struct {
	struct event	*ev;		/* the sync waiting for its moment */
	int64_t		 next_ms;	/* none sooner (monotonic) */
	unsigned	 waiting;	/* syncs and sync_news answered then */
} wp_sync;

/* Send atom, or {atom, detail} if detail is not NULL. */
static void
wp_send(struct chan *c, const char *atom, const char *detail)
{
	struct etf_buf b;

	etf_buf_init(&b);
	etf_put_version(&b);
	if (detail != NULL)
		etf_put_tuple(&b, 2);
	etf_put_atom(&b, atom);
	if (detail != NULL)
		etf_put_atom(&b, detail);
	chan_send_or_exit(c, &b, -1);
	etf_buf_free(&b);
}

static int64_t
wp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Answer n sync messages of kind what (for the log) with the result of
 * one checkpoint: every list's (full) or the new lists' files. */
static void
wp_sync_run(struct chan *c, bool full, unsigned n, const char *what)
{
	int64_t start = wp_now_ms(), took, gap;
	int rc;

	rc = full ? worker_sync(wp_worker) : worker_sync_new(wp_worker);
	if (rc == -1)
		log_warnx("%s: some lists keep their changes in the journal "
		    "only", what);
	if (full) {
		took = wp_now_ms() - start;
		gap = took * WP_SYNC_PACE;
		wp_sync.next_ms = wp_now_ms() + (gap > WP_SYNC_GAP_MAX_MS ?
		    WP_SYNC_GAP_MAX_MS : gap);
	}
	if (n > 1)
		log_debug("sync: one checkpoint answers %u requests", n);
	while (n-- > 0)
		wp_send(c, rc == -1 ? "sync_failed" : "synced", NULL);
}

static void
wp_sync_due(evutil_socket_t fd, short ev, void *arg)
{
	unsigned n = wp_sync.waiting;

	wp_sync.waiting = 0;
	wp_sync_run(arg, true, n, "sync");
}

/* sync or sync_new: now, or with the paced sync that waits. */
static void
wp_sync_msg(struct chan *c, bool full)
{
	struct timeval tv;
	int64_t wait;

	if (wp_sync.waiting > 0) {
		/* Answered in order, by the paced checkpoint, which
		 * writes the new lists' files too. */
		wp_sync.waiting++;
		return;
	}
	wait = wp_sync.next_ms - wp_now_ms();
	if (!full || wait <= 0) {
		wp_sync_run(c, full, 1, full ? "sync" : "files of new lists");
		return;
	}
	if (wp_sync.ev == NULL && (wp_sync.ev = evtimer_new(wp_base,
	    wp_sync_due, c)) == NULL)
		fatalx("out of memory");
	tv.tv_sec = (time_t)(wait / 1000);
	tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
	event_add_or_exit(wp_sync.ev, &tv);
	wp_sync.waiting = 1;
}

static void
wp_sup_msg(struct chan *c, const struct etf_term *t, int fd, void *arg)
{
	if (etf_is_tuple(t, 3) && etf_is_atom(&t->seq.v[0], "peer") &&
	    fd != -1 && t->seq.v[1].type == ETF_BINARY &&
	    etf_is_atom(&t->seq.v[2], "relink")) {
		if (worker_add_peer_named(wp_worker, fd, t->seq.v[1].bin.p,
		    t->seq.v[1].bin.len) == -1)
			log_warnx("cannot serve a list server");
		return;
	}
	if (etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "peer") &&
	    fd != -1 && t->seq.v[1].type == ETF_BINARY) {
		if (worker_add_peer_get(wp_worker, fd, t->seq.v[1].bin.p,
		    t->seq.v[1].bin.len) == -1)
			log_warnx("cannot serve a new list server");
		return;
	}
	if (fd != -1)
		close(fd);
	/* The supervisor's watch (stallwatch.h): answered from the loop,
	 * so that a worker that does not run does not answer. */
	if (etf_is_atom(t, "ping")) {
		wp_send(c, "pong", NULL);
		return;
	}
	/* sync: the files are current; sync_new: every list with a
	 * change has a file (for lists).  Or it says not. */
	if (etf_is_atom(t, "sync") || etf_is_atom(t, "sync_new")) {
		wp_sync_msg(c, etf_is_atom(t, "sync"));
		return;
	}
	fatalx("unexpected message from the supervisor");
}

static void
wp_sup_closed(struct chan *c, void *arg)
{
	/*
	 * Every list server is gone (shutdown) or so is the supervisor:
	 * leave the list files current and no journal behind.
	 */
	if (worker_shutdown(wp_worker) == -1) {
		log_warnx("some lists keep their changes in the journal");
		exit(PROC_EXIT_JOURNAL_KEPT);
	}
	exit(0);
}

void
workerproc_main(const struct todod_config *cfg, int index)
{
	struct worker_config wc;
	struct event_base *base;
	struct chan *sup;

	log_setrole("worker[%d]", index);
	proc_title("todod: worker %d", index);
	memset(&wc, 0, sizeof(wc));
	wc.dirfd = 4;
	wc.index = index;
	wc.nworkers = cfg->workers;
	wc.sync = cfg->sync;
	wc.max_frame = PROC_MAX_MSG;
	memset(&proc_stats->workers[index].c, 0,
	    sizeof(proc_stats->workers[index].c));
	store_fault_sleep("TODOD_FAULT_WORKER_DELAY_MS");
	store_fault_hold("TODOD_FAULT_WORKER_HOLD_FILE");
	if ((base = proc_event_base()) == NULL || memtrim_init(base) == -1)
		fatalx("cannot start");
	wp_base = base;
	wp_worker = worker_new(base, &wc, &proc_stats->workers[index].c);
	if (wp_worker == NULL && worker_start_refused())
		exit(PROC_EXIT_REFUSED);
	if (wp_worker == NULL ||
	    (sup = chan_new(base, 3, PROC_MAX_MSG, wp_sup_msg, wp_sup_closed,
	    NULL)) == NULL)
		fatalx("cannot start");
	proc_stats->workers[index].pid = getpid();
	/* worker_new() recovered the journal: the files are current, or
	 * some are behind ({ready, behind}: a sync waiting for this worker
	 * fails). */
	wp_send(sup, "ready", worker_lists_behind(wp_worker) > 0 ? "behind" :
	    NULL);
	event_base_dispatch(base);
	exit(0);
}
