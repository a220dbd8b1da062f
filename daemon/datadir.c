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
#include "madedirs.h"
#include "pathname.h"
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

/* Links followed on the way to a directory to be made, at most (as the
 * kernel's limit). */
#define MKDIRS_MAX_LINKS	40

/* A walk down the way to a directory to be made (datadir_mkdirs()). */
struct way {
	mode_t		  mode;		/* of each directory made */
	struct made_dirs *made;		/* each made, unless NULL */
	int		  links;	/* links followed so far */
	uid_t		  owner;	/* of a name found another user's */
	size_t		  failed;	/* the path's length up to the name
					   that failed */
	size_t		  first_made;	/* up to the first name made; 0 none */
};

/* What is found on the way must be root's or this process's user's. */
static int
owner_ok(const struct stat *st, uid_t *owner)
{
	if (st->st_uid == 0 || st->st_uid == geteuid())
		return 1;
	*owner = st->st_uid;
	return 0;
}

static int	descend(int, const char *, int, struct way *, int *);

/*
 * name in dirfd, which must exist: a directory, opened (O_PATH) into
 * *out, or a link, whose target is walked the same way (descend(),
 * nothing made in it).  0, -1 (errno), or -2 another user's
 * (w->owner).
 */
static int
step_existing(int dirfd, const char *name, enum pathname_kind kind,
    struct way *w, int *out)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	if (kind == PATHNAME_DOTDOT) {
		if ((*out = openat(dirfd, "..", O_PATH | O_DIRECTORY |
		    O_CLOEXEC)) == -1)
			return -1;
		if (fstat(*out, &st) == 0 && owner_ok(&st, &w->owner))
			return 0;
		close(*out);
		return -2;
	}
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	if (!owner_ok(&st, &w->owner))
		return -2;
	if (S_ISLNK(st.st_mode)) {
		/*
		 * The target, from the link's directory, a name at a time,
		 * as the kernel would follow it, the names in it checked
		 * too: a link of root's may lead through a directory where
		 * another user can make names (a sticky one), and one
		 * missing when the way was checked may be that user's now.
		 */
		if (++w->links > MKDIRS_MAX_LINKS) {
			errno = ELOOP;
			return -1;
		}
		if ((n = readlinkat(dirfd, name, target, sizeof(target) - 1)) ==
		    -1)
			return -1;
		target[n] = '\0';
		if ((fd = target[0] == '/' ? open("/", O_PATH | O_DIRECTORY |
		    O_CLOEXEC) : fcntl(dirfd, F_DUPFD_CLOEXEC, 0)) == -1)
			return -1;
		return descend(fd, target, 0, w, out);
	}
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	/* Not followed if it became a link since: only root could have
	 * changed a name of root's in a directory others may not write. */
	if ((*out = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return -1;
	return 0;
}

/*
 * One name of the way to a directory to be made, in dirfd: made if
 * missing (mode exactly; recorded in w->made, unless NULL; the entry
 * synced in dirfd), else found (step_existing()); opened (O_PATH:
 * searching it is enough) into *out.  Whatever is found or made on the
 * way, links and the names in their targets too, must be root's or this
 * process's user's: the way was checked before (dirsafe_may_make()), but
 * a name missing then may have been put there since by another user, in
 * a directory others may write (a sticky one), to lead root elsewhere.
 * Nothing else can change a name of root's there.  0 made, 1 found; -1
 * (errno), or -2 another user's (w->owner).
 */
static int
mkdir_step(int dirfd, const char *name, enum pathname_kind kind,
    struct way *w, int *out)
{
	mode_t old;
	int r;

	if (kind != PATHNAME_DOTDOT) {
		old = umask(0);
		r = mkdirat(dirfd, name, w->mode);
		umask(old);
		if (r == -1 && errno != EEXIST)
			return -1;
		if (r == 0) {
			/* Not kept (as it must be, to be given or removed
			 * later): removed now. */
			if ((*out = openat(dirfd, name, O_PATH | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC)) == -1 || (w->made !=
			    NULL && madedirs_add(w->made, dirfd, name, *out) ==
			    -1)) {
				r = errno;
				if (*out != -1)
					close(*out);
				(void)unlinkat(dirfd, name, AT_REMOVEDIR);
				errno = r;
				return -1;
			}
			if (sync_dir(dirfd) == -1) {
				close(*out);
				return -1;
			}
			return 0;
		}
	}
	r = step_existing(dirfd, name, kind, w, out);
	return r == 0 ? 1 : r;
}

/*
 * From the directory fd (which this takes: closed, or passed on in
 * *out), down path's names (pathname.h), each through the descriptor of
 * the one before: what was made or checked is what is opened next, not
 * a path looked up again.  Missing names are made if make (at the top
 * of the way only: nothing is made in a link's target), else they fail
 * with ENOENT.  0, -1 (errno), or -2 a name of another user's
 * (w->owner); where the way failed, in w->failed if make.
 */
static int
descend(int fd, const char *path, int make, struct way *w, int *out)
{
	char one[NAME_MAX + 1];
	struct pathname name;
	enum pathname_kind kind;
	const char *pos = path;
	int next, r, saved;

	while ((kind = pathname_next(&pos, &name)) != PATHNAME_END) {
		if (kind == PATHNAME_DOT)
			continue;
		if (name.len >= sizeof(one)) {
			errno = ENAMETOOLONG;
			r = -1;
		} else {
			memcpy(one, name.p, name.len);
			one[name.len] = '\0';
			r = make ? mkdir_step(fd, one, kind, w, &next) :
			    step_existing(fd, one, kind, w, &next);
		}
		if (r < 0) {
			saved = errno;
			close(fd);
			errno = saved;
			if (make)
				w->failed = (size_t)(pos - path);
			return r;
		}
		close(fd);
		fd = next;
		if (make && r == 0 && w->first_made == 0)
			w->first_made = (size_t)(pos - path);
	}
	*out = fd;
	return 0;
}

int
datadir_mkdirs(const char *path, mode_t mode, char *created,
    size_t createdsize, struct made_dirs *made, char *err, size_t errsize)
{
	struct way w = { .mode = mode, .made = made };
	struct stat st;
	int fd, r, saved;

	if (createdsize > 0)
		created[0] = '\0';
	if (made != NULL)
		madedirs_init(made);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	if (strlen(path) >= TODOD_PATH_MAX)
		return seterr(err, errsize, "path too long: %s", path);
	if ((fd = open(path[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return seterr(err, errsize, "cannot create directory %s: %s",
		    path, strerror(errno));
	r = descend(fd, path, 1, &w, &fd);
	/* Even when what follows failed: what was made is there, unless
	 * made (then it is removed below). */
	if (w.first_made > 0 && createdsize > 0)
		snprintf(created, createdsize, "%.*s", (int)w.first_made,
		    path);
	if (r < 0) {
		saved = errno;
		if (made != NULL)
			madedirs_remove(made);
		errno = saved;
		if (r == -2)
			return seterr(err, errsize, "cannot create directory "
			    "%s: the way to %.*s passes a name of uid %u's, "
			    "neither root's nor this process's user's (put "
			    "there while starting?)", path, (int)w.failed,
			    path, (unsigned)w.owner);
		if (errno == EMLINK)
			return seterr(err, errsize, "cannot create directory "
			    "%s: more than %d directories to make", path,
			    MADEDIRS_MAX);
		return seterr(err, errsize, "cannot create directory %.*s: "
		    "%s", (int)w.failed, path, strerror(errno == ENOENT ?
		    ENOTDIR : errno));
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
	madedirs_init(&dd->made);
	if (strlcpy(dd->path, path, sizeof(dd->path)) >= sizeof(dd->path))
		return seterr(err, errsize, "path too long: %s", path);
	/* Root makes nothing where another user could lead the path. */
	if (dirsafe_may_make("data directory", path, also_ok, err,
	    errsize) == -1 || datadir_mkdirs(path, 0700, dd->created,
	    sizeof(dd->created), &dd->made, err, errsize) == -1)
		return -1;
	/* Another user who may make files here could plant a journal that
	 * a worker would replay.  (Made now, it is 0700 and ours.) */
	if (dirsafe_check("data directory", path, also_ok, &checked, err,
	    errsize) == -1) {
		madedirs_remove(&dd->made);
		return -1;
	}
#ifdef TODOD_FAULTS
	if (datadir_fault_checked != NULL)
		datadir_fault_checked(path);
#endif
	if ((dfd = lock_dir(dd, &checked, holder, err, errsize)) == -1) {
		madedirs_remove(&dd->made);
		return -1;
	}
	if ((fd = open_lockfile(dd, dfd, err, errsize)) == -1) {
		close(dfd);
		madedirs_remove(&dd->made);
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
	madedirs_close(&dd->made);
}

void
datadir_abandon(struct datadir *dd)
{
	if (dd->lock_created && dd->lockfd != -1 && dd->dirlockfd != -1)
		(void)unlinkat(dd->dirlockfd, DATADIR_LOCKFILE, 0);
	madedirs_remove(&dd->made);	/* before the unlock closes them */
	datadir_unlock(dd);
}
