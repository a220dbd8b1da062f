/*
 * pidfile.c: write and remove the pidfile (see pidfile.h).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errbuf.h"
#include "options.h"
#include "pidfile.h"

/* The first bytes of the regular file at path (a short one),
 * NUL-terminated in buf: their number, or -1.  Anything else is not
 * read: the directory of a pidfile may be the -u user's, who could put a
 * FIFO there, whose read would hold root's start for ever. */
static ssize_t
read_short(const char *path, char *buf, size_t len)
{
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	n = read(fd, buf, len - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* The pid in the pidfile at path, 0 if there is none or it is not one. */
static pid_t
pidfile_read(const char *path)
{
	char buf[32], *end;
	long v;

	if (read_short(path, buf, sizeof(buf)) <= 0)
		return 0;
	v = strtol(buf, &end, 10);
	if (end == buf || *end != '\n' || v <= 0 || v > 0x7fffffff)
		return 0;
	return (pid_t)v;
}

static const char *
next_line(const char *p)
{
	p = strchr(p, '\n');
	return p != NULL ? p + 1 : NULL;
}

/* The value of a field of /proc/PID/status ("Name", "Uid", "State"),
 * copied to val; -1 if absent. */
static int
status_field(const char *status, const char *name, char *val, size_t len)
{
	const char *p = status;
	size_t n = strlen(name), vlen;

	for (; p != NULL; p = next_line(p)) {
		if (strncmp(p, name, n) != 0 || p[n] != ':')
			continue;
		p += n + 1;
		p += strspn(p, "\t ");
		vlen = strcspn(p, "\n");
		if (vlen >= len)
			vlen = len - 1;
		memcpy(val, p, vlen);
		val[vlen] = '\0';
		return 0;
	}
	return -1;
}

/* Whether pid is a running todod's supervisor, not this one: its
 * command name is "todod" (as it starts) or its role's, "todod-superviso"
 * (proc_title(), cut to 15 bytes), it runs as this process's real user
 * or as also_uid (-u), and it is no zombie.  A pidfile left naming a pid
 * that is gone (-u) and is now another daemon's worker or list server
 * does not count, nor a process of another user's (who could otherwise
 * take the pid and the name, and so stop this daemon from starting). */
static int
pid_is_todod(pid_t pid, uid_t also_uid)
{
	char path[64], status[4096], name[32], uids[64], state[32];
	unsigned long uid;
	char *end;

	if (pid == getpid())
		return 0;
	/* One read: the name and the user are of one process. */
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if (read_short(path, status, sizeof(status)) <= 0 ||
	    status_field(status, "Name", name, sizeof(name)) == -1 ||
	    status_field(status, "Uid", uids, sizeof(uids)) == -1 ||
	    status_field(status, "State", state, sizeof(state)) == -1 ||
	    state[0] == 'Z')
		return 0;
	errno = 0;
	uid = strtoul(uids, &end, 10);
	if (errno != 0 || end == uids ||
	    ((uid_t)uid != getuid() && (uid_t)uid != also_uid))
		return 0;
	return strcmp(name, "todod") == 0 ||
	    strcmp(name, "todod-superviso") == 0;
}

int
pidfile_create(const char *path, uid_t also_uid, char *err, size_t errsize)
{
	char tmp[TODOD_PATH_MAX], buf[32];
	const char *slash;
	pid_t other;
	int fd, n, saved;

	/* Another daemon's pidfile is not taken over (left without one, it
	 * could not be stopped by it); a stale one is. */
	if ((other = pidfile_read(path)) != 0 && pid_is_todod(other, also_uid))
		return seterr(err, errsize, "pidfile %s names todod pid %ld, "
		    "which is running", path, (long)other);
	slash = strrchr(path, '/');
	if ((size_t)snprintf(tmp, sizeof(tmp), "%.*s.todod-pid.XXXXXX",
	    slash == NULL ? 0 : (int)(slash - path + 1), path) >= sizeof(tmp))
		return seterr(err, errsize, "pidfile path too long: %s", path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1)
		return seterr(err, errsize, "cannot write pidfile %s: %s",
		    path, strerror(errno));
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	errno = EIO;		/* for a short write */
	if (fchmod(fd, 0644) == -1 || write(fd, buf, (size_t)n) != n)
		goto fail;
	if (rename(tmp, path) == -1)
		goto fail;
	/* No descriptor is kept: after -u, a process that could write
	 * root's pidfile could make root's scripts signal any pid. */
	close(fd);
	return 0;

fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return seterr(err, errsize, "cannot write pidfile %s: %s", path,
	    strerror(saved));
}

int
pidfile_unlink(const char *path)
{
	if (pidfile_read(path) != getpid())
		return 0;
	if (unlink(path) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	/* Privileges dropped (-u): the directory may be root's.  Left,
	 * the file names a process that is gone once this one exits, and
	 * the next start replaces it. */
	if (errno == EACCES || errno == EPERM)
		return 2;
	return -1;
}
