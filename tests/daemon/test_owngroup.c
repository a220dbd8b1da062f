/*
 * test_owngroup.c: a directory above the data directory that is
 * writable by its group is taken only when that group is its owner's
 * own (user private groups): the group of the owner's name, the owner's
 * primary group, with no other member, and no other user whose primary
 * group it is; and no ACL.  Each case runs dirsafe_check() in a child
 * with its own mount namespace, where a passwd and a group file of the
 * case's are bound over /etc/passwd and /etc/group, and an nsswitch.conf
 * that reads only those files over /etc/nsswitch.conf (libnss-systemd
 * would make up root's entries), so that the users and groups can be
 * anything without touching the machine's.  Root only (mounts, and
 * directories given to other users): skipped (77) otherwise, and where
 * those cannot be done (a user namespace that does not map uid 4242).
 */
#include "config.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dirsafe.h"
#include "tutil.h"

#define ROOT	"root:x:0:0::/root:/bin/sh\n"
#define ALICE	"alice:x:4242:4242::/home/alice:/bin/sh\n"

static const struct owncase {
	const char	*what;
	const char	*passwd;
	const char	*group;
	uid_t		 owner;		/* of the group-writable directory */
	gid_t		 group_id;	/* its group */
	uid_t		 also_ok;	/* the -u user, or (uid_t)-1 */
	int		 acl;		/* an ACL gives another user write */
	int		 ok;
} cases[] = {
	{ "root's own group", ROOT, "root:x:0:\n", 0, 0, (uid_t)-1, 0, 1 },
	{ "its owner listed as its member", ROOT, "root:x:0:root\n", 0, 0,
	    (uid_t)-1, 0, 1 },
	{ "another member", ROOT "daemon:x:1:1::/:/bin/sh\n",
	    "root:x:0:daemon\ndaemon:x:1:\n", 0, 0, (uid_t)-1, 0, 0 },
	{ "another user's primary group too", ROOT
	    "other:x:4343:0::/:/bin/sh\n", "root:x:0:\n", 0, 0, (uid_t)-1, 0,
	    0 },
	{ "a group of another name", ROOT, "wheel:x:0:\n", 0, 0, (uid_t)-1, 0,
	    0 },
	{ "not its owner's primary group", "root:x:0:1::/root:/bin/sh\n",
	    "root:x:0:\nbin:x:1:\n", 0, 0, (uid_t)-1, 0, 0 },
	{ "a group not in the group file", ROOT, "", 0, 0, (uid_t)-1, 0, 0 },
	{ "an owner not in the passwd file", "", "root:x:0:\n", 0, 0,
	    (uid_t)-1, 0, 0 },
	{ "the -u user's own group", ROOT ALICE, "root:x:0:\nalice:x:4242:\n",
	    4242, 4242, 4242, 0, 1 },
	{ "the -u user's group with another member", ROOT ALICE
	    "bob:x:4343:4343::/:/bin/sh\n",
	    "root:x:0:\nalice:x:4242:bob\nbob:x:4343:\n", 4242, 4242, 4242, 0,
	    0 },
	{ "root's own group, with an ACL", ROOT, "root:x:0:\n", 0, 0,
	    (uid_t)-1, 1, 0 },
};

static char tmp[64];

static void
setup(void)
{
	tu_tmpdir(tmp, sizeof(tmp), "tdgrp");
}

static void
teardown(void)
{
	tu_rmtree(tmp);
}

static void
write_file(const char *path, const char *text)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_msg(fd != -1, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Give uid 4444 rwx on path by an access ACL (mask rwx), as "setfacl
 * -m u:4444:rwx" does: the kernel's xattr, little-endian. */
static int
set_acl(const char *path)
{
	static const uint8_t acl[] = {
		2, 0, 0, 0,
		0x01, 0, 7, 0, 0xff, 0xff, 0xff, 0xff,	/* owner */
		0x02, 0, 7, 0, 0x5c, 0x11, 0, 0,	/* user 4444 */
		0x04, 0, 5, 0, 0xff, 0xff, 0xff, 0xff,	/* group */
		0x10, 0, 7, 0, 0xff, 0xff, 0xff, 0xff,	/* mask */
		0x20, 0, 5, 0, 0xff, 0xff, 0xff, 0xff,	/* others */
	};

	return setxattr(path, "system.posix_acl_access", acl, sizeof(acl),
	    0);
}

/* In the child: the case's files in place of the machine's, then the
 * check of upg/data; prints "ok" or the refusal. */
static void
check_child(void *arg)
{
	const struct owncase *c = arg;
	char passwd[128], group[128], nss[128], data[128], err[1024];
	static const char *const etc[] = { "/etc/passwd", "/etc/group",
	    "/etc/nsswitch.conf" };
	const char *mine[3] = { passwd, group, nss };
	int i;

	snprintf(passwd, sizeof(passwd), "%s/passwd", tmp);
	snprintf(group, sizeof(group), "%s/group", tmp);
	snprintf(nss, sizeof(nss), "%s/nsswitch.conf", tmp);
	snprintf(data, sizeof(data), "%s/upg/data", tmp);
	if (unshare(CLONE_NEWNS) == -1 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1) {
		printf("namespace: %s\n", strerror(errno));
		return;
	}
	for (i = 0; i < 3; i++)
		/* Without an nsswitch.conf, the C library reads the files
		 * alone already. */
		if (mount(mine[i], etc[i], NULL, MS_BIND, NULL) == -1 &&
		    !(i == 2 && errno == ENOENT)) {
			printf("bind %s: %s\n", etc[i], strerror(errno));
			return;
		}
	if (dirsafe_check("data directory", data, c->also_ok, NULL, err,
	    sizeof(err)) == 0)
		printf("ok\n");
	else
		printf("%s\n", err);
}

START_TEST(own_group)
{
	const struct owncase *c = &cases[_i];
	char path[128], upg[128], want[320];
	struct tu_result r;

	snprintf(path, sizeof(path), "%s/passwd", tmp);
	write_file(path, c->passwd);
	snprintf(path, sizeof(path), "%s/group", tmp);
	write_file(path, c->group);
	snprintf(path, sizeof(path), "%s/nsswitch.conf", tmp);
	write_file(path, "passwd: files\ngroup: files\n");
	snprintf(upg, sizeof(upg), "%s/upg", tmp);
	ck_assert_int_eq(mkdir(upg, 0700), 0);
	ck_assert_int_eq(chown(upg, c->owner, c->group_id), 0);
	ck_assert_int_eq(chmod(upg, 0775), 0);
	snprintf(path, sizeof(path), "%s/upg/data", tmp);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(chown(path, c->owner, c->group_id), 0);
	if (c->acl && set_acl(upg) == -1) {
		/* Where ACLs are not kept, there is none to refuse. */
		ck_assert_msg(errno == ENOTSUP, "setxattr: %s",
		    strerror(errno));
		return;
	}
	tu_run(check_child, (void *)c, &r);
	ck_assert_int_eq(tu_exitcode(r.status), 0);
	if (c->ok) {
		ck_assert_msg(strcmp(r.out, "ok\n") == 0, "%s: %s%s", c->what,
		    r.out, r.err);
		return;
	}
	snprintf(want, sizeof(want), "unsafe data directory %s/data: "
	    "%s above it has owner ", upg, upg);
	ck_assert_msg(strncmp(r.out, want, strlen(want)) == 0 &&
	    strstr(r.out, "mode 0775") != NULL, "%s: %s%s", c->what, r.out,
	    r.err);
}
END_TEST

/* Whether this process may make a mount namespace of its own. */
/* A mount namespace of its own, and files given to uid 4242 (not in a
 * user namespace that does not map it). */
static void
unshare_probe(void *arg)
{
	char path[] = "/tmp/tdgrp-probe.XXXXXX";
	int fd, ok;

	(void)arg;
	if (unshare(CLONE_NEWNS) == -1 || (fd = mkstemp(path)) == -1)
		exit(1);
	ok = fchown(fd, 4242, 4242) == 0;
	close(fd);
	unlink(path);
	exit(ok ? 0 : 1);
}

static int
can_unshare(void)
{
	struct tu_result r;

	tu_run(unshare_probe, NULL, &r);
	return tu_exitcode(r.status) == 0;
}

int
main(void)
{
	Suite *s;
	TCase *tc;

	if (geteuid() != 0 || !can_unshare())
		return 77;
	s = suite_create("owngroup");
	tc = tcase_create("owngroup");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, own_group, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])));
	suite_add_tcase(s, tc);
	return ck_run(s);
}
