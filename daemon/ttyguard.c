/*
 * ttyguard.c: the terminal of a foreground daemon started with -u, out of
 * reach of the processes that run as USER (see ttyguard.h).
 */
#include "config.h"

#include <sys/ioctl.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <event2/event.h>

#include "detach.h"
#include "log.h"
#include "ttyguard.h"

static int		 active;
static int		 relay[2] = { -1, -1 };
static struct event	*relay_ev;

/*
 * Give up the controlling terminal, unless this process leads its session:
 * then the terminal would be left with no foreground process group, and
 * Control-C on it would stop nothing.  (A session that todod leads ends
 * when it exits: no shell of it is left to read what was pushed.)
 */
static int
give_up_ctty(void)
{
	int fd, rc, saved;

	if (getsid(0) == getpid())
		return 0;
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		return errno == ENXIO || errno == ENOENT ? 0 : -1;
	rc = ioctl(fd, TIOCNOTTY);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* Copy what the pipe holds to standard error. */
static void
relay_copy(void)
{
	if (relay[0] != -1)
		log_relay(relay[0]);
}

int
ttyguard_start(void)
{
	int rc = 0;

	active = 1;
	if (give_up_ctty() == -1) {
		log_warn("cannot give up the controlling terminal");
		rc = -1;
	}
	if (isatty(STDIN_FILENO) && detach_to_devnull(STDIN_FILENO) == -1) {
		log_warn("/dev/null");
		rc = -1;
	}
	if (!isatty(STDERR_FILENO))
		return rc;
	if (pipe2(relay, O_CLOEXEC) == -1 ||
	    fcntl(relay[0], F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(relay[1], F_SETFL, O_NONBLOCK) == -1) {
		log_warn("cannot make a pipe for the children's messages");
		if (relay[0] != -1) {
			close(relay[0]);
			close(relay[1]);
		}
		relay[0] = relay[1] = -1;
		return -1;
	}
	atexit(relay_copy);		/* fatal(): what the children said */
	return rc;
}

static void
relay_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	relay_copy();
}

int
ttyguard_relay(struct event_base *base)
{
	if (relay[0] == -1)
		return 0;
	if ((relay_ev = event_new(base, relay[0], EV_READ | EV_PERSIST,
	    relay_readable, NULL)) == NULL || event_add(relay_ev, NULL) == -1)
		return -1;
	return 0;
}

int
ttyguard_active(void)
{
	return active;
}

int
ttyguard_fd(void)
{
	return relay[1];
}

void
ttyguard_child(int fd)
{
	relay[0] = relay[1] = -1;	/* the supervisor's, not ours */
	relay_ev = NULL;
	/* A session of its own, with no controlling terminal, whether or
	 * not the supervisor has one. */
	if (setsid() == -1)
		fatal("setsid");
	if (isatty(STDIN_FILENO))
		(void)detach_to_devnull(STDIN_FILENO);
	if (isatty(STDOUT_FILENO))
		(void)detach_to_devnull(STDOUT_FILENO);
	if (isatty(STDERR_FILENO)) {
		if (fd == -1 || dup2(fd, STDERR_FILENO) == -1)
			(void)detach_to_devnull(STDERR_FILENO);
	}
	if (fd > STDERR_FILENO)
		close(fd);
}

void
ttyguard_stop(void)
{
	relay_copy();
	if (relay_ev != NULL)
		event_free(relay_ev);
	relay_ev = NULL;
	if (relay[0] != -1)
		close(relay[0]);
	if (relay[1] != -1)
		close(relay[1]);
	relay[0] = relay[1] = -1;
}
