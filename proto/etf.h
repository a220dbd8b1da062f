/*
 * etf.h: Erlang External Term Format (ETF) terms, decoder and encoder.
 *
 * A decoded term is a tree of struct etf_term allocated in an arena; the
 * arena owns every node and every buffer made while decoding, and freeing
 * (or resetting) the arena frees the whole term at once.  Binaries and
 * atoms of a decoded term may point into the input buffer: keep the input
 * alive while the term is in use.
 *
 * The encoder writes into a growable byte buffer (struct etf_buf), either
 * piece by piece (etf_put_*: the fast path for replies, no tree built) or
 * from a tree (etf_put_term).  Output follows OTP's
 * term_to_binary(T, [{minor_version, 2}]): UTF-8 atoms, integers in their
 * smallest encoding, NEW_FLOAT_EXT, maps of up to 32 keys with their keys
 * in Erlang term order, no compression.
 *
 * Nothing here calls exit() or aborts: every failure is a return code.
 */
#ifndef TODOD_ETF_H
#define TODOD_ETF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETF_VERSION		131

/* Tags of the external format (erl_ext_dist). */
#define ETF_TAG_NEW_FLOAT	70
#define ETF_TAG_BIT_BINARY	77
#define ETF_TAG_COMPRESSED	80
#define ETF_TAG_SMALL_INTEGER	97
#define ETF_TAG_INTEGER		98
#define ETF_TAG_ATOM		100
#define ETF_TAG_SMALL_TUPLE	104
#define ETF_TAG_LARGE_TUPLE	105
#define ETF_TAG_NIL		106
#define ETF_TAG_STRING		107
#define ETF_TAG_LIST		108
#define ETF_TAG_BINARY		109
#define ETF_TAG_SMALL_BIG	110
#define ETF_TAG_LARGE_BIG	111
#define ETF_TAG_SMALL_ATOM	115
#define ETF_TAG_MAP		116
#define ETF_TAG_ATOM_UTF8	118
#define ETF_TAG_SMALL_ATOM_UTF8	119

/* Nesting deeper than this is refused by the decoder. */
#define ETF_MAX_DEPTH		256
/* Longest atom, in bytes of UTF-8 (255 characters of up to 4 bytes). */
#define ETF_MAX_ATOM_BYTES	1020

enum etf_type {
	ETF_INT,	/* signed 64-bit integer */
	ETF_BIGINT,	/* an integer outside signed 64 bits: kept, not
			   interpreted (no request accepts one) */
	ETF_FLOAT,
	ETF_ATOM,	/* UTF-8 text (latin-1 atoms are converted) */
	ETF_BINARY,
	ETF_LIST,	/* proper list; NIL is a list of 0 elements;
			   STRING_EXT decodes to a list of integers */
	ETF_TUPLE,
	ETF_MAP
};

struct etf_term {
	enum etf_type	type;
	union {
		int64_t		i;
		double		f;
		struct {
			const uint8_t	*mag;	/* little-endian magnitude, */
			size_t		 len;	/* no high zero bytes; > 8 */
			int		 neg;
		} big;
		struct {
			const char	*p;	/* NUL-terminated, len bytes */
			size_t		 len;
		} atom;
		struct {
			const uint8_t	*p;
			size_t		 len;
		} bin;
		struct {
			struct etf_term	*v;	/* n elements */
			size_t		 n;
		} seq;				/* ETF_LIST and ETF_TUPLE */
		struct {
			struct etf_term	*kv;	/* kv[2i] key, kv[2i+1] value */
			size_t		 n;	/* number of pairs */
			bool		 sorted;	/* keys in term order */
		} map;
	};
};

/* Decoder and encoder errors (negative). */
enum etf_err {
	ETF_OK = 0,
	ETF_ETRUNC = -1,	/* input ends inside a term */
	ETF_EVERSION = -2,	/* first byte is not 131 */
	ETF_ETAG = -3,		/* unknown or unsupported tag */
	ETF_EUTF8 = -4,		/* atom text is not valid UTF-8 */
	ETF_EDEPTH = -5,	/* nesting deeper than ETF_MAX_DEPTH */
	ETF_ERANGE = -6,	/* integer outside signed 64 bits */
	ETF_ETRAIL = -7,	/* bytes left after the term */
	ETF_ETOOBIG = -8,	/* inflated size above the caller's limit */
	ETF_EZLIB = -9,		/* compressed data is corrupt */
	ETF_ENOMEM = -10,
	ETF_EIMPROPER = -11,	/* improper list (tail is not NIL) */
	ETF_EATOM = -12,	/* atom longer than 255 characters */
	ETF_EDUPKEY = -13,	/* a map has the same key twice */
	ETF_EFLOAT = -14	/* float is not finite (NaN, infinity) */
};

const char	*etf_strerror(int err);

/* Arena: many small allocations freed together. */
struct etf_arena;
struct etf_arena *etf_arena_new(void);
void		 etf_arena_reset(struct etf_arena *);	/* keeps one block */
void		 etf_arena_free(struct etf_arena *);
void		*etf_arena_alloc(struct etf_arena *, size_t);	/* 8-aligned */
/* Bytes handed out since the arena was made or last reset. */
size_t		 etf_arena_bytes(const struct etf_arena *);

/*
 * Decode exactly one term from buf[0..len): version byte, one term,
 * nothing after it.  max_inflated bounds the inflated size of a compressed
 * term (tag 80); a compressed term whose announced or real size exceeds
 * it is ETF_ETOOBIG.  No allocation is made for a size that cannot fit in
 * the bytes that remain.  Returns ETF_OK and sets *out, or an etf_err.
 */
int		 etf_decode(struct etf_arena *, const uint8_t *buf, size_t len,
		    size_t max_inflated, const struct etf_term **out);

/*
 * The plain form of a compressed term, not decoded: buf[0..len) is a
 * version byte and a compressed term (tag 80); *out, in the arena, is set
 * to a version byte and the inflated term, *outlen to its length.
 * ETF_ETOOBIG if the term inflates to more than max bytes.  For a caller
 * that reads the term piece by piece: decoded whole, a term of 1-byte
 * elements takes a node of memory for each, many times its inflated size.
 */
int		 etf_inflate_term(struct etf_arena *, const uint8_t *buf,
		    size_t len, size_t max, const uint8_t **out,
		    size_t *outlen);

/*
 * Decode one term from the start of buf (no version byte, no compressed
 * term), for reading a stream of terms: ETF_OK with *out and *used (the
 * bytes it took), ETF_ETRUNC if buf ends before the term does (more
 * bytes may complete it), or another etf_err.
 */
int		 etf_decode_term(struct etf_arena *, const uint8_t *buf,
		    size_t len, const struct etf_term **out, size_t *used);

/* Term construction in an arena (for tests and for building trees). */
struct etf_term	*etf_mk_int(struct etf_arena *, int64_t);
struct etf_term	*etf_mk_float(struct etf_arena *, double);
struct etf_term	*etf_mk_atom(struct etf_arena *, const char *utf8);
struct etf_term	*etf_mk_binary(struct etf_arena *, const void *, size_t);
struct etf_term	*etf_mk_tuple(struct etf_arena *, size_t n);	/* elems zeroed */
struct etf_term	*etf_mk_list(struct etf_arena *, size_t n);
struct etf_term	*etf_mk_map(struct etf_arena *, size_t npairs);

/* Matching helpers. */
bool		 etf_is_atom(const struct etf_term *, const char *name);
bool		 etf_is_tuple(const struct etf_term *, size_t arity);
/* Value of the atom key `key` in a map, or NULL. */
const struct etf_term *etf_map_get(const struct etf_term *map, const char *key);
/* Erlang term order: <0, 0, >0.  Exact, as OTP orders map keys: every
 * integer before every float (1 < 1.0, and 2 < 1.0). */
int		 etf_compare(const struct etf_term *, const struct etf_term *);
bool		 etf_equal(const struct etf_term *, const struct etf_term *);

/* Growable output buffer. */
struct etf_buf {
	uint8_t	*p;
	size_t	 len;
	size_t	 cap;
	bool	 oom;		/* an allocation failed; contents are invalid */
};

void		 etf_buf_init(struct etf_buf *);
void		 etf_buf_reset(struct etf_buf *);	/* len = 0, keeps memory */
void		 etf_buf_free(struct etf_buf *);
/* Done with the contents: reset, and the memory freed if it grew past
 * keep bytes (a burst's buffer is not kept for good).  The bytes freed,
 * or 0. */
size_t		 etf_buf_done(struct etf_buf *, size_t keep);
int		 etf_buf_append(struct etf_buf *, const void *, size_t);

/* Piecewise encoder.  Errors are sticky in buf->oom, which is also set
 * for what Erlang cannot represent (a float that is not finite, an atom
 * that is not UTF-8 or longer than 255 characters); etf_buf_reset()
 * clears it. */
void		 etf_put_version(struct etf_buf *);
void		 etf_put_int(struct etf_buf *, int64_t);
void		 etf_put_float(struct etf_buf *, double);
void		 etf_put_atom(struct etf_buf *, const char *utf8);
void		 etf_put_atom_len(struct etf_buf *, const char *utf8, size_t);
void		 etf_put_binary(struct etf_buf *, const void *, size_t);
void		 etf_put_tuple(struct etf_buf *, uint32_t arity);
/* A list header for n > 0 elements; the caller then puts the n elements
 * and etf_put_nil() as the tail.  For an empty list use etf_put_nil(). */
void		 etf_put_list(struct etf_buf *, uint32_t n);
void		 etf_put_nil(struct etf_buf *);
/* A map header; the caller then puts npairs key, value pairs (keys in
 * Erlang term order to match OTP byte for byte). */
void		 etf_put_map(struct etf_buf *, uint32_t npairs);
/* Any tree; maps of up to 32 pairs get their keys in term order. */
void		 etf_put_term(struct etf_buf *, const struct etf_term *);
/* Version byte plus term. Returns ETF_OK or ETF_ENOMEM. */
int		 etf_encode(struct etf_buf *, const struct etf_term *);

/* UTF-8 validity (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
bool		 utf8_valid(const void *, size_t);
/* Its length once a last character that s holds only part of (a string
 * cut short) is taken off; s[0..len) ends with whole characters, if the
 * rest is valid. */
size_t		 utf8_whole_len(const void *s, size_t len);

#endif /* TODOD_ETF_H */
