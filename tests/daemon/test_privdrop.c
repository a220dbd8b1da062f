/*
 * test_privdrop.c: -u USER: the user is looked up (root only, never uid
 * 0); what this start created is given to the user and nothing else; the
 * drop leaves no way back to root.  Most of it needs root; as another
 * user only the refusals are tested.
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datadir.h"
#include "listener.h"
#include "privdrop.h"
#include "tutil.h"

#define NOBODY	65534

static char	tmp[64];
static char	err[1024];

static void
setup(void)
{
	tu_tmpdir(tmp, sizeof(tmp), "tdpriv");
	/* Searchable by others: a socket directory of the user's is bound
	 * as the user, who must reach it. */
	ck_assert_int_eq(chmod(tmp, 0711), 0);
	err[0] = '\0';
}

static void
teardown(void)
{
	tu_rmtree(tmp);
}

/* The owner of tmp/rel ("" for tmp itself). */
static uid_t
owner_of(const char *rel)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s%s", tmp, *rel ? "/" : "", rel);
	ck_assert_msg(lstat(path, &st) == 0, "%s: %s", path, strerror(errno));
	return st.st_uid;
}

START_TEST(lookup)
{
	struct privdrop_user pu;

	if (geteuid() != 0) {
		ck_assert_int_eq(privdrop_lookup(&pu, "nobody", err,
		    sizeof(err)), -1);
		ck_assert_str_eq(err, "-u nobody: only root can change user");
		return;
	}
	ck_assert_msg(privdrop_lookup(&pu, "nobody", err, sizeof(err)) == 0,
	    "%s", err);
	ck_assert_int_eq(pu.uid, NOBODY);
	ck_assert_str_eq(pu.name, "nobody");
	ck_assert_int_eq(privdrop_lookup(&pu, "root", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "-u root: user has uid 0");
	ck_assert_int_eq(privdrop_lookup(&pu, "no-such-user-tdpriv", err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "-u no-such-user-tdpriv: no such user");
}
END_TEST

/* What this start created goes to the user; what existed stays. */
START_TEST(give_created)
{
	struct privdrop_user pu;
	struct datadir dd;
	struct listener l;
	char data[128], sock[128];
	pid_t holder;

	if (geteuid() != 0)
		return;
	ck_assert_int_eq(privdrop_lookup(&pu, "nobody", err, sizeof(err)), 0);
	snprintf(data, sizeof(data), "%s/a/b/data", tmp);
	snprintf(sock, sizeof(sock), "%s/run/todod/t.sock", tmp);
	ck_assert_msg(datadir_lock(&dd, data, pu.uid, &holder, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_msg(listener_open(&l, sock, 0660, pu.uid, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_msg(privdrop_give(&pu, &dd, &l, err, sizeof(err)) == 0,
	    "%s", err);
	ck_assert_int_eq(owner_of(""), 0);
	ck_assert_int_eq(owner_of("a"), NOBODY);
	ck_assert_int_eq(owner_of("a/b"), NOBODY);
	ck_assert_int_eq(owner_of("a/b/data"), NOBODY);
	ck_assert_int_eq(owner_of("a/b/data/.lock"), NOBODY);
	ck_assert_int_eq(owner_of("run"), NOBODY);
	ck_assert_int_eq(owner_of("run/todod"), NOBODY);
	ck_assert_int_eq(owner_of("run/todod/t.sock"), NOBODY);
	ck_assert_int_eq(owner_of("run/todod/t.sock.lock"), NOBODY);
	listener_close(&l);
	datadir_unlock(&dd);

	/* A second start: the directories exist now, owned by the user. */
	ck_assert_msg(datadir_lock(&dd, data, pu.uid, &holder, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_msg(listener_open(&l, sock, 0660, pu.uid, err,
	    sizeof(err)) == 0, "%s", err);
	/* Bound as the user, whose directory it is now. */
	ck_assert_int_eq(owner_of("run/todod/t.sock"), NOBODY);
	ck_assert_msg(privdrop_give(&pu, &dd, &l, err, sizeof(err)) == 0,
	    "%s", err);
	ck_assert_int_eq(owner_of("run/todod/t.sock"), NOBODY);
	listener_close(&l);
	datadir_unlock(&dd);

	/* A socket's lock that existed keeps its owner. */
	snprintf(sock, sizeof(sock), "%s/run/todod/t.sock.lock", tmp);
	ck_assert_int_eq(chown(sock, 0, 0), 0);
	snprintf(sock, sizeof(sock), "%s/run/todod/t.sock", tmp);
	ck_assert_msg(listener_open(&l, sock, 0660, pu.uid, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_msg(privdrop_give(&pu, NULL, &l, err, sizeof(err)) == 0,
	    "%s", err);
	ck_assert_int_eq(owner_of("run/todod/t.sock.lock"), 0);
	listener_close(&l);
}
END_TEST

#ifdef TODOD_FAULTS
static char given_parent[256];

/* Once the shared parent is given, its user puts a link to a directory
 * of root's in the place of the socket's next directory. */
static void
swap_when_given(const char *name)
{
	char run[300], moved[300], victim[300];

	if (strcmp(name, "srv") != 0)
		return;
	snprintf(run, sizeof(run), "%s/run", given_parent);
	snprintf(moved, sizeof(moved), "%s/run.moved", given_parent);
	snprintf(victim, sizeof(victim), "%s/victim", tmp);
	ck_assert_int_eq(rename(run, moved), 0);
	ck_assert_int_eq(symlink(victim, run), 0);
}

/*
 * The data directory and the socket's made below one new directory:
 * once that parent is given, its user can put a link in the place of
 * the socket's next directory, but what is given next is given through
 * the descriptor kept as it was made, not by name (by name, root gave
 * victim/todod away).
 */
START_TEST(give_shared_parent)
{
	struct privdrop_user pu;
	struct datadir dd;
	struct listener l;
	char data[128], sock[128], victim[128];
	pid_t holder;

	if (geteuid() != 0)
		return;
	ck_assert_int_eq(privdrop_lookup(&pu, "nobody", err, sizeof(err)), 0);
	snprintf(victim, sizeof(victim), "%s/victim", tmp);
	ck_assert_int_eq(mkdir(victim, 0755), 0);
	snprintf(victim, sizeof(victim), "%s/victim/todod", tmp);
	ck_assert_int_eq(mkdir(victim, 0700), 0);
	snprintf(data, sizeof(data), "%s/srv/data", tmp);
	snprintf(sock, sizeof(sock), "%s/srv/run/todod/t.sock", tmp);
	snprintf(given_parent, sizeof(given_parent), "%s/srv", tmp);
	ck_assert_msg(datadir_lock(&dd, data, pu.uid, &holder, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_msg(listener_open(&l, sock, 0660, pu.uid, err,
	    sizeof(err)) == 0, "%s", err);
	madedirs_fault_given = swap_when_given;
	ck_assert_msg(privdrop_give(&pu, &dd, &l, err, sizeof(err)) == 0,
	    "%s", err);
	madedirs_fault_given = NULL;
	ck_assert_int_eq(owner_of("victim/todod"), 0);
	ck_assert_int_eq(owner_of("srv"), NOBODY);
	ck_assert_int_eq(owner_of("srv/data"), NOBODY);
	ck_assert_int_eq(owner_of("srv/run.moved"), NOBODY);
	ck_assert_int_eq(owner_of("srv/run.moved/todod"), NOBODY);
	listener_close(&l);
	datadir_unlock(&dd);
}
END_TEST
#endif

START_TEST(existing_kept)
{
	struct privdrop_user pu;
	struct datadir dd;
	char data[128], lock[160];
	pid_t holder;
	FILE *f;

	if (geteuid() != 0)
		return;
	ck_assert_int_eq(privdrop_lookup(&pu, "nobody", err, sizeof(err)), 0);
	snprintf(data, sizeof(data), "%s/data", tmp);
	ck_assert_int_eq(mkdir(data, 0700), 0);
	snprintf(lock, sizeof(lock), "%s/.lock", data);
	ck_assert((f = fopen(lock, "w")) != NULL);
	fclose(f);
	ck_assert_msg(datadir_lock(&dd, data, pu.uid, &holder, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_msg(privdrop_give(&pu, &dd, NULL, err, sizeof(err)) == 0,
	    "%s", err);
	ck_assert_int_eq(owner_of("data"), 0);
	ck_assert_int_eq(owner_of("data/.lock"), 0);
	datadir_unlock(&dd);
}
END_TEST

/* Child: drop, then try every way back; print what happened. */
static void
drop_child(void *arg)
{
	struct privdrop_user pu;
	uid_t ru, eu, su;
	gid_t rg, eg, sg, groups[8];
	int n;

	(void)arg;
	if (privdrop_lookup(&pu, "nobody", err, sizeof(err)) == -1 ||
	    privdrop_drop(&pu, err, sizeof(err)) == -1) {
		printf("error: %s\n", err);
		return;
	}
	getresuid(&ru, &eu, &su);
	getresgid(&rg, &eg, &sg);
	n = getgroups(8, groups);
	printf("uid=%u,%u,%u gid=%u,%u,%u groups=%d:%u setuid0=%d "
	    "seteuid0=%d setgid0=%d\n", (unsigned)ru, (unsigned)eu,
	    (unsigned)su, (unsigned)rg, (unsigned)eg, (unsigned)sg, n,
	    n > 0 ? (unsigned)groups[0] : 0, setuid(0), seteuid(0),
	    setgid(0));
}

START_TEST(drop)
{
	struct privdrop_user pu = { "nobody", NOBODY, NOBODY };
	struct tu_result r;

	if (geteuid() != 0) {
		ck_assert_int_eq(privdrop_drop(&pu, err, sizeof(err)), -1);
		ck_assert_str_eq(err, "-u nobody: only root can change user");
		return;
	}
	tu_run(drop_child, NULL, &r);
	ck_assert_int_eq(tu_exitcode(r.status), 0);
	ck_assert_str_eq(r.out, "uid=65534,65534,65534 gid=65534,65534,65534 "
	    "groups=1:65534 setuid0=-1 seteuid0=-1 setgid0=-1\n");
}
END_TEST

/* The checks made as the user, from a root with groups of its own. */
static void
checks_child(void *arg)
{
	const gid_t mine[2] = { 4242, 4343 };
	struct privdrop_user pu = { "nobody", NOBODY, NOBODY };
	char pidfile[128];
	gid_t groups[8];
	int fd, w, r, n, i;

	(void)arg;
	snprintf(pidfile, sizeof(pidfile), "%s/todod.pid", tmp);
	if (setgroups(2, mine) == -1 ||
	    (fd = open(tmp, O_RDONLY | O_DIRECTORY)) == -1) {
		printf("error: %s\n", strerror(errno));
		return;
	}
	w = privdrop_can_write(&pu, fd, err, sizeof(err));
	r = privdrop_may_replace(&pu, pidfile, err, sizeof(err));
	n = getgroups(8, groups);
	printf("can_write=%d may_replace=%d euid=%u egid=%u groups=%d", w, r,
	    (unsigned)geteuid(), (unsigned)getegid(), n);
	for (i = 0; i < n; i++)
		printf("%s%u", i == 0 ? ":" : ",", (unsigned)groups[i]);
	printf("\n");
}

/*
 * Whether the user may write the data directory, or replace the
 * pidfile, is checked as the user; root gets its own groups back after,
 * not the user's.
 */
START_TEST(checks_as_user)
{
	struct tu_result r;

	if (geteuid() != 0)
		return;		/* only root changes user */
	tu_run(checks_child, NULL, &r);
	ck_assert_int_eq(tu_exitcode(r.status), 0);
	ck_assert_str_eq(r.out, "can_write=0 may_replace=0 euid=0 egid=0 "
	    "groups=2:4242,4343\n");
}
END_TEST

static Suite *
privdrop_suite(void)
{
	Suite *s = suite_create("privdrop");
	TCase *tc = tcase_create("privdrop");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lookup);
	tcase_add_test(tc, give_created);
#ifdef TODOD_FAULTS
	tcase_add_test(tc, give_shared_parent);
#endif
	tcase_add_test(tc, existing_kept);
	tcase_add_test(tc, drop);
	tcase_add_test(tc, checks_as_user);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(privdrop_suite());
}
