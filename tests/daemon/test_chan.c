/*
 * test_chan.c: an internal channel's messages and its end: what the peer
 * sent before it went is delivered before the channel reports it gone,
 * whichever of the read and write sides notices first; and a message
 * sent at once (chan_send_first) tells a peer that is there from one
 * that is gone, without losing the descriptor it carries; a channel
 * held delivers nothing until resumed; and a message
 * that must not be lost ends the process when it cannot be queued.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "chan.h"
#include "etf.h"
#include "frame.h"
#include "proc.h"
#include "tutil.h"

struct seen {
	int	msgs;		/* "hello" messages delivered */
	int	closed;		/* the close callback ran */
	int	msgs_at_close;
};

static void
on_msg(struct chan *c, const struct etf_term *t, int fd, void *arg)
{
	struct seen *s = arg;

	ck_assert_int_eq(s->closed, 0);
	ck_assert(etf_is_atom(t, "hello"));
	ck_assert_int_eq(fd, -1);
	s->msgs++;
}

static void
on_closed(struct chan *c, void *arg)
{
	struct seen *s = arg;

	s->closed++;
	s->msgs_at_close = s->msgs;
	chan_free(c);
}

/* The peer's frame: {packet, 4} of term_to_binary(hello). */
static void
peer_says_hello(int fd)
{
	struct etf_buf b;
	uint8_t hdr[FRAME_HDR];

	etf_buf_init(&b);
	etf_put_version(&b);
	etf_put_atom(&b, "hello");
	ck_assert(!b.oom);
	frame_put_len(hdr, (uint32_t)b.len);
	ck_assert_int_eq(write(fd, hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
	ck_assert_int_eq(write(fd, b.p, b.len), (ssize_t)b.len);
	etf_buf_free(&b);
}

/* Run the loop until the channel reports its end (bounded). */
static void
run_until_closed(struct event_base *base, const struct seen *s)
{
	int i;

	for (i = 0; i < 100 && s->closed == 0; i++)
		ck_assert_int_ge(event_base_loop(base, EVLOOP_ONCE |
		    EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(s->closed, 1);
}

/*
 * Our writes wait for the socket (the peer does not read), the peer
 * writes two messages and goes: the write side fails first (EPIPE), and
 * the messages are still delivered before the end is reported.
 */
START_TEST(peer_gone_with_output_pending)
{
	struct event_base *base;
	struct seen s = { 0, 0, 0 };
	struct etf_buf big;
	struct chan *c;
	char *blob;
	int sv[2], i;

	ck_assert_int_eq(chan_socketpair(sv), 0);
	ck_assert_ptr_nonnull(base = event_base_new());
	ck_assert_ptr_nonnull(c = chan_new(base, sv[0], PROC_MAX_MSG,
	    on_msg, on_closed, &s));
	/* More than the socket takes: the rest waits for EV_WRITE. */
	ck_assert_ptr_nonnull(blob = calloc(1, 1 << 20));
	etf_buf_init(&big);
	etf_put_version(&big);
	etf_put_binary(&big, blob, 1 << 20);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(chan_send(c, &big, -1), 0);
	peer_says_hello(sv[1]);
	peer_says_hello(sv[1]);
	close(sv[1]);
	run_until_closed(base, &s);
	ck_assert_int_eq(s.msgs_at_close, 2);
	etf_buf_free(&big);
	free(blob);
	event_base_free(base);
}
END_TEST

/* The same with nothing to write: EOF after the messages. */
START_TEST(peer_gone_idle)
{
	struct event_base *base;
	struct seen s = { 0, 0, 0 };
	struct chan *c;
	int sv[2];

	ck_assert_int_eq(chan_socketpair(sv), 0);
	ck_assert_ptr_nonnull(base = event_base_new());
	ck_assert_ptr_nonnull(c = chan_new(base, sv[0], PROC_MAX_MSG,
	    on_msg, on_closed, &s));
	peer_says_hello(sv[1]);
	close(sv[1]);
	run_until_closed(base, &s);
	ck_assert_int_eq(s.msgs_at_close, 1);
	event_base_free(base);
}
END_TEST

/* What a receiving channel got: one message with its descriptor. */
struct got {
	int	msgs;
	int	fd;
};

static void
on_msg_fd(struct chan *c, const struct etf_term *t, int fd, void *arg)
{
	struct got *g = arg;

	ck_assert(etf_is_atom(t, "hello"));
	g->msgs++;
	g->fd = fd;
}

static void
on_closed_ignore(struct chan *c, void *arg)
{
}

static bool
fd_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

/* A sending channel (on sv[0]; the peer's end is sv[1]), a pipe whose
 * write end p[1] is the descriptor to send, and the message. */
struct sender {
	struct event_base	*base;
	struct chan		*a;
	struct etf_buf		 b;
	int			 sv[2];
	int			 p[2];
};

static void
sender_init(struct sender *s)
{
	ck_assert_int_eq(chan_socketpair(s->sv), 0);
	ck_assert_int_eq(pipe(s->p), 0);
	ck_assert_ptr_nonnull(s->base = event_base_new());
	ck_assert_ptr_nonnull(s->a = chan_new(s->base, s->sv[0],
	    PROC_MAX_MSG, on_msg, on_closed_ignore, NULL));
	etf_buf_init(&s->b);
	etf_put_version(&s->b);
	etf_put_atom(&s->b, "hello");
	ck_assert(!s->b.oom);
}

static void
sender_free(struct sender *s)
{
	close(s->p[0]);
	etf_buf_free(&s->b);
	event_base_free(s->base);
}

/* The peer is there: the message goes now, and the descriptor with it
 * (the sender's copy closed), to the peer's channel. */
START_TEST(send_first_peer_there)
{
	struct sender s;
	struct got g = { 0, -1 };
	struct chan *z;
	char byte = 0;
	int i;

	sender_init(&s);
	ck_assert_ptr_nonnull(z = chan_new(s.base, s.sv[1], PROC_MAX_MSG,
	    on_msg_fd, on_closed_ignore, &g));
	ck_assert_int_eq(chan_send_first(s.a, &s.b, s.p[1]), 0);
	ck_assert(!fd_open(s.p[1]));
	for (i = 0; i < 100 && g.msgs == 0; i++)
		ck_assert_int_ge(event_base_loop(s.base, EVLOOP_ONCE |
		    EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(g.msgs, 1);
	ck_assert_int_ne(g.fd, -1);
	/* The pipe's write end, passed. */
	ck_assert_int_eq(write(g.fd, "x", 1), 1);
	ck_assert_int_eq(read(s.p[0], &byte, 1), 1);
	ck_assert_int_eq(byte, 'x');
	close(g.fd);
	chan_free(s.a);
	chan_free(z);
	sender_free(&s);
}
END_TEST

/* The peer is gone: nothing goes, nothing is queued, the descriptor is
 * still the caller's. */
START_TEST(send_first_peer_gone)
{
	struct sender s;

	sender_init(&s);
	close(s.sv[1]);
	errno = 0;
	ck_assert_int_eq(chan_send_first(s.a, &s.b, s.p[1]), -1);
	ck_assert_int_eq(errno, EPIPE);
	chan_free(s.a);
	ck_assert(fd_open(s.p[1]));
	close(s.p[1]);
	sender_free(&s);
}
END_TEST

/* With no memory for the message (an encoding that ran out of it,
 * which is how chan_send_first sees a failed copy too), nothing goes,
 * nothing is queued, and the descriptor is still the caller's to close
 * (it was closed as well, so that the caller closed it twice). */
START_TEST(send_first_no_memory)
{
	struct sender s;
	struct got g = { 0, -1 };
	struct chan *z;
	int i;

	sender_init(&s);
	ck_assert_ptr_nonnull(z = chan_new(s.base, s.sv[1], PROC_MAX_MSG,
	    on_msg_fd, on_closed_ignore, &g));
	s.b.oom = 1;
	errno = 0;
	ck_assert_int_eq(chan_send_first(s.a, &s.b, s.p[1]), -1);
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert(fd_open(s.p[1]));
	for (i = 0; i < 10; i++)
		ck_assert_int_ge(event_base_loop(s.base, EVLOOP_ONCE |
		    EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(g.msgs, 0);
	close(s.p[1]);
	chan_free(s.a);
	chan_free(z);
	sender_free(&s);
}
END_TEST

/* With output queued already, the message queues behind it, and the
 * channel owns the descriptor (closed with the channel). */
START_TEST(send_first_behind_queue)
{
	struct sender s;
	struct etf_buf big;
	char *blob;

	sender_init(&s);
	ck_assert_ptr_nonnull(blob = calloc(1, 1 << 20));
	etf_buf_init(&big);
	etf_put_version(&big);
	etf_put_binary(&big, blob, 1 << 20);
	ck_assert_int_eq(chan_send(s.a, &big, -1), 0);
	ck_assert_int_eq(chan_send_first(s.a, &s.b, s.p[1]), 0);
	ck_assert(fd_open(s.p[1]));
	chan_free(s.a);
	ck_assert(!fd_open(s.p[1]));
	close(s.sv[1]);
	free(blob);
	etf_buf_free(&big);
	sender_free(&s);
}
END_TEST

/* A message goes, then one whose encoding ran out of memory. */
static void
send_encoding_oom(void *arg)
{
	struct sender s;

	sender_init(&s);
	chan_send_or_exit(s.a, &s.b, -1);
	s.b.oom = 1;
	chan_send_or_exit(s.a, &s.b, -1);
}

/* Holds the channel at its first message. */
static void
on_msg_hold(struct chan *c, const struct etf_term *t, int fd, void *arg)
{
	struct seen *s = arg;

	ck_assert(etf_is_atom(t, "hello"));
	if (s->msgs++ == 0)
		chan_hold(c);
}

/* Run the loop until n messages are seen (bounded). */
static void
run_until_msgs(struct event_base *base, const struct seen *s, int n)
{
	int i;

	for (i = 0; i < 100 && s->msgs < n; i++)
		ck_assert_int_ge(event_base_loop(base, EVLOOP_ONCE |
		    EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(s->msgs, n);
}

/*
 * A channel held at a message delivers none of the ones read with it,
 * reads nothing more, and does not make the loop spin; resumed, it
 * delivers them all in order, then what came since, then its end.
 */
START_TEST(hold_and_resume)
{
	struct event_base *base;
	struct seen s = { 0 };
	struct chan *c;
	int sv[2], i, pending;

	ck_assert_int_eq(chan_socketpair(sv), 0);
	ck_assert_ptr_nonnull(base = event_base_new());
	ck_assert_ptr_nonnull(c = chan_new(base, sv[0], 1024, on_msg_hold,
	    on_closed, &s));
	for (i = 0; i < 3; i++)
		peer_says_hello(sv[1]);
	run_until_msgs(base, &s, 1);
	for (i = 0; i < 20; i++)
		ck_assert_int_ge(event_base_loop(base, EVLOOP_ONCE |
		    EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(s.msgs, 1);
	/* Sent while held: it stays in the socket. */
	peer_says_hello(sv[1]);
	ck_assert_int_ge(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	ck_assert_int_eq(ioctl(sv[0], FIONREAD, &pending), 0);
	ck_assert_int_gt(pending, 0);
	ck_assert_int_eq(s.msgs, 1);
	chan_resume(c);
	run_until_msgs(base, &s, 4);
	close(sv[1]);
	run_until_closed(base, &s);
	ck_assert_int_eq(s.msgs_at_close, 4);
	event_base_free(base);
}
END_TEST

#ifndef __SANITIZE_ADDRESS__
/* (AddressSanitizer's shadow memory does not fit an address space
 * limit: the next test's second half does not run under it.) */

/* This process's address space, in KiB (VmSize); -1 if unknown. */
static long
vm_size_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmSize: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* In a child (tu_run): a set-up step failed, which is not the exit the
 * test waits for. */
static void
child_fail(const char *what)
{
	fprintf(stderr, "set-up failed: %s\n", what);
	_exit(3);
}

/* A message goes, then one whose copy does not fit in the address
 * space left. */
static void
send_no_room(void *arg)
{
	struct sender s;
	struct etf_buf big;
	struct rlimit lim;
	char *blob;
	long kb;

	sender_init(&s);
	if ((blob = calloc(1, 64 << 20)) == NULL)
		child_fail("calloc");
	etf_buf_init(&big);
	etf_put_version(&big);
	etf_put_binary(&big, blob, 64 << 20);
	free(blob);
	if (big.oom || (kb = vm_size_kb()) <= 0 ||
	    getrlimit(RLIMIT_AS, &lim) == -1)
		child_fail("the message, or the address space");
	/* Room for small allocations, not for another 64 MiB. */
	lim.rlim_cur = (rlim_t)kb * 1024 + (16 << 20);
	if (setrlimit(RLIMIT_AS, &lim) == -1)
		child_fail("setrlimit");
	chan_send_or_exit(s.a, &s.b, -1);
	chan_send_or_exit(s.a, &big, -1);
}
#endif /* !__SANITIZE_ADDRESS__ */

/* A message that must not be lost and cannot be queued ends the process
 * (fatalx: exit 1, said on stderr), whether its encoding ran out of
 * memory or the channel has none for its copy. */
START_TEST(send_or_exit)
{
	struct tu_result r;

	tu_run(send_encoding_oom, NULL, &r);
	ck_assert_int_eq(tu_exitcode(r.status), 1);
	ck_assert_ptr_nonnull(strstr(r.err, "out of memory queueing a "
	    "message"));
#ifndef __SANITIZE_ADDRESS__
	tu_run(send_no_room, NULL, &r);
	ck_assert_msg(tu_exitcode(r.status) == 1, "status %d: %s",
	    tu_exitcode(r.status), r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "out of memory queueing a "
	    "message"));
#endif
}
END_TEST

static Suite *
chan_suite(void)
{
	Suite *s = suite_create("chan");
	TCase *tc = tcase_create("end");

	tcase_add_test(tc, peer_gone_with_output_pending);
	tcase_add_test(tc, peer_gone_idle);
	tcase_add_test(tc, hold_and_resume);
	suite_add_tcase(s, tc);
	tc = tcase_create("send_first");
	tcase_add_test(tc, send_first_peer_there);
	tcase_add_test(tc, send_first_peer_gone);
	tcase_add_test(tc, send_first_behind_queue);
	tcase_add_test(tc, send_first_no_memory);
	suite_add_tcase(s, tc);
	tcase_add_test(tc, send_or_exit);
	return s;
}

int
main(void)
{
	return ck_run(chan_suite());
}
