/*
 * defaults.c: default paths, and the rule for a socket's directory,
 * shared by todod, todoctl and todo-bench.
 */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "defaults.h"

static int
fit(char *buf, size_t size, int n)
{
	return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

static const char *
nonempty_env(const char *name)
{
	const char *v = getenv(name);

	return (v != NULL && *v != '\0') ? v : NULL;
}

/* A directory named by the environment, if it is absolute: a relative
 * one would name a different place from each working directory, so a
 * daemon and its clients would not meet (the XDG Base Directory rules
 * say to ignore it too). */
static const char *
absolute_env(const char *name)
{
	const char *v = getenv(name);

	return (v != NULL && *v == '/') ? v : NULL;
}

int
default_socket_path(char *buf, size_t size)
{
	const char *v;

	if ((v = nonempty_env("TODOD_SOCKET")) != NULL)
		return fit(buf, size, snprintf(buf, size, "%s", v));
	if (geteuid() == 0)
		return fit(buf, size, snprintf(buf, size, "%s",
		    DEFAULT_SYSTEM_SOCKET));
	if ((v = absolute_env("XDG_RUNTIME_DIR")) != NULL)
		return fit(buf, size, snprintf(buf, size,
		    "%s/todod/todod.sock", v));
	return fit(buf, size, snprintf(buf, size, "/tmp/todod-%u/todod.sock",
	    (unsigned)geteuid()));
}

/* A safe directory, or the link naming it, may be uid's. */
static int
dir_owner_ok(uid_t uid, uid_t euid, uid_t also_ok)
{
	return uid == euid || uid == 0 || uid == also_ok;
}

int
dir_check(const char *dir, uid_t euid, uid_t also_ok, int sticky_ok,
    struct stat *st, uid_t *owner)
{
	struct stat lst;

	if (lstat(dir, &lst) == -1 || stat(dir, st) == -1)
		return -1;
	*owner = st->st_uid;
	if (S_ISLNK(lst.st_mode) && !dir_owner_ok(lst.st_uid, euid,
	    also_ok)) {
		*owner = lst.st_uid;
		return DIR_BAD_LINK;
	}
	if (!dir_owner_ok(st->st_uid, euid, also_ok))
		return DIR_BAD_OWNER;
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) &&
	    !(sticky_ok && (st->st_mode & S_ISVTX)))
		return DIR_BAD_MODE;
	return 0;
}

int
default_data_dir(char *buf, size_t size)
{
	const char *v;
	struct passwd *pw;

	if (geteuid() == 0)
		return fit(buf, size, snprintf(buf, size, "/var/lib/todod"));
	if ((v = absolute_env("XDG_STATE_HOME")) != NULL)
		return fit(buf, size, snprintf(buf, size, "%s/todod", v));
	if ((v = absolute_env("HOME")) == NULL) {
		if ((pw = getpwuid(geteuid())) == NULL || pw->pw_dir == NULL)
			return -1;
		v = pw->pw_dir;
	}
	return fit(buf, size, snprintf(buf, size, "%s/.local/state/todod", v));
}
