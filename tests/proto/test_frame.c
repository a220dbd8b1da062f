/* test_frame.c: {packet, 4} framing over evbuffers. */
#include "config.h"

#include <check.h>
#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "../ckrun.h"

static struct evbuffer *in;

static void
setup(void)
{
	in = evbuffer_new();
	ck_assert_ptr_nonnull(in);
}

static void
teardown(void)
{
	evbuffer_free(in);
}

START_TEST(test_len)
{
	uint8_t hdr[FRAME_HDR];

	frame_put_len(hdr, 0x01020304);
	ck_assert_int_eq(hdr[0], 1);
	ck_assert_int_eq(hdr[3], 4);
	ck_assert_uint_eq(frame_get_len(hdr), 0x01020304);
	frame_put_len(hdr, UINT32_MAX);
	ck_assert_uint_eq(frame_get_len(hdr), UINT32_MAX);
}
END_TEST

START_TEST(test_whole)
{
	uint8_t *p;
	size_t len;

	ck_assert_int_eq(frame_next(in, 100, &p, &len), FRAME_NEED_MORE);
	ck_assert_int_eq(frame_add(in, "hello", 5), 0);
	ck_assert_int_eq(frame_add(in, "!", 1), 0);
	ck_assert_uint_eq(evbuffer_get_length(in), 4 + 5 + 4 + 1);
	ck_assert_int_eq(frame_next(in, 100, &p, &len), FRAME_READY);
	ck_assert_uint_eq(len, 5);
	ck_assert(memcmp(p, "hello", 5) == 0);
	/* Still there until drained. */
	ck_assert_int_eq(frame_next(in, 100, &p, &len), FRAME_READY);
	frame_drain(in, len);
	ck_assert_int_eq(frame_next(in, 100, &p, &len), FRAME_READY);
	ck_assert_uint_eq(len, 1);
	ck_assert_int_eq(p[0], '!');
	frame_drain(in, len);
	ck_assert_uint_eq(evbuffer_get_length(in), 0);
	ck_assert_int_eq(frame_next(in, 100, &p, &len), FRAME_NEED_MORE);
}
END_TEST

/* One byte at a time, from chunks that libevent keeps apart. */
START_TEST(test_byte_by_byte)
{
	struct evbuffer *src = evbuffer_new();
	uint8_t payload[3000], byte, *p;
	size_t i, len, total;
	int frames = 0;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 31 + 7);
	ck_assert_int_eq(frame_add(src, payload, sizeof(payload)), 0);
	ck_assert_int_eq(frame_add(src, payload, 1), 0);
	total = evbuffer_get_length(src);
	for (i = 0; i < total; i++) {
		ck_assert_int_eq(evbuffer_remove(src, &byte, 1), 1);
		ck_assert_int_eq(evbuffer_add(in, &byte, 1), 0);
		while (frame_next(in, 4096, &p, &len) == FRAME_READY) {
			if (frames == 0) {
				ck_assert_uint_eq(i, 4 + sizeof(payload) - 1);
				ck_assert_uint_eq(len, sizeof(payload));
				ck_assert(memcmp(p, payload, len) == 0);
			} else {
				ck_assert_uint_eq(i, total - 1);
				ck_assert_uint_eq(len, 1);
				ck_assert_int_eq(p[0], payload[0]);
			}
			frame_drain(in, len);
			frames++;
		}
	}
	ck_assert_int_eq(frames, 2);
	ck_assert_uint_eq(evbuffer_get_length(in), 0);
	evbuffer_free(src);
}
END_TEST

START_TEST(test_empty)
{
	uint8_t *p;
	size_t len;

	ck_assert_int_eq(frame_add(in, "", 0), 0);
	ck_assert_int_eq(frame_next(in, 100, &p, &len), FRAME_EMPTY);
}
END_TEST

/* An oversize length is refused from the header alone. */
START_TEST(test_toobig)
{
	uint8_t hdr[FRAME_HDR], *p;
	size_t len;

	frame_put_len(hdr, 101);
	evbuffer_add(in, hdr, 3);
	ck_assert_int_eq(frame_next(in, 100, &p, &len), FRAME_NEED_MORE);
	evbuffer_add(in, hdr + 3, 1);
	ck_assert_int_eq(frame_next(in, 100, &p, &len), FRAME_TOOBIG);
	evbuffer_drain(in, 4);
	frame_put_len(hdr, UINT32_MAX);
	evbuffer_add(in, hdr, 4);
	ck_assert_int_eq(frame_next(in, FRAME_DEFAULT_MAX, &p, &len),
	    FRAME_TOOBIG);
	evbuffer_drain(in, 4);
	/* L = max is accepted. */
	{
		uint8_t body[100] = { 0 };

		ck_assert_int_eq(frame_add(in, body, 100), 0);
		ck_assert_int_eq(frame_next(in, 100, &p, &len), FRAME_READY);
		ck_assert_uint_eq(len, 100);
	}
}
END_TEST

static Suite *
frame_suite(void)
{
	Suite *s = suite_create("frame");
	TCase *tc = tcase_create("frame");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_len);
	tcase_add_test(tc, test_whole);
	tcase_add_test(tc, test_byte_by_byte);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_toobig);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(frame_suite());
}
