/*
 * store.h: the data directory (todod-protocol(7), FILES).
 *
 * One file per list, named by names.h, holding the list term of
 * listfile.h.  A file is replaced atomically: a temporary dot-file
 * ".tmp-<tag>-<pid>-<n>" (never derived from the list's name) is created
 * mode 0600, written, synced, renamed over the list's file, and the
 * directory is synced.  A failure at any step removes the temporary file,
 * leaves the old file as it was, and keeps errno for the caller.  The
 * phases are separate functions so that a database worker can commit many
 * lists together (write all, sync all, rename all, sync the directory
 * once); store_write() does them all for one list.
 *
 * A list known to have no file yet is written without a name instead
 * (O_TMPFILE) and linked into place by store_commit(): one operation on
 * the directory instead of two (a temporary file's creation and its
 * rename each take the directory's lock, the costliest part of writing
 * many new lists at once), and a crash leaves nothing behind.  Where the
 * file system or the kernel do not allow that, learned at the first
 * failure, such lists take the named way too.
 *
 * The tag names the writer (a worker writes with tag "w<index>"), so that
 * a restarted writer removes its own left-overs without touching the
 * temporary files of other live writers.  Other dot-files, in particular
 * the lock file ".lock", are never touched.
 *
 * Fault injection for the tests: store_fault.h.
 */
#ifndef TODOD_STORE_H
#define TODOD_STORE_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "names.h"

struct etf_arena;
struct todo_list;

#define STORE_TMP_PREFIX	".tmp-"
#define STORE_TMP_BUFSZ		64
#define STORE_TAG_MAX		16	/* [A-Za-z0-9] only */

/* Results of the reading functions. */
#define STORE_OK		0
#define STORE_ABSENT		1	/* no file for that list */
#define STORE_ERR		(-1)	/* system error: see errno */
#define STORE_CORRUPT		(-2)	/* the file is not a list term */

/* A file being written. */
struct store_tmp {
	int	fd;			/* open temporary file, or -1 */
	size_t	len;			/* bytes written */
	bool	unnamed;		/* O_TMPFILE: tmp is "" */
	char	tmp[STORE_TMP_BUFSZ];	/* its name in the directory */
	char	file[NAME_FILE_BUFSZ];	/* the list's file name */
};

/* Open (creating it and its parents mode 0700 if missing) the data
 * directory.  Returns an O_DIRECTORY descriptor, or -1 (errno). */
int	store_open_dir(const char *path);
/* A stream over the directory of dirfd on a descriptor of its own (its
 * offset is not dirfd's): NULL with errno.  closedir() it. */
DIR	*store_opendir(int dirfd);
/* Remove our temporary files: every one, or those of one tag (a writer
 * restarting).  Returns how many were removed, or -1 (errno). */
int	store_cleanup_temps(int dirfd);
int	store_cleanup_temps_tag(int dirfd, const char *tag);

/*
 * Read a list's file into a malloc'ed buffer.  STORE_OK (*data, *datalen
 * set; free(*data)), STORE_ABSENT, or STORE_ERR with errno (EFBIG: more
 * than max_bytes; EINVAL: invalid Name or not a regular file; ELOOP: a
 * symbolic link, which is not followed).
 */
int	store_read(int dirfd, const void *name, size_t len, size_t max_bytes,
	    uint8_t **data, size_t *datalen);
/* The size of an open list file: STORE_OK, or STORE_ERR with errno
 * (EINVAL: not a regular file; EFBIG: more than max_bytes). */
int	store_fd_size(int fd, size_t max_bytes, size_t *size);
/* Open a list's file for reading, checked as store_read checks it:
 * STORE_OK (*fd, *size), STORE_ABSENT or STORE_ERR (errno). */
int	store_open_read(int dirfd, const void *name, size_t len,
	    size_t max_bytes, int *fd, size_t *size);
/* Read an open file of size bytes from its start (pread: the offset is
 * left alone), as store_read does: STORE_OK or STORE_ERR (errno). */
int	store_read_fd(int fd, size_t size, size_t max_bytes, uint8_t **data,
	    size_t *datalen);
/* Decode a file's bytes into a list: STORE_OK, or STORE_CORRUPT with
 * *why (a static string).  The list's strings are copies. */
int	store_parse(struct etf_arena *, const uint8_t *data, size_t len,
	    size_t max_inflated, struct todo_list **out, const char **why);
/*
 * Load a list: STORE_OK (*out set; an absent file is an empty list),
 * STORE_ERR (errno; *why "cannot read"), STORE_CORRUPT (*why).  The
 * arena is reset before return.  The file is never modified.
 */
int	store_load(int dirfd, const void *name, size_t len,
	    struct etf_arena *, size_t max_bytes, struct todo_list **out,
	    const char **why);

/* Create the temporary file of a store.  0, or -1 with errno. */
int	store_begin(int dirfd, const char *tag, const void *name, size_t len,
	    struct store_tmp *);
/* Write all of buf at off (EINTR retried, a short write continued).
 * 0, or -1 with errno; *done (if not NULL): the bytes written. */
int	store_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);
int	store_pwrite_done(int fd, const void *buf, size_t len, uint64_t off,
	    size_t *done);
/* Append to it.  0, or -1 with errno (the caller aborts). */
int	store_append(struct store_tmp *, const void *data, size_t datalen);
/* Create and fill the temporary file of a store (not synced).  0, or -1
 * with errno and nothing left behind. */
int	store_prepare(int dirfd, const char *tag, const void *name,
	    size_t len, const void *data, size_t datalen, struct store_tmp *);
/* As store_prepare, for a list that has no file: where it can be, the
 * temporary file is unnamed, and store_commit() fails with EEXIST if a
 * file appeared meanwhile. */
int	store_prepare_new(int dirfd, const char *tag, const void *name,
	    size_t len, const void *data, size_t datalen, struct store_tmp *);
/* Tests: whether store_prepare_new() may make unnamed files (the
 * default, as the system allows). */
void	store_set_unnamed(bool);
/* fsync the temporary file.  0, or -1 (errno); the caller aborts. */
int	store_sync_tmp(struct store_tmp *);
/* Close the temporary file and rename it over the list's file (link an
 * unnamed one in place).  0, or -1 with errno and the temporary file
 * removed. */
int	store_commit(int dirfd, struct store_tmp *);
/* Close and remove the temporary file (errno kept). */
void	store_abort(int dirfd, struct store_tmp *);
/* fsync the directory; syncfs the file system holding it. 0 or -1.
 * syncfs reports a write-back error of the file system once for each
 * open file: call it on a descriptor that no other process shares. */
int	store_sync_dir(int dirfd);
int	store_syncfs(int dirfd);
/* Whether syncfs(2) reports write-back errors on the running kernel:
 * Linux 5.8 and later (before, it returned 0 whatever the write-back
 * did, and a file it covered could be taken for durable).  Where it
 * does not, or the release cannot be read, callers flush each file on
 * its own.  Decided once per process from uname(2). */
bool	store_syncfs_reports(void);
/* The same for a kernel release string as uname(2) gives it ("6.1.0-
 * 13-amd64"); false for one that cannot be read. */
bool	store_release_syncfs_reports(const char *release);
/* All phases for one list; sync false skips both fsyncs.  0 or -1. */
int	store_write(int dirfd, const char *tag, const void *name, size_t len,
	    const void *data, size_t datalen, bool sync);
/* Encode a list (listfile_encode) and store_write() it.  0 or -1. */
int	store_save(int dirfd, const char *tag, const void *name, size_t len,
	    const struct todo_list *, bool sync);

/*
 * Call cb for every stored list with its decoded Name.  Dot-files are
 * skipped silently; other file names that are not the canonical file
 * name of a valid Name are skipped and logged once per process.  0, or
 * -1 (errno) if the directory cannot be read.
 */
int	store_list_names(int dirfd,
	    void (*cb)(void *arg, const void *name, size_t len), void *arg);

/* The reason atom for a store errno: "enospc", "eio", "eacces", ... */
const char *store_errno_atom(int err);

#endif /* TODOD_STORE_H */
