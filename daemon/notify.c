/*
 * notify.c: sd_notify(3) messages to $NOTIFY_SOCKET (see notify.h).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify.h"

/* Fill sun from $NOTIFY_SOCKET; returns the address length or -1. */
static int
notify_addr(const char *s, struct sockaddr_un *sun, socklen_t *len)
{
	size_t n = strlen(s);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (s[0] != '/' && s[0] != '@') {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (n >= sizeof(sun->sun_path) || (s[0] == '@' && n < 2)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(sun->sun_path, s, n);
	if (s[0] == '@') {
		sun->sun_path[0] = '\0';
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    n + 1);
	return 0;
}

int
notify_send(const char *msg)
{
	struct sockaddr_un sun;
	socklen_t len;
	const char *s;
	ssize_t r;
	int fd, saved;

	if ((s = getenv("NOTIFY_SOCKET")) == NULL || *s == '\0')
		return 0;
	if (notify_addr(s, &sun, &len) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	/* Never wait for the service manager: a message its full queue
	 * cannot take is dropped (EAGAIN). */
	r = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT,
	    (struct sockaddr *)&sun, len);
	saved = errno;
	close(fd);
	if (r == -1) {
		errno = saved;
		return -1;
	}
	return 1;
}

int
notify_ready(void)
{
	return notify_send("READY=1");
}

int
notify_stopping(void)
{
	return notify_send("STOPPING=1");
}

int
notify_extend_timeout(uint64_t usec)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "EXTEND_TIMEOUT_USEC=%llu",
	    (unsigned long long)usec);
	return notify_send(buf);
}

int
notify_status(const char *fmt, ...)
{
	char buf[512], *p;
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "STATUS=");
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One line: a newline would start another field. */
	for (p = buf; (p = strchr(p, '\n')) != NULL; p++)
		*p = ' ';
	return notify_send(buf);
}
