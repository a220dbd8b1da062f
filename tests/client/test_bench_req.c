/*
 * test_bench_req.c: todo-bench's quick look at replies (bench_req.c):
 * what it makes of {ok, V} and {error, Reason}, and the reasons it keeps
 * for its report, which must print safely and be JSON keys.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "bench_req.h"
#include "etf.h"
#include "../ckrun.h"

/* {error, Reason} with an atom of n bytes of p. */
static size_t
error_reply(uint8_t *buf, const void *p, size_t n)
{
	static const uint8_t head[] = { 131, 104, 2, 119, 5, 'e', 'r', 'r',
	    'o', 'r', 119 };

	memcpy(buf, head, sizeof(head));
	buf[sizeof(head)] = (uint8_t)n;
	memcpy(buf + sizeof(head) + 1, p, n);
	return sizeof(head) + 1 + n;
}

START_TEST(test_ok)
{
	static const uint8_t ok1[] = { 131, 104, 2, 119, 2, 'o', 'k', 97, 1 };
	char reason[48];
	uint64_t nent = 0;

	ck_assert_int_eq(bench_reply(ok1, sizeof(ok1), K_WRITE, &nent, reason,
	    sizeof(reason)), REPLY_OK);
	ck_assert_int_eq(bench_reply(ok1, 3, K_WRITE, &nent, reason,
	    sizeof(reason)), REPLY_BAD);
}
END_TEST

START_TEST(test_error_reason)
{
	uint8_t buf[300];
	char reason[48];
	uint64_t nent = 0;
	size_t n, i;

	n = error_reply(buf, "not_found", 9);
	ck_assert_int_eq(bench_reply(buf, n, K_READ, &nent, reason,
	    sizeof(reason)), REPLY_ERROR);
	ck_assert_str_eq(reason, "not_found");
	/* 24 two-byte characters, cut at 47 bytes: no half character, no
	 * escape, no NUL is kept. */
	for (i = 0; i < 24; i++)
		memcpy(buf + 200 + 2 * i, "\xc3\xa9", 2);
	n = error_reply(buf, buf + 200, 48);
	ck_assert_int_eq(bench_reply(buf, n, K_READ, &nent, reason,
	    sizeof(reason)), REPLY_ERROR);
	ck_assert_uint_eq(strlen(reason), 47);
	for (i = 0; reason[i] != '\0'; i++)
		ck_assert_msg(reason[i] >= 0x20 && reason[i] < 0x7f,
		    "byte %zu is %#x", i, (unsigned)(uint8_t)reason[i]);
	n = error_reply(buf, "a\x1b[2Jb\0c", 8);
	ck_assert_int_eq(bench_reply(buf, n, K_READ, &nent, reason,
	    sizeof(reason)), REPLY_ERROR);
	ck_assert_str_eq(reason, "a?[2Jb?c");
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("bench_req");
	TCase *tc = tcase_create("replies");

	tcase_add_test(tc, test_ok);
	tcase_add_test(tc, test_error_reason);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(suite());
}
