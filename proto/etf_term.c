/*
 * etf_term.c: building terms in an arena, matching them, and Erlang's
 * term order.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "etf.h"

#define SORT_STACK	32	/* maps this small are sorted on the stack */

static struct etf_term *
mk(struct etf_arena *a, enum etf_type type)
{
	struct etf_term *t;

	if ((t = etf_arena_alloc(a, sizeof(*t))) == NULL)
		return NULL;
	memset(t, 0, sizeof(*t));
	t->type = type;
	return t;
}

struct etf_term *
etf_mk_int(struct etf_arena *a, int64_t i)
{
	struct etf_term *t;

	if ((t = mk(a, ETF_INT)) != NULL)
		t->i = i;
	return t;
}

struct etf_term *
etf_mk_float(struct etf_arena *a, double f)
{
	struct etf_term *t;

	if ((t = mk(a, ETF_FLOAT)) != NULL)
		t->f = f;
	return t;
}

struct etf_term *
etf_mk_atom(struct etf_arena *a, const char *utf8)
{
	struct etf_term *t;
	size_t len = strlen(utf8);
	char *p;

	if ((t = mk(a, ETF_ATOM)) == NULL ||
	    (p = etf_arena_alloc(a, len + 1)) == NULL)
		return NULL;
	memcpy(p, utf8, len + 1);
	t->atom.p = p;
	t->atom.len = len;
	return t;
}

struct etf_term *
etf_mk_binary(struct etf_arena *a, const void *data, size_t len)
{
	struct etf_term *t;
	uint8_t *p = NULL;

	if ((t = mk(a, ETF_BINARY)) == NULL)
		return NULL;
	if (len > 0) {
		if ((p = etf_arena_alloc(a, len)) == NULL)
			return NULL;
		memcpy(p, data, len);
	}
	t->bin.p = p;
	t->bin.len = len;
	return t;
}

static struct etf_term *
mk_seq(struct etf_arena *a, enum etf_type type, size_t n)
{
	struct etf_term *t, *v = NULL;

	if ((t = mk(a, type)) == NULL)
		return NULL;
	if (n > 0) {
		if (n > SIZE_MAX / sizeof(*v) ||
		    (v = etf_arena_alloc(a, n * sizeof(*v))) == NULL)
			return NULL;
		memset(v, 0, n * sizeof(*v));
	}
	t->seq.v = v;
	t->seq.n = n;
	return t;
}

struct etf_term *
etf_mk_tuple(struct etf_arena *a, size_t n)
{
	return mk_seq(a, ETF_TUPLE, n);
}

struct etf_term *
etf_mk_list(struct etf_arena *a, size_t n)
{
	return mk_seq(a, ETF_LIST, n);
}

struct etf_term *
etf_mk_map(struct etf_arena *a, size_t npairs)
{
	struct etf_term *t;

	if (npairs > SIZE_MAX / 2 ||
	    (t = mk_seq(a, ETF_MAP, 2 * npairs)) == NULL)
		return NULL;
	t->map.n = npairs;
	t->map.sorted = false;	/* the caller fills it in any order */
	return t;
}

bool
etf_is_atom(const struct etf_term *t, const char *name)
{
	size_t len;

	if (t == NULL || t->type != ETF_ATOM)
		return false;
	len = strlen(name);
	return t->atom.len == len && memcmp(t->atom.p, name, len) == 0;
}

bool
etf_is_tuple(const struct etf_term *t, size_t arity)
{
	return t != NULL && t->type == ETF_TUPLE && t->seq.n == arity;
}

const struct etf_term *
etf_map_get(const struct etf_term *map, const char *key)
{
	size_t i;

	if (map == NULL || map->type != ETF_MAP)
		return NULL;
	for (i = 0; i < map->map.n; i++)
		if (etf_is_atom(&map->map.kv[2 * i], key))
			return &map->map.kv[2 * i + 1];
	return NULL;
}

/* Order of the types: number < atom < tuple < map < nil/list < binary. */
static int
rank(enum etf_type type)
{
	switch (type) {
	case ETF_INT:
	case ETF_BIGINT:
	case ETF_FLOAT:	return 0;
	case ETF_ATOM:	return 1;
	case ETF_TUPLE:	return 2;
	case ETF_MAP:	return 3;
	case ETF_LIST:	return 4;
	case ETF_BINARY: return 5;
	}
	return 6;
}

static inline int
cmp_bytes(const void *a, size_t alen, const void *b, size_t blen)
{
	const uint8_t *p = a, *q = b;
	size_t n = alen < blen ? alen : blen;
	int c;

	/* Most keys differ in their first byte: no call for those. */
	if (n > 0 && p[0] != q[0])
		return p[0] < q[0] ? -1 : 1;
	if (n > 1 && (c = memcmp(p + 1, q + 1, n - 1)) != 0)
		return c < 0 ? -1 : 1;
	return alen < blen ? -1 : alen > blen;
}

static int
cmp_seq(const struct etf_term *a, size_t an, const struct etf_term *b,
    size_t bn)
{
	size_t i;
	int c;

	for (i = 0; i < an && i < bn; i++)
		if ((c = etf_compare(&a[i], &b[i])) != 0)
			return c;
	return an < bn ? -1 : an > bn;
}

static int
cmp_key(const void *a, const void *b)
{
	return etf_compare(*(const struct etf_term * const *)a,
	    *(const struct etf_term * const *)b);
}

static void
sort_keys(const struct etf_term *m, const struct etf_term **k)
{
	size_t i;

	for (i = 0; i < m->map.n; i++)
		k[i] = &m->map.kv[2 * i];
	qsort(k, m->map.n, sizeof(*k), cmp_key);
}

/* Maps: by size, then keys in term order, then values in key order. */
static int
cmp_map(const struct etf_term *a, const struct etf_term *b)
{
	const struct etf_term *sa[SORT_STACK], *sb[SORT_STACK];
	const struct etf_term **ka = sa, **kb = sb;
	size_t i, n = a->map.n;
	int c = 0;

	if (a->map.n != b->map.n)
		return a->map.n < b->map.n ? -1 : 1;
	if (a->map.sorted && b->map.sorted) {
		/* Decoded maps: their keys in order already. */
		for (i = 0; i < n && c == 0; i++)
			c = etf_compare(&a->map.kv[2 * i], &b->map.kv[2 * i]);
		for (i = 0; i < n && c == 0; i++)
			c = etf_compare(&a->map.kv[2 * i + 1],
			    &b->map.kv[2 * i + 1]);
		return c;
	}
	if (n > SORT_STACK) {
		ka = malloc(n * sizeof(*ka));
		kb = malloc(n * sizeof(*kb));
		if (ka == NULL || kb == NULL) {
			/* Not exact, but still a total order. */
			free(ka);
			free(kb);
			return cmp_seq(a->map.kv, 2 * n, b->map.kv, 2 * n);
		}
	}
	sort_keys(a, ka);
	sort_keys(b, kb);
	for (i = 0; i < n && c == 0; i++)
		c = etf_compare(ka[i], kb[i]);
	for (i = 0; i < n && c == 0; i++)
		c = etf_compare(ka[i] + 1, kb[i] + 1);
	if (n > SORT_STACK) {
		free(ka);
		free(kb);
	}
	return c;
}

/* Integers, one of them (or both) outside 64 bits: by value. */
static int
cmp_bigint(const struct etf_term *a, const struct etf_term *b)
{
	int sa, sb, c;
	size_t i;

	sa = a->type == ETF_BIGINT ? (a->big.neg ? -1 : 1) : 0;
	sb = b->type == ETF_BIGINT ? (b->big.neg ? -1 : 1) : 0;
	if (sa != sb)
		return sa < sb ? -1 : 1;	/* int64 values lie between */
	if (a->big.len != b->big.len)
		c = a->big.len < b->big.len ? -1 : 1;
	else {
		c = 0;
		for (i = a->big.len; i-- > 0 && c == 0;)
			if (a->big.mag[i] != b->big.mag[i])
				c = a->big.mag[i] < b->big.mag[i] ? -1 : 1;
	}
	return sa < 0 ? -c : c;
}

/*
 * Exact term order, the one OTP sorts map keys by: numbers first, and
 * there every integer before every float (so 1 < 1.0 and 2 < 1.0).
 */
int
etf_compare(const struct etf_term *a, const struct etf_term *b)
{
	int ra = rank(a->type), rb = rank(b->type);

	if (ra != rb)
		return ra < rb ? -1 : 1;
	switch (a->type) {
	case ETF_INT:
	case ETF_BIGINT:
		if (b->type == ETF_FLOAT)
			return -1;
		if (a->type == ETF_BIGINT || b->type == ETF_BIGINT)
			return cmp_bigint(a, b);
		return a->i < b->i ? -1 : a->i > b->i;
	case ETF_FLOAT:
		if (b->type != ETF_FLOAT)
			return 1;
		if (a->f == b->f && signbit(a->f) != signbit(b->f))
			/* -0.0 before 0.0: two terms, as OTP 27 has them
			 * (two keys of a map; before it, no map held both). */
			return signbit(a->f) ? -1 : 1;
		return a->f < b->f ? -1 : a->f > b->f;
	case ETF_ATOM:
		return cmp_bytes(a->atom.p, a->atom.len, b->atom.p,
		    b->atom.len);
	case ETF_BINARY:
		return cmp_bytes(a->bin.p, a->bin.len, b->bin.p, b->bin.len);
	case ETF_TUPLE:
		if (a->seq.n != b->seq.n)
			return a->seq.n < b->seq.n ? -1 : 1;
		return cmp_seq(a->seq.v, a->seq.n, b->seq.v, b->seq.n);
	case ETF_LIST:
		return cmp_seq(a->seq.v, a->seq.n, b->seq.v, b->seq.n);
	case ETF_MAP:
		return cmp_map(a, b);
	}
	return 0;
}

/* The same as etf_compare() == 0, without ordering what need not be. */
bool
etf_equal(const struct etf_term *a, const struct etf_term *b)
{
	size_t i;

	if (a->type != b->type)
		return false;
	switch (a->type) {
	case ETF_INT:
		return a->i == b->i;
	case ETF_BIGINT:
		return cmp_bigint(a, b) == 0;
	case ETF_FLOAT:
		return a->f == b->f && signbit(a->f) == signbit(b->f);
	case ETF_ATOM:
		return a->atom.len == b->atom.len &&
		    memcmp(a->atom.p, b->atom.p, a->atom.len) == 0;
	case ETF_BINARY:
		return a->bin.len == b->bin.len && (a->bin.len == 0 ||
		    memcmp(a->bin.p, b->bin.p, a->bin.len) == 0);
	case ETF_TUPLE:
	case ETF_LIST:
		if (a->seq.n != b->seq.n)
			return false;
		for (i = 0; i < a->seq.n; i++)
			if (!etf_equal(&a->seq.v[i], &b->seq.v[i]))
				return false;
		return true;
	case ETF_MAP:
		return a->map.n == b->map.n && cmp_map(a, b) == 0;
	}
	return false;
}
