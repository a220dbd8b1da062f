/* benchtime.h: the clock and the sort of the small benchmark programs. */
#ifndef TODOD_BENCHTIME_H
#define TODOD_BENCHTIME_H

#include <stdint.h>
#include <time.h>

/* Now on the monotonic clock, in ns. */
static inline uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* qsort() comparison of uint64_t samples. */
static inline int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

#endif /* TODOD_BENCHTIME_H */
