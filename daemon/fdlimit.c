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
