/*
 * test_pidfile.c: the pidfile is written whole (temporary file and
 * rename, no temporary left behind), mode 0644, replaced atomically, not
 * kept open, and removed only while it holds our pid.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pidfile.h"
#include "tutil.h"

static char	tmp[64];
static char	err[1024];

static void
setup(void)
{
	tu_tmpdir(tmp, sizeof(tmp), "tdpid");
	err[0] = '\0';
}

static void
teardown(void)
{
	tu_rmtree(tmp);
}

static int
count_entries(const char *dir)
{
	DIR *d;
	struct dirent *de;
	int n = 0;

	ck_assert((d = opendir(dir)) != NULL);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* Whether this process has a descriptor of the file at path. */
static int
holds_open(const char *path)
{
	char link[300], target[256];
	struct dirent *de;
	ssize_t len;
	int found = 0;
	DIR *d;

	ck_assert((d = opendir("/proc/self/fd")) != NULL);
	while (!found && (de = readdir(d)) != NULL) {
		snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
		if ((len = readlink(link, target, sizeof(target) - 1)) > 0) {
			target[len] = '\0';
			found = strcmp(target, path) == 0;
		}
	}
	closedir(d);
	return found;
}

START_TEST(write_and_remove)
{
	char path[128], buf[64], want[32];
	struct stat st, st2;

	snprintf(path, sizeof(path), "%s/todod.pid", tmp);
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	umask(077);
	ck_assert_msg(pidfile_create(path, (uid_t)-1, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_gt(tu_read_file(path, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, want);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(count_entries(tmp), 1);
	/* Not kept open: after -u, it could be written through. */
	ck_assert(tmp[0] == '/');
	ck_assert(!holds_open(path));

	/* An old pidfile (longer content) is replaced by a new file. */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(tu_read_file(path, buf, sizeof(buf)), -1);
	{
		FILE *f = fopen(path, "w");

		fputs("123456789012\n", f);
		fclose(f);
	}
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_msg(pidfile_create(path, (uid_t)-1, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(stat(path, &st2), 0);
	ck_assert(st.st_ino != st2.st_ino);
	tu_read_file(path, buf, sizeof(buf));
	ck_assert_str_eq(buf, want);
	ck_assert_int_eq(count_entries(tmp), 1);

	ck_assert_int_eq(pidfile_unlink(path), 1);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(pidfile_unlink(path), 0);	/* gone: fine */
}
END_TEST

/* A FIFO at the pidfile's path (its directory may be the -u user's) is
 * not read, which would wait for a writer for ever: it is replaced. */
START_TEST(fifo_replaced)
{
	char path[128], buf[64], want[32];

	snprintf(path, sizeof(path), "%s/todod.pid", tmp);
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	alarm(10);	/* a hang fails the test */
	ck_assert_int_eq(pidfile_unlink(path), 0);	/* not ours */
	ck_assert_msg(pidfile_create(path, (uid_t)-1, err, sizeof(err)) == 0, "%s", err);
	alarm(0);
	ck_assert_int_gt(tu_read_file(path, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, want);
	ck_assert_int_eq(pidfile_unlink(path), 1);
}
END_TEST

START_TEST(not_ours_kept)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/todod.pid", tmp);
	f = fopen(path, "w");
	fprintf(f, "%ld\n", (long)getpid() + 1);
	fclose(f);
	ck_assert_int_eq(pidfile_unlink(path), 0);
	ck_assert_int_eq(access(path, F_OK), 0);
	f = fopen(path, "w");
	fprintf(f, "%ldx\n", (long)getpid());
	fclose(f);
	ck_assert_int_eq(pidfile_unlink(path), 0);
	ck_assert_int_eq(access(path, F_OK), 0);
}
END_TEST

/* A child named comm (its /proc/PID/comm) and running as uid ((uid_t)-1:
 * ours) once this returns, which exits once *go is closed. */
static pid_t
named_child_as(const char *comm, uid_t uid, int *go)
{
	int tell[2], named[2];
	pid_t pid;
	char c;

	ck_assert_int_eq(pipe(tell), 0);
	ck_assert_int_eq(pipe(named), 0);
	if ((pid = fork()) == 0) {
		close(tell[1]);
		(void)prctl(PR_SET_NAME, comm);
		if (uid != (uid_t)-1 && setuid(uid) == -1)
			_exit(1);
		(void)write(named[1], "n", 1);
		(void)read(tell[0], &c, 1);	/* until told */
		_exit(0);
	}
	ck_assert_int_gt(pid, 0);
	close(tell[0]);
	close(named[1]);
	ck_assert_int_eq(read(named[0], &c, 1), 1);
	close(named[0]);
	*go = tell[1];
	return pid;
}

static pid_t
named_child(const char *comm, int *go)
{
	return named_child_as(comm, (uid_t)-1, go);
}

/* A running todod of another user's (who took the pid of a pidfile
 * left behind, and the name) does not keep a daemon from starting,
 * unless it is the -u user's. */
START_TEST(other_users_todod)
{
	char path[128];
	pid_t pid;
	FILE *f;
	int go, status;

	if (geteuid() != 0)
		return;		/* only root can run a child as another user */
	snprintf(path, sizeof(path), "%s/todod.pid", tmp);
	pid = named_child_as("todod", 4242, &go);
	f = fopen(path, "w");
	fprintf(f, "%ld\n", (long)pid);
	fclose(f);
	ck_assert_int_eq(pidfile_create(path, 4242, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "which is running") != NULL, "%s", err);
	ck_assert_msg(pidfile_create(path, 4243, err, sizeof(err)) == 0,
	    "%s", err);
	close(go);
	ck_assert_int_eq(tu_waitpid(pid, &status, 5000), 0);
	ck_assert_int_eq(pidfile_unlink(path), 1);
}
END_TEST

/* A pidfile that names a running todod is not taken over; one that
 * names another program, no process, a todod that has exited but is
 * not reaped yet (a zombie), or another todod's process that is not a
 * supervisor, is. */
START_TEST(running_todod_kept)
{
	char path[128], want[64];
	pid_t pid;
	FILE *f;
	int go, status;

	snprintf(path, sizeof(path), "%s/todod.pid", tmp);
	pid = named_child("todod-superviso", &go);
	f = fopen(path, "w");
	fprintf(f, "%ld\n", (long)pid);
	fclose(f);
	ck_assert_int_eq(pidfile_create(path, (uid_t)-1, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "names todod pid %ld, which is running",
	    (long)pid);
	ck_assert_msg(strstr(err, want) != NULL && strstr(err, path) != NULL,
	    "%s", err);
	close(go);
	ck_assert_int_eq(tu_wait_zombie(pid, 5000), 0);
	ck_assert_msg(pidfile_create(path, (uid_t)-1, err, sizeof(err)) == 0, "%s", err);
	f = fopen(path, "w");
	fprintf(f, "%ld\n", (long)pid);
	fclose(f);
	ck_assert_int_eq(tu_waitpid(pid, &status, 5000), 0);
	ck_assert_int_eq(pidfile_create(path, (uid_t)-1, err, sizeof(err)), 0);
	/* another program: our parent */
	f = fopen(path, "w");
	fprintf(f, "%ld\n", (long)getppid());
	fclose(f);
	ck_assert_int_eq(pidfile_create(path, (uid_t)-1, err, sizeof(err)), 0);
	ck_assert_int_eq(pidfile_unlink(path), 1);
	/* another todod's worker, whose pid the pidfile's exited daemon
	 * had (a pidfile left behind, -u): no daemon runs by this one */
	pid = named_child("todod-worker", &go);
	f = fopen(path, "w");
	fprintf(f, "%ld\n", (long)pid);
	fclose(f);
	ck_assert_msg(pidfile_create(path, (uid_t)-1, err, sizeof(err)) == 0, "%s", err);
	close(go);
	ck_assert_int_eq(tu_waitpid(pid, &status, 5000), 0);
	ck_assert_int_eq(pidfile_unlink(path), 1);
}
END_TEST

START_TEST(errors)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/missing/todod.pid", tmp);
	ck_assert_int_eq(pidfile_create(path, (uid_t)-1, err, sizeof(err)), -1);
	ck_assert_msg(strncmp(err, "cannot write pidfile ", 21) == 0 &&
	    strstr(err, path) != NULL && strstr(err, strerror(ENOENT)) != NULL,
	    "%s", err);
	snprintf(path, sizeof(path), "%s/dir", tmp);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(pidfile_create(path, (uid_t)-1, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
	ck_assert_int_eq(count_entries(tmp), 1);	/* no temporary left */
}
END_TEST

static Suite *
pidfile_suite(void)
{
	Suite *s = suite_create("pidfile");
	TCase *tc = tcase_create("pidfile");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, write_and_remove);
	tcase_add_test(tc, not_ours_kept);
	tcase_add_test(tc, fifo_replaced);
	tcase_add_test(tc, running_todod_kept);
	tcase_add_test(tc, other_users_todod);
	tcase_add_test(tc, errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(pidfile_suite());
}
