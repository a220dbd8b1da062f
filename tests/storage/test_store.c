/* test_store.c: the data directory: modes, atomic stores, failures. */
#include "config.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "etf.h"
#include "getreply.h"
#include "log.h"
#include "storage_test.h"
#include "store.h"
#include "store_fault.h"
#include "todolist.h"
#include "../ckrun.h"

#define MAX_BYTES	(1 << 24)

static char *dir;
static int dfd;

static void
setup(void)
{
	log_init(1, LOG_LEVEL_WARN);
	dir = st_tmpdir();
	ck_assert_ptr_nonnull(dir);
	dfd = store_open_dir(dir);
	ck_assert_int_ge(dfd, 0);
}

static void
teardown(void)
{
	close(dfd);
	st_rmtree(dir);
	free(dir);
}

static struct todo_list *
load(int fd, const char *name, int expect_rc, const char **whyp)
{
	struct etf_arena *a = etf_arena_new();
	struct todo_list *l = NULL;
	const char *why = NULL;
	int rc;

	rc = store_load(fd, name, strlen(name), a, MAX_BYTES, &l, &why);
	ck_assert_msg(rc == expect_rc, "%s: %d (%s)", name, rc,
	    why != NULL ? why : "");
	if (whyp != NULL)
		*whyp = why;
	etf_arena_free(a);
	return l;
}

static mode_t
mode_of(int fd, const char *file)
{
	struct stat st;

	ck_assert_int_eq(fstatat(fd, file, &st, AT_SYMLINK_NOFOLLOW), 0);
	return st.st_mode & 07777;
}

START_TEST(t_open_dir)
{
	char *deep, *kept;
	int fd;
	mode_t old = umask(022);

	ck_assert_int_ne(asprintf(&deep, "%s/a/b//c/", dir), -1);
	fd = store_open_dir(deep);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(mode_of(dfd, "a"), 0700);
	ck_assert_int_eq(mode_of(dfd, "a/b"), 0700);
	ck_assert_int_eq(mode_of(dfd, "a/b/c"), 0700);
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	close(fd);
	/* An existing directory keeps its mode. */
	ck_assert_int_ne(asprintf(&kept, "%s/kept", dir), -1);
	ck_assert_int_eq(mkdir(kept, 0755), 0);
	fd = store_open_dir(kept);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(mode_of(dfd, "kept"), 0755);
	close(fd);
	/* Not a directory. */
	ck_assert_int_eq(st_write_file(dfd, "file", "x", 1), 0);
	free(kept);
	ck_assert_int_ne(asprintf(&kept, "%s/file", dir), -1);
	ck_assert_int_eq(store_open_dir(kept), -1);
	ck_assert_int_eq(errno, ENOTDIR);
	ck_assert_int_eq(store_open_dir(""), -1);
	umask(old);
	free(deep);
	free(kept);
}
END_TEST

START_TEST(t_save_load)
{
	struct todo_list *l = st_book_list(), *back;
	mode_t old = umask(0);

	/* Absent: an empty list. */
	back = load(dfd, "bob", STORE_OK, NULL);
	ck_assert_uint_eq(todolist_size(back), 0);
	ck_assert_int_eq(todolist_next_id(back), 1);
	todolist_free(back);

	ck_assert_int_eq(store_save(dfd, "w0", "bob", 3, l, true), 0);
	ck_assert_int_eq(mode_of(dfd, "bob"), 0600);
	back = load(dfd, "bob", STORE_OK, NULL);
	ck_assert(st_list_equal(l, back));
	todolist_free(back);

	/* Replaced as a whole; without sync too. */
	ck_assert_int_eq(todolist_delete(l, 2), 0);
	ck_assert_int_eq(store_save(dfd, "w0", "bob", 3, l, false), 0);
	back = load(dfd, "bob", STORE_OK, NULL);
	ck_assert(st_list_equal(l, back));
	ck_assert_int_eq(st_count_temps(dfd), 0);
	umask(old);
	todolist_free(back);
	todolist_free(l);
}
END_TEST

/* The temporary file's name does not grow with the list's name. */
START_TEST(t_long_names)
{
	char name[NAME_MAX_BYTES];
	struct todo_list *l = st_book_list(), *back;
	char file[NAME_FILE_BUFSZ];

	memset(name, '%', 85);		/* 255 bytes of file name */
	ck_assert_int_eq(store_save(dfd, "w12", name, 85, l, true), 0);
	ck_assert_int_eq(name_to_file(name, 85, file, sizeof(file)), 255);
	ck_assert_int_eq(mode_of(dfd, file), 0600);
	memset(name, 'n', 255);
	ck_assert_int_eq(store_save(dfd, "w12", name, 255, l, true), 0);
	back = NULL;
	{
		struct etf_arena *a = etf_arena_new();
		const char *why;

		ck_assert_int_eq(store_load(dfd, name, 255, a, MAX_BYTES,
		    &back, &why), STORE_OK);
		etf_arena_free(a);
	}
	ck_assert(st_list_equal(l, back));
	/* Invalid names are refused before any file is made. */
	ck_assert_int_eq(store_save(dfd, "w0", "", 0, l, true), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(store_save(dfd, "w0", "\xff", 1, l, true), -1);
	ck_assert_int_eq(store_save(dfd, "bad.tag", "x", 1, l, true), -1);
	ck_assert_int_eq(st_count_temps(dfd), 0);
	todolist_free(back);
	todolist_free(l);
}
END_TEST

START_TEST(t_cleanup)
{
	static const char *const files[] = {
		".tmp-w0-1-1", ".tmp-w0-99-7", ".tmp-w1-2-3", ".tmp-w10-2-3",
		".lock", ".other", "bob", ".tmp", "tmp-w0-1",
	};
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		ck_assert_int_eq(st_write_file(dfd, files[i], "x", 1), 0);
	ck_assert_int_eq(mkdirat(dfd, ".tmp-dir", 0700), 0);
	/* One writer's own: w0 and not w10. */
	ck_assert_int_eq(store_cleanup_temps_tag(dfd, "w0"), 2);
	ck_assert_int_eq(faccessat(dfd, ".tmp-w1-2-3", F_OK, 0), 0);
	ck_assert_int_eq(faccessat(dfd, ".tmp-w10-2-3", F_OK, 0), 0);
	ck_assert_int_eq(store_cleanup_temps_tag(dfd, "w/0"), -1);
	/* All of ours; nothing else. */
	ck_assert_int_eq(store_cleanup_temps(dfd), 2);
	ck_assert_int_eq(store_cleanup_temps(dfd), 0);
	ck_assert_int_eq(faccessat(dfd, ".tmp-w1-2-3", F_OK, 0), -1);
	ck_assert_int_eq(faccessat(dfd, ".lock", F_OK, 0), 0);
	ck_assert_int_eq(faccessat(dfd, ".other", F_OK, 0), 0);
	ck_assert_int_eq(faccessat(dfd, "bob", F_OK, 0), 0);
	ck_assert_int_eq(faccessat(dfd, ".tmp", F_OK, 0), 0);
	ck_assert_int_eq(faccessat(dfd, "tmp-w0-1", F_OK, 0), 0);
	ck_assert_int_eq(faccessat(dfd, ".tmp-dir", F_OK, 0), 0);
}
END_TEST

/* Whether this file system makes unnamed files (O_TMPFILE). */
static bool
unnamed_here(void)
{
	int fd = openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);

	if (fd == -1)
		return false;
	close(fd);
	return true;
}

/*
 * A new list's file: unnamed until it is committed (where the system
 * allows it, loop 0), named as any other (loop 1); either way in place
 * with mode 0600 after the commit and nothing left behind by a commit
 * or an abort.  An unnamed file never replaces one that appeared.
 */
START_TEST(t_new_file)
{
	static const char data[] = "not a list, only bytes";
	struct store_tmp st;
	bool unnamed = _i == 0 && unnamed_here();
	uint8_t *got = NULL;
	size_t len = 0;

	store_set_unnamed(_i == 0);
	ck_assert_int_eq(store_prepare_new(dfd, "w0", "bob", 3, data,
	    sizeof(data), &st), 0);
	ck_assert(st.unnamed == unnamed);
	ck_assert_int_eq(st_count_entries(dfd, ""), unnamed ? 0 : 1);
	ck_assert_int_eq(store_sync_tmp(&st), 0);
	ck_assert_int_eq(store_commit(dfd, &st), 0);
	ck_assert_int_eq(st.fd, -1);
	ck_assert_int_eq(st_count_entries(dfd, ""), 1);
	ck_assert_int_eq(mode_of(dfd, "bob"), 0600);
	ck_assert_int_eq(store_read(dfd, "bob", 3, MAX_BYTES, &got, &len),
	    STORE_OK);
	ck_assert_uint_eq(len, sizeof(data));
	ck_assert_mem_eq(got, data, len);
	free(got);

	/* Aborted: nothing. */
	ck_assert_int_eq(store_prepare_new(dfd, "w0", "ann", 3, data,
	    sizeof(data), &st), 0);
	store_abort(dfd, &st);
	ck_assert_int_eq(st_count_entries(dfd, ""), 1);

	/* A file that appears before the commit. */
	ck_assert_int_eq(store_prepare_new(dfd, "w0", "ann", 3, data,
	    sizeof(data), &st), 0);
	ck_assert_int_eq(st_write_file(dfd, "ann", "x", 1), 0);
	if (unnamed) {
		ck_assert_int_eq(store_commit(dfd, &st), -1);
		ck_assert_int_eq(errno, EEXIST);
		ck_assert_int_eq(store_read(dfd, "ann", 3, MAX_BYTES, &got,
		    &len), STORE_OK);
		ck_assert_uint_eq(len, 1);
		free(got);
	} else
		ck_assert_int_eq(store_commit(dfd, &st), 0);
	ck_assert_int_eq(st_count_entries(dfd, ""), 2);
	store_set_unnamed(true);
}
END_TEST

#ifdef TODOD_FAULTS
/* Commit a new file for name, as a checkpoint does; 0 or -1 (errno). */
static int
new_file(const char *name, bool *unnamed)
{
	static const char data[] = "bytes";
	struct store_tmp st;

	if (store_prepare_new(dfd, "w0", name, strlen(name), data,
	    sizeof(data), &st) == -1)
		return -1;
	*unnamed = st.unnamed;
	return store_commit(dfd, &st);
}

/*
 * Where the system cannot make unnamed files (O_TMPFILE unsupported) or
 * refuses to link them (no capability for AT_EMPTY_PATH, no /proc), the
 * store finds out at the first failure and makes named temporary files
 * from then on; an error that concerns one file (EACCES, ENOSPC) fails
 * that file only.  The system's answers are injected.
 */
START_TEST(t_unnamed_fallback)
{
	bool unnamed;

	if (!unnamed_here())
		return;		/* nothing to fall back from */
	/* O_TMPFILE unsupported: this file and the next are named. */
	store_set_unnamed(true);
	store_fault_unnamed(EOPNOTSUPP, 0, 0);
	ck_assert_int_eq(new_file("a", &unnamed), 0);
	ck_assert(!unnamed);
	store_fault_unnamed(0, 0, 0);
	ck_assert_int_eq(new_file("b", &unnamed), 0);
	ck_assert(!unnamed);
	/* EACCES: that file fails, the next is unnamed. */
	store_set_unnamed(true);
	store_fault_unnamed(EACCES, 0, 0);
	ck_assert_int_eq(new_file("c", &unnamed), -1);
	ck_assert_int_eq(errno, EACCES);
	store_fault_unnamed(0, 0, 0);
	ck_assert_int_eq(new_file("c", &unnamed), 0);
	ck_assert(unnamed);
	/* AT_EMPTY_PATH refused: linked through /proc, from then on
	 * without trying AT_EMPTY_PATH (its error would now fail it). */
	store_fault_unnamed(0, EPERM, 0);
	ck_assert_int_eq(new_file("d", &unnamed), 0);
	ck_assert(unnamed);
	store_fault_unnamed(0, EIO, 0);
	ck_assert_int_eq(new_file("e", &unnamed), 0);
	ck_assert(unnamed);
	/* A link that fails for this file only (ENOSPC): it fails, unnamed
	 * files go on. */
	store_set_unnamed(true);
	store_fault_unnamed(0, ENOSPC, 0);
	ck_assert_int_eq(new_file("f", &unnamed), -1);
	ck_assert_int_eq(errno, ENOSPC);
	store_fault_unnamed(0, 0, 0);
	ck_assert_int_eq(new_file("f", &unnamed), 0);
	ck_assert(unnamed);
	/* Both ways refused: that file fails (its changes stay in the
	 * journal), and the next is named. */
	store_fault_unnamed(0, EPERM, ENOENT);
	ck_assert_int_eq(new_file("g", &unnamed), -1);
	ck_assert_int_eq(errno, EOPNOTSUPP);
	ck_assert_int_eq(faccessat(dfd, "g", F_OK, 0), -1);
	ck_assert_int_eq(new_file("g", &unnamed), 0);
	ck_assert(!unnamed);
	store_fault_unnamed(0, 0, 0);
	store_set_unnamed(true);
	/* Every file in place, nothing else left behind. */
	ck_assert_int_eq(st_count_entries(dfd, ""), 7);
	ck_assert_int_eq(st_count_temps(dfd), 0);
}
END_TEST
#endif

/* Files that are not lists: refused, and left as they are. */
START_TEST(t_corrupt)
{
	static const struct {
		const char	*bytes;
		size_t		 len;
		const char	*why;
	} bad[] = {
		{ "", 0, "empty file" },
		{ "garbage", 7, NULL },
		{ "\x83", 1, NULL },
		{ "\x83\x61\x01", 3, "not a map" },
		{ "\x83\x74\x00\x00\x00\x00", 6, "not a Todo.List struct" },
		{ "\x83\x74\x00\x00\x00", 5, NULL },	/* truncated */
	};
	struct todo_list *l = st_book_list();
	const char *why;
	uint8_t *good, *p;
	size_t i, len, glen;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(st_write_file(dfd, "c", bad[i].bytes,
		    bad[i].len), 0);
		ck_assert_ptr_null(load(dfd, "c", STORE_CORRUPT, &why));
		ck_assert_ptr_nonnull(why);
		if (bad[i].why != NULL)
			ck_assert_str_eq(why, bad[i].why);
		p = st_read_file(dfd, "c", &len);
		ck_assert_uint_eq(len, bad[i].len);
		if (len > 0)
			ck_assert_mem_eq(p, bad[i].bytes, len);
		free(p);
	}
	/* A good file with a byte more. */
	good = st_encode(l, &glen);
	good = realloc(good, glen + 1);
	good[glen] = 0;
	ck_assert_int_eq(st_write_file(dfd, "c", good, glen + 1), 0);
	ck_assert_ptr_null(load(dfd, "c", STORE_CORRUPT, &why));
	/* And truncated by one. */
	ck_assert_int_eq(st_write_file(dfd, "c", good, glen - 1), 0);
	ck_assert_ptr_null(load(dfd, "c", STORE_CORRUPT, &why));
	free(good);
	todolist_free(l);
}
END_TEST

/*
 * A compressed list file is read as the plain one it inflates to: a good
 * one gives the same list; a few kilobytes that inflate to a tuple of
 * 4,000,000 empty lists are refused without a node for each (decoded
 * whole, 32 bytes of memory per inflated byte: 128 MB here, gigabytes
 * from a file under --max-list-size); one compressed twice is refused.
 */
START_TEST(t_compressed)
{
	enum { N = 4000000 };
	struct etf_arena *a = etf_arena_new();
	struct todo_list *l = st_book_list(), *got;
	uint8_t *plain, *z, *zz, *bomb;
	size_t plen, zlen, zzlen;
	const char *why = NULL;

	ck_assert_ptr_nonnull(a);
	plain = st_encode(l, &plen);
	ck_assert_ptr_nonnull(z = st_compress(plain, plen, &zlen));
	ck_assert_int_eq(store_parse(a, z, zlen, MAX_BYTES, &got, &why),
	    STORE_OK);
	ck_assert_uint_eq(todolist_size(got), todolist_size(l));
	ck_assert_int_eq(todolist_next_id(got), todolist_next_id(l));
	todolist_free(got);
	etf_arena_reset(a);

	ck_assert_ptr_nonnull(zz = st_compress(z, zlen, &zzlen));
	ck_assert_ptr_nonnull(bomb = malloc(6 + N));
	bomb[0] = ETF_VERSION;
	bomb[1] = 105;	/* LARGE_TUPLE_EXT of N NIL_EXT */
	bomb[2] = (uint8_t)(N >> 24);
	bomb[3] = (uint8_t)(N >> 16);
	bomb[4] = (uint8_t)(N >> 8);
	bomb[5] = (uint8_t)N;
	memset(bomb + 6, 106, N);
	free(z);
	ck_assert_ptr_nonnull(z = st_compress(bomb, 6 + N, &zlen));
	ck_assert_uint_lt(zlen, 8192);
	ck_assert_int_eq(store_parse(a, z, zlen, MAX_BYTES, &got, &why),
	    STORE_CORRUPT);
	ck_assert_str_eq(why, "not a map");
	ck_assert_msg(etf_arena_bytes(a) < 2 * (5 + N), "%zu bytes taken "
	    "for %d inflated", etf_arena_bytes(a), 5 + N);
	etf_arena_reset(a);

	ck_assert_int_eq(store_parse(a, zz, zzlen, MAX_BYTES, &got, &why),
	    STORE_CORRUPT);
	ck_assert_str_eq(why, "compressed twice");
	etf_arena_free(a);
	free(bomb);
	free(z);
	free(zz);
	free(plain);
	todolist_free(l);
}
END_TEST

START_TEST(t_read_errors)
{
	struct etf_arena *a = etf_arena_new();
	struct todo_list *l = st_list_n(100, "x"), *out;
	const char *why;
	uint8_t *data;
	size_t len;

	ck_assert_int_eq(store_save(dfd, "w0", "big", 3, l, false), 0);
	ck_assert_int_eq(store_read(dfd, "big", 3, 100, &data, &len),
	    STORE_ERR);
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_int_eq(store_load(dfd, "big", 3, a, 100, &out, &why),
	    STORE_ERR);
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_int_eq(store_read(dfd, "big", 3, MAX_BYTES, &data, &len),
	    STORE_OK);
	free(data);
	/* A symbolic link where a list's file would be, even to a list's
	 * file: not followed. */
	ck_assert_int_eq(symlinkat("big", dfd, "ln"), 0);
	ck_assert_int_eq(store_read(dfd, "ln", 2, MAX_BYTES, &data, &len),
	    STORE_ERR);
	ck_assert_int_eq(errno, ELOOP);
	/* A directory where a list's file would be. */
	ck_assert_int_eq(mkdirat(dfd, "d", 0700), 0);
	ck_assert_int_eq(store_read(dfd, "d", 1, MAX_BYTES, &data, &len),
	    STORE_ERR);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(store_read(dfd, "a/b", 3, MAX_BYTES, &data, &len),
	    STORE_ABSENT);
	ck_assert_int_eq(store_read(dfd, "", 0, MAX_BYTES, &data, &len),
	    STORE_ERR);
	etf_arena_free(a);
	todolist_free(l);
}
END_TEST

struct names {
	int	n;
	char	seen[8][64];
};

static void
collect(void *arg, const void *name, size_t len)
{
	struct names *ns = arg;

	ck_assert_int_lt(ns->n, 8);
	ck_assert_uint_lt(len, 64);
	memcpy(ns->seen[ns->n], name, len);
	ns->seen[ns->n++][len] = '\0';
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Count lines of a file that contain s. */
static int
count_in(const char *path, const char *s)
{
	char line[1024];
	FILE *f = fopen(path, "r");
	int n = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, s) != NULL)
			n++;
	fclose(f);
	return n;
}

START_TEST(t_list_names)
{
	static const char *const files[] = {
		"bob", "%C3%A9t%C3%A9", "%2E%2E", ".lock", ".tmp-w0-1-1",
		"a%2fb", "%41", "x y", "%00",
	};
	struct names ns;
	char *logpath;
	size_t i;
	int saved, logfd;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		ck_assert_int_eq(st_write_file(dfd, files[i], "x", 1), 0);
	ck_assert_int_eq(mkdirat(dfd, "subdir", 0700), 0);
	ck_assert_int_ne(asprintf(&logpath, "%s.log", dir), -1);
	logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(logfd, 0);
	saved = dup(2);
	dup2(logfd, 2);
	memset(&ns, 0, sizeof(ns));
	ck_assert_int_eq(store_list_names(dfd, collect, &ns), 0);
	ck_assert_int_eq(ns.n, 3);
	ns.n = 0;
	ck_assert_int_eq(store_list_names(dfd, collect, &ns), 0);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(logfd);
	ck_assert_int_eq(ns.n, 3);
	qsort(ns.seen, 3, sizeof(ns.seen[0]), cmp_str);
	ck_assert_str_eq(ns.seen[0], "..");
	ck_assert_str_eq(ns.seen[1], "bob");
	ck_assert_str_eq(ns.seen[2], "\xc3\xa9t\xc3\xa9");
	/* Each undecodable name is logged once, dot-files never. */
	ck_assert_int_eq(count_in(logpath, "a%2fb"), 1);
	ck_assert_int_eq(count_in(logpath, "\"%41\""), 1);
	ck_assert_int_eq(count_in(logpath, "x y"), 1);
	ck_assert_int_eq(count_in(logpath, "%00"), 1);
	ck_assert_int_eq(count_in(logpath, ".lock"), 0);
	ck_assert_int_eq(count_in(logpath, "subdir"), 0);
	unlink(logpath);
	free(logpath);
}
END_TEST

START_TEST(t_errno_atoms)
{
	ck_assert_str_eq(store_errno_atom(ENOSPC), "enospc");
	ck_assert_str_eq(store_errno_atom(EIO), "eio");
	ck_assert_str_eq(store_errno_atom(EACCES), "eacces");
	ck_assert_str_eq(store_errno_atom(EROFS), "erofs");
	ck_assert_str_eq(store_errno_atom(EDQUOT), "edquot");
	ck_assert_str_eq(store_errno_atom(ELOOP), "eloop");
	ck_assert_str_eq(store_errno_atom(EBADF), "eio");
}
END_TEST

/* After a failed store: the old file, and no temporary file. */
static void
check_failed_store(int fd, const char *name, const struct todo_list *old,
    int expect_errno)
{
	struct todo_list *big = st_list_n(3000, "too big to fit"), *back;

	errno = 0;
	ck_assert_int_eq(store_save(fd, "w0", name, strlen(name), big, true),
	    -1);
	ck_assert_int_eq(errno, expect_errno);
	ck_assert_int_eq(st_count_temps(fd), 0);
	back = load(fd, name, STORE_OK, NULL);
	ck_assert(st_list_equal(old, back));
	todolist_free(back);
	todolist_free(big);
}

#ifdef TODOD_FAULTS
START_TEST(t_fault_errors)
{
	static const struct { const char *fault; int err; } f[] = {
		{ "enospc", ENOSPC }, { "eio", EIO }, { "eacces", EACCES },
	};
	struct todo_list *l = st_book_list();
	char *flag;

	ck_assert_int_eq(store_save(dfd, "w0", "bob", 3, l, true), 0);
	ck_assert_int_ne(asprintf(&flag, "%s.flag", dir), -1);
	setenv("TODOD_FAULT", f[_i].fault, 1);
	setenv("TODOD_FAULT_FILE", flag, 1);
	store_fault_init();
	/* Armed only while the flag file exists. */
	ck_assert_int_eq(store_save(dfd, "w0", "bob", 3, l, true), 0);
	close(open(flag, O_WRONLY | O_CREAT, 0600));
	check_failed_store(dfd, "bob", l, f[_i].err);
	unlink(flag);
	ck_assert_int_eq(todolist_delete(l, 1), 0);
	ck_assert_int_eq(store_save(dfd, "w0", "bob", 3, l, true), 0);
	unsetenv("TODOD_FAULT");
	unsetenv("TODOD_FAULT_FILE");
	store_fault_init();
	free(flag);
	todolist_free(l);
}
END_TEST

/* The list server's read of a mapped list file that someone cuts short
 * meanwhile: an error, not SIGBUS; the same file read again: corrupt. */
static void
cut_short(int fd)
{
	char path[64];
	int wfd;

	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	ck_assert_int_ge(wfd = open(path, O_WRONLY), 0);
	ck_assert_int_eq(ftruncate(wfd, 0), 0);
	close(wfd);
}

/* The SIGBUS handler the test puts in place before the reads. */
static void
bus_before(int sig)
{
	_exit(42);
}

START_TEST(t_mapped_cut_short)
{
	struct todo_list *l = st_list_n(2000, "cut"), *back = NULL;
	const struct etf_term *t;
	struct etf_arena *a = etf_arena_new();
	struct etf_buf b;
	struct sigaction sa, saved;
	const char *why = NULL;
	size_t size;
	pid_t pid;
	int fd, status, round;

	ck_assert_ptr_nonnull(a);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = bus_before;
	ck_assert_int_eq(sigaction(SIGBUS, &sa, &saved), 0);
	/* Twice: after the first, SIGBUS must be unblocked again (a fault
	 * with it blocked would kill the process). */
	for (round = 0; round < 2; round++) {
		ck_assert_int_eq(store_save(dfd, "w0", "cut", 3, l, false), 0);
		ck_assert_int_eq(store_open_read(dfd, "cut", 3, 1u << 30, &fd,
		    &size), STORE_OK);
		etf_buf_init(&b);
		etf_put_version(&b);
		etf_put_tuple(&b, 2);
		etf_put_atom(&b, "file");
		etf_put_int(&b, (int64_t)size);
		etf_arena_reset(a);
		ck_assert_int_eq(etf_decode(a, b.p, b.len, b.len, &t), ETF_OK);
		getreply_fault_mapped = cut_short;
		why = NULL;
		ck_assert_int_eq(getreply_file(a, t, fd, 1u << 30, 1u << 30,
		    &back, &why), GETREPLY_FAULT);
		getreply_fault_mapped = NULL;
		ck_assert_ptr_null(back);
		ck_assert_ptr_nonnull(why);
		close(fd);
		etf_buf_free(&b);
	}
	/* SIGBUS elsewhere is not caught: it goes to the handler before
	 * (the guard's stays installed, and passes it on). */
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		(void)raise(SIGBUS);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 42);
	(void)sigaction(SIGBUS, &saved, NULL);
	etf_arena_free(a);
	todolist_free(l);
}
END_TEST
#endif

/* syncfs reports write-back errors from Linux 5.8: before, or where the
 * release cannot be read, each file is flushed on its own. */
START_TEST(t_syncfs_release)
{
	static const struct {
		const char	*release;
		bool		 reports;
	} cases[] = {
		{ "5.8", true }, { "5.8.0", true }, { "5.10.0-28-amd64", true },
		{ "6.1.0-13-amd64", true }, { "6.18.44-fc-v1045", true },
		{ "10.0", true }, { "5.7.19", false }, { "5.7", false },
		{ "4.19.0-26-amd64", false }, { "3.10.0-1160.el7.x86_64", false },
		{ "2.6.32", false }, { "", false }, { "linux", false },
		{ "5", false }, { "5.", false }, { "5.x", false },
		{ "-6.1", false }, { " 6.1", false },
		{ "99999999999999999999999.1", false },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(store_release_syncfs_reports(cases[i].release) ==
		    cases[i].reports, "release \"%s\": expected %s",
		    cases[i].release, cases[i].reports ? "true" : "false");
	ck_assert(!store_release_syncfs_reports(NULL));
	/* This machine's own answer is the same every time. */
	ck_assert(store_syncfs_reports() == store_syncfs_reports());
}
END_TEST

/*
 * A real ENOSPC: a 64 KiB tmpfs in a private mount namespace, in a child
 * (root only; skipped with a message where mounting is not allowed).
 */
START_TEST(t_enospc_tmpfs)
{
	struct todo_list *l = st_book_list();
	int status, fd, ok;
	pid_t pid;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) == -1 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1 ||
		    mount("tmpfs", dir, "tmpfs", 0, "size=64k,mode=0700") == -1)
			_exit(77);
		fd = store_open_dir(dir);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(store_save(fd, "w0", "bob", 3, l, true), 0);
		check_failed_store(fd, "bob", l, ENOSPC);
		/* The worker goes on: a small store fits again. */
		ck_assert_int_eq(todolist_delete(l, 1), 0);
		ck_assert_int_eq(store_save(fd, "w0", "bob", 3, l, true), 0);
		close(fd);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ok = WEXITSTATUS(status);
	if (ok == 77)
		fprintf(stderr, "t_enospc_tmpfs: cannot mount a tmpfs here "
		    "(not root?): ENOSPC tested through the fault switch "
		    "only\n");
	else
		ck_assert_int_eq(ok, 0);
	todolist_free(l);
}
END_TEST

static Suite *
store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, t_open_dir);
	tcase_add_test(tc, t_save_load);
	tcase_add_test(tc, t_long_names);
	tcase_add_test(tc, t_cleanup);
	tcase_add_loop_test(tc, t_new_file, 0, 2);
	tcase_add_test(tc, t_corrupt);
	tcase_add_test(tc, t_compressed);
	tcase_add_test(tc, t_read_errors);
	tcase_add_test(tc, t_list_names);
	tcase_add_test(tc, t_errno_atoms);
	tcase_add_test(tc, t_syncfs_release);
#ifdef TODOD_FAULTS
	tcase_add_loop_test(tc, t_fault_errors, 0, 3);
	tcase_add_test(tc, t_mapped_cut_short);
	tcase_add_test(tc, t_unnamed_fallback);
#endif
	tcase_add_test(tc, t_enospc_tmpfs);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(store_suite());
}
