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
#include "fclient.h"

enum { SL_OK, SL_SKIP, SL_SETUP, SL_START, SL_NO_READY, SL_NO_EXIT,
	SL_LOCKED, SL_NO_WARN, SL_NO_LOST, SL_TWICE };


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

/* In the child: a mount namespace of its own, with a fake /dev/log under
 * dir, whose socket goes to *fd.  An SL_ value; what failed goes to
 * out. */
static int
syslog_ns(const char *dir, int out, int *fd)
{
	char dev[128];

	snprintf(dev, sizeof(dev), "%s/dev", dir);
	if (unshare(CLONE_NEWNS) == -1) {
		dprintf(out, "unshare(CLONE_NEWNS): %s", strerror(errno));
		return SL_SKIP;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1 ||
	    mkdir(dev, 0755) == -1 || (*fd = fake_dev_log(dev)) == -1) {
		dprintf(out, "a fake /dev/log: %s", strerror(errno));
		return SL_SETUP;
	}
	return SL_OK;
}

/* The pid in the pidfile at path, or 0. */
static pid_t
pidfile_pid(const char *path)
{
	pid_t pid = 0;
	FILE *f;

	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return pid;
}

/* The child: namespace, fake /dev/log, a detached todod started and
 * stopped.  Its exit code is an SL_ value; what it saw goes to out. */
static int
syslog_child(const char *dir, int out)
{
	char data[128], sock[128], pidf[128], want[512];
	char log[8192] = "", said[4096];
	int64_t ms;
	pid_t pid;
	int fd, st, rc;

	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(sock, sizeof(sock), "%s/s.sock", dir);
	snprintf(pidf, sizeof(pidf), "%s/todod.pid", dir);
	if ((rc = syslog_ns(dir, out, &fd)) != SL_OK)
		return rc;
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
	if ((pid = pidfile_pid(pidf)) <= 0 || kill(pid, SIGTERM) == -1) {
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

#ifdef TODOD_FAULTS	/* the start held back by a test-only delay */
/* How many times log holds text. */
static int
count_in(const char *log, const char *text)
{
	const char *p;
	int n = 0;

	for (p = log; (p = strstr(p, text)) != NULL; p++)
		n++;
	return n;
}

/* The first of pid's children whose command name starts with comm, or
 * 0. */
static pid_t
child_named(pid_t pid, const char *comm)
{
	struct pidset *ps;
	char path[64], name[32];
	pid_t found = 0;
	size_t i;
	FILE *f;

	if ((ps = calloc(1, sizeof(*ps))) == NULL ||
	    proc_children(pid, ps) == -1) {
		free(ps);
		return 0;
	}
	for (i = 0; i < ps->n && found == 0; i++) {
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)ps->pid[i]);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(name, sizeof(name), f) != NULL &&
		    strncmp(name, comm, strlen(comm)) == 0)
			found = ps->pid[i];
		fclose(f);
	}
	free(ps);
	return found;
}

/* {server_process, name} on sock: true if answered {ok, Pid}. */
static bool
attach(const char *sock, const char *name, char *err, size_t errsz)
{
	const struct etf_term *t;
	struct fc c;
	int64_t pid;
	bool ok;

	fc_init(&c);
	ok = fc_open(&c, sock, h_ms(5000)) == 0;
	if (ok) {
		fc_q_attach(&c, name);
		ok = fc_call(&c, h_ms(10000), &t) == FC_REPLY &&
		    fc_ok_int(t, &pid);
	}
	snprintf(err, errsz, "%s", c.err);
	fc_free(&c);
	return ok;
}

/*
 * The original process (the command that started todod) killed while
 * the daemon starts, as a timeout or a Ctrl-C of a boot script would,
 * and a worker with it: the daemon starts the worker again, runs on and
 * serves, and says in syslog that the command was gone.  Its report of
 * the lost worker, which it could not write to the command's stderr
 * with no one to read it, is in syslog too.  Its children
 * forked before it was ready also wrote their warnings to that command
 * (earlylog.h); one that warns later (a list server that finds a list
 * file it cannot read) finds the pipe closed, and its warning is in
 * syslog all the same.  The workers' start is held back by a test-only
 * hold until both kills are done, so that they come before the daemon
 * is ready.
 */
static int
waiter_gone_child(const char *dir, int out)
{
	char data[128], sock[128], pidf[128], junk[160], hold[160], err[256];
	char log[8192] = "";
	struct fc_stats st;
	pid_t orig, pid = 0, worker = 0;
	int fd, ep[2], rc, i;

	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(sock, sizeof(sock), "%s/s.sock", dir);
	snprintf(pidf, sizeof(pidf), "%s/todod.pid", dir);
	snprintf(junk, sizeof(junk), "%s/junk", data);
	snprintf(hold, sizeof(hold), "%s/hold", dir);
	if ((rc = syslog_ns(dir, out, &fd)) != SL_OK)
		return rc;
	if (pipe2(ep, O_CLOEXEC) == -1 || mkdir(data, 0700) == -1 ||
	    cu_write_file(junk, "not a list", 10) == -1 ||
	    cu_write_file(hold, "", 0) == -1)
		return SL_SETUP;
	if ((orig = fork()) == 0) {
		dup2(ep[1], STDOUT_FILENO);
		dup2(ep[1], STDERR_FILENO);
		setenv("TODOD_FAULT_WORKER_HOLD_FILE", hold, 1);
		execl(getenv("TODOD"), "todod", "-s", sock, "-d", data, "-p",
		    pidf, (char *)NULL);
		_exit(127);
	}
	close(ep[1]);
	/* The pidfile is written before any child is forked. */
	for (i = 0; i < 1000 && (pid = pidfile_pid(pidf)) <= 0; i++)
		h_pause_ms(10);
	kill(orig, SIGKILL);
	waitpid(orig, NULL, 0);
	close(ep[0]);		/* no one reads the daemon's stderr now */
	if (pid <= 0) {
		dprintf(out, "no pidfile %s", pidf);
		return SL_START;
	}
	for (i = 0; i < 500 && (worker = child_named(pid, "todod-worker")) ==
	    0; i++)
		h_pause_ms(10);
	if (worker == 0 || kill(worker, SIGKILL) == -1) {
		dprintf(out, "no worker of pid %d to kill", (int)pid);
		kill(pid, SIGKILL);
		return SL_START;
	}
	(void)unlink(hold);	/* the workers may start */
	rc = SL_OK;
	if (!log_until(fd, "supervisor: the command that started todod was "
	    "gone before it was ready; running on", h_now_ms() + h_ms(10000),
	    log, sizeof(log)))
		rc = SL_NO_READY;
	else if (strstr(log, "supervisor: lost child: worker[") == NULL)
		rc = SL_NO_LOST;
	else if (count_in(log, "supervisor: ready: ") != 1)
		rc = SL_TWICE;
	else if (!attach(sock, "junk", err, sizeof(err))) {
		dprintf(out, "attach: %s\n", err);
		rc = SL_START;
	} else if (!log_until(fd, "not a list file", h_now_ms() +
	    h_ms(10000), log, sizeof(log)))
		rc = SL_NO_WARN;
	else if (fc_stats(sock, &st, err, sizeof(err)) == -1 ||
	    st.restarts != 1) {
		dprintf(out, "stats: %s, restarts %lld\n", err,
		    (long long)st.restarts);
		rc = SL_START;
	}
	kill(pid, SIGTERM);
	if (rc == SL_OK && !log_until(fd, "supervisor: exiting with status 0",
	    h_now_ms() + h_ms(10000), log, sizeof(log)))
		rc = SL_NO_EXIT;
	if (!cu_wait_unlocked(data, h_ms(10000))) {
		kill(pid, SIGKILL);
		rc = rc == SL_OK ? SL_LOCKED : rc;
	}
	if (rc == SL_OK && access(pidf, F_OK) == 0) {
		dprintf(out, "the pidfile is left behind\n");
		rc = SL_START;
	}
	dprintf(out, "syslog got:\n%s", log);
	return rc;
}

#endif /* TODOD_FAULTS */

/* Run child(dir, fd) in a child process with a new temporary directory;
 * what it said, into said.  Its exit code (an SL_ value); SL_SKIP, said
 * on stdout with the test's name, if it cannot run here (it needs root,
 * for a mount namespace). */
static int
ns_run(const char *test, int (*child)(const char *, int), char *said,
    size_t saidsz)
{
	char	 dir[] = "/tmp/todod-syslog.XXXXXX";
	int	 p[2], st = 0;
	ssize_t	 n;
	size_t	 len = 0;
	pid_t	 pid;

	if (geteuid() != 0) {
		printf("%s: needs root: not run\n", test);
		return SL_SKIP;
	}
	H_ASSERT(mkdtemp(dir) != NULL, "mkdtemp");
	H_ASSERT(pipe(p) == 0, "pipe");
	if ((pid = fork()) == 0) {
		close(p[0]);
		_exit(child(dir, p[1]));
	}
	close(p[1]);
	while (len < saidsz - 1 && (n = read(p[0], said + len,
	    saidsz - 1 - len)) > 0)
		len += (size_t)n;
	said[len] = '\0';
	close(p[0]);
	H_ASSERT(waitpid(pid, &st, 0) == pid && WIFEXITED(st), "the test's "
	    "child: wait status %#x", st);
	h_rmtree(dir);
	if (WEXITSTATUS(st) == SL_SKIP)
		printf("%s: %s: not run\n", test, said);
	return WEXITSTATUS(st);
}

START_TEST(detached_logs_to_syslog)
{
	char	 said[8192];
	int	 st;

	if ((st = ns_run("detached_logs_to_syslog", syslog_child, said,
	    sizeof(said))) == SL_SKIP)
		return;
	H_ASSERT(st != SL_NO_READY, "the ready line is not in syslog: %s",
	    said);
	H_ASSERT(st != SL_NO_EXIT, "the stop is not in syslog: %s", said);
	H_ASSERT(st == SL_OK, "status %d: %s", st, said);
}
END_TEST

#ifdef TODOD_FAULTS
START_TEST(detached_waiter_gone)
{
	char	 said[8192];
	int	 st;

	if ((st = ns_run("detached_waiter_gone", waiter_gone_child, said,
	    sizeof(said))) == SL_SKIP)
		return;
	H_ASSERT(st != SL_NO_WARN, "a list server's warning is not in "
	    "syslog: %s", said);
	H_ASSERT(st != SL_TWICE, "the ready line is not in syslog once: %s",
	    said);
	H_ASSERT(st != SL_NO_LOST, "the supervisor's report of the worker "
	    "it lost, with no one to read its stderr, is not in syslog: %s",
	    said);
	H_ASSERT(st != SL_NO_READY, "the daemon did not say in syslog that "
	    "it runs on without the command that started it: %s", said);
	H_ASSERT(st != SL_NO_EXIT, "the stop is not in syslog: %s", said);
	H_ASSERT(st == SL_OK, "status %d: %s", st, said);
}
END_TEST
#endif /* TODOD_FAULTS */

void
crash_syslog_add(Suite *s)
{
	TCase	*tc;

	tc = tcase_create("syslog");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, detached_logs_to_syslog);
#ifdef TODOD_FAULTS
	tcase_add_test(tc, detached_waiter_gone);
#endif
	suite_add_tcase(s, tc);
}
