/*
 * pathwalk.c: the directories above a path (see pathwalk.h).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The two walks of pathwalk_above(), with path itself last in each if
 * self. */
static int
walk_twice(const char *path, int (*fn)(const char *, void *), void *arg,
    int self)
{
	char real[PATH_MAX];
	int rc;

	if (realpath(path, real) == NULL)
		return -1;
	if ((rc = walk(path, fn, arg)) != 0 ||
	    (self && (rc = fn(path, arg)) != 0) || strcmp(real, path) == 0)
		return rc;		/* no link on the way: walked once */
	if ((rc = walk(real, fn, arg)) != 0)
		return rc;
	return self ? fn(real, arg) : 0;
}

int
pathwalk_above(const char *path, int (*fn)(const char *, void *), void *arg)
{
	return walk_twice(path, fn, arg, 0);
}

int
pathwalk_down(const char *path, int (*fn)(const char *, void *), void *arg)
{
	return walk_twice(path, fn, arg, 1);
}
