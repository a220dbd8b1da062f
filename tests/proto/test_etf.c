/*
 * test_etf.c: the ETF codec: every tag both ways, Erlang's term order,
 * the piecewise encoder, and hostile input.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "etf.h"
#include "testutil.h"
#include "../ckrun.h"

#define BIG_LIMIT	(1 << 20)

/* Valid input: bytes (hex, with the version byte) and the term. */
static const struct {
	const char	*hex;
	const char	*term;
	bool		 canonical;	/* our encoding gives the same bytes */
} good[] = {
	{ "836100", "i0", true },
	{ "8361ff", "i255", true },
	{ "836200000100", "i256", true },
	{ "8362ffffffff", "i-1", true },
	{ "8362ffffff00", "i-256", true },
	{ "83627fffffff", "i2147483647", true },
	{ "836280000000", "i-2147483648", true },
	{ "836e040000000080", "i2147483648", true },
	{ "836e040101000080", "i-2147483649", true },
	{ "836e050000000000" "01", "i4294967296", true },
	{ "836e0800ffffffffffffff7f", "i9223372036854775807", true },
	{ "836e08010000000000000080", "i-9223372036854775808", true },
	{ "836e0900010000000000000000", "i1", false },
	{ "836e0101ff", "i-255", false },
	{ "836e0000", "i0", false },
	{ "836f000000010005", "i5", false },
	{ "836f00000008010000000000000080", "i-9223372036854775808", false },
	{ "83463ff0000000000000", "f3ff0000000000000", true },
	{ "8346c00921fb54442d18", "fc00921fb54442d18", true },
	{ "83460000000000000000", "f0000000000000000", true },
	{ "83468000000000000000", "f8000000000000000", true },
	/* #{-0.0 => 1, 0.0 => 2}: two keys since OTP 27. */
	{ "837400000002" "46800000000000000061" "01" "46000000000000000061"
	  "02", "m2 f8000000000000000 i1 f0000000000000000 i2", true },
	{ "837701" "61", "a61", true },
	{ "837700", "a", true },
	{ "8364000161", "a61", false },
	{ "83730161", "a61", false },
	{ "837301e9", "ac3a9", false },
	{ "83640002e9ff", "ac3a9c3bf", false },
	{ "83760002c3a9", "ac3a9", false },
	{ "837704f09f9880", "af09f9880", true },
	{ "836d00000003616263", "b616263", true },
	{ "836d00000000", "b", true },
	/* BIT_BINARY_EXT with every bit of its last byte, or empty: a
	 * binary. */
	{ "834d00000003" "08" "616263", "b616263", false },
	{ "834d00000000" "00", "b", false },
	{ "8368026101" "6102", "t2 i1 i2", true },
	{ "836800", "t0", true },
	{ "8369000000016101", "t1 i1", false },
	{ "836a", "l0", true },
	{ "836b0003010203", "l3 i1 i2 i3", true },
	{ "836b0000", "l0", false },
	{ "836c0000000261016102" "6a", "l2 i1 i2", false },
	{ "836c00000002620000010061016a", "l2 i256 i1", true },
	{ "836c000000017701616a", "l1 a61", true },
	{ "836c0000000161016c0000000161026a", "l2 i1 i2", false },
	{ "836c0000000161016b000102", "l2 i1 i2", false },
	{ "836c0000000161016a", "l1 i1", false },
	{ "836c000000006b000101", "l1 i1", false },
	{ "836c000000006a", "l0", false },
	{ "836c00000000" "6c00000000" "6c000000016101" "6a", "l1 i1", false },
	{ "836c000000016101" "6c000000016102" "6c000000016103" "6a",
	  "l3 i1 i2 i3", false },
	{ "836c000000016101" "6c00000000" "6c000000016102" "6b00020103",
	  "l4 i1 i2 i1 i3", false },
	{ "837400000000", "m0", true },
	{ "83740000000177016161" "01", "m1 a61 i1", true },
	{ "8374000000027701626101770161" "6102", "m2 a61 i2 a62 i1", false },
	{ "837400000002770161610277016261" "01", "m2 a62 i1 a61 i2", true },
	{ "8374000000026102770162463ff0000000000000770161",
	  "m2 f3ff0000000000000 a61 i2 a62", true },
	{ "83680277016c6c0000000168016a6a", "t2 a6c l1 t1 l0", true },
	/* Repeated atoms (the decoder caches them): same bytes, other text. */
	{ "836802" "640002c3a9" "7702c3a9", "t2 ac383c2a9 ac3a9", false },
	{ "836802" "7702c3a9" "640002c3a9", "t2 ac3a9 ac383c2a9", false },
	{ "836802" "7302c3a9" "7702c3a9", "t2 ac383c2a9 ac3a9", false },
	{ "836803" "6400016" "1" "770161" "730161", "t3 a61 a61 a61", false },
	{ "836803" "77056162636465" "77056178636465" "77056162636465",
	  "t3 a6162636465 a6178636465 a6162636465", true },
};

/* Hostile or unsupported input and the error. */
static const struct {
	const char	*hex;
	int		 err;
} bad[] = {
	{ "", ETF_ETRUNC },
	{ "83", ETF_ETRUNC },
	{ "826100", ETF_EVERSION },
	{ "006100", ETF_EVERSION },
	{ "8361", ETF_ETRUNC },
	{ "836200", ETF_ETRUNC },
	{ "83610000", ETF_ETRAIL },
	{ "836a6a", ETF_ETRAIL },
	{ "8358", ETF_ETAG },			/* NEW_PID_EXT */
	{ "8367", ETF_ETAG },			/* PID_EXT */
	{ "835a", ETF_ETAG },			/* NEWER_REFERENCE_EXT */
	{ "8372", ETF_ETAG },			/* NEW_REFERENCE_EXT */
	{ "8365", ETF_ETAG },			/* REFERENCE_EXT */
	{ "8370", ETF_ETAG },			/* NEW_FUN_EXT */
	{ "8375", ETF_ETAG },			/* FUN_EXT */
	{ "8371", ETF_ETAG },			/* EXPORT_EXT */
	{ "8359", ETF_ETAG },			/* NEW_PORT_EXT */
	{ "8366", ETF_ETAG },			/* PORT_EXT */
	{ "8378", ETF_ETAG },			/* V4_PORT_EXT */
	{ "834d0000000101ff", ETF_ETAG },	/* BIT_BINARY_EXT: a bitstring */
	{ "834d0000000107ff", ETF_ETAG },
	{ "834d0000000100ff", ETF_ETAG },
	{ "834d0000000109ff", ETF_ETAG },
	{ "834d0000000008", ETF_ETAG },		/* no byte, 8 bits */
	{ "834d0000000001", ETF_ETAG },
	{ "834d000000010061", ETF_ETAG },	/* a byte, no bit */
	{ "834d000000020861", ETF_ETRUNC },
	{ "834d00000001", ETF_ETRUNC },
	{ "8363", ETF_ETAG },			/* FLOAT_EXT */
	{ "8344", ETF_ETAG },			/* atom cache ref */
	{ "8300", ETF_ETAG },
	{ "83ff", ETF_ETAG },
	{ "836801" "50000000016100", ETF_ETAG },	/* nested compression */
	{ "836c000000016101" "6102", ETF_EIMPROPER },
	{ "836c000000016101" "6d00000000", ETF_EIMPROPER },
	{ "836c000000016101" "6c000000016102" "6103", ETF_EIMPROPER },
	{ "836c000000016101" "6c000000016102", ETF_ETRUNC },
	{ "836c000000016101", ETF_ETRUNC },
	{ "836e0400000000", ETF_ETRUNC },
	{ "836eff00", ETF_ETRUNC },
	{ "836fffffffff00", ETF_ETRUNC },
	{ "83467ff8000000000000", ETF_EFLOAT },
	{ "83467ff0000000000000", ETF_EFLOAT },
	{ "8346fff0000000000000", ETF_EFLOAT },
	{ "83463ff00000", ETF_ETRUNC },
	{ "837702c080", ETF_EUTF8 },		/* overlong NUL */
	{ "837702c1bf", ETF_EUTF8 },		/* overlong */
	{ "837703e08080", ETF_EUTF8 },		/* overlong 3 bytes */
	{ "837704f0808080", ETF_EUTF8 },	/* overlong 4 bytes */
	{ "837703eda080", ETF_EUTF8 },		/* surrogate D800 */
	{ "837703edbfbf", ETF_EUTF8 },		/* surrogate DFFF */
	{ "837704f4908080", ETF_EUTF8 },	/* U+110000 */
	{ "837704f5808080", ETF_EUTF8 },
	{ "837702e282", ETF_EUTF8 },		/* truncated sequence */
	{ "837701c3", ETF_EUTF8 },
	{ "83770180", ETF_EUTF8 },		/* lone continuation */
	{ "836803" "7702c3a9" "640002c3a9" "7702c3c3", ETF_EUTF8 },
	{ "836802" "640002c3a9" "7702a9c3", ETF_EUTF8 },
	{ "837705f888808080", ETF_EUTF8 },	/* 5-byte form */
	{ "837701ff", ETF_EUTF8 },
	{ "83760002c328", ETF_EUTF8 },
	{ "837705616263", ETF_ETRUNC },
	{ "8376ffff61", ETF_ETRUNC },
	{ "8364ffff61", ETF_ETRUNC },
	{ "8368ff", ETF_ETRUNC },
	{ "8368ff6101", ETF_ETRUNC },
	{ "8369ffffffff", ETF_ETRUNC },
	{ "8374ffffffff", ETF_ETRUNC },
	{ "837400000001" "6101", ETF_ETRUNC },
	{ "836dffffffff", ETF_ETRUNC },
	{ "836d0000000561", ETF_ETRUNC },
	{ "836cffffffff", ETF_ETRUNC },
	{ "836cffffffff6a", ETF_ETRUNC },
	{ "836bffff", ETF_ETRUNC },
	{ "836b000561", ETF_ETRUNC },
	{ "837400000002" "770161" "6101" "770161" "6102", ETF_EDUPKEY },
	{ "837400000002" "46800000000000000061" "01" "46800000000000000061"
	  "02", ETF_EDUPKEY },
	{ "837400000002" "6101" "6101" "8e0161" "6102", ETF_ETAG },
	{ "837400000002" "6101" "6101" "62010000", ETF_ETRUNC },
	{ "83740000000101026101", ETF_ETAG },
};

static struct etf_arena *arena;

static void
setup(void)
{
	arena = etf_arena_new();
	ck_assert_ptr_nonnull(arena);
}

static void
teardown(void)
{
	etf_arena_free(arena);
	arena = NULL;
}

/* Decode hex; the bytes live in the arena, as long as the term. */
static int
decode_hex(const char *hex, const struct etf_term **t)
{
	uint8_t *b, *keep;
	long n;

	n = hex_decode(hex, &b);
	ck_assert_int_ge(n, 0);
	keep = etf_arena_alloc(arena, (size_t)n);
	ck_assert_ptr_nonnull(keep);
	memcpy(keep, b, (size_t)n);
	free(b);
	return etf_decode(arena, keep, (size_t)n, BIG_LIMIT, t);
}

static char *
encode_hex(const struct etf_term *t)
{
	struct etf_buf b;
	char *s;

	etf_buf_init(&b);
	ck_assert_int_eq(etf_encode(&b, t), ETF_OK);
	s = hex_encode(b.p, b.len);
	etf_buf_free(&b);
	return s;
}

START_TEST(test_good_decode)
{
	const struct etf_term *t, *want;
	char *got, *w;

	want = note_parse(arena, good[_i].term);
	ck_assert_ptr_nonnull(want);
	ck_assert_msg(decode_hex(good[_i].hex, &t) == ETF_OK, "%s: %s",
	    good[_i].hex, etf_strerror(decode_hex(good[_i].hex, &t)));
	got = note_format(t);
	w = note_format(want);
	ck_assert_msg(etf_equal(t, want), "%s: got %s want %s",
	    good[_i].hex, got, w);
	free(got);
	free(w);
}
END_TEST

START_TEST(test_good_encode)
{
	const struct etf_term *t, *again;
	char *hex;

	t = note_parse(arena, good[_i].term);
	ck_assert_ptr_nonnull(t);
	hex = encode_hex(t);
	if (good[_i].canonical)
		ck_assert_str_eq(hex, good[_i].hex);
	ck_assert_int_eq(decode_hex(hex, &again), ETF_OK);
	ck_assert(etf_equal(t, again));
	free(hex);
}
END_TEST

START_TEST(test_bad)
{
	const struct etf_term *t = (const void *)1;
	int rc;

	rc = decode_hex(bad[_i].hex, &t);
	ck_assert_msg(rc == bad[_i].err, "%s: got %d (%s) want %d (%s)",
	    bad[_i].hex, rc, etf_strerror(rc), bad[_i].err,
	    etf_strerror(bad[_i].err));
	ck_assert_ptr_null(t);
	ck_assert_str_ne(etf_strerror(rc), "unknown error");
}
END_TEST

/* Every proper prefix of a valid term is a truncated term. */
START_TEST(test_truncated)
{
	const struct etf_term *t;
	uint8_t *b;
	long n, i;
	int rc;

	n = hex_decode(good[_i].hex, &b);
	for (i = 0; i < n; i++) {
		rc = etf_decode(arena, b, (size_t)i, BIG_LIMIT, &t);
		ck_assert_msg(rc == ETF_ETRUNC, "%s cut at %ld: %s",
		    good[_i].hex, i, etf_strerror(rc));
		etf_arena_reset(arena);
	}
	free(b);
}
END_TEST

/* A long atom: 255 characters are fine, 256 are not. */
START_TEST(test_atom_length)
{
	uint8_t buf[3 + 2 * 256 + 8];
	const struct etf_term *t;
	size_t i;

	for (i = 0; i < 256; i++)
		buf[3 + i] = 'x';
	buf[0] = 131;
	buf[1] = ETF_TAG_ATOM;
	buf[2] = 0;
	buf[3] = 255;
	memset(buf + 4, 0xe9, 255);	/* latin-1, 2 bytes each in UTF-8 */
	ck_assert_int_eq(etf_decode(arena, buf, 4 + 255, 0, &t), ETF_OK);
	ck_assert_uint_eq(t->atom.len, 510);
	ck_assert(utf8_valid(t->atom.p, t->atom.len));
	ck_assert_uint_eq(strlen(t->atom.p), 510);
	buf[3] = 0;
	buf[2] = 1;			/* 256 */
	memset(buf + 4, 'a', 256);
	ck_assert_int_eq(etf_decode(arena, buf, 4 + 256, 0, &t), ETF_EATOM);
	/* UTF-8, 256 characters of 2 bytes: 512 bytes. */
	buf[1] = ETF_TAG_ATOM_UTF8;
	buf[2] = 2;
	buf[3] = 0;
	{
		uint8_t big[4 + 512];

		memcpy(big, buf, 4);
		for (i = 0; i < 256; i++) {
			big[4 + 2 * i] = 0xc3;
			big[5 + 2 * i] = 0xa9;
		}
		ck_assert_int_eq(etf_decode(arena, big, sizeof(big), 0, &t),
		    ETF_EATOM);
		big[2] = 1;		/* 255 characters, 510 bytes */
		big[3] = 0xfe;
		ck_assert_int_eq(etf_decode(arena, big, 4 + 510, 0, &t),
		    ETF_OK);
		ck_assert_uint_eq(t->atom.len, 510);
	}
}
END_TEST

/* A 5-byte LIST_EXT that claims 4 billion elements allocates nothing. */
START_TEST(test_huge_counts)
{
	static const char *claims[] = {
		"836cffffffff", "8369ffffffff", "8374ffffffff",
		"836dffffffff", "836fffffffff00", "836bffff",
		"836cffffffff6a6a6a6a", "8374800000006a6a6a6a",
		"8350ffffffff789c",
	};
	const struct etf_term *t;
	uint8_t *b;
	size_t i;
	long n;
	int rc;

	for (i = 0; i < sizeof(claims) / sizeof(claims[0]); i++) {
		etf_arena_reset(arena);
		n = hex_decode(claims[i], &b);
		rc = etf_decode(arena, b, (size_t)n, SIZE_MAX, &t);
		ck_assert_msg(rc == ETF_ETRUNC || rc == ETF_EZLIB, "%s: %s",
		    claims[i], etf_strerror(rc));
		ck_assert_msg(etf_arena_bytes(arena) == 0,
		    "%s: %zu bytes allocated", claims[i],
		    etf_arena_bytes(arena));
		free(b);
	}
}
END_TEST

static uint8_t *
nested_leaf(size_t depth, const char *open, size_t olen, const char *close,
    size_t clen, const char *leaf, size_t llen, size_t *len)
{
	uint8_t *b, *p;

	*len = 1 + depth * (olen + clen) + llen;
	p = b = malloc(*len);
	ck_assert_ptr_nonnull(b);
	*p++ = 131;
	for (size_t i = 0; i < depth; i++, p += olen)
		memcpy(p, open, olen);
	memcpy(p, leaf, llen);
	p += llen;
	for (size_t i = 0; i < depth; i++, p += clen)
		memcpy(p, close, clen);
	return b;
}

START_TEST(test_depth)
{
	static const struct {
		const char *open;
		size_t olen;
		const char *close;
		size_t clen;
	} kinds[] = {
		{ "\x6c\0\0\0\x01", 5, "\x6a", 1 },	/* [[[...]]] */
		{ "\x68\x01", 2, "", 0 },		/* {{{...}}} */
		{ "\x69\0\0\0\x01", 5, "", 0 },
		{ "\x74\0\0\0\x01\x61\x01", 7, "", 0 },	/* #{1 => #{...}} */
	};
	/* Innermost: a level of its own ([], "\1" as a STRING_EXT, {}),
	 * or none (an integer). */
	static const struct {
		const char *leaf;
		size_t len;
		int level;
	} leaves[] = {
		{ "\x6a", 1, 1 },
		{ "\x6b\0\x01\x01", 4, 1 },
		{ "\x68\0", 2, 1 },
		{ "\x61\x07", 2, 0 },
	};
	const struct etf_term *t;
	uint8_t *b;
	size_t i, j, len, top;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		for (j = 0; j < sizeof(leaves) / sizeof(leaves[0]); j++) {
			const char *leaf = leaves[j].leaf;
			size_t llen = leaves[j].len;

			/* The most that fit: ETF_MAX_DEPTH levels. */
			top = ETF_MAX_DEPTH - (size_t)leaves[j].level;
			b = nested_leaf(100000, kinds[i].open,
			    kinds[i].olen, kinds[i].close, kinds[i].clen,
			    leaf, llen, &len);
			ck_assert_int_eq(etf_decode(arena, b, len, 0, &t),
			    ETF_EDEPTH);
			free(b);
			b = nested_leaf(top + 1, kinds[i].open, kinds[i].olen,
			    kinds[i].close, kinds[i].clen, leaf, llen, &len);
			ck_assert_msg(etf_decode(arena, b, len, 0, &t) ==
			    ETF_EDEPTH, "kind %zu, leaf %zu: %zu levels "
			    "passed", i, j, top + 1 + (size_t)leaves[j].level);
			free(b);
			b = nested_leaf(top, kinds[i].open, kinds[i].olen,
			    kinds[i].close, kinds[i].clen, leaf, llen, &len);
			ck_assert_msg(etf_decode(arena, b, len, 0, &t) ==
			    ETF_OK, "kind %zu, leaf %zu: %d levels refused",
			    i, j, ETF_MAX_DEPTH);
			free(b);
			etf_arena_reset(arena);
		}
	}
}
END_TEST

/*
 * [1 | [1 | ... [1 | [7, 7, ...]]]]: `levels` one-element lists, each the
 * tail of the one before, then a tail of n elements.
 */
static uint8_t *
tail_chain(size_t levels, size_t n, size_t *len)
{
	uint8_t *b = malloc(1 + levels * 7 + 5 + 2 * n + 1), *p;
	size_t i;

	ck_assert_ptr_nonnull(b);
	p = b;
	*p++ = 131;
	for (i = 0; i < levels; i++) {
		memcpy(p, "\x6c\0\0\0\x01\x61\x01", 7);
		p += 7;
	}
	*p++ = 0x6c;
	*p++ = (uint8_t)(n >> 24);
	*p++ = (uint8_t)(n >> 16);
	*p++ = (uint8_t)(n >> 8);
	*p++ = (uint8_t)n;
	for (i = 0; i < n; i++) {
		*p++ = 0x61;
		*p++ = 7;
	}
	*p++ = 0x6a;
	*len = (size_t)(p - b);
	return b;
}

/* A chain of list tails is one list, its elements copied once: the
 * memory it takes grows with its size, not with levels times size. */
START_TEST(test_tail_chain)
{
	const size_t levels = 200, n = 20000;
	const struct etf_term *t;
	uint8_t *b;
	size_t i, len;

	b = tail_chain(levels, n, &len);
	ck_assert_int_eq(etf_decode(arena, b, len, 0, &t), ETF_OK);
	ck_assert_int_eq(t->type, ETF_LIST);
	ck_assert_uint_eq(t->seq.n, levels + n);
	for (i = 0; i < levels + n; i++) {
		ck_assert_int_eq(t->seq.v[i].type, ETF_INT);
		ck_assert_int_eq(t->seq.v[i].i, i < levels ? 1 : 7);
	}
	ck_assert_msg(etf_arena_bytes(arena) <=
	    3 * (levels + n) * sizeof(struct etf_term),
	    "a chain of %zu tails took %zu bytes", levels,
	    etf_arena_bytes(arena));
	free(b);
	etf_arena_reset(arena);
	b = tail_chain(ETF_MAX_DEPTH, 1, &len);
	ck_assert_int_eq(etf_decode(arena, b, len, 0, &t), ETF_EDEPTH);
	free(b);
}
END_TEST

/* 131, 80, size, zlib(payload) with a chosen announced size. */
static uint8_t *
compressed(const uint8_t *payload, size_t plen, uint32_t announce,
    size_t *len)
{
	uLongf zlen = compressBound(plen);
	uint8_t *b = malloc(6 + zlen);

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(compress2(b + 6, &zlen, payload, plen, 9), Z_OK);
	b[0] = 131;
	b[1] = 80;
	b[2] = (uint8_t)(announce >> 24);
	b[3] = (uint8_t)(announce >> 16);
	b[4] = (uint8_t)(announce >> 8);
	b[5] = (uint8_t)announce;
	*len = 6 + zlen;
	return b;
}

/* A binary of n zero bytes, as a term without the version byte. */
static uint8_t *
zero_binary(size_t n, size_t *len)
{
	uint8_t *p = calloc(1, 5 + n);

	ck_assert_ptr_nonnull(p);
	p[0] = ETF_TAG_BINARY;
	p[1] = (uint8_t)(n >> 24);
	p[2] = (uint8_t)(n >> 16);
	p[3] = (uint8_t)(n >> 8);
	p[4] = (uint8_t)n;
	*len = 5 + n;
	return p;
}

START_TEST(test_compressed)
{
	const struct etf_term *t;
	uint8_t *term, *b;
	size_t tlen, len, i;

	term = zero_binary(10000, &tlen);
	b = compressed(term, tlen, (uint32_t)tlen, &len);
	ck_assert_int_eq(etf_decode(arena, b, len, tlen, &t), ETF_OK);
	ck_assert_int_eq(t->type, ETF_BINARY);
	ck_assert_uint_eq(t->bin.len, 10000);
	for (i = 0; i < 10000; i++)
		ck_assert_int_eq(t->bin.p[i], 0);
	/* Announced size above the limit: refused before inflating. */
	etf_arena_reset(arena);
	ck_assert_int_eq(etf_decode(arena, b, len, tlen - 1, &t),
	    ETF_ETOOBIG);
	ck_assert_uint_eq(etf_arena_bytes(arena), 0);
	/* Every cut is an error; the trailer cut is still truncation. */
	for (i = 0; i < len; i++) {
		int rc = etf_decode(arena, b, i, tlen, &t);

		ck_assert_msg(rc == ETF_ETRUNC, "cut at %zu of %zu: %s", i,
		    len, etf_strerror(rc));
	}
	free(b);
	free(term);
}
END_TEST

START_TEST(test_zlib_bomb)
{
	const struct etf_term *t;
	uint8_t *term, *b;
	size_t tlen, len;

	/* 8 MiB of zeros announced as 100 bytes, limit 1 MiB. */
	term = zero_binary(8 << 20, &tlen);
	b = compressed(term, tlen, 100, &len);
	ck_assert_uint_lt(len, 20000);
	ck_assert_int_eq(etf_decode(arena, b, len, 1 << 20, &t), ETF_ETOOBIG);
	ck_assert_uint_lt(etf_arena_bytes(arena), 64 * 1024);
	/* Announced honestly but above the limit. */
	free(b);
	b = compressed(term, tlen, (uint32_t)tlen, &len);
	ck_assert_int_eq(etf_decode(arena, b, len, 1 << 20, &t), ETF_ETOOBIG);
	free(b);
	free(term);
	/* Real size larger than announced, both under the limit. */
	term = zero_binary(200, &tlen);
	b = compressed(term, tlen, 100, &len);
	ck_assert_int_eq(etf_decode(arena, b, len, 1 << 20, &t), ETF_EZLIB);
	free(b);
	/* Real size smaller than announced. */
	b = compressed(term, tlen, (uint32_t)tlen + 1, &len);
	ck_assert_int_eq(etf_decode(arena, b, len, 1 << 20, &t), ETF_EZLIB);
	free(b);
	/* An announced size no deflate stream this short can reach. */
	b = compressed(term, tlen, 1u << 30, &len);
	etf_arena_reset(arena);
	ck_assert_int_eq(etf_decode(arena, b, len, SIZE_MAX, &t), ETF_ETRUNC);
	ck_assert_uint_eq(etf_arena_bytes(arena), 0);
	free(b);
	free(term);
}
END_TEST

/* One term at a time from a stream: what it took, and "more" at a
 * cut. */
START_TEST(test_decode_term)
{
	static const uint8_t two[] = { 97, 5, 109, 0, 0, 0, 2, 'h', 'i' };
	const struct etf_term *t;
	struct etf_arena *a = etf_arena_new();
	size_t used, i;

	ck_assert_int_eq(etf_decode_term(a, two, sizeof(two), &t, &used),
	    ETF_OK);
	ck_assert_int_eq(t->type, ETF_INT);
	ck_assert_int_eq(t->i, 5);
	ck_assert_uint_eq(used, 2);
	ck_assert_int_eq(etf_decode_term(a, two + 2, sizeof(two) - 2, &t,
	    &used), ETF_OK);
	ck_assert_int_eq(t->type, ETF_BINARY);
	ck_assert_uint_eq(used, 7);
	for (i = 0; i < 7; i++)
		ck_assert_int_eq(etf_decode_term(a, two + 2, i, &t, &used),
		    ETF_ETRUNC);
	ck_assert_int_eq(etf_decode_term(a, (const uint8_t *)"\x50\0\0\0\1",
	    5, &t, &used), ETF_ETAG);
	ck_assert_int_eq(etf_decode_term(a, (const uint8_t *)"\xff", 1, &t,
	    &used), ETF_ETAG);
	etf_arena_free(a);
}
END_TEST

START_TEST(test_zlib_corrupt)
{
	static const uint8_t inner[] = { 0x68, 0x02, 0x61, 0x01, 0x61, 0x02,
	    0x61, 0x03 };
	const struct etf_term *t;
	uint8_t *b, *c;
	size_t len, i;
	int rc;

	/* Bad header, bad data, bad checksum: all refused, never OK. */
	b = compressed(inner, 6, 6, &len);
	ck_assert_int_eq(etf_decode(arena, b, len, 100, &t), ETF_OK);
	c = malloc(len);
	for (i = 6; i < len; i++) {
		memcpy(c, b, len);
		c[i] ^= 0x55;
		rc = etf_decode(arena, c, len, 100, &t);
		ck_assert_msg(rc != ETF_OK, "flip at %zu decoded", i);
	}
	memcpy(c, b, len);
	c[6] = 0x12;
	ck_assert_int_eq(etf_decode(arena, c, len, 100, &t), ETF_EZLIB);
	free(c);
	free(b);
	/* Inflated bytes hold one term and more: trailing bytes. */
	b = compressed(inner, sizeof(inner), sizeof(inner), &len);
	ck_assert_int_eq(etf_decode(arena, b, len, 100, &t), ETF_ETRAIL);
	free(b);
	/* Bytes after the zlib stream. */
	b = compressed(inner, 6, 6, &len);
	c = malloc(len + 1);
	memcpy(c, b, len);
	c[len] = 0;
	ck_assert_int_eq(etf_decode(arena, c, len + 1, 100, &t), ETF_ETRAIL);
	free(c);
	free(b);
	/* Compressed, but an empty term. */
	b = compressed(inner, 0, 0, &len);
	ck_assert_int_ne(etf_decode(arena, b, len, 100, &t), ETF_OK);
	free(b);
}
END_TEST

/* Terms in ascending Erlang term order (exact: integers before floats). */
static const char *order[] = {
	"i-9223372036854775808", "i-1", "i0", "i1", "i255", "i256",
	"i9223372036854775807",
	"fc000000000000000",		/* -2.0 */
	"f8000000000000000",		/* -0.0, before 0.0 (OTP 27) */
	"f0000000000000000", "f3ff0000000000000", "f4000000000000000",
	"a", "a41", "a61", "a6161", "a62", "ac3a9",
	"t0", "t1 i9", "t2 i1 i1", "t2 i1 i2", "t2 a61 i0", "t3 i0 i0 i0",
	"m0", "m1 i1 i9", "m1 a61 i0", "m1 a61 i1", "m2 i1 i1 i2 i2",
	"m2 i1 i2 i2 i1", "m2 i1 i1 i3 i0",
	"l0", "l1 i1", "l2 i1 i1", "l1 i2", "l1 a61", "l1 l0",
	"b", "b00", "b0000", "b01", "bff",
};

START_TEST(test_order)
{
	struct etf_term *a, *b;
	size_t n = sizeof(order) / sizeof(order[0]), j;
	int c;

	a = note_parse(arena, order[_i]);
	ck_assert_ptr_nonnull(a);
	for (j = 0; j < n; j++) {
		b = note_parse(arena, order[j]);
		ck_assert_ptr_nonnull(b);
		c = etf_compare(a, b);
		c = c < 0 ? -1 : c > 0;
		ck_assert_msg(c == (_i < (int)j ? -1 : _i > (int)j),
		    "%s vs %s: %d", order[_i], order[j], c);
		ck_assert(etf_equal(a, b) == ((size_t)_i == j));
	}
}
END_TEST

/*
 * Integers outside signed 64 bits are valid terms: they decode as
 * ETF_BIGINT (which no request accepts: badarg, not bad_frame), order by
 * value among the integers, and encode back to the same integer.
 */
static const struct {
	const char	*hex;		/* input */
	const char	*canon;		/* our encoding of it */
	int		 sign;		/* vs INT64_MAX / INT64_MIN */
} bigs[] = {
	{ "836e0900010203040506070809", "836e0900010203040506070809", 1 },
	{ "836e0800" "0000000000000080", "836e0800" "0000000000000080", 1 },
	{ "836e0801" "0100000000000080", "836e0801" "0100000000000080", -1 },
	{ "836f0000000900" "000000000000000001",
	  "836e0900" "000000000000000001", 1 },
	{ "836e0a00" "00000000000000800000", "836e0800" "0000000000000080", 1 },
};

START_TEST(test_bigint)
{
	const struct etf_term *t, *again;
	struct etf_term *edge;
	char *hex;

	ck_assert_int_eq(decode_hex(bigs[_i].hex, &t), ETF_OK);
	ck_assert_int_eq(t->type, ETF_BIGINT);
	hex = encode_hex(t);
	ck_assert_str_eq(hex, bigs[_i].canon);
	ck_assert_int_eq(decode_hex(hex, &again), ETF_OK);
	ck_assert(etf_equal(t, again));
	ck_assert_int_eq(etf_compare(t, again), 0);
	free(hex);
	edge = etf_mk_int(arena, bigs[_i].sign > 0 ? INT64_MAX : INT64_MIN);
	ck_assert_int_eq(etf_compare(t, edge) > 0 ? 1 : -1, bigs[_i].sign);
	ck_assert_int_eq(etf_compare(edge, t) > 0 ? 1 : -1, -bigs[_i].sign);
	ck_assert(etf_compare(t, etf_mk_float(arena, 0.5)) < 0);
	ck_assert(!etf_equal(t, edge));
}
END_TEST

START_TEST(test_map_order_insensitive)
{
	struct etf_term *a, *b;

	a = note_parse(arena, "m3 a61 i1 i5 i2 l0 i3");
	b = note_parse(arena, "m3 l0 i3 a61 i1 i5 i2");
	ck_assert(etf_equal(a, b));
	b = note_parse(arena, "m3 l0 i3 a61 i1 i5 i3");
	ck_assert(!etf_equal(a, b));
}
END_TEST

/*
 * A map of two keys whose keys are such maps, depth levels down, the
 * two keys of each level alike but for their values: every comparison
 * of two keys goes to the bottom.  Written at *p; its length.
 */
static size_t
put_key_maps(uint8_t *p, int depth, uint8_t tag)
{
	size_t n = 0;
	uint8_t i;

	if (depth == 0) {
		p[0] = 'a';		/* SMALL_INTEGER_EXT */
		p[1] = tag;
		return 2;
	}
	memcpy(p, "t\0\0\0\2", 5);	/* MAP_EXT, 2 pairs */
	n = 5;
	for (i = 0; i < 2; i++) {
		n += put_key_maps(p + n, depth - 1, i);
		p[n++] = 'a';
		p[n++] = tag;
	}
	return n;
}

/*
 * Maps as keys of maps cost their size to decode: 180 kB of them, 14
 * levels deep, took minutes when each comparison of two keys sorted the
 * keys of both, at every level (Check's timeout fails that).  Keys are
 * compared in term order whatever order they came in: two maps of the
 * same pairs in another order are one key.
 */
START_TEST(test_map_keys_maps)
{
	const struct etf_term *t, *u;
	uint8_t *b;
	size_t n;
	char *x, *y;

	b = malloc(200000);
	ck_assert_ptr_nonnull(b);
	b[0] = 131;
	n = 1 + put_key_maps(b + 1, 14, 0);
	ck_assert_uint_lt(n, 200000);
	ck_assert_int_eq(etf_decode(arena, b, n, BIG_LIMIT, &t), ETF_OK);
	ck_assert_int_eq(t->type, ETF_MAP);
	ck_assert(etf_equal(t, t));
	free(b);

	/* #{#{a => 1, b => 2} => 1, #{b => 2, a => 1} => 2}: repeated. */
	ck_assert_int_eq(decode_hex("837400000002"
	    "740000000277016161017701626102" "6101"
	    "740000000277016261027701616101" "6102", &t), ETF_EDUPKEY);
	/* The same map, its keys in two orders, at two levels. */
	ck_assert_int_eq(decode_hex("837400000002"
	    "740000000277016161017701626102" "6101" "770163" "6102", &t),
	    ETF_OK);
	ck_assert_int_eq(decode_hex("837400000002" "770163" "6102"
	    "740000000277016261027701616101" "6101", &u), ETF_OK);
	ck_assert(etf_equal(t, u));
	ck_assert_int_eq(etf_compare(t, u), 0);
	x = encode_hex(t);
	y = encode_hex(u);
	ck_assert_str_eq(x, y);
	free(x);
	free(y);
	/* Another value: another map. */
	ck_assert_int_eq(decode_hex("837400000002" "770163" "6102"
	    "740000000277016261037701616101" "6101", &u), ETF_OK);
	ck_assert(!etf_equal(t, u));
	ck_assert_int_ne(etf_compare(t, u), 0);
}
END_TEST

/* The piecewise encoder gives the bytes of the tree encoder. */
START_TEST(test_piecewise)
{
	struct etf_buf b;
	struct etf_term *t;
	char *hex, *want;

	etf_buf_init(&b);
	etf_put_version(&b);
	etf_put_tuple(&b, 3);
	etf_put_atom(&b, "ok");
	etf_put_list(&b, 2);
	etf_put_int(&b, -5);
	etf_put_float(&b, 0.5);
	etf_put_nil(&b);
	etf_put_map(&b, 1);
	etf_put_atom_len(&b, "title!", 5);
	etf_put_binary(&b, "x\0y", 3);
	ck_assert(!b.oom);
	t = note_parse(arena, "t3 a6f6b l2 i-5 f3fe0000000000000 "
	    "m1 a7469746c65 b780079");
	want = encode_hex(t);
	hex = hex_encode(b.p, b.len);
	ck_assert_str_eq(hex, want);
	free(hex);
	free(want);
	etf_buf_free(&b);
}
END_TEST

START_TEST(test_large_tuple_and_long_atom)
{
	struct etf_term *t;
	struct etf_buf b;
	const struct etf_term *back;
	char name[301];
	size_t i;

	t = etf_mk_tuple(arena, 300);
	for (i = 0; i < 300; i++)
		t->seq.v[i] = *etf_mk_int(arena, (int64_t)i);
	etf_buf_init(&b);
	ck_assert_int_eq(etf_encode(&b, t), ETF_OK);
	ck_assert_int_eq(b.p[1], ETF_TAG_LARGE_TUPLE);
	ck_assert_int_eq(etf_decode(arena, b.p, b.len, 0, &back), ETF_OK);
	ck_assert(etf_equal(t, back));
	/* An atom of 255 characters, 300 bytes: ATOM_UTF8_EXT. */
	for (i = 0; i < 100; i++)
		memcpy(name + 3 * i, "\xe2\x82\xac", 3);	/* euro */
	name[300] = '\0';
	etf_buf_reset(&b);
	etf_put_version(&b);
	etf_put_atom(&b, name);
	ck_assert(!b.oom);
	ck_assert_int_eq(b.p[1], ETF_TAG_ATOM_UTF8);
	ck_assert_int_eq(b.p[2] << 8 | b.p[3], 300);
	ck_assert_int_eq(etf_decode(arena, b.p, b.len, 0, &back), ETF_OK);
	ck_assert(etf_is_atom(back, name));
	etf_buf_free(&b);
}
END_TEST

/* What Erlang cannot represent poisons the buffer. */
START_TEST(test_encode_invalid)
{
	char big[1100];
	struct etf_buf b;

	etf_buf_init(&b);
	etf_put_float(&b, NAN);
	ck_assert(b.oom);
	etf_buf_reset(&b);
	ck_assert(!b.oom);
	etf_put_float(&b, INFINITY);
	ck_assert(b.oom);
	etf_buf_reset(&b);
	etf_put_atom_len(&b, "\xc0\x80", 2);
	ck_assert(b.oom);
	etf_buf_reset(&b);
	memset(big, 'a', 256);
	etf_put_atom_len(&b, big, 256);
	ck_assert(b.oom);
	ck_assert_int_eq(etf_buf_append(&b, "x", 1), ETF_ENOMEM);
	etf_buf_reset(&b);
	etf_put_atom_len(&b, big, 255);
	ck_assert(!b.oom);
	etf_buf_free(&b);
}
END_TEST

/* A caller-built tree too deep to recurse over, or broken, is refused. */
START_TEST(test_encode_deep_tree)
{
	struct etf_term *top, *t, *broken;
	struct etf_buf b;
	int i;

	top = t = etf_mk_tuple(arena, 1);
	for (i = 0; i < 20000; i++) {
		t->seq.v[0] = *etf_mk_tuple(arena, 1);
		t = &t->seq.v[0];
	}
	t->seq.v[0] = *etf_mk_int(arena, 1);
	etf_buf_init(&b);
	ck_assert_int_eq(etf_encode(&b, top), ETF_ENOMEM);
	etf_buf_reset(&b);
	broken = etf_mk_list(arena, 2);
	broken->seq.v[0] = *etf_mk_atom(arena, "x");
	broken->seq.v[1].type = (enum etf_type)99;
	ck_assert_int_eq(etf_encode(&b, broken), ETF_ENOMEM);
	etf_buf_free(&b);
}
END_TEST

START_TEST(test_buf_growth)
{
	struct etf_buf b;
	size_t i;

	etf_buf_init(&b);
	for (i = 0; i < 100000; i++)
		etf_put_int(&b, (int64_t)i * 7919);
	ck_assert(!b.oom);
	ck_assert_uint_le(b.len, b.cap);
	ck_assert_uint_lt(b.cap, 2 * b.len + 256);
	ck_assert_int_eq(etf_buf_append(&b, "", 0), ETF_OK);
	etf_buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_gt(b.cap, 0);
	etf_buf_free(&b);
	ck_assert_ptr_null(b.p);
}
END_TEST

START_TEST(test_helpers)
{
	struct etf_term *m, *tu;

	m = etf_mk_map(arena, 2);
	m->map.kv[0] = *etf_mk_atom(arena, "title");
	m->map.kv[1] = *etf_mk_binary(arena, "x", 1);
	m->map.kv[2] = *etf_mk_atom(arena, "id");
	m->map.kv[3] = *etf_mk_int(arena, 7);
	ck_assert_ptr_nonnull(etf_map_get(m, "id"));
	ck_assert_int_eq(etf_map_get(m, "id")->i, 7);
	ck_assert_ptr_null(etf_map_get(m, "i"));
	ck_assert_ptr_null(etf_map_get(m, "date"));
	ck_assert_ptr_null(etf_map_get(etf_mk_int(arena, 1), "id"));
	ck_assert(etf_is_atom(&m->map.kv[0], "title"));
	ck_assert(!etf_is_atom(&m->map.kv[0], "titl"));
	ck_assert(!etf_is_atom(&m->map.kv[1], "x"));
	ck_assert(!etf_is_atom(NULL, "x"));
	tu = etf_mk_tuple(arena, 2);
	ck_assert(etf_is_tuple(tu, 2));
	ck_assert(!etf_is_tuple(tu, 3));
	ck_assert(!etf_is_tuple(m, 2));
	ck_assert(etf_mk_float(arena, 1.5)->f == 1.5);
	ck_assert_uint_eq(etf_mk_list(arena, 0)->seq.n, 0);
	ck_assert_uint_eq(etf_mk_binary(arena, NULL, 0)->bin.len, 0);
}
END_TEST

START_TEST(test_arena)
{
	struct etf_arena *a = etf_arena_new();
	uint8_t *p, *q;
	size_t i;

	ck_assert_uint_eq(etf_arena_bytes(a), 0);
	for (i = 0; i < 10000; i++) {
		p = etf_arena_alloc(a, i % 100 + 1);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % 8, 0);
		memset(p, 0xab, i % 100 + 1);
	}
	p = etf_arena_alloc(a, 5 << 20);	/* a block of its own */
	ck_assert_ptr_nonnull(p);
	memset(p, 1, 5 << 20);
	q = etf_arena_alloc(a, 8);
	ck_assert_ptr_nonnull(q);
	ck_assert_ptr_null(etf_arena_alloc(a, SIZE_MAX));
	ck_assert_ptr_null(etf_arena_alloc(a, SIZE_MAX / 2 + 1));
	etf_arena_reset(a);
	ck_assert_uint_eq(etf_arena_bytes(a), 0);
	ck_assert_ptr_nonnull(etf_arena_alloc(a, 0));
	etf_arena_free(a);
	etf_arena_free(NULL);
}
END_TEST

static const struct {
	const char	*hex;
	bool		 ok;
} utf8[] = {
	{ "", true }, { "41", true }, { "7f", true }, { "c280", true },
	{ "dfbf", true }, { "e0a080", true }, { "efbfbf", true },
	{ "ed9fbf", true }, { "ee8080", true }, { "f0908080", true },
	{ "f48fbfbf", true }, { "4142434445464748c3a9", true },
	{ "80", false }, { "bf", false }, { "c0af", false }, { "c1bf", false },
	{ "c2", false }, { "c241", false }, { "e080af", false },
	{ "e09fbf", false }, { "eda080", false }, { "edbfbf", false },
	{ "f08fbfbf", false }, { "f4908080", false }, { "f5808080", false },
	{ "ff", false }, { "fe", false }, { "e282", false },
	{ "f09f98", false }, { "41424344454647484980", false },
	{ "414243444546474849c3", false },
};

START_TEST(test_utf8)
{
	uint8_t *b;
	long n;

	n = hex_decode(utf8[_i].hex, &b);
	ck_assert_msg(utf8_valid(b, (size_t)n) == utf8[_i].ok, "%s",
	    utf8[_i].hex);
	free(b);
}
END_TEST

/* A string cut short loses the part of its last character, nothing
 * else. */
static const struct {
	const char	*hex;
	long		 whole;
} utf8_cut[] = {
	{ "", 0 }, { "41", 1 }, { "41c3a9", 3 }, { "41c3", 1 },
	{ "41e282", 1 }, { "41e282ac", 4 }, { "41f09f98", 1 },
	{ "41f09f9880", 5 }, { "c3a9c3a9", 4 }, { "c3a9c3", 2 },
	{ "e282ace282", 3 },
};

START_TEST(test_utf8_whole_len)
{
	uint8_t *b;
	long n;

	n = hex_decode(utf8_cut[_i].hex, &b);
	ck_assert_msg((long)utf8_whole_len(b, (size_t)n) == utf8_cut[_i].whole,
	    "%s: %zu", utf8_cut[_i].hex, utf8_whole_len(b, (size_t)n));
	free(b);
}
END_TEST

/* etf_buf_done(): kept up to keep bytes (reset), freed beyond. */
START_TEST(test_buf_done)
{
	static const uint8_t bytes[4096];
	struct etf_buf b;
	size_t cap;

	etf_buf_init(&b);
	ck_assert_int_eq(etf_buf_append(&b, bytes, 100), ETF_OK);
	cap = b.cap;
	ck_assert_uint_eq(etf_buf_done(&b, cap), 0);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.cap, cap);
	ck_assert_ptr_nonnull(b.p);
	ck_assert_int_eq(etf_buf_append(&b, bytes, sizeof(bytes)), ETF_OK);
	cap = b.cap;
	ck_assert_uint_gt(cap, 1024);
	ck_assert_uint_eq(etf_buf_done(&b, 1024), cap);
	ck_assert_ptr_null(b.p);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.cap, 0);
	ck_assert(!b.oom);
	ck_assert_uint_eq(etf_buf_done(&b, 1024), 0);
}
END_TEST

static Suite *
etf_suite(void)
{
	Suite *s = suite_create("etf");
	TCase *tc;

#define N(a)	((int)(sizeof(a) / sizeof((a)[0])))
	tc = tcase_create("vectors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_good_decode, 0, N(good));
	tcase_add_loop_test(tc, test_good_encode, 0, N(good));
	tcase_add_loop_test(tc, test_truncated, 0, N(good));
	tcase_add_loop_test(tc, test_bad, 0, N(bad));
	tcase_add_loop_test(tc, test_utf8, 0, N(utf8));
	tcase_add_loop_test(tc, test_utf8_whole_len, 0, N(utf8_cut));
	tcase_add_loop_test(tc, test_order, 0, N(order));
	tcase_add_loop_test(tc, test_bigint, 0, N(bigs));
	tcase_add_test(tc, test_buf_done);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_atom_length);
	tcase_add_test(tc, test_huge_counts);
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_tail_chain);
	tcase_add_test(tc, test_compressed);
	tcase_add_test(tc, test_zlib_bomb);
	tcase_add_test(tc, test_zlib_corrupt);
	tcase_add_test(tc, test_decode_term);
	tcase_add_test(tc, test_map_keys_maps);
	suite_add_tcase(s, tc);

	tc = tcase_create("encoder");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_map_order_insensitive);
	tcase_add_test(tc, test_piecewise);
	tcase_add_test(tc, test_large_tuple_and_long_atom);
	tcase_add_test(tc, test_encode_invalid);
	tcase_add_test(tc, test_encode_deep_tree);
	tcase_add_test(tc, test_buf_growth);
	tcase_add_test(tc, test_helpers);
	tcase_add_test(tc, test_arena);
	suite_add_tcase(s, tc);
#undef N
	return s;
}

int
main(void)
{
	return ck_run(etf_suite());
}
