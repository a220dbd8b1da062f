/* todoclient_int.h: the connection's insides, shared by the library's
 * files only. */
#ifndef TODOD_TODOCLIENT_INT_H
#define TODOD_TODOCLIENT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tc_buf {
	uint8_t	*p;
	size_t	 start;		/* first unconsumed byte */
	size_t	 end;		/* one past the last byte */
	size_t	 cap;
};

struct tc_conn {
	int		 fd;
	int		 timeout_ms;
	size_t		 max_reply;
	struct tc_buf	 in;
	struct tc_buf	 out;
	size_t		 consumed;	/* bytes of the frame returned last */
	bool		 eof;		/* the daemon closed its side */
	bool		 wdead;		/* writing failed with EPIPE */
	char		 reason[256];	/* Reason of the last {error, R} */
	char		 msg[512];	/* the last failure, as a sentence */
};

/* Record a failure and return status. */
int	tc_fail(struct tc_conn *, int status, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif /* TODOD_TODOCLIENT_INT_H */
