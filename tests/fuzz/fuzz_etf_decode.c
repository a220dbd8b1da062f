/*
 * fuzz_etf_decode.c: libFuzzer target for the ETF decoder.
 *
 * Any input: decoding must not crash, leak or read out of bounds.  An
 * input that decodes must encode, that encoding must decode to an equal
 * term, and encoding that again must give the same bytes.  The to-do
 * types' readers run on every decoded term too.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "etf.h"
#include "todo_term.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAX_INFLATED	(1 << 16)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct etf_arena *a;
	static struct etf_buf b1, b2;
	const struct etf_term *t, *t2;
	struct todo_date dt;
	struct todo_entry e;
	char iso[11];
	int64_t id;

	if (a == NULL && (a = etf_arena_new()) == NULL)
		abort();
	etf_arena_reset(a);
	if (etf_decode(a, data, size, MAX_INFLATED, &t) != ETF_OK)
		return 0;
	if (todo_date_from_term(t, &dt) == 0) {
		if (!todo_date_valid(dt.year, dt.month, dt.day))
			abort();
		todo_date_format(dt, iso);
		if (todo_date_parse_iso(iso, 10, &dt) != 0)
			abort();
	}
	if (todo_entry_from_term(t, &e) == 0 &&
	    !todo_title_valid(e.title, e.title_len))
		abort();
	(void)todo_id_from_term(t, &id);
	etf_buf_reset(&b1);
	etf_buf_reset(&b2);
	if (etf_encode(&b1, t) != ETF_OK)
		abort();
	if (etf_decode(a, b1.p, b1.len, 0, &t2) != ETF_OK)
		abort();
	if (!etf_equal(t, t2) || !etf_equal(t2, t) ||
	    etf_compare(t, t2) != 0)
		abort();
	if (etf_encode(&b2, t2) != ETF_OK)
		abort();
	if (b1.len != b2.len || memcmp(b1.p, b2.p, b1.len) != 0)
		abort();
	return 0;
}
