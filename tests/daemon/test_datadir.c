/*
 * test_datadir.c: the data directory lock: creation with mode 0700, the
 * lock file (0600, our pid), a second lock refused with the holder's pid,
 * and refused when the lock file was removed, a lock file that is a link
 * (symbolic or hard) or a FIFO refused, a directory that other users may
 * write refused (or one above it),
 * the lock shared with forked children,
 * datadir_mkdirs().
 */
#include "config.h"

#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datadir.h"
#include "tutil.h"

static char	tmp[64];
static char	err[1024];

static void
setup(void)
{
	tu_tmpdir(tmp, sizeof(tmp), "tddat");
	err[0] = '\0';
}

static void
teardown(void)
{
	tu_rmtree(tmp);
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	ck_assert_msg(stat(path, &st) == 0, "%s: %s", path, strerror(errno));
	return st.st_mode & 07777;
}

START_TEST(lock_creates)
{
	struct datadir dd;
	char data[128], top[128], lock[160], buf[64], want[64];
	pid_t holder = 99;

	snprintf(top, sizeof(top), "%s/x", tmp);
	snprintf(data, sizeof(data), "%s/x/y/data", tmp);
	umask(022);
	ck_assert_msg(dd_lock(&dd, data, &holder, err, sizeof(err)) == 0,
	    "%s", err);
	ck_assert_int_eq(holder, 0);
	ck_assert_int_ge(dd.lockfd, 0);
	ck_assert(fcntl(dd.lockfd, F_GETFD) & FD_CLOEXEC);
	ck_assert_str_eq(dd.created, top);
	ck_assert(dd.lock_created);
	ck_assert_int_eq(mode_of(top), 0700);
	ck_assert_int_eq(mode_of(data), 0700);
	snprintf(lock, sizeof(lock), "%s/.lock", data);
	ck_assert_int_eq(mode_of(lock), 0600);
	ck_assert_int_gt(tu_read_file(lock, buf, sizeof(buf)), 0);
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	ck_assert_str_eq(buf, want);
	datadir_unlock(&dd);
	ck_assert_int_eq(dd.lockfd, -1);

	/* Again: nothing created, a longer old pid is overwritten. */
	ck_assert_int_eq(chmod(data, 0755), 0);
	ck_assert_int_eq(truncate(lock, 0), 0);
	ck_assert_int_eq(tu_read_file(lock, buf, sizeof(buf)), 0);
	ck_assert_msg(dd_lock(&dd, data, &holder, err, sizeof(err)) == 0,
	    "%s", err);
	ck_assert_str_eq(dd.created, "");
	ck_assert(!dd.lock_created);
	ck_assert_int_eq(mode_of(data), 0755);	/* existing: kept */
	tu_read_file(lock, buf, sizeof(buf));
	ck_assert_str_eq(buf, want);
	datadir_unlock(&dd);
}
END_TEST

/* Wait up to 5 s until nobody holds the lock of data. */
static int
wait_lock_free(const char *data)
{
	char lock[160];
	int fd, i;

	snprintf(lock, sizeof(lock), "%s/.lock", data);
	if ((fd = open(lock, O_RDONLY)) == -1)
		return -1;
	for (i = 0; i < 1000; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			close(fd);
			return 0;
		}
		usleep(5000);
	}
	close(fd);
	return -1;
}

/* Child: try the lock; report the result on stdout. */
static void
try_lock(void *arg)
{
	struct datadir dd;
	pid_t holder = -1;
	int r;

	r = dd_lock(&dd, arg, &holder, err, sizeof(err));
	printf("r=%d holder=%ld err=%s\n", r, (long)holder, r == 0 ? "" : err);
}

START_TEST(second_lock_refused)
{
	struct datadir dd;
	struct tu_result r;
	char data[128], want[512];
	pid_t holder;

	snprintf(data, sizeof(data), "%s/data", tmp);
	ck_assert_msg(dd_lock(&dd, data, &holder, err, sizeof(err)) == 0,
	    "%s", err);
	tu_run(try_lock, data, &r);
	ck_assert_int_eq(tu_exitcode(r.status), 0);
	snprintf(want, sizeof(want), "r=-1 holder=%ld err=data directory %s "
	    "is in use by todod pid %ld\n", (long)getpid(), data,
	    (long)getpid());
	ck_assert_str_eq(r.out, want);

	datadir_unlock(&dd);
	tu_run(try_lock, data, &r);
	ck_assert_str_eq(r.out, "r=0 holder=0 err=\n");
}
END_TEST

/*
 * The pid cannot be written (here the file size limit is 0: writes fail
 * with EFBIG, as they would with ENOSPC on a full disk): the directory is
 * locked all the same, 1 says so with the reason, and a second daemon is
 * refused.  A daemon could not start on a full disk, and then neither
 * replay nor serve the changes its journals held.
 */
START_TEST(lock_pid_unwritten)
{
	struct rlimit none = { 0, 0 };
	struct datadir dd;
	struct tu_result r;
	char data[128];
	pid_t holder;

	snprintf(data, sizeof(data), "%s/data", tmp);
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &none), 0);
	ck_assert_int_eq(dd_lock(&dd, data, &holder, err, sizeof(err)),
	    1);
	ck_assert_msg(strstr(err, "cannot write the pid into") != NULL &&
	    strstr(err, strerror(EFBIG)) != NULL, "%s", err);
	ck_assert_int_ge(dd.lockfd, 0);
	tu_run(try_lock, data, &r);
	ck_assert_int_eq(tu_exitcode(r.status), 0);
	ck_assert_msg(strncmp(r.out, "r=-1 ", 5) == 0 &&
	    strstr(r.out, "is in use by") != NULL, "%s", r.out);
	datadir_unlock(&dd);
}
END_TEST

/* Removing the lock file does not free the directory: it is locked
 * itself, and the message cannot name the holder. */
START_TEST(lock_file_removed)
{
	struct datadir dd;
	struct tu_result r;
	char data[128], lock[160], want[512];
	pid_t holder;

	snprintf(data, sizeof(data), "%s/data", tmp);
	snprintf(lock, sizeof(lock), "%s/.lock", data);
	ck_assert_msg(dd_lock(&dd, data, &holder, err, sizeof(err)) == 0,
	    "%s", err);
	ck_assert_int_eq(unlink(lock), 0);
	tu_run(try_lock, data, &r);
	ck_assert_int_eq(tu_exitcode(r.status), 0);
	snprintf(want, sizeof(want), "r=-1 holder=0 err=data directory %s "
	    "is in use by another todod\n", data);
	ck_assert_str_eq(r.out, want);
	datadir_unlock(&dd);
	tu_run(try_lock, data, &r);
	ck_assert_str_eq(r.out, "r=0 holder=0 err=\n");
}
END_TEST

/*
 * Forked children share the lock: it outlives the supervisor while a
 * child keeps the descriptor, and the message says the holder is gone,
 * also while it is a zombie that its parent has not reaped yet.
 */
START_TEST(lock_held_by_children)
{
	struct datadir dd;
	struct tu_result r;
	char data[128], want[512];
	pid_t holder, sup, child;
	int p[2], status;
	char c;

	snprintf(data, sizeof(data), "%s/data", tmp);
	ck_assert_int_eq(pipe(p), 0);
	if ((sup = fork()) == 0) {
		/* The "supervisor": lock, fork a "worker", exit. */
		if (dd_lock(&dd, data, &holder, err, sizeof(err)) == -1)
			_exit(1);
		if ((child = fork()) == 0) {
			close(p[1]);
			(void)read(p[0], &c, 1);	/* until told */
			_exit(0);
		}
		_exit(child > 0 ? 0 : 1);
	}
	close(p[0]);
	snprintf(want, sizeof(want), "r=-1 holder=%ld err=data directory %s "
	    "is in use by the processes of todod pid %ld, which has exited\n",
	    (long)sup, data, (long)sup);
	ck_assert_int_eq(tu_wait_zombie(sup, 5000), 0);
	tu_run(try_lock, data, &r);
	ck_assert_str_eq(r.out, want);
	ck_assert_int_eq(tu_waitpid(sup, &status, 5000), 0);
	ck_assert_int_eq(tu_exitcode(status), 0);
	tu_run(try_lock, data, &r);
	ck_assert_str_eq(r.out, want);
	close(p[1]);	/* the worker exits: the lock goes with it */
	ck_assert_int_eq(wait_lock_free(data), 0);
}
END_TEST

START_TEST(lock_errors)
{
	struct datadir dd;
	char data[128], hard[128], buf[16];
	pid_t holder = 5;
	int fd;

	snprintf(data, sizeof(data), "%s/file", tmp);
	fd = open(data, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ck_assert_int_eq(dd_lock(&dd, data, &holder, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(holder, 0);
	ck_assert_int_eq(dd.lockfd, -1);
	ck_assert_msg(strstr(err, "cannot create directory") != NULL &&
	    strstr(err, data) != NULL, "%s", err);

	snprintf(data, sizeof(data), "%s/d", tmp);
	ck_assert_int_eq(mkdir(data, 0700), 0);
	snprintf(data, sizeof(data), "%s/d/.lock", tmp);
	ck_assert_int_eq(symlink("/etc/passwd", data), 0);
	snprintf(data, sizeof(data), "%s/d", tmp);
	ck_assert_int_eq(dd_lock(&dd, data, &holder, err, sizeof(err)),
	    -1);
	ck_assert_msg(strstr(err, "cannot open lock file") != NULL, "%s",
	    err);

	/* A FIFO in its place: refused, not written to. */
	snprintf(data, sizeof(data), "%s/f", tmp);
	ck_assert_int_eq(mkdir(data, 0700), 0);
	snprintf(data, sizeof(data), "%s/f/.lock", tmp);
	ck_assert_int_eq(mkfifo(data, 0600), 0);
	snprintf(data, sizeof(data), "%s/f", tmp);
	ck_assert_int_eq(dd_lock(&dd, data, &holder, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(dd.lockfd, -1);
	ck_assert_msg(strstr(err, "is not a regular file") != NULL, "%s",
	    err);

	/* A hard link to a file elsewhere: refused, the file untouched. */
	snprintf(data, sizeof(data), "%s/victim", tmp);
	fd = open(data, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_eq(write(fd, "kept\n", 5), 5);
	close(fd);
	snprintf(hard, sizeof(hard), "%s/h", tmp);
	ck_assert_int_eq(mkdir(hard, 0700), 0);
	snprintf(hard, sizeof(hard), "%s/h/.lock", tmp);
	ck_assert_int_eq(link(data, hard), 0);
	snprintf(hard, sizeof(hard), "%s/h", tmp);
	ck_assert_int_eq(dd_lock(&dd, hard, &holder, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(dd.lockfd, -1);
	ck_assert_msg(strstr(err, "has 2 links") != NULL, "%s", err);
	ck_assert_int_eq(tu_read_file(data, buf, sizeof(buf)), 5);
	ck_assert_str_eq(buf, "kept\n");
}
END_TEST

/* Lock data; -1 with a message about an unsafe data directory. */
static void
refused_unsafe(const char *data, uid_t also_ok, const char *why)
{
	struct datadir dd;
	char lock[160];
	pid_t holder;

	ck_assert_int_eq(datadir_lock(&dd, data, also_ok, &holder, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(dd.lockfd, -1);
	ck_assert_msg(strstr(err, "unsafe data directory") != NULL &&
	    strstr(err, why) != NULL, "%s", err);
	snprintf(lock, sizeof(lock), "%s/.lock", data);
	ck_assert_int_eq(access(lock, F_OK), -1);
}

/*
 * A data directory that another user may put files in is refused before
 * anything is made in it: writable by group or others, sticky or not,
 * owned by another user than root, ours or the -u user's, or named by
 * another user's symbolic link.  Readable by others is not refused.
 */
START_TEST(unsafe_dirs)
{
	struct datadir dd;
	char data[128], link[128];
	pid_t holder;

	snprintf(data, sizeof(data), "%s/open", tmp);
	ck_assert_int_eq(mkdir(data, 0700), 0);
	ck_assert_int_eq(chmod(data, 0777), 0);
	refused_unsafe(data, (uid_t)-1, "mode 0777: it must not be writable "
	    "by group or others");
	ck_assert_int_eq(chmod(data, 01777), 0);
	refused_unsafe(data, (uid_t)-1, "mode 1777");
	ck_assert_int_eq(chmod(data, 0770), 0);
	refused_unsafe(data, (uid_t)-1, "mode 0770");
	ck_assert_int_eq(chmod(data, 0755), 0);
	ck_assert_msg(dd_lock(&dd, data, &holder, err, sizeof(err)) == 0,
	    "%s", err);
	datadir_unlock(&dd);
	if (geteuid() != 0)
		return;		/* the rest gives files away */
	snprintf(data, sizeof(data), "%s/theirs", tmp);
	ck_assert_int_eq(mkdir(data, 0700), 0);
	ck_assert_int_eq(chown(data, 4242, 4242), 0);
	refused_unsafe(data, (uid_t)-1, "it must be owned by root");
	ck_assert_msg(datadir_lock(&dd, data, 4242, &holder, err,
	    sizeof(err)) == 0, "%s", err);
	datadir_unlock(&dd);
	snprintf(data, sizeof(data), "%s/mine", tmp);
	ck_assert_int_eq(mkdir(data, 0700), 0);
	snprintf(link, sizeof(link), "%s/link", tmp);
	ck_assert_int_eq(symlink(data, link), 0);
	ck_assert_int_eq(lchown(link, 4242, 4242), 0);
	refused_unsafe(link, (uid_t)-1, "a symbolic link of");
}
END_TEST

/* Make dir (mode, then owner uid unless (uid_t)-1) and return its path. */
static const char *
mkdir_as(char *buf, size_t size, const char *name, mode_t mode, uid_t uid)
{
	snprintf(buf, size, "%s/%s", tmp, name);
	ck_assert_msg(mkdir(buf, 0700) == 0, "%s: %s", buf, strerror(errno));
	ck_assert_int_eq(chmod(buf, mode), 0);
	if (uid != (uid_t)-1)
		ck_assert_int_eq(chown(buf, uid, uid), 0);
	return buf;
}

/* Give uid rwx on path by an access ACL (mask rwx), as
 * "setfacl -m u:UID:rwx" does: 0, or -1 (errno). */
static int
set_acl_user(const char *path, uid_t uid)
{
	/* The kernel's POSIX ACL xattr: a version, then entries of tag,
	 * permissions and id, all little-endian. */
	static const struct { uint16_t tag, perm; uint32_t id; } base[] = {
		{ 0x01, 7, 0xffffffffu },	/* owner */
		{ 0x02, 7, 0 },			/* the named user */
		{ 0x04, 5, 0xffffffffu },	/* group */
		{ 0x10, 7, 0xffffffffu },	/* mask */
		{ 0x20, 5, 0xffffffffu },	/* others */
	};
	uint8_t buf[4 + sizeof(base) / sizeof(base[0]) * 8], *p = buf;
	size_t i;

	p[0] = 2, p[1] = p[2] = p[3] = 0;
	for (p += 4, i = 0; i < sizeof(base) / sizeof(base[0]); i++, p += 8) {
		uint32_t id = base[i].tag == 0x02 ? (uint32_t)uid : base[i].id;

		p[0] = (uint8_t)base[i].tag, p[1] = 0;
		p[2] = (uint8_t)base[i].perm, p[3] = 0;
		p[4] = (uint8_t)id, p[5] = (uint8_t)(id >> 8);
		p[6] = (uint8_t)(id >> 16), p[7] = (uint8_t)(id >> 24);
	}
	return setxattr(path, "system.posix_acl_access", buf, sizeof(buf), 0);
}

/*
 * The directories above the data directory count too: one that another
 * user owns or may write (unless it is sticky, as /tmp) could have the
 * data directory renamed and replaced.  Checked as named (a link in
 * another user's directory) and as resolved (a link of root's that
 * leads into another user's directory).
 */
START_TEST(unsafe_above)
{
	struct datadir dd;
	char d[128], data[160], link[160];
	pid_t holder;

	mkdir_as(d, sizeof(d), "open", 0777, (uid_t)-1);
	snprintf(data, sizeof(data), "%s/open/data", tmp);
	refused_unsafe(data, (uid_t)-1, "/open above it has owner ");
	ck_assert_msg(strstr(err, "mode 0777: each directory above it must "
	    "be owned by") != NULL, "%s", err);
	mkdir_as(d, sizeof(d), "pub", 01777, (uid_t)-1);
	snprintf(data, sizeof(data), "%s/pub/data", tmp);
	ck_assert_msg(dd_lock(&dd, data, &holder, err, sizeof(err)) == 0,
	    "%s", err);
	datadir_unlock(&dd);
	if (geteuid() != 0)
		return;		/* the rest gives files away */

	/* Writable by its owner's own group (user private groups, umask
	 * 002): root's, here; by another group, refused. */
	mkdir_as(d, sizeof(d), "upg", 0775, (uid_t)-1);
	ck_assert_int_eq(chown(d, 0, 0), 0);
	snprintf(data, sizeof(data), "%s/upg/data", tmp);
	ck_assert_msg(dd_lock(&dd, data, &holder, err, sizeof(err)) == 0,
	    "%s", err);
	datadir_unlock(&dd);
	/* Not when an ACL gives the group's write to another user too
	 * (the group bits are then its mask), where ACLs are kept. */
	if (set_acl_user(d, 4242) == 0) {
		snprintf(data, sizeof(data), "%s/upg/data2", tmp);
		refused_unsafe(data, (uid_t)-1, "/upg above it has owner root, "
		    "mode 0775");
		ck_assert_int_eq(removexattr(d, "system.posix_acl_access"), 0);
	} else
		ck_assert_msg(errno == ENOTSUP || errno == EOPNOTSUPP,
		    "setxattr: %s", strerror(errno));
	mkdir_as(d, sizeof(d), "shared", 0775, (uid_t)-1);
	ck_assert_int_eq(chown(d, 0, 4242), 0);
	snprintf(data, sizeof(data), "%s/shared/data", tmp);
	refused_unsafe(data, (uid_t)-1, "/shared above it has owner root, "
	    "mode 0775");

	mkdir_as(d, sizeof(d), "theirs", 0755, 4242);
	snprintf(data, sizeof(data), "%s/theirs/data", tmp);
	ck_assert_int_eq(mkdir(data, 0700), 0);
	refused_unsafe(data, (uid_t)-1, "/theirs above it has owner uid "
	    "4242, mode 0755");
	/* For -u 4242: refused while data is root's (4242 could put
	 * another in its place), taken once it is 4242's. */
	refused_unsafe(data, 4242, "/theirs, a directory of user uid 4242's, "
	    "who could lead it elsewhere, and it is root's");
	ck_assert_int_eq(chown(data, 4242, 4242), 0);
	ck_assert_msg(datadir_lock(&dd, data, 4242, &holder, err,
	    sizeof(err)) == 0, "%s", err);
	datadir_unlock(&dd);

	/* A link of root's, in a directory of another user's, to a
	 * directory of root's: the other user could change it. */
	mkdir_as(d, sizeof(d), "rootonly", 0700, (uid_t)-1);
	snprintf(link, sizeof(link), "%s/theirs/x", tmp);
	ck_assert_int_eq(symlink(d, link), 0);
	snprintf(data, sizeof(data), "%s/theirs/x/data", tmp);
	refused_unsafe(data, (uid_t)-1, "/theirs above it has owner");
	/* Nor for -u 4242, whose directory it is in. */
	ck_assert_int_eq(mkdir(data, 0700), 0);
	refused_unsafe(data, 4242, "/theirs, a directory of user uid 4242's, "
	    "who could lead it elsewhere, and it is root's");
	/* Nor where a ".." after a link of 4242's leads (a name no step
	 * of the way shows). */
	snprintf(link, sizeof(link), "%s/theirs/y", tmp);
	ck_assert_int_eq(symlink(d, link), 0);
	ck_assert_int_eq(lchown(link, 4242, 4242), 0);
	snprintf(data, sizeof(data), "%s/theirs/y/data/..", tmp);
	refused_unsafe(data, 4242, "/theirs, a directory of user uid 4242's, "
	    "who could lead it elsewhere, and it is root's");

	/* A link of root's, in root's directory, into a directory of
	 * another user's. */
	snprintf(d, sizeof(d), "%s/theirs/sub", tmp);
	ck_assert_int_eq(mkdir(d, 0755), 0);
	snprintf(link, sizeof(link), "%s/good", tmp);
	ck_assert_int_eq(symlink(d, link), 0);
	snprintf(data, sizeof(data), "%s/good/data", tmp);
	refused_unsafe(data, (uid_t)-1, "/theirs above it has owner");
}
END_TEST

#ifdef TODOD_FAULTS
/*
 * A data directory replaced between its check and its open is refused,
 * and nothing is made in the one put in its place: root would make and
 * lock files in a directory of the user's choosing (a link to one of
 * root's directories, say) and clean its temporary files.
 */
START_TEST(replaced_while_checked)
{
	struct datadir dd;
	char data[128], lock[160];
	pid_t holder;

	snprintf(data, sizeof(data), "%s/data", tmp);
	ck_assert_int_eq(mkdir(data, 0700), 0);
	datadir_fault_checked = tu_replace_dir;
	ck_assert_int_eq(dd_lock(&dd, data, &holder, err, sizeof(err)), -1);
	datadir_fault_checked = NULL;
	ck_assert_msg(strstr(err, "was replaced while it was checked") !=
	    NULL, "%s", err);
	snprintf(lock, sizeof(lock), "%s/.lock", data);
	ck_assert_int_eq(access(lock, F_OK), -1);
	ck_assert_int_eq(dd.lockfd, -1);
	ck_assert_int_eq(dd.dirlockfd, -1);

	/* Not replaced: locked, through the descriptor of the directory
	 * checked. */
	ck_assert_msg(dd_lock(&dd, data, &holder, err, sizeof(err)) == 0,
	    "%s", err);
	ck_assert_int_eq(access(lock, F_OK), 0);
	datadir_unlock(&dd);
}
END_TEST
#endif

START_TEST(mkdirs)
{
	char path[128], created[128], want[128];

	snprintf(path, sizeof(path), "%s//a/./b//c/", tmp);
	ck_assert_msg(datadir_mkdirs(path, 0750, created, sizeof(created),
	    NULL, err, sizeof(err)) == 0, "%s", err);
	snprintf(want, sizeof(want), "%s//a", tmp);
	ck_assert_str_eq(created, want);
	snprintf(path, sizeof(path), "%s/a/b/c", tmp);
	ck_assert_int_eq(mode_of(path), 0750);
	ck_assert_msg(datadir_mkdirs(path, 0750, created, sizeof(created),
	    NULL, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(created, "");
	ck_assert_int_eq(datadir_mkdirs("/", 0700, created, sizeof(created),
	    NULL, err, sizeof(err)), 0);
}
END_TEST

static bool	exists(const char *);

/* More directories to make than can be kept open: refused, and none of
 * them left (the last made was left, unrecorded, and so all above). */
START_TEST(mkdirs_too_deep)
{
	struct made_dirs m;
	char path[512], created[512], top[160];
	size_t len;
	int i;

	snprintf(top, sizeof(top), "%s/deep", tmp);
	len = (size_t)snprintf(path, sizeof(path), "%s", top);
	for (i = 1; i <= MADEDIRS_MAX + 2; i++)
		len += (size_t)snprintf(path + len, sizeof(path) - len, "/d%d",
		    i);
	ck_assert_int_eq(datadir_mkdirs(path, 0700, created, sizeof(created),
	    &m, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "more than 32 directories to make") != NULL,
	    "%s", err);
	ck_assert_msg(!exists(top), "%s left", top);
	ck_assert_int_eq(m.n, 0);
}
END_TEST

/* Whether path exists. */
static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

START_TEST(rmdirs)
{
	struct made_dirs m;
	char path[160], created[160], a[160], file[200];
	int fd;

	/* The chain made, "." and doubled slashes included, goes. */
	snprintf(path, sizeof(path), "%s//a/./b//c/", tmp);
	ck_assert_msg(datadir_mkdirs(path, 0700, created, sizeof(created), &m,
	    err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(m.n, 3);
	madedirs_remove(&m);
	snprintf(a, sizeof(a), "%s/a", tmp);
	ck_assert_msg(!exists(a), "%s left", a);
	ck_assert(exists(tmp));

	/* After "..", the next is made beside the one before, not in it:
	 * each is removed from where it was made. */
	snprintf(path, sizeof(path), "%s/a/../b/c", tmp);
	ck_assert_msg(datadir_mkdirs(path, 0700, created, sizeof(created), &m,
	    err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(m.n, 3);
	madedirs_remove(&m);
	ck_assert_msg(!exists(a), "%s left", a);
	snprintf(file, sizeof(file), "%s/b", tmp);
	ck_assert_msg(!exists(file), "%s left", file);

	/* A directory that is not empty stays, and so do its parents. */
	snprintf(path, sizeof(path), "%s/a/b/c", tmp);
	ck_assert_int_eq(datadir_mkdirs(path, 0700, created, sizeof(created),
	    &m, err, sizeof(err)), 0);
	snprintf(file, sizeof(file), "%s/a/b/f", tmp);
	ck_assert_int_ge(fd = open(file, O_WRONLY | O_CREAT, 0600), 0);
	close(fd);
	madedirs_remove(&m);
	ck_assert(!exists(path));
	ck_assert(exists(file));
	ck_assert(unlink(file) == 0);

	/* Only what was made: a directory there before stays. */
	snprintf(path, sizeof(path), "%s/a/b/c", tmp);
	ck_assert_int_eq(datadir_mkdirs(path, 0700, created, sizeof(created),
	    &m, err, sizeof(err)), 0);
	ck_assert_int_eq(m.n, 1);
	madedirs_remove(&m);
	ck_assert(!exists(path));
	snprintf(path, sizeof(path), "%s/a/b", tmp);
	ck_assert(exists(path));
	/* Nothing made, nothing removed. */
	ck_assert_int_eq(datadir_mkdirs(path, 0700, created, sizeof(created),
	    &m, err, sizeof(err)), 0);
	ck_assert_int_eq(m.n, 0);
	madedirs_remove(&m);
	ck_assert(exists(path));
}
END_TEST

/*
 * A name missing when the way was checked, put there since by another
 * user in a sticky directory (a link to a directory of root's, or a
 * directory of its own): root makes nothing through it (it made the
 * data directory where the link led).  Root only (lchown).
 */
START_TEST(mkdirs_planted)
{
	char sticky[128], link[160], victim[128], path[200], created[200];

	if (geteuid() != 0)
		return;
	snprintf(sticky, sizeof(sticky), "%s/sticky", tmp);
	snprintf(victim, sizeof(victim), "%s/victim", tmp);
	ck_assert_int_eq(mkdir(sticky, 0700), 0);
	ck_assert_int_eq(chmod(sticky, 01777), 0);
	ck_assert_int_eq(mkdir(victim, 0755), 0);
	snprintf(link, sizeof(link), "%s/new", sticky);
	ck_assert_int_eq(symlink(victim, link), 0);
	ck_assert_int_eq(lchown(link, 65534, 65534), 0);
	snprintf(path, sizeof(path), "%s/data", link);
	ck_assert_int_eq(datadir_mkdirs(path, 0700, created, sizeof(created),
	    NULL, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "of uid 65534's") != NULL, "%s", err);
	snprintf(path, sizeof(path), "%s/data", victim);
	ck_assert_msg(!exists(path), "%s made", path);
	/* A directory of the other user's, likewise. */
	snprintf(link, sizeof(link), "%s/new2", sticky);
	ck_assert_int_eq(mkdir(link, 0777), 0);
	ck_assert_int_eq(chown(link, 65534, 65534), 0);
	snprintf(path, sizeof(path), "%s/data", link);
	ck_assert_int_eq(datadir_mkdirs(path, 0700, created, sizeof(created),
	    NULL, err, sizeof(err)), -1);
	ck_assert_msg(!exists(path), "%s made", path);
	/* A link of root's whose target passes a directory of the other
	 * user's, missing when the way was checked: that user's link in
	 * it leads nowhere of root's either. */
	snprintf(link, sizeof(link), "%s/ua", sticky);
	ck_assert_int_eq(mkdir(link, 0755), 0);
	ck_assert_int_eq(chown(link, 65534, 65534), 0);
	snprintf(link, sizeof(link), "%s/ua/run", sticky);
	ck_assert_int_eq(symlink(victim, link), 0);
	ck_assert_int_eq(lchown(link, 65534, 65534), 0);
	snprintf(path, sizeof(path), "%s/lnk", tmp);
	ck_assert_int_eq(symlink(link, path), 0);
	snprintf(path, sizeof(path), "%s/lnk/data3", tmp);
	ck_assert_int_eq(datadir_mkdirs(path, 0700, created, sizeof(created),
	    NULL, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "of uid 65534's") != NULL, "%s", err);
	snprintf(path, sizeof(path), "%s/data3", victim);
	ck_assert_msg(!exists(path), "%s made", path);
	/* Root's own link is followed, as before. */
	snprintf(link, sizeof(link), "%s/mine", sticky);
	ck_assert_int_eq(symlink(victim, link), 0);
	snprintf(path, sizeof(path), "%s/d2", link);
	ck_assert_msg(datadir_mkdirs(path, 0700, created, sizeof(created),
	    NULL, err, sizeof(err)) == 0, "%s", err);
	snprintf(path, sizeof(path), "%s/d2", victim);
	ck_assert(exists(path));
}
END_TEST

/*
 * What was made, given to another user since, who put a link in the
 * place of one of its directories: the removal does not follow it (by
 * name it removed the empty directory of that name where the link
 * led), and the rest stays.
 */
START_TEST(rmdirs_link_put)
{
	struct made_dirs m;
	char path[160], created[160], run[160], moved[160], victim[160];

	snprintf(path, sizeof(path), "%s/srv/run/todod", tmp);
	ck_assert_msg(datadir_mkdirs(path, 0700, created, sizeof(created), &m,
	    err, sizeof(err)) == 0, "%s", err);
	snprintf(victim, sizeof(victim), "%s/victim", tmp);
	ck_assert_int_eq(mkdir(victim, 0755), 0);
	snprintf(victim, sizeof(victim), "%s/victim/todod", tmp);
	ck_assert_int_eq(mkdir(victim, 0700), 0);
	snprintf(run, sizeof(run), "%s/srv/run", tmp);
	snprintf(moved, sizeof(moved), "%s/srv/run.moved", tmp);
	ck_assert_int_eq(rename(run, moved), 0);
	snprintf(victim, sizeof(victim), "%s/victim", tmp);
	ck_assert_int_eq(symlink(victim, run), 0);
	madedirs_remove(&m);
	snprintf(victim, sizeof(victim), "%s/victim/todod", tmp);
	ck_assert_msg(exists(victim), "%s removed", victim);
	ck_assert(exists(run) && exists(moved) && exists(created));
}
END_TEST

static Suite *
datadir_suite(void)
{
	Suite *s = suite_create("datadir");
	TCase *tc = tcase_create("datadir");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lock_creates);
	tcase_add_test(tc, second_lock_refused);
	tcase_add_test(tc, lock_pid_unwritten);
	tcase_add_test(tc, lock_file_removed);
	tcase_add_test(tc, lock_held_by_children);
	tcase_add_test(tc, lock_errors);
	tcase_add_test(tc, unsafe_dirs);
	tcase_add_test(tc, unsafe_above);
#ifdef TODOD_FAULTS
	tcase_add_test(tc, replaced_while_checked);
#endif
	tcase_add_test(tc, mkdirs);
	tcase_add_test(tc, mkdirs_too_deep);
	tcase_add_test(tc, rmdirs);
	tcase_add_test(tc, mkdirs_planted);
	tcase_add_test(tc, rmdirs_link_put);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(datadir_suite());
}
