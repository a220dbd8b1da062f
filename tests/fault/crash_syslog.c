/*
 * crash_syslog.c: what a detached todod logs reaches syslog(3).  Until it
 * is ready, its messages go to the command that started it; from then on
 * to syslog, where its "ready" line must be too (an administrator reading
 * the log would not know when or where it started), and, at a stop, the
 * lines that say so.
 *
 * syslog(3) writes to /dev/log: the test runs todod in a mount namespace
 * of its own whose /dev is a tmpfs holding the devices todod opens and a
 * datagram socket at /dev/log that the test reads.  It needs root (and a
 * kernel that lets it make the namespace); without, it says so and
 * passes.
 */
#include "config.h"

#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crash_util.h"

enum { SL_OK, SL_SKIP, SL_SETUP, SL_START, SL_NO_READY, SL_NO_EXIT,
	SL_LOCKED };

/* In a new mount namespace, /dev becomes dir (a tmpfs) with the devices
 * todod opens and a datagram socket at log.  The socket, or -1. */
static int
fake_dev_log(const char *dir)
{
	static const char *const devs[] = { "null", "zero", "random",
	    "urandom" };
	struct sockaddr_un sun;
	char path[256], src[64];
	size_t i;
	int fd;

	if (mount("tmpfs", dir, "tmpfs", 0, "mode=0755") == -1)
		return -1;
	for (i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, devs[i]);
		snprintf(src, sizeof(src), "/dev/%s", devs[i]);
		if ((fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0666)) ==
		    -1)
			return -1;
		close(fd);
		if (mount(src, path, NULL, MS_BIND, NULL) == -1)
			return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/log",
	    dir) >= sizeof(sun.sun_path) || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(sun.sun_path, 0666) == -1 ||
	    mount(dir, "/dev", NULL, MS_BIND, NULL) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read log lines until one holds want or the deadline passes; every line
 * read is appended to log (for the failure's message). */
static bool
log_until(int fd, const char *want, int64_t end, char *log, size_t logsz)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char line[1024];
	ssize_t n;
	size_t len;

	for (;;) {
		int64_t left = end - h_now_ms();

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return false;
		if ((n = recv(fd, line, sizeof(line) - 1, 0)) <= 0)
			return false;
		line[n] = '\0';
		len = strlen(log);
		snprintf(log + len, logsz - len, "%s\n", line);
		if (strstr(line, want) != NULL)
			return true;
	}
}

/* The child: namespace, fake /dev/log, a detached todod started and
 * stopped.  Its exit code is an SL_ value; what it saw goes to out. */
static int
syslog_child(const char *dir, int out)
{
	char dev[128], data[128], sock[128], pidf[128], want[512];
	char log[8192] = "", said[4096];
	int64_t ms;
	pid_t pid;
	int fd, st, rc = SL_OK;
	FILE *f;

	snprintf(dev, sizeof(dev), "%s/dev", dir);
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(sock, sizeof(sock), "%s/s.sock", dir);
	snprintf(pidf, sizeof(pidf), "%s/todod.pid", dir);
	if (unshare(CLONE_NEWNS) == -1) {
		dprintf(out, "unshare(CLONE_NEWNS): %s", strerror(errno));
		return SL_SKIP;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1 ||
	    mkdir(dev, 0755) == -1 || (fd = fake_dev_log(dev)) == -1) {
		dprintf(out, "a fake /dev/log: %s", strerror(errno));
		return SL_SETUP;
	}
	st = cu_run_todod(h_ms(10000), said, sizeof(said), &ms, "-s", sock,
	    "-d", data, "-p", pidf, NULL);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		dprintf(out, "the start failed (%#x): %s", st, said);
		return SL_START;
	}
	snprintf(want, sizeof(want), "supervisor: ready: %s, data in %s",
	    sock, data);
	if (!log_until(fd, want, h_now_ms() + h_ms(10000), log, sizeof(log)))
		rc = SL_NO_READY;
	pid = 0;
	if ((f = fopen(pidf, "r")) != NULL) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	if (pid <= 0 || kill(pid, SIGTERM) == -1) {
		dprintf(out, "no pid to stop in %s", pidf);
		return SL_START;
	}
	if (rc == SL_OK && !log_until(fd, "supervisor: exiting with status 0",
	    h_now_ms() + h_ms(10000), log, sizeof(log)))
		rc = SL_NO_EXIT;
	if (!cu_wait_unlocked(data, h_ms(10000))) {
		kill(pid, SIGKILL);
		rc = rc == SL_OK ? SL_LOCKED : rc;
	}
	dprintf(out, "syslog got:\n%s", log);
	return rc;
}

START_TEST(detached_logs_to_syslog)
{
	char	 dir[] = "/tmp/todod-syslog.XXXXXX", said[8192];
	int	 p[2], st = 0;
	ssize_t	 n;
	size_t	 len = 0;
	pid_t	 pid;

	if (geteuid() != 0) {
		printf("detached_logs_to_syslog: needs root: not run\n");
		return;
	}
	H_ASSERT(mkdtemp(dir) != NULL, "mkdtemp");
	H_ASSERT(pipe(p) == 0, "pipe");
	if ((pid = fork()) == 0) {
		close(p[0]);
		_exit(syslog_child(dir, p[1]));
	}
	close(p[1]);
	while (len < sizeof(said) - 1 && (n = read(p[0], said + len,
	    sizeof(said) - 1 - len)) > 0)
		len += (size_t)n;
	said[len] = '\0';
	close(p[0]);
	H_ASSERT(waitpid(pid, &st, 0) == pid && WIFEXITED(st), "the test's "
	    "child: wait status %#x", st);
	h_rmtree(dir);
	if (WEXITSTATUS(st) == SL_SKIP) {
		printf("detached_logs_to_syslog: %s: not run\n", said);
		return;
	}
	H_ASSERT(WEXITSTATUS(st) != SL_NO_READY, "the ready line is not in "
	    "syslog: %s", said);
	H_ASSERT(WEXITSTATUS(st) != SL_NO_EXIT, "the stop is not in syslog: "
	    "%s", said);
	H_ASSERT(WEXITSTATUS(st) == SL_OK, "status %d: %s", WEXITSTATUS(st),
	    said);
}
END_TEST

void
crash_syslog_add(Suite *s)
{
	TCase	*tc;

	tc = tcase_create("syslog");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, detached_logs_to_syslog);
	suite_add_tcase(s, tc);
}
