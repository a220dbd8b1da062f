/*
 * pathwalk.c: the directories above a path, and the names a path
 * resolves through (see pathwalk.h).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pathname.h"
#include "pathwalk.h"

/* fn for each proper prefix of path that ends before a '/'. */
static int
walk(const char *path, int (*fn)(const char *, void *), void *arg)
{
	char dir[PATH_MAX];
	size_t len = strlen(path), i;
	int rc;

	if (len >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	while (len > 1 && path[len - 1] == '/')
		len--;
	for (i = 0; i < len; i++) {
		if (path[i] != '/')
			continue;
		memcpy(dir, path, i == 0 ? 1 : i);
		dir[i == 0 ? 1 : i] = '\0';
		if ((rc = fn(dir, arg)) != 0)
			return rc;
	}
	return 0;
}

int
pathwalk_above(const char *path, int (*fn)(const char *, void *), void *arg)
{
	char real[PATH_MAX];
	int rc;

	if (realpath(path, real) == NULL)
		return -1;
	if ((rc = walk(path, fn, arg)) != 0 || strcmp(real, path) == 0)
		return rc;		/* no link on the way: walked once */
	return walk(real, fn, arg);
}

int
pathwalk_resolve(const char *path,
    int (*fn)(const struct pathwalk_step *, void *), void *arg,
    struct stat *final)
{
	char rest[2 * PATH_MAX], cur[PATH_MAX], next[PATH_MAX];
	char target[PATH_MAX], joined[2 * PATH_MAX];
	struct pathwalk_step step;
	struct pathname name;
	enum pathname_kind kind;
	struct stat st;
	const char *p;
	char *slash;
	ssize_t n;
	int links = 0, rc;

	if (final != NULL)
		memset(final, 0, sizeof(*final));
	if (path[0] != '/') {
		errno = EINVAL;
		return -1;
	}
	if (strlen(path) >= sizeof(rest)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(rest, path);
	cur[0] = '\0';			/* "/" */
	for (p = rest; (kind = pathname_next(&p, &name)) != PATHNAME_END;) {
		if (kind == PATHNAME_DOT)
			continue;
		if (kind == PATHNAME_DOTDOT) {
			/* cur has no link in it: its parent is lexical. */
			if ((slash = strrchr(cur, '/')) != NULL)
				*slash = '\0';
			continue;
		}
		if (strlen(cur) + 1 + name.len >= sizeof(next)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		n = (ssize_t)strlen(cur);
		memcpy(next, cur, (size_t)n);
		next[n] = '/';
		memcpy(next + n + 1, name.p, name.len);
		next[(size_t)n + 1 + name.len] = '\0';
		step.path = next;
		step.last = pathname_at_end(p);
		if (lstat(next, &st) == -1) {
			if (errno != ENOENT)
				return -1;
			step.lst = NULL;	/* the rest is missing */
			return fn(&step, arg);
		}
		step.lst = &st;
		if ((rc = fn(&step, arg)) != 0)
			return rc;
		if (S_ISLNK(st.st_mode)) {
			if (++links > PATHWALK_MAX_LINKS) {
				errno = ELOOP;
				return -1;
			}
			if ((n = readlink(next, target, sizeof(target) - 1)) ==
			    -1)
				return -1;
			target[n] = '\0';
			/* The target in the link's place, before the rest. */
			if ((size_t)snprintf(joined, sizeof(joined), "%s/%s",
			    target, p) >= sizeof(rest)) {
				errno = ENAMETOOLONG;
				return -1;
			}
			strcpy(rest, joined);
			p = rest;
			if (target[0] == '/')
				cur[0] = '\0';
			continue;
		}
		if (!S_ISDIR(st.st_mode) && !pathname_at_end(p)) {
			errno = ENOTDIR;
			return -1;
		}
		strcpy(cur, next);
	}
	if (final != NULL && stat(cur[0] != '\0' ? cur : "/", final) == -1)
		return -1;
	return 0;
}
