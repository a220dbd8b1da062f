/*
 * route_watch.c: the cache's watch of its list servers, at the tick of
 * the supervisor's watch of the workers (stallwatch.h).  A list server
 * does no I/O but its clients' and its links', so one that stops
 * answering is stopped (a signal, a debugger) or stuck (a bug, a machine
 * out of memory), and every client it holds waits.  Two things show it:
 *
 *   - a connection handed to it that it has not taken ({got, N});
 *   - while it may hold clients (it has not reported itself idle), a
 *     ping on its link that it has not answered (pong): sent at a tick,
 *     due by the second tick after.
 *
 * Each is logged once, as a warning, and again when it is over; while
 * either lasts, stats give the server's stalled_s and count it in
 * lists_stalled (route_reply.c).  The watch runs while some server may
 * hold clients or has a handoff or a ping unanswered: an idle daemon is
 * left asleep.  O(live servers) a tick.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>

#include <event2/event.h>

#include "chan.h"
#include "etf.h"
#include "evadd.h"
#include "log.h"
#include "monotime.h"
#include "names.h"
#include "pidalive.h"
#include "route_int.h"
#include "stallwatch.h"

/* Ticks after its ping by which a server has answered, or is stalled. */
#define ROUTE_PING_TICKS	2

/* "the list server of FILE (pid N)", its list's file name printable,
 * for the log. */
static const char *
route_label(const struct route *r, char *buf, size_t len)
{
	char file[NAME_FILE_BUFSZ], pid[32] = "not started yet";

	if (name_to_file(r->name, r->len, file, sizeof(file)) == -1)
		snprintf(file, sizeof(file), "?");
	if (r->pid != 0)
		snprintf(pid, sizeof(pid), "pid %d", (int)r->pid);
	snprintf(buf, len, "the list server of %s (%s)", file, pid);
	return buf;
}

/* The watch's next look, if none is due (a connection was handed over,
 * a server was linked). */
void
route_watch_arm(void)
{
	struct timeval tv;

	if (evtimer_pending(rt.watch_ev, NULL))
		return;
	tv = monotime_tv(stallwatch_tick_ms());
	event_add_or_exit(rt.watch_ev, &tv);
}

static void
route_ping(struct route *r, int64_t now)
{
	if (route_send_atom(r->chan, "ping") == -1)
		return;		/* out of memory: asked again next tick */
	r->pinged = now;
	r->ping_ticks = 0;
}

/* A handoff not taken for two ticks: logged once.  1 while one waits. */
static int
route_watch_handoffs(struct route *r, int64_t now)
{
	struct inflight *f;
	char who[NAME_FILE_BUFSZ + 64];

	if ((f = TAILQ_FIRST(&r->inflight)) == NULL)
		return 0;
	if (!r->stalled && now - f->since >= 2 * stallwatch_tick_ms()) {
		r->stalled = 1;
		log_warnx("%s has not taken a connection for %lld s: its "
		    "clients wait", route_label(r, who, sizeof(who)),
		    (long long)stallwatch_secs(now - f->since));
	}
	return 1;
}

/* A ping unanswered by the second tick after: logged once; a server that
 * may hold clients and has none unanswered is asked.  1 while one is
 * unanswered. */
static int
route_watch_pings(struct route *r, int64_t now)
{
	char who[NAME_FILE_BUFSZ + 64];

	if (r->pinged == 0) {
		if (route_is_idle(r) || r->chan == NULL)
			return 0;
		route_ping(r, now);
		return 1;
	}
	if (++r->ping_ticks >= ROUTE_PING_TICKS && !r->mute) {
		r->mute = 1;
		r->mute_since = r->pinged;
		log_warnx("%s has not answered for %lld s%s: its clients wait",
		    route_label(r, who, sizeof(who)),
		    (long long)stallwatch_secs(now - r->pinged),
		    r->pid > 0 ? pid_state_note(r->pid) : "");
	}
	return 1;
}

void
route_watch(evutil_socket_t fd, short ev, void *arg)
{
	struct route *r;
	int64_t now = monotime_ms();
	int waiting = 0;

	TAILQ_FOREACH(r, &rt.lru, lru) {
		waiting |= route_watch_handoffs(r, now);
		waiting |= route_watch_pings(r, now);
	}
	if (waiting)
		route_watch_arm();
}

void
route_took(struct route *r)
{
	char who[NAME_FILE_BUFSZ + 64];

	if (!r->stalled || !TAILQ_EMPTY(&r->inflight))
		return;
	r->stalled = 0;
	log_info("%s takes connections again", route_label(r, who,
	    sizeof(who)));
}

void
route_pong(struct route *r)
{
	char who[NAME_FILE_BUFSZ + 64];

	r->pinged = 0;
	r->ping_ticks = 0;
	if (!r->mute)
		return;
	r->mute = 0;
	/* As a worker's and the cache's (stallwatch.c); from the ping
	 * first unanswered, even if a relink sent another since. */
	log_info("%s answers again, after %lld s", route_label(r, who,
	    sizeof(who)), (long long)stallwatch_secs(monotime_ms() -
	    r->mute_since));
}

void
route_relinked(struct route *r)
{
	r->pinged = 0;		/* the ping went on the old link */
	r->ping_ticks = 0;
	route_watch_arm();
}

int64_t
route_stalled_ms(const struct route *r, int64_t now)
{
	const struct inflight *f;
	int64_t ms = 0;

	if (r->stalled && (f = TAILQ_FIRST(&r->inflight)) != NULL)
		ms = now - f->since;
	if (r->mute && r->pinged != 0 && now - r->pinged > ms)
		ms = now - r->pinged;
	return ms;
}
