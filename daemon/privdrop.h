/*
 * privdrop.h: started as root with -u USER, run as USER.
 *
 * The supervisor binds the socket and locks the data directory as root,
 * then gives USER what it created for it and drops privileges before it
 * forks any other process, so that every process of the tree runs as
 * USER.  The rule for ownership: what todod creates during this start is
 * given to USER (the directories it made for the data directory and for
 * the socket, the lock files it made, the data directory's and the
 * socket's, and the socket, whose group then decides who may connect);
 * what existed before is left as it is.
 * Groups: USER's primary group only (no supplementary groups).
 */
#ifndef TODOD_PRIVDROP_H
#define TODOD_PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

struct datadir;
struct listener;

struct privdrop_user {
	char	name[256];
	uid_t	uid;
	gid_t	gid;
};

/*
 * Look USER up.  Fails unless we run as root and USER is not uid 0.
 * Returns 0, or -1 with a message in err.
 */
int	privdrop_lookup(struct privdrop_user *, const char *user, char *err,
	    size_t errsize);

/*
 * 0 if top, a directory this start made as root ("" for none), is not
 * below a directory of USER's; else -1 with a message in err.  The mode
 * of what root made is then changed by name (listener_share_parents()),
 * so USER must not be able to put a link to a directory of root's in its
 * place meanwhile: checked as soon as it is made.
 */
int	privdrop_made_ok(const struct privdrop_user *, const char *top,
	    char *err, size_t errsize);

/* Give USER what this start created (see above), through the
 * descriptors kept as it was made (madedirs.h), not by name.  dd or l
 * may be NULL. */
int	privdrop_give(const struct privdrop_user *, const struct datadir *dd,
	    const struct listener *l, char *err, size_t errsize);

/* Root's own effective group and groups, kept while it acts as a user. */
struct privdrop_saved {
	gid_t	 egid;
	gid_t	*groups;
	int	 n;
};

/*
 * Act as uid:gid with the groups given, root's own saved in *saved,
 * until privdrop_back(): the effective ids change, the real ones stay
 * root's (the user can neither signal nor trace the process meanwhile).
 * 0, or -1 with errno and root's ids and groups as before.
 */
int	privdrop_as(uid_t uid, gid_t gid, size_t ngroups, const gid_t *groups,
	    struct privdrop_saved *saved);
/* Root's effective ids and groups again: 0, or -1 (errno). */
int	privdrop_back(struct privdrop_saved *);

/*
 * Whether USER, with its primary group only, may write and search the
 * directory dirfd: the effective ids and the groups are USER's for the
 * check, and root's again after it (its own groups too), so that a start
 * refused for it still removes, as root, what it made.  1 yes, 0 no
 * (errno set), or -1 with a message in err.
 */
int	privdrop_can_write(const struct privdrop_user *, int dirfd, char *err,
	    size_t errsize);

/*
 * Whether USER could replace the file at path (a pidfile root wrote):
 * it may write the file's directory, or one above it (which it could
 * rename, and put another in its place), and that directory is USER's
 * or has no sticky bit.  Checked as USER with all its groups; root's ids
 * and groups are back after.  1 yes, 0 no, or -1 with a message in err.
 */
int	privdrop_may_replace(const struct privdrop_user *, const char *path,
	    char *err, size_t errsize);

/*
 * setgroups, setresgid, setresuid to USER; then check that neither root's
 * uid nor gid can be regained.  Returns 0, or -1 with a message in err.
 */
int	privdrop_drop(const struct privdrop_user *, char *err,
	    size_t errsize);

#endif /* TODOD_PRIVDROP_H */
