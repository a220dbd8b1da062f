/*
 * fuzz_listfile.c: a list file's bytes, read two ways that must agree.
 *
 * listfile_parse() reads a file one entry at a time (what a list server
 * and a worker's get do, a compressed file once inflated);
 * etf_decode() and listfile_from_term() read the whole term (what a
 * list in an internal message takes).  On any input both must
 * accept it and give the same list, or both refuse it; neither may crash,
 * hang or leak.  Where it is accepted, the list written back and parsed
 * again must be the same list.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "etf.h"
#include "listfile.h"
#include "todolist.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
same_list(const struct todo_list *a, const struct todo_list *b)
{
	const struct todo_item *x, *y;

	if (todolist_size(a) != todolist_size(b) ||
	    todolist_next_id(a) != todolist_next_id(b))
		return 0;
	for (x = todolist_first(a), y = todolist_first(b); x != NULL &&
	    y != NULL; x = todolist_next(a, x), y = todolist_next(b, y))
		if (x->id != y->id || x->date.year != y->date.year ||
		    x->date.month != y->date.month ||
		    x->date.day != y->date.day ||
		    x->title_len != y->title_len ||
		    memcmp(x->title, y->title, x->title_len) != 0 ||
		    x->extra_pairs != y->extra_pairs ||
		    x->extra_len != y->extra_len ||
		    (x->extra_len > 0 &&
		    memcmp(x->extra, y->extra, x->extra_len) != 0))
			return 0;
	return x == NULL && y == NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct etf_arena *a, *z;	/* z: what a file inflates to */
	const struct etf_term *t;
	struct todo_list *p, *w = NULL, *again;
	struct etf_buf b;
	const char *why;

	if (a == NULL && (a = etf_arena_new()) == NULL)
		abort();
	if (z == NULL && (z = etf_arena_new()) == NULL)
		abort();
	/* A compressed file is read as the bytes it inflates to (store_parse
	 * does the same). */
	etf_arena_reset(z);
	if (len >= 2 && data[0] == ETF_VERSION &&
	    data[1] == ETF_TAG_COMPRESSED && etf_inflate_term(z, data, len,
	    1 << 20, &data, &len) != ETF_OK)
		return 0;
	if (len < 2 || data[0] != ETF_VERSION || data[1] == ETF_TAG_COMPRESSED)
		return 0;
	p = listfile_parse(data, len, &why);
	if (etf_decode(a, data, len, len, &t) == ETF_OK)
		w = listfile_from_term(t, &why);
	etf_arena_reset(a);
	if ((p == NULL) != (w == NULL))
		abort();	/* one reader accepts what the other refuses */
	if (p != NULL && !same_list(p, w))
		abort();
	if (p != NULL) {
		etf_buf_init(&b);
		listfile_encode(&b, p);
		if (b.oom)
			abort();
		if ((again = listfile_parse(b.p, b.len, &why)) == NULL ||
		    !same_list(p, again))
			abort();
		todolist_free(again);
		etf_buf_free(&b);
	}
	todolist_free(p);
	todolist_free(w);
	return 0;
}
