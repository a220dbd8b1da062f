/*
 * dirsafe.h: refusing a directory that another user could put files in
 * (the socket's, the data directory), with a message that says what is
 * wrong and who may own it.  The rule itself is dir_check() (defaults.h),
 * which the clients apply to the socket's directory too.
 */
#ifndef TODOD_DIRSAFE_H
#define TODOD_DIRSAFE_H

#include <sys/stat.h>
#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

/*
 * 0 if dir (what: "socket directory", "data directory") is safe for this
 * process's files: owned by root, by the effective user or by also_ok
 * ((uid_t)-1 for none), not writable by group or others, sticky or not
 * (anyone may make a name in a sticky one), and not named by another
 * user's symbolic link; and so is each directory above it (sticky
 * allowed there, and writable by its owner's own group).  So is every
 * name the path resolves through, links' targets included
 * (pathwalk_resolve()), and it must lead to the directory checked.  With
 * also_ok another user than the effective one (root's -u), once a name
 * on the way is that user's, all from there on must be that user's too:
 * the user could lead the rest anywhere, to a directory of root's among
 * them.  Else -1 with
 * a sentence in err.  checked, unless NULL, gets the stat(2) of dir as
 * checked: what opens dir by name after compares it with the open
 * directory, so that a directory put in its place meanwhile is not
 * taken for it.
 */
int	dirsafe_check(const char *what, const char *dir, uid_t also_ok,
	    struct stat *checked, char *err, size_t errsize);
/*
 * Before what is missing of dir is made (nothing to check if dir is
 * there): the way to it as far as it exists passes the checks of dirsafe_check() for every name met
 * (links, and the names in their targets), and with also_ok another
 * user than the effective one, nothing would be made below a name of
 * that user's.  0, or -1 with a sentence in err.
 */
int	dirsafe_may_make(const char *what, const char *dir, uid_t also_ok,
	    char *err, size_t errsize);
/* Whether the way to dir passes no name (directory or link, those in
 * links' targets too) of user also_ok's: 0; 1 with a sentence in err if
 * it does, or if it passes another name dirsafe_check() would refuse;
 * -1 with a sentence if it cannot be examined. */
int	dirsafe_not_users(const char *what, const char *dir, uid_t also_ok,
	    char *err, size_t errsize);
/* Whether st is the directory checked, as checked: the same file (an
 * inode freed and made again may come back with the same number), the
 * same owner and mode. */
bool	dirsafe_same(const struct stat *st, const struct stat *checked);

#endif /* TODOD_DIRSAFE_H */
