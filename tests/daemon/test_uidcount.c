/*
 * test_uidcount.c: connections counted by user: the limit, counting out,
 * many users, a user never counted, the slots in uid order.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "uidcount.h"
#include "tutil.h"

START_TEST(limit)
{
	struct uidcount u;

	uidcount_init(&u);
	ck_assert_int_eq(uidcount_add(&u, 1000, 2), 0);
	ck_assert_int_eq(uidcount_add(&u, 1000, 2), 0);
	ck_assert_int_eq(uidcount_add(&u, 1000, 2), -1);
	ck_assert_uint_eq(uidcount_get(&u, 1000), 2);
	ck_assert_int_eq(uidcount_add(&u, 0, 2), 0);	/* another user */
	ck_assert_int_eq(uidcount_remove(&u, 1000), 0);
	ck_assert_int_eq(uidcount_add(&u, 1000, 2), 0);
	ck_assert_int_eq(uidcount_add(&u, 1000, 0), 0);	/* 0: no limit */
	ck_assert_uint_eq(uidcount_get(&u, 1000), 3);
	uidcount_free(&u);
}
END_TEST

START_TEST(count_out)
{
	struct uidcount u;

	uidcount_init(&u);
	ck_assert_int_eq(uidcount_remove(&u, 7), -1);	/* never counted */
	ck_assert_int_eq(uidcount_add(&u, 7, 0), 0);
	ck_assert_int_eq(uidcount_remove(&u, 7), 0);
	ck_assert_int_eq(uidcount_remove(&u, 7), -1);
	ck_assert_uint_eq(uidcount_get(&u, 7), 0);
	ck_assert_uint_eq(u.len, 0);	/* a user at zero takes no slot */
	uidcount_free(&u);
}
END_TEST

START_TEST(many_users)
{
	struct uidcount u;
	uid_t i;

	uidcount_init(&u);
	for (i = 0; i < 1000; i++) {
		ck_assert_int_eq(uidcount_add(&u, i, 1), 0);
		ck_assert_int_eq(uidcount_add(&u, i, 1), -1);
	}
	ck_assert_uint_eq(u.len, 1000);
	for (i = 0; i < 1000; i += 2)
		ck_assert_int_eq(uidcount_remove(&u, i), 0);
	for (i = 0; i < 1000; i++)
		ck_assert_uint_eq(uidcount_get(&u, i), i % 2);
	ck_assert_uint_eq(u.len, 500);
	uidcount_free(&u);
	ck_assert_uint_eq(uidcount_get(&u, 1), 0);
}
END_TEST

/* The slots stay in uid order, whatever the order of adds and removes
 * (stats writes them so, as a map in term order). */
START_TEST(in_uid_order)
{
	static const uid_t add[] = { 1000, 0, 65534, 500, 1001, 2 };
	struct uidcount u;
	size_t i;

	uidcount_init(&u);
	for (i = 0; i < sizeof(add) / sizeof(add[0]); i++)
		ck_assert_int_eq(uidcount_add(&u, add[i], 0), 0);
	ck_assert_int_eq(uidcount_remove(&u, 500), 0);
	ck_assert_int_eq(uidcount_add(&u, 3, 0), 0);
	ck_assert_int_eq(uidcount_remove(&u, 0), 0);
	ck_assert_uint_eq(u.len, 5);
	for (i = 1; i < u.len; i++)
		ck_assert_uint_lt(u.v[i - 1].uid, u.v[i].uid);
	ck_assert_uint_eq(u.v[0].uid, 2);
	ck_assert_uint_eq(u.v[4].uid, 65534);
	uidcount_free(&u);
}
END_TEST

static Suite *
uidcount_suite(void)
{
	Suite *s = suite_create("uidcount");
	TCase *tc = tcase_create("uidcount");

	tcase_add_test(tc, limit);
	tcase_add_test(tc, count_out);
	tcase_add_test(tc, many_users);
	tcase_add_test(tc, in_uid_order);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(uidcount_suite());
}
