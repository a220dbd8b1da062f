/*
 * faultrun: the fault-injection run.
 *
 * Concurrent clients (32) do adds, updates, deletes and reads over many
 * lists (50), each keeping its own log of acknowledged changes, while
 * database workers, the cache and random list servers are killed with
 * SIGKILL again and again.  Then todod is stopped with SIGTERM, started
 * again on the same data directory, and every list is checked against
 * the logs: every acknowledged change is there exactly once, ids are
 * unique per list, nothing appears that was not requested; and the
 * daemon's log holds no line that only a bug writes.  Prints a report;
 * exits 0 if nothing was lost and nothing went wrong.
 *
 *   faultrun [--seconds N] [--clients N] [--lists N] [--workers N]
 *            [--max-lists N] [--list-kill-ms N] [--permanent-kill-ms N]
 *            [--todod PATH]
 *
 * todod runs with --max-lists (40, fewer than the lists: 0 leaves
 * todod's default), so that idle list servers are stopped to make room
 * and their processes serve other lists, amid the kills.
 *
 * The database workers, the cache and the spawner (which takes every list
 * server with it) are permanent children that the supervisor restarts at
 * most 5 times in 10 seconds, so they are killed in turn, each
 * --permanent-kill-ms (2500) after the last one's recovery; list
 * servers, which are not restarted but started again on demand, every
 * --list-kill-ms (100).
 * FAULTRUN_SECONDS sets the default duration (10, as `make check` runs
 * it).
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fkill.h"
#include "fload.h"
#include "harness.h"

struct opts {
	int		 seconds;
	int		 clients;
	int		 lists;
	int		 workers;
	int		 max_lists;
	int		 list_kill_ms;
	int		 perm_kill_ms;
};

static void
usage(void)
{
	fprintf(stderr, "usage: faultrun [--seconds N] [--clients N] "
	    "[--lists N] [--workers N]\n"
	    "                [--max-lists N] [--list-kill-ms N] "
	    "[--permanent-kill-ms N]\n"
	    "                [--todod PATH]\n");
	exit(2);
}

static int
intarg(const char *s, int lo, int hi)
{
	int	v;

	if (h_intarg(s, lo, hi, &v) == -1)
		usage();
	return v;
}

static void
parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "clients", required_argument, NULL, 'c' },
		{ "lists", required_argument, NULL, 'n' },
		{ "workers", required_argument, NULL, 'w' },
		{ "max-lists", required_argument, NULL, 'm' },
		{ "list-kill-ms", required_argument, NULL, 'k' },
		{ "permanent-kill-ms", required_argument, NULL, 'p' },
		{ "todod", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*env = getenv("FAULTRUN_SECONDS");
	int		 ch;

	o->seconds = env != NULL ? intarg(env, 1, 86400) : 10;
	o->clients = 32;
	o->lists = 50;
	o->workers = 3;
	o->max_lists = 40;
	o->list_kill_ms = 100;
	o->perm_kill_ms = 2500;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			o->seconds = intarg(optarg, 1, 86400);
			break;
		case 'c':
			o->clients = intarg(optarg, 1, 1000);
			break;
		case 'n':
			o->lists = intarg(optarg, 1, FL_MAX_LISTS - 8);
			break;
		case 'w':
			o->workers = intarg(optarg, 1, 8);
			break;
		case 'm':
			o->max_lists = intarg(optarg, 0, 1000000);
			break;
		case 'k':
			o->list_kill_ms = intarg(optarg, 1, 60000);
			break;
		case 'p':
			o->perm_kill_ms = intarg(optarg, 2100, 600000);
			break;
		case 't':
			setenv("TODOD", optarg, 1);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
}

struct run {
	struct opts	 o;
	struct daemon	*d;
	struct fl_cfg	 cfg;
	struct fl_client *cls;
	struct fk	 fk;
	int64_t		 starts;	/* list servers started (stats) */
	bool		 failed;
	bool		 printed;
	char		 why[2048];
};

static void
run_fail(struct run *r, const char *what, const char *detail)
{
	if (r->failed)
		return;
	r->failed = true;
	snprintf(r->why, sizeof r->why, "%s: %s", what, detail);
}

static bool
started(void *arg)
{
	struct run	*r = arg;

	return fl_progress(&r->cfg, r->cls) >= 200 ||
	    fl_failure(&r->cfg, r->cls) != NULL;
}

/* Kill while the clients run, for the run's duration. */
static void
inject(struct run *r)
{
	int64_t		 end = h_now_ms() + (int64_t)r->o.seconds * 1000;
	int64_t		 next_perm = h_now_ms() + r->o.perm_kill_ms / 2;
	int64_t		 next_list = h_now_ms();
	const char	*f;
	int		 turn = 0;

	while (h_now_ms() < end && !r->failed) {
		if ((f = fl_failure(&r->cfg, r->cls)) != NULL) {
			run_fail(r, "a client failed", f);
			break;
		}
		if (h_now_ms() >= next_perm) {
			if (turn % 3 == 0) {
				if (fk_kill(&r->fk, FK_WORKER, (int)(random() %
				    r->o.workers), NULL) < 0)
					run_fail(r, "killing a worker",
					    r->fk.error);
			} else if (turn % 3 == 1) {
				if (fk_kill(&r->fk, FK_CACHE, 0, NULL) < 0)
					run_fail(r, "killing the cache",
					    r->fk.error);
			} else if (fk_kill(&r->fk, FK_SPAWNER, 0, NULL) < 0)
				run_fail(r, "killing the spawner", r->fk.error);
			turn++;
			/* From now, the recovery waited for: a schedule that
			 * caught up after a slow recovery killed faster than
			 * the restart intensity allows, and the daemon rightly
			 * shut down. */
			next_perm = h_now_ms() + r->o.perm_kill_ms;
		} else if (h_now_ms() >= next_list) {
			next_list = h_now_ms() + r->o.list_kill_ms;
			if (fk_kill(&r->fk, FK_LIST, 0, NULL) < 0 &&
			    r->fk.failed)
				run_fail(r, "killing a list server",
				    r->fk.error);
		} else
			h_pause_ms(5);
	}
}

static void
print_report(struct run *r, const struct fm_report *rep, int64_t restarts)
{
	uint64_t	acked[4] = { 0 }, unknown = 0, refused = 0, reads = 0;
	unsigned long	breaks = 0, attaches = 0, replies = 0;
	double		p50, max;
	int		i, k;

	r->printed = true;
	for (i = 0; i < r->cfg.nclients; i++) {
		for (k = FM_ADD; k <= FM_DELETE; k++) {
			acked[k] += r->cls[i].m.acked[k];
			unknown += r->cls[i].m.unknown[k];
			refused += r->cls[i].m.refused[k];
		}
		reads += r->cls[i].m.reads;
		breaks += r->cls[i].breaks;
		attaches += r->cls[i].attaches;
		replies += r->cls[i].replies;
	}
	printf("faultrun: %d clients, %d lists, %d workers, %d s\n",
	    r->o.clients, r->o.lists, r->o.workers, r->o.seconds);
	printf("faults injected: %lu (worker %lu, cache %lu, spawner %lu, "
	    "list server %lu); supervisor restarts %lld\n",
	    r->fk.kills[FK_WORKER] + r->fk.kills[FK_CACHE] +
	    r->fk.kills[FK_SPAWNER] + r->fk.kills[FK_LIST],
	    r->fk.kills[FK_WORKER], r->fk.kills[FK_CACHE],
	    r->fk.kills[FK_SPAWNER], r->fk.kills[FK_LIST],
	    (long long)restarts);
	printf("list servers started: %lld (--max-lists %d)\n",
	    (long long)r->starts, r->o.max_lists);
	printf("requests answered: %lu (attaches %lu, reads %llu); "
	    "connections broken by kills: %lu\n", replies, attaches,
	    (unsigned long long)reads, breaks);
	printf("changes acknowledged: %llu (adds %llu, updates %llu, "
	    "deletes %llu, probe adds %llu); unknown %llu; refused %llu\n",
	    (unsigned long long)(acked[1] + acked[2] + acked[3]),
	    (unsigned long long)acked[1], (unsigned long long)acked[2],
	    (unsigned long long)acked[3],
	    (unsigned long long)r->fk.probe.acked[FM_ADD],
	    (unsigned long long)unknown, (unsigned long long)refused);
	if (rep != NULL) {
		printf("acknowledged changes checked: %llu; entries read "
		    "back: %llu\n", (unsigned long long)rep->acked_changes,
		    (unsigned long long)rep->entries_seen);
		printf("lost: %llu\n", (unsigned long long)rep->lost);
		printf("unacknowledged present: %llu; unknown deletes "
		    "applied: %llu; phantoms: %llu; duplicate ids: %llu; "
		    "duplicate entries: %llu; wrong: %llu\n",
		    (unsigned long long)rep->unknown_present,
		    (unsigned long long)rep->unknown_absent,
		    (unsigned long long)rep->phantoms,
		    (unsigned long long)rep->dup_ids,
		    (unsigned long long)rep->dup_entries,
		    (unsigned long long)rep->wrong);
	}
	for (k = 0; k < FK_NROLES; k++) {
		fk_summary(&r->fk, (enum fk_role)k, &p50, &max);
		printf("recovery %s: p50 %.0f ms, max %.0f ms (%zu faults); "
		    "probe attempts retried %lu%s%s\n",
		    fk_role_name((enum fk_role)k), p50, max, r->fk.rec[k].n,
		    r->fk.retries[k], r->fk.retries[k] ? ", first: " : "",
		    r->fk.retry_why[k]);
	}
}

/* Stop, start again, check every list (and, with each stop, the daemon's
 * log: daemon_stop()). */
static void
check(struct run *r, int64_t *restarts)
{
	struct fc_stats	 st;
	struct fm_report rep;
	char		 err[512];

	if (fc_stats(r->d->sock, &st, err, sizeof err) == -1)
		run_fail(r, "after the run", err);
	else {
		*restarts = st.restarts;
		r->starts = st.spawns;
	}
	if (daemon_stop(r->d) == -1) {
		run_fail(r, "SIGTERM", h_err());
		return;
	}
	if (daemon_restart(r->d) == -1) {
		run_fail(r, "starting again", h_err());
		return;
	}
	if (fl_verify(&r->cfg, r->cls, &r->fk.probe, 1, &rep, err,
	    sizeof err) == -1) {
		run_fail(r, "reading back", err);
		print_report(r, NULL, *restarts);
		return;
	}
	print_report(r, &rep, *restarts);
	if (!fm_report_ok(&rep))
		run_fail(r, "check", "acknowledged changes lost or wrong "
		    "entries found (see above)");
	if (*restarts != (int64_t)(r->fk.kills[FK_WORKER] +
	    r->fk.kills[FK_CACHE] + r->fk.kills[FK_SPAWNER]))
		run_fail(r, "supervisor", "restarts differ from the kills of "
		    "workers and the cache: something else died");
	if (daemon_stop(r->d) == -1)
		run_fail(r, "final SIGTERM", h_err());
}

int
main(int argc, char **argv)
{
	static struct run r;
	char		  wopt[16], mopt[16];
	int64_t		  restarts = -1;

	parse(argc, argv, &r.o);
	if (getenv("TODOD") == NULL) {
		fprintf(stderr, "faultrun: set TODOD or --todod to the todod "
		    "program\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	srandom((unsigned)getpid());
	snprintf(wopt, sizeof wopt, "%d", r.o.workers);
	snprintf(mopt, sizeof mopt, "%d", r.o.max_lists);
	if ((r.d = (r.o.max_lists > 0 ? daemon_start("-w", wopt,
	    "--max-lists", mopt, NULL) : daemon_start("-w", wopt, NULL))) ==
	    NULL) {
		fprintf(stderr, "faultrun: %s\n", h_err());
		return 1;
	}
	fl_cfg_init(&r.cfg, r.d->sock, r.o.clients, r.o.lists, "L");
	if (fk_init(&r.fk, &r.cfg, r.o.workers, r.o.clients) == -1) {
		fprintf(stderr, "faultrun: too many lists\n");
		return 2;
	}
	if ((r.cls = fl_start(&r.cfg)) == NULL)
		return 1;
	if (!h_poll(h_ms(20000), started, &r))
		run_fail(&r, "start", "the clients made no progress");
	inject(&r);
	fl_stop(&r.cfg, r.cls);
	if (fl_failure(&r.cfg, r.cls) != NULL)
		run_fail(&r, "a client failed", fl_failure(&r.cfg, r.cls));
	if (!daemon_alive(r.d))
		run_fail(&r, "daemon", "todod exited during the run");
	check(&r, &restarts);
	if (r.failed) {
		if (!r.printed)
			print_report(&r, NULL, restarts);
		printf("result: FAIL: %s\n", r.why);
		daemon_print_log(r.d);
	} else
		printf("result: PASS\n");
	fl_free(&r.cfg, r.cls);
	fk_free(&r.fk);
	daemon_free(r.d);
	return r.failed ? 1 : 0;
}
