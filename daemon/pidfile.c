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

int
pidfile_create(const char *path, char *err, size_t errsize)
{
	char tmp[TODOD_PATH_MAX], buf[32];
	const char *slash;
	int fd, n, saved;

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
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
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
	char buf[32];
	ssize_t n;
	long v;
	char *end;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n == 0 ? 0 : -1;
	buf[n] = '\0';
	v = strtol(buf, &end, 10);
	if (end == buf || *end != '\n' || v != (long)getpid())
		return 0;
	if (unlink(path) == -1)
		return errno == ENOENT ? 0 : -1;
	return 1;
}
