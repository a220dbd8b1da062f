/*
 * dirsafe.c: refusing a directory that another user could put files in
 * (see dirsafe.h).
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/xattr.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "defaults.h"
#include "dirsafe.h"
#include "errbuf.h"
#include "pathwalk.h"

static const char *
user_name(uid_t uid, char *buf, size_t size)
{
	struct passwd *pw;

	if ((pw = getpwuid(uid)) != NULL)
		snprintf(buf, size, "%s", pw->pw_name);
	else
		snprintf(buf, size, "uid %u", (unsigned)uid);
	return buf;
}

/* "root", "root or alice", "root, alice or todod": who may own the dir. */
static void
owners(uid_t euid, uid_t also_ok, char *buf, size_t size)
{
	char a[64], b[64];

	if (euid == 0 && (also_ok == (uid_t)-1 || also_ok == 0))
		snprintf(buf, size, "root");
	else if (euid == 0 || also_ok == (uid_t)-1 || also_ok == euid)
		snprintf(buf, size, "root or %s", user_name(euid == 0 ?
		    also_ok : euid, a, sizeof(a)));
	else
		snprintf(buf, size, "root, %s or %s", user_name(euid, a,
		    sizeof(a)), user_name(also_ok, b, sizeof(b)));
}

/* What a directory above another must be, and the first that is not. */
struct above {
	uid_t		euid, also_ok;
	char		bad[PATH_MAX];
	struct stat	st;
	uid_t		owner;
};

/*
 * Whether gid is uid's own group, as user private groups make it (a
 * umask of 002 then makes directories such as ~/.local group-writable):
 * the group of its name, its primary group, with no other member, nor
 * another user whose primary group it is (the group file does not list
 * those: a user made with useradd -g 0 is in root's).  Those are looked
 * for among the users getpwent(3) lists: a directory service that does
 * not enumerate its users hides them.  (tests/daemon/test_owngroup.)
 */
static bool
own_group(uid_t uid, gid_t gid)
{
	struct passwd *pw;
	struct group *gr;
	char name[256];
	char **m;
	bool alone = true;

	if ((pw = getpwuid(uid)) == NULL || pw->pw_gid != gid ||
	    strlen(pw->pw_name) >= sizeof(name))
		return false;
	strcpy(name, pw->pw_name);	/* getgrgid() may reuse the buffer */
	if ((gr = getgrgid(gid)) == NULL || strcmp(gr->gr_name, name) != 0)
		return false;
	for (m = gr->gr_mem; *m != NULL; m++)
		if (strcmp(*m, name) != 0)
			return false;
	setpwent();
	while (alone && (pw = getpwent()) != NULL)
		alone = pw->pw_gid != gid || pw->pw_uid == uid;
	endpwent();
	return alone;
}

/*
 * Whether path has an access ACL beyond its mode: its group bits are
 * then the mask of the ACL's named users and groups, whom the group
 * write bit lets write too.
 */
static bool
extended_acl(const char *path)
{
	return lgetxattr(path, "system.posix_acl_access", NULL, 0) > 0;
}

/* A directory's group write, allowed: its owner's own group, and no ACL
 * that gives it to others. */
static bool
group_is_owners(const char *path, const struct stat *st)
{
	return own_group(st->st_uid, st->st_gid) && !extended_acl(path);
}

/* dir_check(), sticky allowed (as /tmp: what is in it is checked then,
 * for its owner), and writable by its owner's own group. */
static int
above_ok(const char *dir, void *arg)
{
	struct above *a = arg;
	int rc;

	rc = dir_check(dir, a->euid, a->also_ok, 1, &a->st, &a->owner);
	if (rc == DIR_BAD_MODE && !(a->st.st_mode & S_IWOTH) &&
	    group_is_owners(dir, &a->st))
		rc = 0;
	if (rc != 0)
		snprintf(a->bad, sizeof(a->bad), "%s", dir);
	return rc;
}

/* dirsafe_check() for the directories above dir: another user who may
 * change one could rename what is below it and put another in its
 * place. */
static int
dirsafe_above(const char *what, const char *dir, uid_t euid, uid_t also_ok,
    char *err, size_t errsize)
{
	struct above a = { .euid = euid, .also_ok = also_ok };
	char owner[64], allowed[160];
	int rc;

	if ((rc = pathwalk_above(dir, above_ok, &a)) == -1)
		return seterr(err, errsize, "%s %s: %s", what, dir,
		    strerror(errno));
	if (rc == 0)
		return 0;
	user_name(a.owner, owner, sizeof(owner));
	owners(euid, also_ok, allowed, sizeof(allowed));
	if (rc == DIR_BAD_LINK)
		return seterr(err, errsize, "unsafe %s %s: %s above it is a "
		    "symbolic link of %s: it must be owned by %s", what, dir,
		    a.bad, owner, allowed);
	return seterr(err, errsize, "unsafe %s %s: %s above it has owner %s, "
	    "mode %04o: each directory above it must be owned by %s, and "
	    "not be writable by group (but its owner's own) or others unless "
	    "it is sticky", what,
	    dir, a.bad, owner, (unsigned)(a.st.st_mode & 07777), allowed);
}

/* What dirsafe_way() found wrong on the way to a directory. */
enum way_fault { WAY_OWNER = 1, WAY_MODE, WAY_BELOW, WAY_MADE_BELOW,
    WAY_USERS };

/* The rules of dirsafe_way() and what broke one. */
struct way {
	uid_t		euid, also_ok;
	int		below;		/* the -u rule applies */
	int		none_of_user;	/* nothing of also_ok's at all */
	int		held;		/* a name of also_ok's was met */
	char		holder[PATH_MAX];
	int		holder_link;
	char		bad[PATH_MAX];
	struct stat	st;		/* bad's lstat */
	enum way_fault	fault;
};

static int
way_fail(struct way *w, const struct pathwalk_step *s, enum way_fault f)
{
	snprintf(w->bad, sizeof(w->bad), "%s", s->path);
	if (s->lst != NULL)
		w->st = *s->lst;
	w->fault = f;
	return 1;
}

/*
 * pathwalk_resolve() callback: every name on the way, links and the
 * names in their targets too, is owned by root, the effective user or
 * also_ok; a directory passed through is writable by no one else
 * (sticky, or its owner's own group, allowed, as above_ok()).  With the
 * -u rule: once a name of also_ok's is met, that user decides where the
 * rest leads (a link of its own to a directory of root's, or one put in
 * the place of what is below it), so where the way ends must be
 * also_ok's too, and nothing may be made there by root.
 */
static int
way_ok(const struct pathwalk_step *s, void *arg)
{
	struct way *w = arg;
	const struct stat *st = s->lst;
	int mine;

	if (st == NULL)
		return w->held ? way_fail(w, s, WAY_MADE_BELOW) : 0;
	if (st->st_uid != 0 && st->st_uid != w->euid &&
	    st->st_uid != w->also_ok)
		return way_fail(w, s, WAY_OWNER);
	if (S_ISDIR(st->st_mode) && !s->last &&
	    (st->st_mode & (S_IWGRP | S_IWOTH)) && !(st->st_mode & S_ISVTX) &&
	    ((st->st_mode & S_IWOTH) || !group_is_owners(s->path, st)))
		return way_fail(w, s, WAY_MODE);
	mine = st->st_uid == w->also_ok;
	if (w->none_of_user && mine)
		return way_fail(w, s, WAY_USERS);
	if (!w->below)
		return 0;
	/* Where the way ends, root works: the user's own, once the user
	 * could have chosen it.  (What lies between, the user chose too;
	 * root does nothing there.) */
	if (w->held && !mine && s->last && !S_ISLNK(st->st_mode))
		return way_fail(w, s, WAY_BELOW);
	if (mine && !w->held) {
		w->held = 1;
		snprintf(w->holder, sizeof(w->holder), "%s", s->path);
		w->holder_link = S_ISLNK(st->st_mode);
	}
	return 0;
}

static const char *
kind(const struct stat *st)
{
	return S_ISLNK(st->st_mode) ? "a symbolic link" : S_ISDIR(st->st_mode) ?
	    "a directory" : "a file";
}

/*
 * Check the way to dir, as the kernel resolves it (way_ok()); missing_ok:
 * what is missing of it is to be made.  checked, unless NULL, is what
 * dir was found to be: the way must lead to it, or it changed meanwhile.
 * 0, or -1 with a sentence in err.
 */
static int
dirsafe_way(const char *what, const char *dir, uid_t euid, uid_t also_ok,
    const struct stat *checked, char *err, size_t errsize)
{
	struct way w;
	struct stat final;
	char owner[64], user[64], allowed[160];
	int rc;

	memset(&w, 0, sizeof(w));
	w.euid = euid;
	w.also_ok = also_ok;
	w.below = also_ok != (uid_t)-1 && also_ok != euid && also_ok != 0;
	if ((rc = pathwalk_resolve(dir, way_ok, &w, checked != NULL ? &final :
	    NULL)) == -1)
		return seterr(err, errsize, "%s %s: %s", what, dir,
		    strerror(errno));
	if (rc == 0 && checked != NULL && (final.st_dev != checked->st_dev ||
	    final.st_ino != checked->st_ino))
		return seterr(err, errsize, "%s %s was replaced while it was "
		    "checked", what, dir);
	/* Where the way ended, whatever its last name (a ".." after it, say,
	 * which names no step). */
	if (rc == 0 && checked != NULL && w.below && w.held &&
	    final.st_uid != also_ok) {
		snprintf(w.bad, sizeof(w.bad), "%s", dir);
		w.st = final;
		w.fault = WAY_BELOW;
		rc = 1;
	}
	if (rc == 0)
		return 0;
	user_name(also_ok, user, sizeof(user));
	user_name(w.st.st_uid, owner, sizeof(owner));
	switch (w.fault) {
	case WAY_OWNER:
	case WAY_MODE:
		owners(euid, also_ok, allowed, sizeof(allowed));
		if (S_ISLNK(w.st.st_mode))
			return seterr(err, errsize, "unsafe %s %s: %s above it "
			    "is a symbolic link of %s: it must be owned by %s",
			    what, dir, w.bad, owner, allowed);
		return seterr(err, errsize, "unsafe %s %s: %s above it has "
		    "owner %s, mode %04o: each directory above it must be "
		    "owned by %s, and not be writable by group (but its "
		    "owner's own) or others unless it is sticky", what, dir,
		    w.bad, owner, (unsigned)(w.st.st_mode & 07777), allowed);
	case WAY_BELOW:
		return seterr(err, errsize, "unsafe %s %s: the way to it "
		    "passes %s, %s of user %s's, who could lead it elsewhere, "
		    "and it is %s's: it must be %s's, or be named by a way "
		    "that passes nothing of %s's", what, dir, w.holder,
		    w.holder_link ? "a symbolic link" : "a directory", user,
		    owner, user, user);
	case WAY_MADE_BELOW:
		return seterr(err, errsize, "unsafe %s %s: root would make it "
		    "below %s, %s of user %s's, who could lead it elsewhere: "
		    "make it as user %s first", what, dir, w.holder,
		    w.holder_link ? "a symbolic link" : "a directory", user,
		    user);
	default:
		return seterr(err, errsize, "unsafe %s %s: the way to it "
		    "passes %s, %s of user %s's, who could lead it elsewhere",
		    what, dir, w.bad, kind(&w.st), user);
	}
}

int
dirsafe_may_make(const char *what, const char *dir, uid_t also_ok,
    char *err, size_t errsize)
{
	struct stat st;

	/* There already: nothing is made, and dirsafe_check() says what
	 * is wrong with it, if anything, more precisely. */
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return dirsafe_way(what, dir, geteuid(), also_ok, NULL, err,
	    errsize);
}

int
dirsafe_not_users(const char *what, const char *dir, uid_t also_ok,
    char *err, size_t errsize)
{
	struct way w;
	char user[64];
	int rc;

	memset(&w, 0, sizeof(w));
	w.euid = geteuid();
	w.also_ok = also_ok;
	w.none_of_user = 1;
	if ((rc = pathwalk_resolve(dir, way_ok, &w, NULL)) == -1)
		return seterr(err, errsize, "%s %s: %s", what, dir,
		    strerror(errno));
	if (rc == 0 || w.fault != WAY_USERS)
		return rc == 0 ? 0 : 1;
	user_name(also_ok, user, sizeof(user));
	(void)seterr(err, errsize, "%s %s: the way to it passes %s, %s of "
	    "user %s's", what, dir, w.bad, kind(&w.st), user);
	return 1;
}

int
dirsafe_check(const char *what, const char *dir, uid_t also_ok,
    struct stat *checked, char *err, size_t errsize)
{
	struct stat st;
	char owner[64], allowed[160], hint[96] = "";
	uid_t euid = geteuid(), uid;
	int rc;

	if ((rc = dir_check(dir, euid, also_ok, 0, &st, &uid)) == -1)
		return seterr(err, errsize, "%s %s: %s", what, dir,
		    strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return seterr(err, errsize, "%s %s is not a directory", what,
		    dir);
	user_name(uid, owner, sizeof(owner));
	switch (rc) {
	case DIR_BAD_LINK:
		owners(euid, also_ok, allowed, sizeof(allowed));
		return seterr(err, errsize, "unsafe %s %s: a symbolic link of "
		    "%s: it must be owned by %s", what, dir, owner, allowed);
	case DIR_BAD_OWNER:
		owners(euid, also_ok, allowed, sizeof(allowed));
		/* Root without -u, in a directory a user owns: likely that
		 * user's daemon's, which -u would run as. */
		if (euid == 0 && also_ok == (uid_t)-1)
			snprintf(hint, sizeof(hint), " (or start with -u %s)",
			    owner);
		return seterr(err, errsize, "unsafe %s %s: owner %s, mode "
		    "%04o: it must be owned by %s%s", what, dir, owner,
		    (unsigned)(st.st_mode & 07777), allowed, hint);
	case DIR_BAD_MODE:
		return seterr(err, errsize, "unsafe %s %s: owner %s, mode "
		    "%04o: it must not be writable by group or others",
		    what, dir, owner, (unsigned)(st.st_mode & 07777));
	}
	if (checked != NULL)
		*checked = st;
	if (dirsafe_above(what, dir, euid, also_ok, err, errsize) == -1)
		return -1;
	/* Every name on the way, and that it leads to what was checked. */
	return dirsafe_way(what, dir, euid, also_ok, &st, err, errsize);
}

bool
dirsafe_same(const struct stat *st, const struct stat *checked)
{
	return st->st_dev == checked->st_dev && st->st_ino == checked->st_ino &&
	    st->st_uid == checked->st_uid && st->st_mode == checked->st_mode;
}
