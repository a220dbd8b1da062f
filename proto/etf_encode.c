/*
 * etf_encode.c: External Term Format encoder, byte for byte what OTP's
 * term_to_binary(T, [{minor_version, 2}]) writes.
 *
 * Errors are sticky: once buf->oom is set, nothing more is written.  Besides
 * a failed allocation, a term Erlang cannot represent (a float that is not
 * finite, an atom that is not UTF-8 or is longer than 255 characters, a
 * binary or list of 2^32 elements or more) sets it too, so invalid bytes
 * never leave.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "etf.h"
#include "etf_priv.h"

#define BUF_MIN		256
#define SORT_MAX	32	/* OTP sorts the keys of maps up to this size */
#define PUT_MAX_DEPTH	10000	/* bounds recursion over caller-built trees */

void
etf_buf_init(struct etf_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
etf_buf_reset(struct etf_buf *b)
{
	b->len = 0;
	b->oom = false;
}

void
etf_buf_free(struct etf_buf *b)
{
	free(b->p);
	etf_buf_init(b);
}

size_t
etf_buf_done(struct etf_buf *b, size_t keep)
{
	size_t cap = b->cap;

	if (cap <= keep) {
		etf_buf_reset(b);
		return 0;
	}
	etf_buf_free(b);
	return cap;
}

static uint8_t *
grow(struct etf_buf *b, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (b->oom)
		return NULL;
	if (n > SIZE_MAX / 2 - b->len) {
		b->oom = true;
		return NULL;
	}
	cap = b->cap < BUF_MIN ? BUF_MIN : b->cap;
	while (cap - b->len < n)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->oom = true;
		return NULL;
	}
	b->p = p;
	b->cap = cap;
	return p + b->len;
}

/* Room for n more bytes, or NULL (and oom set). */
static inline uint8_t *
room(struct etf_buf *b, size_t n)
{
	if (!b->oom && b->cap - b->len >= n)
		return b->p + b->len;
	return grow(b, n);
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int
etf_buf_append(struct etf_buf *b, const void *data, size_t len)
{
	uint8_t *p;

	if (len == 0)
		return b->oom ? ETF_ENOMEM : ETF_OK;
	if ((p = room(b, len)) == NULL)
		return ETF_ENOMEM;
	memcpy(p, data, len);
	b->len += len;
	return ETF_OK;
}

static inline void
put_tag32(struct etf_buf *b, uint8_t tag, uint32_t n)
{
	uint8_t *p;

	if ((p = room(b, 5)) == NULL)
		return;
	p[0] = tag;
	put32(p + 1, n);
	b->len += 5;
}

static inline void
put_tag8(struct etf_buf *b, uint8_t tag, uint8_t n)
{
	uint8_t *p;

	if ((p = room(b, 2)) == NULL)
		return;
	p[0] = tag;
	p[1] = n;
	b->len += 2;
}

void
etf_put_version(struct etf_buf *b)
{
	uint8_t *p;

	if ((p = room(b, 1)) == NULL)
		return;
	*p = ETF_VERSION;
	b->len++;
}

static inline void
put_int(struct etf_buf *b, int64_t v)
{
	uint64_t mag;
	uint8_t *p;
	int n;

	if (v >= 0 && v <= 255) {
		put_tag8(b, ETF_TAG_SMALL_INTEGER, (uint8_t)v);
		return;
	}
	if (v >= INT32_MIN && v <= INT32_MAX) {
		put_tag32(b, ETF_TAG_INTEGER, (uint32_t)v);
		return;
	}
	mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
	if ((p = room(b, 3 + 8)) == NULL)
		return;
	p[0] = ETF_TAG_SMALL_BIG;
	p[2] = v < 0;
	for (n = 0; mag != 0; n++, mag >>= 8)
		p[3 + n] = (uint8_t)mag;
	p[1] = (uint8_t)n;
	b->len += 3 + n;
}

void
etf_put_int(struct etf_buf *b, int64_t v)
{
	put_int(b, v);
}

void
etf_put_float(struct etf_buf *b, double f)
{
	uint64_t u;
	uint8_t *p;

	if (!isfinite(f)) {
		b->oom = true;
		return;
	}
	if ((p = room(b, 9)) == NULL)
		return;
	memcpy(&u, &f, sizeof(u));
	p[0] = ETF_TAG_NEW_FLOAT;
	put32(p + 1, (uint32_t)(u >> 32));
	put32(p + 5, (uint32_t)u);
	b->len += 9;
}

/* Atom text Erlang accepts: UTF-8 of at most 255 characters. */
static inline bool
atom_ok(const char *s, size_t len)
{
	const uint8_t *u = (const uint8_t *)s;
	uint64_t w, high = 0;
	uint32_t h;
	ssize_t chars;
	size_t i;

	if (len <= 255) {
		/* Plain ASCII (nearly every atom) needs no decoding. */
		if (len >= 8) {
			for (i = 0; i + 8 <= len; i += 8) {
				memcpy(&w, u + i, 8);
				high |= w;
			}
			memcpy(&w, u + len - 8, 8);
			high |= w;
		} else if (len >= 4) {
			memcpy(&h, u, 4);
			high = h;
			memcpy(&h, u + len - 4, 4);
			high |= h;
		} else
			for (i = 0; i < len; i++)
				high |= u[i];
		if ((high & UINT64_C(0x8080808080808080)) == 0)
			return true;
	} else if (len > ETF_MAX_ATOM_BYTES)
		return false;
	chars = utf8_count(s, len);
	return chars >= 0 && chars <= 255;
}

static inline void
put_atom(struct etf_buf *b, const char *s, size_t len)
{
	uint8_t *p;

	if (!atom_ok(s, len)) {
		b->oom = true;
		return;
	}
	if ((p = room(b, 3 + len)) == NULL)
		return;
	if (len < 256) {
		p[0] = ETF_TAG_SMALL_ATOM_UTF8;
		p[1] = (uint8_t)len;
		p += 2;
		b->len += 2;
	} else {
		p[0] = ETF_TAG_ATOM_UTF8;
		p[1] = (uint8_t)(len >> 8);
		p[2] = (uint8_t)len;
		p += 3;
		b->len += 3;
	}
	memcpy(p, s, len);
	b->len += len;
}

void
etf_put_atom_len(struct etf_buf *b, const char *s, size_t len)
{
	put_atom(b, s, len);
}

void
etf_put_atom(struct etf_buf *b, const char *s)
{
	etf_put_atom_len(b, s, strlen(s));
}

static inline void
put_binary(struct etf_buf *b, const void *data, size_t len)
{
	uint8_t *p;

	if (len > UINT32_MAX) {
		b->oom = true;
		return;
	}
	if ((p = room(b, 5 + len)) == NULL)
		return;
	p[0] = ETF_TAG_BINARY;
	put32(p + 1, (uint32_t)len);
	if (len > 0)
		memcpy(p + 5, data, len);
	b->len += 5 + len;
}

void
etf_put_binary(struct etf_buf *b, const void *data, size_t len)
{
	put_binary(b, data, len);
}

void
etf_put_tuple(struct etf_buf *b, uint32_t arity)
{
	if (arity < 256)
		put_tag8(b, ETF_TAG_SMALL_TUPLE, (uint8_t)arity);
	else
		put_tag32(b, ETF_TAG_LARGE_TUPLE, arity);
}

void
etf_put_list(struct etf_buf *b, uint32_t n)
{
	put_tag32(b, ETF_TAG_LIST, n);
}

void
etf_put_nil(struct etf_buf *b)
{
	uint8_t *p;

	if ((p = room(b, 1)) == NULL)
		return;
	*p = ETF_TAG_NIL;
	b->len++;
}

void
etf_put_map(struct etf_buf *b, uint32_t npairs)
{
	put_tag32(b, ETF_TAG_MAP, npairs);
}

static void	put_container(struct etf_buf *, const struct etf_term *, int);

/* SMALL_BIG_EXT or LARGE_BIG_EXT of a decoded out-of-range integer. */
static void
put_bigint(struct etf_buf *b, const struct etf_term *t)
{
	uint8_t hdr[6];
	size_t n = t->big.len;

	if (n <= 255) {
		hdr[0] = ETF_TAG_SMALL_BIG;
		hdr[1] = (uint8_t)n;
		hdr[2] = t->big.neg ? 1 : 0;
		etf_buf_append(b, hdr, 3);
	} else if (n <= UINT32_MAX) {
		hdr[0] = ETF_TAG_LARGE_BIG;
		hdr[1] = (uint8_t)(n >> 24);
		hdr[2] = (uint8_t)(n >> 16);
		hdr[3] = (uint8_t)(n >> 8);
		hdr[4] = (uint8_t)n;
		hdr[5] = t->big.neg ? 1 : 0;
		etf_buf_append(b, hdr, 6);
	} else {
		b->oom = true;
		return;
	}
	etf_buf_append(b, t->big.mag, n);
}

/* Leaves inline, containers by a call: a call per container only. */
static inline void
put_any(struct etf_buf *b, const struct etf_term *t, int depth)
{
	switch (t->type) {
	case ETF_INT:
		put_int(b, t->i);
		break;
	case ETF_ATOM:
		put_atom(b, t->atom.p, t->atom.len);
		break;
	case ETF_BINARY:
		put_binary(b, t->bin.p, t->bin.len);
		break;
	case ETF_FLOAT:
		etf_put_float(b, t->f);
		break;
	case ETF_BIGINT:
		put_bigint(b, t);
		break;
	default:
		put_container(b, t, depth);
		break;
	}
}

/* OTP writes a list of 1..65535 integers 0..255 as STRING_EXT. */
static bool
is_string(const struct etf_term *t)
{
	size_t i;

	if (t->seq.n > 65535)
		return false;
	for (i = 0; i < t->seq.n; i++)
		if (t->seq.v[i].type != ETF_INT || t->seq.v[i].i < 0 ||
		    t->seq.v[i].i > 255)
			return false;
	return true;
}

static void
put_list(struct etf_buf *b, const struct etf_term *t, int depth)
{
	size_t i;
	uint8_t *p;

	if (t->seq.n == 0) {
		etf_put_nil(b);
		return;
	}
	if (is_string(t)) {
		if ((p = room(b, 3 + t->seq.n)) == NULL)
			return;
		p[0] = ETF_TAG_STRING;
		p[1] = (uint8_t)(t->seq.n >> 8);
		p[2] = (uint8_t)t->seq.n;
		for (i = 0; i < t->seq.n; i++)
			p[3 + i] = (uint8_t)t->seq.v[i].i;
		b->len += 3 + t->seq.n;
		return;
	}
	if (t->seq.n > UINT32_MAX) {
		b->oom = true;
		return;
	}
	etf_put_list(b, (uint32_t)t->seq.n);
	for (i = 0; i < t->seq.n; i++)
		put_any(b, &t->seq.v[i], depth + 1);
	etf_put_nil(b);
}

static void
put_map(struct etf_buf *b, const struct etf_term *t, int depth)
{
	const struct etf_term *k[SORT_MAX], *x;
	size_t i, j, n = t->map.n;

	if (n > UINT32_MAX) {
		b->oom = true;
		return;
	}
	etf_put_map(b, (uint32_t)n);
	if (n > SORT_MAX || t->map.sorted) {
		for (i = 0; i < 2 * n; i++)
			put_any(b, &t->map.kv[i], depth + 1);
		return;
	}
	/* Insertion sort of the keys: small n, often sorted already. */
	for (i = 0; i < n; i++) {
		x = &t->map.kv[2 * i];
		for (j = i; j > 0 && etf_key_cmp(k[j - 1], x) > 0; j--)
			k[j] = k[j - 1];
		k[j] = x;
	}
	for (i = 0; i < n; i++) {
		put_any(b, k[i], depth + 1);
		put_any(b, k[i] + 1, depth + 1);
	}
}

static void
put_container(struct etf_buf *b, const struct etf_term *t, int depth)
{
	size_t i;

	if (b->oom)
		return;
	if (depth > PUT_MAX_DEPTH) {
		b->oom = true;
		return;
	}
	switch (t->type) {
	case ETF_TUPLE:
		if (t->seq.n > UINT32_MAX) {
			b->oom = true;
			return;
		}
		etf_put_tuple(b, (uint32_t)t->seq.n);
		for (i = 0; i < t->seq.n; i++)
			put_any(b, &t->seq.v[i], depth + 1);
		break;
	case ETF_LIST:
		put_list(b, t, depth);
		break;
	case ETF_MAP:
		put_map(b, t, depth);
		break;
	default:
		b->oom = true;
		break;
	}
}

void
etf_put_term(struct etf_buf *b, const struct etf_term *t)
{
	put_any(b, t, 0);
}

int
etf_encode(struct etf_buf *b, const struct etf_term *t)
{
	etf_put_version(b);
	put_any(b, t, 0);
	return b->oom ? ETF_ENOMEM : ETF_OK;
}
