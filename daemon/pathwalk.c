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

/* next: cur (the directory so far, "" for "/"), a slash and name. */
static int
join_name(char *next, size_t size, const char *cur,
    const struct pathname *name)
{
	size_t n = strlen(cur);

	if (n + 1 + name->len >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(next, cur, n);
	next[n] = '/';
	memcpy(next + n + 1, name->p, name->len);
	next[n + 1 + name->len] = '\0';
	return 0;
}

/*
 * The link at path met, with after left of the path to walk: rest
 * (of restsize) becomes its target then after, to be walked from cur,
 * which goes back to "/" for an absolute target.  0, or -1 (errno).
 */
static int
expand_link(const char *path, const char *after, char *rest,
    size_t restsize, char *cur, int *links)
{
	char target[PATH_MAX], joined[2 * PATH_MAX];
	ssize_t n;

	if (++*links > PATHWALK_MAX_LINKS) {
		errno = ELOOP;
		return -1;
	}
	if ((n = readlink(path, target, sizeof(target) - 1)) == -1)
		return -1;
	target[n] = '\0';
	if ((size_t)snprintf(joined, sizeof(joined), "%s/%s", target, after) >=
	    restsize) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(rest, joined);
	if (target[0] == '/')
		cur[0] = '\0';
	return 0;
}

int
pathwalk_resolve(const char *path,
    int (*fn)(const struct pathwalk_step *, void *), void *arg,
    struct stat *final)
{
	char rest[2 * PATH_MAX], cur[PATH_MAX], next[PATH_MAX];
	struct pathwalk_step step;
	struct pathname name;
	enum pathname_kind kind;
	struct stat st;
	const char *p;
	char *slash;
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
		if (join_name(next, sizeof(next), cur, &name) == -1)
			return -1;
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
			/* The target in the link's place, before the rest. */
			if (expand_link(next, p, rest, sizeof(rest), cur,
			    &links) == -1)
				return -1;
			p = rest;
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
