/*
 * privdrop.c: run as -u USER (see privdrop.h).
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errbuf.h"
#include "datadir.h"
#include "dirsafe.h"
#include "listener.h"
#include "pathwalk.h"
#include "privdrop.h"

int
privdrop_lookup(struct privdrop_user *pu, const char *user, char *err,
    size_t errsize)
{
	struct passwd *pw;

	memset(pu, 0, sizeof(*pu));
	if (geteuid() != 0)
		return seterr(err, errsize, "-u %s: only root can change "
		    "user", user);
	errno = 0;
	if ((pw = getpwnam(user)) == NULL)
		return seterr(err, errsize, "-u %s: %s", user, errno != 0 ?
		    strerror(errno) : "no such user");
	if (pw->pw_uid == 0)
		return seterr(err, errsize, "-u %s: user has uid 0", user);
	if (strlcpy(pu->name, user, sizeof(pu->name)) >= sizeof(pu->name))
		return seterr(err, errsize, "-u: user name too long");
	pu->uid = pw->pw_uid;
	pu->gid = pw->pw_gid;
	return 0;
}

/* 1 if USER owns dir (or the link that names it). */
static int
owned_by(const char *dir, void *arg)
{
	const struct privdrop_user *pu = arg;
	struct stat st;

	return (lstat(dir, &st) == 0 && st.st_uid == pu->uid) ||
	    (stat(dir, &st) == 0 && st.st_uid == pu->uid);
}

int
privdrop_made_ok(const struct privdrop_user *pu, const char *top, char *err,
    size_t errsize)
{
	int rc;

	if (top[0] == '\0')
		return 0;
	if ((rc = pathwalk_above(top, owned_by, (void *)pu)) == -1)
		return seterr(err, errsize, "%s: %s", top, strerror(errno));
	if (rc != 0)
		return seterr(err, errsize, "%s was made by root below a "
		    "directory of user %s's, who could replace it: make it as "
		    "user %s first", top, pu->name, pu->name);
	return 0;
}

/* Give the directories made, through the descriptors kept as they were
 * made (madedirs.h): by name, once one is USER's, USER could lead the
 * give of the next to a directory of root's. */
static int
give_made(const struct privdrop_user *pu, const struct made_dirs *m,
    char *err, size_t errsize)
{
	const char *failed = "";

	if (madedirs_give(m, pu->uid, pu->gid, &failed) == -1)
		return seterr(err, errsize, "cannot give directory %s made "
		    "for the start to %s: %s", failed, pu->name,
		    errno == EPERM ? "its owner changed while starting" :
		    strerror(errno));
	return 0;
}

/* Give the socket file to USER if it is still the one we bound. */
static int
give_socket(const struct privdrop_user *pu, const struct listener *l,
    char *err, size_t errsize)
{
	struct stat st;
	int fd;

	if ((fd = openat(l->dirfd, listener_file(l), O_PATH | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fstat(fd, &st) == -1)
		goto fail;
	if (st.st_dev != l->dev || st.st_ino != l->ino) {
		close(fd);
		return seterr(err, errsize, "%s was replaced while starting",
		    l->path);
	}
	if (fchownat(fd, "", pu->uid, pu->gid, AT_EMPTY_PATH) == -1)
		goto fail;
	close(fd);
	return 0;
fail:
	if (fd != -1)
		close(fd);
	return seterr(err, errsize, "cannot give %s to %s: %s", l->path,
	    pu->name, strerror(errno));
}

int
privdrop_give(const struct privdrop_user *pu, const struct datadir *dd,
    const struct listener *l, char *err, size_t errsize)
{
	if (dd != NULL && give_made(pu, &dd->made, err, errsize) == -1)
		return -1;
	if (l != NULL && give_made(pu, &l->made, err, errsize) == -1)
		return -1;
	if (dd != NULL && dd->lock_created && dd->lockfd != -1 &&
	    fchown(dd->lockfd, pu->uid, pu->gid) == -1)
		return seterr(err, errsize, "cannot give %s/%s to %s: %s",
		    dd->path, DATADIR_LOCKFILE, pu->name, strerror(errno));
	if (l != NULL && l->path[0] != '\0') {
		if (give_socket(pu, l, err, errsize) == -1)
			return -1;
		if (l->lock_created && l->lockfd != -1 &&
		    fchown(l->lockfd, pu->uid, pu->gid) == -1)
			return seterr(err, errsize, "cannot give %s%s to %s: "
			    "%s", l->path, LISTENER_LOCK_SUFFIX, pu->name,
			    strerror(errno));
	}
	return 0;
}

/* Root's supplementary groups, to be put back after a check made as
 * the user: NULL with no memory or if they cannot be read. */
static gid_t *
groups_save(int *n)
{
	gid_t *g;

	if ((*n = getgroups(0, NULL)) == -1 ||
	    (g = calloc((size_t)*n + 1, sizeof(*g))) == NULL)
		return NULL;
	if ((*n = getgroups(*n, g)) == -1) {
		free(g);
		return NULL;
	}
	return g;
}

int
privdrop_as(uid_t uid, gid_t gid, size_t ngroups, const gid_t *groups,
    struct privdrop_saved *s)
{
	int saved;

	s->egid = getegid();
	if ((s->groups = groups_save(&s->n)) == NULL)
		return -1;
	if (setgroups(ngroups, groups) == -1 || setegid(gid) == -1 ||
	    seteuid(uid) == -1) {
		saved = errno;
		(void)privdrop_back(s);
		errno = saved;
		return -1;
	}
	return 0;
}

int
privdrop_back(struct privdrop_saved *s)
{
	int rc;

	/* The effective uid first: setegid and setgroups need it. */
	rc = seteuid(0) == -1 || setegid(s->egid) == -1 ||
	    setgroups((size_t)s->n, s->groups) == -1 ? -1 : 0;
	free(s->groups);
	s->groups = NULL;
	return rc;
}

/* privdrop_can_write() with the groups given.  Root's own groups are
 * put back after, so that nothing root does before the drop runs with
 * the user's. */
static int
can_write_as(const struct privdrop_user *pu, size_t ngroups,
    const gid_t *groups, int dirfd, char *err, size_t errsize)
{
	struct privdrop_saved s;
	int rc, saved;

	if (privdrop_as(pu->uid, pu->gid, ngroups, groups, &s) == -1)
		return seterr(err, errsize, "cannot change to user %s: %s",
		    pu->name, strerror(errno));
	rc = faccessat(dirfd, ".", W_OK | X_OK, AT_EACCESS) == 0;
	saved = errno;
	if (privdrop_back(&s) == -1)
		return seterr(err, errsize, "cannot change back from user %s: "
		    "%s", pu->name, strerror(errno));
	errno = saved;
	return rc;
}

int
privdrop_can_write(const struct privdrop_user *pu, int dirfd, char *err,
    size_t errsize)
{
	/* As the daemon will run: its primary group only. */
	return can_write_as(pu, 1, &pu->gid, dirfd, err, errsize);
}

/* Whether USER, logged in with all its groups, may write in dirfd. */
static int
user_can_write(const struct privdrop_user *pu, int dirfd, char *err,
    size_t errsize)
{
	gid_t one = pu->gid, *groups = &one;
	int n = 1, rc;

	if (getgrouplist(pu->name, pu->gid, groups, &n) == -1) {
		if (n <= 1 || (groups = calloc((size_t)n, sizeof(*groups))) ==
		    NULL)
			return seterr(err, errsize, "groups of user %s: %s",
			    pu->name, strerror(ENOMEM));
		if (getgrouplist(pu->name, pu->gid, groups, &n) == -1)
			n = 1;	/* changed meanwhile: the first n */
	}
	rc = can_write_as(pu, (size_t)n, groups, dirfd, err, errsize);
	if (groups != &one)
		free(groups);
	return rc;
}

/* privdrop_may_replace() for one directory. */
struct replace {
	const struct privdrop_user	*pu;
	char				*err;
	size_t				 errsize;
};

/* 1 if USER may replace what is in dir, 0 if not, 2 on an error (the
 * message in err). */
static int
replaceable_in(const char *dir, void *arg)
{
	struct replace *r = arg;
	struct stat st;
	int fd, rc, saved;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		saved = errno;
		if (fd != -1)
			close(fd);
		(void)seterr(r->err, r->errsize, "%s: %s", dir,
		    strerror(saved));
		return 2;
	}
	/* Its owner may make it writable (chmod) whatever its mode. */
	if (st.st_uid == r->pu->uid) {
		close(fd);
		return 1;
	}
	rc = user_can_write(r->pu, fd, r->err, r->errsize);
	close(fd);
	if (rc == -1)
		return 2;
	return rc == 1 && !(st.st_mode & S_ISVTX);
}

int
privdrop_may_replace(const struct privdrop_user *pu, const char *path,
    char *err, size_t errsize)
{
	struct replace r = { pu, err, errsize };
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int rc;

	/* Options made path absolute (options.c). */
	if (slash == NULL || (size_t)(slash - path) >= sizeof(dir))
		return seterr(err, errsize, "%s: not an absolute path", path);
	if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if ((rc = replaceable_in(dir, &r)) == 0 &&
	    (rc = pathwalk_above(dir, replaceable_in, &r)) == -1)
		return seterr(err, errsize, "%s: %s", dir, strerror(errno));
	if (rc != 0)
		return rc == 2 ? -1 : rc;
	/* Nor reached through a name of USER's (a link of its own in a
	 * sticky directory, or in a link's target), which USER could
	 * point elsewhere. */
	return dirsafe_not_users("pidfile directory", dir, pu->uid, err,
	    errsize);
}

int
privdrop_drop(const struct privdrop_user *pu, char *err, size_t errsize)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (geteuid() != 0)
		return seterr(err, errsize, "-u %s: only root can change "
		    "user", pu->name);
	if (setgroups(1, &pu->gid) == -1 ||
	    setresgid(pu->gid, pu->gid, pu->gid) == -1 ||
	    setresuid(pu->uid, pu->uid, pu->uid) == -1)
		return seterr(err, errsize, "cannot change to user %s: %s",
		    pu->name, strerror(errno));
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1 ||
	    ru != pu->uid || eu != pu->uid || su != pu->uid ||
	    rg != pu->gid || eg != pu->gid || sg != pu->gid)
		return seterr(err, errsize, "user %s: ids did not change",
		    pu->name);
	if (setuid(0) != -1 || seteuid(0) != -1 ||
	    (pu->gid != 0 && (setgid(0) != -1 || setegid(0) != -1)))
		return seterr(err, errsize, "user %s: root privileges could "
		    "be regained", pu->name);
	/* Nor gained by an exec (a set-user-id program), in this process
	 * or its children, which inherit it: none of them runs one. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return seterr(err, errsize, "user %s: cannot forbid new "
		    "privileges: %s", pu->name, strerror(errno));
	return 0;
}
