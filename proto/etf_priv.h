/* etf_priv.h: helpers shared by the ETF codec's files, not its users. */
#ifndef TODOD_ETF_PRIV_H
#define TODOD_ETF_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct etf_arena;

/* Number of code points of valid UTF-8 (RFC 3629), or -1. */
ssize_t	utf8_count(const void *, size_t);

/*
 * Inflate the zlib stream in[0..inlen) into out[0..size): ETF_OK if it is
 * exactly size bytes and ends the input, ETF_ETOOBIG if it is longer than
 * max, ETF_ETRUNC if it stops short of its end, ETF_ETRAIL if bytes follow
 * it, else ETF_EZLIB.
 */
int	etf_inflate(struct etf_arena *, const uint8_t *in, size_t inlen,
	    uint8_t *out, size_t size, size_t max);

#endif /* TODOD_ETF_PRIV_H */
