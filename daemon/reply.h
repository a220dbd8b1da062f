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

#endif /* TODOD_REPLY_H */
