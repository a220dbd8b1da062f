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

/* Sync the directory that holds path, so that an entry made in it
 * lasts: 0, or -1 (errno).  A file system that cannot sync a directory
 * (EINVAL) is taken at its word. */
static int
sync_parent(const char *path)
{
	char dir[TODOD_PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, r, saved;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 :
		    (int)(slash - path), path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	r = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return r == -1 && saved != EINVAL ? -1 : 0;
}

/* mkdir(2) with exactly this mode, the new entry synced in its parent:
 * 0 made, 1 already a directory. */
static int
make_one(const char *path, mode_t mode)
{
	struct stat st;
	mode_t old;
	int r, saved;

	old = umask(0);
	r = mkdir(path, mode);
	saved = errno;
	umask(old);
	if (r == 0)
		return sync_parent(path);
	if (saved == EEXIST) {
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			return 1;
		saved = ENOTDIR;
	}
	errno = saved;
	return -1;
}

int
datadir_mkdirs(const char *path, mode_t mode, char *created,
    size_t createdsize, char *err, size_t errsize)
{
	char buf[TODOD_PATH_MAX];
	struct stat st;
	char *p;
	int last, r;

	if (createdsize > 0)
		created[0] = '\0';
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	if (strlcpy(buf, path, sizeof(buf)) >= sizeof(buf))
		return seterr(err, errsize, "path too long: %s", path);
	for (p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		last = *p == '\0';
		if (!last && p[-1] == '/')
			continue;
		*p = '\0';
		if ((r = make_one(buf, mode)) == -1)
			return seterr(err, errsize,
			    "cannot create directory %s: %s", buf,
			    strerror(errno));
		if (r == 0 && createdsize > 0 && created[0] == '\0')
			strlcpy(created, buf, createdsize);
		if (last)
			break;
		*p = '/';
	}
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

void
datadir_rmdirs(const char *path, const char *created)
{
	char buf[TODOD_PATH_MAX], *slash;
	size_t top = strlen(created), len;

	if (top == 0 || strlcpy(buf, path, sizeof(buf)) >= sizeof(buf))
		return;
	for (;;) {
		len = strlen(buf);
		while (len > 1 && buf[len - 1] == '/')
			buf[--len] = '\0';
		/* Only created and what lies under it, by name: "." is
		 * passed over, ".." ends the walk. */
		if (len < top || strncmp(buf, created, top) != 0 ||
		    (len > top && buf[top] != '/') ||
		    (slash = strrchr(buf, '/')) == NULL ||
		    strcmp(slash, "/..") == 0 ||
		    (strcmp(slash, "/.") != 0 && rmdir(buf) == -1) ||
		    len == top || slash == buf)
			return;
		*slash = '\0';
	}
}

void
datadir_abandon(struct datadir *dd)
{
	if (dd->lock_created && dd->lockfd != -1 && dd->dirlockfd != -1)
		(void)unlinkat(dd->dirlockfd, DATADIR_LOCKFILE, 0);
	datadir_unlock(dd);
	datadir_rmdirs(dd->path, dd->created);
}
