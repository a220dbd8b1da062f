/*
 * fuzz_listsrv.c: a list server's request handling, driven in-process
 * with arbitrary client bytes.
 *
 * A list server runs embedded in this process (listsrv_embed); this
 * program plays its database worker (empty list, every change stored) and
 * one client whose bytes are the fuzzer's input: a stream of frames, then
 * EOF.  Every reply must be a well-formed frame holding one valid term;
 * the server must close the connection in the end (no hang) and never
 * crash.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "etf.h"
#include "frame.h"
#include "listsrv.h"
#include "log.h"
#include "options.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct event_base	*base;
static struct evbuffer		*wbuf;		/* from the server, worker side */
static struct etf_arena		*arena;
static int			 wfd = -1;	/* our end of the worker link */

static void
worker_reply(const struct etf_term *t)
{
	struct etf_buf b;
	uint8_t hdr[FRAME_HDR];

	etf_buf_init(&b);
	etf_put_version(&b);
	if (etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "get"))
		etf_put_atom(&b, "not_found");
	else if (t->type == ETF_TUPLE && t->seq.n == 4 &&
	    t->seq.v[2].type == ETF_INT) {
		etf_put_tuple(&b, 2);
		etf_put_atom(&b, "stored");
		etf_put_int(&b, t->seq.v[2].i);
	} else
		abort();	/* the server sent a malformed message */
	frame_put_len(hdr, (uint32_t)b.len);
	if (write(wfd, hdr, sizeof(hdr)) != sizeof(hdr) ||
	    write(wfd, b.p, b.len) != (ssize_t)b.len)
		abort();
	etf_buf_free(&b);
}

static void
worker_read(evutil_socket_t fd, short ev, void *arg)
{
	const struct etf_term *t;
	uint8_t *p;
	size_t len;

	if (evbuffer_read(wbuf, fd, 65536) <= 0)
		return;
	while (frame_next(wbuf, 64u * 1024 * 1024, &p, &len) == FRAME_READY) {
		etf_arena_reset(arena);
		if (etf_decode(arena, p, len, len, &t) != ETF_OK)
			abort();
		worker_reply(t);
		frame_drain(wbuf, len);
	}
}

static void
setup(void)
{
	static struct todod_config cfg;
	struct event *ev;
	int sv[2];

	log_init(1, LOG_LEVEL_ERROR);
	cfg.max_frame = 65536;
	cfg.idle_timeout = 0;
	cfg.workers = 1;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		abort();
	wfd = sv[0];
	base = listsrv_embed(&cfg, "fuzz", 4, sv[1]);
	wbuf = evbuffer_new();
	arena = etf_arena_new();
	ev = event_new(base, wfd, EV_READ | EV_PERSIST, worker_read, NULL);
	event_add(ev, NULL);
}

/* Check every complete reply frame in buf. */
static void
check_replies(struct evbuffer *buf)
{
	const struct etf_term *t;
	uint8_t *p;
	size_t len;

	while (frame_next(buf, 64u * 1024 * 1024, &p, &len) == FRAME_READY) {
		etf_arena_reset(arena);
		if (etf_decode(arena, p, len, len, &t) != ETF_OK)
			abort();
		frame_drain(buf, len);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbuffer *replies;
	size_t off = 0;
	ssize_t n;
	int sv[2], rounds, eof = 0;

	if (base == NULL)
		setup();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == -1)
		abort();
	listsrv_embed_attach(sv[1]);
	replies = evbuffer_new();
	for (rounds = 0; rounds < 100000 && !eof; rounds++) {
		if (off < size) {
			n = write(sv[0], data + off, size - off);
			if (n > 0)
				off += (size_t)n;
			else if (n == -1 && errno != EAGAIN)
				off = size;
			if (off == size)
				shutdown(sv[0], SHUT_WR);
		} else if (size == 0 && off == 0) {
			shutdown(sv[0], SHUT_WR);
			off = 1;
		}
		event_base_loop(base, EVLOOP_NONBLOCK);
		n = evbuffer_read(replies, sv[0], 65536);
		if (n == 0)
			eof = 1;
		check_replies(replies);
	}
	if (!eof)
		abort();	/* the server never closed the connection */
	close(sv[0]);
	evbuffer_free(replies);
	return 0;
}
