/* syncorder_trace.c: test_syncorder's check of a trace (syncorder_trace.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etf.h"
#include "harness.h"
#include "syncorder_trace.h"

#define MAX_DIRTY	256
#define MAX_FDS		1024
#define MAX_REPORTS	10

/* What one traced process has done that is not yet on the disk. */
struct tproc {
	char	*dirty[MAX_DIRTY];	/* data-dir files written, not synced */
	size_t	 ndirty;
	int	 dirops;		/* directory operations not synced */
	int	 unlinks;		/* journals removed, not synced */
	char	*fds[MAX_FDS];		/* descriptor -> path, as last seen */
	const char *file;		/* its trace file, for reports */
	int	 line;
};

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
	static struct etf_arena	*a;
	const struct etf_term	*t;
	size_t			 at = 0, l;

	if (cut)
		return true;
	if (a == NULL)
		H_ASSERT((a = etf_arena_new()) != NULL, "out of memory");
	while (at < n) {
		if (n - at < 8)
			return true;
		l = (size_t)b[at] << 24 | (size_t)b[at + 1] << 16 |
		    (size_t)b[at + 2] << 8 | b[at + 3];
		at += 8;
		if (l > n - at)
			return true;
		if (l == 0)
			continue;
		etf_arena_reset(a);
		if (etf_decode(a, b + at, l, 0, &t) != ETF_OK ||
		    !etf_is_tuple(t, 3) || t->seq.v[2].type != ETF_LIST ||
		    t->seq.v[2].seq.n != 0)
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
	if (p->unlinks > 0)
		violation(ck, p, V_RETIRE, "journal %s removed while the "
		    "removal of another is not synced", base_name(path));
	p->unlinks++;
}

static void
on_sync(struct tcheck *ck, struct tproc *p, const char *path)
{
	if (is_data_dir(ck, path)) {
		ck->dir_syncs++;
		p->dirops = 0;
		p->unlinks = 0;
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
		p->unlinks = 0;
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

void
trace_check_dir(struct tcheck *ck, const char *dir)
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

