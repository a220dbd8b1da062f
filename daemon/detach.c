/*
 * detach.c: fork into the background and report readiness through a pipe
 * (see detach.h).
 */
#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "errbuf.h"
#include "detach.h"

#define READY_BYTE	'R'
#define WAIT_STEP_MS	100

static int	ready_fd = -1;

static void	failed(pid_t, int) __attribute__((noreturn));
static void	wait_ready(pid_t, int) __attribute__((noreturn));

/* The daemon died before it was ready: say how, unless it has said so. */
static void
failed(pid_t pid, int status)
{
	if (WIFSIGNALED(status))
		fprintf(stderr, "todod: daemon process %ld was killed by "
		    "signal %d while starting\n", (long)pid, WTERMSIG(status));
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		fprintf(stderr, "todod: daemon process %ld exited while "
		    "starting\n", (long)pid);
	_exit(1);
}

/* The original process: wait for the ready byte or the daemon's death. */
static void
wait_ready(pid_t pid, int fd)
{
	struct pollfd pfd;
	char c;
	ssize_t n;
	int r, status;

	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		r = poll(&pfd, 1, WAIT_STEP_MS);
		if (r == -1 && errno != EINTR)
			break;
		if (r > 0) {
			n = read(fd, &c, 1);
			if (n == 1 && c == READY_BYTE)
				_exit(0);
			if (n == 0 || (n == -1 && errno != EINTR &&
			    errno != EAGAIN))
				break;
		}
		/* Descendants may hold the pipe: watch the daemon too. */
		if (waitpid(pid, &status, WNOHANG) == pid)
			failed(pid, status);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			_exit(1);
	failed(pid, status);
}

int
detach_start(char *err, size_t errsize)
{
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) == -1)
		return seterr(err, errsize, "pipe: %s", strerror(errno));
	fflush(NULL);
	switch ((pid = fork())) {
	case -1:
		close(fds[0]);
		close(fds[1]);
		return seterr(err, errsize, "fork: %s", strerror(errno));
	case 0:
		break;
	default:
		close(fds[1]);
		wait_ready(pid, fds[0]);
	}
	close(fds[0]);
	ready_fd = fds[1];
	if (setsid() == -1 || chdir("/") == -1) {
		close(ready_fd);
		ready_fd = -1;
		return seterr(err, errsize, "detaching: %s", strerror(errno));
	}
	return 0;
}

int
detach_to_devnull(int fd)
{
	int null, saved;

	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		return -1;
	if (null == fd) {
		/* fd was closed: the open took its number, without
		 * O_CLOEXEC's meaning for a standard descriptor. */
		return fcntl(fd, F_SETFD, 0);
	}
	if (dup2(null, fd) == -1) {
		saved = errno;
		close(null);
		errno = saved;
		return -1;
	}
	close(null);
	return 0;
}

int
detach_devnull(void)
{
	int i;

	for (i = 0; i <= 2; i++)
		if (detach_to_devnull(i) == -1)
			return -1;
	return 0;
}

int
detach_ready(char *err, size_t errsize)
{
	char c = READY_BYTE;
	ssize_t n;

	if (ready_fd == -1)
		return 0;
	fflush(NULL);
	if (detach_devnull() == -1)
		return seterr(err, errsize, "/dev/null: %s", strerror(errno));
	do
		n = write(ready_fd, &c, 1);
	while (n == -1 && errno == EINTR);
	close(ready_fd);
	ready_fd = -1;
	if (n == -1 && errno == EPIPE)
		return 1;	/* no one waits: the daemon runs on */
	if (n != 1)
		return seterr(err, errsize, "cannot report readiness: %s",
		    n == -1 ? strerror(errno) : "short write");
	return 0;
}

int
detach_fd(void)
{
	return ready_fd;
}
