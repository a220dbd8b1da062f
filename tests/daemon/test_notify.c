/*
 * test_notify.c: readiness messages arrive as datagrams on the socket
 * named by $NOTIFY_SOCKET (a path or an abstract '@' name); nothing
 * happens without it; a bad address is an error; a full queue drops a
 * message rather than wait.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify.h"
#include "tutil.h"

static char	tmp[64];

static void
setup(void)
{
	tu_tmpdir(tmp, sizeof(tmp), "tdntf");
}

static void
teardown(void)
{
	tu_rmtree(tmp);
}

/* A datagram socket bound to addr (path, or '@' for abstract). */
static int
bind_dgram(const char *addr)
{
	struct sockaddr_un sun;
	socklen_t len;
	int fd;

	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, addr, strlen(addr));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(addr) + (addr[0] == '@' ? 0 : 1));
	if (addr[0] == '@')
		sun.sun_path[0] = '\0';
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, len), 0);
	return fd;
}

static void
expect_msg(int fd, const char *want)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	char buf[1024];
	ssize_t n;

	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_str_eq(buf, want);
}

START_TEST(path_socket)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/notify", tmp);
	fd = bind_dgram(path);
	setenv("NOTIFY_SOCKET", path, 1);
	ck_assert_int_eq(notify_ready(), 1);
	expect_msg(fd, "READY=1");
	ck_assert_int_eq(notify_status("serving %d lists\nX=1", 3), 1);
	expect_msg(fd, "STATUS=serving 3 lists X=1");
	ck_assert_int_eq(notify_stopping(), 1);
	expect_msg(fd, "STOPPING=1");
	close(fd);
}
END_TEST

START_TEST(abstract_socket)
{
	char name[64];
	int fd;

	snprintf(name, sizeof(name), "@todod-test-%ld", (long)getpid());
	fd = bind_dgram(name);
	setenv("NOTIFY_SOCKET", name, 1);
	ck_assert_int_eq(notify_ready(), 1);
	expect_msg(fd, "READY=1");
	close(fd);
}
END_TEST

/* A receiver that reads nothing: once its queue is full, a message is
 * dropped (EAGAIN) and the sender does not wait; extend's format. */
START_TEST(full_queue_no_wait)
{
	char name[64];
	int fd, i, r = 1;

	snprintf(name, sizeof(name), "@todod-test-full-%ld", (long)getpid());
	fd = bind_dgram(name);
	setenv("NOTIFY_SOCKET", name, 1);
	ck_assert_int_eq(notify_extend_timeout(20000000), 1);
	expect_msg(fd, "EXTEND_TIMEOUT_USEC=20000000");
	/* The kernel queues a few datagrams (net.unix.max_dgram_qlen). */
	for (i = 0; i < 100000 && r == 1; i++)
		r = notify_extend_timeout(1);
	ck_assert_int_eq(r, -1);
	ck_assert_int_eq(errno, EAGAIN);
	close(fd);
}
END_TEST

START_TEST(unset_is_noop)
{
	unsetenv("NOTIFY_SOCKET");
	ck_assert_int_eq(notify_ready(), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	ck_assert_int_eq(notify_stopping(), 0);
}
END_TEST

START_TEST(bad_addresses)
{
	char path[128];

	setenv("NOTIFY_SOCKET", "relative/path", 1);
	ck_assert_int_eq(notify_ready(), -1);
	ck_assert_int_eq(errno, EAFNOSUPPORT);
	setenv("NOTIFY_SOCKET", "@", 1);
	ck_assert_int_eq(notify_ready(), -1);
	snprintf(path, sizeof(path), "%s/nobody-here", tmp);
	setenv("NOTIFY_SOCKET", path, 1);
	ck_assert_int_eq(notify_ready(), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

static Suite *
notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("notify");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, path_socket);
	tcase_add_test(tc, abstract_socket);
	tcase_add_test(tc, full_queue_no_wait);
	tcase_add_test(tc, unset_is_noop);
	tcase_add_test(tc, bad_addresses);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(notify_suite());
}
