/*
 * datadir.h: the data directory's exclusive lock, and creating
 * directories with their missing parents.
 *
 * Two daemons on one data directory must be impossible: the supervisor
 * takes the lock first, before the storage module opens the directory.
 * The lock is flock(2) on the directory itself, so that removing a file
 * cannot undo it, and on DATA/.lock (mode 0600), which holds the pid of
 * the daemon that took it: the lock that versions of todod before the
 * directory's took, kept so that no two versions share a directory.
 * Each belongs to the open file description, so processes forked by the
 * supervisor share it: the directory stays locked until the last process
 * of the tree that keeps the descriptor has exited.
 * Processes that write the data directory (the database workers) should
 * keep it, so that a new daemon cannot start while a worker of the old one
 * is still writing; others may close it after fork(2).  The descriptor is
 * close-on-exec.
 */
#ifndef TODOD_DATADIR_H
#define TODOD_DATADIR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "madedirs.h"
#include "options.h"

struct datadir {
	int	lockfd;			/* .lock; -1 when not locked */
	int	dirlockfd;		/* the directory; -1 likewise */
	char	path[TODOD_PATH_MAX];	/* the data directory */
	char	created[TODOD_PATH_MAX]; /* topmost directory created, or "" */
	struct made_dirs made;		/* the directories made, open */
	bool	lock_created;		/* .lock was created by this call */
};

#define DATADIR_LOCKFILE	".lock"

/*
 * Create path and its missing parents with mode (the umask does not
 * apply); an existing directory is left as it is.  created gets the
 * topmost directory that was made ("" if none); made, unless NULL, each
 * directory made, open (madedirs.h).  A name at a time, through
 * descriptors, links followed a name at a time too: every name found
 * or made on the way, links and the names in their targets included,
 * must be root's or this process's user's (one of another user's may
 * have been put there since the way was checked).  Nothing is made in a
 * link's target.  Returns 0, or -1 with a message in err (and what it
 * made removed).
 */
int	datadir_mkdirs(const char *path, mode_t mode, char *created,
	    size_t createdsize, struct made_dirs *made, char *err,
	    size_t errsize);

/*
 * Create the directory if missing (mode 0700), check that no other user
 * may put files in it (dirsafe_check(): owned by root, by this process's
 * user or by also_ok, the -u user, and not writable by group or others),
 * lock it and write our pid into the lock file.  The directory is
 * opened once, and must be the one checked; dirlockfd is it, for the
 * caller to use rather than open the path again.  Returns 0; 1 if it is
 * locked but the pid could not be written (a full disk; err says so); or
 * -1 with a message in err, and *holder set to the pid of the daemon
 * that holds the lock (0 when the lock is free or the holder's pid cannot
 * be read).
 */
int	datadir_lock(struct datadir *, const char *path, uid_t also_ok,
	    pid_t *holder, char *err, size_t errsize);

#ifdef TODOD_FAULTS
/* Test-only: called by datadir_lock() between the check of the
 * directory and its open, with its path (a test replaces it there). */
extern void	(*datadir_fault_checked)(const char *path);
#endif

/* Close the lock descriptors (the lock file stays). */
void	datadir_unlock(struct datadir *);

/*
 * A start refused after datadir_lock, before any process was forked:
 * remove the lock file if datadir_lock created it, unlock, and remove
 * the directories it created (madedirs_remove()), so that a refused
 * start leaves the file system as it found it.
 */
void	datadir_abandon(struct datadir *);

#endif /* TODOD_DATADIR_H */
