/*
 * hconn.c: client connections to the daemon under test: frames out and
 * in with deadlines, decoding into an arena, reply assertions, EOF.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"
#include "harness.h"

/* Replies larger than this are a failure of the test, not buffered. */
#define MAX_REPLY	(64u * 1024 * 1024)

struct conn *
conn_open_path(const char *path)
{
	struct sockaddr_un	 sun;
	struct conn		*c;
	int64_t			 end = h_now_ms() + h_ms(H_REPLY_MS);
	int			 fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path) >=
	    sizeof sun.sun_path) {
		h_seterr("socket path too long: %s", path);
		return NULL;
	}
	for (;;) {
		/* non-blocking: a full backlog is EAGAIN, not a hang */
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, 0);
		if (fd == -1) {
			h_seterr("socket: %s", strerror(errno));
			return NULL;
		}
		if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0)
			break;
		/* EAGAIN: the listen backlog is full; try again */
		h_seterr("connect %s: %s", path, strerror(errno));
		close(fd);
		if (errno != EAGAIN || h_now_ms() >= end)
			return NULL;
		h_pause_ms(5);
	}
	if ((c = calloc(1, sizeof *c)) == NULL ||
	    (c->arena = etf_arena_new()) == NULL) {
		free(c);
		close(fd);
		h_seterr("out of memory");
		return NULL;
	}
	c->fd = fd;
	return c;
}

struct conn *
conn_open(const struct daemon *d)
{
	return conn_open_path(d->sock);
}

struct conn *
h_conn_open_ok(const struct daemon *d, const char *file, int line)
{
	struct conn	*c;

	if ((c = conn_open(d)) == NULL) {
		h_fail_report();
		_ck_assert_failed(file, line, "conn_open", "%s", h_err());
	}
	return c;
}

void
conn_close(struct conn *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	etf_arena_free(c->arena);
	free(c->in);
	free(c);
}

void
conn_reset(struct conn *c)
{
	etf_arena_reset(c->arena);
}

int
h_wait_fd(int fd, short ev, int64_t end)
{
	struct pollfd	pfd = { fd, ev, 0 };
	int64_t		left;
	int		r;

	for (;;) {
		left = end - h_now_ms();
		if (left < 0)
			left = 0;
		r = poll(&pfd, 1, (int)left);
		if (r > 0)
			return 0;
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
}

ssize_t
conn_send_nowait(struct conn *c, const void *p, size_t len)
{
	ssize_t	n;

	n = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	return n;
}

int
conn_send_raw(struct conn *c, const void *p, size_t len)
{
	const uint8_t	*b = p;
	int64_t		 end = h_now_ms() + h_ms(H_REPLY_MS);
	ssize_t		 n;

	while (len > 0) {
		n = send(c->fd, b, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			b += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR) {
			h_seterr("send: %s", strerror(errno));
			return -1;
		}
		if (h_wait_fd(c->fd, POLLOUT, end) == -1) {
			h_seterr("send: %zu bytes not taken within %d ms",
			    len, h_ms(H_REPLY_MS));
			return -1;
		}
	}
	return 0;
}

/*
 * Name the request of sequence number nsent (the last 32 are kept), for
 * failure messages.  Frames sent as raw bytes are not counted: their
 * replies are "(raw bytes)" and the count starts again after them.
 */
static void
remember(struct conn *c, const char *what)
{
	unsigned	i = c->nsent % 32;

	c->sent[i].seq = c->nsent++;
	snprintf(c->sent[i].text, sizeof c->sent[i].text, "%s", what);
}

static const char *
replied_to(struct conn *c)
{
	static char	buf[64];
	unsigned	seq = c->nrecv++, i = seq % 32;

	if (seq >= c->nsent) {
		c->nrecv = c->nsent;	/* frames sent as raw bytes */
		return "(raw bytes)";
	}
	if (c->sent[i].seq == seq)
		return c->sent[i].text;
	snprintf(buf, sizeof buf, "(request number %u)", seq + 1);
	return buf;
}

static int
send_named(struct conn *c, const void *p, size_t len, const char *what)
{
	uint8_t	hdr[FRAME_HDR];

	frame_put_len(hdr, (uint32_t)len);
	remember(c, what);
	if (conn_send_raw(c, hdr, sizeof hdr) == -1)
		return -1;
	return conn_send_raw(c, p, len);
}

int
conn_send_frame(struct conn *c, const void *p, size_t len)
{
	char	what[64];

	snprintf(what, sizeof what, "(frame of %zu bytes)", len);
	return send_named(c, p, len, what);
}

static int
send_encoded(struct conn *c, const struct etf_term *t)
{
	struct etf_buf	b;
	char		what[160];
	int		rv;

	etf_buf_init(&b);
	if (etf_encode(&b, t) != ETF_OK) {
		h_seterr("cannot encode %s", tterm_print(t, what, sizeof what));
		etf_buf_free(&b);
		return -1;
	}
	rv = send_named(c, b.p, b.len, tterm_print(t, what, sizeof what));
	etf_buf_free(&b);
	return rv;
}

int
conn_send_term(struct conn *c, const struct etf_term *t)
{
	return send_encoded(c, t);
}

int
conn_sendf(struct conn *c, const char *fmt, ...)
{
	struct etf_arena	*a;
	struct etf_term		*t;
	va_list			 ap;
	int			 rv = -1;

	if ((a = etf_arena_new()) == NULL)
		return -1;
	va_start(ap, fmt);
	t = tterm_parse_ap(a, fmt, &ap);
	va_end(ap);
	if (t != NULL)
		rv = send_encoded(c, t);
	etf_arena_free(a);
	return rv;
}

/* Read what is there (after waiting until end): 1 data, 0 EOF, -1. */
static int
fill(struct conn *c, int64_t end)
{
	uint8_t	*n;
	ssize_t	 r;

	if (c->incap - c->inlen < 65536) {
		if ((n = realloc(c->in, c->incap + 65536)) == NULL) {
			h_seterr("out of memory");
			return -1;
		}
		c->in = n;
		c->incap += 65536;
	}
	for (;;) {
		r = recv(c->fd, c->in + c->inlen, c->incap - c->inlen,
		    MSG_DONTWAIT);
		if (r > 0) {
			c->inlen += (size_t)r;
			return 1;
		}
		if (r == 0 || (r == -1 && errno == ECONNRESET))
			return 0;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			h_seterr("recv: %s", strerror(errno));
			return -1;
		}
		if (h_wait_fd(c->fd, POLLIN, end) == -1) {
			h_seterr("no reply within the deadline");
			return -1;
		}
	}
}

int
conn_recv_frame(struct conn *c, int ms, uint8_t **payload, size_t *len)
{
	int64_t	 end = h_now_ms() + ms;
	uint32_t L;
	uint8_t	*p;
	int	 r;

	while (c->inlen < FRAME_HDR ||
	    c->inlen < FRAME_HDR + (size_t)frame_get_len(c->in)) {
		if (c->inlen >= FRAME_HDR && frame_get_len(c->in) > MAX_REPLY) {
			h_seterr("reply length %u is absurd",
			    frame_get_len(c->in));
			return -1;
		}
		if ((r = fill(c, end)) <= 0) {
			if (r == 0)
				h_seterr("the server closed the connection"
				    "%s", c->inlen ? " inside a frame" : "");
			return r == 0 && c->inlen == 0 ? 0 : -1;
		}
	}
	L = frame_get_len(c->in);
	if ((p = etf_arena_alloc(c->arena, L + 1)) == NULL) {
		h_seterr("out of memory");
		return -1;
	}
	memcpy(p, c->in + FRAME_HDR, L);
	c->inlen -= FRAME_HDR + L;
	memmove(c->in, c->in + FRAME_HDR + L, c->inlen);
	*payload = p;
	*len = L;
	return 1;
}

const struct etf_term *
conn_recv(struct conn *c, int ms)
{
	const struct etf_term	*t;
	uint8_t			*p;
	size_t			 len;
	int			 r;

	if ((r = conn_recv_frame(c, ms, &p, &len)) != 1) {
		if (r == 0)
			h_seterr("the server closed the connection");
		return NULL;
	}
	if ((r = etf_decode(c->arena, p, len, MAX_REPLY, &t)) != ETF_OK) {
		h_seterr("undecodable reply of %zu bytes: %s", len,
		    etf_strerror(r));
		return NULL;
	}
	return t;
}

int
conn_wait_eof(struct conn *c, int ms)
{
	int64_t	end = h_now_ms() + ms;
	size_t	before = c->inlen;
	int	r;

	if (c->inlen > 0) {
		h_seterr("%zu unread bytes from the server before its close",
		    c->inlen);
		return -1;
	}
	while ((r = fill(c, end)) == 1)
		if (c->inlen > 1024 * 1024)
			break;
	if (r == 0 && c->inlen == before)
		return 0;
	if (c->inlen > before)
		h_seterr("the server sent %zu more bytes instead of closing",
		    c->inlen - before);
	else
		h_seterr("the connection is still open after %d ms", ms);
	return -1;
}

bool
h_vreply_is(struct conn *c, char *err, size_t errlen, const char *fmt,
    va_list ap)
{
	const struct etf_term	*t;
	const char		*req = replied_to(c);
	char			 why[6144];

	if ((t = conn_recv(c, h_ms(H_REPLY_MS))) == NULL) {
		snprintf(err, errlen, "request %s: no reply: %s", req, h_err());
		return false;
	}
	if (!tterm_vmatch(t, why, sizeof why, fmt, ap)) {
		snprintf(err, errlen, "request %s:\n  %s", req, why);
		return false;
	}
	return true;
}

bool
h_reply_is(struct conn *c, char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;
	bool	ok;

	va_start(ap, fmt);
	ok = h_vreply_is(c, err, errlen, fmt, ap);
	va_end(ap);
	return ok;
}

bool
h_call_is(struct conn *c, char *err, size_t errlen, const char *req,
    const char *fmt, ...)
{
	struct etf_arena	*a;
	struct etf_term		*t;
	va_list			 ap;
	bool			 ok = false;

	if ((a = etf_arena_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	va_start(ap, fmt);
	if ((t = tterm_parse_ap(a, req, &ap)) == NULL)
		snprintf(err, errlen, "%s", h_err());
	else if (send_encoded(c, t) == -1)
		snprintf(err, errlen, "send %s: %s", req, h_err());
	else
		ok = h_vreply_is(c, err, errlen, fmt, ap);
	va_end(ap);
	etf_arena_free(a);
	return ok;
}

bool
h_serving(const struct daemon *d, char *err, size_t errlen)
{
	struct conn	*c;
	bool		 ok;

	if ((c = conn_open(d)) == NULL) {
		snprintf(err, errlen, "a new client cannot connect: %s",
		    h_err());
		return false;
	}
	ok = h_call_is(c, err, errlen, "ping", "pong");
	conn_close(c);
	return ok;
}

int64_t
h_stats_int(const struct daemon *d, const char *key)
{
	return h_stats_int_within(d, key, h_ms(H_REPLY_MS));
}

int64_t
h_stats_int_within(const struct daemon *d, const char *key, int ms)
{
	const struct etf_term	*t, *v;
	struct conn		*c = conn_open(d);
	int64_t			 n = -1;

	H_ASSERT(c != NULL, "stats: cannot connect: %s", h_err());
	H_ASSERT(conn_sendf(c, "stats") == 0, "stats: %s", h_err());
	t = conn_recv(c, ms);
	H_ASSERT(t != NULL && etf_is_tuple(t, 2) &&
	    etf_is_atom(&t->seq.v[0], "ok") && t->seq.v[1].type == ETF_MAP,
	    "stats: no {ok, Map}: %s", h_err());
	if ((v = etf_map_get(&t->seq.v[1], key)) != NULL &&
	    v->type == ETF_INT)
		n = v->i;
	conn_close(c);
	return n;
}

int64_t
h_attach_ok(struct conn *c, const char *name, const char *file, int line)
{
	char	err[8192];
	int64_t	pid = 0;

	if (!h_call_is(c, err, sizeof err, "{server_process, ~s}",
	    "{ok, ~?i}", name, &pid)) {
		h_fail_report();
		_ck_assert_failed(file, line, "attach", "%s", err);
	}
	return pid;
}

int64_t
h_add_ok(struct conn *c, const char *date, const char *title,
    const char *file, int line)
{
	char	err[8192];
	int64_t	id = 0;

	if (!h_call_is(c, err, sizeof err,
	    "{add_entry, #{date => ~D, title => ~s}}", "{ok, ~?i}", date,
	    title, &id)) {
		h_fail_report();
		_ck_assert_failed(file, line, "add_entry", "%s", err);
	}
	return id;
}

void
h_add_many(struct conn *c, int n, size_t tlen)
{
	struct etf_buf	 b;
	char		*title, e[8192];
	int		 i, j, batch = 200;

	H_ASSERT((title = malloc(tlen)) != NULL, "out of memory");
	memset(title, 't', tlen);
	etf_buf_init(&b);
	for (i = 0; i < n; i += batch) {
		etf_buf_reset(&b);
		for (j = i; j < n && j < i + batch; j++)
			h_frame_append(&b, "{add_entry, #{date => "
			    "{2023, 12, 19}, title => ~b}}", title, tlen);
		H_ASSERT(!b.oom, "out of memory");
		send_raw(c, b.p, b.len);
		for (j = i; j < n && j < i + batch; j++)
			H_ASSERT(h_reply_is(c, e, sizeof e, "{ok, ~i}", j + 1),
			    "add %d: %s", j + 1, e);
		conn_reset(c);
	}
	etf_buf_free(&b);
	free(title);
}

int
h_frame_append(struct etf_buf *out, const char *fmt, ...)
{
	struct etf_arena	*a;
	struct etf_term		*t;
	struct etf_buf		 b;
	uint8_t			 hdr[FRAME_HDR];
	va_list			 ap;
	int			 rv = -1;

	if ((a = etf_arena_new()) == NULL)
		return -1;
	etf_buf_init(&b);
	va_start(ap, fmt);
	t = tterm_parse_ap(a, fmt, &ap);
	va_end(ap);
	if (t != NULL && etf_encode(&b, t) == ETF_OK) {
		frame_put_len(hdr, (uint32_t)b.len);
		if (etf_buf_append(out, hdr, sizeof hdr) == 0 &&
		    etf_buf_append(out, b.p, b.len) == 0)
			rv = 0;
	}
	etf_buf_free(&b);
	etf_arena_free(a);
	return rv;
}

bool
h_wait_serving(const struct daemon *d, int ms)
{
	int64_t	end = h_now_ms() + ms;
	char	err[1024];

	for (;;) {
		if (h_serving(d, err, sizeof err))
			return true;
		if (h_now_ms() >= end) {
			h_seterr("not serving after %d ms: %s", ms, err);
			return false;
		}
		h_pause_ms(10);
	}
}
