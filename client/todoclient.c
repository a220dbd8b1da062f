/*
 * todoclient.c: connection, buffers and waiting of the client library.
 *
 * The descriptor is non-blocking.  Output is a byte buffer written with
 * MSG_NOSIGNAL whenever the socket takes it; input is a byte buffer read
 * whenever the socket has data, while waiting for anything.  A frame
 * returned to the caller stays in the input buffer until the next call
 * that reads, so its bytes (and a term decoded from them) stay valid.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "defaults.h"
#include "frame.h"
#include "monotime.h"
#include "todoclient.h"
#include "todoclient_int.h"

#define TC_READ_CHUNK	(64 * 1024)
#define TC_RETRY_MS	10		/* connect retry while backlog is full */

/*
 * Whether the directory of a user's default socket is the user's, by the
 * rule the daemon applies to the directory it listens in.  Without
 * XDG_RUNTIME_DIR the default is in /tmp, where another user may make
 * /tmp/todod-UID first (or a link to /tmp), listen there, and read every
 * request.  A directory that does not exist is left to connect() to
 * report.
 */
static int
default_dir_safe(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)], *slash;
	struct stat st;
	uid_t owner;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		return 1;
	*(slash == dir ? slash + 1 : slash) = '\0';
	/* -1: left to what the connect reports. */
	return dir_check(dir, geteuid(), (uid_t)-1, 0, &st, &owner) <= 0;
}

int
tc_socket_path(const char *opt, char *buf, size_t size)
{
	struct sockaddr_un sun;
	const char *env;
	int n;

	if (size == 0)
		return TC_EPATH;
	if (opt != NULL) {
		n = snprintf(buf, size, "%s", opt);
		n = n < 0 || (size_t)n >= size ? -1 : 0;
	} else
		n = default_socket_path(buf, size);
	if (n != 0 || buf[0] == '\0' || strlen(buf) >= sizeof(sun.sun_path))
		return TC_EPATH;
	/* A user's own default (not root's, not one named by the user). */
	env = getenv("TODOD_SOCKET");
	if (opt == NULL && (env == NULL || *env == '\0') && geteuid() != 0 &&
	    !default_dir_safe(buf))
		return TC_EUNSAFE;
	return TC_OK;
}

struct tc_conn *
tc_new(void)
{
	struct tc_conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->fd = -1;
	c->timeout_ms = TC_DEFAULT_TIMEOUT_MS;
	c->max_reply = TC_DEFAULT_MAX_REPLY;
	snprintf(c->msg, sizeof(c->msg), "no error");
	return c;
}

void
tc_free(struct tc_conn *c)
{
	if (c == NULL)
		return;
	if (c->fd != -1)
		close(c->fd);
	free(c->in.p);
	free(c->out.p);
	free(c);
}

void
tc_set_timeout(struct tc_conn *c, int ms)
{
	c->timeout_ms = ms;
}

void
tc_set_max_reply(struct tc_conn *c, size_t max)
{
	/* A frame with its header must fit in a size_t (read_some). */
	c->max_reply = max > SIZE_MAX - FRAME_HDR ? SIZE_MAX - FRAME_HDR :
	    max;
}

int
tc_fd(const struct tc_conn *c)
{
	return c->fd;
}

size_t
tc_pending(const struct tc_conn *c)
{
	return c->out.end - c->out.start;
}

const char *
tc_error(const struct tc_conn *c)
{
	return c->msg;
}

const char *
tc_reason(const struct tc_conn *c)
{
	return c->reason[0] != '\0' ? c->reason : NULL;
}

int
tc_fail(struct tc_conn *c, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	if (status != TC_EREPLY)
		c->reason[0] = '\0';
	return status;
}

/* Milliseconds left until deadline for poll(2); -1 without a timeout. */
static int
remaining(const struct tc_conn *c, int64_t deadline)
{
	int64_t left;

	if (c->timeout_ms < 0)
		return -1;
	left = deadline - monotime_ms();
	return left < 0 ? 0 : (int)left;
}

/* Make room for `need` more bytes at the end of b. */
static int
buf_reserve(struct tc_buf *b, size_t need)
{
	size_t cap;
	uint8_t *p;

	if (b->start > 0 && b->cap - b->end < need) {
		memmove(b->p, b->p + b->start, b->end - b->start);
		b->end -= b->start;
		b->start = 0;
	}
	if (b->cap - b->end >= need)
		return 0;
	cap = b->cap > 0 ? b->cap : 4096;
	while (cap - b->end < need) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	if ((p = realloc(b->p, cap)) == NULL)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

int
tc_connect(struct tc_conn *c, const char *path)
{
	struct sockaddr_un sun;
	char why[128];
	int64_t deadline;
	int saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (path[0] == '\0' || strlen(path) >= sizeof(sun.sun_path))
		return tc_fail(c, TC_EPATH, "socket path is empty or too "
		    "long: %s", path);
	memcpy(sun.sun_path, path, strlen(path));
	if (c->fd != -1)
		close(c->fd);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1)
		return tc_fail(c, TC_ESYS, "socket: %s", strerror(errno));
	deadline = monotime_ms() + c->timeout_ms;
	for (;;) {
		if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			return TC_OK;
		if (errno == EINTR)
			continue;
		if (errno == EISCONN)
			return TC_OK;
		if (errno != EAGAIN && errno != EINPROGRESS &&
		    errno != EALREADY)
			break;
		/* Backlog full (AF_UNIX says EAGAIN): retry until the
		 * deadline. */
		if (remaining(c, deadline) == 0)
			return tc_fail(c, TC_ETIMEOUT, "timed out connecting "
			    "to %s", path);
		poll(NULL, 0, TC_RETRY_MS);
	}
	saved = errno;
	return tc_fail(c, TC_ESYS, "cannot connect to %s: %s", path,
	    tc_connect_why(path, saved, why, sizeof(why)));
}

const char *
tc_connect_why(const char *path, int err, char *buf, size_t size)
{
	struct stat st;

	/* Refused, by what is no socket: a path given by mistake. */
	if (err == ECONNREFUSED && stat(path, &st) == 0 &&
	    !S_ISSOCK(st.st_mode))
		snprintf(buf, size, "not a socket");
	/* A user's own default, where the system's daemon listens: say
	 * where (the user is more likely to want that one). */
	else if (err == ENOENT && strcmp(path, DEFAULT_SYSTEM_SOCKET) != 0 &&
	    stat(DEFAULT_SYSTEM_SOCKET, &st) == 0 && S_ISSOCK(st.st_mode))
		snprintf(buf, size, "%s (the system's todod listens on %s: "
		    "give -s or TODOD_SOCKET)", strerror(err),
		    DEFAULT_SYSTEM_SOCKET);
	else if (err == ENOENT || err == ECONNREFUSED)
		snprintf(buf, size, "%s (is todod running?)", strerror(err));
	else
		snprintf(buf, size, "%s", strerror(err));
	return buf;
}

/* Drop the frame returned last: its bytes may now move. */
static void
release(struct tc_conn *c)
{
	c->in.start += c->consumed;
	c->consumed = 0;
	if (c->in.start == c->in.end)
		c->in.start = c->in.end = 0;
}

/* Write what the socket takes now.  A daemon that closed its side makes
 * the rest of the output moot: it is dropped, and reading reports. */
static int
write_some(struct tc_conn *c, bool *moved)
{
	ssize_t n;

	while (c->out.end > c->out.start) {
		n = send(c->fd, c->out.p + c->out.start,
		    c->out.end - c->out.start, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			c->out.start += (size_t)n;
			*moved = true;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n == -1 && (errno == EPIPE || errno == ECONNRESET)) {
			c->wdead = true;
			c->out.start = c->out.end;
			break;
		}
		return tc_fail(c, TC_ESYS, "write to the daemon: %s",
		    strerror(errno));
	}
	if (c->out.start == c->out.end)
		c->out.start = c->out.end = 0;
	return TC_OK;
}

/* Read what the socket has now (all of it: replies must be taken while
 * requests are still being written). */
static int
read_some(struct tc_conn *c, bool *moved)
{
	ssize_t n;

	while (!c->eof) {
		/* A whole frame of the largest size is enough: a peer that
		 * sends more is stopped by peek_frame(), not by memory. */
		if (c->in.end - c->in.start >= FRAME_HDR + c->max_reply)
			break;
		if (buf_reserve(&c->in, TC_READ_CHUNK) == -1)
			return tc_fail(c, TC_ENOMEM, "out of memory");
		n = recv(c->fd, c->in.p + c->in.end, c->in.cap - c->in.end,
		    MSG_DONTWAIT);
		if (n > 0) {
			c->in.end += (size_t)n;
			*moved = true;
			continue;
		}
		if (n == 0) {
			c->eof = true;
			*moved = true;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		if (errno == ECONNRESET) {
			c->eof = true;
			break;
		}
		return tc_fail(c, TC_ESYS, "read from the daemon: %s",
		    strerror(errno));
	}
	return TC_OK;
}

/* A whole frame (or a bad header, which peek_frame reports) is buffered. */
static bool
frame_buffered(const struct tc_conn *c)
{
	size_t have = c->in.end - c->in.start;
	uint32_t l;

	if (have < FRAME_HDR)
		return false;
	l = frame_get_len(c->in.p + c->in.start);
	return l == 0 || l > c->max_reply || have - FRAME_HDR >= l;
}

int
tc_io(struct tc_conn *c)
{
	bool moved = false;
	int rv;

	release(c);
	if ((rv = read_some(c, &moved)) != TC_OK)
		return rv;
	if ((rv = write_some(c, &moved)) != TC_OK)
		return rv;
	if (c->eof && !frame_buffered(c))
		return tc_fail(c, TC_EEOF, "the daemon closed the connection");
	return TC_OK;
}

/* 1 and the frame if a whole one is buffered, 0 if not, or TC_EFRAME. */
static int
peek_frame(struct tc_conn *c, const uint8_t **payload, size_t *len)
{
	size_t have = c->in.end - c->in.start;
	uint32_t l;

	if (have < FRAME_HDR)
		return 0;
	l = frame_get_len(c->in.p + c->in.start);
	if (l == 0 || l > c->max_reply)
		return tc_fail(c, TC_EFRAME, "the daemon sent a reply frame "
		    "of %lu bytes (accepted: 1 to %zu)", (unsigned long)l,
		    c->max_reply);
	if (have - FRAME_HDR < l)
		return 0;
	*payload = c->in.p + c->in.start + FRAME_HDR;
	*len = l;
	c->consumed = FRAME_HDR + (size_t)l;
	return 1;
}

int
tc_next_frame(struct tc_conn *c, const uint8_t **payload, size_t *len)
{
	release(c);
	return peek_frame(c, payload, len);
}

/* Wait until a frame is buffered (want_frame) or the output is written. */
static int
wait_for(struct tc_conn *c, bool want_frame, const uint8_t **payload,
    size_t *len)
{
	struct pollfd pfd;
	int64_t deadline = monotime_ms() + c->timeout_ms;
	bool moved;
	int rv, n;

	for (;;) {
		if (c->eof || c->wdead)	/* nobody reads our output now */
			c->out.start = c->out.end = 0;
		if (want_frame) {
			if ((rv = peek_frame(c, payload, len)) != 0)
				return rv < 0 ? rv : TC_OK;
			if (c->eof)
				return tc_fail(c, TC_EEOF,
				    c->in.end > c->in.start ? "the daemon "
				    "closed the connection in the middle of "
				    "a reply" : "the daemon closed the "
				    "connection");
		} else if (tc_pending(c) == 0)
			return TC_OK;
		pfd.fd = c->fd;
		pfd.events = POLLIN | (tc_pending(c) > 0 ? POLLOUT : 0);
		n = poll(&pfd, 1, remaining(c, deadline));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return tc_fail(c, TC_ESYS, "poll: %s", strerror(errno));
		if (n == 0)
			return tc_fail(c, TC_ETIMEOUT, "timed out waiting for "
			    "the daemon (%d ms)", c->timeout_ms);
		moved = false;
		if ((rv = read_some(c, &moved)) != TC_OK ||
		    (rv = write_some(c, &moved)) != TC_OK)
			return rv;
		if (moved)
			deadline = monotime_ms() + c->timeout_ms;
	}
}

int
tc_read_frame(struct tc_conn *c, const uint8_t **payload, size_t *len)
{
	if (c->fd == -1)
		return tc_fail(c, TC_ESYS, "not connected");
	release(c);
	return wait_for(c, true, payload, len);
}

int
tc_flush(struct tc_conn *c)
{
	if (c->fd == -1)
		return tc_fail(c, TC_ESYS, "not connected");
	release(c);
	return wait_for(c, false, NULL, NULL);
}

int
tc_queue(struct tc_conn *c, const void *payload, size_t len)
{
	bool moved;

	if (c->fd == -1)
		return tc_fail(c, TC_ESYS, "not connected");
	if (len == 0 || len > UINT32_MAX)
		return tc_fail(c, TC_EFRAME, "a request of %zu bytes cannot "
		    "be framed", len);
	if (c->wdead || c->eof)
		return TC_OK;	/* the next read reports */
	if (buf_reserve(&c->out, FRAME_HDR + len) == -1)
		return tc_fail(c, TC_ENOMEM, "out of memory");
	frame_put_len(c->out.p + c->out.end, (uint32_t)len);
	memcpy(c->out.p + c->out.end + FRAME_HDR, payload, len);
	c->out.end += FRAME_HDR + len;
	return write_some(c, &moved);
}
