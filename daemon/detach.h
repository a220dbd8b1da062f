/*
 * detach.h: becoming a daemon, so that `todod` returns once the service
 * is ready.
 *
 * detach_start() forks.  The original process waits and never returns: it
 * exits 0 when the daemon calls detach_ready(), or 1 when the daemon dies
 * before that (its error messages have reached the original stderr, which
 * the daemon keeps until it is ready: log to stderr until then).  The
 * daemon process returns from detach_start() in a new session (setsid),
 * with "/" as its working directory.
 *
 * Detach before taking the data directory lock, so that the lock file
 * holds the daemon's pid, and before writing the pidfile.
 *
 * Processes forked before detach_ready() inherit the readiness pipe: they
 * should close detach_fd() (else the waiting process cannot see that the
 * daemon died) and, unless in the foreground, call detach_devnull().
 */
#ifndef TODOD_DETACH_H
#define TODOD_DETACH_H

#include <stddef.h>

/* Returns 0 in the daemon; -1 with a message in err if it cannot fork. */
int	detach_start(char *err, size_t errsize);

/*
 * In the daemon, once it serves: stdin, stdout and stderr to /dev/null,
 * then release the waiting process (exit 0).  Returns 0; 1 if that
 * process is gone (killed while it waited: the daemon runs on); or -1
 * with a message in err (stderr may then still be open).  Does nothing
 * without detach_start().
 */
int	detach_ready(char *err, size_t errsize);

/* The write end of the readiness pipe, -1 when there is none. */
int	detach_fd(void);

/* Point stdin, stdout and stderr at /dev/null.  Returns 0 or -1 (errno). */
int	detach_devnull(void);
/* Point descriptor fd (open or not) at /dev/null.  0 or -1 (errno). */
int	detach_to_devnull(int fd);

#endif /* TODOD_DETACH_H */
