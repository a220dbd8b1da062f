/*
 * bench_report.c: todo-bench's results as text or as JSON.
 *
 * Latencies are printed in microseconds; the JSON has the same figures
 * (keys "p50", "p90", "p99", "p99.9", "max", "mean", "count").
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "bench.h"
#include "ctl_json.h"

static const char *const kind_names[K_NKINDS] = {
	"read", "write", "attach", "open"
};

static const double pcts[] = { 50, 90, 99, 99.9 };
static const char *const pct_names[] = { "p50", "p90", "p99", "p99.9" };
#define NPCTS	(sizeof(pcts) / sizeof(pcts[0]))

void
bench_error(struct bench_errors *e, const char *reason)
{
	int i;

	e->total++;
	for (i = 0; i < e->n; i++)
		if (strcmp(e->reason[i], reason) == 0) {
			e->count[i]++;
			return;
		}
	if (e->n == BENCH_MAX_REASONS)
		i = BENCH_MAX_REASONS - 1;	/* the last one takes the rest */
	else {
		i = e->n++;
		snprintf(e->reason[i], sizeof(e->reason[i]), "%s",
		    e->n == BENCH_MAX_REASONS ? "other" : reason);
	}
	e->count[i]++;
}

const char *
bench_workload_name(enum bench_workload w)
{
	switch (w) {
	case WL_MIXED:
		return "mixed";
	case WL_READ:
		return "read";
	case WL_WRITE:
		return "write";
	case WL_OPEN:
		return "open";
	}
	return "?";
}

static double
tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void
cpu_use(const struct bench_result *r, double *user, double *sys,
    double *pct)
{
	*user = tv_s(r->ru1.ru_utime) - tv_s(r->ru0.ru_utime);
	*sys = tv_s(r->ru1.ru_stime) - tv_s(r->ru0.ru_stime);
	*pct = r->seconds > 0 ? 100.0 * (*user + *sys) / r->seconds : 0;
}

static double
rate(const struct bench_result *r)
{
	return r->seconds > 0 ? (double)r->ok / r->seconds : 0;
}

static void
text_hist_line(const char *name, const struct hist *h)
{
	size_t i;

	if (h->count == 0)
		return;
	printf("%-8s %10llu %9.1f", name, (unsigned long long)h->count,
	    hist_mean(h) / 1e3);
	for (i = 0; i < NPCTS; i++)
		printf(" %9.1f", (double)hist_percentile(h, pcts[i]) / 1e3);
	printf(" %9.1f\n", (double)h->max / 1e3);
}

static void
text_errors(const struct bench_errors *e)
{
	int i;

	if (e->total == 0) {
		printf("errors: none\n");
		return;
	}
	printf("errors: %llu (", (unsigned long long)e->total);
	for (i = 0; i < e->n; i++)
		printf("%s%s %llu", i ? ", " : "", e->reason[i],
		    (unsigned long long)e->count[i]);
	printf(")\n");
}

void
bench_report_text(const struct bench_opts *o, const struct bench_result *r)
{
	const struct hist *rd = &r->h[K_READ];
	double user, sys, pct;
	int k;

	printf("todo-bench: workload %s, %d client%s, %ld list%s",
	    bench_workload_name(o->workload), o->clients,
	    o->clients == 1 ? "" : "s", o->lists, o->lists == 1 ? "" : "s");
	/* Added to what the lists held: their size is not known. */
	if (o->preload > 0)
		printf(", %ld entr%s added to each", o->preload,
		    o->preload == 1 ? "y" : "ies");
	else if (o->existing > 0)
		printf(" of %ld entr%s", o->existing,
		    o->existing == 1 ? "y" : "ies");
	printf(", %d%% reads, pipeline %d", o->read_pct, o->pipeline);
	if (o->workload == WL_OPEN)
		printf(", open via %s", o->open_via == OPEN_CONNECT ?
		    "connect" : "reattach");
	printf("\n");
	if (r->preloaded > 0)
		printf("preload: %llu entries in %.2f s (%.0f/s)\n",
		    (unsigned long long)r->preloaded, r->preload_s,
		    r->preload_s > 0 ? (double)r->preloaded / r->preload_s : 0);
	if (o->preload_only)
		return;
	printf("%s: %llu in %.2f s: %.1f per second\n",
	    o->workload == WL_OPEN ? "opens" : "requests",
	    (unsigned long long)r->ok, r->seconds, rate(r));
	printf("latency (us)  count      mean       p50       p90       p99"
	    "     p99.9       max\n");
	if (o->workload != WL_OPEN)
		text_hist_line("all", &r->all);
	for (k = 0; k < K_NKINDS; k++)
		text_hist_line(kind_names[k], &r->h[k]);
	if (rd->count > 0)
		printf("reads returned %.1f entries on average\n",
		    (double)r->read_entries / (double)rd->count);
	if (r->ok > 0)
		printf("bytes per reply: %.0f sent, %.0f received\n",
		    (double)r->bytes_out / (double)r->ok,
		    (double)r->bytes_in / (double)r->ok);
	text_errors(&r->err);
	cpu_use(r, &user, &sys, &pct);
	printf("client cpu: %.2f s user + %.2f s system in %.2f s = %.0f%% "
	    "of one core\n", user, sys, r->seconds, pct);
}

static json_t *
json_hist(const struct hist *h)
{
	json_t *j = json_object();
	size_t i;

	json_object_set_new(j, "count", json_integer((json_int_t)h->count));
	json_object_set_new(j, "mean", json_real(hist_mean(h) / 1e3));
	for (i = 0; i < NPCTS; i++)
		json_object_set_new(j, pct_names[i],
		    json_real((double)hist_percentile(h, pcts[i]) / 1e3));
	json_object_set_new(j, "max", json_real((double)h->max / 1e3));
	return j;
}

static json_t *
json_options(const struct bench_opts *o)
{
	json_t *j;

	/* The socket's path may be any bytes: as UTF-8 repaired. */
	j = json_pack("{s:s, s:i, s:I, s:I, s:i, s:i, s:f, s:I, s:s, s:s, "
	    "s:o}", "workload", bench_workload_name(o->workload),
	    "clients", o->clients, "lists", (json_int_t)o->lists,
	    "preload", (json_int_t)o->preload, "read_percent", o->read_pct,
	    "pipeline", o->pipeline, "duration", o->duration,
	    "requests", (json_int_t)o->requests, "open_via",
	    o->open_via == OPEN_CONNECT ? "connect" : "reattach",
	    "prefix", o->prefix, "socket", cj_string(o->socket,
	    strlen(o->socket)));
	if (j != NULL)
		json_object_set_new(j, "entries_per_list",
		    json_integer((json_int_t)o->existing));
	return j;
}

int
bench_report_json(const struct bench_opts *o, const struct bench_result *r)
{
	json_t *j, *lat, *errs;
	double user, sys, pct;
	int k, i;

	cpu_use(r, &user, &sys, &pct);
	lat = json_object();
	if (o->workload != WL_OPEN)
		json_object_set_new(lat, "all", json_hist(&r->all));
	for (k = 0; k < K_NKINDS; k++)
		if (r->h[k].count > 0)
			json_object_set_new(lat, kind_names[k],
			    json_hist(&r->h[k]));
	errs = json_object();
	for (i = 0; i < r->err.n; i++)
		json_object_set_new(errs, r->err.reason[i],
		    json_integer((json_int_t)r->err.count[i]));
	j = json_pack("{s:s, s:o, s:{s:I, s:f}, s:I, s:f, s:f, s:o, s:I, "
	    "s:o, s:f, s:{s:f, s:f, s:f}}",
	    "version", PACKAGE_VERSION, "options", json_options(o),
	    "preload", "entries", (json_int_t)r->preloaded,
	    "seconds", r->preload_s,
	    "ok", (json_int_t)r->ok, "seconds", r->seconds,
	    "throughput", rate(r), "latency_us", lat,
	    "errors", (json_int_t)r->err.total, "errors_by_reason", errs,
	    "read_entries_mean", r->h[K_READ].count ?
	    (double)r->read_entries / (double)r->h[K_READ].count : 0.0,
	    "client_cpu", "user_s", user, "system_s", sys,
	    "percent_of_core", pct);
	if (j == NULL)
		return -1;
	json_object_set_new(j, "aborted", json_boolean(r->aborted));
	json_object_set_new(j, "bytes_out", json_integer((json_int_t)
	    r->bytes_out));
	json_object_set_new(j, "bytes_in", json_integer((json_int_t)
	    r->bytes_in));
	if (r->aborted)
		json_object_set_new(j, "abort_reason",
		    cj_string(r->abort_why, strlen(r->abort_why)));
	/* A write that fails shows at the flush (out_flush_checked). */
	(void)json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(8));
	putchar('\n');
	json_decref(j);
	return 0;
}
