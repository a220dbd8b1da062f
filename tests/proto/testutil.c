/* testutil.c: hex and the term notation of the proto tests. */
#include "config.h"

#include <stdarg.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etf.h"
#include "testutil.h"

static int
nibble(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* n hex digits at s into out (n even). */
static int
hex_span(const char *s, size_t n, uint8_t *out)
{
	size_t i;
	int hi, lo;

	if (n % 2 != 0)
		return -1;
	for (i = 0; i < n; i += 2) {
		if ((hi = nibble(s[i])) < 0 || (lo = nibble(s[i + 1])) < 0)
			return -1;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

long
hex_decode(const char *s, uint8_t **out)
{
	size_t n = strspn(s, "0123456789abcdefABCDEF");

	if ((*out = malloc(n / 2 + 1)) == NULL)
		return -1;
	if (hex_span(s, n, *out) == -1) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return (long)(n / 2);
}

char *
hex_encode(const uint8_t *p, size_t n)
{
	char *s;
	size_t i;

	if ((s = malloc(2 * n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		snprintf(s + 2 * i, 3, "%02x", p[i]);
	s[2 * n] = '\0';
	return s;
}

struct parser {
	struct etf_arena	*a;
	const char		*s;
};

static int	parse_into(struct parser *, struct etf_term *, int);

static size_t
token(struct parser *ps, const char **tok)
{
	size_t n;

	while (*ps->s == ' ' || *ps->s == '\n')
		ps->s++;
	*tok = ps->s;
	n = strcspn(ps->s, " \n");
	ps->s += n;
	return n;
}

static int
parse_hexbytes(struct parser *ps, const char *s, size_t n, const uint8_t **p)
{
	uint8_t *b;

	if ((b = etf_arena_alloc(ps->a, n / 2 + 1)) == NULL ||
	    hex_span(s, n, b) == -1)
		return -1;
	b[n / 2] = 0;
	*p = b;
	return 0;
}

static int
parse_count(const char *s, size_t n, size_t *count)
{
	char buf[32], *end;
	unsigned long long v;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (*end != '\0' || errno != 0)
		return -1;
	*count = (size_t)v;
	return 0;
}

static int
parse_seq(struct parser *ps, struct etf_term *v, size_t n, int depth)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (parse_into(ps, &v[i], depth + 1) == -1)
			return -1;
	return 0;
}

static int
parse_into(struct parser *ps, struct etf_term *t, int depth)
{
	const char *tok;
	const uint8_t *b;
	char buf[32], *end;
	size_t n, count;
	struct etf_term *c;
	uint64_t u;

	if (depth > 10000 || (n = token(ps, &tok)) == 0)
		return -1;
	switch (tok[0]) {
	case 'i':
		if (n - 1 >= sizeof(buf) || n < 2)
			return -1;
		memcpy(buf, tok + 1, n - 1);
		buf[n - 1] = '\0';
		errno = 0;
		t->type = ETF_INT;
		t->i = strtoll(buf, &end, 10);
		return (*end != '\0' || errno != 0) ? -1 : 0;
	case 'f':
		if (n != 17 || parse_hexbytes(ps, tok + 1, 16, &b) == -1)
			return -1;
		u = 0;
		for (count = 0; count < 8; count++)
			u = u << 8 | b[count];
		t->type = ETF_FLOAT;
		memcpy(&t->f, &u, 8);
		return 0;
	case 'a':
		if (parse_hexbytes(ps, tok + 1, n - 1, &b) == -1)
			return -1;
		t->type = ETF_ATOM;
		t->atom.p = (const char *)b;
		t->atom.len = (n - 1) / 2;
		return 0;
	case 'b':
		if (parse_hexbytes(ps, tok + 1, n - 1, &b) == -1)
			return -1;
		t->type = ETF_BINARY;
		t->bin.p = b;
		t->bin.len = (n - 1) / 2;
		return 0;
	case 't':
	case 'l':
		if (parse_count(tok + 1, n - 1, &count) == -1 ||
		    (c = tok[0] == 't' ? etf_mk_tuple(ps->a, count) :
		    etf_mk_list(ps->a, count)) == NULL)
			return -1;
		*t = *c;
		return parse_seq(ps, t->seq.v, count, depth);
	case 'm':
		if (parse_count(tok + 1, n - 1, &count) == -1 ||
		    (c = etf_mk_map(ps->a, count)) == NULL)
			return -1;
		*t = *c;
		return parse_seq(ps, t->map.kv, 2 * count, depth);
	default:
		return -1;
	}
}

struct etf_term *
note_parse(struct etf_arena *a, const char *s)
{
	struct parser ps = { a, s };
	struct etf_term *t;

	if ((t = etf_mk_int(a, 0)) == NULL || parse_into(&ps, t, 0) == -1)
		return NULL;
	return t;
}

struct out {
	char	*p;
	size_t	 len, cap;
};

static void
out_add(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
out_add(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		o->cap = 2 * o->cap + (size_t)n + 64;
		if ((o->p = realloc(o->p, o->cap)) == NULL)
			abort();
	}
}

static void
out_hex(struct out *o, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		out_add(o, "%02x", b[i]);
}

static void
format_into(struct out *o, const struct etf_term *t)
{
	uint64_t u;
	size_t i;

	if (o->len > 0)
		out_add(o, " ");
	switch (t->type) {
	case ETF_INT:
		out_add(o, "i%" PRId64, t->i);
		break;
	case ETF_BIGINT:
		out_add(o, "big(%s%zu bytes)", t->big.neg ? "-" : "",
		    t->big.len);
		break;
	case ETF_FLOAT:
		memcpy(&u, &t->f, 8);
		out_add(o, "f%016" PRIx64, u);
		break;
	case ETF_ATOM:
		out_add(o, "a");
		out_hex(o, t->atom.p, t->atom.len);
		break;
	case ETF_BINARY:
		out_add(o, "b");
		out_hex(o, t->bin.p, t->bin.len);
		break;
	case ETF_TUPLE:
	case ETF_LIST:
		out_add(o, "%c%zu", t->type == ETF_TUPLE ? 't' : 'l',
		    t->seq.n);
		for (i = 0; i < t->seq.n; i++)
			format_into(o, &t->seq.v[i]);
		break;
	case ETF_MAP:
		out_add(o, "m%zu", t->map.n);
		for (i = 0; i < 2 * t->map.n; i++)
			format_into(o, &t->map.kv[i]);
		break;
	}
}

char *
note_format(const struct etf_term *t)
{
	struct out o = { NULL, 0, 0 };

	out_add(&o, "%s", "");
	format_into(&o, t);
	return o.p;
}

char *
slurp(const char *path, size_t *lenp)
{
	FILE *f;
	char *p = NULL;
	size_t len = 0, cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap * 2 + 8192;
			if ((p = realloc(p, cap)) == NULL)
				abort();
		}
		if ((n = fread(p + len, 1, cap - len - 1, f)) == 0)
			break;
		len += n;
	}
	fclose(f);
	p[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return p;
}

const char *
srcpath(const char *rel)
{
	static char buf[4096];
	const char *top = getenv("TOP_SRCDIR");

	snprintf(buf, sizeof(buf), "%s/%s", top != NULL ? top : ".", rel);
	return buf;
}
