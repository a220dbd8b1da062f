/*
 * madedirs.c: the directories a start made, kept open (see madedirs.h).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "madedirs.h"

#ifdef TODOD_FAULTS
void	(*madedirs_fault_given)(const char *name);
#endif

void
madedirs_init(struct made_dirs *m)
{
	m->n = 0;
}

int
madedirs_add(struct made_dirs *m, int dirfd, const char *name, int fd)
{
	int p, f;

	if (m->n == MADEDIRS_MAX) {
		errno = EMLINK;
		return -1;
	}
	if (strlen(name) >= sizeof(m->name[0])) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((p = fcntl(dirfd, F_DUPFD_CLOEXEC, 3)) == -1)
		return -1;
	if ((f = fcntl(fd, F_DUPFD_CLOEXEC, 3)) == -1) {
		close(p);
		return -1;
	}
	m->parent[m->n] = p;
	m->fd[m->n] = f;
	strcpy(m->name[m->n], name);
	m->n++;
	return 0;
}

int
madedirs_give(const struct made_dirs *m, uid_t uid, gid_t gid,
    const char **failed)
{
	struct stat st;
	int i;

	for (i = 0; i < m->n; i++) {
		*failed = m->name[i];
		/* Ours still: made by this process, given by no one. */
		if (fstat(m->fd[i], &st) == -1)
			return -1;
		if (st.st_uid != geteuid()) {
			errno = EPERM;
			return -1;
		}
		if (fchownat(m->fd[i], "", uid, gid, AT_EMPTY_PATH) == -1)
			return -1;
#ifdef TODOD_FAULTS
		if (madedirs_fault_given != NULL)
			madedirs_fault_given(m->name[i]);
#endif
	}
	return 0;
}

void
madedirs_remove(struct made_dirs *m)
{
	int i;

	/* Deepest first, each in the directory it was made in: if the user
	 * it was given to has put something else at its name there, that
	 * is in the user's own directory. */
	for (i = m->n - 1; i >= 0; i--)
		if (unlinkat(m->parent[i], m->name[i], AT_REMOVEDIR) == -1)
			break;
	madedirs_close(m);
}

void
madedirs_close(struct made_dirs *m)
{
	while (m->n > 0) {
		m->n--;
		close(m->fd[m->n]);
		close(m->parent[m->n]);
	}
}
