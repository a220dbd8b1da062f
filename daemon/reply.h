/*
 * reply.h: encoders of the common reply shapes (version byte included).
 */
#ifndef TODOD_REPLY_H
#define TODOD_REPLY_H

#include <stdint.h>

struct etf_buf;

void	reply_atom(struct etf_buf *, const char *atom);
void	reply_error(struct etf_buf *, const char *reason);	/* {error, R} */
void	reply_ok_int(struct etf_buf *, int64_t);		/* {ok, N} */
/* A read's reply that could not be built for want of memory (the
 * entries of a large list, the lists) becomes {error, unavailable}, its
 * buffer freed first so that the small reply finds room: the client
 * still gets one reply per request, in order.  Logged, at most once a
 * while, naming the request (what).  1 if it was replaced. */
int	reply_unbuilt(struct etf_buf *, const char *what);
/* A request that the process has no memory to take (to make its frame
 * contiguous, or to decode it): b becomes {error, unavailable}, so that
 * the request is skipped, answered in its turn, and the connection goes
 * on.  Logged at most once a while with the frame's length. */
void	reply_untaken(struct etf_buf *, size_t len);

#endif /* TODOD_REPLY_H */
