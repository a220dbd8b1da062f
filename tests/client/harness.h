/*
 * harness.h: what the client tests share: running a program with its
 * output captured, a private daemon in a temporary directory, and fake
 * daemons that misbehave on purpose.  Every wait has a deadline.
 *
 * The daemon is $TODOD (`todod -f -s SOCK -d DIR`), or, when
 * TODOD_TEST_PEER names the protocol's reference peer (an .exs file), that
 * peer run by elixir.
 */
#ifndef TODOD_TEST_HARNESS_H
#define TODOD_TEST_HARNESS_H

#include <sys/types.h>

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "../todod_only.h"

#define H_RUN_DEADLINE_MS	300000	/* one program run */
#define H_START_DEADLINE_MS	60000	/* a daemon's socket to answer */
#define H_STOP_DEADLINE_MS	20000

struct h_run {
	int	 status;	/* exit status, or 128 + signal */
	char	*out;		/* NUL-terminated (and out_len bytes) */
	size_t	 out_len;
	char	*err;
	size_t	 err_len;
};

/* Run argv (argv[0] a path) with stdin from in_path (NULL: /dev/null)
 * and extra environment settings env ("NAME=value", NULL-terminated, or
 * NULL).  Returns 0, or -1 if it could not be run or did not finish in
 * time (it is killed then). */
int	h_run_argv(struct h_run *, const char *in_path, char *const env[],
	    char *const argv[]);
void	h_run_free(struct h_run *);
/* $TODOCTL -s sock ARGS... (sock NULL: no -s), NULL-terminated. */
int	h_ctl(struct h_run *, const char *sock, const char *in_path, ...);
/* The todoctl under test. */
const char *h_todoctl(void);
/* The todo-bench beside it. */
const char *h_todo_bench(void);

/* A fresh temporary directory (static storage per call: copy it). */
char	*h_tmpdir(void);
/* rm -r */
void	h_rmtree(const char *);
/* Write len bytes to path. 0 or -1. */
int	h_write_file(const char *path, const void *, size_t);
/* Read a whole file (NUL added). NULL on error. */
char	*h_read_file(const char *path, size_t *len);

struct h_daemon {
	pid_t	pid;
	bool	peer;			/* the reference peer, not todod */
	char	dir[PATH_MAX];
	char	sock[PATH_MAX];
	char	data[PATH_MAX];
	char	log[PATH_MAX];
};

/* Start a private daemon and wait until its socket answers a ping.
 * 0, or -1 with a message on stderr (the daemon's log included). */
int	h_daemon_start(struct h_daemon *);
/* SIGTERM, wait (SIGKILL after the deadline), remove the directory.
 * Returns the daemon's exit status (128 + signal if killed). */
int	h_daemon_stop(struct h_daemon *);
/* true if the daemon is the reference peer (TODOD_TEST_PEER set). */
bool	h_using_peer(void);
/* First in a test case that checks what only todod does: skipped, with
 * a line on stderr, against the peer (see todod_only.h). */
#define H_TODOD_ONLY(reason)	H_TODOD_ONLY_IF(h_using_peer(), (reason))

/* A fake daemon: listens on path, accepts one connection and runs
 * fn(fd, arg) in a child process, which then exits.  Returns its pid. */
pid_t	h_fake_server(const char *path, void (*fn)(int, void *), void *arg);
/* Wait for a child with a deadline (kill it after). Exit status. */
int	h_wait(pid_t, int deadline_ms);
/* Read one frame from fd (blocking): its payload length, or -1. */
long	h_read_frame(int fd, void *buf, size_t size);
/* Write one frame. 0 or -1. */
int	h_write_frame(int fd, const void *, size_t);

#endif /* TODOD_TEST_HARNESS_H */
