/* harness.c: running programs, private daemons and fake daemons for the
 * client tests. */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "etf.h"
#include "frame.h"
#include "harness.h"
#include "todoclient.h"

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
h_wait(pid_t pid, int deadline_ms)
{
	int64_t end = now_ms() + deadline_ms;
	int st;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			break;
		if (r == -1 && errno != EINTR)
			return -1;
		if (now_ms() > end) {
			kill(pid, SIGKILL);
			if (waitpid(pid, &st, 0) != pid)
				return -1;
			break;
		}
		poll(NULL, 0, 10);
	}
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

/* Append what fd has to *buf; 0 at EOF, 1 if more may come, -1. */
static int
drain(int fd, char **buf, size_t *len, size_t *cap)
{
	char *nb;
	ssize_t n;

	if (*cap - *len < 65536) {
		*cap = *cap ? *cap * 2 : 65536;
		if ((nb = realloc(*buf, *cap + 1)) == NULL)
			return -1;
		*buf = nb;
	}
	n = read(fd, *buf + *len, *cap - *len);
	if (n == -1)
		return errno == EINTR || errno == EAGAIN ? 1 : -1;
	*len += (size_t)n;
	(*buf)[*len] = '\0';
	return n > 0;
}

static void
child_exec(int in, int out, int err, char *const env[], char *const argv[])
{
	size_t i;

	dup2(in, 0);
	dup2(out, 1);
	dup2(err, 2);
	for (i = 0; env != NULL && env[i] != NULL; i++)
		putenv(env[i]);
	execv(argv[0], argv);
	fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int
h_run_argv(struct h_run *r, const char *in_path, char *const env[],
    char *const argv[])
{
	struct pollfd pfd[2];
	int op[2], ep[2], in, open_n = 2, rv = 0;
	size_t ocap = 0, ecap = 0;
	int64_t end = now_ms() + H_RUN_DEADLINE_MS;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->out = calloc(1, 1);
	r->err = calloc(1, 1);
	if ((in = open(in_path ? in_path : "/dev/null", O_RDONLY)) == -1)
		return -1;
	if (pipe(op) == -1 || pipe(ep) == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		close(op[0]);
		close(ep[0]);
		child_exec(in, op[1], ep[1], env, argv);
	}
	close(in);
	close(op[1]);
	close(ep[1]);
	pfd[0].fd = op[0];
	pfd[1].fd = ep[0];
	pfd[0].events = pfd[1].events = POLLIN;
	while (open_n > 0 && rv == 0) {
		if (poll(pfd, 2, (int)(end - now_ms() > 0 ?
		    end - now_ms() : 0)) <= 0) {
			rv = -1;	/* deadline */
			break;
		}
		if (pfd[0].revents && drain(op[0], &r->out, &r->out_len,
		    &ocap) <= 0) {
			pfd[0].fd = -1;
			open_n--;
		}
		if (pfd[1].revents && drain(ep[0], &r->err, &r->err_len,
		    &ecap) <= 0) {
			pfd[1].fd = -1;
			open_n--;
		}
	}
	close(op[0]);
	close(ep[0]);
	r->status = h_wait(pid, rv == 0 ? H_STOP_DEADLINE_MS : 0);
	return rv == 0 && r->status != -1 ? 0 : -1;
}

void
h_run_free(struct h_run *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

const char *
h_todoctl(void)
{
	static char path[PATH_MAX];
	const char *v;

	if ((v = getenv("TODOCTL")) != NULL && *v != '\0')
		return v;
	v = getenv("TOP_BUILDDIR");
	snprintf(path, sizeof(path), "%s/client/todoctl", v ? v : ".");
	return path;
}

const char *
h_todo_bench(void)
{
	static char path[PATH_MAX];
	const char *ctl = h_todoctl(), *slash;
	int dirlen;

	slash = strrchr(ctl, '/');
	dirlen = slash != NULL ? (int)(slash + 1 - ctl) : 0;
	snprintf(path, sizeof(path), "%.*stodo-bench", dirlen, ctl);
	return path;
}

int
h_ctl(struct h_run *r, const char *sock, const char *in_path, ...)
{
	char *argv[64];
	va_list ap;
	int n = 0;

	argv[n++] = (char *)h_todoctl();
	if (sock != NULL) {
		argv[n++] = "-s";
		argv[n++] = (char *)sock;
	}
	va_start(ap, in_path);
	while (n < 63 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	return h_run_argv(r, in_path, NULL, argv);
}

char *
h_tmpdir(void)
{
	static char path[PATH_MAX];
	const char *t = getenv("TMPDIR");

	/* A socket path must stay under 108 bytes. */
	if (t == NULL || *t == '\0' || strlen(t) > 60)
		t = "/tmp";
	snprintf(path, sizeof(path), "%s/todoctl-test.XXXXXX", t);
	return mkdtemp(path);
}

void
h_rmtree(const char *path)
{
	struct dirent *de;
	struct stat st;
	char sub[PATH_MAX];
	DIR *d;

	if (lstat(path, &st) == -1)
		return;
	if (S_ISDIR(st.st_mode) && (d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			h_rmtree(sub);
		}
		closedir(d);
		rmdir(path);
	} else
		unlink(path);
}

int
h_write_file(const char *path, const void *p, size_t len)
{
	FILE *fp;
	int rv;

	if ((fp = fopen(path, "wb")) == NULL)
		return -1;
	rv = fwrite(p, 1, len, fp) == len ? 0 : -1;
	if (fclose(fp) == EOF)
		rv = -1;
	return rv;
}

char *
h_read_file(const char *path, size_t *lenp)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd, more;

	if ((fd = open(path, O_RDONLY)) == -1)
		return NULL;
	while ((more = drain(fd, &buf, &len, &cap)) == 1)
		;
	close(fd);
	if (more == -1) {
		free(buf);
		return NULL;
	}
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

bool
h_using_peer(void)
{
	const char *p = getenv("TODOD_TEST_PEER");

	return p != NULL && *p != '\0';
}

/* Does the socket answer ping with pong? */
static bool
answers(const char *sock)
{
	struct tc_conn *c;
	struct etf_arena *a;
	struct etf_buf b;
	const struct etf_term *r;
	bool ok = false;

	if ((c = tc_new()) == NULL || (a = etf_arena_new()) == NULL) {
		tc_free(c);
		return false;
	}
	tc_set_timeout(c, 2000);
	etf_buf_init(&b);
	tc_req_atom(&b, "ping");
	if (tc_connect(c, sock) == TC_OK && tc_call(c, &b, a, &r) == TC_OK)
		ok = etf_is_atom(r, "pong");
	etf_buf_free(&b);
	etf_arena_free(a);
	tc_free(c);
	return ok;
}

static void
show_log(const struct h_daemon *d)
{
	char *log = h_read_file(d->log, NULL);

	fprintf(stderr, "--- %s:\n%s--- end of log\n", d->log,
	    log ? log : "(none)\n");
	free(log);
}

static void
daemon_exec(const struct h_daemon *d)
{
	const char *peer = getenv("TODOD_TEST_PEER");
	const char *todod = getenv("TODOD");
	int fd;

	if ((fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		_exit(127);
	dup2(fd, 1);
	dup2(fd, 2);
	if ((fd = open("/dev/null", O_RDONLY)) != -1)
		dup2(fd, 0);
	if (d->peer)
		execlp("elixir", "elixir", peer, "--socket", d->sock,
		    "--data-dir", d->data, "--sync", "none", (char *)NULL);
	else
		execl(todod, "todod", "-f", "-s", d->sock, "-d", d->data,
		    (char *)NULL);
	fprintf(stderr, "exec %s: %s\n", d->peer ? "elixir" : todod,
	    strerror(errno));
	_exit(127);
}

int
h_daemon_start(struct h_daemon *d)
{
	const char *todod = getenv("TODOD");
	int64_t end;
	char *dir;
	int st;

	memset(d, 0, sizeof(*d));
	d->pid = -1;
	d->peer = h_using_peer();
	if (!d->peer && (todod == NULL || *todod == '\0')) {
		fprintf(stderr, "TODOD is not set (run the tests with make "
		    "check)\n");
		return -1;
	}
	if ((dir = h_tmpdir()) == NULL)
		return -1;
	snprintf(d->dir, sizeof(d->dir), "%s", dir);
	snprintf(d->sock, sizeof(d->sock), "%s/todod.sock", dir);
	snprintf(d->data, sizeof(d->data), "%s/data", dir);
	snprintf(d->log, sizeof(d->log), "%s/daemon.log", dir);
	if ((d->pid = fork()) == -1)
		return -1;
	if (d->pid == 0)
		daemon_exec(d);
	end = now_ms() + H_START_DEADLINE_MS;
	while (now_ms() < end) {
		if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
			fprintf(stderr, "the daemon exited at start (status "
			    "%d)\n", st);
			d->pid = -1;
			show_log(d);
			return -1;
		}
		if (answers(d->sock))
			return 0;
		poll(NULL, 0, 20);
	}
	fprintf(stderr, "the daemon did not answer on %s within %d ms\n",
	    d->sock, H_START_DEADLINE_MS);
	show_log(d);
	h_daemon_stop(d);
	return -1;
}

int
h_daemon_stop(struct h_daemon *d)
{
	int st = -1;

	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		st = h_wait(d->pid, H_STOP_DEADLINE_MS);
		d->pid = -1;
	}
	if (d->dir[0] != '\0' && getenv("TODOD_TEST_KEEP") == NULL)
		h_rmtree(d->dir);
	return st;
}

pid_t
h_fake_server(const char *path, void (*fn)(int, void *), void *arg)
{
	struct sockaddr_un sun;
	int lfd, fd;
	pid_t pid;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	unlink(path);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(lfd, 8) == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		alarm(60);	/* a fake never outlives its test */
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			_exit(1);
		close(lfd);
		fn(fd, arg);
		close(fd);
		_exit(0);
	}
	close(lfd);
	return pid;
}

static int
full_io(int fd, void *buf, size_t len, bool wr)
{
	uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		n = wr ? write(fd, p, len) : read(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

long
h_read_frame(int fd, void *buf, size_t size)
{
	uint8_t hdr[FRAME_HDR];
	uint32_t len;

	if (full_io(fd, hdr, sizeof(hdr), false) == -1)
		return -1;
	len = frame_get_len(hdr);
	if (len > size || full_io(fd, buf, len, false) == -1)
		return -1;
	return (long)len;
}

int
h_write_frame(int fd, const void *p, size_t len)
{
	uint8_t hdr[FRAME_HDR];

	frame_put_len(hdr, (uint32_t)len);
	if (full_io(fd, hdr, sizeof(hdr), true) == -1 ||
	    full_io(fd, (void *)p, len, true) == -1)
		return -1;
	return 0;
}
