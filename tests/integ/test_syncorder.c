/*
 * test_syncorder: todod's writes and syncs in the order a power cut sees.
 *
 * A killed process loses nothing that it wrote, synced or not: the page
 * cache keeps it.  The fault tests (tests/fault) therefore cannot tell a
 * change that is on the disk from one that is only in memory; a power
 * cut can.  This test runs todod under strace(1), each process traced to
 * its own file, makes changes, syncs and checkpoints on several lists,
 * stops the daemon, and checks each process's system calls in their own
 * order (exact: one process's calls follow each other):
 *
 *   reply    nothing goes out on a socket while a journal record that
 *            changes a list (journal.h; a Seq record alone is not one)
 *            is written and not synced (fdatasync, fsync or syncfs),
 *            nor while a directory operation that an acknowledged change
 *            may rest on (a journal created, a file renamed or linked
 *            into the data directory) is not synced (fsync of the
 *            directory, or syncfs);
 *   rename   no file is renamed or linked into the data directory before
 *            its own data is synced, nor while such a journal record is
 *            not (the FILE record goes first, worker_ckpt.c);
 *   retire   no journal is removed while renames into the data directory
 *            are not synced (the checkpoint that retires it must be on
 *            the disk first).
 *
 * Cases: three workers (files and journals synced one by one); one
 * worker with every list (checkpoints synced with syncfs); the recovery
 * of journals left by SIGKILL (replayed, checkpointed, removed, every
 * change kept); and --sync none, which must break the reply rule: the
 * check can fail.  Counts of what was seen (journal writes and syncs,
 * renames, directory syncs, journals removed, replies) must be above
 * zero, so an empty or unreadable trace fails too.
 *
 * Skipped (77) when strace is not installed or cannot trace here.  Under
 * LeakSanitizer, whose leak check at exit attaches to the process with
 * ptrace as strace does, the traced daemon runs with detect_leaks=0.
 * TODOD_TEST_KEEP_TRACE=1 keeps the trace files and says where.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/utsname.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define MAX_DIRTY	256
#define MAX_FDS		1024
#define MAX_REPORTS	10
#define STRACE_STRSIZE	65536	/* strace -s: bytes of a buffer shown */

/* What one traced process has done that is not yet on the disk. */
struct tproc {
	char	*dirty[MAX_DIRTY];	/* data-dir files written, not synced */
	size_t	 ndirty;
	int	 dirops;		/* directory operations not synced */
	char	*fds[MAX_FDS];		/* descriptor -> path, as last seen */
	const char *file;		/* its trace file, for reports */
	int	 line;
};

/* What the whole trace showed. */
struct tcheck {
	const char *data;		/* the data directory */
	size_t	 datalen;
	long	 journal_writes, journal_syncs, syncfs, dir_syncs;
	long	 renames, journal_unlinks, replies;
	long	 seq_writes;		/* journal writes of Seq records only */
	long	 violations[3];		/* reply, rename, retire */
	int	 nreports;
};

enum { V_REPLY, V_RENAME, V_RETIRE };
static const char *const vname[] = { "reply", "rename", "retire" };

static void
violation(struct tcheck *ck, struct tproc *p, int rule, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
violation(struct tcheck *ck, struct tproc *p, int rule, const char *fmt, ...)
{
	va_list ap;

	ck->violations[rule]++;
	if (ck->nreports++ >= MAX_REPORTS)
		return;
	fprintf(stderr, "test_syncorder: %s:%d: %s rule: ", p->file, p->line,
	    vname[rule]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- paths ---- */

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

/* A file directly in the data directory? */
static bool
in_data(const struct tcheck *ck, const char *path)
{
	return strncmp(path, ck->data, ck->datalen) == 0 &&
	    path[ck->datalen] == '/' &&
	    strchr(path + ck->datalen + 1, '/') == NULL;
}

static bool
is_data_dir(const struct tcheck *ck, const char *path)
{
	return strcmp(path, ck->data) == 0;
}

static bool
is_journal(const struct tcheck *ck, const char *path)
{
	return in_data(ck, path) &&
	    strncmp(base_name(path), ".journal-w", 10) == 0;
}

static bool
is_socket(const char *path)
{
	return strncmp(path, "socket:", 7) == 0 ||
	    strncmp(path, "UNIX", 4) == 0;
}

/* ---- a process's state ---- */

static bool
dirty_has(const struct tproc *p, const char *path)
{
	size_t i;

	for (i = 0; i < p->ndirty; i++)
		if (strcmp(p->dirty[i], path) == 0)
			return true;
	return false;
}

static void
dirty_add(struct tproc *p, const char *path)
{
	if (dirty_has(p, path))
		return;
	H_ASSERT(p->ndirty < MAX_DIRTY, "%s: over %d unsynced files",
	    p->file, MAX_DIRTY);
	H_ASSERT((p->dirty[p->ndirty++] = strdup(path)) != NULL, "strdup");
}

static void
dirty_del(struct tproc *p, const char *path)
{
	size_t i;

	for (i = 0; i < p->ndirty; i++)
		if (strcmp(p->dirty[i], path) == 0) {
			free(p->dirty[i]);
			p->dirty[i] = p->dirty[--p->ndirty];
			return;
		}
}

static void
dirty_clear(struct tproc *p)
{
	while (p->ndirty > 0)
		free(p->dirty[--p->ndirty]);
}

/* A journal written and not synced, or NULL. */
static const char *
dirty_journal(const struct tcheck *ck, const struct tproc *p)
{
	size_t i;

	for (i = 0; i < p->ndirty; i++)
		if (is_journal(ck, p->dirty[i]))
			return p->dirty[i];
	return NULL;
}

static void
fd_set_path(struct tproc *p, long fd, const char *path)
{
	if (fd < 0 || fd >= MAX_FDS)
		return;
	free(p->fds[fd]);
	H_ASSERT((p->fds[fd] = strdup(path)) != NULL, "strdup");
}

static void
tproc_free(struct tproc *p)
{
	size_t i;

	dirty_clear(p);
	for (i = 0; i < MAX_FDS; i++)
		free(p->fds[i]);
}

/* ---- parsing strace -y lines ---- */

/*
 * A descriptor argument at *s: "7</path>" or "AT_FDCWD</path>"; its path
 * into path (empty if none), *s past it.  Returns the number, -1 for
 * AT_FDCWD or anything else.
 */
static long
parse_fd(const char **s, char *path, size_t len)
{
	const char	*q = *s, *e;
	long		 fd = -1;
	size_t		 n;

	path[0] = '\0';
	if (*q >= '0' && *q <= '9')
		fd = strtol(q, (char **)&q, 10);
	else
		while (*q != '\0' && *q != '<' && *q != ',' && *q != ')')
			q++;
	if (*q == '<') {
		/* the path ends at the '>' before ", " or ")" */
		for (e = q + 1; *e != '\0'; e++)
			if (*e == '>' && (e[1] == ',' || e[1] == ')' ||
			    e[1] == '\0' || e[1] == '\n'))
				break;
		n = (size_t)(e - q - 1);
		if (n >= len)
			n = len - 1;
		memcpy(path, q + 1, n);
		path[n] = '\0';
		q = *e != '\0' ? e + 1 : e;
	}
	*s = q;
	return fd;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A quoted string argument at *s, unescaped into out (strace -x: \xNN,
 * \n and the like, \" and \\); *s past it, *n its length, *cut true if
 * strace cut it short ("..." after the quote).
 */
static bool
parse_bytes(const char **s, char *out, size_t len, size_t *n, bool *cut)
{
	const char	*q = *s;
	size_t		 k = 0;
	char		 c;

	if (*q != '"')
		return false;
	for (q++; *q != '\0' && *q != '"'; q++) {
		c = *q;
		if (c == '\\' && q[1] != '\0') {
			c = *++q;
			if (c == 'x' && hexval(q[1]) >= 0 && hexval(q[2]) >= 0) {
				c = (char)(hexval(q[1]) << 4 | hexval(q[2]));
				q += 2;
			} else if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
			else if (c == 'r')
				c = '\r';
			else if (c == 'v')
				c = '\v';
			else if (c == 'f')
				c = '\f';
		}
		if (k + 1 < len)
			out[k++] = c;
	}
	out[k] = '\0';
	if (*q == '"')
		q++;
	*cut = strncmp(q, "...", 3) == 0;
	*s = q;
	*n = k;
	return true;
}

/* A quoted string argument at *s (a name), unescaped into out. */
static bool
parse_str(const char **s, char *out, size_t len)
{
	size_t	n;
	bool	cut;

	return parse_bytes(s, out, len, &n, &cut);
}

/*
 * Does a journal write of these bytes hold a change?  Its records
 * (journal.h: length, CRC, the ETF of {Name, Seq, Body}) change a list
 * unless Body is [] (a Seq record: a get's, not synced for its own
 * sake, and made durable by the sync of any later record) or the length
 * is 0 (the end of a file).  Anything cut short or not of that shape
 * counts as a change.
 */
static bool
journal_change(const uint8_t *b, size_t n, bool cut)
{
	size_t	 at = 0, l, k;

	if (cut)
		return true;
	while (at < n) {
		if (n - at < 8)
			return true;
		l = (size_t)b[at] << 24 | (size_t)b[at + 1] << 16 |
		    (size_t)b[at + 2] << 8 | b[at + 3];
		at += 8;
		if (l == 0)
			continue;
		if (l > n - at || l < 3 + 5 || b[at] != 131 ||
		    b[at + 1] != 104 || b[at + 2] != 3 || b[at + 3] != 109)
			return true;
		k = 4;					/* Name */
		k += 4 + ((size_t)b[at + k] << 24 | (size_t)b[at + k + 1] <<
		    16 | (size_t)b[at + k + 2] << 8 | b[at + k + 3]);
		if (k >= l)
			return true;
		if (b[at + k] == 97)			/* Seq */
			k += 2;
		else if (b[at + k] == 98)
			k += 5;
		else if (b[at + k] == 110 && k + 1 < l)
			k += 3 + b[at + k + 1];
		else
			return true;
		if (k + 1 != l || b[at + k] != 106)	/* Body: [] */
			return true;
		at += l;
	}
	return false;
}

/* Skip ", " between arguments. */
static void
next_arg(const char **s)
{
	while (**s == ',' || **s == ' ')
		(*s)++;
}

/* dir + "/" + name, or name when absolute. */
static void
join(char *out, size_t len, const char *dir, const char *name)
{
	size_t	dl = strlen(dir), nl = strlen(name);

	if (name[0] == '/' || dl == 0)
		dl = 0;
	H_ASSERT(dl + 1 + nl < len, "path too long: %s/%s", dir, name);
	memcpy(out, dir, dl);
	if (dl > 0)
		out[dl++] = '/';
	memcpy(out + dl, name, nl + 1);
}

/* "dirfd, name" (the *at calls) or just "name"; the path into out. */
static bool
parse_at_path(const char **s, bool at, char *out, size_t len)
{
	char	dir[4096], name[4096];

	dir[0] = '\0';
	if (at) {
		(void)parse_fd(s, dir, sizeof dir);
		next_arg(s);
	}
	if (!parse_str(s, name, sizeof name))
		return false;
	join(out, len, dir, name);
	return true;
}

/* The decoration of the return value: " = 7</path>". */
static long
parse_ret_fd(const char *line, char *path, size_t len)
{
	const char *r = strstr(line, ") = ");

	path[0] = '\0';
	if (r == NULL)
		return -1;
	r += 4;
	return parse_fd(&r, path, len);
}

static void
on_reply(struct tcheck *ck, struct tproc *p)
{
	const char *j;

	ck->replies++;
	if ((j = dirty_journal(ck, p)) != NULL)
		violation(ck, p, V_REPLY, "a socket written while journal "
		    "%s has writes not synced", base_name(j));
	if (p->dirops > 0)
		violation(ck, p, V_REPLY, "a socket written while the data "
		    "directory has operations not synced");
}

/* A rename or link of src to dst. */
static void
on_rename(struct tcheck *ck, struct tproc *p, const char *src,
    const char *dst)
{
	const char *j;

	if (!in_data(ck, dst))
		return;
	ck->renames++;
	if (dirty_has(p, src))
		violation(ck, p, V_RENAME, "%s renamed or linked into place "
		    "before its data was synced", base_name(dst));
	if ((j = dirty_journal(ck, p)) != NULL)
		violation(ck, p, V_RENAME, "a file renamed or linked while "
		    "journal %s has writes not synced", base_name(j));
	dirty_del(p, src);
	p->dirops++;
}

static void
on_unlink(struct tcheck *ck, struct tproc *p, const char *path)
{
	dirty_del(p, path);
	if (!is_journal(ck, path))
		return;
	ck->journal_unlinks++;
	if (p->dirops > 0)
		violation(ck, p, V_RETIRE, "journal %s removed while renames "
		    "into the data directory are not synced", base_name(path));
}

static void
on_sync(struct tcheck *ck, struct tproc *p, const char *path)
{
	if (is_data_dir(ck, path)) {
		ck->dir_syncs++;
		p->dirops = 0;
		return;
	}
	if (is_journal(ck, path))
		ck->journal_syncs++;
	dirty_del(p, path);
}

static bool
name_is(const char *name, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(name, *set) == 0)
			return true;
	return false;
}

static const char *const writes[] = { "write", "writev", "pwrite64",
    "pwritev", "pwritev2", NULL };
static const char *const sends[] = { "sendmsg", "sendto", "sendmmsg",
    NULL };
static const char *const syncs[] = { "fsync", "fdatasync", NULL };

/* One line of a process's trace. */
static void
trace_line(struct tcheck *ck, struct tproc *p, const char *line)
{
	char		 name[32], path[4096], dst[4096], src[4096];
	const char	*s = strchr(line, '(');
	long		 fd;
	size_t		 n;

	if (s == NULL || (n = (size_t)(s - line)) >= sizeof name)
		return;
	memcpy(name, line, n);
	name[n] = '\0';
	s++;
	if (name_is(name, writes)) {
		fd = parse_fd(&s, path, sizeof path);
		if (path[0] == '\0' && fd >= 0 && fd < MAX_FDS &&
		    p->fds[fd] != NULL)
			snprintf(path, sizeof path, "%s", p->fds[fd]);
		if (is_socket(path))
			on_reply(ck, p);
		else if (is_journal(ck, path)) {
			static char	data[STRACE_STRSIZE + 1];
			size_t		dlen = 0;
			bool		cut = true;

			ck->journal_writes++;
			next_arg(&s);
			if (strcmp(name, "pwrite64") == 0 || strcmp(name,
			    "write") == 0)
				(void)parse_bytes(&s, data, sizeof data, &dlen,
				    &cut);
			if (journal_change((const uint8_t *)data, dlen, cut))
				dirty_add(p, path);
			else
				ck->seq_writes++;
		} else if (in_data(ck, path))
			dirty_add(p, path);
	} else if (name_is(name, sends)) {
		on_reply(ck, p);
	} else if (name_is(name, syncs)) {
		(void)parse_fd(&s, path, sizeof path);
		on_sync(ck, p, path);
	} else if (strcmp(name, "syncfs") == 0 || strcmp(name, "sync") == 0) {
		ck->syncfs++;
		p->dirops = 0;
		dirty_clear(p);
	} else if (strcmp(name, "openat") == 0 || strcmp(name, "open") == 0 ||
	    strcmp(name, "creat") == 0) {
		fd = parse_ret_fd(line, path, sizeof path);
		fd_set_path(p, fd, path);
		if ((strstr(line, "O_CREAT") != NULL ||
		    strcmp(name, "creat") == 0) && is_journal(ck, path))
			p->dirops++;
	} else if (strcmp(name, "rename") == 0 ||
	    strcmp(name, "renameat") == 0 || strcmp(name, "renameat2") == 0) {
		bool at = strcmp(name, "rename") != 0;

		if (parse_at_path(&s, at, src, sizeof src)) {
			next_arg(&s);
			if (parse_at_path(&s, at, dst, sizeof dst))
				on_rename(ck, p, src, dst);
		}
	} else if (strcmp(name, "linkat") == 0) {
		char dir[4096], sname[4096];

		fd = parse_fd(&s, dir, sizeof dir);
		next_arg(&s);
		if (!parse_str(&s, sname, sizeof sname))
			return;
		if (sname[0] == '\0')			/* AT_EMPTY_PATH */
			snprintf(src, sizeof src, "%s", dir);
		else if (strncmp(sname, "/proc/self/fd/", 14) == 0 &&
		    (fd = atol(sname + 14)) >= 0 && fd < MAX_FDS &&
		    p->fds[fd] != NULL)
			snprintf(src, sizeof src, "%s", p->fds[fd]);
		else
			join(src, sizeof src, dir, sname);
		next_arg(&s);
		if (parse_at_path(&s, true, dst, sizeof dst))
			on_rename(ck, p, src, dst);
	} else if (strcmp(name, "link") == 0) {
		if (parse_at_path(&s, false, src, sizeof src)) {
			next_arg(&s);
			if (parse_at_path(&s, false, dst, sizeof dst))
				on_rename(ck, p, src, dst);
		}
	} else if (strcmp(name, "unlink") == 0 ||
	    strcmp(name, "unlinkat") == 0) {
		if (parse_at_path(&s, strcmp(name, "unlinkat") == 0, path,
		    sizeof path))
			on_unlink(ck, p, path);
	}
}

/* Check every trace file of dir (prefix "t."). */
static void
check_traces(struct tcheck *ck, const char *dir)
{
	struct dirent	*de;
	DIR		*dp;
	char		 file[4096], *line = NULL;
	size_t		 cap = 0;
	FILE		*f;
	int		 nfiles = 0;

	H_ASSERT((dp = opendir(dir)) != NULL, "%s: %s", dir, strerror(errno));
	while ((de = readdir(dp)) != NULL) {
		struct tproc *p;

		if (strncmp(de->d_name, "t.", 2) != 0)
			continue;
		snprintf(file, sizeof file, "%s/%s", dir, de->d_name);
		H_ASSERT((f = fopen(file, "r")) != NULL, "%s", file);
		H_ASSERT((p = calloc(1, sizeof *p)) != NULL, "calloc");
		p->file = de->d_name;
		while (getline(&line, &cap, f) != -1) {
			p->line++;
			trace_line(ck, p, line);
		}
		fclose(f);
		tproc_free(p);
		free(p);
		nfiles++;
	}
	closedir(dp);
	free(line);
	H_ASSERT(nfiles >= 5, "%d trace files in %s (supervisor, cache, "
	    "spawner, workers, list servers expected)", nfiles, dir);
}

/* ---- running todod under strace ---- */

static bool
strace_works(void)
{
	return system("strace -f -o /dev/null true > /dev/null 2>&1") == 0;
}

/*
 * A wrapper that runs the real todod (TODOD) under strace, each process
 * traced to dir/t.PID; TODOD is set to it, and the real one returned.
 */
static char *
wrap_todod(const char *dir)
{
	char	 path[4096], *real;
	FILE	*f;

	H_ASSERT((real = strdup(getenv("TODOD"))) != NULL, "strdup");
	snprintf(path, sizeof path, "%s/todod-traced", dir);
	H_ASSERT((f = fopen(path, "w")) != NULL, "%s", path);
	fprintf(f, "#!/bin/sh\n"
	    "ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0\"\n"
	    "export ASAN_OPTIONS\n"
	    "exec strace -ff -qq -z -y -x -s %d -I 3 -e signal=none "
	    "-e trace=write,writev,pwrite64,pwritev,pwritev2,sendmsg,sendto,"
	    "sendmmsg,fsync,fdatasync,syncfs,sync,open,openat,creat,rename,"
	    "renameat,renameat2,link,linkat,unlink,unlinkat "
	    "-o '%s/t' '%s' \"$@\"\n", STRACE_STRSIZE, dir, real);
	H_ASSERT(fclose(f) == 0, "%s", path);
	H_ASSERT(chmod(path, 0700) == 0, "%s", path);
	H_ASSERT(setenv("TODOD", path, 1) == 0, "setenv");
	return real;
}

static void
call_ok(struct conn *c, const char *req, const char *reply)
{
	char e[8192];

	H_ASSERT(h_call_is(c, e, sizeof e, req, reply), "%s: %s", req, e);
	conn_reset(c);
}

#define NLISTS	6

/*
 * Changes on NLISTS lists (spread over the workers), a checkpoint of
 * everything (sync: new lists' files linked, old journals removed), more
 * changes, another sync (files replaced by rename), more changes left to
 * the shutdown's checkpoint.
 */
static void
load(struct daemon *d)
{
	struct conn	*c[NLISTS], *u = conn_open_ok(d);
	char		 name[32];
	int		 i, k;

	for (i = 0; i < NLISTS; i++) {
		c[i] = conn_open_ok(d);
		snprintf(name, sizeof name, "order-%d", i);
		attach_ok(c[i], name);
		for (k = 0; k < 5; k++)
			add_ok(c[i], "2026-12-05", "first");
		call_ok(c[i], "{update_entry, 2, #{title => <<\"changed\">>}}",
		    "{ok, _}");
		call_ok(c[i], "{delete_entry, 3}", "ok");
	}
	call_ok(u, "sync", "ok");
	for (i = 0; i < NLISTS; i++)
		for (k = 0; k < 3; k++)
			add_ok(c[i], "2026-12-06", "second");
	call_ok(u, "sync", "ok");
	for (i = 0; i < NLISTS; i++) {
		add_ok(c[i], "2026-12-07", "third");
		call_ok(c[i], "{delete_entry, 1}", "ok");
		conn_close(c[i]);
	}
	call_ok(u, "lists", "{ok, _}");
	conn_close(u);
}

/* After a crash: each list holds what load() left (7 entries); one more
 * change on each. */
static void
load_after(struct daemon *d)
{
	struct conn	*c = conn_open_ok(d);
	char		 name[32];
	int		 i;

	for (i = 0; i < NLISTS; i++) {
		snprintf(name, sizeof name, "order-%d", i);
		attach_ok(c, name);
		call_ok(c, "size", "{ok, 7}");
		add_ok(c, "2026-12-08", "after");
	}
	conn_close(c);
}

static struct daemon *
start_ok(const char *const *args)
{
	struct daemon *d = daemon_startv(args);

	H_ASSERT(d != NULL, "start: %s", h_err());
	return d;
}

/*
 * Start todod with args under strace, make the load, stop it and check
 * the trace.  With crash, todod first runs untraced, makes the load and
 * is killed (SIGKILL, every process), its journals left; the traced
 * start recovers them (replay, checkpoint, old journals removed) before
 * load_after().
 */
static void
traced_run(struct tcheck *ck, const char *label, bool crash,
    const char *const *args)
{
	struct daemon	*d = NULL;
	struct pidset	*ps;
	char		 dir[4096] = "/tmp/todod-order.XXXXXX", *real;
	char		 data[PATH_MAX];
	const char	*t = getenv("TMPDIR");

	if (t != NULL && t[0] != '\0' && strlen(t) + 20 < sizeof dir)
		snprintf(dir, sizeof dir, "%s/todod-order.XXXXXX", t);
	H_ASSERT(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
	if (crash) {
		d = start_ok(args);
		load(d);
		daemon_kill(d);
		H_ASSERT(h_journal_left(d), "no journal left by the crash");
	}
	real = wrap_todod(dir);
	if (crash)
		H_ASSERT(daemon_restart(d) == 0, "restart: %s", h_err());
	else
		d = start_ok(args);
	H_ASSERT(setenv("TODOD", real, 1) == 0, "setenv");
	free(real);
	if (crash)
		load_after(d);
	else
		load(d);
	/* strace blocks SIGTERM (-I 3): stop its child, the supervisor */
	H_ASSERT((ps = calloc(1, sizeof *ps)) != NULL, "calloc");
	H_ASSERT(proc_children(d->pid, ps) == 0 && ps->n == 1,
	    "strace %d has %zu children", (int)d->pid, ps->n);
	H_ASSERT(kill(ps->pid[0], SIGTERM) == 0, "kill");
	free(ps);
	daemon_stop_ok(d);
	/* strace names files by their real paths */
	H_ASSERT(realpath(d->data, data) != NULL, "%s", d->data);
	ck->data = data;
	ck->datalen = strlen(data);
	check_traces(ck, dir);
	fprintf(stderr, "test_syncorder: %s: journal writes %ld (of Seq "
	    "records only %ld), syncs %ld, syncfs %ld, renames and links %ld, "
	    "directory syncs %ld, journals removed %ld, socket writes %ld; "
	    "violations: reply %ld, rename %ld, retire %ld\n", label,
	    ck->journal_writes, ck->seq_writes, ck->journal_syncs, ck->syncfs,
	    ck->renames, ck->dir_syncs,
	    ck->journal_unlinks, ck->replies, ck->violations[V_REPLY],
	    ck->violations[V_RENAME], ck->violations[V_RETIRE]);
	daemon_free(d);
	if (getenv("TODOD_TEST_KEEP_TRACE") == NULL)
		h_rmtree(dir);
	else
		fprintf(stderr, "test_syncorder: trace kept in %s\n", dir);
}

/* The trace shows the load's work, synced, and no rule broken. */
static void
assert_in_order(const struct tcheck *ck)
{
	ck_assert_msg(ck->journal_writes > 0 && ck->replies > 0 &&
	    ck->renames > 0 && ck->journal_unlinks > 0,
	    "the trace lacks what the load does");
	ck_assert_msg(ck->journal_syncs + ck->syncfs > 0 && ck->dir_syncs +
	    ck->syncfs > 0, "no sync seen with --sync always");
	ck_assert_msg(ck->violations[V_REPLY] == 0, "%ld replies before "
	    "their changes were on the disk", ck->violations[V_REPLY]);
	ck_assert_msg(ck->violations[V_RENAME] == 0, "%ld renames before "
	    "their data was on the disk", ck->violations[V_RENAME]);
	ck_assert_msg(ck->violations[V_RETIRE] == 0, "%ld journals removed "
	    "before their checkpoint was on the disk",
	    ck->violations[V_RETIRE]);
}

/* Three workers, two lists each or so: a file and a journal synced one
 * by one (fsync, fdatasync). */
START_TEST(t_sync_always_in_order)
{
	static const char *const args[] = { "--sync", "always", NULL };
	struct tcheck ck = { 0 };

	traced_run(&ck, "--sync always", false, args);
	assert_in_order(&ck);
	ck_assert_msg(ck.journal_syncs > 0, "no journal synced by itself");
}
END_TEST

/* Linux release at least major.minor? */
static bool
kernel_at_least(int major, int minor)
{
	struct utsname	u;
	int		ma = 0, mi = 0;

	if (uname(&u) == -1 || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

/* One worker with every list: checkpoints of WORKER_SYNCFS_MIN files or
 * more, synced with one syncfs where the kernel reports its errors (Linux
 * 5.8 and later, store.c). */
START_TEST(t_one_worker_in_order)
{
	static const char *const args[] = { "--sync", "always", "-w", "1",
	    NULL };
	struct tcheck ck = { 0 };

	traced_run(&ck, "--sync always -w 1", false, args);
	assert_in_order(&ck);
	if (kernel_at_least(5, 8))
		ck_assert_msg(ck.syncfs > 0, "no checkpoint synced by syncfs");
}
END_TEST

/* Recovery after a crash: the journals replayed, checkpointed and
 * removed in order, and every change kept. */
START_TEST(t_recovery_in_order)
{
	static const char *const args[] = { "--sync", "always", NULL };
	struct tcheck ck = { 0 };

	traced_run(&ck, "recovery", true, args);
	assert_in_order(&ck);
}
END_TEST

/* Without syncs, the check sees replies ahead of the disk. */
START_TEST(t_sync_none_caught)
{
	static const char *const args[] = { "--sync", "none", NULL };
	struct tcheck ck = { 0 };

	traced_run(&ck, "--sync none", false, args);
	ck_assert_msg(ck.journal_writes > 0 && ck.replies > 0,
	    "the trace lacks what the load does");
	ck_assert_msg(ck.violations[V_REPLY] > 0,
	    "--sync none: no reply seen ahead of its journal's sync");
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;

	if (h_peer()) {
		printf("test_syncorder: todod only; skipped\n");
		return 77;
	}
	if (!strace_works()) {
		printf("test_syncorder: strace is not installed or cannot "
		    "trace here; skipped\n");
		return 77;
	}
	s = suite_create("syncorder");
	tc = tcase_create("syncorder");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, t_sync_always_in_order);
	tcase_add_test(tc, t_one_worker_in_order);
	tcase_add_test(tc, t_recovery_in_order);
	tcase_add_test(tc, t_sync_none_caught);
	suite_add_tcase(s, tc);
	return h_run_suite(s);
}
