/*
 * notify.h: the service manager's readiness protocol (sd_notify(3))
 * without libsystemd.
 *
 * Messages go as one datagram to the AF_UNIX address in $NOTIFY_SOCKET: a
 * path (starting with '/') or an abstract name (starting with '@').
 * Without $NOTIFY_SOCKET every call does nothing.
 */
#ifndef TODOD_NOTIFY_H
#define TODOD_NOTIFY_H

#include <stdint.h>

/*
 * Send msg (e.g. "READY=1", "STOPPING=1", "STATUS=serving"), without
 * waiting.  Returns 1 if sent, 0 if $NOTIFY_SOCKET is unset or empty, -1
 * on error (errno set; EAGAIN if the receiver's queue is full,
 * EAFNOSUPPORT for an address that is neither a path nor abstract).
 */
int	notify_send(const char *msg);

/* "READY=1", "STOPPING=1" and "STATUS=" plus the formatted text. */
int	notify_ready(void);
int	notify_stopping(void);
/* "EXTEND_TIMEOUT_USEC=": the service manager waits usec more for the
 * state under way (a stop here) before it gives up on the service,
 * unless another such message comes first. */
int	notify_extend_timeout(uint64_t usec);
int	notify_status(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

#endif /* TODOD_NOTIFY_H */
