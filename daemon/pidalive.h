/*
 * pidalive.h: what /proc says of a process: whether a pid read from a
 * lock file or a pidfile names a process that still runs, and what the
 * process is doing (its state letter).
 *
 * kill(pid, 0) alone says yes for a zombie: a process that has exited
 * and that its parent has not reaped yet (a supervisor killed while an
 * init is slow to reap it).  Such a process holds no lock and answers on
 * no socket, so it is not running for todod's purposes.
 */
#ifndef TODOD_PIDALIVE_H
#define TODOD_PIDALIVE_H

#include <stdbool.h>
#include <sys/types.h>

/* Whether pid exists and is not a zombie (its state in /proc/PID/stat;
 * without /proc, kill(2) alone decides). */
bool	pid_alive(pid_t pid);
/* The state letter of /proc/PID/stat (proc(5)): 'R' running, 'S'
 * sleeping, 'D' in uninterruptible sleep (waiting in the kernel, mostly
 * on a disk: fsync, syncfs, write-back), 'T' stopped, 'Z' a zombie...;
 * 0 if it cannot be read. */
char	pid_state(pid_t pid);
/* The same in words, as a note for a log line: " (waiting on the disk)",
 * " (stopped by a signal)", ...; "" if it cannot be read. */
const char *pid_state_note(pid_t pid);

#endif /* TODOD_PIDALIVE_H */
