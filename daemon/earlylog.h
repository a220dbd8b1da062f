/*
 * earlylog.h: the start-up warnings of a detaching daemon's children, on
 * the standard error of the command that started it.
 *
 * A detaching todod keeps its standard error until it is ready, so that
 * the command that started it shows why a start failed.  Its children log
 * to syslog from the start; their warnings and errors before readiness
 * (a worker's reason to refuse its journal, say) also go down a pipe to
 * the supervisor, which copies them to its standard error when a child
 * exits, when it is ready, and when it exits.  Then the pipe is closed:
 * a child's next write to it fails and it logs to syslog alone.  The
 * pipe does not block: what does not fit is in syslog only.
 */
#ifndef TODOD_EARLYLOG_H
#define TODOD_EARLYLOG_H

/* In the supervisor, after detaching and before the first fork: 0, or
 * -1 (errno; the children then log to syslog alone). */
int	earlylog_open(void);
/* The pipe's write end, for a child to keep (proc_fork), or -1. */
int	earlylog_fd(void);
/* In a child: fd (the write end, as kept) becomes its standard error,
 * where its warnings and errors go as well as to syslog. */
void	earlylog_child(int fd);
/* In the supervisor: copy what the pipe holds to standard error. */
void	earlylog_relay(void);
/* In the supervisor: relay, then close the pipe (readiness, exit). */
void	earlylog_close(void);

#endif /* TODOD_EARLYLOG_H */
