/*
 * stallwatch.c: the supervisor's watch for a database worker that stops
 * answering (stallwatch.h).
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "log.h"
#include "monotime.h"
#include "proc.h"
#include "stallwatch.h"

static struct {
	struct event		*tick;
	int			 n;
	stallwatch_ping_fn	 ping;
	stallwatch_label_fn	 label;
	stallwatch_state_fn	 state;
	stallwatch_busy_fn	 busy;
	bool			 asleep;	/* tick not armed */
	struct {
		int64_t		 asked;		/* ping unanswered; 0: none */
		int		 ticks;		/* ticks since it */
	}			 w[PROC_MAX_WORKERS];
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

static void
stallwatch_tick(evutil_socket_t fd, short ev, void *arg)
{
	int64_t now = monotime_ms();
	int i;

	if (!sw.busy() && !stallwatch_asking()) {
		event_del(sw.tick);	/* nobody can be kept waiting */
		sw.asleep = true;
		return;
	}
	for (i = 0; i < sw.n; i++) {
		if (sw.w[i].asked == 0) {
			if (sw.ping(i) == 0) {
				sw.w[i].asked = now;
				sw.w[i].ticks = 0;
			}
			continue;
		}
		if (++sw.w[i].ticks != 2)
			continue;
		proc_stats->workers[i].stalled_since = sw.w[i].asked;
		log_warnx("%s has not answered for %lld s%s: changes to its "
		    "lists wait until it does", sw.label(i),
		    (long long)stallwatch_secs(now - sw.w[i].asked),
		    sw.state(i));
	}
}

int
stallwatch_start(struct event_base *base, int n, stallwatch_ping_fn ping,
    stallwatch_label_fn label, stallwatch_state_fn state,
    stallwatch_busy_fn busy)
{
	struct timeval tv = monotime_tv(stallwatch_tick_ms());

	memset(&sw, 0, sizeof(sw));
	sw.n = n < PROC_MAX_WORKERS ? n : PROC_MAX_WORKERS;
	sw.ping = ping;
	sw.label = label;
	sw.state = state;
	sw.busy = busy;
	if ((sw.tick = event_new(base, -1, EV_PERSIST, stallwatch_tick,
	    NULL)) == NULL || evtimer_add(sw.tick, &tv) == -1)
		return -1;
	return 0;
}

void
stallwatch_wake(void)
{
	struct timeval tv;

	if (sw.tick == NULL || !sw.asleep)
		return;		/* every list start: nothing to do */
	tv = monotime_tv(stallwatch_tick_ms());
	if (evtimer_add(sw.tick, &tv) == 0)
		sw.asleep = false;
}

void
stallwatch_pong(int index)
{
	if (index < 0 || index >= sw.n || sw.w[index].asked == 0)
		return;
	if (sw.w[index].ticks >= 2)
		log_info("%s answers again, after %lld s", sw.label(index),
		    (long long)stallwatch_secs(monotime_ms() -
		    sw.w[index].asked));
	stallwatch_forget(index);
}

void
stallwatch_forget(int index)
{
	if (index < 0 || index >= sw.n)
		return;
	sw.w[index].asked = 0;
	sw.w[index].ticks = 0;
	proc_stats->workers[index].stalled_since = 0;
}

void
stallwatch_stop(void)
{
	int i;

	if (sw.tick == NULL)
		return;
	event_free(sw.tick);
	sw.tick = NULL;
	for (i = 0; i < sw.n; i++)
		stallwatch_forget(i);
}
