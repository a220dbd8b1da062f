/*
 * stallwatch.h: the supervisor's watch for a child that stops answering
 * while the daemon serves: a database worker, whose lists' changes wait
 * for it, and the cache, which every new client waits for.  A disk that
 * stalls, a process stopped by a signal or a long sync all look alike
 * from outside, so the operator is told.  Every STALLWATCH_TICK_MS the
 * supervisor sends each ready child watched ping, which it answers pong
 * from its event loop.  A child that has not answered by the second tick
 * after is stalled: one warning, the stalled callback meanwhile (a
 * worker's stalled_s in stats), and a line with how long when it answers
 * again.  The cache watches the list servers at the same tick
 * (route_watch.c: connections handed to a server that it does not take,
 * pings that a server holding clients does not answer).
 *
 * While nothing can wait on a child (no live list server, no sync round:
 * the busy callback says so; no connection waiting to be accepted on the
 * wake descriptor, the listening socket) and every ping is answered, the
 * watch sleeps, so that an idle daemon does not wake every tick.  It
 * runs again on stallwatch_wake(), called when a list server is given
 * its list or a sync round begins, and when a connection waits to be
 * accepted: so a cache stopped while the daemon was idle is noticed once
 * a client comes.
 */
#ifndef TODOD_STALLWATCH_H
#define TODOD_STALLWATCH_H

#include <stdbool.h>
#include <stdint.h>

struct event_base;

#define STALLWATCH_TICK_MS	5000
#define STALLWATCH_MAX		128	/* children watched */

/* What the watch asks of its owner about child index. */
struct stallwatch_ops {
	/* Send it a ping: 0, or -1 if there is none to ask now (not
	 * started yet, not ready, gone). */
	int		(*ping)(int index);
	/* Its name for the log: "worker[1]", "the cache". */
	const char	*(*label)(int index);
	/* What waits while it does not answer, for the log: "changes to
	 * its lists wait". */
	const char	*(*waits)(int index);
	/* What the system says it is doing, as pid_state_note() says it
	 * (pidalive.h): " (stopped by a signal)", or "". */
	const char	*(*state)(int index);
	/* It is stalled since the monotonic ms since, or no more (0). */
	void		(*stalled)(int index, int64_t since);
	/* Whether anything may wait on a child now, the wake descriptor
	 * aside. */
	bool		(*busy)(void);
};

/* Start watching children 0 .. n-1 (at most STALLWATCH_MAX).  wake_fd:
 * a listening socket whose waiting connections keep the watch awake, or
 * -1.  0, or -1 with no memory. */
int	stallwatch_start(struct event_base *, int n,
	    const struct stallwatch_ops *, int wake_fd);
/* Something may wait on a child from now on: a sleeping watch runs
 * again. */
void	stallwatch_wake(void);
/* Child index answered. */
void	stallwatch_pong(int index);
/* Child index is gone: its next process is watched afresh. */
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
