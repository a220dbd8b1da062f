/*
 * pathwalk.h: the directories above a path, for the checks that another
 * user cannot rename or replace what the daemon keeps below them.
 */
#ifndef TODOD_PATHWALK_H
#define TODOD_PATHWALK_H

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

/*
 * As pathwalk_above(), but path itself is included, after the
 * directories above it, on each of the two walks; each walk begins
 * with "/".
 */
int	pathwalk_down(const char *path, int (*fn)(const char *dir,
	    void *arg), void *arg);

#endif /* TODOD_PATHWALK_H */
