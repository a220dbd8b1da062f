/*
 * ttyguard.h: a foreground daemon started with -u keeps the terminal from
 * the processes that run as USER.
 *
 * `todod -f -u USER` started as root from a shell holds the shell's
 * terminal: a process that has it as its controlling terminal could push
 * keystrokes into root's shell (TIOCSTI) once todod exits.  So, before the
 * first fork, the supervisor gives up its controlling terminal (TIOCNOTTY)
 * and reads nothing from it (standard input from /dev/null); it stays in
 * the terminal's foreground process group, where Control-C reaches it.
 * Only when it leads the terminal's session (a container's first process,
 * say) does it keep the terminal: giving it up would leave Control-C
 * nothing to stop, and the session ends with todod.
 *
 * Its children, which read client input, each lead a session of their
 * own with no controlling terminal (setsid), and hold no descriptor of
 * the terminal at all: standard input and output from and to /dev/null,
 * and standard error, if it was the terminal, down a pipe that the
 * supervisor copies to its own standard error.  The pipe does not block
 * its writers: what does not fit is lost.
 *
 * The supervisor keeps its standard output and error, which may be the
 * terminal, for its own messages.
 */
#ifndef TODOD_TTYGUARD_H
#define TODOD_TTYGUARD_H

struct event_base;

/* In the supervisor, before the first fork: give up the controlling
 * terminal (see above), standard input from /dev/null if it is a
 * terminal, and the pipe if standard error is one.  0, or -1 (logged;
 * without the pipe the children write their messages to /dev/null). */
int	ttyguard_start(void);
/* In the supervisor: copy what comes down the pipe as it comes.  0, or
 * -1 (out of memory). */
int	ttyguard_relay(struct event_base *);
/* Whether ttyguard_start() was called: the children are to be guarded. */
int	ttyguard_active(void);
/* The pipe's write end, for a child to keep (proc_fork), or -1. */
int	ttyguard_fd(void);
/* In a child: a session of its own, standard input and output that are
 * terminals from and to /dev/null, standard error that is one to fd (the
 * write end as kept; or /dev/null when fd is -1).  Closes fd. */
void	ttyguard_child(int fd);
/* In the supervisor at exit: copy what is left, close the pipe. */
void	ttyguard_stop(void);

#endif /* TODOD_TTYGUARD_H */
