/*
 * listener.c: the public listening socket (see listener.h).
 */
#include "config.h"

#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "errbuf.h"
#include "datadir.h"
#include "defaults.h"
#include "dirsafe.h"
#include "listener.h"
#include "log.h"
#include "privdrop.h"

/* Asking for more than SOMAXCONN is fine: the kernel caps the backlog at
 * net.core.somaxconn, so raising that sysctl is enough to get more. */
#define LISTENER_BACKLOG	65535

mode_t
listener_dir_mode(mode_t socket_mode)
{
	mode_t m = 0700;

	if (socket_mode & 0070)
		m |= 0010;
	if (socket_mode & 0007)
		m |= 0001;
	return m;
}

static const char *
file_kind(mode_t m)
{
	if (S_ISREG(m))
		return "a regular file";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISLNK(m))
		return "a symbolic link";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	return "a device";
}

/* The last part of an absolute path: a file's name in its directory. */
static const char *
file_part(const char *path)
{
	return strrchr(path, '/') + 1;
}

const char *
listener_file(const struct listener *l)
{
	return file_part(l->path);
}

static int	shut(struct listener *, bool);

static void
fill_addr(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	strlcpy(sun->sun_path, path, sizeof(sun->sun_path));
}

/* Whether something listens on path: a full backlog (EAGAIN) still
 * means that someone does. */
static bool
answers(const char *path, int *error)
{
	struct sockaddr_un sun;
	int fd, r;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		*error = errno;
		return false;
	}
	fill_addr(&sun, path);
	r = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	*error = r == 0 ? 0 : errno;
	close(fd);
	return r == 0 || *error == EAGAIN || *error == EINPROGRESS;
}

/* The lock of the socket path is held: by a daemon that listens there,
 * or one that starts or stops. */
static int
held_by_another(const struct listener *l, const char *lock, char *err,
    size_t errsize)
{
	const char *path = l->path;
	int error;

	if (answers(l->addr, &error))
		return seterr(err, errsize, "another todod is listening on "
		    "%s", path);
	if (error == ENOENT)
		return seterr(err, errsize, "another todod holds %s, and %s "
		    "does not exist: it is starting, or its socket was "
		    "removed while it ran", lock, path);
	return seterr(err, errsize, "another todod is starting or stopping "
	    "on %s (it holds %s)", path, lock);
}

/* PATH.lock, the file of the socket path's lock (fits: PATH is a
 * sun_path), and its name in the directory. */
#define LOCK_NAME_BUFSZ	(TODOD_PATH_MAX + sizeof(LISTENER_LOCK_SUFFIX))

static void
lock_name(const struct listener *l, char *buf)
{
	snprintf(buf, LOCK_NAME_BUFSZ, "%s%s", l->path, LISTENER_LOCK_SUFFIX);
}

/*
 * Lock PATH.lock (see listener.h), made if missing.  Opened without
 * following a link and without blocking on a FIFO, and only a regular
 * file will do: the directory may be the -u user's, who could have put
 * anything there.  Read-only is enough for flock(2).  A refused start
 * removes a lock file it made, with the lock held: so a lock taken is
 * good only if the path still names the file locked, else try again.
 */
static int
lock_path(struct listener *l, char *err, size_t errsize)
{
	char path[LOCK_NAME_BUFSZ];
	const int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
	struct stat st, now;
	bool created;
	int fd, tries, saved;

	lock_name(l, path);
	for (tries = 0; tries < 10; tries++) {
		created = true;
		if ((fd = openat(l->dirfd, file_part(path), flags | O_CREAT |
		    O_EXCL, 0600)) == -1 && errno == EEXIST) {
			created = false;
			if ((fd = openat(l->dirfd, file_part(path), flags)) ==
			    -1 && errno == ENOENT)
				continue;	/* removed since: again */
		}
		if (fd == -1)
			return seterr(err, errsize, "cannot open the socket's "
			    "lock %s: %s", path, strerror(errno));
		if (fstat(fd, &st) == -1) {
			close(fd);
			return seterr(err, errsize, "%s: %s", path,
			    strerror(errno));
		}
		if (!S_ISREG(st.st_mode)) {
			close(fd);
			return seterr(err, errsize, "%s exists and is not a "
			    "regular file (it is %s); remove it", path,
			    file_kind(st.st_mode));
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
			saved = errno;
			close(fd);
			if (saved == EWOULDBLOCK)
				return held_by_another(l, path, err, errsize);
			return seterr(err, errsize, "cannot lock %s: %s",
			    path, strerror(saved));
		}
		if (fstatat(l->dirfd, file_part(path), &now,
		    AT_SYMLINK_NOFOLLOW) == 0 && now.st_dev == st.st_dev &&
		    now.st_ino == st.st_ino) {
			l->lockfd = fd;
			l->lock_created = created;
			return 0;
		}
		close(fd);	/* removed or replaced since opened */
	}
	return seterr(err, errsize, "cannot lock %s: it keeps being "
	    "replaced", path);
}

/* Release the path's lock; remove its file too if this start made it. */
static void
unlock_path(struct listener *l, bool remove)
{
	char path[LOCK_NAME_BUFSZ];

	if (remove && l->lock_created && l->dirfd != -1) {
		lock_name(l, path);
		(void)unlinkat(l->dirfd, file_part(path), 0);
	}
	l->lock_created = false;
	if (l->lockfd != -1) {
		close(l->lockfd);
		l->lockfd = -1;
	}
}

/* Remove a stale socket file at path; refuse a live one or a non-socket.
 * With the path's lock held, no todod that takes it is bound there and
 * not yet listening. */
static int
clear_stale(const struct listener *l, char *err, size_t errsize)
{
	const char *path = l->path;
	struct stat st;
	int saved;

	if (fstatat(l->dirfd, listener_file(l), &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return 0;
		return seterr(err, errsize, "%s: %s", path, strerror(errno));
	}
	if (!S_ISSOCK(st.st_mode))
		return seterr(err, errsize, "%s exists and is not a socket "
		    "(it is %s); remove it or choose another path with -s",
		    path, file_kind(st.st_mode));
	if (answers(l->addr, &saved))
		return seterr(err, errsize, "another todod is listening on %s",
		    path);
	if (saved == ENOENT)
		return 0;
	if (saved != ECONNREFUSED)
		return seterr(err, errsize, "cannot probe the socket %s: %s",
		    path, strerror(saved));
	if (unlinkat(l->dirfd, listener_file(l), 0) == -1 && errno != ENOENT)
		return seterr(err, errsize, "cannot remove the stale socket "
		    "%s: %s", path, strerror(errno));
	log_debug("removed stale socket %s", path);
	return 0;
}

#ifdef TODOD_FAULTS
void	(*listener_fault_checked)(const char *dir);
void	(*listener_fault_bind)(const char *path, int bound);
#define FAULT_BIND(l, bound) do {					\
	if (listener_fault_bind != NULL)				\
		listener_fault_bind((l)->path, (bound));		\
} while (0)
#else
#define FAULT_BIND(l, bound) do { } while (0)
#endif

/*
 * Whether the socket listening now is the file NAME in the directory
 * checked: a connection made through the directory's descriptor
 * (l->addr) reaches a socket that this process listens on (its peer's
 * credentials are those of the listen(2) call; this process listens on
 * no other socket yet).  Nothing is accepted, so no client that came
 * meanwhile is taken; the cache accepts this connection later and finds
 * it closed.  Without /proc (addr is the path) only the path can be
 * compared with the file.
 */
static bool
bound_here(const struct listener *l)
{
	struct sockaddr_un sun;
	struct stat st, at;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	bool ours;
	int c;

	if (strcmp(l->addr, l->path) == 0)
		return fstatat(l->dirfd, listener_file(l), &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && lstat(l->path, &at) == 0 &&
		    st.st_dev == at.st_dev && st.st_ino == at.st_ino;
	if ((c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return false;
	fill_addr(&sun, l->addr);
	ours = connect(c, (struct sockaddr *)&sun, sizeof(sun)) == 0 &&
	    getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
	    cred.pid == getpid();
	close(c);
	return ours;
}

/*
 * Bind and listen.  as_uid, unless -1: the socket's directory is that
 * user's (-u), who may put a link in its place while root binds by
 * path; the bind is then made as that user, with its primary group only
 * (privdrop_as()), so that wherever the path leads, the socket is made
 * only where the user could make it.
 */
static int
bind_listen(struct listener *l, mode_t mode, uid_t as_uid, char *err,
    size_t errsize)
{
	struct privdrop_saved as;
	struct passwd *pw;
	gid_t gid;
	struct sockaddr_un sun;
	struct stat st, now;
	mode_t old;
	int fd, r, saved;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return seterr(err, errsize, "socket: %s", strerror(errno));
	/* By its path: the name a socket is bound to is what ss(8), the
	 * peers' getpeername() and /proc/net/unix show.  The file is then
	 * looked for in the directory checked. */
	fill_addr(&sun, l->path);
	FAULT_BIND(l, 0);
	if (as_uid != (uid_t)-1) {
		errno = ENOENT;		/* no such user */
		pw = getpwuid(as_uid);
		gid = pw != NULL ? pw->pw_gid : 0;
		if (pw == NULL || privdrop_as(as_uid, gid, 1, &gid, &as) ==
		    -1) {
			saved = errno;
			close(fd);
			return seterr(err, errsize, "cannot bind %s as its "
			    "directory's owner: %s", l->path, strerror(saved));
		}
	}
	old = umask(~mode & 0777);
	r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	saved = errno;
	umask(old);
	if (as_uid != (uid_t)-1 && privdrop_back(&as) == -1)
		fatal("cannot be root again after the bind");
	FAULT_BIND(l, 1);
	if (r == -1) {
		close(fd);
		if (saved == EADDRINUSE)
			return seterr(err, errsize, "another todod is "
			    "listening on %s", l->path);
		return seterr(err, errsize, "cannot bind %s: %s", l->path,
		    strerror(saved));
	}
	if (listen(fd, LISTENER_BACKLOG) == -1) {
		saved = errno;
		close(fd);
		(void)unlinkat(l->dirfd, listener_file(l), 0);
		return seterr(err, errsize, "cannot listen on %s: %s",
		    l->path, strerror(saved));
	}
	/* Bound where the path led: it must have led into the directory
	 * checked.  If not, the socket's file is where it led, and stays:
	 * nothing there is known to be ours to remove. */
	if (fstatat(l->dirfd, listener_file(l), &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISSOCK(st.st_mode) || !bound_here(l) ||
	    fstatat(l->dirfd, listener_file(l), &now, AT_SYMLINK_NOFOLLOW) == -1 ||
	    now.st_dev != st.st_dev || now.st_ino != st.st_ino) {
		close(fd);
		return seterr(err, errsize, "socket directory of %s was "
		    "replaced while it was bound", l->path);
	}
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	l->fd = fd;
	return 0;
}

/* The directory of a socket path (absolute, fits buf). */
static void
socket_dir(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');

	strlcpy(buf, path, size);
	buf[slash == path ? 1 : slash - path] = '\0';
}

/*
 * Open the socket's directory, which must be the one checked (its stat
 * in checked), and name the socket through it for the probe of a stale
 * one when /proc shows it and the name fits.
 */
static int
pin_dir(struct listener *l, const char *dir, const struct stat *checked,
    char *err, size_t errsize)
{
	struct stat st;
	char proc[32];
	int n;

	if ((l->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return seterr(err, errsize, "cannot open socket directory %s: "
		    "%s", dir, strerror(errno));
	if (fstat(l->dirfd, &st) == -1 || !dirsafe_same(&st, checked))
		return seterr(err, errsize, "socket directory %s was replaced "
		    "while it was checked", dir);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", l->dirfd);
	n = snprintf(l->addr, sizeof(l->addr), "%s/%s", proc, listener_file(l));
	if (n < 0 || (size_t)n >= sizeof(l->addr) || stat(proc, &st) == -1 ||
	    !dirsafe_same(&st, checked))
		strlcpy(l->addr, l->path, sizeof(l->addr));
	return 0;
}

int
listener_open(struct listener *l, const char *path, mode_t mode,
    uid_t also_ok, char *err, size_t errsize)
{
	struct sockaddr_un sun;
	struct stat checked;
	char dir[TODOD_PATH_MAX];
	int rc;

	memset(l, 0, sizeof(*l));
	madedirs_init(&l->made);
	l->fd = -1;
	l->dirfd = -1;
	l->lockfd = -1;
	if (strlen(path) >= sizeof(sun.sun_path))
		return seterr(err, errsize, "socket path longer than %zu "
		    "bytes: %s", sizeof(sun.sun_path) - 1, path);
	if (path[0] != '/' || strrchr(path, '/')[1] == '\0')
		return seterr(err, errsize, "socket path must be an absolute "
		    "file name: %s", path);
	strlcpy(l->path, path, sizeof(l->path));
	socket_dir(path, dir, sizeof(dir));
	if (dirsafe_may_make("socket directory", dir, also_ok, err,
	    errsize) == -1 || datadir_mkdirs(dir, listener_dir_mode(mode),
	    l->created, sizeof(l->created), &l->made, err, errsize) == -1)
		return -1;
	/* Not sticky either: anyone may make a name there, this socket's
	 * (listening first, or holding its lock) among them. */
	rc = dirsafe_check("socket directory", dir, also_ok, &checked, err,
	    errsize);
#ifdef TODOD_FAULTS
	if (rc == 0 && listener_fault_checked != NULL)
		listener_fault_checked(dir);
#endif
	if (rc == -1 ||
	    pin_dir(l, dir, &checked, err, errsize) == -1 ||
	    lock_path(l, err, errsize) == -1 ||
	    clear_stale(l, err, errsize) == -1 ||
	    bind_listen(l, mode, geteuid() == 0 && also_ok != (uid_t)-1 &&
	    also_ok != 0 && checked.st_uid == also_ok ? also_ok : (uid_t)-1,
	    err, errsize) == -1) {
		/* A refused start leaves no file or directory of its own
		 * (no socket is bound: l->fd is -1). */
		(void)shut(l, true);
		madedirs_remove(&l->made);
		l->created[0] = '\0';
		return -1;
	}
	return 0;
}

int
listener_share_parents(const struct listener *l, const char *shared,
    mode_t mode, char *err, size_t errsize)
{
	char dir[TODOD_PATH_MAX];
	size_t top = strlen(shared), own = strlen(l->created), len, end;

	socket_dir(l->path, dir, sizeof(dir));
	end = strlen(dir);
	if (top == 0 || strncmp(dir, shared, top) != 0 ||
	    (dir[top] != '/' && dir[top] != '\0'))
		return 0;
	/* From shared down, short of what listener_open() created. */
	for (len = top; len <= end && (own == 0 || len < own); len++) {
		if (dir[len] != '/' && dir[len] != '\0')
			continue;
		if (dir[len] == '/' && dir[len - 1] == '/')
			continue;
		dir[len] = '\0';
		if (chmod(dir, listener_dir_mode(mode)) == -1)
			return seterr(err, errsize, "cannot set the mode of "
			    "directory %s: %s", dir, strerror(errno));
		if (len < end)
			dir[len] = '/';
	}
	return 0;
}

int
listener_unlink(const struct listener *l)
{
	struct stat st;

	if (l->path[0] == '\0' || l->dirfd == -1)
		return 0;
	if (fstatat(l->dirfd, listener_file(l), &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -1;
	if (st.st_dev != l->dev || st.st_ino != l->ino)
		return 0;
	if (unlinkat(l->dirfd, listener_file(l), 0) == -1)
		return errno == ENOENT ? 0 : -1;
	return 1;
}

/* Close the socket, remove its file if ours, and release the lock. */
static int
shut(struct listener *l, bool remove_lock)
{
	int rc;

	if (l->fd != -1) {
		close(l->fd);
		l->fd = -1;
	}
	rc = listener_unlink(l);
	unlock_path(l, remove_lock);
	if (l->dirfd != -1) {
		close(l->dirfd);
		l->dirfd = -1;
	}
	return rc;
}

int
listener_close(struct listener *l)
{
	madedirs_close(&l->made);
	return shut(l, false);
}

void
listener_abandon(struct listener *l)
{
	(void)shut(l, true);
	madedirs_remove(&l->made);
}
