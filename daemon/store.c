/* store.c: list files in the data directory (todod-protocol(7), FILES). */
#include "config.h"

#include <sys/stat.h>
#include <sys/tree.h>
#include <sys/types.h>
#include <sys/utsname.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "etf.h"
#include "listfile.h"
#include "log.h"
#include "names.h"
#include "store.h"
#include "store_fault.h"
#include "todolist.h"

/* ------------------------------------------------------------------ */
/* Directory */

static int
store_mkdirs(char *path)
{
	char *p;

	/* Create each missing component; existing ones keep their mode. */
	for (p = path + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (p[-1] != '/') {
			char save = *p;

			*p = '\0';
			if (mkdir(path, 0700) == -1 && errno != EEXIST) {
				*p = save;
				return -1;
			}
			*p = save;
		}
		if (*p == '\0')
			return 0;
	}
}

int
store_open_dir(const char *path)
{
	char *copy;
	int fd, saved;

	if (path == NULL || *path == '\0') {
		errno = EINVAL;
		return -1;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd != -1 || errno != ENOENT)
		return fd;
	if ((copy = strdup(path)) == NULL)
		return -1;
	if (store_mkdirs(copy) == -1) {
		saved = errno;
		free(copy);
		errno = saved;
		return -1;
	}
	free(copy);
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static bool
store_tag_valid(const char *tag)
{
	size_t i;

	for (i = 0; tag[i] != '\0'; i++) {
		if (i >= STORE_TAG_MAX)
			return false;
		if (!((tag[i] >= 'a' && tag[i] <= 'z') ||
		    (tag[i] >= 'A' && tag[i] <= 'Z') ||
		    (tag[i] >= '0' && tag[i] <= '9')))
			return false;
	}
	return i > 0;
}

DIR *
store_opendir(int dirfd)
{
	DIR *d;
	int fd, saved;

	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return NULL;
	if ((d = fdopendir(fd)) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
	}
	return d;
}

/* Remove the regular files whose names begin with prefix. */
static int
store_cleanup_prefix(int dirfd, const char *prefix)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int n = 0, saved;
	size_t plen = strlen(prefix);

	if ((d = store_opendir(dirfd)) == NULL)
		return -1;
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, plen) != 0)
			continue;
		if (fstatat(dirfd, de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(dirfd, de->d_name, 0) == 0) {
			log_debug("removed temporary file %s", de->d_name);
			n++;
		} else if (errno != ENOENT)
			log_warn("cannot remove temporary file %s", de->d_name);
	}
	saved = errno;
	closedir(d);
	if (saved != 0) {
		errno = saved;
		return -1;
	}
	return n;
}

int
store_cleanup_temps(int dirfd)
{
	return store_cleanup_prefix(dirfd, STORE_TMP_PREFIX);
}

int
store_cleanup_temps_tag(int dirfd, const char *tag)
{
	char prefix[STORE_TMP_BUFSZ];

	if (tag == NULL || !store_tag_valid(tag)) {
		errno = EINVAL;
		return -1;
	}
	snprintf(prefix, sizeof(prefix), "%s%s-", STORE_TMP_PREFIX, tag);
	return store_cleanup_prefix(dirfd, prefix);
}

/* ------------------------------------------------------------------ */
/* Reading */

int
store_fd_size(int fd, size_t max_bytes, size_t *size)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return STORE_ERR;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return STORE_ERR;
	}
	if (st.st_size < 0 || (uintmax_t)st.st_size > max_bytes) {
		errno = EFBIG;
		return STORE_ERR;
	}
	*size = (size_t)st.st_size;
	return STORE_OK;
}

int
store_open_read(int dirfd, const void *name, size_t len, size_t max_bytes,
    int *fdp, size_t *size)
{
	char file[NAME_FILE_BUFSZ];
	int fd, saved;

	*fdp = -1;
	*size = 0;
	if (name_to_file(name, len, file, sizeof(file)) == -1) {
		errno = EINVAL;
		return STORE_ERR;
	}
	/* Not through a symbolic link: a list's file is the one the data
	 * directory holds (ELOOP, logged as its reason, else). */
	if ((fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
	    O_NOFOLLOW)) == -1)
		return errno == ENOENT ? STORE_ABSENT : STORE_ERR;
	if (store_fd_size(fd, max_bytes, size) == STORE_OK) {
		*fdp = fd;
		return STORE_OK;
	}
	saved = errno;
	close(fd);
	errno = saved;
	return STORE_ERR;
}

int
store_read_fd(int fd, size_t size, size_t max_bytes, uint8_t **data,
    size_t *datalen)
{
	uint8_t *buf;
	size_t got = 0;
	ssize_t r;
	int saved;

	*data = NULL;
	*datalen = 0;
	/* One byte more than announced, to see a file that grew. */
	if (size > max_bytes || (buf = malloc(size + 1)) == NULL) {
		errno = size > max_bytes ? EFBIG : ENOMEM;
		return STORE_ERR;
	}
	while (got < size + 1) {
		r = pread(fd, buf + got, size + 1 - got, (off_t)got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto fail;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got > max_bytes) {
		errno = EFBIG;
		goto fail;
	}
	*data = buf;
	*datalen = got;
	return STORE_OK;
fail:
	saved = errno;
	free(buf);
	errno = saved;
	return STORE_ERR;
}

int
store_read(int dirfd, const void *name, size_t len, size_t max_bytes,
    uint8_t **data, size_t *datalen)
{
	size_t size;
	int fd, rc, saved;

	*data = NULL;
	*datalen = 0;
	if ((rc = store_open_read(dirfd, name, len, max_bytes, &fd, &size)) !=
	    STORE_OK)
		return rc;
	rc = store_read_fd(fd, size, max_bytes, data, datalen);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
store_parse(struct etf_arena *arena, const uint8_t *data, size_t len,
    size_t max_inflated, struct todo_list **out, const char **why)
{
	const uint8_t *plain;
	size_t plainlen;
	int err;

	*out = NULL;
	if (len == 0) {
		*why = "empty file";
		return STORE_CORRUPT;
	}
	/*
	 * A compressed file (term_to_binary(List, [compressed])) is inflated
	 * first, then read entry by entry as a plain one.  Decoded whole, a
	 * file of a few kilobytes inflating to a term of many 1-byte
	 * elements would take gigabytes of nodes before its shape was
	 * checked.
	 */
	if (len >= 2 && data[0] == ETF_VERSION &&
	    data[1] == ETF_TAG_COMPRESSED) {
		if ((err = etf_inflate_term(arena, data, len, max_inflated,
		    &plain, &plainlen)) != ETF_OK) {
			*why = etf_strerror(err);
			return STORE_CORRUPT;
		}
		if (plainlen >= 2 && plain[1] == ETF_TAG_COMPRESSED) {
			*why = "compressed twice";
			return STORE_CORRUPT;
		}
		data = plain;
		len = plainlen;
	}
	*out = listfile_parse(data, len, why);
	return *out != NULL ? STORE_OK : STORE_CORRUPT;
}

int
store_load(int dirfd, const void *name, size_t len, struct etf_arena *arena,
    size_t max_bytes, struct todo_list **out, const char **why)
{
	uint8_t *data;
	size_t datalen;
	int rc;

	*out = NULL;
	*why = NULL;
	rc = store_read(dirfd, name, len, max_bytes, &data, &datalen);
	if (rc == STORE_ABSENT) {
		if ((*out = todolist_new()) == NULL) {
			*why = "out of memory";
			return STORE_ERR;
		}
		return STORE_OK;
	}
	if (rc == STORE_ERR) {
		*why = "cannot read";
		return STORE_ERR;
	}
	rc = store_parse(arena, data, datalen, max_bytes, out, why);
	etf_arena_reset(arena);
	free(data);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Writing */


int
store_pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	return store_pwrite_done(fd, buf, len, off, NULL);
}

int
store_pwrite_done(int fd, const void *buf, size_t len, uint64_t off,
    size_t *done)
{
	const uint8_t *p = buf;
	ssize_t w;

	if (done != NULL)
		*done = 0;
	while (len > 0) {
		w = pwrite(fd, p, len, (off_t)off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		p += w;
		len -= (size_t)w;
		off += (uint64_t)w;
		if (done != NULL)
			*done += (size_t)w;
	}
	return 0;
}

static int
store_create_tmp(int dirfd, const char *tag, struct store_tmp *st)
{
	static unsigned long counter;
	static pid_t pid;
	int i;

	/* Asked once (a system call each time): the name need only be
	 * new, and O_EXCL makes sure of that. */
	if (pid == 0)
		pid = getpid();
	for (i = 0; i < 100; i++) {
		snprintf(st->tmp, sizeof(st->tmp), "%s%s-%ld-%lu",
		    STORE_TMP_PREFIX, tag, (long)pid, ++counter);
		st->fd = openat(dirfd, st->tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (st->fd != -1)
			return 0;
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

/*
 * How an unnamed file (O_TMPFILE) is given its name: by linkat with
 * AT_EMPTY_PATH (Linux 6.10 and later, or with CAP_DAC_READ_SEARCH),
 * else through /proc/self/fd; where neither works, or O_TMPFILE does not,
 * no file is made unnamed any more.  Learned at the first use.
 */
enum store_link_how { STORE_LINK_EMPTY_PATH, STORE_LINK_PROC, STORE_LINK_NONE };
static enum store_link_how store_link_how = STORE_LINK_EMPTY_PATH;

void
store_set_unnamed(bool on)
{
	store_link_how = on ? STORE_LINK_EMPTY_PATH : STORE_LINK_NONE;
}

/* An error of linkat that says the system refuses the way (no /proc, no
 * capability for AT_EMPTY_PATH), not this one file. */
static bool
store_link_refused(int err)
{
	return err == ENOENT || err == EPERM || err == EACCES ||
	    err == EINVAL || err == ENOTDIR || err == EXDEV || err == ELOOP;
}

/* An error of openat(O_TMPFILE) that says the file system or the kernel
 * lacks it; others (EACCES, ENOSPC) fail this file as a named one would. */
static bool
store_tmpfile_unsupported(int err)
{
	return err == EOPNOTSUPP || err == EISDIR || err == EINVAL;
}

static void
store_unnamed_off(void)
{
	store_link_how = STORE_LINK_NONE;
	log_info("unnamed files cannot be made or linked in the data "
	    "directory: new lists are written under temporary names");
}

/* 0, -1 (errno), or 1: make a named one instead. */
static int
store_create_unnamed(int dirfd, struct store_tmp *st)
{
	if ((errno = store_fault_unnamed_errno(-1)) != 0)
		st->fd = -1;
	else
		st->fd = openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC,
		    0600);
	if (st->fd != -1) {
		st->unnamed = true;
		return 0;
	}
	if (!store_tmpfile_unsupported(errno))
		return -1;
	store_unnamed_off();
	return 1;
}

/* Give an unnamed file the list's name.  0, or -1 (errno). */
static int
store_link(int dirfd, struct store_tmp *st)
{
	char path[32];

	if (store_link_how == STORE_LINK_EMPTY_PATH) {
		if ((errno = store_fault_unnamed_errno(0)) == 0 &&
		    linkat(st->fd, "", dirfd, st->file, AT_EMPTY_PATH) == 0)
			return 0;
		if (!store_link_refused(errno))
			return -1;
		store_link_how = STORE_LINK_PROC;
	}
	if (store_link_how == STORE_LINK_PROC) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", st->fd);
		if ((errno = store_fault_unnamed_errno(1)) == 0 &&
		    linkat(AT_FDCWD, path, dirfd, st->file,
		    AT_SYMLINK_FOLLOW) == 0)
			return 0;
		if (!store_link_refused(errno))
			return -1;
		store_unnamed_off();
	}
	errno = EOPNOTSUPP;
	return -1;
}

static int
store_begin_any(int dirfd, const char *tag, const void *name, size_t len,
    struct store_tmp *st, bool new)
{
	int rc;

	st->fd = -1;
	st->len = 0;
	st->tmp[0] = '\0';
	st->unnamed = false;
	if (tag == NULL)
		tag = "x";
	if (!store_tag_valid(tag) ||
	    name_to_file(name, len, st->file, sizeof(st->file)) == -1) {
		errno = EINVAL;
		return -1;
	}
	if ((rc = store_fault_errno(true)) != 0) {
		errno = rc;
		return -1;
	}
	if (new && store_link_how != STORE_LINK_NONE &&
	    (rc = store_create_unnamed(dirfd, st)) != 1)
		return rc;
	return store_create_tmp(dirfd, tag, st);
}

int
store_begin(int dirfd, const char *tag, const void *name, size_t len,
    struct store_tmp *st)
{
	return store_begin_any(dirfd, tag, name, len, st, false);
}

int
store_append(struct store_tmp *st, const void *data, size_t datalen)
{
	int err;

	if ((err = store_fault_errno(false)) != 0) {
		errno = err;
		return -1;
	}
	if (store_pwrite_all(st->fd, data, datalen, st->len) == -1)
		return -1;
	st->len += datalen;
	return 0;
}

static int
store_prepare_any(int dirfd, const char *tag, const void *name, size_t len,
    const void *data, size_t datalen, struct store_tmp *st, bool new)
{
	if (store_begin_any(dirfd, tag, name, len, st, new) == -1)
		return -1;
	if (store_append(st, data, datalen) == -1) {
		store_abort(dirfd, st);
		return -1;
	}
	store_fault_point(STORE_FAULT_WRITE);
	return 0;
}

int
store_prepare(int dirfd, const char *tag, const void *name, size_t len,
    const void *data, size_t datalen, struct store_tmp *st)
{
	return store_prepare_any(dirfd, tag, name, len, data, datalen, st,
	    false);
}

int
store_prepare_new(int dirfd, const char *tag, const void *name, size_t len,
    const void *data, size_t datalen, struct store_tmp *st)
{
	return store_prepare_any(dirfd, tag, name, len, data, datalen, st,
	    true);
}

int
store_sync_tmp(struct store_tmp *st)
{
	if (fsync(st->fd) == -1)
		return -1;
	store_fault_point(STORE_FAULT_FSYNC);
	return 0;
}

void
store_abort(int dirfd, struct store_tmp *st)
{
	int saved = errno;

	if (st->fd != -1)
		close(st->fd);
	st->fd = -1;
	if (st->tmp[0] != '\0' && unlinkat(dirfd, st->tmp, 0) == -1 &&
	    errno != ENOENT)
		log_warn("cannot remove temporary file %s", st->tmp);
	st->tmp[0] = '\0';
	errno = saved;
}

int
store_commit(int dirfd, struct store_tmp *st)
{
	int rc, err;

	if (st->unnamed) {
		rc = store_link(dirfd, st);
		err = errno;
		/* Its data is synced (or not asked to be): nothing that
		 * close could report matters. */
		(void)close(st->fd);
		st->fd = -1;
		if (rc == -1) {
			errno = err;
			return -1;
		}
		store_fault_point(STORE_FAULT_RENAME);
		return 0;
	}
	rc = close(st->fd);
	st->fd = -1;
	if (rc == -1 && errno != EINTR)
		goto fail;
	if (renameat(dirfd, st->tmp, dirfd, st->file) == -1)
		goto fail;
	st->tmp[0] = '\0';
	store_fault_point(STORE_FAULT_RENAME);
	return 0;
fail:
	store_abort(dirfd, st);
	return -1;
}

int
store_sync_dir(int dirfd)
{
	return fsync(dirfd);
}

int
store_syncfs(int dirfd)
{
	if (syncfs(dirfd) == -1)
		return -1;
	store_fault_point(STORE_FAULT_FSYNC);
	return 0;
}

bool
store_release_syncfs_reports(const char *release)
{
	unsigned long major, minor;
	char *end;

	if (release == NULL || *release < '0' || *release > '9')
		return false;
	errno = 0;
	major = strtoul(release, &end, 10);
	if (errno != 0 || *end != '.' || end[1] < '0' || end[1] > '9')
		return false;
	minor = strtoul(end + 1, &end, 10);
	if (errno != 0)
		return false;
	return major > 5 || (major == 5 && minor >= 8);
}

bool
store_syncfs_reports(void)
{
	static int reports = -1;
	struct utsname u;

	if (reports == -1)
		reports = uname(&u) == 0 &&
		    store_release_syncfs_reports(u.release);
	return reports == 1;
}

int
store_write(int dirfd, const char *tag, const void *name, size_t len,
    const void *data, size_t datalen, bool sync)
{
	struct store_tmp st;

	if (store_prepare(dirfd, tag, name, len, data, datalen, &st) == -1)
		return -1;
	if (sync && store_sync_tmp(&st) == -1) {
		store_abort(dirfd, &st);
		return -1;
	}
	if (store_commit(dirfd, &st) == -1)
		return -1;
	if (sync && store_sync_dir(dirfd) == -1)
		return -1;
	return 0;
}

int
store_save(int dirfd, const char *tag, const void *name, size_t len,
    const struct todo_list *l, bool sync)
{
	struct etf_buf b;
	int rc;

	etf_buf_init(&b);
	listfile_encode(&b, l);
	if (b.oom) {
		etf_buf_free(&b);
		errno = ENOMEM;
		return -1;
	}
	rc = store_write(dirfd, tag, name, len, b.p, b.len, sync);
	etf_buf_free(&b);
	return rc;
}

const char *
store_errno_atom(int err)
{
	switch (err) {
	case ENOSPC:	return "enospc";
	case EDQUOT:	return "edquot";
	case EACCES:	return "eacces";
	case EPERM:	return "eperm";
	case EROFS:	return "erofs";
	case ENOMEM:	return "enomem";
	case EMFILE:	return "emfile";
	case ENFILE:	return "enfile";
	case EFBIG:	return "efbig";
	case EINVAL:	return "einval";
	case ELOOP:	return "eloop";
	default:	return "eio";
	}
}

/* ------------------------------------------------------------------ */
/* Listing */

/* File names already reported as undecodable (each is logged once). */
struct store_bad {
	RB_ENTRY(store_bad)	 entry;
	char			 name[];
};
RB_HEAD(store_bads, store_bad);

static int
store_bad_cmp(const struct store_bad *a, const struct store_bad *b)
{
	return strcmp(a->name, b->name);
}
#define STORE_RB_STATIC	__attribute__((__unused__)) static
RB_GENERATE_INTERNAL(store_bads, store_bad, entry, store_bad_cmp,
    STORE_RB_STATIC)

#define STORE_BAD_MAX	1024
static struct store_bads store_bad_seen = RB_INITIALIZER(&store_bad_seen);
static size_t store_bad_n;

/* The name with bytes outside printable ASCII as \xNN. */
static void
store_escape(const char *s, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	unsigned char c;

	for (; *s != '\0' && o + 5 < outsz; s++) {
		c = (unsigned char)*s;
		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0xf];
		}
	}
	out[o] = '\0';
}

static void
store_bad_name(const char *file)
{
	struct store_bad *b;
	char esc[4 * NAME_MAX + 8];
	size_t len;

	len = strlen(file);
	if ((b = malloc(sizeof(*b) + len + 1)) == NULL)
		return;
	memcpy(b->name, file, len + 1);
	if (RB_FIND(store_bads, &store_bad_seen, b) != NULL) {
		free(b);
		return;
	}
	store_escape(file, esc, sizeof(esc));
	log_warnx("data directory: ignoring \"%s\": not the file name of a "
	    "list", esc);
	if (store_bad_n >= STORE_BAD_MAX) {
		/* Keep memory bounded: forget, may log again later. */
		free(b);
		return;
	}
	RB_INSERT(store_bads, &store_bad_seen, b);
	store_bad_n++;
}

/* A regular file, or a link to one (directories and the like are not
 * lists, whatever their names). */
static bool
store_is_file(int dirfd, const struct dirent *de)
{
	struct stat st;

	if (de->d_type == DT_REG)
		return true;
	if (de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
		return false;
	return fstatat(dirfd, de->d_name, &st, 0) == 0 && S_ISREG(st.st_mode);
}

int
store_list_names(int dirfd, void (*cb)(void *, const void *, size_t),
    void *arg)
{
	uint8_t name[NAME_MAX_BYTES];
	struct dirent *de;
	DIR *d;
	int n, saved;

	if ((d = store_opendir(dirfd)) == NULL)
		return -1;
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (!store_is_file(dirfd, de))
			continue;
		n = name_from_file(de->d_name, name, sizeof(name));
		if (n == -1) {
			store_bad_name(de->d_name);
			continue;
		}
		cb(arg, name, (size_t)n);
	}
	saved = errno;
	closedir(d);
	errno = saved;
	return saved != 0 ? -1 : 0;
}
