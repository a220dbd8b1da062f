/*
 * test_options.c: options_parse(): defaults for root and other users,
 * every option, every kind of bad value (exit 2 with a message), --help.
 * Each parse runs in a child process, since options_parse() may exit.
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "tutil.h"

#define ARGMAX	24

struct parse {
	const char	*argv[ARGMAX];	/* without argv[0]; "%T" = scratch dir */
	const char	*cwd;		/* chdir here first, or NULL */
	int		 as_nobody;	/* parse as uid 65534 (when root) */
};

static char	tmp[64];

static void
setup(void)
{
	tu_tmpdir(tmp, sizeof(tmp), "tdopt");
}

static void
teardown(void)
{
	tu_rmtree(tmp);
}

/* Replace the first "%T" in s by the scratch directory. */
static char *
expand(const char *s)
{
	const char *t;
	char *r;

	if ((t = strstr(s, "%T")) == NULL)
		return strdup(s);
	if (asprintf(&r, "%.*s%s%s", (int)(t - s), s, tmp, t + 2) == -1)
		abort();
	return r;
}

/* Child: parse and print the configuration, one key=value per line. */
static void
dump(void *arg)
{
	const struct parse *p = arg;
	struct todod_config cfg;
	char *argv[ARGMAX + 1];
	int argc = 0;

	/* Each argv[] string is allocated; freed after a parse that returns. */
	if (p->as_nobody && tu_become_nobody() == -1)
		exit(99);
	if (p->cwd != NULL && chdir(p->cwd) == -1)
		exit(98);
	argv[argc++] = "todod";
	while (argc <= ARGMAX && p->argv[argc - 1] != NULL) {
		argv[argc] = expand(p->argv[argc - 1]);
		argc++;
	}
	argv[argc] = NULL;
	options_parse(&cfg, argc, argv);
	while (--argc > 0)
		free(argv[argc]);
	printf("foreground=%d\ndata=%s\nsocket=%s\npidfile=%s\nworkers=%d\n"
	    "idle=%d\nmax_lists=%d\nsync=%d\nmax_frame=%zu\nlog=%d\n"
	    "mode=%04o\nuser=%s\nmpu=%d\nmax_list_size=%zu\n",
	    cfg.foreground, cfg.data_dir, cfg.socket_path, cfg.pidfile,
	    cfg.workers, cfg.idle_timeout, cfg.max_lists, cfg.sync,
	    cfg.max_frame, cfg.log_level, (unsigned)cfg.socket_mode, cfg.user,
	    cfg.max_conns_per_uid, cfg.max_list_size);
}

static void
parse(const struct parse *p, struct tu_result *r)
{
	tu_run(dump, (void *)p, r);
}

/* Does the dump contain the line "key=value"? */
static void
expect_line(const struct tu_result *r, const char *key, const char *value)
{
	char line[TODOD_PATH_MAX + 64];

	snprintf(line, sizeof(line), "\n%s=%s\n", key, value);
	ck_assert_msg(strstr(r->out, line) != NULL ||
	    (strncmp(r->out, line + 1, strlen(line + 1)) == 0),
	    "expected %s=%s in:\n%s\nstderr:\n%s", key, value, r->out, r->err);
}

/* Does the dump contain "key=" dir followed by rest? */
static void
expect_under(const struct tu_result *r, const char *key, const char *dir,
    const char *rest)
{
	char value[TODOD_PATH_MAX + 64];

	snprintf(value, sizeof(value), "%s%s", dir, rest);
	expect_line(r, key, value);
}

/* The home directory of uid in the password database. */
static const char *
pw_home(unsigned uid)
{
	struct passwd *pw = getpwuid((uid_t)uid);

	ck_assert_ptr_nonnull(pw);
	return pw->pw_dir;
}

static void
set_user_env(void)
{
	unsetenv("TODOD_SOCKET");
	setenv("XDG_RUNTIME_DIR", "/tmp/tdopt-xdg-run", 1);
	setenv("XDG_STATE_HOME", "/tmp/tdopt-xdg-state", 1);
	setenv("HOME", "/tmp/tdopt-home", 1);
}

START_TEST(defaults_user)
{
	struct parse p = { { NULL }, NULL, 1 };
	struct parse pf = { { "-f", NULL }, NULL, 1 };
	struct tu_result r;
	char buf[128];
	unsigned uid = geteuid() == 0 ? 65534 : (unsigned)geteuid();

	set_user_env();
	parse(&p, &r);
	ck_assert_int_eq(tu_exitcode(r.status), 0);
	expect_line(&r, "foreground", "0");
	expect_line(&r, "socket", "/tmp/tdopt-xdg-run/todod/todod.sock");
	expect_line(&r, "pidfile", "/tmp/tdopt-xdg-run/todod/todod.pid");
	expect_line(&r, "data", "/tmp/tdopt-xdg-state/todod");
	expect_line(&r, "workers", "3");
	expect_line(&r, "idle", "300");
	expect_line(&r, "max_lists", "1024");
	expect_line(&r, "sync", "1");
	expect_line(&r, "max_frame", "1048576");
	expect_line(&r, "log", "2");
	expect_line(&r, "mode", "0660");
	expect_line(&r, "user", "");
	expect_line(&r, "mpu", "0");
	expect_line(&r, "max_list_size", "524288000");

	parse(&pf, &r);
	ck_assert_int_eq(tu_exitcode(r.status), 0);
	expect_line(&r, "foreground", "1");
	expect_line(&r, "pidfile", "");

	unsetenv("XDG_RUNTIME_DIR");
	unsetenv("XDG_STATE_HOME");
	parse(&p, &r);
	ck_assert_int_eq(tu_exitcode(r.status), 0);
	snprintf(buf, sizeof(buf), "/tmp/todod-%u/todod.sock", uid);
	expect_line(&r, "socket", buf);
	expect_line(&r, "data", "/tmp/tdopt-home/.local/state/todod");

	/* Relative directories are as if unset. */
	setenv("XDG_RUNTIME_DIR", "tdopt-xdg-run", 1);
	setenv("XDG_STATE_HOME", "tdopt-xdg-state", 1);
	parse(&p, &r);
	ck_assert_int_eq(tu_exitcode(r.status), 0);
	expect_line(&r, "socket", buf);
	expect_line(&r, "data", "/tmp/tdopt-home/.local/state/todod");
	unsetenv("XDG_RUNTIME_DIR");
	unsetenv("XDG_STATE_HOME");
	/* A relative HOME too: the password database's home instead. */
	setenv("HOME", "tdopt-home", 1);
	parse(&p, &r);
	ck_assert_int_eq(tu_exitcode(r.status), 0);
	snprintf(buf, sizeof(buf), "%s/.local/state/todod", pw_home(uid));
	expect_line(&r, "data", buf);
	setenv("HOME", "/tmp/tdopt-home", 1);

	setenv("TODOD_SOCKET", "/tmp/tdopt-x/my.sock", 1);
	parse(&p, &r);
	ck_assert_int_eq(tu_exitcode(r.status), 0);
	expect_line(&r, "socket", "/tmp/tdopt-x/my.sock");
	expect_line(&r, "pidfile", "/tmp/tdopt-x/my.pid");
}
END_TEST

START_TEST(defaults_root)
{
	struct parse p = { { NULL }, NULL, 0 };
	struct tu_result r;

	if (geteuid() != 0)
		return;		/* root's defaults need root */
	set_user_env();
	parse(&p, &r);
	ck_assert_int_eq(tu_exitcode(r.status), 0);
	expect_line(&r, "socket", "/run/todod/todod.sock");
	expect_line(&r, "pidfile", "/run/todod/todod.pid");
	expect_line(&r, "data", "/var/lib/todod");
}
END_TEST

START_TEST(every_option)
{
	struct parse s = { { "-f", "-d", "data", "-s", "%T/s.sock", "-p",
	    "p.pid", "-w", "64", "-l", "debug", NULL }, NULL, 0 };
	struct parse l = { { "--foreground", "--data-dir=%T/d",
	    "--socket", "run/x", "--pidfile", "%T/pid", "--workers", "1",
	    "--idle-timeout", "0", "--max-lists", "1", "--sync", "none",
	    "--max-frame=1024", "--log-level", "error", "--max-list-size",
	    "4096", NULL }, NULL, 0 };
	/* 0622: write alone lets group and others connect. */
	struct parse l2 = { { "--socket-mode", "600", "--socket-mode", "0622",
	    "--max-conns-per-uid",
	    "7", "--idle-timeout", "2147483647", "--max-frame", "67108864",
	    "--socket-mode=0777", "-p", "", "--max-list-size=524288000",
	    "-l", "warning", NULL }, NULL, 0 };
	struct tu_result r;
	char buf[256];

	s.cwd = l.cwd = tmp;
	parse(&s, &r);
	ck_assert_msg(tu_exitcode(r.status) == 0, "%s", r.err);
	expect_line(&r, "foreground", "1");
	snprintf(buf, sizeof(buf), "%s/data", tmp);
	expect_line(&r, "data", buf);
	snprintf(buf, sizeof(buf), "%s/s.sock", tmp);
	expect_line(&r, "socket", buf);
	snprintf(buf, sizeof(buf), "%s/p.pid", tmp);
	expect_line(&r, "pidfile", buf);
	expect_line(&r, "workers", "64");
	expect_line(&r, "log", "3");

	parse(&l, &r);
	ck_assert_msg(tu_exitcode(r.status) == 0, "%s", r.err);
	snprintf(buf, sizeof(buf), "%s/d", tmp);
	expect_line(&r, "data", buf);
	snprintf(buf, sizeof(buf), "%s/run/x", tmp);
	expect_line(&r, "socket", buf);
	snprintf(buf, sizeof(buf), "%s/pid", tmp);
	expect_line(&r, "pidfile", buf);
	expect_line(&r, "workers", "1");
	expect_line(&r, "idle", "0");
	expect_line(&r, "max_lists", "1");
	expect_line(&r, "sync", "0");
	expect_line(&r, "max_frame", "1024");
	expect_line(&r, "log", "0");
	expect_line(&r, "max_list_size", "4096");

	set_user_env();
	parse(&l2, &r);
	ck_assert_msg(tu_exitcode(r.status) == 0, "%s", r.err);
	expect_line(&r, "mode", "0777");
	expect_line(&r, "mpu", "7");
	expect_line(&r, "idle", "2147483647");
	expect_line(&r, "max_frame", "67108864");
	expect_line(&r, "max_list_size", "524288000");
	expect_line(&r, "pidfile", "");		/* -p '' even detached */
	expect_line(&r, "log", "1");		/* syslog's name for warn */
}
END_TEST

START_TEST(user_option)
{
	struct parse p = { { "-f", "-u", "nobody", NULL }, NULL, 0 };
	struct tu_result r;

	if (geteuid() != 0)
		return;		/* -u needs root; refused otherwise below */
	parse(&p, &r);
	ck_assert_msg(tu_exitcode(r.status) == 0, "%s", r.err);
	expect_line(&r, "user", "nobody");
	/* A user with uid 0 would drop nothing: refused, not run as root
	 * by one who asked for less. */
	p.argv[2] = "root";
	parse(&p, &r);
	ck_assert_msg(tu_exitcode(r.status) == 2, "-u root: status %d",
	    r.status);
	ck_assert_msg(strstr(r.err, "--user root: user has uid 0, nothing to "
	    "drop") != NULL, "-u root: %s", r.err);
}
END_TEST

/*
 * The default pidfile is beside the socket; with -u, in the directory
 * above the socket's, which may be the user's (/run/todod/todod.sock:
 * /run/todod.pid); a socket in / keeps it there.
 */
START_TEST(user_pidfile)
{
	struct parse p = { { "-d", "%T/d", "-s", "%T/run/s.sock", NULL, NULL,
	    NULL }, NULL, 0 };
	struct tu_result r;

	if (geteuid() != 0)
		return;		/* -u needs root */
	parse(&p, &r);
	ck_assert_msg(tu_exitcode(r.status) == 0, "%s", r.err);
	expect_under(&r, "pidfile", tmp, "/run/s.pid");
	p.argv[4] = "-u";
	p.argv[5] = "nobody";
	parse(&p, &r);
	ck_assert_msg(tu_exitcode(r.status) == 0, "%s", r.err);
	expect_under(&r, "pidfile", tmp, "/s.pid");
	p.argv[3] = "/s.sock";
	parse(&p, &r);
	ck_assert_msg(tu_exitcode(r.status) == 0, "%s", r.err);
	expect_line(&r, "pidfile", "/s.pid");
}
END_TEST

/* Bad command lines: exit 2, nothing on stdout, a message on stderr. */
static const struct bad {
	const char	*argv[ARGMAX];
	const char	*msg;
	int		 as_nobody;
} bad[] = {
	{ { "-w", "0" }, "--workers: 0 is out of range (1 to 64)", 0 },
	{ { "-w", "65" }, "out of range", 0 },
	{ { "-w", "3x" }, "--workers: '3x' is not a number", 0 },
	{ { "-w", "" }, "not a number", 0 },
	{ { "-w", "-1" }, "not a number", 0 },
	{ { "-w", " 3" }, "not a number", 0 },
	{ { "-w", "+3" }, "not a number", 0 },
	{ { "-w", "0x3" }, "not a number", 0 },
	{ { "--workers=99999999999999999999" }, "out of range", 0 },
	{ { "--idle-timeout", "-5" }, "not a number", 0 },
	{ { "--idle-timeout", "2147483648" }, "out of range", 0 },
	{ { "--idle-timeout", "1.5" }, "not a number", 0 },
	{ { "--max-lists", "0" }, "--max-lists: 0 is out of range", 0 },
	{ { "--sync", "sometimes" }, "--sync: 'sometimes' is not always or "
	    "none", 0 },
	{ { "--sync", "" }, "--sync", 0 },
	{ { "--max-frame", "1023" }, "--max-frame: 1023 is out of range "
	    "(1024 to 67108864)", 0 },
	{ { "--max-frame", "67108865" }, "out of range", 0 },
	{ { "--max-frame", "1M" }, "not a number", 0 },
	{ { "--max-list-size", "4095" }, "--max-list-size: 4095 is out of "
	    "range (4096 to 524288000)", 0 },
	{ { "--max-list-size", "524288001" }, "out of range", 0 },
	{ { "--max-list-size", "1G" }, "not a number", 0 },
	{ { "-l", "verbose" }, "--log-level: 'verbose' is not error, warn, "
	    "info or debug", 0 },
	{ { "--log-level", "" }, "--log-level", 0 },
	{ { "--socket-mode", "0666x" }, "not an octal mode", 0 },
	{ { "--socket-mode", "8" }, "not an octal mode", 0 },
	{ { "--socket-mode", "" }, "not an octal mode", 0 },
	{ { "--socket-mode", "01777" }, "not an octal mode", 0 },
	{ { "--socket-mode", "00600" }, "octal mode of 1 to 4 digits", 0 },
	{ { "--socket-mode", "1777" }, "only permission bits", 0 },
	{ { "--socket-mode", "0066" }, "owner needs read and write", 0 },
	{ { "--socket-mode", "0400" }, "owner needs read and write", 0 },
	{ { "--socket-mode", "0640" }, "which the group would not have", 0 },
	{ { "--socket-mode", "0610" }, "which the group would not have", 0 },
	{ { "--socket-mode", "0664" }, "which others would not have", 0 },
	{ { "--socket-mode", "0605" }, "which others would not have", 0 },
	{ { "--max-conns-per-uid", "-1" }, "not a number", 0 },
	{ { "-u", "" }, "--user: empty user name", 0 },
	{ { "-u", "nobody" }, "--user nobody: only root can change user", 1 },
	{ { "-u", "no-such-user-tdopt" }, "--user", 0 },
	{ { "-x" }, "unknown option -x", 0 },
	{ { "-fx" }, "unknown option -x", 0 },
	{ { "--bogus" }, "unknown or malformed option --bogus", 0 },
	{ { "--foreground=yes" }, "unknown or malformed option "
	    "--foreground=yes", 0 },
	{ { "--max" }, "ambiguous option --max: --max-lists, --max-frame, "
	    "--max-conns-per-uid, --max-list-size", 0 },
	{ { "--sock=/x" }, "ambiguous option --sock: --socket, "
	    "--socket-mode", 0 },
	{ { "--sync=" }, "--sync", 0 },
	{ { "--version=1" }, "unknown or malformed option --version=1", 0 },
	{ { "-d" }, "option -d needs a value", 0 },
	{ { "-f", "-w" }, "option -w needs a value", 0 },
	{ { "--data-dir" }, "option --data-dir needs a value", 0 },
	{ { "--sync" }, "option --sync needs a value", 0 },
	{ { "extra" }, "unexpected argument 'extra'", 0 },
	{ { "-f", "--", "-w" }, "unexpected argument '-w'", 0 },
	{ { "-d", "" }, "--data-dir: empty path", 0 },
	{ { "-s", "" }, "--socket: empty path", 0 },
	{ { "-s", "/tmp/" "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789"
	    "01234567890123456789012345678/x.sock" },
	    "--socket: path longer than 107 bytes", 0 },
	{ { "-s", "%T/dir/" }, "--socket: not a file name", 0 },
	{ { "-s", "%T/dir/." }, "--socket: not a file name", 0 },
	{ { "-s", "%T/dir/.." }, "--socket: '..' inside a path is refused", 0 },
	{ { "-s", "%T/new/../s.sock" }, "--socket: '..' inside a path is "
	    "refused (give the path without it): ", 0 },
	{ { "-d", "%T/new/../data" }, "--data-dir: '..' inside a path", 0 },
	{ { "-p", "%T/real/../p.pid" }, "--pidfile: '..' inside a path", 0 },
	{ { "-d", "%T/data", "-s", "%T/s.sock", "-p", "%T/s.sock.lock" },
	    "pidfile and the socket's lock are the same file", 0 },
	{ { "-p", "%T/dir/" }, "--pidfile: not a file name", 0 },
	{ { "-d", "%T/data", "-p", "%T/data/todod.pid" },
	    "is inside the data directory", 0 },
	{ { "-d", "%T/real", "-p", "%T/link/x.pid" },
	    "is inside the data directory", 0 },
	{ { "-d", "%T/link", "-p", "%T/real/sub/x.pid" },
	    "is inside the data directory", 0 },
	{ { "-d", "%T/nx/data", "-p", "%T/nx/data/sub/x.pid" },
	    "is inside the data directory", 0 },
	{ { "-d", "%T/data", "-p", "%T/data/sub/../x.pid" },
	    "--pidfile: '..' inside a path", 0 },
	{ { "-d", "%T/nx/../data", "-p", "%T/data/x.pid" },
	    "--data-dir: '..' inside a path", 0 },
	{ { "-d", "%T/d", "-s", "%T/d/todod.sock" },
	    "todod.sock is inside the data directory", 0 },
	{ { "-f", "-d", "%T/d", "-s", "%T/d/bob" },
	    "/d/bob is inside the data directory", 0 },
	{ { "-f", "-d", "%T/link", "-s", "%T/real/run/s.sock" },
	    "is inside the data directory", 0 },
	{ { "-d", "%T/d", "-s", "%T/a.sock", "-p", "%T/a.sock" },
	    "pidfile and socket are the same file", 0 },
};

START_TEST(bad_values)
{
	const struct bad *b = &bad[_i];
	struct parse p;
	struct tu_result r;
	char path[128];
	size_t n;

	snprintf(path, sizeof(path), "%s/real", tmp);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/link", tmp);
	ck_assert_int_eq(symlink("real", path), 0);
	memset(&p, 0, sizeof(p));
	memcpy(p.argv, b->argv, sizeof(p.argv));
	p.as_nobody = b->as_nobody;
	set_user_env();
	parse(&p, &r);
	ck_assert_msg(tu_exitcode(r.status) == 2, "case %d: status %d, "
	    "stderr: %s", _i, r.status, r.err);
	ck_assert_msg(r.out[0] == '\0', "case %d: stdout: %s", _i, r.out);
	ck_assert_msg(strncmp(r.err, "todod: ", 7) == 0, "case %d: %s", _i,
	    r.err);
	ck_assert_msg(strstr(r.err, b->msg) != NULL, "case %d: expected "
	    "\"%s\" in: %s", _i, b->msg, r.err);
	n = strlen(r.err);
	/* One line of message, then the hint. */
	ck_assert_msg(n > 21 && strcmp(r.err + n - 20,
	    "Try 'todod --help'.\n") == 0 && strchr(r.err, '\n') ==
	    r.err + n - 21, "case %d: %s", _i, r.err);
}
END_TEST

/* Paths that look close to the data directory but are outside it. */
/*
 * Paths are made absolute with no "." or ".." left: a relative path's
 * leading ".." go up from the working directory, "." goes, and a final
 * "/" stays.
 */
START_TEST(paths_normalized)
{
	struct parse p = { { "-d", "../../data/./x/", "-s", "./s.sock", "-p",
	    "..//..//p.pid", NULL }, NULL, 0 };
	struct tu_result r;
	char cwd[128], real[PATH_MAX];

	snprintf(cwd, sizeof(cwd), "%s/a", tmp);
	ck_assert_int_eq(mkdir(cwd, 0700), 0);
	snprintf(cwd, sizeof(cwd), "%s/a/b", tmp);
	ck_assert_int_eq(mkdir(cwd, 0700), 0);
	ck_assert_ptr_nonnull(realpath(tmp, real));
	p.cwd = cwd;
	set_user_env();
	parse(&p, &r);
	ck_assert_msg(tu_exitcode(r.status) == 0, "%s", r.err);
	expect_under(&r, "data", real, "/data/x/");
	expect_under(&r, "socket", real, "/a/b/s.sock");
	expect_under(&r, "pidfile", real, "/p.pid");
}
END_TEST

START_TEST(pidfile_outside)
{
	struct parse p1 = { { "-d", "%T/data", "-p", "%T/data-x.pid",
	    NULL }, NULL, 0 };
	struct parse p2 = { { "-d", "%T/data", "-p", "%T/data2/x.pid",
	    NULL }, NULL, 0 };
	struct parse p3 = { { "-d", "%T/d", "-s", "%T/d.sock", NULL },
	    NULL, 0 };
	struct tu_result r;

	set_user_env();
	parse(&p1, &r);
	ck_assert_msg(tu_exitcode(r.status) == 0, "%s", r.err);
	parse(&p2, &r);
	ck_assert_msg(tu_exitcode(r.status) == 0, "%s", r.err);
	parse(&p3, &r);
	ck_assert_msg(tu_exitcode(r.status) == 0, "%s", r.err);
}
END_TEST

static const char *const help_has[] = {
	"-f, --foreground", "-d, --data-dir DIR", "-s, --socket PATH",
	"-p, --pidfile PATH", "-w, --workers N", "--idle-timeout SECS",
	"--max-lists N", "--sync MODE", "--max-frame BYTES",
	"-l, --log-level LEVEL", "--socket-mode MODE", "-u, --user USER",
	"--max-conns-per-uid N", "--max-list-size BYTES", "-V, --version",
	"-h, --help", "(default: 524288000)",
	"(default: 3)", "(default: 300)", "(default: 1024)",
	"(default: always)", "(default: 1048576)", "(default: info)",
	"(default: 0660)", "(default: 0)", "(default: none with -f",
	"(default: /tmp/tdopt-xdg-state/todod)",
	"(default: /tmp/tdopt-xdg-run/todod/todod.sock)",
};

static void
run_help(struct tu_result *r, const char *opt)
{
	struct parse p = { { opt, NULL }, NULL, 1 };

	set_user_env();
	parse(&p, r);
}

START_TEST(help)
{
	struct tu_result r;
	size_t i;

	run_help(&r, "--help");
	ck_assert_int_eq(tu_exitcode(r.status), 0);
	ck_assert_str_eq(r.err, "");
	ck_assert(strncmp(r.out, "usage: todod ", 13) == 0);
	for (i = 0; i < sizeof(help_has) / sizeof(help_has[0]); i++)
		ck_assert_msg(strstr(r.out, help_has[i]) != NULL,
		    "--help lacks \"%s\":\n%s", help_has[i], r.out);
	run_help(&r, "-h");
	ck_assert_int_eq(tu_exitcode(r.status), 0);
	ck_assert(strncmp(r.out, "usage: todod ", 13) == 0);
	run_help(&r, "-V");
	ck_assert_int_eq(tu_exitcode(r.status), 0);
	ck_assert_str_eq(r.out, "todod " PACKAGE_VERSION "\n");
	run_help(&r, "--version");
	ck_assert_str_eq(r.out, "todod " PACKAGE_VERSION "\n");
}
END_TEST

/*
 * The man page documents every option with the default --help prints.
 * Pairs: the option as the man page writes it, its default's text.
 */
static const char *const man_has[] = {
	"Fl f , Fl -foreground", "Fl d , Fl -data-dir Ar dir",
	"Fl s , Fl -socket Ar path", "Fl p , Fl -pidfile Ar path",
	"Fl w , Fl -workers Ar n", "Fl -idle-timeout Ar secs",
	"Fl -max-lists Ar n", "Fl -sync Cm always | none",
	"Fl -max-frame Ar bytes", "Fl l , Fl -log-level Ar level",
	"Fl -socket-mode Ar mode", "Fl u , Fl -user Ar user",
	"Fl -max-conns-per-uid Ar n", "Fl V , Fl -version",
	"Fl h , Fl -help", "Fl -max-list-size Ar bytes",
	"The default is 524288000", "4096 to 524288000",
	"The default is 3.", "The default is 300.", "The default is 1024.",
	"The default is\n.Cm always .", "The default is 1048576.",
	"The default is\n.Cm info .", "The default is 0660.",
	"The default is 0, no limit.",
	"1024 to 67108864", "1 to 64",
};

START_TEST(man_page)
{
	static char man[65536];
	const char *top = getenv("TOP_SRCDIR");
	char path[TODOD_PATH_MAX];
	size_t i;

	if (top == NULL)
		top = ".";
	snprintf(path, sizeof(path), "%s/man/todod.8", top);
	ck_assert_msg(tu_read_file(path, man, sizeof(man)) > 0,
	    "cannot read %s", path);
	for (i = 0; i < sizeof(man_has) / sizeof(man_has[0]); i++)
		ck_assert_msg(strstr(man, man_has[i]) != NULL,
		    "todod.8 lacks \"%s\"", man_has[i]);
}
END_TEST

static Suite *
options_suite(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("options");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, defaults_user);
	tcase_add_test(tc, defaults_root);
	tcase_add_test(tc, every_option);
	tcase_add_test(tc, user_option);
	tcase_add_loop_test(tc, bad_values, 0,
	    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, pidfile_outside);
	tcase_add_test(tc, user_pidfile);
	tcase_add_test(tc, paths_normalized);
	tcase_add_test(tc, help);
	tcase_add_test(tc, man_page);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(options_suite());
}
