/*
 * crash_util.c: processes, a second todod, the log and data files, for
 * the crash and store-fault tests.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crash_util.h"
#include "etf.h"
#include "fclient.h"
#include "store.h"
#include "todolist.h"

void
cu_subreaper(void)
{
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
}

int
cu_orphans(pid_t except, struct pidset *out)
{
	struct pidset	*kids;
	size_t		 i;
	int		 n = 0;
	char		 st;

	if ((kids = calloc(1, sizeof *kids)) == NULL)
		return -1;
	proc_children(getpid(), kids);
	for (i = 0; i < kids->n; i++) {
		if (kids->pid[i] == except)
			continue;
		st = proc_state(kids->pid[i]);
		if (st == 'Z') {
			/* only todod's orphans are zombies we did not reap */
			(void)waitpid(kids->pid[i], NULL, WNOHANG);
			continue;
		}
		/* a dying process has no command line any more, but may
		 * still hold descriptors (the data directory's lock): every
		 * other child counts, the test starts no others */
		if (st == 0)
			continue;
		n++;
		if (out != NULL)
			pidset_add(out, kids->pid[i]);
	}
	free(kids);
	return n;
}

bool
cu_reaped(void *arg)
{
	return !daemon_alive(arg);
}

void
cu_kill_wait(struct daemon *d)
{
	kill(d->pid, SIGKILL);
	H_ASSERT(h_poll(h_ms(5000), cu_reaped, d), "supervisor not reaped");
	H_ASSERT(cu_wait_unlocked(d->data, h_ms(5000)), "the data directory "
	    "stays locked");
}

int64_t
cu_size(const struct daemon *d, const char *name)
{
	const struct etf_term	*t;
	struct fc		 c;
	int64_t			 n = -1;

	(void)cu_attach(d, &c, name);
	fc_q_atom(&c, "size");
	H_ASSERT(fc_call(&c, h_ms(10000), &t) == FC_REPLY &&
	    fc_ok_int(t, &n), "size of %s: %s", name, c.err);
	fc_free(&c);
	return n;
}

bool
cu_wait_unlocked(const char *datadir, int ms)
{
	int64_t	end = h_now_ms() + ms;
	char	path[512];
	int	fd;

	snprintf(path, sizeof path, "%s/.lock", datadir);
	for (;;) {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			return errno == ENOENT;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			close(fd);	/* releases it */
			return true;
		}
		close(fd);
		if (h_now_ms() >= end)
			return false;
		h_pause_ms(2);
	}
}

void
cu_children(const struct daemon *d, struct pidset *ps)
{
	struct pidset	*tree;
	size_t		 i;

	memset(ps, 0, sizeof *ps);
	if ((tree = calloc(1, sizeof *tree)) == NULL)
		return;
	proc_tree(d->pid, tree);	/* list servers are grandchildren */
	for (i = 0; i < tree->n; i++)
		if (tree->pid[i] != d->pid)
			pidset_add(ps, tree->pid[i]);
	free(tree);
}

int
cu_run_todod(int ms, char *out, size_t outlen, int64_t *elapsed,
    const char *arg, ...)
{
	const char	*av[32];
	char		 path[] = "/tmp/todod-fault-out.XXXXXX";
	int64_t		 t0 = h_now_ms();
	va_list		 ap;
	pid_t		 pid;
	ssize_t		 n;
	int		 fd, st = -1, i = 0;

	av[i++] = getenv("TODOD");
	va_start(ap, arg);
	for (; arg != NULL && i < 31; arg = va_arg(ap, const char *))
		av[i++] = arg;
	va_end(ap);
	av[i] = NULL;
	out[0] = '\0';
	if ((fd = mkstemp(path)) == -1)
		return -1;
	unlink(path);
	if ((pid = fork()) == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execv(av[0], (char *const *)av);
		_exit(127);
	}
	for (;;) {
		if (pid == -1 || waitpid(pid, &st, WNOHANG) == pid)
			break;
		if (h_now_ms() - t0 > ms) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			st = -1;
			break;
		}
		h_pause_ms(5);
	}
	*elapsed = h_now_ms() - t0;
	if ((n = pread(fd, out, outlen - 1, 0)) > 0)
		out[n] = '\0';
	close(fd);
	return st;
}

int
cu_read_file(const char *path, uint8_t **data, size_t *len)
{
	struct stat	 sb;
	uint8_t		*p;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &sb) == -1 || (p = malloc((size_t)sb.st_size + 1)) ==
	    NULL) {
		close(fd);
		return -1;
	}
	while (off < (size_t)sb.st_size &&
	    (n = read(fd, p + off, (size_t)sb.st_size - off)) > 0)
		off += (size_t)n;
	close(fd);
	*data = p;
	*len = off;
	return 0;
}

int
cu_write_file(const char *path, const void *data, size_t len)
{
	const uint8_t	*p = data;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	while (len > 0) {
		if ((n = write(fd, p, len)) <= 0) {
			close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return close(fd);
}

int
cu_count_prefix(const char *dir, const char *prefix)
{
	struct dirent	*de;
	DIR		*d;
	int		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

int
cu_count_temps(const char *dir)
{
	return cu_count_prefix(dir, STORE_TMP_PREFIX);
}

int
cu_load_list(const char *datadir, const char *name, struct todo_list **out,
    char *why, size_t whylen)
{
	struct etf_arena	*a;
	const char		*w = "";
	int			 dirfd, rv;

	*out = NULL;
	if ((dirfd = open(datadir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		snprintf(why, whylen, "%s: %s", datadir, strerror(errno));
		return -1;
	}
	if ((a = etf_arena_new()) == NULL) {
		close(dirfd);
		return -1;
	}
	rv = store_load(dirfd, name, strlen(name), a, 256u * 1024 * 1024,
	    out, &w);
	close(dirfd);
	etf_arena_free(a);
	if (rv == STORE_OK) {
		/* store_load gives an empty list for an absent file */
		char	path[512];

		snprintf(path, sizeof path, "%s/%s", datadir, name);
		return access(path, F_OK) == 0 ? 0 : 1;
	}
	snprintf(why, whylen, "%s: %s", name, w != NULL ? w : "?");
	return -1;
}

pid_t
cu_attach(const struct daemon *d, struct fc *c, const char *name)
{
	const struct etf_term	*t;
	char			 buf[256];
	int64_t			 pid;

	fc_init(c);
	H_ASSERT(fc_open(c, d->sock, h_ms(5000)) == 0, "%s", c->err);
	fc_q_attach(c, name);
	H_ASSERT(fc_call(c, h_ms(10000), &t) == FC_REPLY, "attach %s: %s",
	    name, c->err);
	H_ASSERT(fc_ok_int(t, &pid) && pid > 0 && pid <= INT32_MAX,
	    "attach %s: %s", name, fc_print(t, buf, sizeof buf));
	return (pid_t)pid;
}

/* Attach on a fresh connection, retrying for up to 3 s while busy (a
 * server whose connection just closed may not have reported idle yet);
 * each busy answer counts in *busy. */
void
cu_attach_retry_busy(const struct daemon *d, struct fc *c, const char *name,
    int64_t *pid, int *busy)
{
	const struct etf_term	*t;
	int64_t			 end = h_now_ms() + h_ms(3000);
	char			 buf[256];
	int			 r;

	fc_init(c);
	H_ASSERT(fc_open(c, d->sock, h_ms(5000)) == 0, "%s", c->err);
	for (;;) {
		fc_q_attach(c, name);
		r = fc_call(c, h_ms(10000), &t);
		H_ASSERT(r == FC_REPLY, "attach %s: %s", name, c->err);
		if (fc_ok_int(t, pid))
			return;
		H_ASSERT(fc_is_error(t, "busy") && h_now_ms() < end,
		    "attach %s: %s", name, fc_print(t, buf, sizeof buf));
		(*busy)++;
		h_pause_ms(10);
	}
}
