/*
 * fdlimit.c: raise RLIMIT_NOFILE (see fdlimit.h).
 */
#include "config.h"

#include <sys/resource.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdlimit.h"
#include "log.h"

/* fs.nr_open, the ceiling of RLIMIT_NOFILE; 1048576 if unreadable. */
static rlim_t
nr_open(void)
{
	FILE *f;
	unsigned long v;
	rlim_t r = 1048576;

	if ((f = fopen("/proc/sys/fs/nr_open", "re")) != NULL) {
		if (fscanf(f, "%lu", &v) == 1 && v > 0)
			r = (rlim_t)v;
		fclose(f);
	}
	return r;
}

long
fdlimit_raise(void)
{
	struct rlimit rl;
	rlim_t old, target;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit(RLIMIT_NOFILE)");
		return -1;
	}
	old = rl.rlim_cur;
	target = rl.rlim_max;
	if (target == RLIM_INFINITY)
		target = nr_open();
	if (target > (rlim_t)LONG_MAX)
		target = (rlim_t)LONG_MAX;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < target) {
		rl.rlim_cur = target;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			log_debug("descriptor limit stays %lu: setrlimit: %s",
			    (unsigned long)old, strerror(errno));
			return (long)old;
		}
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)LONG_MAX)
		rl.rlim_cur = (rlim_t)LONG_MAX;
	log_debug("descriptor limit %lu (was %lu)", (unsigned long)rl.rlim_cur,
	    (unsigned long)old);
	return (long)rl.rlim_cur;
}

/* The reserve's first descriptor, for a reserve of 1/div of the usual. */
static bool
fdlimit_in(int fd, int div)
{
	struct rlimit rl;
	rlim_t reserve;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 ||
	    rl.rlim_cur == RLIM_INFINITY)
		return false;
	reserve = rl.rlim_cur / 8 < FDLIMIT_RESERVE ? rl.rlim_cur / 8 :
	    FDLIMIT_RESERVE;
	reserve /= (rlim_t)div;
	return (rlim_t)fd + reserve >= rl.rlim_cur;
}

bool
fdlimit_reserved(int fd)
{
	return fdlimit_in(fd, 1);
}

bool
fdlimit_reserved_half(int fd)
{
	return fdlimit_in(fd, 2);
}
