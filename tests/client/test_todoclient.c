/*
 * test_todoclient.c: the client library against fake daemons: socket
 * resolution, frames and their bounds, timeouts, a long pipeline against a
 * server that stops reading while its replies pile up, the event-loop
 * calls, request encodings and reply classification.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "etf.h"
#include "frame.h"
#include "harness.h"
#include "todo_term.h"
#include "todoclient.h"
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

static struct tc_conn *
connected(int timeout_ms)
{
	struct tc_conn *c = tc_new();

	ck_assert_ptr_nonnull(c);
	tc_set_timeout(c, timeout_ms);
	ck_assert_msg(tc_connect(c, sock) == TC_OK, "%s", tc_error(c));
	return c;
}

/* --- socket resolution ---------------------------------------------- */

START_TEST(test_socket_path)
{
	char buf[256], want[256];
	char longp[200];

	unsetenv("TODOD_SOCKET");
	ck_assert_int_eq(tc_socket_path("/x/y.sock", buf, sizeof(buf)), TC_OK);
	ck_assert_str_eq(buf, "/x/y.sock");
	setenv("TODOD_SOCKET", "/env/t.sock", 1);
	ck_assert_int_eq(tc_socket_path(NULL, buf, sizeof(buf)), TC_OK);
	ck_assert_str_eq(buf, "/env/t.sock");
	ck_assert_int_eq(tc_socket_path("/opt.sock", buf, sizeof(buf)), TC_OK);
	ck_assert_str_eq(buf, "/opt.sock");		/* -s wins */
	setenv("TODOD_SOCKET", "", 1);			/* empty: unset */
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	ck_assert_int_eq(tc_socket_path(NULL, buf, sizeof(buf)), TC_OK);
	if (geteuid() == 0)
		ck_assert_str_eq(buf, "/run/todod/todod.sock");
	else
		ck_assert_str_eq(buf, "/run/user/1000/todod/todod.sock");
	unsetenv("XDG_RUNTIME_DIR");
	ck_assert_int_eq(tc_socket_path(NULL, buf, sizeof(buf)), TC_OK);
	snprintf(want, sizeof(want), "/tmp/todod-%u/todod.sock",
	    (unsigned)geteuid());
	if (geteuid() != 0)
		ck_assert_str_eq(buf, want);
	setenv("XDG_RUNTIME_DIR", "run/user", 1);	/* relative: unset */
	ck_assert_int_eq(tc_socket_path(NULL, buf, sizeof(buf)), TC_OK);
	if (geteuid() != 0)
		ck_assert_str_eq(buf, want);
	unsetenv("XDG_RUNTIME_DIR");
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	ck_assert_int_eq(tc_socket_path(longp, buf, sizeof(buf)), TC_EPATH);
	ck_assert_int_eq(tc_socket_path("", buf, sizeof(buf)), TC_EPATH);
}
END_TEST

/*
 * A user's default socket in a directory that another user owns, or that
 * others may write into, is refused (anyone could be listening there);
 * one named with -s is the user's choice.  As root, run as uid 65534 in
 * a child, with XDG_RUNTIME_DIR a directory whose todod/ the test makes.
 */
static int
socket_path_as_nobody(const char *xdg, const char *opt)
{
	char buf[PATH_MAX];
	pid_t pid;
	int st;

	if ((pid = fork()) == 0) {
		unsetenv("TODOD_SOCKET");
		setenv("XDG_RUNTIME_DIR", xdg, 1);
		if (setresgid(65534, 65534, 65534) == -1 ||
		    setresuid(65534, 65534, 65534) == -1)
			_exit(99);
		_exit(-tc_socket_path(opt, buf, sizeof(buf)));
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) != 99);
	return -WEXITSTATUS(st);
}

START_TEST(test_socket_dir_unsafe)
{
	static const struct {
		uid_t	owner;
		mode_t	mode;
		int	want;
	} cases[] = {
		{ 65534, 0700, TC_OK },
		{ 0, 0755, TC_OK },
		{ 65534, 01777, TC_EUNSAFE },	/* sticky: anyone's names */
		{ 65533, 0700, TC_EUNSAFE },
		{ 65533, 0755, TC_EUNSAFE },
		{ 65534, 0770, TC_EUNSAFE },
		{ 0, 0777, TC_EUNSAFE },
	};
	static const struct {
		uid_t	owner;
		int	want;
	} links[] = {
		{ 65533, TC_EUNSAFE },
		{ 65534, TC_OK },
		{ 0, TC_OK },
	};
	char base[] = "/tmp/todoclient-test.XXXXXX", sub[64], own[64];
	size_t i;

	if (geteuid() != 0)
		return;		/* needs another user to be */
	ck_assert_ptr_nonnull(mkdtemp(base));
	ck_assert_int_eq(chmod(base, 0711), 0);
	snprintf(sub, sizeof(sub), "%s/todod", base);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(chown(sub, cases[i].owner, 65534), 0);
		ck_assert_int_eq(chmod(sub, cases[i].mode), 0);
		ck_assert_msg(socket_path_as_nobody(base, NULL) == cases[i].want,
		    "owner %u mode %04o", (unsigned)cases[i].owner,
		    (unsigned)cases[i].mode);
		/* Named by the user: taken as it is. */
		ck_assert_int_eq(socket_path_as_nobody(base,
		    "/tmp/elsewhere.sock"), TC_OK);
	}
	ck_assert_int_eq(rmdir(sub), 0);
	/* A link to a directory of the user's: refused when another user
	 * owns the link (who could point it anywhere), taken when the user
	 * or root does. */
	snprintf(own, sizeof(own), "%s/own", base);
	ck_assert_int_eq(mkdir(own, 0700), 0);
	ck_assert_int_eq(chown(own, 65534, 65534), 0);
	ck_assert_int_eq(symlink(own, sub), 0);
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		ck_assert_int_eq(lchown(sub, links[i].owner, 65534), 0);
		ck_assert_msg(socket_path_as_nobody(base, NULL) ==
		    links[i].want, "link of %u", (unsigned)links[i].owner);
	}
	ck_assert_int_eq(unlink(sub), 0);
	ck_assert_int_eq(rmdir(own), 0);
	ck_assert_int_eq(rmdir(base), 0);
}
END_TEST

START_TEST(test_connect_missing)
{
	struct tc_conn *c = tc_new();

	ck_assert_int_eq(tc_connect(c, sock), TC_ESYS);
	ck_assert_ptr_nonnull(strstr(tc_error(c), "No such file"));
	ck_assert_ptr_nonnull(strstr(tc_error(c), sock));
	tc_free(c);
}
END_TEST

/* --- frames ------------------------------------------------------------ */

struct behaviour {
	int		 requests;	/* frames to read (and answer) */
	size_t		 reply_len;	/* bytes of each reply */
	const uint8_t	*raw;		/* or these bytes, once, after one
					   request */
	size_t		 raw_len;
	int		 linger_ms;
};

static void
serve(int fd, void *arg)
{
	struct behaviour *b = arg;
	static uint8_t in[1 << 16];
	uint8_t *reply;
	int i;

	if (b->raw != NULL) {
		h_read_frame(fd, in, sizeof(in));
		if (b->raw_len > 0 && write(fd, b->raw, b->raw_len) == -1)
			return;
		poll(NULL, 0, b->linger_ms);
		return;
	}
	reply = calloc(1, b->reply_len);
	for (i = 0; i < b->requests; i++) {
		if (h_read_frame(fd, in, sizeof(in)) < 0)
			break;
		memcpy(reply, &i, sizeof(i));
		if (h_write_frame(fd, reply, b->reply_len) == -1)
			break;
	}
	free(reply);
	poll(NULL, 0, b->linger_ms);
}

/*
 * 2,000 requests of 1 KiB queued at once, each answered with 64 KiB by a
 * server that writes with blocking writes and reads its next request only
 * after its reply went out: a client that wrote everything before reading
 * would deadlock.
 */
START_TEST(test_pipeline_no_deadlock)
{
	struct behaviour b = { 2000, 65536, NULL, 0, 0 };
	struct tc_conn *c;
	const uint8_t *p;
	uint8_t req[1024];
	size_t len;
	pid_t pid;
	int i, k;

	pid = h_fake_server(sock, serve, &b);
	c = connected(20000);
	memset(req, 'r', sizeof(req));
	for (i = 0; i < b.requests; i++)
		ck_assert_int_eq(tc_queue(c, req, sizeof(req)), TC_OK);
	ck_assert_msg(tc_flush(c) == TC_OK, "%s", tc_error(c));
	ck_assert_uint_eq(tc_pending(c), 0);
	for (i = 0; i < b.requests; i++) {
		ck_assert_msg(tc_read_frame(c, &p, &len) == TC_OK, "%s",
		    tc_error(c));
		ck_assert_uint_eq(len, 65536);
		memcpy(&k, p, sizeof(k));
		ck_assert_int_eq(k, i);		/* in order */
	}
	tc_free(c);
	ck_assert_int_eq(h_wait(pid, 10000), 0);
}
END_TEST

/* The same through tc_io and tc_next_frame, as an event loop uses them. */
START_TEST(test_event_loop)
{
	struct behaviour b = { 500, 4096, NULL, 0, 0 };
	struct tc_conn *c;
	struct pollfd pfd;
	const uint8_t *p;
	uint8_t req[512];
	size_t len;
	int i, got = 0, rv, k;
	pid_t pid;

	pid = h_fake_server(sock, serve, &b);
	c = connected(20000);
	memset(req, 'r', sizeof(req));
	for (i = 0; i < b.requests; i++)
		ck_assert_int_eq(tc_queue(c, req, sizeof(req)), TC_OK);
	while (got < b.requests) {
		pfd.fd = tc_fd(c);
		pfd.events = POLLIN | (tc_pending(c) > 0 ? POLLOUT : 0);
		ck_assert_int_eq(poll(&pfd, 1, 10000), 1);
		ck_assert_int_eq(tc_io(c), TC_OK);
		while ((rv = tc_next_frame(c, &p, &len)) == 1) {
			memcpy(&k, p, sizeof(k));
			ck_assert_int_eq(k, got);
			got++;
		}
		ck_assert_int_eq(rv, 0);
	}
	tc_free(c);
	ck_assert_int_eq(h_wait(pid, 10000), 0);
}
END_TEST

static const struct {
	const char	*name;
	const uint8_t	*raw;
	size_t		 raw_len;
	int		 status;
	const char	*msg;
} bad_vec[] = {
	{ "empty frame", (const uint8_t *)"\0\0\0\0", 4, TC_EFRAME, "0 bytes" },
	{ "oversize", (const uint8_t *)"\x20\0\0\x01", 4, TC_EFRAME,
	  "536870913 bytes" },
	{ "eof in header", (const uint8_t *)"\0\0", 2, TC_EEOF, "middle" },
	{ "eof in payload", (const uint8_t *)"\0\0\0\x10\x83", 5, TC_EEOF,
	  "middle" },
	{ "eof", (const uint8_t *)"", 0, TC_EEOF, "closed" },
	{ "not a term", (const uint8_t *)"\0\0\0\x02\x83\xff", 6, TC_EDECODE,
	  "cannot be decoded" },
	{ "trailing bytes", (const uint8_t *)"\0\0\0\x04\x83\x61\x01\x00", 8,
	  TC_EDECODE, "cannot be decoded" },
};

START_TEST(test_bad_replies)
{
	struct behaviour b = { 0, 0, bad_vec[_i].raw, bad_vec[_i].raw_len, 0 };
	struct etf_arena *a = etf_arena_new();
	const struct etf_term *t;
	struct tc_conn *c;
	struct etf_buf req;
	pid_t pid;

	pid = h_fake_server(sock, serve, &b);
	c = connected(10000);
	etf_buf_init(&req);
	tc_req_atom(&req, "ping");
	ck_assert_int_eq(tc_call(c, &req, a, &t), bad_vec[_i].status);
	ck_assert_msg(strstr(tc_error(c), bad_vec[_i].msg) != NULL,
	    "%s: '%s'", bad_vec[_i].name, tc_error(c));
	etf_buf_free(&req);
	etf_arena_free(a);
	tc_free(c);
	h_wait(pid, 10000);
}
END_TEST

START_TEST(test_timeout)
{
	struct behaviour b = { 0, 0, (const uint8_t *)"", 0, 3000 };
	const uint8_t *p;
	struct tc_conn *c;
	size_t len;
	pid_t pid;

	pid = h_fake_server(sock, serve, &b);
	c = connected(300);
	ck_assert_int_eq(tc_queue(c, "\x83\x6a", 2), TC_OK);
	ck_assert_int_eq(tc_read_frame(c, &p, &len), TC_ETIMEOUT);
	ck_assert_ptr_nonnull(strstr(tc_error(c), "timed out"));
	tc_free(c);
	h_wait(pid, 10000);
}
END_TEST

/* A reply bigger than the limit is refused from its header. */
START_TEST(test_max_reply)
{
	struct behaviour b = { 1, 5000, NULL, 0, 0 };
	const uint8_t *p;
	struct tc_conn *c;
	size_t len;
	pid_t pid;

	pid = h_fake_server(sock, serve, &b);
	c = connected(10000);
	tc_set_max_reply(c, 4999);
	ck_assert_int_eq(tc_queue(c, "x", 1), TC_OK);
	ck_assert_int_eq(tc_read_frame(c, &p, &len), TC_EFRAME);
	tc_free(c);
	h_wait(pid, 10000);
}
END_TEST

/* --- requests and replies -------------------------------------------- */

START_TEST(test_requests)
{
	struct etf_arena *a = etf_arena_new();
	const struct etf_term *t, *m;
	struct todo_date d = { 2018, 12, 19 }, got;
	struct etf_buf b;

	etf_buf_init(&b);
	tc_req_add(&b, d, "Dentist", 7);
	ck_assert_int_eq(etf_decode(a, b.p, b.len, 1 << 20, &t), ETF_OK);
	ck_assert(etf_is_tuple(t, 2));
	ck_assert(etf_is_atom(&t->seq.v[0], "add_entry"));
	m = &t->seq.v[1];
	ck_assert_int_eq(m->type, ETF_MAP);
	ck_assert_uint_eq(m->map.n, 2);
	ck_assert_int_eq(todo_date_from_term(etf_map_get(m, "date"), &got), 0);
	ck_assert_int_eq(got.day, 19);
	ck_assert_uint_eq(etf_map_get(m, "title")->bin.len, 7);

	tc_req_update(&b, 5000000000LL, NULL, "t", 1);
	ck_assert_int_eq(etf_decode(a, b.p, b.len, 1 << 20, &t), ETF_OK);
	ck_assert(etf_is_tuple(t, 3));
	ck_assert(etf_is_atom(&t->seq.v[0], "update_entry"));
	ck_assert(t->seq.v[1].i == 5000000000LL);
	ck_assert_uint_eq(t->seq.v[2].map.n, 1);
	ck_assert_ptr_null(etf_map_get(&t->seq.v[2], "date"));

	tc_req_update(&b, 1, &d, NULL, 0);
	ck_assert_int_eq(etf_decode(a, b.p, b.len, 1 << 20, &t), ETF_OK);
	ck_assert_uint_eq(t->seq.v[2].map.n, 1);
	ck_assert_ptr_nonnull(etf_map_get(&t->seq.v[2], "date"));

	tc_req_entries(&b, NULL);
	ck_assert_int_eq(etf_decode(a, b.p, b.len, 1 << 20, &t), ETF_OK);
	ck_assert(etf_is_atom(t, "entries"));
	tc_req_entries(&b, &d);
	ck_assert_int_eq(etf_decode(a, b.p, b.len, 1 << 20, &t), ETF_OK);
	ck_assert(etf_is_tuple(t, 2));

	tc_req_delete(&b, 7);
	ck_assert_int_eq(etf_decode(a, b.p, b.len, 1 << 20, &t), ETF_OK);
	ck_assert(etf_is_atom(&t->seq.v[0], "delete_entry"));
	ck_assert_int_eq(t->seq.v[1].i, 7);

	tc_req_attach(&b, "bob", 3);
	ck_assert_int_eq(etf_decode(a, b.p, b.len, 1 << 20, &t), ETF_OK);
	ck_assert(etf_is_atom(&t->seq.v[0], "server_process"));
	ck_assert_int_eq(t->seq.v[1].type, ETF_BINARY);
	etf_buf_free(&b);
	etf_arena_free(a);
}
END_TEST

static const struct {
	const char	*reason;
	const char	*message;
} reason_vec[] = {
	{ "bad_name", "list name is not valid" },
	{ "not_found", "no such entry" },
	{ "busy", "the daemon is busy: too many live lists" },
	{ "unavailable", "the list is unavailable" },
	{ "badarg", "malformed" },
	{ "unknown_request", "does not know" },
	{ "not_attached", "not attached" },
	{ "bad_frame", "larger than the daemon's --max-frame" },
	{ "something_new", "answered with an error" },
};

START_TEST(test_reply_classes)
{
	struct etf_arena *a = etf_arena_new();
	struct tc_conn *c = tc_new();
	const struct etf_term *v;
	struct etf_term *t;

	ck_assert_int_eq(tc_reply_value(c, etf_mk_atom(a, "ok"), &v), TC_OK);
	ck_assert_ptr_null(v);
	t = etf_mk_tuple(a, 2);
	t->seq.v[0] = *etf_mk_atom(a, "ok");
	t->seq.v[1] = *etf_mk_int(a, 5);
	ck_assert_int_eq(tc_reply_value(c, t, &v), TC_OK);
	ck_assert_int_eq(v->i, 5);
	t->seq.v[0] = *etf_mk_atom(a, "error");
	t->seq.v[1] = *etf_mk_atom(a, reason_vec[_i].reason);
	ck_assert_int_eq(tc_reply_value(c, t, &v), TC_EREPLY);
	ck_assert_str_eq(tc_reason(c), reason_vec[_i].reason);
	ck_assert_msg(strstr(tc_error(c), reason_vec[_i].message) != NULL,
	    "%s", tc_error(c));
	ck_assert_int_eq(tc_reply_atom(c, t, "pong"), TC_EREPLY);
	ck_assert_int_eq(tc_reply_atom(c, etf_mk_atom(a, "pong"), "pong"),
	    TC_OK);
	ck_assert_int_eq(tc_reply_atom(c, etf_mk_atom(a, "ok"), "pong"),
	    TC_EUNEXPECTED);
	t->seq.v[0] = *etf_mk_atom(a, "what");
	ck_assert_int_eq(tc_reply_value(c, t, &v), TC_EUNEXPECTED);
	ck_assert_int_eq(tc_reply_value(c, etf_mk_int(a, 1), &v),
	    TC_EUNEXPECTED);
	tc_free(c);
	etf_arena_free(a);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("todoclient");
	TCase *tc;

	tc = tcase_create("io");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_socket_path);
	tcase_add_test(tc, test_socket_dir_unsafe);
	tcase_add_test(tc, test_connect_missing);
	tcase_add_test(tc, test_pipeline_no_deadlock);
	tcase_add_test(tc, test_event_loop);
	tcase_add_loop_test(tc, test_bad_replies, 0,
	    sizeof(bad_vec) / sizeof(bad_vec[0]));
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_max_reply);
	suite_add_tcase(s, tc);

	tc = tcase_create("terms");
	tcase_add_test(tc, test_requests);
	tcase_add_loop_test(tc, test_reply_classes, 0,
	    sizeof(reason_vec) / sizeof(reason_vec[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(suite());
}
