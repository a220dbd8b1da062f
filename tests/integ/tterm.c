/*
 * tterm.c: terms written as text in tests (syntax in harness.h): a
 * parser that builds terms in an arena, a matcher for reply patterns and
 * a printer for failure messages.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/*
 * Pattern-only nodes are atoms whose text starts with MARK, a byte no
 * reply of the daemon carries: "\1_" any term, "\1iN" / "\1tN" capture N.
 */
#define MARK		'\001'
#define MAXCAPS		16

struct tparse {
	struct etf_arena	*a;
	const char		*s;
	const char		*fmt;
	va_list			*ap;
	bool			 pattern;
	void			*cap[MAXCAPS];
	int			 ncap;
	char			 err[200];
};

static int	parse_term(struct tparse *, struct etf_term *);

static int
perr(struct tparse *p, const char *what)
{
	if (p->err[0] == '\0')
		snprintf(p->err, sizeof p->err, "term syntax: %s at offset %td "
		    "of \"%s\"", what, p->s - p->fmt, p->fmt);
	return -1;
}

static void
skipws(struct tparse *p)
{
	while (isspace((unsigned char)*p->s))
		p->s++;
}

static bool
accept(struct tparse *p, const char *tok)
{
	size_t	n = strlen(tok);

	skipws(p);
	if (strncmp(p->s, tok, n) != 0)
		return false;
	p->s += n;
	return true;
}

static void *
acopy(struct etf_arena *a, const void *src, size_t len)
{
	char	*d = etf_arena_alloc(a, len + 1);

	if (d == NULL)
		return NULL;
	if (len > 0)
		memcpy(d, src, len);
	d[len] = '\0';
	return d;
}

static int
set(struct tparse *p, struct etf_term *out, struct etf_term *t)
{
	if (t == NULL)
		return perr(p, "out of memory");
	*out = *t;
	return 0;
}

/* One escape after a backslash in a quoted atom or string. */
static int
unescape(struct tparse *p, unsigned char *c)
{
	unsigned int	 x;

	switch (*p->s) {
	case 'n': *c = '\n'; break;
	case 't': *c = '\t'; break;
	case 'r': *c = '\r'; break;
	case '0': *c = '\0'; break;
	case '\\': case '"': case '\'': *c = (unsigned char)*p->s; break;
	case 'x':
		if (!isxdigit((unsigned char)p->s[1]) ||
		    !isxdigit((unsigned char)p->s[2]) ||
		    sscanf(p->s + 1, "%2x", &x) != 1)
			return perr(p, "bad \\x escape");
		*c = (unsigned char)x;
		p->s += 2;
		break;
	default:
		return perr(p, "unknown escape");
	}
	p->s++;
	return 0;
}

/* Quoted text up to the closing quote q; bytes into an arena copy. */
static int
quoted(struct tparse *p, char q, char **txt, size_t *len)
{
	char		*buf;
	size_t		 n = 0;
	unsigned char	 c = 0;

	p->s++;		/* opening quote */
	if ((buf = etf_arena_alloc(p->a, strlen(p->s) + 1)) == NULL)
		return perr(p, "out of memory");
	while (*p->s != q) {
		if (*p->s == '\0')
			return perr(p, "unterminated quote");
		if (*p->s == '\\') {
			p->s++;
			if (unescape(p, &c) == -1)
				return -1;
		} else
			c = (unsigned char)*p->s++;
		buf[n++] = (char)c;
	}
	p->s++;
	buf[n] = '\0';
	*txt = buf;
	*len = n;
	return 0;
}

static int
parse_int(struct tparse *p, struct etf_term *out)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(p->s, &end, 10);
	if (errno != 0 || end == p->s)
		return perr(p, "bad integer (signed 64 bits only)");
	p->s = end;
	return set(p, out, etf_mk_int(p->a, v));
}

static int
parse_atom(struct tparse *p, struct etf_term *out)
{
	const char	*b = p->s;
	char		*txt;
	size_t		 len;

	if (*p->s == '\'') {
		if (quoted(p, '\'', &txt, &len) == -1)
			return -1;
		return set(p, out, etf_mk_atom(p->a, txt));
	}
	while (isalnum((unsigned char)*p->s) || *p->s == '_' || *p->s == '@')
		p->s++;
	if (*b == '_') {
		if (!p->pattern)
			return perr(p, "_ outside a pattern");
		return set(p, out, etf_mk_atom(p->a, "\001_"));
	}
	if ((txt = acopy(p->a, b, (size_t)(p->s - b))) == NULL)
		return perr(p, "out of memory");
	return set(p, out, etf_mk_atom(p->a, txt));
}

/* <<"text", 1, 2>> or <<>>. */
static int
parse_binary(struct tparse *p, struct etf_term *out)
{
	uint8_t		*buf;
	char		*txt;
	size_t		 n = 0, len;
	long		 v;
	char		*end;

	if ((buf = etf_arena_alloc(p->a, strlen(p->s) + 1)) == NULL)
		return perr(p, "out of memory");
	if (!accept(p, ">>")) {
		do {
			skipws(p);
			if (*p->s == '"') {
				if (quoted(p, '"', &txt, &len) == -1)
					return -1;
				memcpy(buf + n, txt, len);
				n += len;
				continue;
			}
			v = strtol(p->s, &end, 10);
			if (end == p->s || v < 0 || v > 255)
				return perr(p, "bad byte in binary");
			p->s = end;
			buf[n++] = (uint8_t)v;
		} while (accept(p, ","));
		if (!accept(p, ">>"))
			return perr(p, "expected >>");
	}
	return set(p, out, etf_mk_binary(p->a, buf, n));
}

/* Elements up to the closing token; pairs for maps. */
static int
parse_seq(struct tparse *p, const char *close, bool pairs,
    struct etf_term **elems, size_t *n)
{
	struct etf_term	*v = NULL, *nv;
	size_t		 cap = 0, k = 0;

	if (accept(p, close)) {
		*elems = NULL;
		*n = 0;
		return 0;
	}
	do {
		if (k + 2 > cap) {
			cap = cap ? cap * 2 : 8;
			nv = etf_arena_alloc(p->a, cap * sizeof *nv);
			if (nv == NULL)
				return perr(p, "out of memory");
			if (k > 0)
				memcpy(nv, v, k * sizeof *nv);
			v = nv;
		}
		if (parse_term(p, &v[k++]) == -1)
			return -1;
		if (!pairs && strcmp(close, "]") == 0 && accept(p, "|")) {
			/* [A, B | _]: any rest (patterns only) */
			if (!p->pattern || !accept(p, "_"))
				return perr(p, "only | _ in a pattern");
			v[k++] = *etf_mk_atom(p->a, "\001|");
			break;
		}
		if (pairs) {
			if (!accept(p, "=>"))
				return perr(p, "expected =>");
			if (parse_term(p, &v[k++]) == -1)
				return -1;
		}
	} while (accept(p, ","));
	if (!accept(p, close))
		return perr(p, "expected a closing bracket");
	*elems = v;
	*n = pairs ? k / 2 : k;
	return 0;
}

static int
parse_compound(struct tparse *p, struct etf_term *out, int kind)
{
	struct etf_term	*elems = NULL, *t;
	size_t		 n = 0, i;

	if (parse_seq(p, kind == ETF_TUPLE ? "}" : kind == ETF_LIST ? "]" :
	    "}", kind == ETF_MAP, &elems, &n) == -1)
		return -1;
	if (kind == ETF_TUPLE)
		t = etf_mk_tuple(p->a, n);
	else if (kind == ETF_LIST)
		t = etf_mk_list(p->a, n);
	else
		t = etf_mk_map(p->a, n);
	if (t == NULL)
		return perr(p, "out of memory");
	if (kind == ETF_MAP) {
		for (i = 0; i < 2 * n; i++)
			t->map.kv[i] = elems[i];
	} else {
		for (i = 0; i < n; i++)
			t->seq.v[i] = elems[i];
	}
	*out = *t;
	return 0;
}

static int
parse_ymd(const char *s, int *y, int *m, int *d)
{
	int	i;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	*y = atoi(s);
	*m = atoi(s + 5);
	*d = atoi(s + 8);
	return 0;
}

struct etf_term *
tterm_date(struct etf_arena *a, int y, int m, int d)
{
	struct etf_term	*t;

	if ((t = etf_mk_map(a, 5)) == NULL)
		return NULL;
	t->map.kv[0] = *etf_mk_atom(a, "__struct__");
	t->map.kv[1] = *etf_mk_atom(a, "Elixir.Date");
	t->map.kv[2] = *etf_mk_atom(a, "calendar");
	t->map.kv[3] = *etf_mk_atom(a, "Elixir.Calendar.ISO");
	t->map.kv[4] = *etf_mk_atom(a, "year");
	t->map.kv[5] = *etf_mk_int(a, y);
	t->map.kv[6] = *etf_mk_atom(a, "month");
	t->map.kv[7] = *etf_mk_int(a, m);
	t->map.kv[8] = *etf_mk_atom(a, "day");
	t->map.kv[9] = *etf_mk_int(a, d);
	return t;
}

static int
subst_date(struct tparse *p, struct etf_term *out)
{
	const char	*s = va_arg(*p->ap, const char *);
	int		 y, m, d;

	if (parse_ymd(s, &y, &m, &d) == -1)
		return perr(p, "~D wants \"YYYY-MM-DD\"");
	return set(p, out, tterm_date(p->a, y, m, d));
}

static int
subst_entry(struct tparse *p, struct etf_term *out)
{
	int		 id = va_arg(*p->ap, int);
	const char	*date = va_arg(*p->ap, const char *);
	const char	*title = va_arg(*p->ap, const char *);
	struct etf_term	*t, *dt;
	int		 y, m, d;

	if (parse_ymd(date, &y, &m, &d) == -1)
		return perr(p, "~E wants \"YYYY-MM-DD\"");
	if ((t = etf_mk_map(p->a, 3)) == NULL ||
	    (dt = tterm_date(p->a, y, m, d)) == NULL)
		return perr(p, "out of memory");
	t->map.kv[0] = *etf_mk_atom(p->a, "id");
	t->map.kv[1] = *etf_mk_int(p->a, id);
	t->map.kv[2] = *etf_mk_atom(p->a, "date");
	t->map.kv[3] = *dt;
	t->map.kv[4] = *etf_mk_atom(p->a, "title");
	t->map.kv[5] = *etf_mk_binary(p->a, title, strlen(title));
	*out = *t;
	return 0;
}

static int
subst_capture(struct tparse *p, struct etf_term *out)
{
	char	 mark[4];
	char	 kind = *p->s++;

	if (!p->pattern || (kind != 'i' && kind != 't'))
		return perr(p, "~? wants i or t, in a pattern");
	if (p->ncap == MAXCAPS)
		return perr(p, "too many captures");
	p->cap[p->ncap] = va_arg(*p->ap, void *);
	mark[0] = MARK;
	mark[1] = kind;
	mark[2] = (char)('0' + p->ncap++);
	mark[3] = '\0';
	return set(p, out, etf_mk_atom(p->a, acopy(p->a, mark, 3)));
}

static int
parse_subst(struct tparse *p, struct etf_term *out)
{
	const char	*s;
	const void	*b;
	size_t		 len;

	switch (*p->s++) {
	case 'i':
		return set(p, out, etf_mk_int(p->a, va_arg(*p->ap, int)));
	case 'I':
		return set(p, out, etf_mk_int(p->a, va_arg(*p->ap, int64_t)));
	case 'a':
		s = va_arg(*p->ap, const char *);
		return set(p, out, etf_mk_atom(p->a, acopy(p->a, s,
		    strlen(s))));
	case 's':
		s = va_arg(*p->ap, const char *);
		return set(p, out, etf_mk_binary(p->a, s, strlen(s)));
	case 'b':
		b = va_arg(*p->ap, const void *);
		len = va_arg(*p->ap, size_t);
		return set(p, out, etf_mk_binary(p->a, b, len));
	case 't':
		*out = *va_arg(*p->ap, const struct etf_term *);
		return 0;
	case 'D':
		return subst_date(p, out);
	case 'E':
		return subst_entry(p, out);
	case '?':
		return subst_capture(p, out);
	default:
		p->s--;
		return perr(p, "unknown substitution");
	}
}

static int
parse_term(struct tparse *p, struct etf_term *out)
{
	skipws(p);
	if (*p->s == '~') {
		p->s++;
		return parse_subst(p, out);
	}
	if (accept(p, "<<"))
		return parse_binary(p, out);
	if (accept(p, "{"))
		return parse_compound(p, out, ETF_TUPLE);
	if (accept(p, "["))
		return parse_compound(p, out, ETF_LIST);
	if (accept(p, "#{"))
		return parse_compound(p, out, ETF_MAP);
	if (*p->s == '-' || isdigit((unsigned char)*p->s))
		return parse_int(p, out);
	if (*p->s == '\'' || islower((unsigned char)*p->s) || *p->s == '_')
		return parse_atom(p, out);
	return perr(p, "unexpected character");
}

static struct etf_term *
parse(struct tparse *p, const char *fmt)
{
	struct etf_term	*t;

	p->fmt = p->s = fmt;
	if ((t = etf_arena_alloc(p->a, sizeof *t)) == NULL) {
		perr(p, "out of memory");
		return NULL;
	}
	if (parse_term(p, t) == -1)
		return NULL;
	skipws(p);
	if (*p->s != '\0') {
		perr(p, "text after the term");
		return NULL;
	}
	return t;
}

struct etf_term *
tterm_parse_ap(struct etf_arena *a, const char *fmt, va_list *ap)
{
	struct tparse	 p;
	struct etf_term	*t;

	memset(&p, 0, sizeof p);
	p.a = a;
	p.ap = ap;
	if ((t = parse(&p, fmt)) == NULL)
		h_seterr("%s", p.err);
	return t;
}

struct etf_term *
vtterm(struct etf_arena *a, const char *fmt, va_list ap)
{
	struct etf_term	*t;
	va_list		 cp;

	va_copy(cp, ap);
	t = tterm_parse_ap(a, fmt, &cp);
	va_end(cp);
	return t;
}

struct etf_term *
tterm(struct etf_arena *a, const char *fmt, ...)
{
	struct etf_term	*t;
	va_list		 ap;

	va_start(ap, fmt);
	t = tterm_parse_ap(a, fmt, &ap);
	va_end(ap);
	return t;
}

int
tterm_encode(struct etf_buf *b, const char *fmt, ...)
{
	struct etf_arena	*a;
	struct etf_term		*t;
	va_list			 ap;
	int			 rv = -1;

	if ((a = etf_arena_new()) == NULL)
		return -1;
	va_start(ap, fmt);
	t = tterm_parse_ap(a, fmt, &ap);
	va_end(ap);
	if (t != NULL && etf_encode(b, t) == ETF_OK)
		rv = 0;
	etf_arena_free(a);
	return rv;
}

/* ---- matching ---- */

static bool
is_mark(const struct etf_term *t)
{
	return t->type == ETF_ATOM && t->atom.len > 0 && t->atom.p[0] == MARK;
}

static bool	match(struct tparse *, const struct etf_term *,
		    const struct etf_term *);

static bool
match_map(struct tparse *p, const struct etf_term *pat,
    const struct etf_term *t)
{
	size_t	i, j;

	if (pat->map.n != t->map.n)
		return false;
	for (i = 0; i < pat->map.n; i++) {
		for (j = 0; j < t->map.n; j++)
			if (match(p, &pat->map.kv[2 * i], &t->map.kv[2 * j]))
				break;
		if (j == t->map.n || !match(p, &pat->map.kv[2 * i + 1],
		    &t->map.kv[2 * j + 1]))
			return false;
	}
	return true;
}

static bool
match(struct tparse *p, const struct etf_term *pat, const struct etf_term *t)
{
	size_t	i;
	int	k;

	if (is_mark(pat)) {
		if (pat->atom.p[1] == '_')
			return true;
		k = pat->atom.p[2] - '0';
		if (pat->atom.p[1] == 'i') {
			if (t->type != ETF_INT)
				return false;
			*(int64_t *)p->cap[k] = t->i;
		} else
			*(const struct etf_term **)p->cap[k] = t;
		return true;
	}
	if (pat->type != t->type)
		return false;
	switch (t->type) {
	case ETF_INT:
		return pat->i == t->i;
	case ETF_BIGINT:
		return etf_equal(pat, t);
	case ETF_FLOAT:
		return pat->f == t->f;
	case ETF_ATOM:
		return pat->atom.len == t->atom.len &&
		    memcmp(pat->atom.p, t->atom.p, t->atom.len) == 0;
	case ETF_BINARY:
		return pat->bin.len == t->bin.len && (t->bin.len == 0 ||
		    memcmp(pat->bin.p, t->bin.p, t->bin.len) == 0);
	case ETF_LIST:
	case ETF_TUPLE:
		if (t->type == ETF_LIST && pat->seq.n > 0 &&
		    is_mark(&pat->seq.v[pat->seq.n - 1]) &&
		    pat->seq.v[pat->seq.n - 1].atom.p[1] == '|') {
			if (t->seq.n < pat->seq.n - 1)
				return false;
			for (i = 0; i + 1 < pat->seq.n; i++)
				if (!match(p, &pat->seq.v[i], &t->seq.v[i]))
					return false;
			return true;
		}
		if (pat->seq.n != t->seq.n)
			return false;
		for (i = 0; i < t->seq.n; i++)
			if (!match(p, &pat->seq.v[i], &t->seq.v[i]))
				return false;
		return true;
	case ETF_MAP:
		return match_map(p, pat, t);
	}
	return false;
}

bool
tterm_vmatch(const struct etf_term *t, char *err, size_t errlen,
    const char *fmt, va_list ap)
{
	struct etf_arena	*a;
	struct etf_term		*pat;
	struct tparse		 p;
	va_list			 cp;
	char			 b1[2048], b2[2048];
	bool			 ok = false;

	if ((a = etf_arena_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	memset(&p, 0, sizeof p);
	p.a = a;
	p.pattern = true;
	va_copy(cp, ap);
	p.ap = &cp;
	if ((pat = parse(&p, fmt)) == NULL)
		snprintf(err, errlen, "%s", p.err);
	else if (!(ok = match(&p, pat, t)))
		snprintf(err, errlen, "expected %s\n       got %s",
		    tterm_print(pat, b1, sizeof b1),
		    tterm_print(t, b2, sizeof b2));
	va_end(cp);
	etf_arena_free(a);
	return ok;
}

/* ---- printing ---- */

struct out {
	char	*p;
	size_t	 len, n;
};

static void
put(struct out *o, const char *fmt, ...)
{
	va_list	ap;
	int	r;

	if (o->n + 1 >= o->len)
		return;
	va_start(ap, fmt);
	r = vsnprintf(o->p + o->n, o->len - o->n, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	o->n += (size_t)r;
	if (o->n >= o->len) {
		o->n = o->len - 1;
		if (o->len > 4)
			memcpy(o->p + o->len - 4, "...", 4);
	}
}

static void
put_text(struct out *o, const void *s, size_t len, char q)
{
	const unsigned char	*u = s;
	size_t			 i;

	for (i = 0; i < len && o->n + 1 < o->len; i++) {
		if (u[i] == (unsigned char)q || u[i] == '\\')
			put(o, "\\%c", u[i]);
		else if (u[i] >= 0x20 && u[i] < 0x7f)
			put(o, "%c", u[i]);
		else
			put(o, "\\x%02x", u[i]);
	}
}

static bool
plain_atom(const struct etf_term *t)
{
	size_t	i;

	if (t->atom.len == 0 || !islower((unsigned char)t->atom.p[0]))
		return false;
	for (i = 0; i < t->atom.len; i++)
		if (!isalnum((unsigned char)t->atom.p[i]) &&
		    t->atom.p[i] != '_' && t->atom.p[i] != '@')
			return false;
	return true;
}

static void
print(struct out *o, const struct etf_term *t, int depth)
{
	size_t	i;

	if (depth > 64) {
		put(o, "...");
		return;
	}
	switch (t->type) {
	case ETF_INT:
		put(o, "%" PRId64, t->i);
		break;
	case ETF_BIGINT:
		put(o, "%s<integer of %zu bytes>", t->big.neg ? "-" : "",
		    t->big.len);
		break;
	case ETF_FLOAT:
		put(o, "%g", t->f);
		break;
	case ETF_ATOM:
		if (is_mark(t) && t->atom.p[1] == '_')
			put(o, "_");
		else if (is_mark(t) && t->atom.p[1] == '|')
			put(o, "| _");
		else if (is_mark(t))
			put(o, "~?%c", t->atom.p[1]);
		else if (plain_atom(t))
			put(o, "%.*s", (int)t->atom.len, t->atom.p);
		else {
			put(o, "'");
			put_text(o, t->atom.p, t->atom.len, '\'');
			put(o, "'");
		}
		break;
	case ETF_BINARY:
		put(o, "<<\"");
		put_text(o, t->bin.p, t->bin.len > 300 ? 300 : t->bin.len, '"');
		if (t->bin.len > 300)
			put(o, "\"...(%zu bytes)>>", t->bin.len);
		else
			put(o, "\">>");
		break;
	case ETF_LIST:
	case ETF_TUPLE:
		put(o, t->type == ETF_LIST ? "[" : "{");
		for (i = 0; i < t->seq.n; i++) {
			if (i > 0)
				put(o, ", ");
			print(o, &t->seq.v[i], depth + 1);
		}
		put(o, t->type == ETF_LIST ? "]" : "}");
		break;
	case ETF_MAP:
		put(o, "#{");
		for (i = 0; i < t->map.n; i++) {
			if (i > 0)
				put(o, ", ");
			print(o, &t->map.kv[2 * i], depth + 1);
			put(o, " => ");
			print(o, &t->map.kv[2 * i + 1], depth + 1);
		}
		put(o, "}");
		break;
	}
}

char *
tterm_print(const struct etf_term *t, char *buf, size_t len)
{
	struct out	o = { buf, len, 0 };

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (t == NULL)
		put(&o, "(none)");
	else
		print(&o, t, 0);
	return buf;
}
