/*
 * test_todoctl_offline.c: todoctl without a daemon: help and version,
 * every usage error (exit 2), input errors found before connecting, and
 * a daemon that cannot be reached, does not answer, hangs up mid-reply or
 * answers nonsense (exit 3 and 1), played by fake daemons; and
 * todo-bench's usage errors, and a connection it loses mid-run.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <check.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "etf.h"
#include "harness.h"
#include "../ckrun.h"

static char dir[PATH_MAX];
static char sock[PATH_MAX + 16];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "%s", h_tmpdir());
	snprintf(sock, sizeof(sock), "%s/fake.sock", dir);
}

static void
teardown(void)
{
	h_rmtree(dir);
}

#define RUN(r, ...) \
	ck_assert_int_eq(h_ctl((r), NULL, NULL, __VA_ARGS__, (char *)NULL), 0)
#define RUN_S(r, ...) \
	ck_assert_int_eq(h_ctl((r), sock, NULL, __VA_ARGS__, (char *)NULL), 0)

/* The JSON on standard output is {"error": reason, ...}. */
static void
assert_json_error(const char *out, const char *reason)
{
	json_t *j;

	j = json_loads(out, 0, NULL);
	ck_assert_msg(j != NULL, "not JSON: '%s'", out);
	ck_assert_str_eq(json_string_value(json_object_get(j, "error")),
	    reason);
	json_decref(j);
}

START_TEST(test_version)
{
	struct h_run r;

	RUN(&r, "--version");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "todoctl " PACKAGE_VERSION "\n");
	h_run_free(&r);
}
END_TEST

START_TEST(test_help)
{
	static const char *words[] = { "add", "entries", "ls", "update",
	    "delete", "rm", "lists", "import", "export", "status", "ping",
	    "sync", "--json", "--socket", "Exit status" };
	struct h_run r;
	size_t i;

	RUN(&r, "--help");
	ck_assert_int_eq(r.status, 0);
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		ck_assert_msg(strstr(r.out, words[i]) != NULL, "no %s",
		    words[i]);
	h_run_free(&r);
	RUN(&r, "help");
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "usage: todoctl"));
	h_run_free(&r);
	RUN(&r, "help", "help");
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "usage: todoctl help [COMMAND]"));
	h_run_free(&r);
	RUN(&r, "help", "--help");	/* every command takes --help */
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "usage: todoctl help [COMMAND]"));
	h_run_free(&r);
}
END_TEST

/* todoctl help CMD and todoctl CMD --help say the same. */
static const char *cmd_names[] = { "add", "entries", "ls", "update",
    "delete", "rm", "lists", "import", "export", "status", "ping", "sync" };

START_TEST(test_command_help)
{
	struct h_run a, b;

	RUN(&a, "help", cmd_names[_i]);
	RUN(&b, cmd_names[_i], "--help");
	ck_assert_int_eq(a.status, 0);
	ck_assert_int_eq(b.status, 0);
	ck_assert_ptr_nonnull(strstr(a.out, "usage: todoctl"));
	ck_assert_msg(strstr(a.out, " \n") == NULL, "a line ends in a space");
	ck_assert_str_eq(a.out, b.out);
	ck_assert_uint_eq(a.err_len, 0);
	h_run_free(&a);
	h_run_free(&b);
}
END_TEST

/* Usage errors: exit 2, a message on stderr, nothing on stdout, and no
 * daemon needed (the socket does not exist). */
static const struct {
	const char	*args[6];
	const char	*msg;
} usage_vec[] = {
	{ { "frobnicate" }, "no such command" },
	{ { "--frob", "ping" }, "bad option" },
	{ { "-s" }, "option -s needs an argument" },
	{ { "-jx", "ping" }, "bad option: -x in -jx" },
	{ { "-t", "0", "ping" }, "bad timeout" },
	{ { "-t", "x", "ping" }, "bad timeout" },
	{ { "-t", "2147484", "ping" }, "(seconds, 0.001 to 2147483)" },
	{ { "help", "add", "extra" }, "todoctl: help: too many arguments\n"
	    "usage: todoctl help [COMMAND]\n" },
	{ { "add", "bob" }, "missing arguments" },
	{ { "add", "bob", "today" }, "missing arguments" },
	{ { "add", "bob", "2018-13-01", "x" }, "not a date" },
	{ { "add", "bob", "someday", "x" }, "not a date" },
	{ { "add", "bob", "today", "" }, "title is empty" },
	{ { "add", "bob", "today", "\xff" }, "not valid UTF-8" },
	{ { "entries" }, "missing arguments" },
	{ { "ls", "bob", "today", "x" }, "too many arguments" },
	{ { "ls", "bob", "2018/02/30" }, "not a date" },
	{ { "update", "bob", "1" }, "nothing to change" },
	{ { "update", "bob", "x", "--title", "t" }, "not an entry id" },
	{ { "update", "bob", "0", "--title", "t" }, "not an entry id" },
	{ { "update", "bob", "1", "--date", "x" }, "not a date" },
	{ { "update", "bob", "1", "--title", "" }, "todoctl: update: the "
	    "title is empty" },
	{ { "update", "bob", "1", "--title", "\xff" }, "not valid UTF-8" },
	{ { "delete", "bob" }, "missing arguments" },
	{ { "rm", "bob", "-1" }, "bad option: -1" },
	{ { "add", "bob", "-1-01-01", "x" }, "bad option: -1 in -1-01-01" },
	{ { "add", "bob", "today", "-milk" }, "bad option: -m in -milk (an "
	    "argument that begins with '-' goes after '--')" },
	{ { "add", "bob", "today", "-x" }, "bad option: -x (an argument " },
	/* todoctl's own options after the command. */
	{ { "ping", "-t", "5" }, "bad option: -t (todoctl's own options go "
	    "before the command)" },
	{ { "ls", "bob", "--socket=x" }, "bad option: --socket=x (todoctl's "
	    "own options go before the command)" },
	{ { "ping", "-V" }, "bad option: -V (todoctl's own" },
	{ { "ping", "-t5" }, "bad option: -t in -t5 (todoctl's own" },
	{ { "ls", "bob", "--sock=x" }, "bad option: --sock=x (todoctl's own" },
	{ { "ls", "bob", "--time", "5" }, "bad option: --time (todoctl's own" },
	{ { "add", "bob", "today", "-tea" }, "bad option: -t in -tea (an "
	    "argument that begins with '-' goes after '--')" },
	{ { "update", "bob", "1", "--date" }, "option --date needs an "
	    "argument" },
	{ { "update", "bob", "1", "--frob" }, "bad option: --frob" },
	{ { "ls", "bob", "--json=x" }, "bad option: --json=x" },
	{ { "ls", "--json", "-1-01-01" }, "bad option: -1" },
	{ { "--timeout=3", "-1x", "ping" }, "bad option: -1" },
	{ { "update", "--title=x", "-1x", "l", "1" }, "bad option: -1" },
	{ { "rm", "bob", "1x" }, "not an entry id" },
	{ { "rm", "bob", "9223372036854775808" }, "not an entry id" },
	{ { "lists", "x" }, "too many arguments" },
	{ { "add", "bob", "today", "x", "--date", "today" }, "no option" },
	/* update's options, and abbreviations of them, elsewhere. */
	{ { "add", "bob", "today", "--date" }, "todoctl: add: no option "
	    "--date here\n" },
	{ { "add", "bob", "today", "x", "--title=y" }, "todoctl: add: no "
	    "option --title here\n" },
	{ { "ls", "bob", "--t", "5" }, "bad option: --t (todoctl's own "
	    "options go before the command)" },
	{ { "ls", "bob", "--da", "x" }, "bad option: --da (an argument " },
	{ { "export" }, "missing arguments" },
	{ { "import", "bob" }, "missing arguments" },
	{ { "help", "frob" }, "no such command" },
	/* Decimal seconds only, not all that strtod takes. */
	{ { "-t", "0x10", "ping" }, "bad timeout: '0x10'" },
	{ { "-t", "1e3", "ping" }, "bad timeout: '1e3'" },
	{ { "-t", " 5", "ping" }, "bad timeout: ' 5'" },
	{ { "-t", ".", "ping" }, "bad timeout: '.'" },
	{ { "-t", "0.0009", "ping" }, "bad timeout: '0.0009'" },
};

START_TEST(test_usage)
{
	char *argv[12];
	struct h_run r;
	int n = 0, i;

	argv[n++] = (char *)h_todoctl();
	argv[n++] = "-s";
	argv[n++] = sock;
	for (i = 0; i < 6 && usage_vec[_i].args[i] != NULL; i++)
		argv[n++] = (char *)usage_vec[_i].args[i];
	argv[n] = NULL;
	ck_assert_int_eq(h_run_argv(&r, NULL, NULL, argv), 0);
	ck_assert_msg(r.status == 2, "%s: status %d", usage_vec[_i].args[0],
	    r.status);
	ck_assert_msg(strstr(r.err, usage_vec[_i].msg) != NULL, "'%s' not in "
	    "'%s'", usage_vec[_i].msg, r.err);
	ck_assert_uint_eq(r.out_len, 0);
	h_run_free(&r);
}
END_TEST

/* todo-bench's usage errors, which it names as todoctl does (it lives
 * beside todoctl in the build). */
static const struct {
	const char	*args[3];
	const char	*msg;
	bool		 value;	/* a bad value: no usage line follows */
} bench_usage_vec[] = {
	{ { "--bogus" }, "todo-bench: bad option: --bogus\n", false },
	{ { "-c" }, "todo-bench: option -c needs an argument\n", false },
	{ { "--json=1" }, "todo-bench: bad option: --json=1\n", false },
	{ { "--prel", "5" }, "todo-bench: ambiguous option --prel: --preload, "
	    "--preloaded, --preload-only\n", false },
	{ { "-c", "2", "extra" }, "todo-bench: unexpected argument: "
	    "'extra'\n", false },
	/* The last list's name, 85 slashes and "-99", is 88 bytes but 258
	 * as a file name ("%2F" for each slash). */
	{ { "--prefix", "////////////////////////////////////////////////////"
	    "/////////////////////////////////", NULL }, "todo-bench: --prefix "
	    "must be UTF-8 text, not empty, of at most 255 bytes with the "
	    "list number, and at most 255 as a file name", true },
	{ { "--prefix", "" }, "todo-bench: --prefix must be UTF-8 text, "
	    "not empty", true },
	{ { "-c", "0" }, "todo-bench: -c must be an integer from 1 to 100000: "
	    "0\n", true },
	{ { "-d", "0x1" }, "todo-bench: -d must be a number of seconds", true },
	{ { "-d", "inf" }, "todo-bench: -d must be a number of seconds", true },
	{ { "--preloaded", "5", "--preload-only" }, "todo-bench: "
	    "--preload-only needs entries to preload (--preload N, N > 0)\n",
	    true },
};

START_TEST(test_bench_usage)
{
	char *argv[6];
	struct h_run r;
	int n = 0, i;

	argv[n++] = (char *)h_todo_bench();
	for (i = 0; i < 3 && bench_usage_vec[_i].args[i] != NULL; i++)
		argv[n++] = (char *)bench_usage_vec[_i].args[i];
	argv[n] = NULL;
	ck_assert_int_eq(h_run_argv(&r, NULL, NULL, argv), 0);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(strncmp(r.err, bench_usage_vec[_i].msg,
	    strlen(bench_usage_vec[_i].msg)) == 0, "'%s' does not start "
	    "with '%s'", r.err, bench_usage_vec[_i].msg);
	if (!bench_usage_vec[_i].value)
		ck_assert_ptr_nonnull(strstr(r.err, "usage: todo-bench"));
	h_run_free(&r);
}
END_TEST

/*
 * A fake daemon for todo-bench: a process per connection answers each
 * request, {ok, []} to a read and {ok, 1} to the rest; the first
 * connection is closed after `close_after` replies.  Returns the pid of
 * the process that accepts (SIGKILL it; the others end with their
 * connection).
 */
static void
bench_conn_serve(int fd, int close_after)
{
	static const uint8_t ok_nil[] = { 131, 104, 2, 119, 2, 'o', 'k', 106 };
	static const uint8_t ok_1[] = { 131, 104, 2, 119, 2, 'o', 'k', 97,
	    1 };
	uint8_t buf[8192];
	long n;
	int replies = 0;

	while ((n = h_read_frame(fd, buf, sizeof(buf))) >= 0) {
		if (memmem(buf, (size_t)n, "entries", 7) != NULL ?
		    h_write_frame(fd, ok_nil, sizeof(ok_nil)) :
		    h_write_frame(fd, ok_1, sizeof(ok_1)))
			return;
		if (close_after > 0 && ++replies == close_after)
			return;
	}
}

static pid_t
fake_bench_server(const char *path, int close_after)
{
	struct sockaddr_un sun;
	int lfd, fd, first = 1;
	pid_t pid;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_uint_lt(strlen(path), sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path));
	unlink(path);
	ck_assert_int_ne(lfd = socket(AF_UNIX, SOCK_STREAM, 0), -1);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(lfd, 8), 0);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid != 0) {
		close(lfd);
		return pid;
	}
	alarm(60);		/* a fake never outlives its test */
	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			_exit(1);
		if (fork() == 0) {
			close(lfd);
			bench_conn_serve(fd, first ? close_after : 0);
			_exit(0);
		}
		close(fd);
		first = 0;
	}
}

/*
 * A connection lost in the middle of a run of -n requests: its requests
 * in flight count as errors, and the run ends once the others are
 * answered (it waited for --timeout, then failed, and reported the wait
 * as the run's time).  The fake closes the first connection after its
 * attach and one request: the 2,000 requests are shared between the two
 * connections as they are answered, so a later point could come after
 * the other connection had taken them all (as on a loaded machine, where
 * this test failed with no error); with -P 8 the first connection has
 * sent more than one request when its first is answered.
 */
START_TEST(test_bench_conn_lost)
{
	char *argv[] = { (char *)h_todo_bench(), "-s", sock, "--json", "-c",
	    "2", "-l", "2", "--preload", "0", "-P", "8", "-n", "2000",
	    "--timeout", "20", NULL };
	struct h_run r;
	json_t *j;
	json_error_t je;
	pid_t pid;
	int64_t ok, errors;

	pid = fake_bench_server(sock, 2);
	ck_assert_int_eq(h_run_argv(&r, NULL, NULL, argv), 0);
	kill(pid, SIGKILL);
	(void)h_wait(pid, 5000);
	ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
	j = json_loads(r.out, 0, &je);
	ck_assert_ptr_nonnull(j);
	ok = json_integer_value(json_object_get(j, "ok"));
	errors = json_integer_value(json_object_get(j, "errors"));
	ck_assert_msg(errors >= 1 && ok + errors == 2000, "ok %lld errors "
	    "%lld", (long long)ok, (long long)errors);
	ck_assert(json_is_false(json_object_get(j, "aborted")));
	ck_assert_msg(json_real_value(json_object_get(j, "seconds")) < 10,
	    "the run waited for its timeout");
	json_decref(j);
	h_run_free(&r);
}
END_TEST

START_TEST(test_no_command)
{
	struct h_run r;

	ck_assert_int_eq(h_ctl(&r, NULL, NULL, (char *)NULL), 0);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_eq(strstr(r.err, "todoctl: no command given\nusage: "
	    "todoctl"), r.err);
	ck_assert_uint_eq(r.out_len, 0);
	h_run_free(&r);
}
END_TEST

/* A bad import file is refused before connecting: exit 2, the line named. */
START_TEST(test_import_bad_file)
{
	char path[PATH_MAX + 16];
	struct h_run r;

	snprintf(path, sizeof(path), "%s/bad.csv", dir);
	h_write_file(path, "2018/12/19,Dentist\n2018/12/99,Bad\n", 34);
	RUN_S(&r, "import", "bob", path);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "bad.csv:2: date is not valid"));
	ck_assert_ptr_nonnull(strstr(r.err, "nothing imported"));
	h_run_free(&r);
	RUN_S(&r, "--json", "import", "bob", path);
	ck_assert_int_eq(r.status, 2);
	assert_json_error(r.out, "bad_input");
	h_run_free(&r);
	snprintf(path, sizeof(path), "%s/missing.csv", dir);
	RUN_S(&r, "import", "bob", path);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "cannot open"));
	h_run_free(&r);
}
END_TEST

/* A daemon that attaches, takes two adds and answers the third
 * {error, bad_frame}, then closes, as todod does with a frame over
 * --max-frame. */
static void
fake_import_serve(int fd, void *arg)
{
	static const uint8_t ok_7[] = { 131, 104, 2, 119, 2, 'o', 'k', 97, 7 };
	static const uint8_t bad[] = { 131, 104, 2, 119, 5, 'e', 'r', 'r',
	    'o', 'r', 119, 9, 'b', 'a', 'd', '_', 'f', 'r', 'a', 'm', 'e' };
	uint8_t buf[4096];
	int i;

	(void)arg;
	for (i = 0; i < 4; i++) {
		if (h_read_frame(fd, buf, sizeof(buf)) < 0)
			return;
		if (i < 3 ? h_write_frame(fd, ok_7, sizeof(ok_7)) :
		    h_write_frame(fd, bad, sizeof(bad)))
			return;
	}
}

/* A daemon that attaches, answers three adds, then reads on and answers
 * nothing more, until the client goes. */
static void
fake_import_stall(int fd, void *arg)
{
	static const uint8_t ok_7[] = { 131, 104, 2, 119, 2, 'o', 'k', 97, 7 };
	uint8_t buf[4096];
	int i;

	(void)arg;
	for (i = 0; h_read_frame(fd, buf, sizeof(buf)) >= 0; i++)
		if (i < 4 && h_write_frame(fd, ok_7, sizeof(ok_7)))
			return;
}

/* Answers an attach ({ok, 7}), then an add with the id *arg: -5. */
static void
fake_add_serve(int fd, void *arg)
{
	static const uint8_t ok_7[] = { 131, 104, 2, 119, 2, 'o', 'k', 97, 7 };
	static const uint8_t ok_minus_5[] = { 131, 104, 2, 119, 2, 'o', 'k',
	    98, 0xff, 0xff, 0xff, 0xfb };
	uint8_t buf[4096];

	(void)arg;
	if (h_read_frame(fd, buf, sizeof(buf)) < 0 ||
	    h_write_frame(fd, ok_7, sizeof(ok_7)) ||
	    h_read_frame(fd, buf, sizeof(buf)) < 0)
		return;
	(void)h_write_frame(fd, ok_minus_5, sizeof(ok_minus_5));
}

/* An add answered with an id that no entry can have (-5) is an
 * unexpected reply, not an id to print. */
START_TEST(test_add_bad_id)
{
	struct h_run r;
	pid_t pid;

	pid = h_fake_server(sock, fake_add_serve, NULL);
	RUN_S(&r, "add", "bob", "today", "x");
	h_wait(pid, 10000);
	ck_assert_msg(r.status == 1, "status %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "unexpected reply") != NULL, "'%s'",
	    r.err);
	ck_assert_uint_eq(r.out_len, 0);
	h_run_free(&r);
}
END_TEST

/* A CSV file of ten records, a to j, in the test's directory. */
static void
ten_records(char *path, size_t len)
{
	snprintf(path, len, "%s/ten.csv", dir);
	h_write_file(path, "2018/12/19,a\n2018/12/19,b\n2018/12/19,c\n"
	    "2018/12/19,d\n2018/12/19,e\n2018/12/19,f\n2018/12/19,g\n"
	    "2018/12/19,h\n2018/12/19,i\n2018/12/19,j\n", 130);
}

/* An import that the daemon stops with an error reply and a close is
 * that error (exit 1), not a lost connection (3): the replies read
 * before the end say what happened. */
START_TEST(test_import_error_then_close)
{
	char path[PATH_MAX + 16];
	struct h_run r;
	pid_t pid;

	ten_records(path, sizeof(path));
	pid = h_fake_server(sock, fake_import_serve, NULL);
	RUN_S(&r, "--json", "import", "bob", path);
	h_wait(pid, 10000);
	ck_assert_msg(r.status == 1, "status %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "(2 of 10 entries imported)") != NULL,
	    "'%s'", r.err);
	assert_json_error(r.out, "bad_frame");
	h_run_free(&r);
}
END_TEST

/* An import whose daemon stops answering: the message counts the
 * entries imported and those sent and not answered, which the daemon
 * may carry out all the same (exit 3). */
START_TEST(test_import_timeout_counts)
{
	char path[PATH_MAX + 16];
	struct h_run r;
	pid_t pid;

	ten_records(path, sizeof(path));
	pid = h_fake_server(sock, fake_import_stall, NULL);
	RUN_S(&r, "-t", "2", "import", "bob", path);
	h_wait(pid, 10000);
	ck_assert_msg(r.status == 3, "status %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "timed out") != NULL && strstr(r.err,
	    "(3 of 10 entries imported; 7 more sent and not answered, which "
	    "may have been imported too)") != NULL, "'%s'", r.err);
	h_run_free(&r);
}
END_TEST

START_TEST(test_unreachable)
{
	struct h_run r;

	/* Decimal seconds with or without a whole part or a fraction. */
	RUN_S(&r, "-t", ".5", "ping");
	ck_assert_msg(r.status == 3, "-t .5: status %d: %s", r.status, r.err);
	h_run_free(&r);
	RUN_S(&r, "-t", "2.", "ping");
	ck_assert_msg(r.status == 3, "-t 2.: status %d: %s", r.status, r.err);
	h_run_free(&r);
	RUN_S(&r, "ping");
	ck_assert_int_eq(r.status, 3);
	ck_assert_ptr_nonnull(strstr(r.err, "cannot connect to"));
	ck_assert_ptr_nonnull(strstr(r.err, sock));
	ck_assert_msg(strstr(r.err, "(is todod running?)") != NULL, "'%s'",
	    r.err);
	h_run_free(&r);
	RUN_S(&r, "--json", "ls", "bob");
	ck_assert_int_eq(r.status, 3);
	assert_json_error(r.out, "unreachable");
	h_run_free(&r);
	/* A path that is no socket: said so, not asked whether todod runs. */
	h_write_file(sock, "x", 1);
	RUN_S(&r, "ping");
	ck_assert_int_eq(r.status, 3);
	ck_assert_msg(strstr(r.err, "not a socket") != NULL &&
	    strstr(r.err, "todod running") == NULL, "'%s'", r.err);
	h_run_free(&r);
}
END_TEST

/* $TODOD_SOCKET is used without -s, and -s wins over it. */
START_TEST(test_socket_env)
{
	char env[PATH_MAX + 32], *argv[4];
	char *envv[2] = { env, NULL };
	struct h_run r;

	snprintf(env, sizeof(env), "TODOD_SOCKET=%s/from-env.sock", dir);
	argv[0] = (char *)h_todoctl();
	argv[1] = "ping";
	argv[2] = NULL;
	ck_assert_int_eq(h_run_argv(&r, NULL, envv, argv), 0);
	ck_assert_int_eq(r.status, 3);
	ck_assert_ptr_nonnull(strstr(r.err, "from-env.sock"));
	h_run_free(&r);
	/* One too long is named too, by todoctl and todo-bench. */
	snprintf(env, sizeof(env), "TODOD_SOCKET=/%0120d.sock", 7);
	ck_assert_int_eq(h_run_argv(&r, NULL, envv, argv), 0);
	ck_assert_int_eq(r.status, 3);
	ck_assert_msg(strstr(r.err, "too long: /0000") != NULL &&
	    strstr(r.err, "7.sock") != NULL, "'%s'", r.err);
	h_run_free(&r);
	argv[0] = (char *)h_todo_bench();
	argv[1] = "-n";
	argv[2] = "1";
	argv[3] = NULL;
	ck_assert_int_eq(h_run_argv(&r, NULL, envv, argv), 0);
	ck_assert_int_eq(r.status, 3);
	ck_assert_msg(strstr(r.err, "too long: /0000") != NULL &&
	    strstr(r.err, "7.sock") != NULL, "'%s'", r.err);
	h_run_free(&r);
}
END_TEST

struct fake {
	const uint8_t	*raw;
	size_t		 len;
	int		 linger_ms;
};

static void
fake_reply(int fd, void *arg)
{
	struct fake *f = arg;
	uint8_t buf[4096];

	if (h_read_frame(fd, buf, sizeof(buf)) < 0)
		return;
	if (f->len > 0 && write(fd, f->raw, f->len) == -1)
		return;
	poll(NULL, 0, f->linger_ms);
}

static const struct {
	const char	*name;
	struct fake	 fake;
	int		 status;
	const char	*msg;
	const char	*reason;
} fake_vec[] = {
	{ "silent", { (const uint8_t *)"", 0, 5000 }, 3, "timed out",
	  "timeout" },
	{ "hangs up", { (const uint8_t *)"", 0, 0 }, 3, "closed",
	  "disconnected" },
	{ "hangs up mid-reply", { (const uint8_t *)"\0\0\0\x09\x83\x64", 6, 0 },
	  3, "middle of a reply", "disconnected" },
	{ "nonsense", { (const uint8_t *)"\0\0\0\x03\x83\x61\x07", 7, 0 }, 1,
	  "unexpected reply", "protocol" },
	{ "not a term", { (const uint8_t *)"\0\0\0\x02\x83\xff", 6, 0 }, 1,
	  "cannot be decoded", "protocol" },
	/* pong, compressed: todod never compresses, so none is inflated */
	{ "compressed", { (const uint8_t *)"\x00\x00\x00\x14\x83\x50\x00"
	  "\x00\x00\x06\x78\x9c\x2b\x67\x29\xc8\xcf\x4b\x07\x00\x07\x34"
	  "\x02\x30", 24, 0 }, 1, "sent a compressed reply", "protocol" },
	/* {error, busy} */
	{ "busy", { (const uint8_t *)"\0\0\0\x10\x83\x68\x02\x77\x05""error"
	  "\x77\x04""busy", 20, 0 }, 1, "too many live lists", "busy" },
};

START_TEST(test_fake_daemon)
{
	struct fake f = fake_vec[_i].fake;
	struct h_run r;
	pid_t pid;

	pid = h_fake_server(sock, fake_reply, &f);
	RUN_S(&r, "-t", "0.5", "--json", "ping");
	ck_assert_msg(r.status == fake_vec[_i].status, "%s: status %d",
	    fake_vec[_i].name, r.status);
	ck_assert_msg(strstr(r.err, fake_vec[_i].msg) != NULL, "%s: '%s'",
	    fake_vec[_i].name, r.err);
	assert_json_error(r.out, fake_vec[_i].reason);
	h_run_free(&r);
	h_wait(pid, 10000);
}
END_TEST

/*
 * The reply to lists grows with the number of lists, which nothing
 * bounds: lists accepts a frame past the limit other replies have (512
 * MiB, about 2,000,000 names of 255 bytes), up to what a frame can
 * say.  The fake announces 600 MiB and hangs up after a few bytes: lists
 * reads on, and finds the reply cut short; ping refuses the frame.
 */
START_TEST(test_lists_large_frame)
{
	static const uint8_t raw[] = { 0x25, 0x80, 0x00, 0x00, 0x83, 0x6c };
	struct fake f = { raw, sizeof(raw), 0 };
	struct h_run r;
	pid_t pid;

	pid = h_fake_server(sock, fake_reply, &f);
	RUN_S(&r, "-t", "5", "--json", "lists");
	ck_assert_msg(r.status == 3, "lists: status %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "middle of a reply") != NULL, "lists: "
	    "'%s'", r.err);
	assert_json_error(r.out, "disconnected");
	h_run_free(&r);
	h_wait(pid, 10000);

	pid = h_fake_server(sock, fake_reply, &f);
	RUN_S(&r, "-t", "5", "ping");
	ck_assert_msg(r.status == 1 && strstr(r.err, "reply frame of "
	    "629145600 bytes") != NULL, "ping: status %d: '%s'", r.status,
	    r.err);
	h_run_free(&r);
	h_wait(pid, 10000);
}
END_TEST

/* A daemon whose stats name a stalled worker and a stalled list server:
 * status shows how long, for each. */
START_TEST(test_status_stalled)
{
	struct etf_buf b;
	struct fake f;
	struct h_run r;
	pid_t pid;
	uint8_t *raw;

	etf_buf_init(&b);
	etf_put_version(&b);
	etf_put_tuple(&b, 2);
	etf_put_atom(&b, "ok");
	etf_put_map(&b, 3);
	etf_put_atom(&b, "lists");
	etf_put_list(&b, 2);
	etf_put_map(&b, 3);
	etf_put_atom(&b, "name");
	etf_put_binary(&b, "quick", 5);
	etf_put_atom(&b, "pid");
	etf_put_int(&b, 103);
	etf_put_atom(&b, "stalled_s");
	etf_put_int(&b, 0);
	etf_put_map(&b, 3);
	etf_put_atom(&b, "name");
	etf_put_binary(&b, "stuck", 5);
	etf_put_atom(&b, "pid");
	etf_put_int(&b, 104);
	etf_put_atom(&b, "stalled_s");
	etf_put_int(&b, 17);
	etf_put_nil(&b);
	etf_put_atom(&b, "supervisor");
	etf_put_int(&b, 100);
	etf_put_atom(&b, "workers");
	etf_put_list(&b, 2);
	etf_put_map(&b, 2);
	etf_put_atom(&b, "pid");
	etf_put_int(&b, 101);
	etf_put_atom(&b, "stalled_s");
	etf_put_int(&b, 0);
	etf_put_map(&b, 2);
	etf_put_atom(&b, "pid");
	etf_put_int(&b, 102);
	etf_put_atom(&b, "stalled_s");
	etf_put_int(&b, 42);
	etf_put_nil(&b);
	ck_assert(!b.oom);
	ck_assert_ptr_nonnull(raw = malloc(b.len + 4));
	raw[0] = (uint8_t)(b.len >> 24);
	raw[1] = (uint8_t)(b.len >> 16);
	raw[2] = (uint8_t)(b.len >> 8);
	raw[3] = (uint8_t)b.len;
	memcpy(raw + 4, b.p, b.len);
	f.raw = raw;
	f.len = b.len + 4;
	f.linger_ms = 0;
	pid = h_fake_server(sock, fake_reply, &f);
	RUN_S(&r, "status");
	ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.out, "stalled 42 s") != NULL, "%s", r.out);
	ck_assert_msg(strstr(r.out, "stuck  stalled 17 s\n") != NULL, "%s",
	    r.out);
	ck_assert_msg(strstr(r.out, "quick\n") != NULL, "%s", r.out);
	/* Only the stalled ones. */
	ck_assert_ptr_null(strstr(r.out, "stalled 0"));
	h_run_free(&r);
	h_wait(pid, 10000);
	free(raw);
	etf_buf_free(&b);
}
END_TEST

/* A frame of the term in b (freed), for a fake daemon to send. */
static struct fake
framed(struct etf_buf *b)
{
	struct fake f;
	uint8_t *raw;

	ck_assert(!b->oom);
	ck_assert_ptr_nonnull(raw = malloc(b->len + 4));
	raw[0] = (uint8_t)(b->len >> 24);
	raw[1] = (uint8_t)(b->len >> 16);
	raw[2] = (uint8_t)(b->len >> 8);
	raw[3] = (uint8_t)b->len;
	memcpy(raw + 4, b->p, b->len);
	f.raw = raw;
	f.len = b->len + 4;
	f.linger_ms = 0;
	etf_buf_free(b);
	return f;
}

/* Begin {ok, #{...}} of n pairs in b, made here. */
static void
ok_map(struct etf_buf *b, uint32_t n)
{
	etf_buf_init(b);
	etf_put_version(b);
	etf_put_tuple(b, 2);
	etf_put_atom(b, "ok");
	etf_put_map(b, n);
}

/* todoctl status against a fake daemon that answers with the term in b
 * (freed); it must succeed. */
static void
status_from(struct etf_buf *b, struct h_run *r)
{
	struct fake f = framed(b);
	pid_t pid = h_fake_server(sock, fake_reply, &f);

	RUN_S(r, "status");
	h_wait(pid, 10000);
	free((void *)f.raw);
	ck_assert_msg(r->status == 0, "status %d: %s", r->status, r->err);
}

/* sync refused: a daemon without the request (an older one) and one
 * whose workers could not write every list file are told apart from
 * other errors, each with what it means for the user's data. */
static const struct {
	const char	*reason;
	const char	*msg;
} sync_vec[] = {
	{ "unknown_request", "this daemon does not support sync" },
	{ "unavailable", "some list files could not be brought up to date; "
	  "their changes are kept in the journal" },
	{ "busy", "too many live lists" },
};

START_TEST(test_sync_refused)
{
	struct etf_buf b;
	struct fake f;
	struct h_run r;
	pid_t pid;
	int json;

	for (json = 0; json <= 1; json++) {
		etf_buf_init(&b);
		etf_put_version(&b);
		etf_put_tuple(&b, 2);
		etf_put_atom(&b, "error");
		etf_put_atom(&b, sync_vec[_i].reason);
		f = framed(&b);
		pid = h_fake_server(sock, fake_reply, &f);
		if (json)
			RUN_S(&r, "--json", "sync");
		else
			RUN_S(&r, "sync");
		h_wait(pid, 10000);
		ck_assert_msg(r.status == 1, "%s: status %d: %s",
		    sync_vec[_i].reason, r.status, r.err);
		ck_assert_msg(strstr(r.err, sync_vec[_i].msg) != NULL,
		    "%s: '%s'", sync_vec[_i].reason, r.err);
		if (json)
			assert_json_error(r.out, sync_vec[_i].reason);
		else
			ck_assert_uint_eq(r.out_len, 0);
		h_run_free(&r);
		free((void *)f.raw);
	}
}
END_TEST

/* status shows the uptime in the largest units that fit. */
static const struct {
	int64_t		 s;
	const char	*shown;
} uptime_vec[] = {
	{ 0, "up 0s," },
	{ 59, "up 59s," },
	{ 125, "up 2m 05s," },
	{ 3600, "up 1h 00m 00s," },
	{ 3729, "up 1h 02m 09s," },
	{ 86400, "up 1d 00h 00m 00s," },
	{ 273906, "up 3d 04h 05m 06s," },
	{ -5, "up 0s," },	/* a clock set back */
};

START_TEST(test_status_uptime)
{
	struct etf_buf b;
	struct h_run r;

	ok_map(&b, 2);
	etf_put_atom(&b, "uptime_s");
	etf_put_int(&b, uptime_vec[_i].s);
	etf_put_atom(&b, "lists_live");
	etf_put_int(&b, 1);
	status_from(&b, &r);
	ck_assert_msg(strncmp(r.out, "todod is running, ", 18) == 0 &&
	    strstr(r.out, uptime_vec[_i].shown) != NULL &&
	    strstr(r.out, ", 1 list live\n") != NULL, "%lld s: '%s'",
	    (long long)uptime_vec[_i].s, r.out);
	h_run_free(&r);
}
END_TEST

/* A key status does not know is shown as "key: JSON"; the JSON's text is
 * escaped as any other the daemon sends: no C1 control, bidi override or
 * DEL reaches the terminal (JSON escapes only C0 controls). */
START_TEST(test_status_others)
{
	static const char v[] = "v\xc2\x9b" "31m\xe2\x80\xae\x7f";
	struct etf_buf b;
	struct h_run r;

	ok_map(&b, 1);
	etf_put_atom(&b, "zz");
	etf_put_binary(&b, v, sizeof(v) - 1);
	status_from(&b, &r);
	ck_assert_msg(strstr(r.out, "zz:") != NULL, "'%s'", r.out);
	ck_assert_msg(strstr(r.out, "\xc2\x9b") == NULL &&
	    strstr(r.out, "\xe2\x80\xae") == NULL &&
	    strchr(r.out, 0x7f) == NULL, "raw controls in '%s'", r.out);
	h_run_free(&r);
}
END_TEST

/* status shows 20 list servers and counts the others it was given, not
 * the entries it skipped (here 6 that are not list servers); the last,
 * stalled, comes first, not cut. */
START_TEST(test_status_more_lists)
{
	struct etf_buf b;
	struct h_run r;
	const char *first, *stalled;
	int i;

	ok_map(&b, 1);
	etf_put_atom(&b, "lists");
	etf_put_list(&b, 27);
	for (i = 0; i < 27; i++) {
		if (i % 5 == 0) {
			etf_put_atom(&b, "junk");
			continue;
		}
		etf_put_map(&b, i == 26 ? 3 : 2);
		etf_put_atom(&b, "name");
		etf_put_binary(&b, "l", 1);
		etf_put_atom(&b, "pid");
		etf_put_int(&b, 1000 + i);
		if (i == 26) {
			etf_put_atom(&b, "stalled_s");
			etf_put_int(&b, 12);
		}
	}
	etf_put_nil(&b);
	status_from(&b, &r);
	ck_assert_msg(strstr(r.out, "\n(1 more list server)\n") != NULL,
	    "'%s'", r.out);
	first = strstr(r.out, "\nlist ");
	stalled = strstr(r.out, "1026  l  stalled 12 s\n");
	ck_assert_msg(first != NULL && stalled != NULL &&
	    stalled < strstr(r.out, "1001  l"), "'%s'", r.out);
	h_run_free(&r);
}
END_TEST

/* A socket path that cannot be used is a daemon not reached for
 * todo-bench too (3), as for todoctl, not a usage error. */
/* todo-bench -s path -n 1 [--json], which must exit 3 (no daemon). */
static void
bench_unreached(struct h_run *r, const char *path, bool json)
{
	char *argv[7];
	int n = 0;

	argv[n++] = (char *)h_todo_bench();
	argv[n++] = "-s";
	argv[n++] = (char *)path;
	argv[n++] = "-n";
	argv[n++] = "1";
	if (json)
		argv[n++] = "--json";
	argv[n] = NULL;
	ck_assert_int_eq(h_run_argv(r, NULL, NULL, argv), 0);
	ck_assert_msg(r->status == 3, "status %d: %s", r->status, r->err);
}

START_TEST(test_bench_socket_too_long)
{
	char long_path[300];
	struct h_run r;

	memset(long_path, 'x', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	bench_unreached(&r, long_path, false);
	ck_assert_msg(r.status == 3, "status %d: %s", r.status, r.err);
	ck_assert_msg(strncmp(r.err, "todo-bench: socket path is empty or "
	    "too long: /xxx", 40) == 0, "'%s'", r.err);
	h_run_free(&r);
	bench_unreached(&r, "", false);
	ck_assert_str_eq(r.err, "todo-bench: socket path is empty or too "
	    "long: \n");
	h_run_free(&r);
}
END_TEST

/* A socket nobody listens on: exit 3 and the hint todoctl gives. */
START_TEST(test_bench_unreachable)
{
	struct h_run r;

	bench_unreached(&r, sock, false);
	ck_assert_msg(strstr(r.err, ": connect: No such file or directory "
	    "(is todod running?)") != NULL, "'%s'", r.err);
	h_run_free(&r);
	/* A path that is no socket: said so, not asked whether todod runs. */
	h_write_file(sock, "x", 1);
	bench_unreached(&r, sock, false);
	ck_assert_msg(strstr(r.err, ": connect: not a socket") != NULL &&
	    strstr(r.err, "todod running") == NULL, "'%s'", r.err);
	h_run_free(&r);
}
END_TEST

/* A socket whose backlog is full and never accepts: todo-bench times
 * out connecting, and that is a daemon not reached (3), as for todoctl. */
START_TEST(test_bench_backlog_full)
{
	struct sockaddr_un sun;
	char *argv[] = { (char *)h_todo_bench(), "-s", sock, "-n", "1",
	    "--timeout", "1", NULL };
	struct h_run r;
	int lfd, fds[64], n;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_uint_lt(strlen(sock), sizeof(sun.sun_path));
	memcpy(sun.sun_path, sock, strlen(sock));
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ne(lfd, -1);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(lfd, 0), 0);
	for (n = 0; n < 64; n++) {
		fds[n] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		ck_assert_int_ne(fds[n], -1);
		if (connect(fds[n], (struct sockaddr *)&sun,
		    sizeof(sun)) == -1)
			break;
	}
	ck_assert_msg(n < 64, "the backlog never filled");
	ck_assert_int_eq(h_run_argv(&r, NULL, NULL, argv), 0);
	ck_assert_msg(r.status == 3 && strstr(r.err, "timed out connecting")
	    != NULL, "status %d: %s", r.status, r.err);
	h_run_free(&r);
	while (n >= 0)
		close(fds[n--]);
	close(lfd);
}
END_TEST

/* --json reports always, even for a socket path that is not UTF-8 (the
 * JSON has it repaired; it had nothing at all). */
START_TEST(test_bench_json_bad_path)
{
	char path[PATH_MAX + 16];
	struct h_run r;

	snprintf(path, sizeof(path), "%s/\xff.sock", dir);
	bench_unreached(&r, path, true);
	ck_assert_msg(strstr(r.out, "\"socket\": \"") != NULL &&
	    strstr(r.out, "\"aborted\": true") != NULL &&
	    strstr(r.out, "\"abort_reason\": \"") != NULL, "'%s'", r.out);
	h_run_free(&r);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("todoctl_offline");
	TCase *tc = tcase_create("offline");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_status_stalled);
	tcase_add_test(tc, test_bench_socket_too_long);
	tcase_add_test(tc, test_bench_unreachable);
	tcase_add_test(tc, test_bench_backlog_full);
	tcase_add_test(tc, test_bench_json_bad_path);
	tcase_add_test(tc, test_help);
	tcase_add_loop_test(tc, test_command_help, 0,
	    sizeof(cmd_names) / sizeof(cmd_names[0]));
	tcase_add_loop_test(tc, test_usage, 0,
	    sizeof(usage_vec) / sizeof(usage_vec[0]));
	tcase_add_test(tc, test_no_command);
	tcase_add_loop_test(tc, test_bench_usage, 0,
	    sizeof(bench_usage_vec) / sizeof(bench_usage_vec[0]));
	tcase_add_test(tc, test_bench_conn_lost);
	tcase_add_test(tc, test_import_bad_file);
	tcase_add_test(tc, test_import_error_then_close);
	tcase_add_test(tc, test_import_timeout_counts);
	tcase_add_test(tc, test_unreachable);
	tcase_add_test(tc, test_socket_env);
	tcase_add_test(tc, test_lists_large_frame);
	tcase_add_loop_test(tc, test_fake_daemon, 0,
	    sizeof(fake_vec) / sizeof(fake_vec[0]));
	tcase_add_loop_test(tc, test_sync_refused, 0,
	    sizeof(sync_vec) / sizeof(sync_vec[0]));
	tcase_add_loop_test(tc, test_status_uptime, 0,
	    sizeof(uptime_vec) / sizeof(uptime_vec[0]));
	tcase_add_test(tc, test_status_others);
	tcase_add_test(tc, test_add_bad_id);
	tcase_add_test(tc, test_status_more_lists);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(suite());
}
