/* outcheck.c: the standard output's write errors, told (outcheck.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outcheck.h"

int
out_flush_checked(const char *prog)
{
	int err;

	errno = 0;
	if (fflush(stdout) != EOF && !ferror(stdout))
		return 0;
	err = errno != 0 ? errno : EIO;
	fprintf(stderr, "%s: cannot write the output: %s\n", prog,
	    strerror(err));
	return -1;
}

void
out_exit(const char *prog)
{
	exit(out_flush_checked(prog) == 0 ? 0 : 1);
}
