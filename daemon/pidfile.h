/*
 * pidfile.h: the pidfile, written once the socket is bound.
 *
 * The file (mode 0644) holds the pid in decimal and a newline.  It is
 * written to a temporary file in the same directory and renamed over the
 * path, so a reader sees the old file or the new one, never a partial one.
 * Its directory must exist.
 */
#ifndef TODOD_PIDFILE_H
#define TODOD_PIDFILE_H

#include <sys/types.h>

#include <stddef.h>

/* Write getpid() to path, unless it names another todod that runs as
 * this process's user or as also_uid ((uid_t)-1 for none); a pidfile
 * naming no process, another program or another user's process is
 * replaced.  Returns 0, or -1 with a message in err. */
int	pidfile_create(const char *path, uid_t also_uid, char *err,
	    size_t errsize);

/*
 * Remove path if it still holds our pid (a pidfile rewritten by someone
 * else is left alone).  No descriptor of it is kept after
 * pidfile_create(), so once privileges are dropped (-u) a pidfile in a
 * directory the user may not write is left in place: it then names a
 * process that is gone, and the next start replaces it.  Returns 1 if
 * removed, 2 if left so, 0 if not ours or missing, -1 on another error
 * (errno set).
 */
int	pidfile_unlink(const char *path);

#endif /* TODOD_PIDFILE_H */
