/*
 * entryscan.c: the canonical entry of a list file, read without terms.
 *
 * Loading a list decodes each of its entries; as terms that means
 * copying eleven atoms per entry and looking keys up by name, which made
 * decoding most of the cost of opening a stored list.  todod writes an
 * entry, and Erlang's term_to_binary writes the book's entry, always the
 * same way:
 *
 *   Id => #{date => #{'__struct__' => 'Elixir.Date',
 *                     calendar => 'Elixir.Calendar.ISO',
 *                     day => D, month => M, year => Y},
 *           id => Id, title => <<Title/binary>>}
 *
 * keys in term order, atoms as SMALL_ATOM_UTF8_EXT, integers as
 * SMALL_INTEGER_EXT or INTEGER_EXT.  This file matches exactly that
 * shape byte for byte and applies the checks the term path applies
 * (listfile.c): a positive id equal to its key, a valid date, a valid
 * title.  Anything else, including any value that fails a check, is
 * left to the term path, so both give the same list or the same error;
 * fuzz_listfile holds them to it.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "entryscan.h"
#include "etf.h"
#include "todo_term.h"
#include "todolist.h"

#define A(s)	"\x77" s	/* SMALL_ATOM_UTF8_EXT; length byte in s */

/* The entry map's header up to the day's value. */
static const char	es_head[] =
	"\x74\x00\x00\x00\x03"		/* map, 3 pairs */
	A("\x04" "date")
	"\x74\x00\x00\x00\x05"		/* map, 5 pairs */
	A("\x0a" "__struct__") A("\x0b" "Elixir.Date")
	A("\x08" "calendar") A("\x13" "Elixir.Calendar.ISO")
	A("\x03" "day");
static const char	es_month[] = A("\x05" "month");
static const char	es_year[] = A("\x04" "year");
static const char	es_id[] = A("\x02" "id");
static const char	es_title[] = A("\x05" "title") "\x6d";	/* binary */

/* The literal lit (sizeof - 1 bytes) at *p: advance past it. */
static int
es_lit(const uint8_t **p, const uint8_t *end, const char *lit, size_t n)
{
	if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0)
		return 0;
	*p += n;
	return 1;
}

#define LIT(p, end, s)	es_lit(p, end, s, sizeof(s) - 1)

static uint32_t
es_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* A SMALL_INTEGER_EXT or INTEGER_EXT. */
static int
es_int(const uint8_t **p, const uint8_t *end, int64_t *v)
{
	const uint8_t *q = *p;

	if (end - q >= 2 && q[0] == ETF_TAG_SMALL_INTEGER) {
		*v = q[1];
		*p += 2;
		return 1;
	}
	if (end - q >= 5 && q[0] == ETF_TAG_INTEGER) {
		*v = (int32_t)es_get32(q + 1);
		*p += 5;
		return 1;
	}
	return 0;
}

static int
es_range(int64_t v, int lo, int hi, int *out)
{
	if (v < lo || v > hi)
		return 0;
	*out = (int)v;
	return 1;
}

int
entryscan_pair(const uint8_t **pp, const uint8_t *end, struct todo_item *it)
{
	const uint8_t *p = *pp;
	int64_t key, id, day, month, year;
	uint32_t len;

	if (!es_int(&p, end, &key) || key < 1 ||
	    !LIT(&p, end, es_head) || !es_int(&p, end, &day) ||
	    !LIT(&p, end, es_month) || !es_int(&p, end, &month) ||
	    !LIT(&p, end, es_year) || !es_int(&p, end, &year) ||
	    !LIT(&p, end, es_id) || !es_int(&p, end, &id) || id != key ||
	    !LIT(&p, end, es_title) || end - p < 4)
		return 0;
	len = es_get32(p);
	p += 4;
	if ((size_t)(end - p) < len)
		return 0;
	if (!es_range(year, 0, 9999, &it->date.year) ||
	    !es_range(month, 1, 12, &it->date.month) ||
	    !es_range(day, 1, 31, &it->date.day) ||
	    !todo_date_valid(it->date.year, it->date.month, it->date.day) ||
	    !todo_title_valid(p, len))
		return 0;
	it->id = id;
	it->title = p;
	it->title_len = len;
	it->extra = NULL;
	it->extra_len = 0;
	it->extra_pairs = 0;
	*pp = p + len;
	return 1;
}
