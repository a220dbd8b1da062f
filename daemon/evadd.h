/*
 * evadd.h: an event added to the loop, or the process ends.
 *
 * event_add() fails only when libevent has no memory for its queues or
 * the kernel will not watch one more descriptor (epoll's watch limit).
 * An event that is not added is output that never goes, a connection
 * that is never read again, a timer that never fires: the process would
 * hang on it with nothing to show.  Like a message that cannot be queued
 * (chan_send_or_exit(), chan.h), it ends the process instead: the
 * supervisor starts it again, the clients it held see their connections
 * close, and every change answered ok is already on disk.  In the
 * supervisor it ends the daemon, which its service manager restarts.
 *
 * Where a failure has a better answer (a new connection refused, a child
 * not started, a trim not done), callers check event_add() themselves.
 *
 * Test-only (TODOD_FAULTS): while the file TODOD_FAULT_EVADD_FILE names
 * exists, adding an event that waits to write fails (store_fault.h).
 */
#ifndef TODOD_EVADD_H
#define TODOD_EVADD_H

struct event;
struct timeval;

/* event_add(ev, tv), or log why and exit(1). */
void	event_add_or_exit(struct event *ev, const struct timeval *tv);

#endif /* TODOD_EVADD_H */
