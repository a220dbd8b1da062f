/*
 * harness.c: a private daemon per test (start, readiness, stop, restart,
 * log, clean-up) and the harness's common helpers.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "../ckrun.h"

static char		 errbuf[4096];
static struct daemon	*daemons;	/* every daemon not yet freed */
static bool		 initialized;
static bool		 teardown_failed;

const char *
h_err(void)
{
	return errbuf;
}

void
h_seterr(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof errbuf, fmt, ap);
	va_end(ap);
}

int
h_intarg(const char *s, int lo, int hi, int *v)
{
	char	*end;
	long	 l;

	errno = 0;
	l = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || l < lo || l > hi)
		return -1;
	*v = (int)l;
	return 0;
}

/* Read each time, not kept: the fault tests call it from many threads. */
int
h_ms(int ms)
{
	const char	*s = getenv("TODOD_TEST_TIME_SCALE");
	int		 scale = s != NULL ? atoi(s) : 1;

	if (scale < 1 || scale > 100)
		scale = 1;
	return ms * scale;
}

int64_t
h_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
h_pause_ms(int ms)
{
	struct timespec	ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

bool
h_poll(int ms, bool (*cond)(void *), void *arg)
{
	int64_t	end = h_now_ms() + ms;

	for (;;) {
		if (cond(arg))
			return true;
		if (h_now_ms() >= end)
			return false;
		h_pause_ms(5);
	}
}

/* Whether the environment variable NAME is set to a non-empty value. */
static bool
h_env_set(const char *name)
{
	const char	*p = getenv(name);

	return p != NULL && *p != '\0';
}

bool
h_peer(void)
{
	return h_env_set("TODOD_TEST_PEER");
}

bool
h_valgrind(void)
{
	return h_env_set("TODOD_TEST_VALGRIND");
}

/* Daemons this process started and still runs, killed at exit. */
static void
h_atexit(void)
{
	struct daemon	*d;

	for (d = daemons; d != NULL; d = d->next) {
		if (d->owner != getpid() || d->pid == 0)
			continue;
		fprintf(stderr, "harness: daemon %d still running at exit, "
		    "killed; its directory %s is kept\n", (int)d->pid, d->dir);
		daemon_print_log(d);
		daemon_kill(d);
	}
}

static void
h_init(void)
{
	if (initialized)
		return;
	initialized = true;
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stderr, NULL, _IONBF, 0);
	atexit(h_atexit);
}

/*
 * Kill what the tests left running: this process is the subreaper of all
 * they start, so a todod that a failed check left behind comes back to
 * it, even one whose parent-death signal went with its privileges (-u),
 * and so do the children of a process killed here.  A todod's children
 * die with it (theirs is SIGKILL); orphans that have exited are reaped.
 * How many were running.
 */
static int
h_kill_leftovers(void)
{
	static struct pidset kids, killed;
	int64_t end = h_now_ms() + h_ms(H_STOP_MS);
	size_t i;
	bool running;

	memset(&killed, 0, sizeof(killed));
	do {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		memset(&kids, 0, sizeof(kids));
		if (proc_children(getpid(), &kids) == -1)
			break;
		running = false;
		for (i = 0; i < kids.n; i++) {
			if (proc_state(kids.pid[i]) == 'Z')
				continue;
			running = true;
			if (pidset_has(&killed, kids.pid[i]))
				continue;
			fprintf(stderr, "harness: pid %d was left running by "
			    "a test: killed\n", (int)kids.pid[i]);
			(void)kill(kids.pid[i], SIGKILL);
			pidset_add(&killed, kids.pid[i]);
		}
		if (running)
			h_pause_ms(5);
	} while (running && h_now_ms() < end);
	return (int)killed.n;
}

int
h_run_suite(Suite *s)
{
	int rc;

	h_init();
	if (!h_peer() && (getenv("TODOD") == NULL ||
	    access(getenv("TODOD"), X_OK) == -1)) {
		fprintf(stderr, "TODOD must name the todod program "
		    "(or TODOD_TEST_PEER the reference peer)\n");
		return 99;
	}
	/* Not for the peer, whose runtime may leave a daemon of its own. */
	if (!h_peer())
		(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	rc = ck_run(s) == EXIT_SUCCESS && !teardown_failed ? 0 : 1;
	if (!h_peer() && h_kill_leftovers() > 0)
		rc = 1;
	return rc;
}

void
daemon_print_log(const struct daemon *d)
{
	char	 buf[4096];
	size_t	 n;
	FILE	*f;

	if ((f = fopen(d->log, "r")) == NULL)
		return;
	fprintf(stderr, "---- %s ----\n", d->log);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, stderr);
	fprintf(stderr, "---- end of %s ----\n", d->log);
	fclose(f);
}

/* Keep only the options the peer knows (it refuses the others). */
static bool
peer_knows(const char *opt)
{
	return strcmp(opt, "--max-frame") == 0 || strcmp(opt, "--workers") ==
	    0 || strcmp(opt, "-w") == 0 || strcmp(opt, "--sync") == 0;
}

static void
build_argv(const struct daemon *d, const char **av)
{
	int	n = 0, i;

	if (d->peer) {
		av[n++] = "elixir";
		av[n++] = getenv("TODOD_TEST_PEER");
		av[n++] = "--socket";
		av[n++] = d->sock;
		av[n++] = "--data-dir";
		av[n++] = d->data;
		for (i = 0; d->args[i] != NULL; i++) {
			if (peer_knows(d->args[i]) && d->args[i + 1] != NULL) {
				av[n++] = d->args[i];
				av[n++] = d->args[++i];
			}
		}
	} else {
		av[n++] = getenv("TODOD");
		av[n++] = "-f";
		av[n++] = "-s";
		av[n++] = d->sock;
		av[n++] = "-d";
		av[n++] = d->data;
		for (i = 0; d->args[i] != NULL; i++)
			av[n++] = d->args[i];
	}
	av[n] = NULL;
}

static void
child_exec(const struct daemon *d, pid_t parent)
{
	const char	*av[48];
	sigset_t	 all;
	int		 fd;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	if ((fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0644)) == -1)
		_exit(127);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if ((fd = open("/dev/null", O_RDONLY)) != -1)
		dup2(fd, STDIN_FILENO);
	close_range(3, ~0U, 0);
	build_argv(d, av);
	execvp(av[0], (char *const *)av);
	fprintf(stderr, "harness: exec %s: %s\n", av[0], strerror(errno));
	_exit(127);
}

/* Reap the daemon if it exited; true if it did. */
static bool
reaped(struct daemon *d)
{
	int	st;

	if (d->pid == 0)
		return true;
	if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
		d->status = st;
		d->pid = 0;
		return true;
	}
	return false;
}

bool
daemon_alive(struct daemon *d)
{
	return !reaped(d);
}

bool
h_journal_left(const struct daemon *d)
{
	struct dirent	*de;
	DIR		*dir;
	bool		 found = false;

	H_ASSERT((dir = opendir(d->data)) != NULL, "%s", d->data);
	while (!found && (de = readdir(dir)) != NULL)
		found = strncmp(de->d_name, ".journal-w", 10) == 0;
	closedir(dir);
	return found;
}

static void
describe_status(int st, char *buf, size_t len)
{
	if (WIFEXITED(st))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(st));
	else
		snprintf(buf, len, "wait status %#x", st);
}

/* A connection that gets pong. */
static bool
answers_ping(struct daemon *d, int ms)
{
	struct conn		*c;
	const struct etf_term	*t;
	bool			 ok = false;

	if ((c = conn_open_path(d->sock)) == NULL)
		return false;
	if (conn_sendf(c, "ping") == 0 && (t = conn_recv(c, ms)) != NULL)
		ok = etf_is_atom(t, "pong");
	conn_close(c);
	return ok;
}

static bool
socket_accepts(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd, rv;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return false;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	rv = connect(fd, (struct sockaddr *)&sun, sizeof sun);
	close(fd);
	return rv == 0;
}

static int
spawn(struct daemon *d)
{
	int64_t	 end;
	pid_t	 self = getpid();
	char	 how[64];

	if ((d->pid = fork()) == -1) {
		h_seterr("fork: %s", strerror(errno));
		d->pid = 0;
		return -1;
	}
	if (d->pid == 0)
		child_exec(d, self);
	end = h_now_ms() + h_ms(H_START_MS);
	while (h_now_ms() < end) {
		if (reaped(d)) {
			describe_status(d->status, how, sizeof how);
			h_seterr("daemon exited during start-up (%s); log %s",
			    how, d->log);
			daemon_print_log(d);
			return -1;
		}
		if (socket_accepts(d->sock) &&
		    answers_ping(d, (int)(end - h_now_ms())))
			return 0;
		h_pause_ms(10);
	}
	h_seterr("daemon %d not serving %s within %d ms; log %s",
	    (int)d->pid, d->sock, h_ms(H_START_MS), d->log);
	daemon_print_log(d);
	daemon_kill(d);
	return -1;
}

const char *
h_tmpbase(void)
{
	const char	*t = getenv("TMPDIR");

	/* DIR/s.sock must fit in sun_path with room to spare. */
	if (t == NULL || *t == '\0' || strlen(t) > 60)
		t = "/tmp";
	return t;
}

struct daemon *
daemon_startv(const char *const *args)
{
	struct daemon	*d;
	int		 i;

	h_init();
	if ((d = calloc(1, sizeof *d)) == NULL) {
		h_seterr("out of memory");
		return NULL;
	}
	d->owner = getpid();
	d->peer = h_peer();
	snprintf(d->dir, sizeof d->dir, "%s/todod-integ.XXXXXX", h_tmpbase());
	if (mkdtemp(d->dir) == NULL) {
		h_seterr("mkdtemp %s: %s", d->dir, strerror(errno));
		free(d);
		return NULL;
	}
	snprintf(d->sock, sizeof d->sock, "%s/s.sock", d->dir);
	snprintf(d->data, sizeof d->data, "%s/data", d->dir);
	snprintf(d->log, sizeof d->log, "%s/todod.log", d->dir);
	for (i = 0; args != NULL && args[i] != NULL && i < 31; i++)
		d->args[i] = strdup(args[i]);
	d->next = daemons;
	daemons = d;
	if (spawn(d) == -1) {
		/* keep the directory and log for the report */
		d->dir[0] = '\0';
		daemon_free(d);
		return NULL;
	}
	return d;
}

struct daemon *
daemon_start(const char *arg, ...)
{
	const char	*args[32];
	va_list		 ap;
	int		 n = 0;

	va_start(ap, arg);
	for (; arg != NULL && n < 31; arg = va_arg(ap, const char *))
		args[n++] = arg;
	va_end(ap);
	args[n] = NULL;
	return daemon_startv(args);
}

int
daemon_restart(struct daemon *d)
{
	if (d->pid != 0 && !reaped(d)) {
		h_seterr("daemon_restart: daemon %d still running", d->pid);
		return -1;
	}
	return spawn(d);
}

/* sig to every process of ps but except, the last found first. */
static void
pidset_signal(const struct pidset *ps, pid_t except, int sig)
{
	size_t	i;

	for (i = ps->n; i-- > 0;)
		if (ps->pid[i] != except)
			kill(ps->pid[i], sig);
}

int
daemon_signal_tree(const struct daemon *d, int sig)
{
	struct pidset	*ps;

	if ((ps = calloc(1, sizeof *ps)) == NULL) {
		kill(d->pid, sig);
		h_seterr("out of memory");
		return -1;
	}
	proc_tree(d->pid, ps);
	pidset_signal(ps, d->pid, sig);
	kill(d->pid, sig);
	free(ps);
	return 0;
}

void
h_long_name(char *name, size_t len, int i)
{
	snprintf(name, len + 1, "%06d", i);
	memset(name + 6, 'n', len - 6);
	name[len] = '\0';
}

int
daemon_restart_with_lists(struct daemon *d, int n, size_t len)
{
	char name[256], path[512];
	int i, fd;

	if (len < 7 || len >= sizeof(name)) {
		h_seterr("daemon_restart_with_lists: names of %zu bytes", len);
		return -1;
	}
	if (daemon_stop(d) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		h_long_name(name, len, i);
		snprintf(path, sizeof path, "%s/%s", d->data, name);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600)) == -1) {
			h_seterr("create %s: %s", path, strerror(errno));
			return -1;
		}
		close(fd);
	}
	return daemon_restart(d);
}

static bool
tree_gone(void *arg)
{
	return !pidset_any_alive(arg);
}

void
daemon_kill(struct daemon *d)
{
	struct pidset	*ps;

	if (d->pid == 0)
		return;
	/* The supervisor stopped first, so that it starts none of its
	 * children again (a child started after the list was taken would
	 * outlive the kill a while, holding the data directory's lock
	 * against the next start), but not killed first: its children
	 * would see it gone and begin an orderly exit (a worker's final
	 * checkpoint) before their own kill.  Then the children, the
	 * supervisor, and until they are all gone. */
	ps = calloc(1, sizeof *ps);
	if (ps != NULL)
		proc_tree(d->pid, ps);
	kill(d->pid, SIGSTOP);
	if (ps != NULL)
		pidset_signal(ps, d->pid, SIGKILL);
	kill(d->pid, SIGKILL);
	if (waitpid(d->pid, &d->status, 0) == d->pid)
		d->pid = 0;
	if (ps != NULL) {
		(void)h_poll(h_ms(5000), tree_gone, ps);
		free(ps);
	}
}

static bool
exited(void *arg)
{
	return reaped(arg);
}

/* After the main process exited: its former children must be gone too. */
static int
check_leftovers(struct pidset *ps)
{
	char	 list[512];
	size_t	 i, n = 0;

	if (h_poll(h_ms(5000), tree_gone, ps))
		return 0;
	list[0] = '\0';
	for (i = 0; i < ps->n; i++) {
		if (proc_starttime(ps->pid[i]) != ps->start[i] ||
		    proc_state(ps->pid[i]) == 'Z')
			continue;
		n += (size_t)snprintf(list + n, n < sizeof list ?
		    sizeof list - n : 0, " %d", (int)ps->pid[i]);
		kill(ps->pid[i], SIGKILL);
	}
	h_seterr("processes of the daemon left behind after its exit:%s",
	    list);
	return -1;
}

long
h_log_mark(const struct daemon *d)
{
	struct stat	st;

	return stat(d->log, &st) == 0 ? (long)st.st_size : 0;
}

int
h_log_count_since(const struct daemon *d, long mark, const char *text)
{
	char	 line[4096];
	FILE	*f;
	int	 n = 0;

	if ((f = fopen(d->log, "r")) == NULL)
		return -1;
	if (mark > 0 && fseek(f, mark, SEEK_SET) == -1) {
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL)
		if (strstr(line, text) != NULL)
			n++;
	fclose(f);
	return n;
}

int
h_log_count(const struct daemon *d, const char *text)
{
	return h_log_count_since(d, 0, text);
}

struct log_wait {
	const struct daemon	*d;
	long			 mark;
	const char		*text;
};

static bool
log_holds(void *arg)
{
	const struct log_wait *w = arg;

	return h_log_count_since(w->d, w->mark, w->text) > 0;
}

bool
h_logged_since(const struct daemon *d, long mark, const char *text, int ms)
{
	struct log_wait w = { d, mark, text };

	return h_poll(ms, log_holds, &w);
}

bool
h_logged(const struct daemon *d, const char *text, int ms)
{
	return h_logged_since(d, 0, text, ms);
}

static const char *const bug_marks[] = {
	"unexpected message", "malformed message", "bad message from",
	"events left after a release",
};

/*
 * The first line of the daemon's log that only a bug writes, whatever a
 * test does to the daemon (a process got a message it cannot take, a
 * list server could not be reused), into line: true if there is one.
 */
static bool
daemon_log_bug(const struct daemon *d, char *line, size_t len)
{
	FILE	*f;
	size_t	 i;

	if (d->peer || (f = fopen(d->log, "r")) == NULL)
		return false;
	while (fgets(line, (int)len, f) != NULL)
		for (i = 0; i < sizeof bug_marks / sizeof bug_marks[0]; i++)
			if (strstr(line, bug_marks[i]) != NULL) {
				line[strcspn(line, "\n")] = '\0';
				fclose(f);
				return true;
			}
	fclose(f);
	return false;
}

static int	daemon_stop_with(struct daemon *, int, bool, int);

int
daemon_stop(struct daemon *d)
{
	return daemon_stop_with(d, SIGTERM, false, 0);
}

int
daemon_stop_status(struct daemon *d, int want)
{
	return daemon_stop_with(d, SIGTERM, false, want);
}

int
daemon_stop_group(struct daemon *d, int sig)
{
	return daemon_stop_with(d, sig, true, 0);
}

static int
daemon_stop_with(struct daemon *d, int sig, bool group, int want)
{
	struct pidset	*ps;
	char		 how[64], line[512];
	size_t		 i;
	int		 rv = 0;

	if (d->pid == 0 || reaped(d))
		return 0;
	if ((ps = calloc(1, sizeof *ps)) == NULL) {
		h_seterr("out of memory");
		return -1;
	}
	proc_tree(d->pid, ps);
	if (group)
		pidset_signal(ps, d->pid, sig);
	kill(d->pid, sig);
	if (!h_poll(h_ms(H_STOP_MS), exited, d)) {
		h_seterr("daemon %d still running %d ms after signal %d: "
		    "killed", (int)d->pid, h_ms(H_STOP_MS), sig);
		daemon_print_log(d);
		fprintf(stderr, "harness: daemon %d still running %d ms after "
		    "signal %d; its processes:\n", (int)d->pid,
		    h_ms(H_STOP_MS), sig);
		memset(ps, 0, sizeof *ps);
		proc_tree(d->pid, ps);
		for (i = 0; i < ps->n; i++)
			proc_report(ps->pid[i]);
		daemon_kill(d);
		free(ps);
		return -1;
	}
	if (check_leftovers(ps) == -1)
		rv = -1;
	else if (!WIFEXITED(d->status) || WEXITSTATUS(d->status) != want) {
		describe_status(d->status, how, sizeof how);
		h_seterr("daemon exited after signal %d with %s", sig, how);
		rv = -1;
	} else if (access(d->sock, F_OK) == 0) {
		h_seterr("socket %s left behind after signal %d", d->sock,
		    sig);
		rv = -1;
	} else if (!d->bug_lines_ok && daemon_log_bug(d, line, sizeof line)) {
		h_seterr("the daemon's log shows a bug: %s", line);
		rv = -1;
	}
	if (rv == -1)
		daemon_print_log(d);
	free(ps);
	return rv;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)f;
	if (flag == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

void
h_rmtree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void
daemon_free(struct daemon *d)
{
	struct daemon	**pp;
	int		  i;

	if (d == NULL)
		return;
	daemon_kill(d);
	if (d->dir[0] != '\0')
		h_rmtree(d->dir);
	for (pp = &daemons; *pp != NULL; pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	for (i = 0; d->args[i] != NULL; i++)
		free(d->args[i]);
	free(d);
}

/* The last 64 KiB of every running daemon's log. */
void
h_fail_report(void)
{
	struct daemon	*d;
	char		 buf[4096];
	size_t		 n;
	FILE		*f;

	for (d = daemons; d != NULL; d = d->next) {
		if (d->pid == 0 || (f = fopen(d->log, "r")) == NULL)
			continue;
		if (fseek(f, -65536, SEEK_END) == -1)
			rewind(f);
		fprintf(stderr, "---- %s (daemon %d) ----\n", d->log,
		    (int)d->pid);
		while ((n = fread(buf, 1, sizeof buf, f)) > 0)
			fwrite(buf, 1, n, stderr);
		fprintf(stderr, "---- end of %s ----\n", d->log);
		fclose(f);
	}
}

struct daemon *
h_daemon_start_ok(const char *file, int line, const char *arg, ...)
{
	const char	*args[32];
	struct daemon	*d;
	va_list		 ap;
	int		 n = 0;

	va_start(ap, arg);
	for (; arg != NULL && n < 31; arg = va_arg(ap, const char *))
		args[n++] = arg;
	va_end(ap);
	args[n] = NULL;
	if ((d = daemon_startv(args)) == NULL)
		_ck_assert_failed(file, line, "daemon_start", "%s",
		    h_err());
	return d;
}

void
h_shared_teardown(struct daemon **dp)
{
	if (*dp == NULL)
		return;
	if (daemon_stop(*dp) == -1) {
		fprintf(stderr, "harness: FAILED: stopping the shared daemon: "
		    "%s\n", h_err());
		teardown_failed = true;
	}
	daemon_free(*dp);
	*dp = NULL;
}
