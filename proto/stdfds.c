/* stdfds.c: standard descriptors held open (see stdfds.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "stdfds.h"

int
stdfds_hold(void)
{
	int fd, got;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		/* The lowest free number: fd, those below it being open. */
		got = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
		if (got == -1)
			return -1;
		if (got != fd) {
			close(got);
			errno = EBADF;
			return -1;
		}
	}
	return 0;
}
