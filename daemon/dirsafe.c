/*
 * dirsafe.c: refusing a directory that another user could put files in
 * (see dirsafe.h).
 */
#include "config.h"

#include <sys/stat.h>

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
 * the group of its name, its primary group, with no other member.
 */
static bool
own_group(uid_t uid, gid_t gid)
{
	struct passwd *pw;
	struct group *gr;
	char name[256];
	char **m;

	if ((pw = getpwuid(uid)) == NULL || pw->pw_gid != gid ||
	    strlen(pw->pw_name) >= sizeof(name))
		return false;
	strcpy(name, pw->pw_name);	/* getgrgid() may reuse the buffer */
	if ((gr = getgrgid(gid)) == NULL || strcmp(gr->gr_name, name) != 0)
		return false;
	for (m = gr->gr_mem; *m != NULL; m++)
		if (strcmp(*m, name) != 0)
			return false;
	return true;
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
	    own_group(a->st.st_uid, a->st.st_gid))
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

/* What is at or below a name of also_ok's, and the first that is not
 * also_ok's too (below_user()). */
struct below {
	uid_t		uid;
	bool		held;
	char		holder[PATH_MAX], bad[PATH_MAX];
	uid_t		owner;
	bool		link, link_mine;	/* bad is a link (of uid's) */
};

/*
 * pathwalk_down() callback.  Once a directory or link on the way is the
 * -u user's (uid), the user decides what the names below it lead to
 * (a link in it, or in its place, to a directory of root's): everything
 * from there down must be the user's too, links and what they lead to,
 * or root would make and remove files where the user chose.
 */
static int
below_user(const char *dir, void *arg)
{
	struct below *b = arg;
	struct stat lst, st;
	bool mine_l, mine;

	if (strcmp(dir, "/") == 0)
		b->held = false;	/* a walk begins */
	if (lstat(dir, &lst) == -1 || stat(dir, &st) == -1)
		return -1;
	mine_l = lst.st_uid == b->uid;
	mine = st.st_uid == b->uid;
	if ((b->held && !mine_l) || ((b->held || mine_l) && !mine)) {
		if (!b->held)
			snprintf(b->holder, sizeof(b->holder), "%s", dir);
		snprintf(b->bad, sizeof(b->bad), "%s", dir);
		b->owner = !mine_l ? lst.st_uid : st.st_uid;
		b->link = S_ISLNK(lst.st_mode);
		b->link_mine = b->link && mine_l;
		return 1;
	}
	if (!b->held && (mine_l || mine)) {
		b->held = true;
		snprintf(b->holder, sizeof(b->holder), "%s", dir);
	}
	return 0;
}

/* Refuse dir if it is, or lies below, a name the -u user (also_ok) could
 * point elsewhere and is not that user's own (below_user()). */
static int
dirsafe_below_user(const char *what, const char *dir, uid_t also_ok,
    char *err, size_t errsize)
{
	struct below b = { .uid = also_ok };
	char user[64], owner[64];
	int rc;

	if ((rc = pathwalk_down(dir, below_user, &b)) == -1)
		return seterr(err, errsize, "%s %s: %s", what, dir,
		    strerror(errno));
	if (rc == 0)
		return 0;
	user_name(also_ok, user, sizeof(user));
	user_name(b.owner, owner, sizeof(owner));
	if (b.link_mine)
		return seterr(err, errsize, "unsafe %s %s: %s is a symbolic "
		    "link of user %s's to a directory of %s's: user %s could "
		    "point it anywhere: name the directory itself", what, dir,
		    b.bad, user, owner, user);
	return seterr(err, errsize, "unsafe %s %s: %s, %s of %s's, is below "
	    "%s, of user %s's, who could replace it: make it as user %s "
	    "(or give it to %s)", what, dir, b.bad, b.link ?
	    "a symbolic link" : "a directory", owner, b.holder, user, user,
	    user);
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
	/* Root for another user (-u): not where that user could lead it. */
	if (also_ok != (uid_t)-1 && also_ok != euid && also_ok != 0)
		return dirsafe_below_user(what, dir, also_ok, err, errsize);
	return 0;
}

bool
dirsafe_same(const struct stat *st, const struct stat *checked)
{
	return st->st_dev == checked->st_dev && st->st_ino == checked->st_ino &&
	    st->st_uid == checked->st_uid && st->st_mode == checked->st_mode;
}
