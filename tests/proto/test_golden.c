/*
 * test_golden.c: the golden vectors of tests/data/golden.txt, written by
 * real Erlang (tests/data/make-golden.escript): our encoding of each term
 * is OTP's byte for byte, and every encoding OTP writes of it (default
 * options with latin-1 atoms, compressed, minor version 0) decodes to it.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etf.h"
#include "testutil.h"
#include "../ckrun.h"

#define MAX_D		8

struct vector {
	int		 line;
	const char	*comment;
	const char	*term;
	const char	*e;			/* NULL: not canonical */
	const char	*d[MAX_D];
	int		 nd;
};

static struct vector *vec;
static int nvec;
static char *text;

static int
load(const char *path)
{
	struct vector *v = NULL;
	char *line, *next;
	int lineno = 0, i, j;

	if ((text = slurp(path, NULL)) == NULL)
		return -1;
	for (line = text; line != NULL && *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '\0') {
			v = NULL;
			continue;
		}
		if (v == NULL) {
			vec = realloc(vec, (size_t)(nvec + 1) * sizeof(*vec));
			if (vec == NULL)
				return -1;
			v = &vec[nvec++];
			memset(v, 0, sizeof(*v));
			v->line = lineno;
		}
		if (line[0] == '#')
			v->comment = line;
		else if (strncmp(line, "T ", 2) == 0)
			v->term = line + 2;
		else if (strncmp(line, "E ", 2) == 0)
			v->e = line + 2;
		else if (strncmp(line, "D ", 2) == 0 && v->nd < MAX_D)
			v->d[v->nd++] = line + 2;
		else {
			fprintf(stderr, "%s:%d: bad line\n", path, lineno);
			return -1;
		}
	}
	/* Drop comment-only blocks (the file's header). */
	for (i = j = 0; i < nvec; i++)
		if (vec[i].term != NULL)
			vec[j++] = vec[i];
	nvec = j;
	return 0;
}

/* Decode hex; the bytes are copied into the arena, which the term needs. */
static const struct etf_term *
decode_or_fail(struct etf_arena *a, const char *hex, const struct vector *v)
{
	const struct etf_term *t;
	uint8_t *b, *keep;
	long n;
	int rc;

	n = hex_decode(hex, &b);
	ck_assert_int_gt(n, 0);
	keep = etf_arena_alloc(a, (size_t)n);
	ck_assert_ptr_nonnull(keep);
	memcpy(keep, b, (size_t)n);
	free(b);
	rc = etf_decode(a, keep, (size_t)n, 1 << 20, &t);
	ck_assert_msg(rc == ETF_OK, "line %d %s: %s", v->line, v->comment,
	    etf_strerror(rc));
	return t;
}

static void
check_encode(const struct etf_term *t, const char *want, const char *what,
    const struct vector *v)
{
	struct etf_buf buf;
	char *got;

	etf_buf_init(&buf);
	ck_assert_int_eq(etf_encode(&buf, t), ETF_OK);
	got = hex_encode(buf.p, buf.len);
	ck_assert_msg(strcmp(got, want) == 0,
	    "line %d %s: %s encoding\n got %s\nwant %s", v->line, v->comment,
	    what, got, want);
	free(got);
	etf_buf_free(&buf);
}

START_TEST(test_vector)
{
	const struct vector *v = &vec[_i];
	struct etf_arena *a = etf_arena_new();
	const struct etf_term *want, *t;
	int i;

	ck_assert_ptr_nonnull(v->term);
	want = note_parse(a, v->term);
	ck_assert_msg(want != NULL, "line %d: bad notation", v->line);
	if (v->e != NULL) {
		check_encode(want, v->e, "tree", v);
		t = decode_or_fail(a, v->e, v);
		ck_assert_msg(etf_equal(t, want), "line %d %s: decoded E "
		    "differs", v->line, v->comment);
		check_encode(t, v->e, "decoded", v);
	}
	for (i = 0; i < v->nd; i++) {
		t = decode_or_fail(a, v->d[i], v);
		ck_assert_msg(etf_equal(t, want), "line %d %s: decoded D%d "
		    "differs", v->line, v->comment, i);
		if (v->e != NULL)
			check_encode(t, v->e, "re-encoded D", v);
	}
	etf_arena_free(a);
}
END_TEST

/* Every proper prefix of OTP's bytes is refused, never read past. */
static void
check_prefixes(const char *hex, const struct vector *v)
{
	struct etf_arena *a = etf_arena_new();
	const struct etf_term *t;
	uint8_t *b, *cut;
	long n, i;
	int rc;

	n = hex_decode(hex, &b);
	for (i = 0; i < n; i++) {
		/* An exact-size copy, so that ASan sees any overread. */
		cut = malloc(i > 0 ? (size_t)i : 1);
		memcpy(cut, b, (size_t)i);
		rc = etf_decode(a, cut, (size_t)i, 1 << 20, &t);
		free(cut);
		ck_assert_msg(rc != ETF_OK, "line %d: prefix of %ld bytes "
		    "decoded", v->line, i);
		ck_assert_msg(rc == ETF_ETRUNC || b[1] == ETF_TAG_COMPRESSED,
		    "line %d: prefix of %ld bytes: %s", v->line, i,
		    etf_strerror(rc));
		etf_arena_reset(a);
	}
	free(b);
	etf_arena_free(a);
}

START_TEST(test_truncated)
{
	const struct vector *v = &vec[_i];
	int i;

	if (v->e != NULL && strlen(v->e) <= 8192)
		check_prefixes(v->e, v);
	for (i = 0; i < v->nd; i++)
		if (strlen(v->d[i]) <= 8192)
			check_prefixes(v->d[i], v);
}
END_TEST

/* The file covers what it must: not an empty or cut-short file. */
START_TEST(test_coverage)
{
	int i, e = 0, d = 0, z = 0, latin1 = 0;

	ck_assert_int_ge(nvec, 100);
	for (i = 0; i < nvec; i++) {
		e += vec[i].e != NULL;
		d += vec[i].nd;
		for (int j = 0; j < vec[i].nd; j++) {
			z += strncmp(vec[i].d[j], "8350", 4) == 0;
			latin1 += strstr(vec[i].d[j], "64") != NULL;
		}
	}
	ck_assert_int_ge(e, 100);
	ck_assert_int_ge(d, 50);
	ck_assert_int_ge(z, 10);
	ck_assert_int_ge(latin1, 10);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("golden");
	TCase *tc = tcase_create("golden");
	const char *path = srcpath("tests/data/golden.txt");
	int rc;

	if (load(path) == -1) {
		fprintf(stderr, "cannot load %s\n", path);
		return EXIT_FAILURE;
	}
	tcase_add_loop_test(tc, test_vector, 0, nvec);
	tcase_add_loop_test(tc, test_truncated, 0, nvec);
	tcase_add_test(tc, test_coverage);
	suite_add_tcase(s, tc);
	rc = ck_run(s);
	free(vec);
	free(text);
	return rc;
}
