/*
 * datadir.c: the data directory lock (see datadir.h).
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "errbuf.h"
#include "datadir.h"
#include "dirsafe.h"
#include "pidalive.h"

/* How long to wait for a new holder to write its pid (10 ms steps). */
#define HOLDER_TRIES	50

/* Sync the directory dirfd (O_PATH: it is opened for reading), so that
 * an entry made in it lasts: 0, or -1 (errno).  A file system that
 * cannot sync a directory (EINVAL) is taken at its word. */
static int
sync_dir(int dirfd)
{
	int fd, r, saved;

	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return -1;
	r = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return r == -1 && saved != EINVAL ? -1 : 0;
}

/*
 * One name of the way to a directory to be made, in dirfd: made if
 * missing (mode exactly, the entry synced in dirfd), then opened
 * (O_PATH: searching it is enough), links followed, into *out.  Whatever is there, found or made, must be
 * root's or this process's user's, a link too: the way was checked
 * before (dirsafe_may_make()), but a name missing then may have been
 * put there since by another user, in a directory others may write (a
 * sticky one), to lead root elsewhere.  Nothing else can change a name
 * of root's there.  0 made, 1 found; -1 (errno), or -2 another's
 * (*owner).
 */
static int
mkdir_step(int dirfd, const char *name, mode_t mode, int *out, uid_t *owner)
{
	struct stat st;
	mode_t old;
	int made, r;

	old = umask(0);
	r = mkdirat(dirfd, name, mode);
	umask(old);
	if (r == -1 && errno != EEXIST)
		return -1;
	if ((made = r == 0) && sync_dir(dirfd) == -1)
		return -1;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		*owner = st.st_uid;
		return -2;
	}
	if ((*out = openat(dirfd, name, O_PATH | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return -1;
	return made ? 0 : 1;
}

int
datadir_mkdirs(const char *path, mode_t mode, char *created,
    size_t createdsize, char *err, size_t errsize)
{
	char buf[TODOD_PATH_MAX];
	struct stat st;
	char *p, *name, sep;
	uid_t owner = 0;
	int fd, next, r;

	if (createdsize > 0)
		created[0] = '\0';
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	if (strlcpy(buf, path, sizeof(buf)) >= sizeof(buf))
		return seterr(err, errsize, "path too long: %s", path);
	/* A name at a time, through descriptors: what was made is what is
	 * opened next, not the path looked up again. */
	if ((fd = open(buf[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return seterr(err, errsize, "cannot create directory %s: %s",
		    path, strerror(errno));
	for (p = buf;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		for (name = p; *p != '\0' && *p != '/'; p++)
			;
		sep = *p;
		*p = '\0';		/* buf: the path up to this name */
		if (strcmp(name, ".") == 0) {
			*p = sep;
			continue;
		}
		if ((r = mkdir_step(fd, name, mode, &next, &owner)) < 0) {
			close(fd);
			if (r == -2)
				return seterr(err, errsize, "cannot create "
				    "directory %s: %s is owned by uid %u, "
				    "neither root nor this process's user "
				    "(put there while starting?)", path, buf,
				    (unsigned)owner);
			return seterr(err, errsize, "cannot create directory "
			    "%s: %s", buf, strerror(errno == ENOENT ?
			    ENOTDIR : errno));
		}
		close(fd);
		fd = next;
		if (r == 0 && createdsize > 0 && created[0] == '\0')
			strlcpy(created, buf, createdsize);
		*p = sep;
	}
	close(fd);
	return 0;
}

#ifdef TODOD_FAULTS
void	(*datadir_fault_checked)(const char *path);
#endif

/* The pid in an existing lock file, 0 if there is none (yet). */
static pid_t
read_holder(int fd)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	char buf[32];
	ssize_t n;
	long v;
	char *end;
	int i;

	for (i = 0; i < HOLDER_TRIES; i++) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n > 0) {
			buf[n] = '\0';
			v = strtol(buf, &end, 10);
			if (end != buf && (*end == '\n' || *end == '\0') &&
			    v > 0 && v <= 0x7fffffff)
				return (pid_t)v;
		}
		nanosleep(&ts, NULL);
	}
	return 0;
}

static int
held(struct datadir *dd, int fd, pid_t *holder, char *err, size_t errsize)
{
	pid_t pid;

	pid = read_holder(fd);
	close(fd);
	*holder = pid;
	if (pid == 0)
		return seterr(err, errsize, "data directory %s is in use by "
		    "another todod", dd->path);
	if (!pid_alive(pid))
		return seterr(err, errsize, "data directory %s is in use by "
		    "the processes of todod pid %ld, which has exited",
		    dd->path, (long)pid);
	return seterr(err, errsize, "data directory %s is in use by todod "
	    "pid %ld", dd->path, (long)pid);
}

/* The lock file in the directory open as dfd. */
static int
open_lockfile(struct datadir *dd, int dfd, char *err, size_t errsize)
{
	char lpath[TODOD_PATH_MAX];
	struct stat st;
	int fd;

	if ((size_t)snprintf(lpath, sizeof(lpath), "%s/%s", dd->path,
	    DATADIR_LOCKFILE) >= sizeof(lpath))
		return seterr(err, errsize, "path too long: %s", dd->path);
	fd = openat(dfd, DATADIR_LOCKFILE, O_RDWR | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd != -1) {
		dd->lock_created = true;
		if (fchmod(fd, 0600) == -1) {
			close(fd);
			return seterr(err, errsize, "%s: %s", lpath,
			    strerror(errno));
		}
		return fd;
	}
	if (errno == EEXIST)
		fd = openat(dfd, DATADIR_LOCKFILE, O_RDWR | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return seterr(err, errsize, "cannot open lock file %s: %s",
		    lpath, strerror(errno));
	/* Its pid is written to it: not to a FIFO or a device, nor to a
	 * file that has another name too (a hard link to a file elsewhere,
	 * which root would overwrite). */
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return seterr(err, errsize, "lock file %s is not a regular "
		    "file", lpath);
	}
	if (st.st_nlink != 1) {
		close(fd);
		return seterr(err, errsize, "lock file %s has %ju links: it "
		    "must have one (remove it)", lpath,
		    (uintmax_t)st.st_nlink);
	}
	return fd;
}

/*
 * Open the directory checked (its stat in checked) and lock it: a daemon
 * whose .lock was removed still holds it.  Its holder is named by .lock
 * if that is there.  From here on the directory is used through this
 * descriptor, never by name again: another directory put in its place
 * since the check (the -u user may rename what is below a directory of
 * its own) is refused, not used by root.
 */
static int
lock_dir(struct datadir *dd, const struct stat *checked, pid_t *holder,
    char *err, size_t errsize)
{
	struct stat st;
	int dfd, fd;

	if ((dfd = open(dd->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return seterr(err, errsize, "cannot open %s: %s", dd->path,
		    strerror(errno));
	if (fstat(dfd, &st) == -1 || !dirsafe_same(&st, checked)) {
		close(dfd);
		return seterr(err, errsize, "data directory %s was replaced "
		    "while it was checked", dd->path);
	}
	if (flock(dfd, LOCK_EX | LOCK_NB) == 0)
		return dfd;
	if (errno != EWOULDBLOCK) {
		close(dfd);
		return seterr(err, errsize, "cannot lock %s: %s", dd->path,
		    strerror(errno));
	}
	fd = openat(dfd, DATADIR_LOCKFILE, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC);
	close(dfd);
	if (fd != -1)
		return held(dd, fd, holder, err, errsize);
	return seterr(err, errsize, "data directory %s is in use by another "
	    "todod", dd->path);
}

int
datadir_lock(struct datadir *dd, const char *path, uid_t also_ok,
    pid_t *holder, char *err, size_t errsize)
{
	struct stat checked;
	char buf[32];
	int dfd, fd, n;

	memset(dd, 0, sizeof(*dd));
	dd->lockfd = dd->dirlockfd = -1;
	*holder = 0;
	if (strlcpy(dd->path, path, sizeof(dd->path)) >= sizeof(dd->path))
		return seterr(err, errsize, "path too long: %s", path);
	/* Root makes nothing where another user could lead the path. */
	if (dirsafe_may_make("data directory", path, also_ok, err,
	    errsize) == -1 || datadir_mkdirs(path, 0700, dd->created,
	    sizeof(dd->created), err, errsize) == -1)
		return -1;
	/* Another user who may make files here could plant a journal that
	 * a worker would replay.  (Made now, it is 0700 and ours.) */
	if (dirsafe_check("data directory", path, also_ok, &checked, err,
	    errsize) == -1) {
		datadir_rmdirs(path, dd->created);
		return -1;
	}
#ifdef TODOD_FAULTS
	if (datadir_fault_checked != NULL)
		datadir_fault_checked(path);
#endif
	if ((dfd = lock_dir(dd, &checked, holder, err, errsize)) == -1)
		return -1;
	if ((fd = open_lockfile(dd, dfd, err, errsize)) == -1) {
		close(dfd);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		close(dfd);
		if (errno == EWOULDBLOCK)
			return held(dd, fd, holder, err, errsize);
		close(fd);
		return seterr(err, errsize, "cannot lock %s/%s: %s", path,
		    DATADIR_LOCKFILE, strerror(errno));
	}
	dd->lockfd = fd;
	dd->dirlockfd = dfd;
	/* The pid only names the holder; the lock is the flock.  A full
	 * disk must not keep a daemon from starting on the journals it
	 * holds, which need no new space to be replayed and served. */
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	errno = ENOSPC;		/* for a short write */
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, (size_t)n, 0) != n) {
		seterr(err, errsize, "cannot write the pid into %s/%s: %s",
		    path, DATADIR_LOCKFILE, strerror(errno));
		return 1;
	}
	return 0;
}

void
datadir_unlock(struct datadir *dd)
{
	if (dd->lockfd != -1) {
		close(dd->lockfd);
		dd->lockfd = -1;
	}
	if (dd->dirlockfd != -1) {
		close(dd->dirlockfd);
		dd->dirlockfd = -1;
	}
}

/* Directories below created that datadir_rmdirs() removes, at most. */
#define RMDIRS_MAX	64

/*
 * By descriptors, a name at a time, links not followed: what this start
 * made may have been given to -u's user already, who could have put a
 * link in the place of one of its directories, and root, removing by
 * name, would remove an empty directory of the same name where the link
 * led.  created itself is in a directory that only root may change.
 */
void
datadir_rmdirs(const char *path, const char *created)
{
	char buf[TODOD_PATH_MAX], top[TODOD_PATH_MAX];
	char *names[RMDIRS_MAX], *tok, *save, *slash;
	const char *parent, *base;
	int fds[RMDIRS_MAX + 2], n = 0, opened, i;
	size_t toplen = strlen(created);

	if (toplen == 0 || strlcpy(buf, path, sizeof(buf)) >= sizeof(buf) ||
	    strlcpy(top, created, sizeof(top)) >= sizeof(top) ||
	    strncmp(buf, created, toplen) != 0 ||
	    (buf[toplen] != '\0' && buf[toplen] != '/'))
		return;
	/* The names from created down to path; a ".." ends nothing here. */
	for (tok = strtok_r(buf + toplen, "/", &save); tok != NULL;
	    tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0 || n == RMDIRS_MAX)
			return;
		names[n++] = tok;
	}
	while (strlen(top) > 1 && top[strlen(top) - 1] == '/')
		top[strlen(top) - 1] = '\0';
	if ((slash = strrchr(top, '/')) == NULL) {
		parent = ".";
		base = top;
	} else if (slash == top) {
		parent = "/";
		base = top + 1;
	} else {
		*slash = '\0';
		parent = top;
		base = slash + 1;
	}
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return;
	if ((fds[0] = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	if ((fds[1] = openat(fds[0], base, O_PATH | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1) {
		close(fds[0]);
		return;
	}
	for (opened = 0; opened < n; opened++)
		if ((fds[opened + 2] = openat(fds[opened + 1], names[opened],
		    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
			break;
	/* Deepest first, each only if empty; the rest stay at the first
	 * that is not (or when the way is not all there). */
	if (opened == n) {
		for (i = n - 1; i >= 0; i--)
			if (unlinkat(fds[i + 1], names[i], AT_REMOVEDIR) == -1)
				break;
		if (i < 0)
			(void)unlinkat(fds[0], base, AT_REMOVEDIR);
	}
	for (i = opened + 1; i >= 0; i--)
		close(fds[i]);
}

void
datadir_abandon(struct datadir *dd)
{
	if (dd->lock_created && dd->lockfd != -1 && dd->dirlockfd != -1)
		(void)unlinkat(dd->dirlockfd, DATADIR_LOCKFILE, 0);
	datadir_unlock(dd);
	datadir_rmdirs(dd->path, dd->created);
}
