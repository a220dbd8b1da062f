/*
 * test_roundtrip.c: random terms through real Erlang, both ways.
 *
 * C to Erlang: we encode random terms, Erlang decodes each and encodes it
 * again with term_to_binary(T, [{minor_version, 2}]); the bytes must be
 * ours.  Erlang to C: Erlang writes random terms; we decode them, compare
 * with the term, encode them again (byte for byte OTP's), and Erlang checks
 * that binary_to_term of our bytes is exactly its term.
 *
 * The seed is printed; set ETF_SEED to repeat a run.  Without escript
 * (Erlang) the test is skipped (77).
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "etf.h"
#include "testutil.h"
#include "../ckrun.h"

#define NTERMS		400
#define ERL_TIMEOUT	90	/* seconds for one escript run */

static uint64_t seed;
static uint64_t rng;
static char tmpdir[64];
static char escript[4096];

static uint64_t
rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * UINT64_C(2685821657736338717);
}

static uint64_t
below(uint64_t n)
{
	return rnd() % n;
}

static const int64_t edges[] = {
	0, 1, 255, 256, -1, -255, -256, INT32_MAX, INT32_MIN,
	(int64_t)INT32_MAX + 1, (int64_t)INT32_MIN - 1, INT64_MAX, INT64_MIN,
	INT64_MIN + 1, INT64_C(1) << 32, INT64_C(1) << 56, -(INT64_C(1) << 40),
};

static int64_t
rnd_int(void)
{
	switch (below(4)) {
	case 0:
		return edges[below(sizeof(edges) / sizeof(edges[0]))];
	case 1:
		return (int64_t)below(256);
	case 2:
		return (int32_t)rnd();
	default:
		return (int64_t)rnd();
	}
}

static double
rnd_float(void)
{
	uint64_t u;
	double f;

	switch (below(3)) {
	case 0:
		return ((double)below(1000000) - 500000) / 7;
	case 1:
		return (double)below(1000);
	default:
		do {
			u = rnd();
			memcpy(&f, &u, sizeof(f));
		} while ((u >> 52 & 0x7ff) == 0x7ff);
		return f;
	}
}

static size_t
put_utf8(char *o, uint32_t c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xc0 | c >> 6);
		o[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xe0 | c >> 12);
		o[1] = (char)(0x80 | (c >> 6 & 0x3f));
		o[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | c >> 18);
	o[1] = (char)(0x80 | (c >> 12 & 0x3f));
	o[2] = (char)(0x80 | (c >> 6 & 0x3f));
	o[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

static struct etf_term *
rnd_atom(struct etf_arena *a)
{
	char buf[ETF_MAX_ATOM_BYTES + 1];
	size_t n, i, len = 0;
	int kind = (int)below(4);
	uint32_t c;

	n = kind == 3 ? 1 + below(255) : below(8);
	for (i = 0; i < n; i++) {
		switch (kind) {
		case 0:
			c = 'a' + (uint32_t)below(26);
			break;
		case 1:
			c = 1 + (uint32_t)below(255);
			break;
		case 2:
			c = 1 + (uint32_t)below(0xd7ff);
			break;
		default:
			c = 0x10000 + (uint32_t)below(0x100000);
			break;
		}
		len += put_utf8(buf + len, c);
	}
	buf[len] = '\0';
	return etf_mk_atom(a, buf);
}

static struct etf_term *
rnd_leaf(struct etf_arena *a)
{
	uint8_t bin[64];
	size_t i, n;

	switch (below(6)) {
	case 0:
	case 1:
		return etf_mk_int(a, rnd_int());
	case 2:
		return etf_mk_float(a, rnd_float());
	case 3:
		return rnd_atom(a);
	case 4:
		n = below(40);
		for (i = 0; i < n; i++)
			bin[i] = (uint8_t)rnd();
		return etf_mk_binary(a, bin, n);
	default:
		return etf_mk_list(a, 0);
	}
}

static struct etf_term	*rnd_term(struct etf_arena *, int);

static struct etf_term *
rnd_map(struct etf_arena *a, size_t n, int depth)
{
	struct etf_term *m = etf_mk_map(a, n), *k;
	size_t i, j, have = 0, tries;

	for (i = 0; i < n; i++) {
		for (tries = 0; tries < 20; tries++) {
			k = rnd_term(a, depth + 1);
			for (j = 0; j < have; j++)
				if (etf_equal(&m->map.kv[2 * j], k))
					break;
			if (j == have)
				break;
		}
		if (tries == 20)
			continue;
		m->map.kv[2 * have] = *k;
		m->map.kv[2 * have + 1] = *rnd_term(a, depth + 1);
		have++;
	}
	m->map.n = have;
	return m;
}

static struct etf_term *
rnd_term(struct etf_arena *a, int depth)
{
	struct etf_term *t;
	size_t i, n;

	if (depth >= 4 || below(10) < 5)
		return rnd_leaf(a);
	switch (below(5)) {
	case 0:
	case 1:
		n = below(10) == 0 ? 250 + below(20) : below(7);
		t = below(2) ? etf_mk_tuple(a, n) : etf_mk_list(a, n);
		for (i = 0; i < n; i++)
			t->seq.v[i] = *rnd_term(a, depth + (n > 10 ? 3 : 1));
		return t;
	case 2:
		return rnd_map(a, below(10) == 0 ? 32 : below(7), depth);
	default:
		/* Lists of small integers: OTP's STRING_EXT. */
		n = below(100) == 0 ? 65530 + below(12) : below(9);
		t = etf_mk_list(a, n);
		for (i = 0; i < n; i++)
			t->seq.v[i] = *etf_mk_int(a, (int64_t)below(
			    below(8) == 0 ? 300 : 256));
		return t;
	}
}

/* Run escript with args, stdout to `out` (or /dev/null), under a deadline. */
static int
run_escript(const char *out, const char *const args[])
{
	const char *argv[8];
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	pid_t pid;
	int i, status, fd, waited = 0;

	argv[0] = "escript";
	argv[1] = escript;
	for (i = 0; args[i] != NULL && i < 5; i++)
		argv[2 + i] = args[i];
	argv[2 + i] = NULL;
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		fd = open(out != NULL ? out : "/dev/null",
		    O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd == -1 || dup2(fd, STDOUT_FILENO) == -1)
			_exit(126);
		execvp("escript", (char *const *)argv);
		_exit(127);
	}
	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (waited++ > ERL_TIMEOUT * 50) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const char *
tmp(const char *name)
{
	static char buf[4][128];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	return buf[k];
}

/* Lines of a file, split in place; returns the count. */
static size_t
split_lines(char *text, char ***lines)
{
	size_t n = 0, cap = 0;
	char *p, *nl;

	*lines = NULL;
	for (p = text; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		if (n == cap) {
			cap = cap * 2 + 64;
			*lines = realloc(*lines, cap * sizeof(**lines));
			ck_assert_ptr_nonnull(*lines);
		}
		(*lines)[n++] = p;
	}
	return n;
}

START_TEST(test_c_to_erlang)
{
	struct etf_arena *a = etf_arena_new();
	struct etf_term *terms[NTERMS];
	char *hex[NTERMS], *text, **lines, *note;
	struct etf_buf b;
	FILE *f;
	size_t i, n;

	rng = seed;
	etf_buf_init(&b);
	ck_assert_ptr_nonnull(f = fopen(tmp("c.txt"), "w"));
	for (i = 0; i < NTERMS; i++) {
		terms[i] = rnd_term(a, 0);
		etf_buf_reset(&b);
		ck_assert_int_eq(etf_encode(&b, terms[i]), ETF_OK);
		hex[i] = hex_encode(b.p, b.len);
		fprintf(f, "%s\n", hex[i]);
	}
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(run_escript(NULL, (const char *[]){ "echo",
	    tmp("c.txt"), tmp("c-back.txt"), NULL }), 0);
	ck_assert_ptr_nonnull(text = slurp(tmp("c-back.txt"), NULL));
	n = split_lines(text, &lines);
	ck_assert_uint_eq(n, NTERMS);
	for (i = 0; i < NTERMS; i++) {
		if (strcmp(lines[i], hex[i]) == 0)
			continue;
		note = note_format(terms[i]);
		ck_abort_msg("seed %" PRIu64 " term %zu: %s\n ours %s\n "
		    "OTP  %s", seed, i, note, hex[i], lines[i]);
	}
	for (i = 0; i < NTERMS; i++)
		free(hex[i]);
	free(lines);
	free(text);
	etf_buf_free(&b);
	etf_arena_free(a);
}
END_TEST

static const struct etf_term *
decode_hex(struct etf_arena *a, const char *hex, size_t line)
{
	const struct etf_term *t;
	uint8_t *b, *keep;
	long n;
	int rc;

	ck_assert_int_gt(n = hex_decode(hex, &b), 0);
	keep = etf_arena_alloc(a, (size_t)n);
	memcpy(keep, b, (size_t)n);
	free(b);
	rc = etf_decode(a, keep, (size_t)n, 1 << 24, &t);
	ck_assert_msg(rc == ETF_OK, "seed %" PRIu64 " line %zu: %s: %s",
	    seed, line, etf_strerror(rc), hex);
	return t;
}

START_TEST(test_erlang_to_c)
{
	struct etf_arena *a = etf_arena_new();
	const struct etf_term *want, *t, *t2;
	char seedarg[32], count[32], *text, **lines, *f1, *f2, *got, *res;
	struct etf_buf b;
	FILE *f;
	size_t i, n;

	snprintf(seedarg, sizeof(seedarg), "%" PRIu64, seed % 1000000007);
	snprintf(count, sizeof(count), "%d", NTERMS);
	ck_assert_int_eq(run_escript(NULL, (const char *[]){ "gen", seedarg,
	    count, tmp("erl.txt"), NULL }), 0);
	ck_assert_ptr_nonnull(text = slurp(tmp("erl.txt"), NULL));
	n = split_lines(text, &lines);
	ck_assert_uint_eq(n, NTERMS);
	etf_buf_init(&b);
	ck_assert_ptr_nonnull(f = fopen(tmp("ours.txt"), "w"));
	for (i = 0; i < n; i++) {
		ck_assert_ptr_nonnull(f1 = strchr(lines[i], '\t'));
		*f1++ = '\0';
		ck_assert_ptr_nonnull(f2 = strchr(f1, '\t'));
		*f2++ = '\0';
		ck_assert_ptr_nonnull(want = note_parse(a, lines[i]));
		t = decode_hex(a, f1, i + 1);
		t2 = decode_hex(a, f2, i + 1);
		ck_assert_msg(etf_equal(t, want) && etf_equal(t2, want),
		    "seed %" PRIu64 " line %zu: decoded term differs: %s",
		    seed, i + 1, lines[i]);
		etf_buf_reset(&b);
		ck_assert_int_eq(etf_encode(&b, t), ETF_OK);
		got = hex_encode(b.p, b.len);
		ck_assert_msg(strcmp(got, f1) == 0, "seed %" PRIu64 " line "
		    "%zu: %s\n ours %s\n OTP  %s", seed, i + 1, lines[i], got,
		    f1);
		fprintf(f, "%s\n", got);
		free(got);
		etf_arena_reset(a);
	}
	ck_assert_int_eq(fclose(f), 0);
	free(lines);
	free(text);
	ck_assert_int_eq(run_escript(tmp("check.txt"), (const char *[]){
	    "check", tmp("erl.txt"), tmp("ours.txt"), NULL }), 0);
	ck_assert_ptr_nonnull(res = slurp(tmp("check.txt"), NULL));
	ck_assert_msg(strcmp(res, "ok 400\n") == 0, "seed %" PRIu64
	    ": Erlang says %s", seed, res);
	free(res);
	etf_buf_free(&b);
	etf_arena_free(a);
}
END_TEST

static int
find_in_path(const char *name)
{
	const char *path = getenv("PATH");
	char buf[4096];
	const char *p, *colon;
	size_t n;

	for (p = path != NULL ? path : "/usr/bin:/bin"; *p != '\0';
	    p = *colon ? colon + 1 : colon) {
		colon = strchrnul(p, ':');
		n = (size_t)(colon - p);
		if (n == 0 || n + strlen(name) + 2 > sizeof(buf))
			continue;
		memcpy(buf, p, n);
		snprintf(buf + n, sizeof(buf) - n, "/%s", name);
		if (access(buf, X_OK) == 0)
			return 0;
	}
	return -1;
}

static void
rmtmp(void)
{
	static const char *files[] = { "c.txt", "c-back.txt", "erl.txt",
	    "ours.txt", "check.txt" };
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(tmp(files[i]));
	rmdir(tmpdir);
}

int
main(void)
{
	Suite *s = suite_create("roundtrip");
	TCase *tc = tcase_create("erlang");
	const char *env = getenv("ETF_SEED"), *t = getenv("TMPDIR");
	int rc;

	if (find_in_path("escript") == -1) {
		fprintf(stderr, "escript (Erlang) not found: skipped\n");
		return 77;
	}
	snprintf(escript, sizeof(escript), "%s",
	    srcpath("tests/proto/etf-roundtrip.escript"));
	snprintf(tmpdir, sizeof(tmpdir), "%s/etf-rt.XXXXXX",
	    t != NULL && strlen(t) < 40 ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	seed = env != NULL ? strtoull(env, NULL, 10) :
	    (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	if (seed == 0)
		seed = 1;
	printf("seed %" PRIu64 " (ETF_SEED=%" PRIu64 " repeats this run)\n",
	    seed, seed);
	fflush(stdout);
	tcase_set_timeout(tc, 4 * ERL_TIMEOUT);
	tcase_add_test(tc, test_c_to_erlang);
	tcase_add_test(tc, test_erlang_to_c);
	suite_add_tcase(s, tc);
	rc = ck_run(s);
	rmtmp();
	return rc;
}
