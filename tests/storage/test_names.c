/* test_names.c: list names and their file names (todod-protocol(7)). */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "../ckrun.h"

struct vec {
	const char	*name;		/* bytes, NUL-terminated */
	const char	*file;		/* expected file name; NULL: invalid */
};

static const struct vec vecs[] = {
	{ "bob", "bob" },
	{ "A-Z_az09", "A-Z_az09" },
	{ "a b", "a%20b" },
	{ "a/b", "a%2Fb" },
	{ "..", "%2E%2E" },
	{ ".", "%2E" },
	{ ".hidden", "%2Ehidden" },
	{ "%", "%25" },
	{ "~x", "%7Ex" },
	{ "\xc3\xa9t\xc3\xa9", "%C3%A9t%C3%A9" },
	{ "\xf0\x9f\x93\x85", "%F0%9F%93%85" },
	{ "\x7f", "%7F" },
	{ "\x01", "%01" },
	{ "", NULL },
	{ "\xff", NULL },			/* not UTF-8 */
	{ "\xc0\x80", NULL },			/* overlong */
	{ "\xed\xa0\x80", NULL },		/* surrogate */
	{ "\xc3", NULL },			/* truncated */
	{ "\xf4\x90\x80\x80", NULL },		/* above U+10FFFF */
};

START_TEST(t_vectors)
{
	const struct vec *v = &vecs[_i];
	char file[NAME_FILE_BUFSZ];
	uint8_t name[NAME_MAX_BYTES];
	size_t len = strlen(v->name);
	int n;

	n = name_to_file(v->name, len, file, sizeof(file));
	if (v->file == NULL) {
		ck_assert_int_eq(n, -1);
		ck_assert(!name_valid(v->name, len));
		return;
	}
	ck_assert(name_valid(v->name, len));
	ck_assert_int_eq(n, (int)strlen(v->file));
	ck_assert_str_eq(file, v->file);
	ck_assert_uint_eq(name_file_len(v->name, len), strlen(v->file));
	n = name_from_file(v->file, name, sizeof(name));
	ck_assert_int_eq(n, (int)len);
	ck_assert_mem_eq(name, v->name, len);
}
END_TEST

/* File names that are not the canonical file name of a valid Name. */
static const char *const bad_files[] = {
	"", ".", "..", ".lock", ".tmp-w0-1-1", ".bob",
	"a%2fb",		/* lowercase hex */
	"%41", "%2D", "%5F", "%30",	/* a plain byte escaped */
	"%", "%2", "a%", "%G0", "%2G", "%-1",
	"a b", "a/b", "a.b", "a~b", "\xc3\xa9",	/* raw bytes */
	"%00", "a%00b",		/* NUL */
	"%FF", "%C3", "%C0%80", "%ED%A0%80", "%F4%90%80%80",	/* UTF-8 */
};

START_TEST(t_bad_files)
{
	uint8_t name[NAME_MAX_BYTES];

	ck_assert_int_eq(name_from_file(bad_files[_i], name, sizeof(name)), -1);
}
END_TEST

START_TEST(t_lengths)
{
	char buf[1024], file[NAME_FILE_BUFSZ], big[NAME_FILE_MAX + 2];
	uint8_t name[NAME_MAX_BYTES];
	size_t i;

	/* 255 plain bytes: valid; 256: not. */
	memset(buf, 'a', sizeof(buf));
	ck_assert(name_valid(buf, 255));
	ck_assert_int_eq(name_to_file(buf, 255, file, sizeof(file)), 255);
	ck_assert(!name_valid(buf, 256));
	/* 85 bytes that each need %XX: 255 bytes of file name; 86: not. */
	memset(buf, '%', sizeof(buf));
	ck_assert(name_valid(buf, 85));
	ck_assert_int_eq(name_to_file(buf, 85, file, sizeof(file)), 255);
	ck_assert_int_eq(name_from_file(file, name, sizeof(name)), 85);
	ck_assert(!name_valid(buf, 86));
	ck_assert_int_eq(name_to_file(buf, 86, file, sizeof(file)), -1);
	/* 42 x U+00E9 (84 bytes, 252 of file name) fit, 43 do not. */
	for (i = 0; i < 43; i++)
		memcpy(buf + 2 * i, "\xc3\xa9", 2);
	ck_assert(name_valid(buf, 84));
	ck_assert(!name_valid(buf, 86));
	/* A file name of 256 bytes is refused. */
	memset(big, 'b', sizeof(big));
	big[NAME_FILE_MAX + 1] = '\0';
	ck_assert_int_eq(name_from_file(big, name, sizeof(name)), -1);
	big[NAME_FILE_MAX] = '\0';
	ck_assert_int_eq(name_from_file(big, name, sizeof(name)), 255);
	/* Output buffers too small. */
	ck_assert_int_eq(name_to_file("bob", 3, file, 3), -1);
	ck_assert_int_eq(name_to_file("bob", 3, file, 4), 3);
	ck_assert_int_eq(name_from_file("bob", name, 2), -1);
	ck_assert_int_eq(name_from_file("bob", name, 3), 3);
	/* NUL inside a Name. */
	ck_assert(!name_valid("a\0b", 3));
	ck_assert(!name_valid(NULL, 0));
}
END_TEST

static size_t
random_name(uint8_t *p)
{
	static const char *const pieces[] = {
		"a", "Z", "0", "_", "-", ".", "/", "%", " ", "\xc3\xa9",
		"\xe2\x82\xac", "\xf0\x9f\x93\x85", "\x7f", "\x01",
	};
	size_t len = (size_t)(random() % 300), n = 0, k;
	const char *s;

	while (n < len) {
		if (random() % 8 == 0) {
			p[n++] = (uint8_t)random();	/* any byte at all */
			continue;
		}
		s = pieces[random() % (sizeof(pieces) / sizeof(pieces[0]))];
		k = strlen(s);
		if (n + k > len)
			break;
		memcpy(p + n, s, k);
		n += k;
	}
	return n;
}

/* The order of Names: bytewise, unsigned, a prefix first. */
START_TEST(t_order)
{
	ck_assert_int_eq(name_cmp("a", 1, "a", 1), 0);
	ck_assert_int_lt(name_cmp("a", 1, "b", 1), 0);
	ck_assert_int_gt(name_cmp("b", 1, "a", 1), 0);
	ck_assert_int_lt(name_cmp("ab", 2, "abc", 3), 0);
	ck_assert_int_gt(name_cmp("abc", 3, "ab", 2), 0);
	ck_assert_int_lt(name_cmp("a\x7f", 2, "a\xc3\xa9", 3), 0);
	ck_assert_int_lt(name_cmp("", 0, "a", 1), 0);
}
END_TEST

/* Every valid Name survives the round trip; invalid ones are refused. */
START_TEST(t_random_roundtrip)
{
	uint8_t in[400], out[NAME_MAX_BYTES];
	char file[NAME_FILE_BUFSZ];
	int i, n, nvalid = 0;
	size_t len;

	srandom(1);
	for (i = 0; i < 200000; i++) {
		len = random_name(in);
		n = name_to_file(in, len, file, sizeof(file));
		if (!name_valid(in, len)) {
			ck_assert_int_eq(n, -1);
			continue;
		}
		nvalid++;
		ck_assert_int_ge(n, 1);
		ck_assert_int_le(n, NAME_FILE_MAX);
		ck_assert_uint_eq(strlen(file), (size_t)n);
		ck_assert_ptr_null(strchr(file, '/'));
		ck_assert_int_ne(file[0], '.');
		ck_assert_int_eq(name_from_file(file, out, sizeof(out)),
		    (int)len);
		ck_assert_mem_eq(out, in, len);
	}
	ck_assert_int_gt(nvalid, 10000);
}
END_TEST

/* A file name that decodes is the canonical one of its Name. */
START_TEST(t_random_files)
{
	static const char alpha[] = "aZ0_-%.2CEF9x";
	char file[64], again[NAME_FILE_BUFSZ];
	uint8_t name[NAME_MAX_BYTES];
	int i, n, ok = 0;
	size_t len, j;

	srandom(2);
	for (i = 0; i < 200000; i++) {
		len = 1 + (size_t)(random() % 12);
		for (j = 0; j < len; j++)
			file[j] = alpha[random() % (sizeof(alpha) - 1)];
		file[len] = '\0';
		if ((n = name_from_file(file, name, sizeof(name))) == -1)
			continue;
		ok++;
		ck_assert_int_eq(name_to_file(name, (size_t)n, again,
		    sizeof(again)), (int)len);
		ck_assert_str_eq(again, file);
	}
	ck_assert_int_gt(ok, 1000);
}
END_TEST

static Suite *
names_suite(void)
{
	Suite *s = suite_create("names");
	TCase *tc = tcase_create("names");

	tcase_add_loop_test(tc, t_vectors, 0, sizeof(vecs) / sizeof(vecs[0]));
	tcase_add_loop_test(tc, t_bad_files, 0,
	    sizeof(bad_files) / sizeof(bad_files[0]));
	tcase_add_test(tc, t_lengths);
	tcase_add_test(tc, t_order);
	tcase_add_test(tc, t_random_roundtrip);
	tcase_add_test(tc, t_random_files);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(names_suite());
}
