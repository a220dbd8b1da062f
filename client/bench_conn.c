/*
 * bench_conn.c: todo-bench's connections: non-blocking Unix sockets on
 * plain libevent events, evbuffers for input and output.
 *
 * Input is read with readv into space reserved in the evbuffer (up to
 * BENCH_READ bytes a call), so a burst of replies costs few system calls;
 * every whole frame is then handed to the run, in order.  Output is
 * written at once where the socket takes it, and the write event is
 * armed only while bytes remain.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "frame.h"
#include "bench.h"
#include "bench_conn.h"
#include "todoclient.h"

#define BENCH_READ		(64 * 1024)
#define BENCH_MAX_REPLY		(64u * 1024 * 1024)
#define BENCH_RETRY_US		1000

uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
conn_frames(struct bconn *c, uint64_t now)
{
	unsigned gen = c->gen;
	uint8_t *p;
	size_t len;
	int rv;

	while (c->gen == gen) {
		rv = frame_next(c->in, BENCH_MAX_REPLY, &p, &len);
		if (rv == FRAME_NEED_MORE)
			break;
		if (rv != FRAME_READY) {
			run_on_fail(c, "bad_frame");
			return;
		}
		run_on_frame(c, p, len, now);
		if (c->gen != gen)
			return;
		frame_drain(c->in, len);
	}
	if (c->gen == gen)
		run_on_fill(c, now);
}

static void
conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bconn *c = arg;
	struct evbuffer_iovec v[2];
	struct iovec iov[2];
	char why[80];
	ssize_t n;
	int nv, i;

	(void)what;
	nv = evbuffer_reserve_space(c->in, BENCH_READ, v, 2);
	if (nv <= 0) {
		run_on_fail(c, "out_of_memory");
		return;
	}
	for (i = 0; i < nv; i++) {
		iov[i].iov_base = v[i].iov_base;
		iov[i].iov_len = v[i].iov_len;
	}
	n = readv(fd, iov, nv);
	if (n <= 0) {
		evbuffer_commit_space(c->in, v, 0);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n == 0 || errno == ECONNRESET)
			run_on_fail(c, "eof");
		else {
			snprintf(why, sizeof(why), "read: %s", strerror(errno));
			run_on_fail(c, why);
		}
		return;
	}
	c->bytes_in += (uint64_t)n;
	for (i = 0; i < nv; i++) {
		size_t take = (size_t)n < v[i].iov_len ? (size_t)n :
		    v[i].iov_len;
		v[i].iov_len = take;
		n -= (ssize_t)take;
	}
	evbuffer_commit_space(c->in, v, nv);
	conn_frames(c, now_ns());
}

static void
conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bconn *c = arg;
	unsigned gen = c->gen;

	(void)fd;
	(void)what;
	if (conn_flush(c) == -1 || c->gen != gen)
		return;
	run_on_fill(c, now_ns());
}

static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	run_on_retry(arg);
}

int
conn_init(struct bconn *c, struct bench *b, int id, struct event_base *base)
{
	memset(c, 0, sizeof(*c));
	c->b = b;
	c->id = id;
	c->fd = -1;
	c->in = evbuffer_new();
	c->out = evbuffer_new();
	c->timer = evtimer_new(base, conn_timer_cb, c);
	c->cap = 16;
	c->ring = calloc(c->cap, sizeof(*c->ring));
	/* Events are made with the descriptor, in conn_connect. */
	c->rev = event_new(base, -1, EV_READ | EV_PERSIST, conn_read_cb, c);
	c->wev = event_new(base, -1, EV_WRITE | EV_PERSIST, conn_write_cb, c);
	if (c->in == NULL || c->out == NULL || c->timer == NULL ||
	    c->ring == NULL || c->rev == NULL || c->wev == NULL)
		return -1;
	return 0;
}

void
conn_free(struct bconn *c)
{
	conn_close(c);
	if (c->rev != NULL)
		event_free(c->rev);
	if (c->wev != NULL)
		event_free(c->wev);
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->in != NULL)
		evbuffer_free(c->in);
	if (c->out != NULL)
		evbuffer_free(c->out);
	free(c->ring);
}

void
conn_close(struct bconn *c)
{
	c->gen++;
	evtimer_del(c->timer);
	if (c->fd != -1) {
		event_del(c->rev);
		event_del(c->wev);
		close(c->fd);
		c->fd = -1;
	}
	c->wev_on = false;
	evbuffer_drain(c->in, evbuffer_get_length(c->in));
	evbuffer_drain(c->out, evbuffer_get_length(c->out));
	c->head = c->n = 0;
}

int
conn_connect(struct bconn *c, const char *path, char *reason, size_t rsize)
{
	struct sockaddr_un sun;
	struct event_base *base = event_get_base(c->rev);
	struct timeval tv = { 0, BENCH_RETRY_US };
	char why[128];
	int fd;

	conn_close(c);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strnlen(path, sizeof(sun.sun_path) - 1));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(reason, rsize, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 &&
	    errno != EINPROGRESS) {
		if (errno == EAGAIN) {
			close(fd);
			evtimer_add(c->timer, &tv);
			return 1;
		}
		snprintf(reason, rsize, "connect: %s", tc_connect_why(path,
		    errno, why, sizeof(why)));
		close(fd);
		return -1;
	}
	c->fd = fd;
	if (event_assign(c->rev, base, fd, EV_READ | EV_PERSIST, conn_read_cb,
	    c) == -1 || event_assign(c->wev, base, fd, EV_WRITE | EV_PERSIST,
	    conn_write_cb, c) == -1 || event_add(c->rev, NULL) == -1) {
		snprintf(reason, rsize, "event_add failed");
		close(fd);
		c->fd = -1;
		return -1;
	}
	return 0;
}

static int
ring_grow(struct bconn *c)
{
	struct slot *r;
	size_t i, cap = c->cap * 2;

	if ((r = calloc(cap, sizeof(*r))) == NULL)
		return -1;
	for (i = 0; i < c->n; i++)
		r[i] = c->ring[(c->head + i) % c->cap];
	free(c->ring);
	c->ring = r;
	c->cap = cap;
	c->head = 0;
	return 0;
}

int
conn_send(struct bconn *c, const void *p, size_t len, uint8_t kind,
    uint64_t now)
{
	struct slot *s;

	if (c->n == c->cap && ring_grow(c) == -1)
		return -1;
	if (frame_add(c->out, p, len) == -1)
		return -1;
	s = &c->ring[(c->head + c->n) % c->cap];
	s->t = now;
	s->kind = kind;
	c->n++;
	return 0;
}

struct slot *
conn_pop(struct bconn *c)
{
	struct slot *s;

	if (c->n == 0)
		return NULL;
	s = &c->ring[c->head];
	c->head = (c->head + 1) % c->cap;
	c->n--;
	return s;
}

size_t
conn_queued(const struct bconn *c)
{
	return evbuffer_get_length(c->out);
}

int
conn_flush(struct bconn *c)
{
	char why[80];
	int n;

	while (evbuffer_get_length(c->out) > 0) {
		n = evbuffer_write(c->out, c->fd);
		if (n > 0) {
			c->bytes_out += (uint64_t)n;
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n == 0)
			errno = EPIPE;
		if (n == -1 && errno != EPIPE && errno != ECONNRESET) {
			snprintf(why, sizeof(why), "write: %s",
			    strerror(errno));
			run_on_fail(c, why);
		} else
			run_on_fail(c, "eof");
		return -1;
	}
	if (evbuffer_get_length(c->out) > 0 && !c->wev_on) {
		event_add(c->wev, NULL);
		c->wev_on = true;
	} else if (evbuffer_get_length(c->out) == 0 && c->wev_on) {
		event_del(c->wev);
		c->wev_on = false;
	}
	return 0;
}
