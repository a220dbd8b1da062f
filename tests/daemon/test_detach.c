/*
 * test_detach.c: the original process returns only once the daemon is
 * ready (exit 0), or exits 1 when the daemon fails first, with the
 * daemon's error on its stderr.  The daemon runs in a new session, in
 * "/", with stdio on /dev/null once ready.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detach.h"
#include "tutil.h"

enum how { READY, FAIL, KILLED, FAIL_WITH_CHILD,
	READY_ALONE };

static char	tmp[64];

static void
setup(void)
{
	tu_tmpdir(tmp, sizeof(tmp), "tddet");
}

static void
teardown(void)
{
	tu_rmtree(tmp);
}

static void
touch(const char *name, const char *text)
{
	char path[128], tpath[140];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	snprintf(tpath, sizeof(tpath), "%s.tmp", path);
	if ((f = fopen(tpath, "w")) == NULL)
		_exit(90);
	fputs(text, f);
	fclose(f);
	rename(tpath, path);
}

static int
wait_file(const char *name, int ms)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	return tu_wait_path(path, ms);
}

static int
is_devnull(int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat("/dev/null", &b) == 0 &&
	    S_ISCHR(a.st_mode) && a.st_rdev == b.st_rdev;
}

/* The daemon side, after detach_start() returned in it. */
static void
daemon_side(enum how how)
{
	char buf[512], cwd[256], err[256];

	snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	touch("started", buf);
	if (wait_file("go", 10000) == -1)
		_exit(91);
	switch (how) {
	case READY:
		if (detach_ready(err, sizeof(err)) == -1)
			_exit(92);
		snprintf(buf, sizeof(buf), "session=%d cwd=%s null=%d%d%d "
		    "fd=%d\n", getsid(0) == getpid(),
		    getcwd(cwd, sizeof(cwd)) == NULL ? "?" : cwd,
		    is_devnull(0), is_devnull(1), is_devnull(2), detach_fd());
		touch("done", buf);
		_exit(0);
	case FAIL:
		fprintf(stderr, "todod: cannot bind /x.sock: boom\n");
		_exit(1);
	case KILLED:
		pause();
		_exit(93);
	case FAIL_WITH_CHILD:
		if (fork() == 0) {	/* keeps the readiness pipe */
			wait_file("go2", 10000);
			_exit(0);
		}
		_exit(1);
	case READY_ALONE:	/* the original process is gone */
		signal(SIGPIPE, SIG_IGN);	/* as the supervisor has it */
		snprintf(buf, sizeof(buf), "%d\n", detach_ready(err,
		    sizeof(err)));
		touch("done", buf);
		_exit(0);
	}
}

/* Fork the original process; its stderr comes back through *errfd. */
static pid_t
start(enum how how, int *errfd)
{
	char err[256];
	int ep[2];
	pid_t pid;

	ck_assert_int_eq(pipe(ep), 0);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		dup2(ep[1], 2);
		close(ep[0]);
		close(ep[1]);
		if (detach_start(err, sizeof(err)) == -1)
			_exit(94);
		daemon_side(how);
	}
	close(ep[1]);
	*errfd = ep[0];
	return pid;
}

static void
read_err(int fd, char *buf, size_t size)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	size_t len = 0;
	ssize_t n;

	while (len < size - 1 && poll(&pfd, 1, 2000) == 1) {
		if ((n = read(fd, buf + len, size - 1 - len)) <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
}

/* What the daemon side wrote to "done", into buf, once it is there. */
static void
read_done(char *buf, size_t size)
{
	char path[128];

	ck_assert_int_eq(wait_file("done", 10000), 0);
	snprintf(path, sizeof(path), "%s/done", tmp);
	tu_read_file(path, buf, size);
}

START_TEST(ready)
{
	char buf[512];
	pid_t pid;
	int status, errfd;

	pid = start(READY, &errfd);
	ck_assert_int_eq(wait_file("started", 10000), 0);
	/* Not ready yet: the original process keeps waiting. */
	ck_assert_int_eq(tu_waitpid(pid, &status, 300), -1);
	touch("go", "");
	ck_assert_int_eq(tu_waitpid(pid, &status, 10000), 0);
	ck_assert_int_eq(tu_exitcode(status), 0);
	read_done(buf, sizeof(buf));
	ck_assert_str_eq(buf, "session=1 cwd=/ null=111 fd=-1\n");
	read_err(errfd, buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(fails)
{
	char buf[512];
	pid_t pid;
	int status, errfd;

	pid = start(FAIL, &errfd);
	ck_assert_int_eq(wait_file("started", 10000), 0);
	touch("go", "");
	ck_assert_int_eq(tu_waitpid(pid, &status, 10000), 0);
	ck_assert_int_eq(tu_exitcode(status), 1);
	read_err(errfd, buf, sizeof(buf));
	ck_assert_str_eq(buf, "todod: cannot bind /x.sock: boom\n");
}
END_TEST

START_TEST(killed)
{
	char buf[512], want[128];
	pid_t pid, dpid;
	int status, errfd;

	pid = start(KILLED, &errfd);
	ck_assert_int_eq(wait_file("started", 10000), 0);
	snprintf(buf, sizeof(buf), "%s/started", tmp);
	tu_read_file(buf, buf, sizeof(buf));
	dpid = (pid_t)atol(buf);
	ck_assert_int_gt(dpid, 0);
	ck_assert_int_eq(kill(dpid, SIGKILL), 0);
	ck_assert_int_eq(tu_waitpid(pid, &status, 10000), 0);
	ck_assert_int_eq(tu_exitcode(status), 1);
	read_err(errfd, buf, sizeof(buf));
	snprintf(want, sizeof(want), "todod: daemon process %ld was killed by "
	    "signal 9 while starting\n", (long)dpid);
	ck_assert_str_eq(buf, want);
}
END_TEST

/* A process forked by the daemon still holds the pipe: no hang. */
START_TEST(fails_with_child)
{
	pid_t pid;
	int status, errfd;

	pid = start(FAIL_WITH_CHILD, &errfd);
	ck_assert_int_eq(wait_file("started", 10000), 0);
	touch("go", "");
	ck_assert_int_eq(tu_waitpid(pid, &status, 5000), 0);
	ck_assert_int_eq(tu_exitcode(status), 1);
	touch("go2", "");
	close(errfd);
}
END_TEST

/* The original process killed while it waits (a Ctrl-C, a timeout):
 * detach_ready() says no one waits (1), and the daemon runs on. */
START_TEST(waiter_gone)
{
	char buf[512];
	pid_t pid;
	int status, errfd;

	pid = start(READY_ALONE, &errfd);
	ck_assert_int_eq(wait_file("started", 10000), 0);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(tu_waitpid(pid, &status, 10000), 0);
	close(errfd);
	touch("go", "");
	read_done(buf, sizeof(buf));
	ck_assert_str_eq(buf, "1\n");
}
END_TEST

/* Without detach_start(), detach_ready() does nothing. */
START_TEST(ready_without_start)
{
	struct stat before, after;
	char err[64];

	ck_assert_int_eq(fstat(2, &before), 0);
	ck_assert_int_eq(detach_fd(), -1);
	ck_assert_int_eq(detach_ready(err, sizeof(err)), 0);
	ck_assert_int_eq(fstat(2, &after), 0);	/* stderr untouched */
	ck_assert(before.st_dev == after.st_dev &&
	    before.st_ino == after.st_ino);
}
END_TEST

static Suite *
detach_suite(void)
{
	Suite *s = suite_create("detach");
	TCase *tc = tcase_create("detach");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, ready);
	tcase_add_test(tc, fails);
	tcase_add_test(tc, killed);
	tcase_add_test(tc, fails_with_child);
	tcase_add_test(tc, waiter_gone);
	tcase_add_test(tc, ready_without_start);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(detach_suite());
}
