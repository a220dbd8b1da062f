/* etf_priv.h: helpers shared by the ETF codec's files, not its users. */
#ifndef TODOD_ETF_PRIV_H
#define TODOD_ETF_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "etf.h"

struct etf_arena;

/* buf[0..len) begins with the version byte and a byte after it: ETF_OK,
 * or ETF_ETRUNC or ETF_EVERSION. */
static inline int
etf_version_ok(const uint8_t *buf, size_t len)
{
	if (len < 1)
		return ETF_ETRUNC;
	if (buf[0] != ETF_VERSION)
		return ETF_EVERSION;
	return len < 2 ? ETF_ETRUNC : ETF_OK;
}

/* Number of code points of valid UTF-8 (RFC 3629), or -1. */
ssize_t	utf8_count(const void *, size_t);

/*
 * The body of a compressed term (tag 80), p[0..len): a 4-byte size, then
 * a zlib stream that must be exactly that size, at most max, and end the
 * input.  Inflated into the arena after `lead` bytes left for the
 * caller: *out is the start of those, *size the inflated size.  ETF_OK,
 * ETF_ETOOBIG, ETF_ETRUNC, ETF_ETRAIL, ETF_EZLIB or ETF_ENOMEM.
 */
int	etf_inflate_body(struct etf_arena *, const uint8_t *p, size_t len,
	    size_t max, size_t lead, uint8_t **out, size_t *size);

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
