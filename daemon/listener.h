/*
 * listener.h: the public listening socket.
 *
 * listener_open() prepares the socket's directory, replaces a stale socket
 * file and binds a non-blocking, close-on-exec SOCK_STREAM socket whose
 * file gets the requested mode through the umask (never a chmod after
 * bind).
 *
 * The directory: missing directories (the socket's and its missing
 * parents) are created with mode 0700, plus search permission (x) for the
 * group when the socket mode grants the group anything and for others when
 * it grants others anything; search is all that connect(2) needs, so the
 * directory cannot be listed.  An existing directory keeps its mode, but
 * must be safe: owned by us, by root or by the uid passed as also_ok, and
 * not writable by group or others, sticky or not (dirsafe.h): in a
 * sticky directory anyone may bind the socket's name first.
 *
 * Once checked, the directory is opened, and must be the one checked;
 * from then on the lock file, the probe and removal of a stale socket,
 * the check of the socket bound and its removal at the end go through
 * that descriptor, not the path: another directory put in its place
 * meanwhile (the -u user may rename what is below a directory of its
 * own) is never used.  The bind itself is by the path, so that the
 * socket's name is the path wherever it is shown; a socket that did not
 * land in the directory checked (a connection made through the
 * directory's descriptor does not reach a socket this process listens
 * on) fails the start, and its file is left where the path led.
 *
 * The path's lock: PATH.lock (mode 0600), created if missing and kept
 * (like the data directory's .lock), is locked with flock(2) for as long
 * as the listener is open, so that of two daemons started on one socket
 * path at once (with different data directories) one is refused.  Without
 * it, a daemon that had bound the socket but not yet listened on it would
 * look stale to the other, which would remove it and bind its own.  The
 * lock is held by the process that opened the listener only: children
 * forked by proc_fork() do not inherit it.
 *
 * A leftover file at the path, found with the lock held: if it is a
 * socket, a connect(2) probe decides: refused (nobody listens) means it
 * is stale (its daemon is gone) and is removed; a listener behind it means
 * another daemon (of a version without the lock, or another program), and
 * we refuse.  A path that is not a socket is refused.
 */
#ifndef TODOD_LISTENER_H
#define TODOD_LISTENER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/un.h>

#include "madedirs.h"
#include "options.h"

#define LISTENER_ADDR_MAX	sizeof(((struct sockaddr_un *)0)->sun_path)

struct listener {
	int	fd;			/* -1 when closed */
	int	dirfd;			/* its directory, checked; -1 if not */
	char	path[TODOD_PATH_MAX];
	/* What the probe of a stale socket connects to: path through
	 * dirfd (/proc/self/fd/N/NAME), or path itself when that is too
	 * long or /proc does not show the directory. */
	char	addr[LISTENER_ADDR_MAX];
	char	created[TODOD_PATH_MAX]; /* topmost directory created, or "" */
	struct made_dirs made;		/* the directories made, open */
	dev_t	dev;			/* the socket file we bound */
	ino_t	ino;
	int	lockfd;			/* PATH.lock, locked; -1 if not */
	bool	lock_created;		/* PATH.lock was made by this start */
};

#define LISTENER_LOCK_SUFFIX	".lock"

#ifdef TODOD_FAULTS
/* Test-only: called by listener_open() between the check of the
 * socket's directory and its open, with the directory (a test replaces
 * it there). */
extern void	(*listener_fault_checked)(const char *dir);
/* ... just before the bind (bound 0) and just after it (1), with the
 * socket's path. */
extern void	(*listener_fault_bind)(const char *path, int bound);
#endif

/* The socket's file name in its directory (dirfd). */
const char	*listener_file(const struct listener *);

/* The directory mode used for a socket of this mode (see above). */
mode_t	listener_dir_mode(mode_t socket_mode);

/*
 * Bind and listen on path (absolute, shorter than sun_path).  also_ok: a
 * further uid that may own the socket's directory ((uid_t)-1 for none;
 * the -u user, whose directory it becomes).  Returns 0, or -1 with a
 * message naming the path in err.
 */
int	listener_open(struct listener *, const char *path, mode_t mode,
	    uid_t also_ok, char *err, size_t errsize);

/*
 * The socket's directory and its parents that the start created for the
 * data directory (made first: shared is the topmost directory it
 * created, or "") get the mode listener_open() gives the directories it
 * creates, as if it had made them: else a group that --socket-mode lets
 * in could not reach the socket through a parent made 0700.  The data
 * directory itself is not on the socket's path (a socket inside it is
 * refused).  Returns 0, or -1 with a message in err.
 */
int	listener_share_parents(const struct listener *, const char *shared,
	    mode_t mode, char *err, size_t errsize);

/*
 * Remove the socket file if it is still the one we bound (same device and
 * inode).  Returns 1 if removed, 0 if it was not ours or is gone, -1 on
 * error (errno set).  The descriptor is not touched.
 */
int	listener_unlink(const struct listener *);

/* Close the descriptor, listener_unlink(), then release the path's lock
 * (its file stays); for the supervisor at exit.  Other processes that
 * inherited the socket just close(l->fd). */
int	listener_close(struct listener *);

/* A start refused once the socket is bound: listener_close(), the lock
 * file if listener_open() created it, and the directories it created if
 * empty.  (A failed listener_open() removes its own.) */
void	listener_abandon(struct listener *);

#endif /* TODOD_LISTENER_H */
