/*
 * monotime.h: milliseconds on the monotonic clock, for deadlines and
 * elapsed times in todod, todoctl and their library (never the wall
 * clock, which can be stepped).
 */
#ifndef TODOD_MONOTIME_H
#define TODOD_MONOTIME_H

#include <stdint.h>
#include <time.h>

static inline int64_t
monotime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif /* TODOD_MONOTIME_H */
