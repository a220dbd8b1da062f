/* etf_priv.h: helpers shared by the ETF codec's files, not its users. */
#ifndef TODOD_ETF_PRIV_H
#define TODOD_ETF_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "etf.h"

struct etf_arena;

/* deflate cannot do better than 1032:1; a larger claim cannot be met. */
#define ZLIB_MAX_RATIO	1040

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

/* etf_compare(), with the common keys of maps (atoms, integers) done
 * inline. */
static inline int
etf_key_cmp(const struct etf_term *a, const struct etf_term *b)
{
	size_t n;
	int c;

	if (a->type == ETF_ATOM && b->type == ETF_ATOM) {
		n = a->atom.len < b->atom.len ? a->atom.len : b->atom.len;
		if (n > 0 && a->atom.p[0] != b->atom.p[0])
			return (uint8_t)a->atom.p[0] < (uint8_t)b->atom.p[0] ?
			    -1 : 1;
		if ((c = memcmp(a->atom.p, b->atom.p, n)) != 0)
			return c < 0 ? -1 : 1;
		return a->atom.len < b->atom.len ? -1 :
		    a->atom.len > b->atom.len;
	}
	if (a->type == ETF_INT && b->type == ETF_INT)
		return a->i < b->i ? -1 : a->i > b->i;
	return etf_compare(a, b);
}

#endif /* TODOD_ETF_PRIV_H */
