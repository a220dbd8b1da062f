/*
 * tutil.h: helpers for the daemon's unit tests: scratch directories,
 * running a function in a child process with its output captured, and
 * running a suite.
 */
#ifndef TODOD_TUTIL_H
#define TODOD_TUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include <check.h>

#include "../ckrun.h"

#define TU_OUTMAX	16384
#define TU_DEADLINE_MS	20000

struct tu_result {
	int	status;			/* from waitpid */
	char	out[TU_OUTMAX];		/* the child's stdout */
	char	err[TU_OUTMAX];		/* the child's stderr */
};

/* Make a fresh directory <root>/<tag>.XXXXXX, root a directory of the
 * test program's own in /tmp, removed as the program exits, whatever the
 * tests left (short, for socket paths). */
void	tu_tmpdir(char *buf, size_t size, const char *tag);

/* Remove a directory tree; errors are ignored. */
void	tu_rmtree(const char *path);

/* Rename the directory dir to dir.away and make another (0700) in its
 * place, as a user who owns the directory above could (a test-only hook
 * between a directory's check and its open). */
void	tu_replace_dir(const char *dir);

/*
 * Run fn(arg) in a child whose stdout and stderr are captured; the child
 * exits 0 if fn returns.  Killed after TU_DEADLINE_MS.
 */
void	tu_run(void (*fn)(void *), void *arg, struct tu_result *);

/* Exit status of a child that exited, -1 otherwise (e.g. signalled). */
int	tu_exitcode(int status);

/* Wait up to ms milliseconds for path to exist; 0 if it does, -1 not. */
int	tu_wait_path(const char *path, int ms);

/* Wait up to ms milliseconds for pid to exit; -1 on timeout. */
int	tu_waitpid(pid_t pid, int *status, int ms);

/* Wait up to ms milliseconds for a child to exit, without reaping it: it
 * is a zombie then.  0, or -1 on timeout. */
int	tu_wait_zombie(pid_t pid, int ms);

/* Become uid/gid 65534 (nobody) if root; 0 on success or not root. */
int	tu_become_nobody(void);

/* Read a whole (small) file into buf; returns its length or -1. */
ssize_t	tu_read_file(const char *path, char *buf, size_t size);
/* datadir_lock() with no other user allowed to own the directory. */
struct datadir;
int	dd_lock(struct datadir *, const char *path, pid_t *holder, char *err,
	    size_t errsize);

#endif /* TODOD_TUTIL_H */
