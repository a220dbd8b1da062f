/*
 * pidalive.c: a process's state from /proc (pidalive.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pidalive.h"

/* The command name in parentheses may hold spaces and ')': the state is
 * what follows the last ')'. */
char
pid_state(pid_t pid)
{
	char path[64], buf[512], *paren;
	ssize_t n;
	int fd, saved = errno;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		errno = saved;
		return 0;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	errno = saved;
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
	errno = saved;
	state = pid_state(pid);
	/* Z: a zombie; X: dead, being reaped. */
	return state != 'Z' && state != 'X';
}

const char *
pid_state_note(pid_t pid)
{
	switch (pid_state(pid)) {
	case 'R':
		return " (running)";
	case 'S':
		return " (sleeping)";
	case 'D':
		return " (waiting on the disk)";
	case 'T':
		return " (stopped by a signal)";
	case 't':
		return " (stopped by a debugger)";
	default:
		return "";
	}
}
