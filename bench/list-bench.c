/*
 * list-bench.c: the cost of entries(date) as a list grows.
 *
 * For lists of 100 to 100,000 entries, ten entries per date on average,
 * it times queries through the date index: of random dates (each walks
 * its entries; at large sizes every node touched is a cache miss), of one
 * date again and again (the work itself, cache hot), and of dates with no
 * entry (the descent alone); and, for contrast, the same query done as a
 * scan of every entry.  The index stays within a small factor (log n and
 * memory latency); the scan grows with the list.  Run: make bench-list.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "todolist.h"

#define PER_DATE	10

static struct todo_date
bench_date(int n)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	struct todo_date d = { 2001, 1, 1 };
	int len;

	/* 2001..2099 skipping leap days is enough: n < 36,000. */
	while (n >= 365) {
		n -= 365;
		d.year++;
	}
	for (;;) {
		len = mdays[d.month - 1];
		if (n < len)
			break;
		n -= len;
		d.month++;
	}
	d.day = n + 1;
	return d;
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static volatile int64_t sink;

/* miss: dates without entries; hot: one date again and again. */
static double
time_index(const struct todo_list *l, int ndates, int queries, int miss,
    int hot)
{
	const struct todo_item *it;
	struct todo_date d;
	double t0;
	int64_t sum = 0;
	int q;

	t0 = now_ns();
	for (q = 0; q < queries; q++) {
		d = bench_date(hot ? ndates / 2 :
		    (int)(random() % ndates) + (miss ? ndates : 0));
		for (it = todolist_date_first(l, d); it != NULL;
		    it = todolist_date_next(l, it))
			sum += it->id;
	}
	sink = sum;
	return (now_ns() - t0) / queries;
}

static double
time_scan(const struct todo_list *l, int ndates, int queries)
{
	const struct todo_item *it;
	struct todo_date d;
	double t0;
	int64_t sum = 0;
	int q;

	t0 = now_ns();
	for (q = 0; q < queries; q++) {
		d = bench_date((int)(random() % ndates));
		for (it = todolist_first(l); it != NULL;
		    it = todolist_next(l, it))
			if (it->date.year == d.year &&
			    it->date.month == d.month && it->date.day == d.day)
				sum += it->id;
	}
	sink = sum;
	return (now_ns() - t0) / queries;
}

int
main(void)
{
	static const int sizes[] = { 100, 1000, 10000, 100000 };
	struct todo_list *l;
	size_t s;
	int i, n, ndates, queries;
	double hit, hot, miss, scan;
	struct todo_date d;

	srandom(1);
	printf("entries(date): mean ns per query, %d results per date\n",
	    PER_DATE);
	printf("%9s %12s %12s %12s %14s\n", "entries", "index", "index-hot",
	    "index-miss", "full-scan");
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		n = sizes[s];
		ndates = n / PER_DATE;
		if ((l = todolist_new()) == NULL)
			return 1;
		for (i = 0; i < n; i++) {
			d = bench_date((int)(random() % ndates));
			if (todolist_add(l, d, "bench entry", 11, NULL) == -1)
				return 1;
		}
		queries = 200000;
		hit = time_index(l, ndates, queries, 0, 0);
		hot = time_index(l, ndates, queries, 0, 1);
		miss = time_index(l, ndates, queries, 1, 0);
		scan = time_scan(l, ndates, n >= 10000 ? 200 : 2000);
		printf("%9d %12.1f %12.1f %12.1f %14.1f\n", n, hit, hot, miss,
		    scan);
		todolist_free(l);
	}
	return 0;
}
