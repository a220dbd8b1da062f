/*
 * test_linger.c: a connection closed lingering (linger.h) is shut down
 * for writing at once (its client reads the end), reads and drops what
 * its client still sends, and is closed when the client closes, at its
 * deadline at the latest; more than LINGER_MAX at once are closed at
 * once; linger_close_all() closes them all.
 */
#include "config.h"

#include <sys/socket.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "../ckrun.h"
#include "linger.h"
#include "monotime.h"

/* A connected pair: [0] the daemon's end, [1] the client's. */
static void
pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
}

/* Run the loop until no connection lingers, for at most ms; how long it
 * took. */
static int64_t
run_until_none(struct event_base *base, int ms)
{
	int64_t start = monotime_ms();

	while (linger_count() > 0 && monotime_ms() - start < ms)
		ck_assert_int_ge(event_base_loop(base, EVLOOP_ONCE), 0);
	return monotime_ms() - start;
}

/* The client writes 4 MiB, far more than the sockets hold, then reads
 * the end and closes: the daemon's end goes with it. */
START_TEST(reads_until_closed)
{
	struct event_base *base = event_base_new();
	static uint8_t buf[64 * 1024];
	size_t sent = 0;
	ssize_t n;
	int sv[2];
	int64_t start = monotime_ms();

	pair(sv);
	linger_close(base, sv[0]);
	ck_assert_uint_eq(linger_count(), 1);
	while (sent < 4u << 20) {
		n = send(sv[1], buf, sizeof(buf), MSG_NOSIGNAL);
		if (n == -1) {
			ck_assert_int_eq(errno, EAGAIN);
			ck_assert_int_ge(event_base_loop(base,
			    EVLOOP_ONCE), 0);
			ck_assert_int_lt(monotime_ms() - start, 10000);
			continue;
		}
		sent += (size_t)n;
	}
	ck_assert_uint_eq(linger_count(), 1);
	ck_assert_int_eq(read(sv[1], buf, sizeof(buf)), 0);	/* the end */
	close(sv[1]);
	ck_assert_int_lt(run_until_none(base, 5000), 5000);
	event_base_free(base);
}
END_TEST

/* A client that neither sends nor closes: closed at the deadline. */
START_TEST(deadline)
{
	struct event_base *base = event_base_new();
	uint8_t b;
	int sv[2];
	int64_t took;

	pair(sv);
	linger_close(base, sv[0]);
	took = run_until_none(base, 3 * LINGER_MS);
	ck_assert_int_ge(took, LINGER_MS - 100);
	ck_assert_int_lt(took, 3 * LINGER_MS);
	ck_assert_int_eq(read(sv[1], &b, 1), 0);
	ck_assert_int_eq(send(sv[1], &b, 1, MSG_NOSIGNAL), -1);
	ck_assert_int_eq(errno, EPIPE);
	close(sv[1]);
	event_base_free(base);
}
END_TEST

/* Beyond LINGER_MAX, a connection is closed at once. */
START_TEST(bounded)
{
	struct event_base *base = event_base_new();
	int sv[LINGER_MAX + 1][2];
	uint8_t b = 0;
	int i;

	for (i = 0; i <= LINGER_MAX; i++) {
		pair(sv[i]);
		linger_close(base, sv[i][0]);
	}
	ck_assert_uint_eq(linger_count(), LINGER_MAX);
	ck_assert_int_eq(send(sv[LINGER_MAX][1], &b, 1, MSG_NOSIGNAL), -1);
	ck_assert_int_eq(errno, EPIPE);
	ck_assert_int_eq(send(sv[0][1], &b, 1, MSG_NOSIGNAL), 1);
	for (i = 0; i <= LINGER_MAX; i++)
		close(sv[i][1]);
	ck_assert_int_lt(run_until_none(base, 5000), 5000);
	event_base_free(base);
}
END_TEST

/* linger_close_all() closes them all at once. */
START_TEST(close_all)
{
	struct event_base *base = event_base_new();
	int sv[3][2], i;
	uint8_t b = 0;

	for (i = 0; i < 3; i++) {
		pair(sv[i]);
		linger_close(base, sv[i][0]);
	}
	ck_assert_uint_eq(linger_count(), 3);
	linger_close_all();
	ck_assert_uint_eq(linger_count(), 0);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(send(sv[i][1], &b, 1, MSG_NOSIGNAL), -1);
		ck_assert_int_eq(errno, EPIPE);
		close(sv[i][1]);
	}
	ck_assert_int_eq(event_base_get_num_events(base,
	    EVENT_BASE_COUNT_ADDED), 0);
	event_base_free(base);
}
END_TEST

static Suite *
linger_suite(void)
{
	Suite *s = suite_create("linger");
	TCase *tc = tcase_create("linger");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, reads_until_closed);
	tcase_add_test(tc, deadline);
	tcase_add_test(tc, bounded);
	tcase_add_test(tc, close_all);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(linger_suite());
}
