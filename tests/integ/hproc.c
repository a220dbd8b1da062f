/*
 * hproc.c: the daemon's process tree, from /proc and from its `stats`
 * reply: pids, parents, liveness, memory, processor time.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* Fields of /proc/PID/stat after the command name. */
struct pstat {
	char			state;
	pid_t			ppid;
	unsigned long long	ticks;	/* utime + stime */
	unsigned long long	start;
};

static int
read_stat(pid_t pid, struct pstat *ps)
{
	char		 path[64], buf[1024], *p;
	unsigned long long v;
	size_t		 n;
	FILE		*f;
	int		 field;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the command name may hold spaces and parentheses */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return -1;
	p += 2;
	ps->state = *p;
	for (field = 3; *p != '\0'; field++) {
		v = strtoull(p, &p, 10);
		if (field == 4)
			ps->ppid = (pid_t)v;
		if (field == 14)
			ps->ticks = v;
		if (field == 15)
			ps->ticks += v;
		if (field == 22) {
			ps->start = v;
			return 0;
		}
		while (*p == ' ' || isalpha((unsigned char)*p))
			p++;
	}
	return -1;
}

/* Print /proc/PID/name to stderr, if it can be read. */
static void
print_proc(pid_t pid, const char *name)
{
	char	path[64], buf[512];
	ssize_t	n;
	int	fd;

	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		fprintf(stderr, "%s: %s%s", path, buf,
		    buf[n - 1] == '\n' ? "" : "\n");
	}
}

void
proc_report(pid_t pid)
{
	print_proc(pid, "stat");
	print_proc(pid, "wchan");
	print_proc(pid, "syscall");
	print_proc(pid, "stack");
}

int64_t
proc_cpu_ms(pid_t pid)
{
	struct pstat	ps;
	long		hz = sysconf(_SC_CLK_TCK);

	if (hz <= 0 || read_stat(pid, &ps) == -1)
		return -1;
	return (int64_t)(ps.ticks * 1000 / (unsigned long long)hz);
}

unsigned long long
proc_starttime(pid_t pid)
{
	struct pstat	ps;

	return read_stat(pid, &ps) == 0 ? ps.start : 0;
}

char
proc_state(pid_t pid)
{
	struct pstat	ps;

	return read_stat(pid, &ps) == 0 ? ps.state : 0;
}

bool
pidset_has(const struct pidset *s, pid_t pid)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		if (s->pid[i] == pid)
			return true;
	return false;
}

void
pidset_add(struct pidset *s, pid_t pid)
{
	if (pidset_has(s, pid) || s->n == sizeof s->pid / sizeof s->pid[0])
		return;
	s->start[s->n] = proc_starttime(pid);
	s->pid[s->n++] = pid;
}

int
proc_children(pid_t parent, struct pidset *s)
{
	struct dirent	*de;
	struct pstat	 ps;
	DIR		*d;
	pid_t		 pid;

	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (pid_t)atoi(de->d_name);
		if (read_stat(pid, &ps) == 0 && ps.ppid == parent)
			pidset_add(s, pid);
	}
	closedir(d);
	return 0;
}

int
proc_tree(pid_t root, struct pidset *s)
{
	size_t	i;

	pidset_add(s, root);
	for (i = 0; i < s->n; i++)
		if (proc_children(s->pid[i], s) == -1)
			return -1;
	return 0;
}

bool
pidset_any_alive(const struct pidset *s)
{
	struct pstat	ps;
	size_t		i;

	for (i = 0; i < s->n; i++)
		if (read_stat(s->pid[i], &ps) == 0 && ps.start == s->start[i] &&
		    ps.state != 'Z')
			return true;
	return false;
}

long
proc_status(pid_t pid, const char *field)
{
	char	 path[64], line[256];
	size_t	 n = strlen(field);
	long	 v = -1;
	FILE	*f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, field, n) == 0 && line[n] == ':' &&
		    sscanf(line + n + 1, "%ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

long
proc_rss_kb(pid_t pid)
{
	return proc_status(pid, "VmRSS");
}

long
proc_tree_rss_kb(pid_t root)
{
	struct pidset	*s;
	long		 sum = 0, kb;
	size_t		 i;

	if ((s = calloc(1, sizeof *s)) == NULL)
		return -1;
	proc_tree(root, s);
	for (i = 0; i < s->n; i++)
		if ((kb = proc_rss_kb(s->pid[i])) > 0)
			sum += kb;
	free(s);
	return sum;
}

int
proc_nfds(pid_t pid)
{
	struct dirent	*de;
	char		 path[64];
	DIR		*d;
	int		 n = 0;

	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
add_other(struct daemon_pids *dp, int64_t pid)
{
	size_t	i;

	if (pid <= 0 || pid == dp->supervisor || pid == dp->cache)
		return;
	for (i = 0; i < dp->nworkers; i++)
		if (dp->workers[i] == pid)
			return;
	for (i = 0; i < dp->nothers; i++)
		if (dp->others[i] == pid)
			return;
	if (dp->nothers < sizeof dp->others / sizeof dp->others[0])
		dp->others[dp->nothers++] = (pid_t)pid;
}

/* A map with a binary `name` and an integer `pid`: a list server. */
static void
add_list(struct daemon_pids *dp, const struct etf_term *m)
{
	const struct etf_term	*name = etf_map_get(m, "name");
	const struct etf_term	*pid = etf_map_get(m, "pid");

	if (name == NULL || pid == NULL || name->type != ETF_BINARY ||
	    pid->type != ETF_INT || name->bin.len > 255 ||
	    dp->nlists == sizeof dp->lists / sizeof dp->lists[0])
		return;
	dp->lists[dp->nlists].pid = (pid_t)pid->i;
	memcpy(dp->lists[dp->nlists].name, name->bin.p, name->bin.len);
	dp->lists[dp->nlists].name[name->bin.len] = '\0';
	dp->lists[dp->nlists++].len = name->bin.len;
}

/* Every value of a `pid` key anywhere under t, but the workers'. */
static void
walk_pids(struct daemon_pids *dp, const struct etf_term *t)
{
	size_t	i;

	switch (t->type) {
	case ETF_LIST:
	case ETF_TUPLE:
		for (i = 0; i < t->seq.n; i++)
			walk_pids(dp, &t->seq.v[i]);
		break;
	case ETF_MAP:
		add_list(dp, t);
		for (i = 0; i < t->map.n; i++) {
			if (etf_is_atom(&t->map.kv[2 * i], "workers"))
				continue;
			if (etf_is_atom(&t->map.kv[2 * i], "pid") &&
			    t->map.kv[2 * i + 1].type == ETF_INT)
				add_other(dp, t->map.kv[2 * i + 1].i);
			else
				walk_pids(dp, &t->map.kv[2 * i + 1]);
		}
		break;
	default:
		break;
	}
}

static int
int_of(const struct etf_term *m, const char *key, int64_t *v)
{
	const struct etf_term	*t = etf_map_get(m, key);

	if (t == NULL || t->type != ETF_INT)
		return -1;
	*v = t->i;
	return 0;
}

static int
parse_pids(const struct etf_term *m, struct daemon_pids *dp)
{
	const struct etf_term	*w;
	int64_t			 v;
	size_t			 i;

	if (int_of(m, "supervisor", &v) == -1)
		return -1;
	dp->supervisor = (pid_t)v;
	if (int_of(m, "cache", &v) == -1)
		return -1;
	dp->cache = (pid_t)v;
	if ((w = etf_map_get(m, "workers")) == NULL || w->type != ETF_LIST)
		return -1;
	for (i = 0; i < w->seq.n && i < 64; i++) {
		if (w->seq.v[i].type != ETF_MAP ||
		    int_of(&w->seq.v[i], "pid", &v) == -1)
			return -1;
		dp->workers[dp->nworkers++] = (pid_t)v;
	}
	walk_pids(dp, m);
	return 0;
}

int
daemon_pids(const struct daemon *d, struct daemon_pids *dp)
{
	const struct etf_term	*t;
	struct conn		*c;
	char			 buf[1024];
	int			 rv = -1;

	memset(dp, 0, sizeof *dp);
	if ((c = conn_open(d)) == NULL)
		return -1;
	if (conn_sendf(c, "stats") == 0 &&
	    (t = conn_recv(c, h_ms(H_REPLY_MS))) != NULL) {
		if (etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "ok") &&
		    t->seq.v[1].type == ETF_MAP &&
		    parse_pids(&t->seq.v[1], dp) == 0)
			rv = 0;
		else
			h_seterr("stats: unexpected reply %s",
			    tterm_print(t, buf, sizeof buf));
	}
	conn_close(c);
	return rv;
}

/* Its title (the first word of /proc/PID/cmdline) into buf, or false. */
static bool
proc_title(pid_t pid, char *buf, size_t size)
{
	char	path[64];
	ssize_t	n;
	int	fd;

	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return false;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return true;
}

bool
proc_cmdline_is(pid_t pid, const char *prefix)
{
	char	buf[256];

	return proc_title(pid, buf, sizeof buf) &&
	    strncmp(buf, prefix, strlen(prefix)) == 0;
}

bool
proc_title_is(pid_t pid, const char *title)
{
	char	buf[256];

	return proc_title(pid, buf, sizeof buf) && strcmp(buf, title) == 0;
}
