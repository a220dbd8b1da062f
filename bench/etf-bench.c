/*
 * etf-bench.c: micro-benchmark of the ETF codec on a realistic term, the
 * %Todo.List{} of 1,000 entries that todod keeps in a list file:
 *
 *   #{'__struct__' => 'Elixir.Todo.List', next_id => 1001,
 *     entries => #{Id => #{id => Id, date => %Date{}, title => Title}}}
 *
 * It reports, for encoding a tree, decoding, and the daemon's reply path
 * (piecewise encoding of {ok, [Entry]}), the size, MB/s and terms/s, the
 * median of several runs, in CPU time.  bench/etf-bench.escript measures Erlang's
 * term_to_binary and binary_to_term on the same term in the same way.
 *
 *   etf-bench [-n ENTRIES] [-r RUNS] [-t SECONDS_PER_RUN] [-o OP -i ITERS]
 *
 * -o encode|decode|reply with -i runs just that operation ITERS times and
 * reports nothing (for profilers).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "etf.h"
#include "todo_term.h"

static int	nentries = 1000;
static int	runs = 7;
static double	run_secs = 0.3;
static const char *only;
static long	only_iters;

static struct todo_date
entry_date(int i)
{
	struct todo_date dt = { 2018 + i % 3, 1 + i % 12, 1 + i % 28 };

	return dt;
}

static void
entry_title(int i, char *buf, size_t size)
{
	snprintf(buf, size, "Task number %d", i);
}

static struct etf_term *
mk_date(struct etf_arena *a, struct todo_date dt)
{
	struct etf_term *m = etf_mk_map(a, 5);

	m->map.kv[0] = *etf_mk_atom(a, "__struct__");
	m->map.kv[1] = *etf_mk_atom(a, "Elixir.Date");
	m->map.kv[2] = *etf_mk_atom(a, "calendar");
	m->map.kv[3] = *etf_mk_atom(a, "Elixir.Calendar.ISO");
	m->map.kv[4] = *etf_mk_atom(a, "year");
	m->map.kv[5] = *etf_mk_int(a, dt.year);
	m->map.kv[6] = *etf_mk_atom(a, "month");
	m->map.kv[7] = *etf_mk_int(a, dt.month);
	m->map.kv[8] = *etf_mk_atom(a, "day");
	m->map.kv[9] = *etf_mk_int(a, dt.day);
	return m;
}

static struct etf_term *
mk_todo_list(struct etf_arena *a, int n)
{
	struct etf_term *l = etf_mk_map(a, 3), *es = etf_mk_map(a, (size_t)n);
	struct etf_term *e;
	char title[64];
	int i;

	for (i = 1; i <= n; i++) {
		e = etf_mk_map(a, 3);
		entry_title(i, title, sizeof(title));
		e->map.kv[0] = *etf_mk_atom(a, "id");
		e->map.kv[1] = *etf_mk_int(a, i);
		e->map.kv[2] = *etf_mk_atom(a, "date");
		e->map.kv[3] = *mk_date(a, entry_date(i));
		e->map.kv[4] = *etf_mk_atom(a, "title");
		e->map.kv[5] = *etf_mk_binary(a, title, strlen(title));
		es->map.kv[2 * (i - 1)] = *etf_mk_int(a, i);
		es->map.kv[2 * (i - 1) + 1] = *e;
	}
	l->map.kv[0] = *etf_mk_atom(a, "__struct__");
	l->map.kv[1] = *etf_mk_atom(a, "Elixir.Todo.List");
	l->map.kv[2] = *etf_mk_atom(a, "next_id");
	l->map.kv[3] = *etf_mk_int(a, n + 1);
	l->map.kv[4] = *etf_mk_atom(a, "entries");
	l->map.kv[5] = *es;
	return l;
}

/* CPU time of the process: steadier than wall time on a busy machine,
 * and the same for this one-threaded loop on an idle one. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct ctx {
	const struct etf_term	*tree;
	const uint8_t		*bytes;
	size_t			 len;
	struct etf_buf		 buf;
	struct etf_arena	*arena;
	char			(*titles)[64];
};

static void
op_encode(struct ctx *c)
{
	etf_buf_reset(&c->buf);
	if (etf_encode(&c->buf, c->tree) != ETF_OK)
		abort();
}

static void
op_decode(struct ctx *c)
{
	const struct etf_term *t;

	etf_arena_reset(c->arena);
	if (etf_decode(c->arena, c->bytes, c->len, 0, &t) != ETF_OK)
		abort();
}

/* The reply to `entries`: {ok, [Entry]}, written piece by piece. */
static void
op_reply(struct ctx *c)
{
	int i;

	etf_buf_reset(&c->buf);
	etf_put_version(&c->buf);
	etf_put_tuple(&c->buf, 2);
	etf_put_atom(&c->buf, "ok");
	etf_put_list(&c->buf, (uint32_t)nentries);
	for (i = 1; i <= nentries; i++)
		todo_put_entry(&c->buf, i, entry_date(i), c->titles[i - 1],
		    strlen(c->titles[i - 1]));
	etf_put_nil(&c->buf);
	if (c->buf.oom)
		abort();
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median over runs of the operations per second. */
static double
measure(void (*op)(struct ctx *), struct ctx *c)
{
	double rate[64], t0, t;
	long n, iters = 1;
	int r;

	/* Warm up and find a count that lasts about run_secs. */
	for (;;) {
		t0 = now();
		for (n = 0; n < iters; n++)
			op(c);
		t = now() - t0;
		if (t >= run_secs / 4)
			break;
		iters *= 2;
	}
	iters = (long)((double)iters * run_secs / t) + 1;
	for (r = 0; r < runs; r++) {
		t0 = now();
		for (n = 0; n < iters; n++)
			op(c);
		rate[r] = (double)iters / (now() - t0);
	}
	qsort(rate, (size_t)runs, sizeof(rate[0]), cmp_double);
	return rate[runs / 2];
}

static void
report(const char *what, size_t bytes, double rate)
{
	printf("%-8s %-14s %9zu %10.1f %12.0f\n", "C", what, bytes,
	    rate * (double)bytes / 1e6, rate);
}

int
main(int argc, char *argv[])
{
	struct etf_arena *build = etf_arena_new();
	struct etf_buf bytes;
	struct ctx c;
	double r;
	int ch, i;

	while ((ch = getopt(argc, argv, "i:n:o:r:t:")) != -1) {
		switch (ch) {
		case 'i':
			only_iters = atol(optarg);
			break;
		case 'n':
			nentries = atoi(optarg);
			break;
		case 'o':
			only = optarg;
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		case 't':
			run_secs = atof(optarg);
			break;
		default:
			fprintf(stderr, "usage: etf-bench [-n entries] "
			    "[-r runs] [-t seconds] [-o op -i iterations]\n");
			return 2;
		}
	}
	if (nentries < 1 || runs < 1 || runs > 64 || run_secs <= 0) {
		fprintf(stderr, "etf-bench: bad arguments\n");
		return 2;
	}
	memset(&c, 0, sizeof(c));
	c.tree = mk_todo_list(build, nentries);
	c.arena = etf_arena_new();
	etf_buf_init(&c.buf);
	etf_buf_init(&bytes);
	if (etf_encode(&bytes, c.tree) != ETF_OK)
		return 1;
	c.bytes = bytes.p;
	c.len = bytes.len;
	if ((c.titles = calloc((size_t)nentries, sizeof(*c.titles))) == NULL)
		return 1;
	for (i = 0; i < nentries; i++)
		entry_title(i + 1, c.titles[i], sizeof(c.titles[i]));

	if (only != NULL) {
		void (*op)(struct ctx *) = strcmp(only, "encode") == 0 ?
		    op_encode : strcmp(only, "decode") == 0 ? op_decode :
		    op_reply;
		long n;

		for (n = 0; n < only_iters; n++)
			op(&c);
		return 0;
	}
	r = measure(op_encode, &c);
	report("encode", c.len, r);
	r = measure(op_decode, &c);
	report("decode", c.len, r);
	op_reply(&c);
	r = measure(op_reply, &c);
	report("encode-reply", c.buf.len, r);

	etf_buf_free(&c.buf);
	etf_buf_free(&bytes);
	etf_arena_free(c.arena);
	etf_arena_free(build);
	free(c.titles);
	return 0;
}
