/*
 * earlylog.c: the children's start-up warnings for a detaching daemon
 * (see earlylog.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "earlylog.h"
#include "log.h"

static int	early[2] = { -1, -1 };

int
earlylog_open(void)
{
	if (pipe2(early, O_CLOEXEC) == -1)
		return -1;
	if (fcntl(early[0], F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(early[1], F_SETFL, O_NONBLOCK) == -1) {
		earlylog_close();
		return -1;
	}
	atexit(earlylog_close);		/* a start that fails */
	return 0;
}

int
earlylog_fd(void)
{
	return early[1];
}

void
earlylog_child(int fd)
{
	early[0] = early[1] = -1;	/* the supervisor's, not ours */
	if (dup2(fd, STDERR_FILENO) != -1)
		log_also_stderr(LOG_LEVEL_WARN);
	close(fd);
}

void
earlylog_relay(void)
{
	if (early[0] != -1)
		log_relay(early[0]);
}

void
earlylog_close(void)
{
	earlylog_relay();
	if (early[0] != -1)
		close(early[0]);
	if (early[1] != -1)
		close(early[1]);
	early[0] = early[1] = -1;
}
