/*
 * bench_run.c: the phases of a todo-bench run, and its clock.
 *
 * Preload: min(CLIENTS, LISTS) connections take the lists one after the
 * other; for each, a new connection attaches and sends PRELOAD adds, up to
 * PRELOAD_WINDOW in flight, entry k dated bench_date(k) (ten per date).
 * Setup: every measuring connection connects and attaches to list
 * (i mod LISTS); the clock starts when all are attached.
 * Measure: a closed loop until the deadline (-d) or REQUESTS replies (-n);
 * what each connection does is in bench_flow.c.
 */
#include "config.h"

#include <sys/time.h>
#include <sys/resource.h>

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "etf.h"
#include "bench.h"
#include "bench_conn.h"
#include "bench_run.h"

/* Bytes moved by every connection since the start, added to or taken
 * from the result's counters. */
static void
bench_bytes(struct bench *b, int sign)
{
	int i;

	for (i = 0; i < b->nc; i++) {
		b->r->bytes_in += (uint64_t)sign * b->c[i].bytes_in;
		b->r->bytes_out += (uint64_t)sign * b->c[i].bytes_out;
	}
}

void
bench_finish(struct bench *b, uint64_t now)
{
	if (b->phase == PH_DONE)
		return;
	if (b->phase == PH_MEASURE) {
		bench_bytes(b, 1);
		getrusage(RUSAGE_SELF, &b->r->ru1);
		b->r->seconds = (double)(now - b->t0) / 1e9;
	}
	b->phase = PH_DONE;
	event_base_loopbreak(b->base);
}

void
bench_abort(struct bench *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->phase == PH_DONE)
		return;
	b->r->aborted = true;
	va_start(ap, fmt);
	n = vsnprintf(b->r->abort_why, sizeof(b->r->abort_why), fmt, ap);
	va_end(ap);
	/* Cut short, it may end in part of a character (a list name's):
	 * the part goes, for the terminal and the JSON. */
	if (n >= (int)sizeof(b->r->abort_why))
		b->r->abort_why[utf8_whole_len(b->r->abort_why,
		    strlen(b->r->abort_why))] = '\0';
	bench_finish(b, now_ns());
}

const char *
bench_phase_name(int phase)
{
	return phase == PH_PRELOAD ? "preload" : phase == PH_SETUP ?
	    "setup" : "measurement";
}

/* Attach every measuring connection; the open workload needs none. */
void
bench_start_setup(struct bench *b, uint64_t now)
{
	int i;

	if (b->o->workload == WL_OPEN) {
		bench_start_measure(b, now);
		return;
	}
	b->phase = PH_SETUP;
	b->busy = b->nc;
	for (i = 0; i < b->nc && b->phase == PH_SETUP; i++)
		flow_open_list(&b->c[i], i % b->o->lists, now);
}

void
bench_start_measure(struct bench *b, uint64_t now)
{
	struct timeval tv;
	int i;

	(void)now;
	b->phase = PH_MEASURE;
	bench_bytes(b, -1);
	getrusage(RUSAGE_SELF, &b->r->ru0);
	b->t0 = b->t_last = now_ns();
	if (b->o->duration > 0) {
		tv.tv_sec = (time_t)b->o->duration;
		tv.tv_usec = (suseconds_t)((b->o->duration -
		    (double)tv.tv_sec) * 1e6);
		evtimer_add(b->deadline, &tv);
	}
	b->busy = b->nc;
	for (i = 0; i < b->nc && b->phase == PH_MEASURE; i++) {
		if (b->o->workload == WL_OPEN)
			flow_open_next(&b->c[i], b->t0);
		else {
			b->c[i].state = CS_RUN;
			run_on_fill(&b->c[i], b->t0);
		}
	}
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench *b = arg;
	uint64_t now = now_ns();
	int i;

	(void)fd;
	(void)what;
	if (now - b->t_last <= (uint64_t)b->o->timeout * 1000000000u)
		return;
	/* A connection still waiting for the backlog to take it has not
	 * reached the daemon: as todoctl, unreachable (exit 3). */
	for (i = 0; i < b->nc; i++)
		if (b->c[i].state == CS_RETRY) {
			b->r->unreachable = true;
			bench_abort(b, "%s: timed out connecting during the "
			    "%s", b->o->socket, bench_phase_name(b->phase));
			return;
		}
	bench_abort(b, "no reply for %d s during the %s", b->o->timeout,
	    bench_phase_name(b->phase));
}

static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	bench_finish(arg, now_ns());
}

static void
sigint_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench *b = arg;

	(void)fd;
	(void)what;
	if (b->phase == PH_MEASURE)
		bench_finish(b, now_ns());
	else
		bench_abort(b, "interrupted during the %s",
		    bench_phase_name(b->phase));
}

static int
bench_setup(struct bench *b)
{
	struct event_config *cfg;
	struct timeval sec = { 1, 0 };
	int i;

	if ((cfg = event_config_new()) == NULL)
		return -1;
	event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
	b->base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (b->base == NULL)
		return -1;
	b->tick = event_new(b->base, -1, EV_PERSIST, tick_cb, b);
	b->deadline = evtimer_new(b->base, deadline_cb, b);
	b->sigint = evsignal_new(b->base, SIGINT, sigint_cb, b);
	b->writes = calloc((size_t)b->o->lists, sizeof(*b->writes));
	b->c = calloc((size_t)b->nc, sizeof(*b->c));
	if (b->tick == NULL || b->deadline == NULL || b->sigint == NULL ||
	    b->writes == NULL || b->c == NULL)
		return -1;
	for (i = 0; i < b->nc; i++)
		if (conn_init(&b->c[i], b, i, b->base) == -1)
			return -1;
	event_add(b->tick, &sec);
	event_add(b->sigint, NULL);
	return 0;
}

static void
bench_teardown(struct bench *b)
{
	int i;

	for (i = 0; b->c != NULL && i < b->nc; i++)
		conn_free(&b->c[i]);
	free(b->c);
	free(b->writes);
	if (b->tick != NULL)
		event_free(b->tick);
	if (b->deadline != NULL)
		event_free(b->deadline);
	if (b->sigint != NULL)
		event_free(b->sigint);
	if (b->base != NULL)
		event_base_free(b->base);
	etf_buf_free(&b->enc);
}

int
bench_run(const struct bench_opts *o, struct bench_result *r)
{
	struct bench b;
	uint64_t now;
	int i;

	memset(&b, 0, sizeof(b));
	memset(r, 0, sizeof(*r));
	for (i = 0; i < K_NKINDS; i++)
		hist_init(&r->h[i]);
	hist_init(&r->all);
	b.o = o;
	b.r = r;
	b.nc = o->clients;
	b.rng = o->seed ? o->seed : 1;
	b.ndates = ((uint64_t)o->existing + BENCH_PER_DATE - 1) /
	    BENCH_PER_DATE;
	if (b.ndates == 0)
		b.ndates = 1;
	etf_buf_init(&b.enc);
	if (bench_setup(&b) == -1) {
		bench_teardown(&b);
		snprintf(r->abort_why, sizeof(r->abort_why), "out of memory");
		r->aborted = true;
		return -1;
	}
	now = b.t_last = b.t_preload = now_ns();
	if (o->preload > 0) {
		b.phase = PH_PRELOAD;
		b.busy = o->lists < o->clients ? (int)o->lists : o->clients;
		for (i = 0; i < b.busy && b.phase == PH_PRELOAD; i++)
			flow_preload_next(&b.c[i], now);
	} else if (o->preload_only) {
		b.phase = PH_DONE;
	} else
		bench_start_setup(&b, now);
	if (b.phase != PH_DONE)
		event_base_dispatch(b.base);
	bench_teardown(&b);
	return r->aborted ? -1 : 0;
}
