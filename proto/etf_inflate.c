/*
 * etf_inflate.c: the zlib stream of a compressed term (tag 80), inflated
 * into memory of the announced size, with the real size checked against
 * it and against the caller's limit.  zlib's own state lives in the arena.
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "etf.h"
#include "etf_priv.h"

/* deflate cannot do better than 1032:1; a larger claim cannot be met. */
#define ZLIB_MAX_RATIO	1040

static void *
zalloc_arena(void *opaque, unsigned items, unsigned size)
{
	if (size != 0 && items > SIZE_MAX / size)
		return NULL;
	return etf_arena_alloc(opaque, (size_t)items * size);
}

static void
zfree_arena(void *opaque, void *p)
{
	/* Freed with the arena. */
}

/* The stream inflates past the announced size: is it past the limit too? */
static int
inflate_excess(z_stream *zs, size_t have, size_t max)
{
	uint8_t scratch[4096];
	int r;

	for (;;) {
		zs->next_out = scratch;
		zs->avail_out = sizeof(scratch);
		r = inflate(zs, Z_NO_FLUSH);
		have += sizeof(scratch) - zs->avail_out;
		if (have > max)
			return ETF_ETOOBIG;
		if (r == Z_STREAM_END)
			return ETF_EZLIB;	/* real size != announced */
		if (r == Z_BUF_ERROR && zs->avail_in == 0)
			return ETF_ETRUNC;
		if (r != Z_OK)
			return ETF_EZLIB;
	}
}

/*
 * Inflate the zlib stream in[0..inlen) into out[0..size): ETF_OK if it is
 * exactly size bytes and ends the input, ETF_ETOOBIG if it is longer than
 * max, ETF_ETRUNC if it stops short of its end, ETF_ETRAIL if bytes follow
 * it, else ETF_EZLIB.
 */
static int
etf_inflate(struct etf_arena *a, const uint8_t *in, size_t inlen,
    uint8_t *out, size_t size, size_t max)
{
	z_stream zs;
	int r, rc;

	memset(&zs, 0, sizeof(zs));
	zs.zalloc = zalloc_arena;
	zs.zfree = zfree_arena;
	zs.opaque = a;
	if (inlen > UINT_MAX || size > UINT_MAX)
		return ETF_ETOOBIG;
	if (inflateInit(&zs) != Z_OK)
		return ETF_ENOMEM;
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)inlen;
	zs.next_out = out;
	zs.avail_out = (uInt)size;
	r = inflate(&zs, Z_FINISH);
	if (r == Z_STREAM_END) {
		if (zs.avail_out != 0)
			rc = ETF_EZLIB;
		else if (zs.avail_in != 0)
			rc = ETF_ETRAIL;
		else
			rc = ETF_OK;
	} else if (r == Z_MEM_ERROR)
		rc = ETF_ENOMEM;
	else if ((r == Z_BUF_ERROR || r == Z_OK) && zs.avail_out == 0)
		rc = inflate_excess(&zs, size, max);
	else if (r == Z_BUF_ERROR && zs.avail_in == 0)
		rc = ETF_ETRUNC;
	else
		rc = ETF_EZLIB;
	inflateEnd(&zs);
	return rc;
}

int
etf_inflate_body(struct etf_arena *a, const uint8_t *p, size_t len,
    size_t max, size_t lead, uint8_t **out, size_t *size)
{
	uint8_t *buf;
	size_t n;
	int rc;

	*out = NULL;
	*size = 0;
	if (len < 4)
		return ETF_ETRUNC;
	n = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
	p += 4;
	len -= 4;
	if (n > max || n > SIZE_MAX - lead)
		return ETF_ETOOBIG;
	if (n == 0)
		return ETF_EZLIB;
	/* More than the bytes that remain can inflate to: truncated. */
	if (n / ZLIB_MAX_RATIO > len)
		return ETF_ETRUNC;
	if ((buf = etf_arena_alloc(a, lead + n)) == NULL)
		return ETF_ENOMEM;
	if ((rc = etf_inflate(a, p, len, buf + lead, n, max)) != ETF_OK)
		return rc;
	*out = buf;
	*size = n;
	return ETF_OK;
}

int
etf_inflate_term(struct etf_arena *a, const uint8_t *buf, size_t len,
    size_t max, const uint8_t **out, size_t *outlen)
{
	uint8_t *plain;
	size_t size;
	int rc;

	*out = NULL;
	*outlen = 0;
	if ((rc = etf_version_ok(buf, len)) != ETF_OK)
		return rc;
	if (buf[1] != ETF_TAG_COMPRESSED)
		return ETF_ETAG;
	if ((rc = etf_inflate_body(a, buf + 2, len - 2, max, 1, &plain,
	    &size)) != ETF_OK)
		return rc;
	plain[0] = ETF_VERSION;
	*out = plain;
	*outlen = size + 1;
	return ETF_OK;
}
