/*
 * etf_decode.c: External Term Format decoder.
 *
 * A bounded cursor over the input: every read checks the bytes that remain
 * first, every count is checked against the bytes that remain before any
 * memory is taken for it, nesting is bounded by ETF_MAX_DEPTH (so the
 * recursion is too), and the whole input must be one term.
 */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "etf.h"
#include "etf_priv.h"

/*
 * Atoms repeat (the keys of every map of a list): a small cache of the
 * atoms of this message spares their validation and copy.  An entry is
 * text already checked and copied to the arena, found by its bytes.
 */
#define ATOM_CACHE	64

struct atom_slot {
	const char	*p;
	size_t		 len;
};

struct dec {
	struct etf_arena	*a;
	const uint8_t		*p;
	const uint8_t		*end;
	struct atom_slot	*cache;		/* ATOM_CACHE slots, or NULL */
};

static int	dec_term(struct dec *, struct etf_term *, int);

static inline size_t
left(const struct dec *d)
{
	return (size_t)(d->end - d->p);
}

static inline uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* A count of n elements of at least `each` bytes: can it fit? */
static inline int
fits(const struct dec *d, size_t n, size_t each)
{
	return n <= left(d) / each &&
	    n <= SIZE_MAX / (each * sizeof(struct etf_term));
}

static struct etf_term *
nodes(struct dec *d, size_t n)
{
	if (n == 0)
		return NULL;
	return etf_arena_alloc(d->a, n * sizeof(struct etf_term));
}

static int
dec_big(struct dec *d, struct etf_term *t, size_t n)
{
	const uint8_t *m;
	uint64_t mag = 0;
	int neg;
	size_t i;

	if (left(d) < 1 || left(d) - 1 < n)
		return ETF_ETRUNC;
	neg = d->p[0] != 0;
	m = d->p + 1;
	d->p += 1 + n;
	while (n > 0 && m[n - 1] == 0)
		n--;		/* high zero bytes say nothing */
	for (i = 0; i < n && i < 8; i++)
		mag |= (uint64_t)m[i] << (8 * i);
	if (n > 8 || (!neg && mag > INT64_MAX) ||
	    (neg && mag > (uint64_t)INT64_MAX + 1)) {
		/* Valid, but outside what the protocol's integers hold. */
		t->type = ETF_BIGINT;
		t->big.mag = m;
		t->big.len = n;
		t->big.neg = neg;
		return ETF_OK;
	}
	if (!neg)
		t->i = (int64_t)mag;
	else
		t->i = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
		    -(int64_t)mag;
	t->type = ETF_INT;
	return ETF_OK;
}

static int
dec_float(struct dec *d, struct etf_term *t)
{
	uint64_t u;

	if (left(d) < 8)
		return ETF_ETRUNC;
	u = (uint64_t)get32(d->p) << 32 | get32(d->p + 4);
	d->p += 8;
	t->type = ETF_FLOAT;
	memcpy(&t->f, &u, sizeof(u));
	if (!isfinite(t->f))
		return ETF_EFLOAT;
	return ETF_OK;
}

static inline bool
ascii(const uint8_t *s, size_t len)
{
	uint64_t w, high = 0;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		high |= w;
	}
	for (; i < len; i++)
		high |= s[i];
	return (high & UINT64_C(0x8080808080808080)) == 0;
}

static inline struct atom_slot *
atom_slot(struct dec *d, const uint8_t *s, size_t len)
{
	size_t h;

	if (d->cache == NULL || len == 0)
		return NULL;
	h = (len * 31 + s[0] * 7 + s[len - 1] + s[len / 2] * 3) %
	    ATOM_CACHE;
	return &d->cache[h];
}

static inline bool
atom_hit(const struct atom_slot *slot, const uint8_t *s, size_t len)
{
	return slot != NULL && slot->len == len && slot->p != NULL &&
	    memcmp(slot->p, s, len) == 0;
}

static void
set_atom(struct etf_term *t, struct atom_slot *slot, const char *p,
    size_t len)
{
	t->type = ETF_ATOM;
	t->atom.p = p;
	t->atom.len = len;
	if (slot != NULL) {
		slot->p = p;
		slot->len = len;
	}
}

static int
dec_atom_latin1(struct dec *d, struct etf_term *t, size_t len)
{
	struct atom_slot *slot = NULL;
	const uint8_t *s;
	size_t i, high = 0;
	char *o, *start;

	if (left(d) < len)
		return ETF_ETRUNC;
	if (len > 255)
		return ETF_EATOM;
	s = d->p;
	d->p += len;
	/* Only ASCII text is the same in latin-1 and UTF-8: cache that. */
	if (ascii(s, len)) {
		slot = atom_slot(d, s, len);
		if (atom_hit(slot, s, len)) {
			set_atom(t, NULL, slot->p, len);
			return ETF_OK;
		}
	} else
		for (i = 0; i < len; i++)
			high += s[i] >> 7;
	if ((start = o = etf_arena_alloc(d->a, len + high + 1)) == NULL)
		return ETF_ENOMEM;
	for (i = 0; i < len; i++) {
		if (s[i] < 0x80)
			*o++ = (char)s[i];
		else {
			*o++ = (char)(0xc0 | s[i] >> 6);
			*o++ = (char)(0x80 | (s[i] & 0x3f));
		}
	}
	*o = '\0';
	set_atom(t, slot, start, len + high);
	return ETF_OK;
}

static int
dec_atom_utf8(struct dec *d, struct etf_term *t, size_t len)
{
	struct atom_slot *slot;
	char *o;

	if (left(d) < len)
		return ETF_ETRUNC;
	slot = atom_slot(d, d->p, len);
	if (atom_hit(slot, d->p, len)) {
		set_atom(t, NULL, slot->p, len);
		d->p += len;
		return ETF_OK;
	}
	/* 255 characters are at most ETF_MAX_ATOM_BYTES bytes: refuse a
	 * longer one before walking it; at most 255 bytes are at most 255
	 * characters. */
	if (len > ETF_MAX_ATOM_BYTES)
		return ETF_EATOM;
	if (!ascii(d->p, len)) {
		ssize_t chars = utf8_count(d->p, len);

		if (chars < 0)
			return ETF_EUTF8;
		if (chars > 255)
			return ETF_EATOM;
	} else if (len > 255)
		return ETF_EATOM;
	if ((o = etf_arena_alloc(d->a, len + 1)) == NULL)
		return ETF_ENOMEM;
	memcpy(o, d->p, len);
	o[len] = '\0';
	d->p += len;
	set_atom(t, slot, o, len);
	return ETF_OK;
}

static int
dec_string(struct dec *d, struct etf_term *t, size_t n)
{
	struct etf_term *v;
	size_t i;

	if (left(d) < n)
		return ETF_ETRUNC;
	if (n > 0 && (v = nodes(d, n)) == NULL)
		return ETF_ENOMEM;
	else if (n == 0)
		v = NULL;
	for (i = 0; i < n; i++) {
		v[i].type = ETF_INT;
		v[i].i = d->p[i];
	}
	d->p += n;
	t->type = ETF_LIST;
	t->seq.v = v;
	t->seq.n = n;
	return ETF_OK;
}

static int
dec_seq(struct dec *d, struct etf_term *t, size_t n, int depth)
{
	struct etf_term *v;
	size_t i;
	int rc;

	if (!fits(d, n, 1))
		return ETF_ETRUNC;
	if (n > 0 && (v = nodes(d, n)) == NULL)
		return ETF_ENOMEM;
	else if (n == 0)
		v = NULL;
	for (i = 0; i < n; i++)
		if ((rc = dec_term(d, &v[i], depth + 1)) != ETF_OK)
			return rc;
	t->seq.v = v;
	t->seq.n = n;
	return ETF_OK;
}

/* A LIST_EXT's count, after its tag: its elements and its tail must fit
 * in what is left. */
static int
dec_list_count(struct dec *d, size_t *n)
{
	if (left(d) < 4)
		return ETF_ETRUNC;
	*n = get32(d->p);
	d->p += 4;
	if (*n == SIZE_MAX || !fits(d, *n + 1, 1))
		return ETF_ETRUNC;
	return ETF_OK;
}

/* One segment of a chain of list tails (dec_tail), kept in the arena. */
struct tail_seg {
	struct etf_term		*v;
	size_t			 n;
	struct tail_seg		*next;
};

/*
 * The tail of a LIST_EXT: NIL, or (never written by OTP, but read by
 * binary_to_term) a proper list: another LIST_EXT, which has a tail of its
 * own, or a STRING_EXT.  The elements of the whole chain are one list.
 * The chain is read segment by segment, iteratively, and joined once at
 * the end: joining at every level would copy the elements behind it again
 * at each, and a frame of a few hundred levels over a long list would take
 * memory in the square of its size.  Each level counts against
 * ETF_MAX_DEPTH.
 */
static int
dec_tail(struct dec *d, struct etf_term *t, int depth)
{
	struct tail_seg *first = NULL, **link = &first, *s;
	struct etf_term seg, *v;
	size_t total = t->seq.n, n;
	int rc, last = 0;

	while (!last) {
		if (left(d) < 1)
			return ETF_ETRUNC;
		if (d->p[0] == ETF_TAG_NIL) {
			d->p++;
			break;
		}
		if (++depth >= ETF_MAX_DEPTH)
			return ETF_EDEPTH;
		if (d->p[0] == ETF_TAG_LIST) {
			d->p++;
			if ((rc = dec_list_count(d, &n)) == ETF_OK)
				rc = dec_seq(d, &seg, n, depth);
		} else {
			rc = dec_term(d, &seg, depth);
			if (rc == ETF_OK && seg.type != ETF_LIST)
				rc = ETF_EIMPROPER;
			last = 1;
		}
		if (rc != ETF_OK)
			return rc;
		if (seg.seq.n == 0)
			continue;
		if (seg.seq.n > SIZE_MAX / sizeof(*v) - total)
			return ETF_ENOMEM;
		if ((s = etf_arena_alloc(d->a, sizeof(*s))) == NULL)
			return ETF_ENOMEM;
		s->v = seg.seq.v;
		s->n = seg.seq.n;
		s->next = NULL;
		*link = s;
		link = &s->next;
		total += seg.seq.n;
	}
	if (first == NULL)
		return ETF_OK;
	if (t->seq.n == 0 && first->next == NULL) {
		t->seq.v = first->v;		/* one segment: no copy */
		t->seq.n = first->n;
		return ETF_OK;
	}
	if ((v = nodes(d, total)) == NULL)
		return ETF_ENOMEM;
	if ((n = t->seq.n) > 0)
		memcpy(v, t->seq.v, n * sizeof(*v));
	for (s = first; s != NULL; s = s->next) {
		memcpy(v + n, s->v, s->n * sizeof(*v));
		n += s->n;
	}
	t->seq.v = v;
	t->seq.n = total;
	return ETF_OK;
}

/* Two pairs of a map's kv array, by their keys. */
static int
cmp_pair(const void *a, const void *b)
{
	return etf_compare(a, b);
}

/*
 * Put a map's pairs in the term order of their keys, and refuse a
 * repeated key, as Erlang does.  The map is marked sorted: etf_compare()
 * walks two sorted maps once, where it would sort the keys of both at
 * every comparison, so that a map whose keys are maps whose keys are
 * maps costs its size to decode, not a sort at every level of every
 * comparison (which grows about six-fold a level).  Its children are
 * decoded, and sorted, before it.  Maps mostly come in order already
 * (OTP sends small maps so, and a list file its entries by id): one
 * comparison a pair.
 */
static int
map_order(struct etf_term *t)
{
	struct etf_term *kv = t->map.kv;
	size_t i, n = t->map.n;
	int c = -1;

	t->map.sorted = true;
	for (i = 1; i < n &&
	    (c = etf_key_cmp(&kv[2 * i - 2], &kv[2 * i])) < 0; i++)
		;
	if (i >= n)
		return ETF_OK;
	if (c == 0)
		return ETF_EDUPKEY;
	qsort(kv, n, 2 * sizeof(*kv), cmp_pair);
	for (i = 1; i < n; i++)
		if (etf_compare(&kv[2 * i - 2], &kv[2 * i]) == 0)
			return ETF_EDUPKEY;
	return ETF_OK;
}

static int
dec_map(struct dec *d, struct etf_term *t, size_t n, int depth)
{
	struct etf_term *kv;
	size_t i;
	int rc;

	if (!fits(d, n, 2))
		return ETF_ETRUNC;
	if (n > 0 && (kv = nodes(d, 2 * n)) == NULL)
		return ETF_ENOMEM;
	else if (n == 0)
		kv = NULL;
	for (i = 0; i < 2 * n; i++)
		if ((rc = dec_term(d, &kv[i], depth + 1)) != ETF_OK)
			return rc;
	t->type = ETF_MAP;
	t->map.kv = kv;
	t->map.n = n;
	return map_order(t);
}

/* A binary's n bytes, after its header. */
static int
dec_binary(struct dec *d, struct etf_term *t, size_t n)
{
	if (left(d) < n)
		return ETF_ETRUNC;
	t->type = ETF_BINARY;
	t->bin.p = d->p;
	t->bin.len = n;
	d->p += n;
	return ETF_OK;
}

/*
 * Whether a term of this tag is a level of nesting: a tuple, a list ([]
 * and a string too, as the same list must not pass or fail by how it is
 * encoded: [1] is a STRING_EXT from term_to_binary/1) or a map.  Each is
 * refused at ETF_MAX_DEPTH; the tails of a list count too (dec_tail).
 */
static bool
is_level(uint8_t tag)
{
	switch (tag) {
	case ETF_TAG_SMALL_TUPLE:
	case ETF_TAG_LARGE_TUPLE:
	case ETF_TAG_NIL:
	case ETF_TAG_STRING:
	case ETF_TAG_LIST:
	case ETF_TAG_MAP:
		return true;
	default:
		return false;
	}
}

static int
dec_term(struct dec *d, struct etf_term *t, int depth)
{
	const uint8_t *p = d->p;
	size_t n;
	int rc;

	if (left(d) < 1)
		return ETF_ETRUNC;
	if (depth >= ETF_MAX_DEPTH && is_level(p[0]))
		return ETF_EDEPTH;
	d->p++;
	switch (p[0]) {
	case ETF_TAG_SMALL_INTEGER:
		if (left(d) < 1)
			return ETF_ETRUNC;
		t->type = ETF_INT;
		t->i = *d->p++;
		return ETF_OK;
	case ETF_TAG_INTEGER:
		if (left(d) < 4)
			return ETF_ETRUNC;
		t->type = ETF_INT;
		t->i = (int32_t)get32(d->p);
		d->p += 4;
		return ETF_OK;
	case ETF_TAG_NEW_FLOAT:
		return dec_float(d, t);
	case ETF_TAG_SMALL_ATOM_UTF8:
	case ETF_TAG_SMALL_ATOM:
		if (left(d) < 1)
			return ETF_ETRUNC;
		n = *d->p++;
		if (p[0] == ETF_TAG_SMALL_ATOM)
			return dec_atom_latin1(d, t, n);
		return dec_atom_utf8(d, t, n);
	case ETF_TAG_ATOM_UTF8:
	case ETF_TAG_ATOM:
		if (left(d) < 2)
			return ETF_ETRUNC;
		n = get16(d->p);
		d->p += 2;
		if (p[0] == ETF_TAG_ATOM)
			return dec_atom_latin1(d, t, n);
		return dec_atom_utf8(d, t, n);
	case ETF_TAG_BIT_BINARY:
		/* A bitstring: with all 8 bits of its last byte used, or
		 * no byte and no bit, a binary (as binary_to_term/1 reads
		 * it).  Others are refused. */
		if (left(d) < 5)
			return ETF_ETRUNC;
		n = get32(d->p);
		if (d->p[4] != (n == 0 ? 0 : 8))
			return ETF_ETAG;
		d->p += 5;
		return dec_binary(d, t, n);
	case ETF_TAG_BINARY:
		if (left(d) < 4)
			return ETF_ETRUNC;
		n = get32(d->p);
		d->p += 4;
		return dec_binary(d, t, n);
	case ETF_TAG_SMALL_TUPLE:
		if (left(d) < 1)
			return ETF_ETRUNC;
		n = *d->p++;
		t->type = ETF_TUPLE;
		return dec_seq(d, t, n, depth);
	case ETF_TAG_LARGE_TUPLE:
		if (left(d) < 4)
			return ETF_ETRUNC;
		n = get32(d->p);
		d->p += 4;
		t->type = ETF_TUPLE;
		return dec_seq(d, t, n, depth);
	case ETF_TAG_NIL:
		t->type = ETF_LIST;
		t->seq.v = NULL;
		t->seq.n = 0;
		return ETF_OK;
	case ETF_TAG_STRING:
		if (left(d) < 2)
			return ETF_ETRUNC;
		n = get16(d->p);
		d->p += 2;
		return dec_string(d, t, n);
	case ETF_TAG_LIST:
		if ((rc = dec_list_count(d, &n)) != ETF_OK)
			return rc;
		t->type = ETF_LIST;
		if ((rc = dec_seq(d, t, n, depth)) != ETF_OK)
			return rc;
		return dec_tail(d, t, depth);
	case ETF_TAG_MAP:
		if (left(d) < 4)
			return ETF_ETRUNC;
		n = get32(d->p);
		d->p += 4;
		return dec_map(d, t, n, depth);
	case ETF_TAG_SMALL_BIG:
		if (left(d) < 1)
			return ETF_ETRUNC;
		n = *d->p++;
		return dec_big(d, t, n);
	case ETF_TAG_LARGE_BIG:
		if (left(d) < 4)
			return ETF_ETRUNC;
		n = get32(d->p);
		d->p += 4;
		return dec_big(d, t, n);
	default:
		return ETF_ETAG;
	}
}

static int
dec_compressed(struct dec *d, size_t max, struct etf_term *t)
{
	struct dec in;
	uint8_t *buf;
	size_t size;
	int rc;

	if ((rc = etf_inflate_body(d->a, d->p, left(d), max, 0, &buf,
	    &size)) != ETF_OK)
		return rc;
	d->p = d->end;
	in.a = d->a;
	in.p = buf;
	in.end = buf + size;
	in.cache = d->cache;
	if ((rc = dec_term(&in, t, 0)) != ETF_OK)
		return rc;
	return in.p == in.end ? ETF_OK : ETF_ETRAIL;
}

int
etf_decode(struct etf_arena *a, const uint8_t *buf, size_t len,
    size_t max_inflated, const struct etf_term **out)
{
	struct atom_slot cache[ATOM_CACHE];
	struct etf_term top, *t;
	struct dec d;
	int rc;

	*out = NULL;
	if ((rc = etf_version_ok(buf, len)) != ETF_OK)
		return rc;
	d.a = a;
	d.p = buf + 1;
	d.end = buf + len;
	d.cache = cache;
	memset(cache, 0, sizeof(cache));
	if (buf[1] == ETF_TAG_COMPRESSED) {
		d.p++;
		rc = dec_compressed(&d, max_inflated, &top);
	} else
		rc = dec_term(&d, &top, 0);
	if (rc != ETF_OK)
		return rc;
	if (d.p != d.end)
		return ETF_ETRAIL;
	if ((t = etf_arena_alloc(a, sizeof(*t))) == NULL)
		return ETF_ENOMEM;
	*t = top;
	*out = t;
	return ETF_OK;
}

int
etf_decode_term(struct etf_arena *a, const uint8_t *buf, size_t len,
    const struct etf_term **out, size_t *used)
{
	struct atom_slot cache[ATOM_CACHE];
	struct etf_term *t;
	struct dec d;
	int rc;

	*out = NULL;
	*used = 0;
	if (len < 1)
		return ETF_ETRUNC;
	if (buf[0] == ETF_TAG_COMPRESSED)
		return ETF_ETAG;
	if ((t = etf_arena_alloc(a, sizeof(*t))) == NULL)
		return ETF_ENOMEM;
	d.a = a;
	d.p = buf;
	d.end = buf + len;
	d.cache = cache;
	memset(cache, 0, sizeof(cache));
	if ((rc = dec_term(&d, t, 0)) != ETF_OK)
		return rc;
	*out = t;
	*used = (size_t)(d.p - buf);
	return ETF_OK;
}

const char *
etf_strerror(int err)
{
	switch (err) {
	case ETF_OK:		return "success";
	case ETF_ETRUNC:	return "term is truncated";
	case ETF_EVERSION:	return "bad version byte";
	case ETF_ETAG:		return "unknown or unsupported tag";
	case ETF_EUTF8:		return "atom is not valid UTF-8";
	case ETF_EDEPTH:	return "term is nested too deeply";
	case ETF_ERANGE:	return "integer outside signed 64 bits";
	case ETF_ETRAIL:	return "bytes after the term";
	case ETF_ETOOBIG:	return "inflated term too big";
	case ETF_EZLIB:		return "compressed data is corrupt";
	case ETF_ENOMEM:	return "out of memory";
	case ETF_EIMPROPER:	return "improper list";
	case ETF_EATOM:		return "atom too long";
	case ETF_EDUPKEY:	return "map has a repeated key";
	case ETF_EFLOAT:	return "float is not finite";
	default:		return "unknown error";
	}
}
