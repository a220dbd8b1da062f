/*
 * route_wait.c: connections for a list with no server wait for room at
 * --max-lists (ROUTE_WAIT_MS), oldest first, before they are told busy.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "evadd.h"
#include "monotime.h"
#include "route.h"
#include "route_int.h"

/*
 * The oldest waiter, out of the queue.  It leaves the queue before it is
 * handed on: a refused connection may be served at once
 * (cache_unattached, when it cannot be served from the loop), and a
 * request it pipelined after its attach can attach again, wait and wake
 * the queue within that call, which must not find this waiter there
 * still.
 */
static struct waiter *
waiter_take(void)
{
	struct waiter *w = TAILQ_FIRST(&rt.waiters);

	TAILQ_REMOVE(&rt.waiters, w, entry);
	rt.nwaiters--;
	return w;
}

static void
waiter_free(struct waiter *w)
{
	kept_clear(&w->c);
	free(w);
}

/* The timer for the oldest waiter's deadline. */
static void
route_wait_arm(void)
{
	struct waiter *w = TAILQ_FIRST(&rt.waiters);
	struct timeval tv;

	if (w == NULL) {
		evtimer_del(rt.wait_ev);
		return;
	}
	tv = monotime_until(w->until);
	event_add_or_exit(rt.wait_ev, &tv);
}

/* Queue the connection to wait for room: 0, or -1 with no memory for
 * it (fd is still the caller's). */
int
route_wait(const void *name, size_t len, int fd, uid_t uid,
    const void *input, size_t inlen, const char *error,
    const struct route_fallback *fb)
{
	struct waiter *w;

	if (len > sizeof(w->name) || (w = calloc(1, sizeof(*w))) == NULL)
		return -1;
	if (kept_init(&w->c, fd, uid, input, inlen, error, fb) == -1) {
		free(w);
		return -1;
	}
	w->until = monotime_ms() + ROUTE_WAIT_MS;
	memcpy(w->name, name, len);
	w->len = len;
	TAILQ_INSERT_TAIL(&rt.waiters, w, entry);
	if (rt.nwaiters++ == 0)
		route_wait_arm();
	return 0;
}

/* Room may have come: the waiters that can go now, oldest first. */
void
route_wake(void)
{
	struct route *old;
	struct waiter *w;

	if (rt.nwaiters == 0)
		return;
	while ((w = TAILQ_FIRST(&rt.waiters)) != NULL &&
	    (route_find(w->name, w->len) != NULL || route_room(&old))) {
		w = waiter_take();
		kept_attach(&w->c, w->name, w->len, 0);
		waiter_free(w);
	}
	route_wait_arm();
}

/* The oldest waiters' time is up: they are told busy (a re-attach goes
 * back to its list with it). */
void
route_wait_expired(evutil_socket_t fd, short ev, void *arg)
{
	struct waiter *w;
	int64_t now = monotime_ms();

	while ((w = TAILQ_FIRST(&rt.waiters)) != NULL && w->until <= now) {
		w = waiter_take();
		kept_refuse(&w->c);
		waiter_free(w);
	}
	route_wait_arm();
}
