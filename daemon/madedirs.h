/*
 * madedirs.h: the directories a start made, kept open.
 *
 * datadir_mkdirs() makes the missing directories of the data directory's
 * and the socket's paths as root.  With -u they are then given to the
 * user, and a refused start removes them.  By name, each of those would
 * follow whatever the names lead to by then: once one directory is the
 * user's, the user can put a link in the place of the next.  So each
 * directory made is kept open (O_PATH) as it is made, with the one it was
 * made in, and what is done to it later is done through those.
 */
#ifndef TODOD_MADEDIRS_H
#define TODOD_MADEDIRS_H

#include <sys/types.h>

#include <limits.h>

/* Directories made for one path, at most (a deeper chain is refused). */
#define MADEDIRS_MAX	32

struct made_dirs {
	int	n;
	int	fd[MADEDIRS_MAX];	/* in the order made, top first */
	int	parent[MADEDIRS_MAX];	/* where each was made */
	char	name[MADEDIRS_MAX][NAME_MAX + 1];
};

void	madedirs_init(struct made_dirs *);
/* Record name, made in the directory dirfd and opened as fd (both are
 * duplicated).  0, or -1 (errno; EMLINK when full). */
int	madedirs_add(struct made_dirs *, int dirfd, const char *name, int fd);
/* Give each to uid:gid (fchownat through its descriptor).  0, or -1 with
 * errno and *failed the name of the one that could not be given. */
int	madedirs_give(const struct made_dirs *, uid_t, gid_t,
	    const char **failed);
/* Remove them, deepest first, each only if empty, by its name in the
 * directory it was made in: at the first that cannot be removed, the
 * rest stay.  Then madedirs_close(). */
void	madedirs_remove(struct made_dirs *);
/* Close the descriptors; the directories stay. */
void	madedirs_close(struct made_dirs *);

#ifdef TODOD_FAULTS
/* Test-only: called by madedirs_give() after each directory given, with
 * its name. */
extern void	(*madedirs_fault_given)(const char *name);
#endif

#endif /* TODOD_MADEDIRS_H */
