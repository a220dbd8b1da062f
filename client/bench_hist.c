/*
 * bench_hist.c: a log-linear latency histogram.
 *
 * A value v below 2^HIST_SUB_BITS has its own bucket.  Above, let m be
 * the position of its highest bit and s = m - (HIST_SUB_BITS - 1): the
 * bucket is s * HIST_HALF + (v >> s), where v >> s lies in
 * [HIST_HALF, 2 * HIST_HALF).  Buckets are contiguous, cover all of
 * uint64_t, and each spans at most 1/HIST_HALF of its values.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "bench.h"

static unsigned
hist_index(uint64_t v)
{
	unsigned m, s;

	if (v < (1u << HIST_SUB_BITS))
		return (unsigned)v;
	m = 63 - (unsigned)__builtin_clzll(v);
	s = m - (HIST_SUB_BITS - 1);
	return s * HIST_HALF + (unsigned)(v >> s);
}

/* The highest value that falls into bucket i. */
static uint64_t
hist_high(unsigned i)
{
	unsigned s, sub;

	if (i < (1u << HIST_SUB_BITS))
		return i;
	s = i / HIST_HALF - 1;
	sub = i % HIST_HALF + HIST_HALF;
	if (s + HIST_SUB_BITS >= 64 && sub == 2 * HIST_HALF - 1)
		return UINT64_MAX;
	return (((uint64_t)sub + 1) << s) - 1;
}

void
hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void
hist_add(struct hist *h, uint64_t ns)
{
	h->b[hist_index(ns)]++;
	h->count++;
	h->sum += (double)ns;
	if (ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
}

uint64_t
hist_percentile(const struct hist *h, double p)
{
	uint64_t want, seen = 0, v;
	unsigned i;

	if (h->count == 0)
		return 0;
	want = (uint64_t)ceil((p / 100.0) * (double)h->count - 1e-9);
	if (want < 1)
		want = 1;
	if (want > h->count)
		want = h->count;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= want) {
			v = hist_high(i);
			return v < h->max ? v : h->max;
		}
	}
	return h->max;
}

double
hist_mean(const struct hist *h)
{
	return h->count ? h->sum / (double)h->count : 0.0;
}
