/*
 * stallwatch.h: the supervisor's watch for a database worker that stops
 * answering while the daemon serves.  The changes to a worker's lists
 * wait for it, and their clients with them: a disk that stalls, a
 * process stopped by a signal or a long sync all look alike from
 * outside, so the operator is told.  Every STALLWATCH_TICK_MS the
 * supervisor sends each ready worker ping, which it answers pong from
 * its event loop.  A worker that has not answered by the second tick
 * after is stalled: one warning, stalled_s in stats meanwhile (the
 * shared page's stalled_since), and a line with how long when it
 * answers again.  The cache watches the list servers at the same tick
 * (route_watch.c: connections handed to a server that it does not take,
 * pings that a server holding clients does not answer).
 *
 * While nothing can wait on a worker (no live list server, no sync
 * round: the busy callback says so) and every ping is answered, the
 * watch sleeps, so that an idle daemon does not wake every tick;
 * stallwatch_wake() starts it again when a list server is given its
 * list or a sync round begins.
 */
#ifndef TODOD_STALLWATCH_H
#define TODOD_STALLWATCH_H

#include <stdbool.h>
#include <stdint.h>

struct event_base;

#define STALLWATCH_TICK_MS	5000

/* Send worker index a ping: 0, or -1 if there is none to ask now (not
 * started yet, not ready, gone). */
typedef int		(*stallwatch_ping_fn)(int index);
/* The worker's name for the log. */
typedef const char	*(*stallwatch_label_fn)(int index);

/* What the system says the worker is doing, as pid_state_note() says it
 * (pidalive.h): " (stopped by a signal)", or "". */
typedef const char	*(*stallwatch_state_fn)(int index);
/* Whether anything may wait on a worker now. */
typedef bool		(*stallwatch_busy_fn)(void);

/* Start watching workers 0 .. n-1.  0, or -1 with no memory. */
int	stallwatch_start(struct event_base *, int n, stallwatch_ping_fn,
	    stallwatch_label_fn, stallwatch_state_fn, stallwatch_busy_fn);
/* Something may wait on a worker from now on: a sleeping watch runs
 * again. */
void	stallwatch_wake(void);
/* Worker index answered. */
void	stallwatch_pong(int index);
/* Worker index is gone: its next process is watched afresh. */
void	stallwatch_forget(int index);
/* No more watching (the daemon stops; its own watch takes over). */
void	stallwatch_stop(void);
/* A stall of ms milliseconds in whole seconds, rounded (the timer's
 * ticks come a little early or late). */
int64_t	stallwatch_secs(int64_t ms);
/* The tick, STALLWATCH_TICK_MS (test-only: TODOD_FAULT_WATCH_MS), for
 * the cache's watch of list servers too (route_watch.c). */
int64_t	stallwatch_tick_ms(void);

#endif /* TODOD_STALLWATCH_H */
