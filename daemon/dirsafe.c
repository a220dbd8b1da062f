/*
 * dirsafe.c: refusing a directory that another user could put files in
 * (see dirsafe.h).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "defaults.h"
#include "dirsafe.h"
#include "errbuf.h"

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

int
dirsafe_check(const char *what, const char *dir, uid_t also_ok,
    bool sticky_ok, char *err, size_t errsize)
{
	struct stat st;
	char owner[64], allowed[160], hint[96] = "";
	uid_t euid = geteuid(), uid;
	int rc;

	if ((rc = dir_check(dir, euid, also_ok, sticky_ok, &st, &uid)) == -1)
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
		    "%04o: it must not be writable by group or others%s",
		    what, dir, owner, (unsigned)(st.st_mode & 07777),
		    sticky_ok ? " unless it is sticky" : "");
	}
	return 0;
}
