/*
 * bench_req.c: the requests todo-bench sends and a quick look at the
 * replies.
 *
 * Requests are encoded with the client library's piecewise encoders.
 * Replies are classified from their first bytes only: {ok, V} with V of
 * the shape the request gets (a list for a read, an integer for an add or
 * an attach), or {error, Reason}; anything else is a bad_reply.  A read's
 * list length is taken from its header, so the report can say how many
 * entries a read returned on average.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "etf.h"
#include "todoclient.h"
#include "bench.h"
#include "bench_req.h"

#define BENCH_DAY0	{ 2024, 1, 1 }

struct todo_date
bench_date(uint64_t seq)
{
	static const struct todo_date d0 = BENCH_DAY0;
	uint64_t day = seq / BENCH_PER_DATE;
	int32_t base = todo_date_to_days(d0);

	/* Past 9999-12-31 the dates wrap around (never in practice). */
	day %= (uint64_t)(todo_date_to_days((struct todo_date){ 9999, 12, 31 })
	    - base);
	return todo_days_to_date(base + (int32_t)day);
}

/* xorshift64*: fast, good enough to pick dates and request kinds. */
uint64_t
bench_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

int
bench_list_name(char *buf, size_t size, const char *prefix, long index)
{
	int n;

	n = snprintf(buf, size, "%s-%ld", prefix, index);
	if (n < 0 || (size_t)n >= size || n > TODO_NAME_MAX)
		return -1;
	return n;
}

void
bench_enc_attach(struct etf_buf *b, const char *prefix, long index)
{
	char name[TODO_NAME_MAX + 1];
	int n;

	n = bench_list_name(name, sizeof(name), prefix, index);
	/* The prefix was checked at startup: n is never -1 here. */
	tc_req_attach(b, name, n < 0 ? 0 : (size_t)n);
}

void
bench_enc_add(struct etf_buf *b, long list, uint64_t seq, int title_size)
{
	char title[TODO_TITLE_MAX + 1];
	int n;

	n = snprintf(title, sizeof(title), "entry %ld/%llu ", list,
	    (unsigned long long)seq);
	if (n < 0)
		n = 0;
	if (n > title_size)
		n = title_size;
	while (n < title_size)
		title[n++] = 'x';
	tc_req_add(b, bench_date(seq), title, (size_t)n);
}

void
bench_enc_read(struct etf_buf *b, uint64_t date_index)
{
	struct todo_date d = bench_date(date_index * BENCH_PER_DATE);

	tc_req_entries(b, &d);
}

/* An atom at p[*off]: its text and length; advances *off.  -1 if none. */
static int
atom_at(const uint8_t *p, size_t len, size_t *off, const uint8_t **a,
    size_t *alen)
{
	size_t o = *off, l, hdr;

	if (o >= len)
		return -1;
	switch (p[o]) {
	case ETF_TAG_SMALL_ATOM_UTF8:
	case ETF_TAG_SMALL_ATOM:
		hdr = 2;
		if (o + hdr > len)
			return -1;
		l = p[o + 1];
		break;
	case ETF_TAG_ATOM_UTF8:
	case ETF_TAG_ATOM:
		hdr = 3;
		if (o + hdr > len)
			return -1;
		l = (size_t)p[o + 1] << 8 | p[o + 2];
		break;
	default:
		return -1;
	}
	if (len - o - hdr < l)
		return -1;
	*a = p + o + hdr;
	*alen = l;
	*off = o + hdr + l;
	return 0;
}

static bool
atom_is(const uint8_t *a, size_t alen, const char *s)
{
	return alen == strlen(s) && memcmp(a, s, alen) == 0;
}

static int
ok_value(const uint8_t *p, size_t len, size_t o, enum bench_kind kind,
    uint64_t *nentries)
{
	if (o >= len)
		return REPLY_BAD;
	if (kind == K_READ) {
		if (p[o] == ETF_TAG_NIL)
			return REPLY_OK;
		if (p[o] != ETF_TAG_LIST || len - o < 5)
			return REPLY_BAD;
		*nentries += (uint64_t)p[o + 1] << 24 | (uint64_t)p[o + 2] << 16 |
		    (uint64_t)p[o + 3] << 8 | p[o + 4];
		return REPLY_OK;
	}
	switch (p[o]) {
	case ETF_TAG_SMALL_INTEGER:
	case ETF_TAG_INTEGER:
	case ETF_TAG_SMALL_BIG:
		return REPLY_OK;
	default:
		return REPLY_BAD;
	}
}

int
bench_reply(const uint8_t *p, size_t len, enum bench_kind kind,
    uint64_t *nentries, char *reason, size_t rsize)
{
	const uint8_t *a;
	size_t alen, o = 3, i;

	if (len < 3 || p[0] != ETF_VERSION || p[1] != ETF_TAG_SMALL_TUPLE ||
	    p[2] != 2 || atom_at(p, len, &o, &a, &alen) == -1)
		return REPLY_BAD;
	if (atom_is(a, alen, "ok"))
		return ok_value(p, len, o, kind, nentries);
	if (!atom_is(a, alen, "error") || atom_at(p, len, &o, &a, &alen) == -1)
		return REPLY_BAD;
	if (alen >= rsize)
		alen = rsize - 1;
	/* The daemon's reasons are ASCII words; anything else is shown as
	 * '?' (a cut UTF-8 sequence, a NUL, a terminal's escape), so that
	 * the report prints it safely and JSON takes it as a key. */
	for (i = 0; i < alen; i++)
		reason[i] = a[i] >= 0x20 && a[i] < 0x7f ? (char)a[i] : '?';
	reason[alen] = '\0';
	return REPLY_ERROR;
}
