/*
 * pidalive.c: whether a pid names a running process (pidalive.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pidalive.h"

/* The state letter of /proc/PID/stat, 0 if it cannot be read.  The
 * command name in parentheses may hold spaces and ')': the state is what
 * follows the last ')'. */
static char
proc_state(pid_t pid)
{
	char path[64], buf[512], *paren;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if ((paren = strrchr(buf, ')')) == NULL || paren[1] != ' ')
		return 0;
	return paren[2];
}

bool
pid_alive(pid_t pid)
{
	char state;
	int saved = errno;

	if (pid <= 0 || (kill(pid, 0) == -1 && errno == ESRCH)) {
		errno = saved;
		return false;
	}
	state = proc_state(pid);
	errno = saved;
	/* Z: a zombie; X: dead, being reaped. */
	return state != 'Z' && state != 'X';
}
