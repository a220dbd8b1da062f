/*
 * supervisor.h: todod's first process.
 *
 * It takes the data directory's lock, binds the public socket, forks the
 * spawner, the database workers and the cache, announces readiness once
 * all of them are set up, then only supervises: it reaps children,
 * restarts the permanent ones (spawner, cache, workers) within a restart
 * intensity (more than 5 restarts in 10 seconds shuts everything down),
 * starts list servers when the cache asks, in spares the spawner forks
 * or in the processes of released servers (and learns their exits from
 * the spawner), and wires every channel between them.
 */
#ifndef TODOD_SUPERVISOR_H
#define TODOD_SUPERVISOR_H

struct todod_config;

/* Runs the daemon; returns the exit status. */
int	supervisor_run(const struct todod_config *);

#endif /* TODOD_SUPERVISOR_H */
