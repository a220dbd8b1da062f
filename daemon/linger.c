/*
 * linger.c: closing a connection whose client may still be sending
 * (see linger.h).
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "linger.h"
#include "monotime.h"

struct lingering {
	int			 fd;
	struct event		*ev;
	int64_t			 deadline;	/* monotime_ms() */
	size_t			 left;		/* bytes it may still send */
	TAILQ_ENTRY(lingering)	 entry;
};

static TAILQ_HEAD(, lingering) lingering = TAILQ_HEAD_INITIALIZER(lingering);
static unsigned nlingering;

static void
linger_end(struct lingering *l)
{
	TAILQ_REMOVE(&lingering, l, entry);
	nlingering--;
	event_free(l->ev);
	close(l->fd);
	free(l);
}

static void
linger_read(evutil_socket_t fd, short ev, void *arg)
{
	static uint8_t buf[64 * 1024];
	struct lingering *l = arg;
	struct timeval tv;
	ssize_t n;
	int i;

	if (ev & EV_TIMEOUT) {
		linger_end(l);
		return;
	}
	/* A few reads a wakeup, so that one client does not hold the
	 * process; the rest at the next. */
	for (i = 0; i < 16; i++) {
		n = read(fd, buf, l->left < sizeof(buf) ? l->left :
		    sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n <= 0 || (l->left -= (size_t)n) == 0) {
			linger_end(l);	/* its end, an error, or enough */
			return;
		}
	}
	tv = monotime_until(l->deadline);
	if ((tv.tv_sec == 0 && tv.tv_usec == 0) || event_add(l->ev, &tv) == -1)
		linger_end(l);
}

void
linger_close(struct event_base *base, int fd)
{
	struct lingering *l;
	struct timeval tv = monotime_tv(LINGER_MS);

	if (nlingering >= LINGER_MAX || shutdown(fd, SHUT_WR) == -1 ||
	    (l = calloc(1, sizeof(*l))) == NULL) {
		close(fd);
		return;
	}
	l->fd = fd;
	l->deadline = monotime_ms() + LINGER_MS;
	l->left = LINGER_BYTES;
	if ((l->ev = event_new(base, fd, EV_READ, linger_read, l)) == NULL ||
	    event_add(l->ev, &tv) == -1) {
		if (l->ev != NULL)
			event_free(l->ev);
		free(l);
		close(fd);
		return;
	}
	TAILQ_INSERT_TAIL(&lingering, l, entry);
	nlingering++;
}

void
linger_close_all(void)
{
	struct lingering *l;

	while ((l = TAILQ_FIRST(&lingering)) != NULL)
		linger_end(l);
}

unsigned
linger_count(void)
{
	return nlingering;
}
