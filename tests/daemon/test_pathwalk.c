/*
 * test_pathwalk.c: resolving a path a name at a time (pathwalk.h): every
 * name met, those in links' targets too, in the kernel's order; ".",
 * ".." and trailing slashes; a missing tail; a loop of links.  And the
 * splitting of a path into names that every walk shares (pathname.h).
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pathname.h"
#include "pathwalk.h"
#include "tutil.h"
#include "../ckrun.h"

static char tmp[128];

static void
setup(void)
{
	tu_tmpdir(tmp, sizeof(tmp), "tdwalk");
}

static void
teardown(void)
{
	tu_rmtree(tmp);
}

/* The names met, each below tmp, joined by spaces ("-" for a missing
 * one), and whether the last was marked last. */
struct met {
	char	names[1024];
	int	last;
};

static int
record(const struct pathwalk_step *s, void *arg)
{
	struct met *m = arg;
	size_t t = strlen(tmp);
	const char *name = strncmp(s->path, tmp, t) == 0 ? s->path + t : NULL;

	if (name == NULL || name[0] == '\0')
		return 0;	/* tmp, or above it */
	snprintf(m->names + strlen(m->names), sizeof(m->names) -
	    strlen(m->names), "%s%s%s", m->names[0] != '\0' ? " " : "",
	    s->lst == NULL ? "-" : "", name);
	m->last = s->last;
	return 0;
}

static int
resolve(const char *rel, struct met *m, struct stat *final)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	memset(m, 0, sizeof(*m));
	return pathwalk_resolve(path, record, m, final);
}

static void
mk(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	ck_assert_int_eq(mkdir(path, 0700), 0);
}

static void
ln(const char *target, const char *rel)
{
	char path[512], t[512];

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	if (target[0] == '/')
		snprintf(t, sizeof(t), "%s%s", tmp, target);
	else
		snprintf(t, sizeof(t), "%s", target);
	ck_assert_int_eq(symlink(t, path), 0);
}

START_TEST(names_met)
{
	struct stat final, want;
	struct met m;
	char path[512];

	mk("a");
	mk("a/b");
	mk("c");
	ln("/a", "c/abs");		/* absolute target */
	ln("../a/b", "c/rel");		/* relative target */
	ln("abs", "c/chain");		/* a link to a link */

	ck_assert_int_eq(resolve("a/b", &m, &final), 0);
	ck_assert_str_eq(m.names, "/a /a/b");
	ck_assert(m.last);
	snprintf(path, sizeof(path), "%s/a/b", tmp);
	ck_assert_int_eq(stat(path, &want), 0);
	ck_assert(final.st_ino == want.st_ino && final.st_dev == want.st_dev);

	/* Trailing slashes, "." and "..": the names themselves. */
	ck_assert_int_eq(resolve("a/./b//", &m, NULL), 0);
	ck_assert_str_eq(m.names, "/a /a/b");
	ck_assert_int_eq(resolve("a/b/.", &m, NULL), 0);
	ck_assert_str_eq(m.names, "/a /a/b");
	ck_assert(m.last);
	ck_assert_int_eq(resolve("c/../a/b", &m, NULL), 0);
	ck_assert_str_eq(m.names, "/c /a /a/b");

	/* A link, then the names of its target, then what follows. */
	ck_assert_int_eq(resolve("c/abs/b/", &m, &final), 0);
	ck_assert_str_eq(m.names, "/c /c/abs /a /a/b");
	ck_assert(final.st_ino == want.st_ino);
	ck_assert_int_eq(resolve("c/rel", &m, &final), 0);
	ck_assert_str_eq(m.names, "/c /c/rel /a /a/b");
	ck_assert(final.st_ino == want.st_ino);
	ck_assert_int_eq(resolve("c/chain/b", &m, NULL), 0);
	ck_assert_str_eq(m.names, "/c /c/chain /c/abs /a /a/b");

	/* A missing name ends the walk; what it leads to is not there
	 * (final zeroed, not left as it was). */
	ck_assert_int_eq(resolve("c/abs/new/deeper", &m, NULL), 0);
	ck_assert_str_eq(m.names, "/c /c/abs /a -/a/new");
	memset(&final, 0xff, sizeof(final));
	ck_assert_int_eq(resolve("c/abs/new", &m, &final), 0);
	ck_assert(final.st_ino == 0 && final.st_dev == 0);
}
END_TEST

START_TEST(loops_and_errors)
{
	struct met m;

	ln("/y", "x");
	ln("/x", "y");
	ck_assert_int_eq(resolve("x/z", &m, NULL), -1);
	ck_assert_int_eq(errno, ELOOP);
	ck_assert_int_eq(pathwalk_resolve("relative", record, &m, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* A path split by pathname_next(): each name with a letter for its kind
 * (n name, . dot, : dotdot), joined by spaces. */
static const struct {
	const char	*path;
	const char	*names;
	int		 at_end;	/* pathname_at_end() of the path */
} split_vec[] = {
	{ "",			"",			1 },
	{ "/",			"",			1 },
	{ "///",		"",			1 },
	{ ".",			".",			1 },
	{ "/././/.",		". . .",		1 },
	{ "..",			":",			0 },
	{ "a",			"na",			0 },
	{ "/a/b",		"na nb",		0 },
	{ "//a//b//",		"na nb",		0 },
	{ "a/./../b",		"na . : nb",		0 },
	{ "...",		"n...",			0 },
	{ ".a/a./..b/b..",	"n.a na. n..b nb..",	0 },
	{ "./..",		". :",			0 },
};

START_TEST(split)
{
	char got[256];
	struct pathname name;
	enum pathname_kind kind;
	const char *pos = split_vec[_i].path;
	size_t n = 0;

	got[0] = '\0';
	while ((kind = pathname_next(&pos, &name)) != PATHNAME_END) {
		ck_assert(name.p >= split_vec[_i].path && name.p < pos);
		ck_assert_uint_eq((size_t)(pos - name.p), name.len);
		ck_assert(*pos == '/' || *pos == '\0');
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s%.*s",
		    n > 0 ? " " : "", kind == PATHNAME_DOT ? "" :
		    kind == PATHNAME_DOTDOT ? ":" : "n", kind == PATHNAME_NAME ?
		    (int)name.len : kind == PATHNAME_DOT ? 1 : 0, name.p);
		ck_assert_uint_lt(n, sizeof(got));
	}
	ck_assert_str_eq(got, split_vec[_i].names);
	ck_assert_int_eq(*pos, '\0');
	/* The end stays the end. */
	ck_assert_int_eq(pathname_next(&pos, &name), PATHNAME_END);
	ck_assert_int_eq(*pos, '\0');
	ck_assert_int_eq(pathname_at_end(split_vec[_i].path),
	    split_vec[_i].at_end);
}
END_TEST

static Suite *
pathwalk_suite(void)
{
	Suite *s = suite_create("pathwalk");
	TCase *tc = tcase_create("resolve");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, names_met);
	tcase_add_test(tc, loops_and_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("split");
	tcase_add_loop_test(tc, split, 0,
	    (int)(sizeof(split_vec) / sizeof(split_vec[0])));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(pathwalk_suite());
}
