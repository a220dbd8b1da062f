/*
 * stallwatch.c: the supervisor's watch for a child that stops answering
 * (stallwatch.h).
 */
#include "config.h"

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "log.h"
#include "monotime.h"
#include "stallwatch.h"

static struct {
	struct event		*tick;
	int			 n;
	struct event		*wake;		/* wake_fd readable */
	int			 wake_fd;
	const struct stallwatch_ops *ops;
	bool			 asleep;	/* tick not armed */
	struct {
		int64_t		 asked;		/* ping unanswered; 0: none */
		int		 ticks;		/* ticks since it */
	}			 w[STALLWATCH_MAX];
} sw;

int64_t
stallwatch_tick_ms(void)
{
	int64_t ms = STALLWATCH_TICK_MS;
#ifdef TODOD_FAULTS
	const char *v = getenv("TODOD_FAULT_WATCH_MS");
	unsigned long f;

	if (v != NULL && (f = strtoul(v, NULL, 10)) > 0 && f <= 60000)
		ms = (int64_t)f;
#endif
	return ms;
}

int64_t
stallwatch_secs(int64_t ms)
{
	return (ms + 500) / 1000;
}

/* Whether a ping is unanswered. */
static bool
stallwatch_asking(void)
{
	int i;

	for (i = 0; i < sw.n; i++)
		if (sw.w[i].asked != 0)
			return true;
	return false;
}

/* Whether a connection waits to be accepted on the wake descriptor. */
static bool
stallwatch_wake_ready(void)
{
	struct pollfd p = { .fd = sw.wake_fd, .events = POLLIN };

	return sw.wake_fd != -1 && poll(&p, 1, 0) == 1 &&
	    (p.revents & POLLIN) != 0;
}

/* Nothing can be kept waiting: no tick until something may be. */
static void
stallwatch_sleep(void)
{
	event_del(sw.tick);
	sw.asleep = true;
	if (sw.wake != NULL && event_add(sw.wake, NULL) == -1)
		log_warnx("cannot watch the socket: the watch of the cache "
		    "sleeps until a list is opened or a sync begins");
}

static void
stallwatch_tick(evutil_socket_t fd, short ev, void *arg)
{
	int64_t now = monotime_ms();
	int i;

	if (!sw.ops->busy() && !stallwatch_asking() &&
	    !stallwatch_wake_ready()) {
		stallwatch_sleep();
		return;
	}
	for (i = 0; i < sw.n; i++) {
		if (sw.w[i].asked == 0) {
			if (sw.ops->ping(i) == 0) {
				sw.w[i].asked = now;
				sw.w[i].ticks = 0;
			}
			continue;
		}
		if (++sw.w[i].ticks != 2)
			continue;
		sw.ops->stalled(i, sw.w[i].asked);
		log_warnx("%s has not answered for %lld s%s: %s until it "
		    "does", sw.ops->label(i),
		    (long long)stallwatch_secs(now - sw.w[i].asked),
		    sw.ops->state(i), sw.ops->waits(i));
	}
}

/* A connection waits on the socket while the watch sleeps. */
static void
stallwatch_woken(evutil_socket_t fd, short ev, void *arg)
{
	stallwatch_wake();
}

int
stallwatch_start(struct event_base *base, int n,
    const struct stallwatch_ops *ops, int wake_fd)
{
	struct timeval tv = monotime_tv(stallwatch_tick_ms());

	memset(&sw, 0, sizeof(sw));
	sw.n = n < STALLWATCH_MAX ? n : STALLWATCH_MAX;
	sw.ops = ops;
	sw.wake_fd = wake_fd;
	if ((sw.tick = event_new(base, -1, EV_PERSIST, stallwatch_tick,
	    NULL)) == NULL || evtimer_add(sw.tick, &tv) == -1)
		return -1;
	if (wake_fd != -1 && (sw.wake = event_new(base, wake_fd, EV_READ,
	    stallwatch_woken, NULL)) == NULL)
		return -1;
	return 0;
}

void
stallwatch_wake(void)
{
	struct timeval tv;

	if (sw.tick == NULL || !sw.asleep)
		return;		/* every list start: nothing to do */
	if (sw.wake != NULL)
		event_del(sw.wake);
	tv = monotime_tv(stallwatch_tick_ms());
	if (evtimer_add(sw.tick, &tv) == 0)
		sw.asleep = false;
	else if (sw.wake != NULL)
		(void)event_add(sw.wake, NULL);	/* asleep still */
}

void
stallwatch_pong(int index)
{
	if (index < 0 || index >= sw.n || sw.w[index].asked == 0)
		return;
	if (sw.w[index].ticks >= 2)
		log_info("%s answers again, after %lld s",
		    sw.ops->label(index), (long long)stallwatch_secs(
		    monotime_ms() - sw.w[index].asked));
	stallwatch_forget(index);
}

void
stallwatch_forget(int index)
{
	if (index < 0 || index >= sw.n)
		return;
	sw.ops->stalled(index, 0);
	sw.w[index].asked = 0;
	sw.w[index].ticks = 0;
}

void
stallwatch_stop(void)
{
	int i;

	if (sw.tick == NULL)
		return;
	for (i = 0; i < sw.n; i++)
		stallwatch_forget(i);
	event_free(sw.tick);
	sw.tick = NULL;
	if (sw.wake != NULL)
		event_free(sw.wake);
	sw.wake = NULL;
}
