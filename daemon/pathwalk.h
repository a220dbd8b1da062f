/*
 * pathwalk.h: the directories above a path, and every name it resolves
 * through, for the checks that another user cannot rename or replace
 * what the daemon keeps below them.
 */
#ifndef TODOD_PATHWALK_H
#define TODOD_PATHWALK_H

struct stat;

/*
 * Call fn for each directory above path ("/" first, path itself not
 * included): first as path names them, links and all (a link in a
 * directory another user may change is caught at that directory), then
 * as realpath(3) resolves path (a trusted link that leads into another
 * user's directory is caught there).  path must exist.  Stops at the
 * first fn that returns other than 0 and returns what it returned; -1
 * with errno if path cannot be resolved or is too long; else 0.
 */
int	pathwalk_above(const char *path, int (*fn)(const char *dir,
	    void *arg), void *arg);

/* A name met by pathwalk_resolve(). */
struct pathwalk_step {
	const char		*path;	/* the name, links before it expanded */
	const struct stat	*lst;	/* its lstat(2); NULL: it is missing */
	int			 last;	/* the last name of what is left */
};

/* Links followed in one resolution at most, as the kernel's limit. */
#define PATHWALK_MAX_LINKS	40

/*
 * Resolve the absolute path as the kernel does, a name at a time, each
 * symbolic link met replaced by its target, and call fn for every name
 * on the way, in order: directories, links, and the names in the links'
 * targets, which neither the path as named nor realpath(3) shows.  A
 * missing name ends the walk: fn gets it with lst NULL (what is left
 * would be made).  Stops at the first fn that returns other than 0 and
 * returns what it returned; -1 with errno if a name cannot be examined
 * or the path is not absolute, too long, or loops; else 0.  final,
 * unless NULL, gets the stat(2) of what path leads to, if it exists
 * (zeros if it does not).
 */
int	pathwalk_resolve(const char *path,
	    int (*fn)(const struct pathwalk_step *, void *), void *arg,
	    struct stat *final);

#endif /* TODOD_PATHWALK_H */
