/*
 * monotime.h: milliseconds on the monotonic clock, for deadlines and
 * elapsed times in todod, todoctl and their library (never the wall
 * clock, which can be stepped), and the time left to a deadline.
 */
#ifndef TODOD_MONOTIME_H
#define TODOD_MONOTIME_H

#include <sys/time.h>

#include <stdint.h>
#include <time.h>

static inline int64_t
monotime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ms milliseconds (none if negative) as a timeval, for a timer. */
static inline struct timeval
monotime_tv(int64_t ms)
{
	struct timeval tv = { 0, 0 };

	if (ms > 0) {
		tv.tv_sec = (time_t)(ms / 1000);
		tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	}
	return tv;
}

/* The time from now to deadline_ms (on that clock), none if it is past,
 * for a timer. */
static inline struct timeval
monotime_until(int64_t deadline_ms)
{
	return monotime_tv(deadline_ms - monotime_ms());
}

#endif /* TODOD_MONOTIME_H */
