/*
 * test_access.c: who can reach what.
 *
 * - Another user (nobody) cannot connect to the socket (mode 0660), cannot
 *   look into the daemon's descriptors, and finds no internal endpoint to
 *   connect to: every socket of every process of the tree is either the
 *   public listening socket or an unnamed one (socketpairs, connections).
 * - Started as root with -u nobody, every process of the tree runs as
 *   nobody, the data directory and the socket it made belong to nobody,
 *   and the daemon still serves, stops in order and removes its socket.
 *   No process of it holds root's pidfile open; at exit, the pidfile that
 *   nobody may not remove is left naming the exited pid, and the next
 *   start replaces it.  A data directory that another user could put
 *   files in is refused at start.
 * - Started so with -f on a terminal, no process of the tree but the
 *   supervisor holds it, to write on, and none can push input into it;
 *   the children's messages reach it through the supervisor.
 * - Started by a user other than root with no path (as the per-user
 *   systemd unit starts it), it serves on the user's default paths, where
 *   that user's todoctl finds it.
 * - The page of counters the processes share is writable by its writers
 *   only, and not mapped by list servers at all.
 *
 * Needs root (to become nobody); skips otherwise.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static uid_t	nobody_uid;
static gid_t	nobody_gid;

/* Run fn(arg) in a child that became nobody; its exit status. */
static int
as_nobody(int (*fn)(const void *), const void *arg)
{
	pid_t pid;
	int status;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if (setgroups(0, NULL) == -1 || setgid(nobody_gid) == -1 ||
		    setuid(nobody_uid) == -1)
			_exit(90);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int
try_connect(const void *arg)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", (const char *)arg);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return 2;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return 0;
	return errno == EACCES ? 1 : 3;
}

/* 0 if some descriptor of pid can be opened or listed, 1 if not. */
static int
try_fds(const void *arg)
{
	char path[64];
	DIR *d;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/fd", *(const int *)arg);
	if ((d = opendir(path)) != NULL) {
		closedir(d);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/%d/fd/3", *(const int *)arg);
	if ((fd = open(path, O_RDONLY)) != -1) {
		close(fd);
		return 0;
	}
	return 1;
}

/* The socket inodes that have a path in /proc/net/unix: inode -> path. */
static int
named_socket(unsigned long inode, char *path, size_t len)
{
	char line[512], p[300];
	unsigned long ino;
	FILE *f;
	int found = 0;

	if ((f = fopen("/proc/net/unix", "r")) == NULL)
		return -1;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		p[0] = '\0';
		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %lu %299s", &ino,
		    p) >= 1 && ino == inode && p[0] != '\0') {
			snprintf(path, len, "%s", p);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

/* Every named socket held by pid is the public one. */
static void
check_sockets(pid_t pid, const char *public)
{
	char dir[64], link[384], target[128], path[300];
	struct dirent *e;
	unsigned long inode;
	DIR *d;
	ssize_t n;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	if ((d = opendir(dir)) == NULL)
		return;		/* it exited meanwhile */
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, e->d_name);
		if ((n = readlink(link, target, sizeof(target) - 1)) <= 0)
			continue;
		target[n] = '\0';
		if (sscanf(target, "socket:[%lu]", &inode) != 1)
			continue;
		if (named_socket(inode, path, sizeof(path)) == 1)
			ck_assert_msg(strcmp(path, public) == 0, "pid %d holds "
			    "a socket bound to %s", (int)pid, path);
	}
	closedir(d);
}

START_TEST(other_user)
{
	struct daemon *d;
	struct pidset set;
	size_t i;
	int pid;

	d = daemon_start(NULL);
	ck_assert_msg(d != NULL, "start: %s", h_err());
	chmod(d->dir, 0711);	/* so that nobody reaches the socket's mode */
	ck_assert_int_eq(as_nobody(try_connect, d->sock), 1);
	memset(&set, 0, sizeof(set));
	ck_assert_int_eq(proc_tree(d->pid, &set), 0);
	ck_assert_uint_ge(set.n, 5);	/* supervisor, cache, 3 workers */
	for (i = 0; i < set.n; i++) {
		pid = (int)set.pid[i];
		ck_assert_msg(as_nobody(try_fds, &pid) == 1, "nobody can see "
		    "the descriptors of pid %d", pid);
		check_sockets(set.pid[i], d->sock);
	}
	ck_assert_int_eq(daemon_stop(d), 0);
	daemon_free(d);
}
END_TEST

/* The socket at path takes a connection (it exists a moment before it
 * listens). */
static bool
socket_there(void *arg)
{
	struct conn *c;

	if ((c = conn_open_path(arg)) == NULL)
		return false;
	conn_close(c);
	return true;
}

static bool
gone(void *arg)
{
	return waitpid(*(pid_t *)arg, NULL, WNOHANG) == *(pid_t *)arg;
}

static int exit_status;

/* gone(), keeping the exit status in exit_status. */
static bool
gone_status(void *arg)
{
	return waitpid(*(pid_t *)arg, &exit_status, WNOHANG) ==
	    *(pid_t *)arg;
}

static uid_t
proc_uid(pid_t pid, const char *field)
{
	char path[64], line[256];
	unsigned long r, e, s, f;
	FILE *fp;
	uid_t u = (uid_t)-1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return u;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, field, strlen(field)) == 0 &&
		    sscanf(line + strlen(field), "%lu %lu %lu %lu", &r, &e, &s,
		    &f) == 4)
			u = (r == e && e == s && s == f) ? (uid_t)r : (uid_t)-2;
	fclose(fp);
	return u;
}

/* Whether pid's /proc status has the line "field\tvalue". */
static bool
proc_status_is(pid_t pid, const char *field, const char *value)
{
	char path[64], line[256], want[128];
	bool found = false;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	snprintf(want, sizeof(want), "%s\t%s\n", field, value);
	if ((fp = fopen(path, "r")) == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), fp) != NULL)
		found = strcmp(line, want) == 0;
	fclose(fp);
	return found;
}

/* A temporary directory (mode 0711) for a daemon run as nobody: its
 * socket, data directory and log paths. */
struct nobody_run {
	char	dir[32], sock[200], data[200], log[200], pid[200];
};

static void
nobody_paths(struct nobody_run *n)
{
	snprintf(n->dir, sizeof(n->dir), "/tmp/todod-access.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(n->dir));
	chmod(n->dir, 0711);
	snprintf(n->sock, sizeof(n->sock), "%s/run/s.sock", n->dir);
	snprintf(n->data, sizeof(n->data), "%s/data", n->dir);
	snprintf(n->log, sizeof(n->log), "%s/todod.log", n->dir);
	snprintf(n->pid, sizeof(n->pid), "%s/todod.pid", n->dir);
}

/* Whether descriptor fd of pid is the file at path. */
static bool
proc_fd_is(pid_t pid, const char *fd, const char *path)
{
	char link[320], target[256];
	ssize_t len;

	snprintf(link, sizeof(link), "/proc/%d/fd/%s", (int)pid, fd);
	if ((len = readlink(link, target, sizeof(target) - 1)) <= 0)
		return false;
	target[len] = '\0';
	return strcmp(target, path) == 0;
}

/* Whether pid has a descriptor of the file at path. */
static bool
proc_holds(pid_t pid, const char *path)
{
	char dir[64];
	struct dirent *de;
	bool found = false;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	if ((d = opendir(dir)) == NULL)
		return false;
	while (!found && (de = readdir(d)) != NULL)
		found = de->d_name[0] != '.' && proc_fd_is(pid, de->d_name,
		    path);
	closedir(d);
	return found;
}

/* Read the file at path into buf, NUL-terminated (cut to fit): 0, or
 * -1. */
static int
file_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* Start $TODOD -f -u nobody on n's socket, data directory and pidfile
 * (in root's directory), its stderr in n's log, and n's directory open
 * on descriptor 9, as a shell's redirection would leave it; its pid. */
static pid_t
nobody_start(const struct nobody_run *n)
{
	const char *todod = getenv("TODOD");
	pid_t pid;

	ck_assert_ptr_nonnull(todod);
	if ((pid = fork()) == 0) {
		int fd = open(n->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, 2);
		if ((fd = open(n->dir, O_RDONLY | O_DIRECTORY)) == -1 ||
		    dup2(fd, 9) == -1)
			_exit(126);
		execl(todod, todod, "-f", "-u", "nobody", "-s", n->sock, "-d",
		    n->data, "-p", n->pid, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_gt(pid, 0);
	return pid;
}

/* Remove n's directory. */
static void
nobody_clean(const struct nobody_run *n)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", n->dir);
	ck_assert_int_eq(system(cmd), 0);
}

struct pid_want {
	const char	*path;
	pid_t		 pid;
};
static struct pid_want pidfile_want;

/* Whether the pidfile at want->path names want->pid. */
static bool
pidfile_names(void *arg)
{
	const struct pid_want *want = arg;
	char buf[32];

	return file_read(want->path, buf, sizeof(buf)) == 0 &&
	    atoi(buf) == (int)want->pid;
}

START_TEST(drop_to_nobody)
{
	struct nobody_run n;
	char path[224], err[512], buf[32], log[8192];
	struct pidset set;
	struct stat st;
	struct conn *c;
	size_t i;
	pid_t pid;

	nobody_paths(&n);
	pid = nobody_start(&n);
	ck_assert_msg(h_poll(h_ms(10000), socket_there, n.sock), "no socket");
	c = conn_open_path(n.sock);
	ck_assert_ptr_nonnull(c);
	ck_assert_msg(h_call_is(c, err, sizeof(err), "ping", "pong"), "%s",
	    err);
	ck_assert_msg(h_call_is(c, err, sizeof(err),
	    "{server_process, <<\"l\">>}", "{ok, _}"), "%s", err);
	ck_assert_msg(h_call_is(c, err, sizeof(err), "{add_entry, #{date => "
	    "{2024,1,2}, title => <<\"t\">>}}", "{ok, 1}"), "%s", err);
	conn_close(c);

	memset(&set, 0, sizeof(set));
	ck_assert_int_eq(proc_tree(pid, &set), 0);
	ck_assert_uint_ge(set.n, 6);	/* and the list server */
	for (i = 0; i < set.n; i++) {
		ck_assert_msg(proc_uid(set.pid[i], "Uid:") == nobody_uid,
		    "pid %d does not run as nobody", (int)set.pid[i]);
		ck_assert_msg(proc_uid(set.pid[i], "Gid:") == nobody_gid,
		    "pid %d does not run in nobody's group", (int)set.pid[i]);
		ck_assert_msg(proc_status_is(set.pid[i], "NoNewPrivs:", "1"),
		    "pid %d may gain privileges", (int)set.pid[i]);
	}
	ck_assert_int_eq(stat(n.data, &st), 0);
	ck_assert_uint_eq(st.st_uid, nobody_uid);
	ck_assert_uint_eq(st.st_mode & 0777, 0700);
	ck_assert_int_eq(stat(n.sock, &st), 0);
	ck_assert_uint_eq(st.st_uid, nobody_uid);
	ck_assert_uint_eq(st.st_mode & 0777, 0660);

	ck_assert_int_eq(stat(n.pid, &st), 0);
	ck_assert_int_gt(st.st_size, 0);
	/* No process of nobody's may write root's pidfile, nor hold what
	 * the command left open. */
	for (i = 0; i < set.n; i++) {
		ck_assert_msg(!proc_holds(set.pid[i], n.pid), "pid %d holds "
		    "the pidfile open", (int)set.pid[i]);
		ck_assert_msg(!proc_holds(set.pid[i], n.dir), "pid %d holds "
		    "a descriptor the command left open", (int)set.pid[i]);
	}
	kill(pid, SIGTERM);
	ck_assert_msg(h_poll(h_ms(15000), gone, &pid), "todod did not stop");
	ck_assert_msg(stat(n.sock, &st) == -1, "the socket was left behind");
	/* nobody may not remove it from root's directory: left, naming
	 * the process that exited, and said so; the next start takes it. */
	ck_assert_int_eq(file_read(n.pid, buf, sizeof(buf)), 0);
	ck_assert_int_eq(atoi(buf), (int)pid);
	ck_assert_int_eq(file_read(n.log, log, sizeof(log)), 0);
	ck_assert_msg(strstr(log, "left in place") != NULL, "%s", log);
	pid = nobody_start(&n);
	ck_assert_msg(h_poll(h_ms(10000), socket_there, n.sock), "no socket "
	    "with a stale pidfile");
	/* Written just after the socket is bound: waited for. */
	pidfile_want.path = n.pid;
	pidfile_want.pid = pid;
	ck_assert_msg(h_poll(h_ms(10000), pidfile_names, &pidfile_want),
	    "the stale pidfile was not replaced");
	kill(pid, SIGTERM);
	ck_assert_msg(h_poll(h_ms(15000), gone, &pid), "todod did not stop");
	snprintf(path, sizeof(path), "%s/l", n.data);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_uid, nobody_uid);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	nobody_clean(&n);
}
END_TEST

/* The terminal of a foreground daemon, as its master side shows it. */
struct pty_run {
	int		 master;
	char		 out[65536];	/* what was written to it, so far */
	size_t		 len;
	const char	*sock;
	pid_t		 pid;		/* the process to wait for */
};

/* Read what the terminal holds, so that no writer blocks on it: kept
 * up to the size of out, the rest read and dropped. */
static void
pty_drain(struct pty_run *p)
{
	char drop[4096];
	ssize_t r;

	while (p->len < sizeof(p->out) - 1 && (r = read(p->master,
	    p->out + p->len, sizeof(p->out) - 1 - p->len)) > 0)
		p->len += (size_t)r;
	while (read(p->master, drop, sizeof(drop)) > 0)
		;
	p->out[p->len] = '\0';
}

static bool
pty_socket_there(void *arg)
{
	struct pty_run *p = arg;

	pty_drain(p);
	return socket_there((void *)(uintptr_t)p->sock);
}

/* A child's message has come to the terminal. */
static bool
pty_child_said(void *arg)
{
	struct pty_run *p = arg;

	pty_drain(p);
	return strstr(p->out, "todod: cache: ") != NULL;
}

static bool
pty_gone(void *arg)
{
	struct pty_run *p = arg;

	pty_drain(p);
	return gone_status(&p->pid);
}

/* The tty_nr field of /proc/PID/stat: its controlling terminal, 0 none;
 * -1 if unreadable. */
static long
proc_ctty(pid_t pid)
{
	char path[64], line[1024], *s;
	long tty = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(line, sizeof(line), fp) != NULL &&
	    (s = strrchr(line, ')')) != NULL &&
	    sscanf(s + 1, " %*c %*d %*d %*d %ld", &tty) != 1)
		tty = -1;
	fclose(fp);
	return tty;
}

/*
 * Started as root with -f -u nobody on a terminal, as from root's shell:
 * no process of the tree has the terminal for its controlling terminal
 * (one that had could push input into root's shell with TIOCSTI), except
 * a supervisor that leads the terminal's session; the supervisor reads
 * nothing from it and no other process holds it at all; the children's
 * messages still reach it, and Control-C still stops todod.  _i 0: todod
 * leads the terminal's session (as a container's first process might);
 * 1: it does not (as under a shell, which leads it).
 */
START_TEST(foreground_terminal)
{
	struct nobody_run n;
	struct pty_run p;
	struct pidset set;
	struct conn *c;
	char pts[64], err[512];
	const char *todod = getenv("TODOD");
	pid_t daemon;
	size_t i;
	int st;

	ck_assert_ptr_nonnull(todod);
	nobody_paths(&n);
	memset(&p, 0, sizeof(p));
	p.sock = n.sock;
	ck_assert_int_ne(p.master = posix_openpt(O_RDWR | O_NOCTTY |
	    O_CLOEXEC), -1);
	ck_assert_int_eq(grantpt(p.master), 0);
	ck_assert_int_eq(unlockpt(p.master), 0);
	snprintf(pts, sizeof(pts), "%s", ptsname(p.master));
	ck_assert_int_ne(fcntl(p.master, F_SETFL, O_NONBLOCK), -1);
	if ((p.pid = fork()) == 0) {
		int t;

		/* A session of its own, the terminal its controlling one. */
		if (setsid() == -1 || (t = open(pts, O_RDWR)) == -1 ||
		    dup2(t, 0) == -1 || dup2(t, 1) == -1 || dup2(t, 2) == -1)
			_exit(126);
		if (_i == 1 && (daemon = fork()) != 0) {
			signal(SIGINT, SIG_IGN);	/* as a shell */
			if (daemon == -1 || waitpid(daemon, &st, 0) == -1)
				_exit(126);
			_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 125);
		}
		execl(todod, todod, "-f", "-l", "debug", "-u", "nobody", "-s",
		    n.sock, "-d", n.data, "-p", n.pid, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_gt(p.pid, 0);
	ck_assert_msg(h_poll(h_ms(10000), pty_socket_there, &p), "no socket; "
	    "the terminal shows:\n%s", p.out);
	daemon = p.pid;
	if (_i == 1) {
		memset(&set, 0, sizeof(set));
		ck_assert_int_eq(proc_children(p.pid, &set), 0);
		ck_assert_uint_eq(set.n, 1);
		daemon = set.pid[0];
	}
	c = conn_open_path(n.sock);
	ck_assert_ptr_nonnull(c);
	ck_assert_msg(h_call_is(c, err, sizeof(err),
	    "{server_process, <<\"l\">>}", "{ok, _}"), "%s", err);
	ck_assert_msg(h_call_is(c, err, sizeof(err), "{add_entry, #{date => "
	    "{2024,1,2}, title => <<\"t\">>}}", "{ok, 1}"), "%s", err);

	memset(&set, 0, sizeof(set));
	ck_assert_int_eq(proc_tree(daemon, &set), 0);
	ck_assert_uint_ge(set.n, 6);	/* and the list server */
	for (i = 0; i < set.n; i++) {
		/* Leading the session, the supervisor keeps it. */
		if (_i == 1 || set.pid[i] != daemon)
			ck_assert_msg(proc_ctty(set.pid[i]) == 0, "pid %d has "
			    "a controlling terminal", (int)set.pid[i]);
		if (set.pid[i] == daemon)
			ck_assert_msg(!proc_fd_is(daemon, "0", pts), "the "
			    "supervisor reads the terminal");
		else
			ck_assert_msg(!proc_holds(set.pid[i], pts), "pid %d "
			    "holds the terminal", (int)set.pid[i]);
	}
	ck_assert_msg(h_poll(h_ms(10000), pty_child_said, &p), "no message of "
	    "a child on the terminal; it shows:\n%s", p.out);
	conn_close(c);

	/* Control-C on the terminal still stops it: its process group is
	 * the terminal's foreground one. */
	ck_assert_int_eq(write(p.master, "\003", 1), 1);
	ck_assert_msg(h_poll(h_ms(15000), pty_gone, &p), "todod did not stop "
	    "on Control-C; the terminal shows:\n%s", p.out);
	ck_assert_msg(WIFEXITED(exit_status) && WEXITSTATUS(exit_status) == 0,
	    "todod's status %#x; the terminal shows:\n%s", exit_status, p.out);
	close(p.master);
	nobody_clean(&n);
}
END_TEST

/* Start todod -u nobody on n (nobody_start) and check that it exits 1
 * at start, with a line of its log holding text. */
static void
nobody_start_fails(const struct nobody_run *n, const char *text)
{
	char line[512];
	bool said = false;
	FILE *f;
	pid_t pid;

	pid = nobody_start(n);
	ck_assert_msg(h_poll(h_ms(15000), gone_status, &pid), "todod did "
	    "not exit");
	ck_assert_int_eq(WIFEXITED(exit_status) ? WEXITSTATUS(exit_status) :
	    -1, 1);
	ck_assert_ptr_nonnull(f = fopen(n->log, "r"));
	while (!said && fgets(line, sizeof(line), f) != NULL)
		said = strstr(line, text) != NULL;
	fclose(f);
	ck_assert_msg(said, "todod did not say '%s'", text);
}

/* A data directory that the user given with -u cannot write (root's,
 * mode 0755): todod says so and exits 1 at start, instead of starting
 * workers that fail until the restart limit, and removes what it made
 * (as root: it was given to nobody). */
START_TEST(data_not_writable)
{
	struct nobody_run n;
	char line[512];

	nobody_paths(&n);
	ck_assert_int_eq(mkdir(n.data, 0755), 0);
	nobody_start_fails(&n, "is not writable by user nobody");
	ck_assert_msg(access(n.sock, F_OK) == -1, "the socket was left "
	    "behind");
	/* Removed as root, though given to nobody: the lock file and the
	 * socket's directory that this start made. */
	snprintf(line, sizeof(line), "%s/.lock", n.data);
	ck_assert_msg(access(line, F_OK) == -1, "the lock file was left "
	    "behind");
	snprintf(line, sizeof(line), "%s/run", n.dir);
	ck_assert_msg(access(line, F_OK) == -1, "the socket's directory "
	    "was left behind");
	nobody_clean(&n);
}
END_TEST

/*
 * A data directory that another user could put files in (a journal a
 * worker would replay): writable by others, even sticky, or owned by
 * another user than root and nobody.  todod says so and exits 1 before
 * it makes anything there or binds its socket.
 */
START_TEST(data_others_may_write)
{
	struct nobody_run n;
	char line[512];

	nobody_paths(&n);
	ck_assert_int_eq(mkdir(n.data, 0700), 0);
	ck_assert_int_eq(chmod(n.data, 01777), 0);
	nobody_start_fails(&n, "mode 1777: it must not be writable by group "
	    "or others");
	snprintf(line, sizeof(line), "%s/.lock", n.data);
	ck_assert_msg(access(line, F_OK) == -1, "a lock file was made");
	ck_assert_msg(access(n.sock, F_OK) == -1, "the socket was bound");
	ck_assert_int_eq(chmod(n.data, 0700), 0);
	ck_assert_int_eq(chown(n.data, 4242, 4242), 0);
	nobody_start_fails(&n, "unsafe data directory");
	nobody_start_fails(&n, "it must be owned by root or nobody");
	nobody_clean(&n);
}
END_TEST

/*
 * A pidfile that the user given with -u could replace (beside the socket,
 * in the socket's directory that this start made and gave to nobody):
 * todod says so and exits 1, leaving neither pidfile nor socket.  Else
 * nobody could make root's scripts signal any process.
 */
START_TEST(pidfile_user_may_replace)
{
	struct nobody_run n;

	nobody_paths(&n);
	snprintf(n.pid, sizeof(n.pid), "%s/run/s.pid", n.dir);
	nobody_start_fails(&n, "user nobody could replace it");
	ck_assert_msg(access(n.pid, F_OK) == -1, "the pidfile was left "
	    "behind");
	ck_assert_msg(access(n.sock, F_OK) == -1, "the socket was left "
	    "behind");
	nobody_clean(&n);
}
END_TEST

/*
 * The same when the pidfile's directory is root's but a directory above
 * it is nobody's: nobody could rename root's directory and put one of
 * its own in its place; also when nobody may not write it (0555), for
 * its owner may chmod it.
 */
START_TEST(pidfile_above_user_may_replace)
{
	struct nobody_run n;
	char up[64], down[80];

	nobody_paths(&n);
	ck_assert_int_lt(snprintf(up, sizeof(up), "%s/u", n.dir),
	    (int)sizeof(up));
	ck_assert_int_eq(mkdir(up, 0755), 0);
	ck_assert_int_eq(chown(up, 65534, 65534), 0);
	if (_i == 1)
		ck_assert_int_eq(chmod(up, 0555), 0);
	snprintf(down, sizeof(down), "%s/p", up);
	ck_assert_int_eq(mkdir(down, 0755), 0);	/* as root: 0555 or not */
	snprintf(n.pid, sizeof(n.pid), "%s/s.pid", down);
	nobody_start_fails(&n, "user nobody could replace it");
	ck_assert_msg(access(n.pid, F_OK) == -1, "the pidfile was left "
	    "behind");
	nobody_clean(&n);
}
END_TEST

/*
 * A data directory that todod would make, as root, below a directory of
 * the -u user's: refused (it is given to the user by name, and the user
 * could put a link to a directory of root's in its place meanwhile),
 * and what the start made is removed.  Made by the user first, taken.
 */
START_TEST(data_made_below_user)
{
	struct nobody_run n;
	char up[64];

	nobody_paths(&n);
	ck_assert_int_lt(snprintf(up, sizeof(up), "%s/u", n.dir),
	    (int)sizeof(up));
	ck_assert_int_eq(mkdir(up, 0755), 0);
	ck_assert_int_eq(chown(up, 65534, 65534), 0);
	snprintf(n.data, sizeof(n.data), "%s/state/data", up);
	nobody_start_fails(&n, "a directory of user nobody's, who could lead "
	    "it elsewhere: make it as user nobody first");
	snprintf(n.data, sizeof(n.data), "%s/state", up);
	ck_assert_msg(access(n.data, F_OK) == -1, "%s was left behind",
	    n.data);
	nobody_clean(&n);
}
END_TEST

/*
 * A directory of root's (the victim: mode 0755, with a file of root's
 * in it) that nobody leads to: the path given to todod is up to nobody.
 * Which: 0 the data directory, 1 the socket's, 2 the pidfile's (what
 * root writes and removes there: .tmp-* files are cleaned from a data
 * directory, a socket and its lock are made, a pidfile replaces a
 * file).  Way: 0 through a link of nobody's in a directory of nobody's;
 * 1 the same, named with a trailing slash; 2 through a link of root's
 * to that link (a link in a link's target); 3 through a link of
 * nobody's in a sticky directory of root's.  Refused, and the victim's
 * file is as it was, with nothing added.
 */
static void
led_by_user(int which, int way, const char *text)
{
	struct nobody_run n;
	char up[64], victim[64], file[96], link[96], lead[100], buf[16];
	struct dirent *de;
	int fd, count = 0;
	DIR *d;

	nobody_paths(&n);
	snprintf(up, sizeof(up), "%s/u", n.dir);
	snprintf(victim, sizeof(victim), "%s/victim", n.dir);
	ck_assert_int_eq(mkdir(up, 0755), 0);
	if (way == 3)
		ck_assert_int_eq(chmod(up, 01777), 0);
	else
		ck_assert_int_eq(chown(up, 65534, 65534), 0);
	ck_assert_int_eq(mkdir(victim, 0755), 0);
	snprintf(file, sizeof(file), "%s/%s", victim, which == 0 ?
	    ".tmp-root" : which == 1 ? "s.sock.lock" : "root.pid");
	ck_assert_int_ne(fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600),
	    -1);
	ck_assert_int_eq(write(fd, "root's", 6), 6);
	ck_assert_int_eq(close(fd), 0);
	snprintf(link, sizeof(link), "%s/link", up);
	ck_assert_int_eq(symlink(victim, link), 0);
	ck_assert_int_eq(lchown(link, 65534, 65534), 0);
	snprintf(lead, sizeof(lead), "%s%s", link, way == 1 ? "/" : "");
	if (way == 2) {
		snprintf(lead, sizeof(lead), "%s/rootlink", n.dir);
		ck_assert_int_eq(symlink(link, lead), 0);
	}
	if (which == 0)
		snprintf(n.data, sizeof(n.data), "%s", lead);
	else if (which == 1)
		snprintf(n.sock, sizeof(n.sock), "%s/s.sock", lead);
	else
		snprintf(n.pid, sizeof(n.pid), "%s/root.pid", lead);
	nobody_start_fails(&n, text);
	ck_assert_int_eq(file_read(file, buf, sizeof(buf)), 0);
	ck_assert_msg(strcmp(buf, "root's") == 0, "%s: '%s'", file, buf);
	ck_assert_ptr_nonnull(d = opendir(victim));
	while ((de = readdir(d)) != NULL)
		count += strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0;
	closedir(d);
	ck_assert_msg(count == 1, "%d files in %s", count, victim);
	nobody_clean(&n);
}

#define LED	"of user nobody's, who could lead it elsewhere, and it is " \
		"root's"
#define LED_STICKY "a symbolic link of user nobody's, who could lead it " \
		"elsewhere, and it is root's"

START_TEST(data_led_by_user)
{
	led_by_user(0, _i, _i == 3 ? LED_STICKY : LED);
}
END_TEST

START_TEST(socket_led_by_user)
{
	led_by_user(1, _i, _i == 3 ? LED_STICKY : LED);
}
END_TEST

START_TEST(pidfile_led_by_user)
{
	led_by_user(2, _i, "user nobody could replace it");
}
END_TEST

/*
 * What the per-user unit runs: `todod -f` with no path, started by a user
 * other than root with the environment a user's service manager gives
 * (HOME, XDG_RUNTIME_DIR).  It listens on $XDG_RUNTIME_DIR/todod/
 * todod.sock, keeps its lists in $HOME/.local/state/todod, and todoctl,
 * run by that user without -s, finds it.
 */
struct user_env {
	char	home[200], run[200];
	const char *todoctl;
};

static void
user_setenv(const struct user_env *u)
{
	setenv("HOME", u->home, 1);
	setenv("XDG_RUNTIME_DIR", u->run, 1);
	unsetenv("XDG_STATE_HOME");
	unsetenv("TODOD_SOCKET");
}

/* As nobody: todoctl add, then ls; 0 if ls shows the entry added. */
static int
user_todoctl(const void *arg)
{
	const struct user_env *u = arg;
	char cmd[512];

	user_setenv(u);
	snprintf(cmd, sizeof(cmd), "'%s' add l 2024-01-02 mine > /dev/null && "
	    "'%s' ls l | grep -q mine", u->todoctl, u->todoctl);
	return system(cmd) == 0 ? 0 : 1;
}

START_TEST(user_defaults)
{
	const char *todod = getenv("TODOD");
	struct nobody_run n;
	struct user_env u;
	char sock[300], file[300];
	struct stat st;
	pid_t pid;

	ck_assert_ptr_nonnull(todod);
	ck_assert_ptr_nonnull(u.todoctl = getenv("TODOCTL"));
	nobody_paths(&n);
	snprintf(u.home, sizeof(u.home), "%s/home", n.dir);
	snprintf(u.run, sizeof(u.run), "%s/run", n.dir);
	ck_assert_int_eq(mkdir(u.home, 0700), 0);
	ck_assert_int_eq(mkdir(u.run, 0700), 0);
	ck_assert_int_eq(chown(u.home, nobody_uid, nobody_gid), 0);
	ck_assert_int_eq(chown(u.run, nobody_uid, nobody_gid), 0);
	snprintf(sock, sizeof(sock), "%s/todod/todod.sock", u.run);
	snprintf(file, sizeof(file), "%s/.local/state/todod/l", u.home);
	if ((pid = fork()) == 0) {
		int fd = open(n.log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, 2);
		if (setgroups(0, NULL) == -1 || setgid(nobody_gid) == -1 ||
		    setuid(nobody_uid) == -1)
			_exit(90);
		user_setenv(&u);
		execl(todod, todod, "-f", (char *)NULL);
		_exit(127);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_msg(h_poll(h_ms(10000), socket_there, sock), "no socket at "
	    "%s", sock);
	ck_assert_msg(as_nobody(user_todoctl, &u) == 0, "todoctl without -s "
	    "did not reach the user's daemon");
	kill(pid, SIGTERM);
	ck_assert_msg(h_poll(h_ms(15000), gone_status, &pid), "todod did "
	    "not stop");
	ck_assert_int_eq(WIFEXITED(exit_status) ? WEXITSTATUS(exit_status) :
	    -1, 0);
	ck_assert_msg(stat(sock, &st) == -1, "the socket was left behind");
	ck_assert_msg(stat(file, &st) == 0, "no list file %s", file);
	ck_assert_uint_eq(st.st_uid, nobody_uid);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	nobody_clean(&n);
}
END_TEST

/* The permissions of pid's mapping of the shared counters (a shared
 * mapping of /dev/zero, proc.h) into perms, "" if it has none. */
static void
stats_page_perms(pid_t pid, char perms[8])
{
	char path[64], line[512];
	FILE *f;

	perms[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	ck_assert_msg((f = fopen(path, "r")) != NULL, "%s", path);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "/dev/zero") != NULL &&
		    sscanf(line, "%*s %4s", perms) == 1 && perms[3] == 's')
			break;
		else
			perms[0] = '\0';
	fclose(f);
}

/*
 * The page of counters the processes share is writable only where they
 * are written: the supervisor and the workers.  The cache, which clients
 * talk to, maps it read-only; list servers and spares (and the spawner
 * that forks them) not at all, so that a list server led astray cannot
 * change what stats report or how many workers the cache reads of.
 */
START_TEST(stats_page_writers)
{
	struct daemon_pids dp;
	struct daemon *d;
	struct conn *c;
	char perms[8];
	size_t i;

	d = daemon_start(NULL);
	ck_assert_msg(d != NULL, "start: %s", h_err());
	c = conn_open_ok(d);
	attach_ok(c, "mapped");
	ck_assert_int_eq(daemon_pids(d, &dp), 0);
	ck_assert_uint_eq(dp.nlists, 1);
	ck_assert_uint_gt(dp.nothers, 0);	/* the spawner, spares */
	stats_page_perms(dp.supervisor, perms);
	ck_assert_str_eq(perms, "rw-s");
	for (i = 0; i < dp.nworkers; i++) {
		stats_page_perms(dp.workers[i], perms);
		ck_assert_str_eq(perms, "rw-s");
	}
	stats_page_perms(dp.cache, perms);
	ck_assert_str_eq(perms, "r--s");
	stats_page_perms(dp.lists[0].pid, perms);
	ck_assert_msg(perms[0] == '\0', "a list server maps it %s", perms);
	for (i = 0; i < dp.nothers; i++) {
		stats_page_perms(dp.others[i], perms);
		ck_assert_msg(perms[0] == '\0', "pid %d maps it %s",
		    (int)dp.others[i], perms);
	}
	conn_close(c);
	/* stats still read the page, and no process died writing it. */
	ck_assert_int_eq(h_stats_int(d, "restarts"), 0);
	ck_assert_int_eq(daemon_stop(d), 0);
	daemon_free(d);
}
END_TEST

/* --max-conns-per-uid: a user's connection over the limit is answered
 * busy and closed, and logged once a while; one closing makes room. */
START_TEST(conns_per_uid)
{
	struct daemon *d;
	struct conn *c[3];
	char err[512];
	int i;

	d = daemon_start("--max-conns-per-uid", "2", NULL);
	ck_assert_msg(d != NULL, "start: %s", h_err());
	c[0] = conn_open(d);
	ck_assert_ptr_nonnull(c[0]);
	ck_assert_msg(h_call_is(c[0], err, sizeof(err),
	    "{server_process, <<\"u\">>}", "{ok, _}"), "%s", err);
	c[1] = conn_open(d);
	ck_assert_ptr_nonnull(c[1]);
	ck_assert_msg(h_call_is(c[1], err, sizeof(err), "ping", "pong"), "%s",
	    err);
	c[2] = conn_open(d);
	ck_assert_ptr_nonnull(c[2]);
	ck_assert_msg(h_reply_is(c[2], err, sizeof(err), "{error, busy}"),
	    "%s", err);
	ck_assert_int_eq(conn_wait_eof(c[2], h_ms(5000)), 0);
	conn_close(c[2]);
	/* A client that retries at once does not fill the log. */
	for (i = 0; i < 50; i++) {
		c[2] = conn_open(d);
		ck_assert_ptr_nonnull(c[2]);
		ck_assert_msg(h_reply_is(c[2], err, sizeof(err),
		    "{error, busy}"), "%s", err);
		conn_close(c[2]);
	}
	ck_assert_msg(h_log_count(d, "is at its limit of 2") <= 2,
	    "%d log lines for 51 refusals", h_log_count(d,
	    "is at its limit of 2"));
	conn_close(c[0]);	/* attached: counted out by its list server */
	for (i = 0; i < 100; i++) {
		c[2] = conn_open(d);
		ck_assert_ptr_nonnull(c[2]);
		if (h_call_is(c[2], err, sizeof(err), "ping", "pong"))
			break;
		conn_close(c[2]);
		c[2] = NULL;
		h_pause_ms(20);	/* the close reaches the list server */
	}
	ck_assert_msg(c[2] != NULL, "no room after a connection closed");
	conn_close(c[2]);
	conn_close(c[1]);
	ck_assert_int_eq(daemon_stop(d), 0);
	daemon_free(d);
}
END_TEST

int
main(void)
{
	struct passwd *pw;
	Suite *s;
	TCase *tc;

	if (geteuid() != 0 || h_peer()) {
		printf("test_access: needs root (and todod); skipped\n");
		return 77;
	}
	if ((pw = getpwnam("nobody")) == NULL) {
		printf("test_access: no user nobody; skipped\n");
		return 77;
	}
	nobody_uid = pw->pw_uid;
	nobody_gid = pw->pw_gid;
	s = suite_create("access");
	tc = tcase_create("access");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, other_user);
	tcase_add_test(tc, drop_to_nobody);
	tcase_add_loop_test(tc, foreground_terminal, 0, 2);
	tcase_add_test(tc, data_not_writable);
	tcase_add_test(tc, data_made_below_user);
	tcase_add_loop_test(tc, data_led_by_user, 0, 4);
	tcase_add_loop_test(tc, socket_led_by_user, 0, 4);
	tcase_add_loop_test(tc, pidfile_led_by_user, 0, 4);
	tcase_add_test(tc, data_others_may_write);
	tcase_add_test(tc, pidfile_user_may_replace);
	tcase_add_loop_test(tc, pidfile_above_user_may_replace, 0, 2);
	tcase_add_test(tc, conns_per_uid);
	tcase_add_test(tc, stats_page_writers);
	tcase_add_test(tc, user_defaults);
	suite_add_tcase(s, tc);
	return h_run_suite(s);
}
