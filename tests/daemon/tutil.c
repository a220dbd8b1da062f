/* tutil.c: helpers for the daemon's unit tests (see tutil.h). */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "datadir.h"
#include "tutil.h"

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/*
 * The scratch directories are made in one of the test program's own,
 * made as it starts and removed, whatever it holds, as it exits: a test
 * that fails ends its process (Check's fork mode: _exit()) before its
 * own cleanup.  Mode 0711, so that a test that becomes nobody still
 * reaches its directory (not lists the others).
 */
static struct {
	pid_t	maker;
	char	path[64];
} root;

static void
tu_root_remove(void)
{
	/* Not in a child that exits, forked since (tu_run()). */
	if (root.maker == getpid())
		tu_rmtree(root.path);
}

__attribute__((constructor)) static void
tu_root_make(void)
{
	snprintf(root.path, sizeof(root.path), "/tmp/tu.XXXXXX");
	if (mkdtemp(root.path) == NULL || chmod(root.path, 0711) == -1 ||
	    atexit(tu_root_remove) != 0) {
		perror(root.path);
		abort();
	}
	root.maker = getpid();
}

void
tu_tmpdir(char *buf, size_t size, const char *tag)
{
	snprintf(buf, size, "%s/%s.XXXXXX", root.path, tag);
	if (mkdtemp(buf) == NULL) {
		perror("mkdtemp");
		abort();
	}
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void
tu_replace_dir(const char *dir)
{
	char away[PATH_MAX];

	snprintf(away, sizeof(away), "%s.away", dir);
	ck_assert_int_eq(rename(dir, away), 0);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
}

void
tu_rmtree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
tu_exitcode(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int
tu_waitpid(pid_t pid, int *status, int ms)
{
	long long end = now_ms() + ms;
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r == -1 && errno != EINTR)
			return -1;
		if (now_ms() >= end)
			return -1;
		sleep_ms(5);
	}
}

int
tu_wait_zombie(pid_t pid, int ms)
{
	long long end = now_ms() + ms;
	siginfo_t si;

	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG |
		    WNOWAIT) == 0 && si.si_pid == pid)
			return 0;
		if (now_ms() >= end)
			return -1;
		sleep_ms(5);
	}
}

/* Read both pipes until EOF on both or the deadline. */
static void
collect(int ofd, int efd, struct tu_result *r, long long end)
{
	struct pollfd pfd[2];
	size_t olen = 0, elen = 0;
	char *buf;
	size_t *len;
	ssize_t n;
	int i, open = 2;

	pfd[0].fd = ofd;
	pfd[1].fd = efd;
	pfd[0].events = pfd[1].events = POLLIN;
	while (open > 0 && now_ms() < end) {
		if (poll(pfd, 2, 50) <= 0)
			continue;
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			buf = i == 0 ? r->out : r->err;
			len = i == 0 ? &olen : &elen;
			n = read(pfd[i].fd, buf + *len, TU_OUTMAX - 1 - *len);
			if (n > 0)
				*len += (size_t)n;
			if (n <= 0 || *len == TU_OUTMAX - 1) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open--;
			}
		}
	}
	r->out[olen] = '\0';
	r->err[elen] = '\0';
	for (i = 0; i < 2; i++)
		if (pfd[i].fd != -1)
			close(pfd[i].fd);
}

void
tu_run(void (*fn)(void *), void *arg, struct tu_result *r)
{
	int op[2], ep[2];
	long long end = now_ms() + TU_DEADLINE_MS;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (pipe(op) == -1 || pipe(ep) == -1)
		abort();
	fflush(NULL);
	if ((pid = fork()) == -1)
		abort();
	if (pid == 0) {
		dup2(op[1], 1);
		dup2(ep[1], 2);
		close(op[0]);
		close(op[1]);
		close(ep[0]);
		close(ep[1]);
		fn(arg);
		fflush(NULL);
		exit(0);
	}
	close(op[1]);
	close(ep[1]);
	collect(op[0], ep[0], r, end);
	if (tu_waitpid(pid, &r->status, (int)(end - now_ms() > 0 ?
	    end - now_ms() : 0) + 1000) == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, &r->status, 0);
	}
}

int
tu_wait_path(const char *path, int ms)
{
	long long end = now_ms() + ms;

	while (access(path, F_OK) == -1) {
		if (now_ms() >= end)
			return -1;
		sleep_ms(5);
	}
	return 0;
}

int
tu_become_nobody(void)
{
	gid_t g = 65534;

	if (geteuid() != 0)
		return 0;
	if (setgroups(1, &g) == -1 || setresgid(g, g, g) == -1 ||
	    setresuid(65534, 65534, 65534) == -1)
		return -1;
	return 0;
}

ssize_t
tu_read_file(const char *path, char *buf, size_t size)
{
	ssize_t n, len = 0;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return -1;
	while ((size_t)len < size - 1 &&
	    (n = read(fd, buf + len, size - 1 - (size_t)len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return len;
}


int
dd_lock(struct datadir *dd, const char *path, pid_t *holder, char *err,
    size_t errsize)
{
	return datadir_lock(dd, path, (uid_t)-1, holder, err, errsize);
}
