/* chan.c: framed ETF messages with descriptor passing between processes. */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "chan.h"
#include "etf.h"
#include "evadd.h"
#include "frame.h"
#include "log.h"

#define CHAN_FDBIT	0x80000000u
/*
 * Bytes asked of one recvmsg: enough for the rest of the frame under
 * way, within these bounds.  Internal messages are mostly tens of bytes;
 * libevent rounds a chain up to a power of two with its header, so a
 * large fixed reserve would be a large allocation on every read, put at
 * the top of the heap and pushing the process's small, long-lived
 * allocations (a list's entries) onto pages not touched before.
 */
#define CHAN_READ_MIN	(16 * 1024 - 256)
#define CHAN_READ_MAX	(1024 * 1024 - 256)
#define CHAN_MAXFDS	16		/* queued, not yet claimed */

struct chan_out {
	TAILQ_ENTRY(chan_out)	 entry;
	size_t			 len;
	size_t			 off;
	int			 fd;
	uint8_t			 data[];
};

struct chan {
	struct event_base	*base;
	int			 fd;
	struct event		*rev;
	struct event		*wev;
	struct evbuffer		*in;
	size_t			 max_msg;
	int			 fdq[CHAN_MAXFDS];
	int			 nfdq;
	TAILQ_HEAD(, chan_out)	 outq;
	struct etf_arena	*arena;
	chan_msg_cb		 msg_cb;
	chan_close_cb		 close_cb;
	void			*arg;
	int			 in_cb;
	int			 dead;		/* freed inside a callback */
	int			 closed;	/* peer gone, reported */
	int			 held;		/* chan_hold(): deliver nothing */
};

static void	chan_read(evutil_socket_t, short, void *);
static void	chan_write(evutil_socket_t, short, void *);

struct chan *
chan_new(struct event_base *base, int fd, size_t max_msg, chan_msg_cb msg_cb,
    chan_close_cb close_cb, void *arg)
{
	struct chan *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->base = base;
	c->fd = fd;
	c->max_msg = max_msg;
	c->msg_cb = msg_cb;
	c->close_cb = close_cb;
	c->arg = arg;
	TAILQ_INIT(&c->outq);
	/* Every read and write says MSG_DONTWAIT: whether the descriptor is
	 * in non-blocking mode does not matter, and no fcntl is needed. */
	if ((c->in = evbuffer_new()) == NULL ||
	    (c->arena = etf_arena_new()) == NULL ||
	    (c->rev = event_new(base, fd, EV_READ | EV_PERSIST, chan_read,
	    c)) == NULL ||
	    (c->wev = event_new(base, fd, EV_WRITE, chan_write, c)) == NULL ||
	    event_add(c->rev, NULL) == -1) {
		c->fd = -1;	/* the caller still owns fd on failure */
		chan_free(c);
		return NULL;
	}
	return c;
}

static void
chan_really_free(struct chan *c)
{
	struct chan_out *o;
	int i;

	while ((o = TAILQ_FIRST(&c->outq)) != NULL) {
		TAILQ_REMOVE(&c->outq, o, entry);
		if (o->fd != -1)
			close(o->fd);
		free(o);
	}
	for (i = 0; i < c->nfdq; i++)
		close(c->fdq[i]);
	if (c->rev != NULL)
		event_free(c->rev);
	if (c->wev != NULL)
		event_free(c->wev);
	if (c->in != NULL)
		evbuffer_free(c->in);
	if (c->arena != NULL)
		etf_arena_free(c->arena);
	if (c->fd != -1)
		close(c->fd);
	free(c);
}

void
chan_free(struct chan *c)
{
	if (c == NULL)
		return;
	if (c->in_cb) {
		c->dead = 1;
		event_del(c->rev);
		event_del(c->wev);
		return;
	}
	chan_really_free(c);
}

/* Report the peer gone, once.  Returns 1 if the channel was freed. */
static int
chan_lost(struct chan *c)
{
	if (c->closed)
		return 0;
	c->closed = 1;
	event_del(c->rev);
	event_del(c->wev);
	c->in_cb++;
	c->close_cb(c, c->arg);
	c->in_cb--;
	if (c->dead) {
		chan_really_free(c);
		return 1;
	}
	return 0;
}

static int
chan_take_fds(struct chan *c, struct msghdr *msg)
{
	struct cmsghdr *cm;
	int *fds, n, i, bad = 0;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		fds = (int *)CMSG_DATA(cm);
		for (i = 0; i < n; i++) {
			if (c->nfdq == CHAN_MAXFDS) {
				close(fds[i]);
				bad = 1;
				continue;
			}
			c->fdq[c->nfdq++] = fds[i];	/* MSG_CMSG_CLOEXEC */
		}
	}
	if (msg->msg_flags & MSG_CTRUNC)
		bad = 1;
	return bad ? -1 : 0;
}

static int
chan_pop_fd(struct chan *c)
{
	int fd;

	if (c->nfdq == 0)
		return -1;
	fd = c->fdq[0];
	memmove(c->fdq, c->fdq + 1, (size_t)(c->nfdq - 1) * sizeof(int));
	c->nfdq--;
	return fd;
}

/* The header of the first frame buffered (4 bytes must be there): its
 * length, and CHAN_FDBIT. */
static uint32_t
chan_peek_header(struct chan *c)
{
	uint8_t hdr[FRAME_HDR];

	evbuffer_copyout(c->in, hdr, FRAME_HDR);
	return frame_get_len(hdr);
}

/* Deliver every complete frame.  Returns -1 on a protocol violation,
 * 1 if the channel was freed by a callback, 0 otherwise. */
static int
chan_dispatch(struct chan *c)
{
	const struct etf_term *t;
	uint8_t *p;
	uint32_t h;
	size_t len;
	int fd, rc;

	while (!c->dead && !c->held && evbuffer_get_length(c->in) >= 4) {
		h = chan_peek_header(c);
		len = h & ~CHAN_FDBIT;
		if (len == 0 || len > c->max_msg) {
			log_warnx("internal message of %zu bytes refused", len);
			return -1;
		}
		if (evbuffer_get_length(c->in) < 4 + len)
			break;
		fd = -1;
		if ((h & CHAN_FDBIT) && (fd = chan_pop_fd(c)) == -1) {
			log_warnx("internal message without its descriptor");
			return -1;
		}
		p = evbuffer_pullup(c->in, (ssize_t)(4 + len));
		etf_arena_reset(c->arena);
		/* No process compresses what it sends: a compressed
		 * message (0: none inflated) is refused. */
		rc = etf_decode(c->arena, p + 4, len, 0, &t);
		if (rc != ETF_OK) {
			log_warnx("bad internal message: %s", etf_strerror(rc));
			if (fd != -1)
				close(fd);
			return -1;
		}
		c->in_cb++;
		c->msg_cb(c, t, fd, c->arg);
		c->in_cb--;
		if (c->dead)
			break;
		evbuffer_drain(c->in, 4 + len);
	}
	if (c->dead && c->in_cb == 0) {
		chan_really_free(c);
		return 1;
	}
	return 0;
}

/* The size of the next read (see CHAN_READ_MIN). */
static size_t
chan_read_size(struct chan *c)
{
	size_t have = evbuffer_get_length(c->in), want;

	if (have < 4)
		return CHAN_READ_MIN;
	want = 4 + (size_t)(chan_peek_header(c) & ~CHAN_FDBIT);
	want = want > have ? want - have : 0;
	if (want < CHAN_READ_MIN)
		return CHAN_READ_MIN;
	return want > CHAN_READ_MAX ? CHAN_READ_MAX : want;
}

static void
chan_read(evutil_socket_t fd, short ev, void *arg)
{
	struct chan *c = arg;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(CHAN_MAXFDS * sizeof(int))];
	} cmsgbuf;
	struct msghdr msg;
	struct iovec iov;
	struct evbuffer_iovec v;
	size_t want;
	ssize_t n;
	int rc, round;

	/* Frames left buffered by a hold first (chan_resume). */
	if ((rc = chan_dispatch(c)) != 0) {
		if (rc == -1)
			(void)chan_lost(c);
		return;
	}
	for (round = 0; round < 4 && !c->held; round++) {
		want = chan_read_size(c);
		if (evbuffer_reserve_space(c->in, (ev_ssize_t)want, &v, 1) != 1)
			fatalx("out of memory");
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = v.iov_base;
		iov.iov_len = v.iov_len;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			(void)chan_lost(c);
			return;
		}
		if (chan_take_fds(c, &msg) == -1) {
			log_warnx("internal channel: descriptors lost");
			(void)chan_lost(c);
			return;
		}
		if (n == 0) {
			(void)chan_lost(c);
			return;
		}
		v.iov_len = (size_t)n;
		evbuffer_commit_space(c->in, &v, 1);
		if ((rc = chan_dispatch(c)) != 0) {
			if (rc == -1)
				(void)chan_lost(c);
			return;
		}
		if ((size_t)n < want)
			return;
	}
}

int
chan_socketpair(int sv[2])
{
	return socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sv);
}

void
chan_hold(struct chan *c)
{
	c->held = 1;
	event_del(c->rev);
}

void
chan_resume(struct chan *c)
{
	if (!c->held || c->dead || c->closed)
		return;
	c->held = 0;
	event_add_or_exit(c->rev, NULL);
	/* What was read already waits in the buffer, and the descriptor
	 * may not be readable again: the next pass of the loop delivers it. */
	event_active(c->rev, EV_READ, 0);
}

void
chan_read_now(struct chan *c)
{
	if (!c->dead && !c->closed)
		chan_read(c->fd, EV_READ, c);
}

ssize_t
chan_sendmsg(int sock, const void *p, size_t n, int fd, int flags)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct cmsghdr *cm;
	struct msghdr msg;
	struct iovec iov;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)(uintptr_t)p;
	iov.iov_len = n;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd != -1) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL | flags);
}

static void
chan_put_header(uint8_t *p, size_t len, int fd)
{
	frame_put_len(p, (uint32_t)len | (fd != -1 ? CHAN_FDBIT : 0));
}

/* Write as much as the socket takes (flags: MSG_DONTWAIT, or 0 to wait
 * on a blocking descriptor).  Returns -1 if the peer is gone. */
static int
chan_drain_out(struct chan *c, int flags)
{
	struct chan_out *o;
	ssize_t n;

	while ((o = TAILQ_FIRST(&c->outq)) != NULL) {
		n = chan_sendmsg(c->fd, o->data + o->off, o->len - o->off,
		    o->off == 0 ? o->fd : -1, flags);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			return -1;
		}
		if (o->fd != -1) {
			close(o->fd);
			o->fd = -1;
		}
		o->off += (size_t)n;
		if (o->off < o->len)
			return 0;
		TAILQ_REMOVE(&c->outq, o, entry);
		free(o);
	}
	return 0;
}

static void
chan_write(evutil_socket_t fd, short ev, void *arg)
{
	struct chan *c = arg;

	if (chan_drain_out(c, MSG_DONTWAIT) == -1) {
		/* The peer is gone, but what it sent before it went is
		 * read and delivered first (a list server's last {got}):
		 * the read side reports the end, as chan_send_raw() lets
		 * it. */
		chan_read(fd, EV_READ, c);
		return;
	}
	if (!TAILQ_EMPTY(&c->outq))
		event_add_or_exit(c->wev, NULL);
}

/* A message's frame, to send with fd; NULL if too long or no memory. */
static struct chan_out *
chan_out_new(const void *payload, size_t len, int fd)
{
	struct chan_out *o;

	if (len == 0 || len > ~CHAN_FDBIT ||
	    (o = malloc(sizeof(*o) + 4 + len)) == NULL)
		return NULL;
	chan_put_header(o->data, len, fd);
	memcpy(o->data + 4, payload, len);
	o->len = 4 + len;
	o->off = 0;
	o->fd = fd;
	return o;
}

/* Queue a message made by chan_out_new(), and write what can go now. */
static void
chan_enqueue(struct chan *c, struct chan_out *o)
{
	TAILQ_INSERT_TAIL(&c->outq, o, entry);
	if (c->closed)
		return;
	if (TAILQ_FIRST(&c->outq) == o &&
	    chan_drain_out(c, MSG_DONTWAIT) == -1) {
		/* Reported by the read side, which sees the same error. */
		event_active(c->rev, EV_READ, 0);
		return;
	}
	if (!TAILQ_EMPTY(&c->outq))
		event_add_or_exit(c->wev, NULL);
}

int
chan_send_raw(struct chan *c, const void *payload, size_t len, int fd)
{
	struct chan_out *o;

	if ((o = chan_out_new(payload, len, fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	chan_enqueue(c, o);
	return 0;
}

int
chan_send(struct chan *c, const struct etf_buf *b, int fd)
{
	if (b->oom) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	return chan_send_raw(c, b->p, b->len, fd);
}

void
chan_send_or_exit(struct chan *c, const struct etf_buf *b, int fd)
{
	if (chan_send(c, b, fd) == -1)
		fatalx("out of memory queueing a message to another process");
}

int
chan_send_first(struct chan *c, const struct etf_buf *b, int fd)
{
	struct chan_out *o;
	int err;

	/* With no memory fd stays the caller's, as when nothing went. */
	if (b->oom || (o = chan_out_new(b->p, b->len, fd)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if (c->closed || !TAILQ_EMPTY(&c->outq)) {
		chan_enqueue(c, o);
		return 0;
	}
	TAILQ_INSERT_TAIL(&c->outq, o, entry);
	if (chan_drain_out(c, MSG_DONTWAIT) == -1) {
		if (o->off == 0) {
			/* Nothing went, the descriptor with it. */
			err = errno;
			TAILQ_REMOVE(&c->outq, o, entry);
			free(o);
			errno = err;
			return -1;
		}
		/* Part went: the read side reports the end. */
		event_active(c->rev, EV_READ, 0);
		return 0;
	}
	if (!TAILQ_EMPTY(&c->outq))
		event_add_or_exit(c->wev, NULL);
	return 0;
}

void
chan_set_arg(struct chan *c, void *arg)
{
	c->arg = arg;
}

void
chan_flush(struct chan *c)
{
	int flags;

	if (c->closed || TAILQ_EMPTY(&c->outq))
		return;
	/* Mostly the socket takes it all at once, with no fcntl. */
	if (chan_drain_out(c, MSG_DONTWAIT) == -1 || TAILQ_EMPTY(&c->outq))
		return;
	/* Else blocking, to the end: a blocking send still stops short
	 * at a signal.  What a failed fcntl leaves queued goes out from
	 * the event loop. */
	if ((flags = fcntl(c->fd, F_GETFL)) == -1 ||
	    fcntl(c->fd, F_SETFL, flags & ~O_NONBLOCK) == -1)
		return;
	while (!TAILQ_EMPTY(&c->outq) && chan_drain_out(c, 0) == 0)
		;
	(void)fcntl(c->fd, F_SETFL, flags);
}

ssize_t
chan_send_fd_now(int sock, uint8_t *frame, const void *payload, size_t len,
    int fd)
{
	if (len == 0 || len > CHAN_FDNOW_MAX) {
		errno = EINVAL;
		return -1;
	}
	chan_put_header(frame, len, fd);
	memcpy(frame + 4, payload, len);
	return chan_sendmsg(sock, frame, 4 + len, fd, MSG_DONTWAIT);
}
