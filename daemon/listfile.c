/*
 * listfile.c: the list term, the book's %Todo.List{}, to and from the
 * list model.
 *
 * Output matches OTP's term_to_binary for maps of up to 32 keys byte for
 * byte (keys in term order); larger maps are written with their keys
 * ascending, which binary_to_term reads as the same map.  Input is checked
 * strictly: exactly the three struct keys, an entries map of Id => Entry
 * whose Entry holds that same id, an Elixir Date and a valid Title, and a
 * next_id above every id.  Other keys of an entry are kept as ETF bytes.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "entryscan.h"
#include "etf.h"
#include "listfile.h"
#include "todo_term.h"
#include "todolist.h"

#define LISTFILE_SORTED_MAX	32	/* OTP orders maps up to this size */

/* ------------------------------------------------------------------ */
/* Encoding */

enum { KEY_DATE, KEY_ID, KEY_TITLE, KEY_EXTRA };

struct listfile_key {
	const struct etf_term	*k;
	const struct etf_term	*v;	/* extras only */
	int			 kind;
};

static void
listfile_put_std(struct etf_buf *b, const struct todo_item *it, int kind)
{
	switch (kind) {
	case KEY_DATE:
		etf_put_atom(b, "date");
		todo_put_date(b, it->date);
		break;
	case KEY_ID:
		etf_put_atom(b, "id");
		etf_put_int(b, it->id);
		break;
	case KEY_TITLE:
		etf_put_atom(b, "title");
		etf_put_binary(b, it->title, it->title_len);
		break;
	}
}

/* Decode an item's extra pairs as a map term (in the arena). */
static const struct etf_term *
listfile_extra_map(struct etf_arena *a, const struct todo_item *it)
{
	const struct etf_term *m;
	uint8_t *p;
	uint32_t n = it->extra_pairs;

	if (it->extra_len > SIZE_MAX - 6 ||
	    (p = etf_arena_alloc(a, it->extra_len + 6)) == NULL)
		return NULL;
	p[0] = ETF_VERSION;
	p[1] = ETF_TAG_MAP;
	p[2] = (uint8_t)(n >> 24);
	p[3] = (uint8_t)(n >> 16);
	p[4] = (uint8_t)(n >> 8);
	p[5] = (uint8_t)n;
	memcpy(p + 6, it->extra, it->extra_len);
	if (etf_decode(a, p, it->extra_len + 6, 0, &m) != ETF_OK ||
	    m->type != ETF_MAP || m->map.n != n)
		return NULL;
	return m;
}

/* An entry with extra keys: all keys in term order when OTP would. */
static void
listfile_put_entry_extra(struct etf_buf *b, const struct todo_item *it)
{
	static const char *std[] = { "date", "id", "title" };
	struct listfile_key keys[LISTFILE_SORTED_MAX], tmp;
	const struct etf_term *m;
	struct etf_arena *a;
	size_t i, j, n;

	etf_put_map(b, 3 + it->extra_pairs);
	if (3 + (size_t)it->extra_pairs > LISTFILE_SORTED_MAX) {
		for (i = 0; i < 3; i++)
			listfile_put_std(b, it, (int)i);
		etf_buf_append(b, it->extra, it->extra_len);
		return;
	}
	if ((a = etf_arena_new()) == NULL ||
	    (m = listfile_extra_map(a, it)) == NULL) {
		etf_arena_free(a);
		b->oom = true;
		return;
	}
	for (n = 0; n < 3; n++) {
		keys[n].k = etf_mk_atom(a, std[n]);
		keys[n].v = NULL;
		keys[n].kind = (int)n;
		if (keys[n].k == NULL)
			goto oom;
	}
	for (i = 0; i < m->map.n; i++, n++) {
		keys[n].k = &m->map.kv[2 * i];
		keys[n].v = &m->map.kv[2 * i + 1];
		keys[n].kind = KEY_EXTRA;
	}
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && etf_compare(keys[j - 1].k, keys[j].k) > 0;
		    j--) {
			tmp = keys[j];
			keys[j] = keys[j - 1];
			keys[j - 1] = tmp;
		}
	for (i = 0; i < n; i++) {
		if (keys[i].kind != KEY_EXTRA)
			listfile_put_std(b, it, keys[i].kind);
		else {
			etf_put_term(b, keys[i].k);
			etf_put_term(b, keys[i].v);
		}
	}
	etf_arena_free(a);
	return;
oom:
	etf_arena_free(a);
	b->oom = true;
}

static void
listfile_put_entry(struct etf_buf *b, const struct todo_item *it)
{
	if (it->extra_pairs == 0)
		todo_put_entry(b, it->id, it->date, it->title, it->title_len);
	else
		listfile_put_entry_extra(b, it);
}

void
listfile_put_pair(struct etf_buf *b, const struct todo_item *it)
{
	etf_put_int(b, it->id);
	listfile_put_entry(b, it);
}

void
listfile_put(struct etf_buf *b, const struct todo_list *l)
{
	const struct todo_item *it;
	size_t n;

	n = todolist_size(l);
	if (n > UINT32_MAX) {
		b->oom = true;
		return;
	}
	etf_put_map(b, 3);
	etf_put_atom(b, "__struct__");
	etf_put_atom(b, "Elixir.Todo.List");
	etf_put_atom(b, "entries");
	etf_put_map(b, (uint32_t)n);
	for (it = todolist_first(l); it != NULL; it = todolist_next(l, it))
		listfile_put_pair(b, it);
	etf_put_atom(b, "next_id");
	etf_put_int(b, todolist_next_id(l));
}

size_t
listfile_size_bound(size_t n, size_t payload)
{
	if (n > (SIZE_MAX - LISTFILE_HEAD_MAX) / LISTFILE_ENTRY_MAX ||
	    payload > SIZE_MAX - LISTFILE_HEAD_MAX - n * LISTFILE_ENTRY_MAX)
		return SIZE_MAX;
	return LISTFILE_HEAD_MAX + n * LISTFILE_ENTRY_MAX + payload;
}

void
listfile_encode(struct etf_buf *b, const struct todo_list *l)
{
	etf_put_version(b);
	listfile_put(b, l);
}

/* ------------------------------------------------------------------ */
/* Decoding */

static bool
listfile_int(const struct etf_term *t, int lo, int hi, int *out)
{
	if (t == NULL || t->type != ETF_INT || t->i < lo || t->i > hi)
		return false;
	*out = (int)t->i;
	return true;
}

/* An Elixir Date map, exactly: no other input form in a file. */
static bool
listfile_date(const struct etf_term *t, struct todo_date *d)
{
	if (t == NULL || t->type != ETF_MAP || t->map.n != 5)
		return false;
	if (!etf_is_atom(etf_map_get(t, "__struct__"), "Elixir.Date") ||
	    !etf_is_atom(etf_map_get(t, "calendar"), "Elixir.Calendar.ISO"))
		return false;
	if (!listfile_int(etf_map_get(t, "year"), 0, 9999, &d->year) ||
	    !listfile_int(etf_map_get(t, "month"), 1, 12, &d->month) ||
	    !listfile_int(etf_map_get(t, "day"), 1, 31, &d->day))
		return false;
	return todo_date_valid(d->year, d->month, d->day);
}

struct listfile_entry {
	const struct etf_term	*date, *id, *title;
	struct etf_buf		 extra;
	uint32_t		 extra_pairs;
};

/* Split an entry map into its three keys and the extra pairs. */
static const char *
listfile_split(const struct etf_term *e, struct listfile_entry *le)
{
	const struct etf_term *k, **slot;
	size_t i;

	if (e->type != ETF_MAP)
		return "an entry is not a map";
	le->date = le->id = le->title = NULL;
	le->extra_pairs = 0;
	etf_buf_reset(&le->extra);
	for (i = 0; i < e->map.n; i++) {
		k = &e->map.kv[2 * i];
		slot = NULL;
		if (etf_is_atom(k, "date"))
			slot = &le->date;
		else if (etf_is_atom(k, "id"))
			slot = &le->id;
		else if (etf_is_atom(k, "title"))
			slot = &le->title;
		if (slot != NULL) {
			if (*slot != NULL)
				return "an entry has a key twice";
			*slot = &e->map.kv[2 * i + 1];
			continue;
		}
		if (le->extra_pairs == UINT32_MAX)
			return "an entry has too many keys";
		etf_put_term(&le->extra, k);
		etf_put_term(&le->extra, &e->map.kv[2 * i + 1]);
		le->extra_pairs++;
	}
	if (le->extra.oom)
		return "out of memory";
	if (le->date == NULL || le->id == NULL || le->title == NULL)
		return "an entry lacks date, id or title";
	return NULL;
}

const char *
listfile_entry_item(const struct etf_term *key, const struct etf_term *e,
    struct etf_buf *extra, struct todo_item *it)
{
	struct listfile_entry le;
	const char *why;

	if (key->type != ETF_INT || key->i < 1 || key->i >= INT64_MAX)
		return "an entry key is not an id";
	le.extra = *extra;
	why = listfile_split(e, &le);
	*extra = le.extra;
	if (why != NULL)
		return why;
	if (le.id->type != ETF_INT || le.id->i != key->i)
		return "an entry's id differs from its key";
	if (!listfile_date(le.date, &it->date))
		return "an entry's date is not a valid Elixir Date";
	if (le.title->type != ETF_BINARY ||
	    !todo_title_valid(le.title->bin.p, le.title->bin.len))
		return "an entry's title is not a valid title";
	it->id = key->i;
	it->title = le.title->bin.p;
	it->title_len = le.title->bin.len;
	it->extra = le.extra_pairs > 0 ? extra->p : NULL;
	it->extra_len = le.extra_pairs > 0 ? extra->len : 0;
	it->extra_pairs = le.extra_pairs;
	return NULL;
}

static const char *
listfile_insert(struct todo_list *l, const struct todo_item *it)
{
	if (todolist_insert(l, it->id, it->date, it->title, it->title_len,
	    it->extra, it->extra_len, it->extra_pairs) == 0)
		return NULL;
	/* Not inserted: the id is there already, or memory ran out. */
	return todolist_get(l, it->id) != NULL ? "an id occurs twice" :
	    "out of memory";
}

static const char *
listfile_entry(struct todo_list *l, const struct etf_term *key,
    const struct etf_term *e, struct etf_buf *extra)
{
	struct todo_item it;
	const char *why;

	if ((why = listfile_entry_item(key, e, extra, &it)) != NULL)
		return why;
	return listfile_insert(l, &it);
}

/* --- the rules of the Todo.List map ------------------------------------ */

#define LF_NOT_STRUCT	"not a Todo.List struct"

static uint32_t
lf_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

const char *
listfile_struct_header(const uint8_t hdr[LISTFILE_MAP_HDR])
{
	if (hdr[0] != ETF_TAG_MAP)
		return "not a map";
	return lf_get32(hdr + 1) == 3 ? NULL : LF_NOT_STRUCT;
}

const char *
listfile_field(const struct etf_term *t, unsigned *seen, enum listfile_field *k)
{
	if (etf_is_atom(t, "__struct__"))
		*k = LISTFILE_FIELD_STRUCT;
	else if (etf_is_atom(t, "next_id"))
		*k = LISTFILE_FIELD_NEXT_ID;
	else if (etf_is_atom(t, "entries"))
		*k = LISTFILE_FIELD_ENTRIES;
	else
		return LF_NOT_STRUCT;
	if (*seen & (1u << *k))
		return LF_NOT_STRUCT;
	*seen |= 1u << *k;
	return NULL;
}

const char *
listfile_struct_value(const struct etf_term *t)
{
	return etf_is_atom(t, "Elixir.Todo.List") ? NULL : LF_NOT_STRUCT;
}

const char *
listfile_next_id_value(const struct etf_term *t, int64_t *next_id)
{
	if (t->type != ETF_INT || t->i < 1)
		return "next_id is not an integer from 1 to 2^63-1";
	*next_id = t->i;
	return NULL;
}

const char *
listfile_entries_header(const uint8_t hdr[LISTFILE_MAP_HDR], uint32_t *n)
{
	if (hdr[0] != ETF_TAG_MAP)
		return "entries is not a map";
	*n = lf_get32(hdr + 1);
	return NULL;
}

static const char *
listfile_check_struct(const struct etf_term *t, const struct etf_term **ents,
    int64_t *next_id)
{
	const struct etf_term *nid;

	if (t == NULL || t->type != ETF_MAP)
		return "not a map";
	if (t->map.n != 3 ||
	    listfile_struct_value(etf_map_get(t, "__struct__")) != NULL)
		return LF_NOT_STRUCT;
	*ents = etf_map_get(t, "entries");
	nid = etf_map_get(t, "next_id");
	if (*ents == NULL || nid == NULL)
		return LF_NOT_STRUCT;
	if ((*ents)->type != ETF_MAP)
		return "entries is not a map";
	return listfile_next_id_value(nid, next_id);
}

/* --- one entry at a time ---------------------------------------------- */

/* The next term of a file's bytes, decoded in the arena (reset first). */
static const char *
lp_term(struct etf_arena *a, const uint8_t **p, const uint8_t *end,
    const struct etf_term **t)
{
	size_t used;
	int rc;

	etf_arena_reset(a);
	if ((rc = etf_decode_term(a, *p, (size_t)(end - *p), t, &used)) !=
	    ETF_OK)
		return etf_strerror(rc);
	*p += used;
	return NULL;
}

/* The entries map, from its tag on, into l. */
static const char *
lp_entries(struct etf_arena *a, const uint8_t **p, const uint8_t *end,
    struct todo_list *l, struct etf_buf *extra)
{
	const struct etf_term *key, *val;
	struct todo_item it;
	size_t used;
	uint32_t n, i;
	const char *why;
	int rc;

	if (end - *p < LISTFILE_MAP_HDR)
		return "entries is not a map";
	if ((why = listfile_entries_header(*p, &n)) != NULL)
		return why;
	*p += LISTFILE_MAP_HDR;
	for (i = 0; i < n; i++) {
		if (entryscan_pair(p, end, &it)) {
			if ((why = listfile_insert(l, &it)) != NULL)
				return why;
			continue;
		}
		etf_arena_reset(a);
		if ((rc = etf_decode_term(a, *p, (size_t)(end - *p), &key,
		    &used)) != ETF_OK)
			return etf_strerror(rc);
		*p += used;
		if ((rc = etf_decode_term(a, *p, (size_t)(end - *p), &val,
		    &used)) != ETF_OK)
			return etf_strerror(rc);
		*p += used;
		if ((why = listfile_entry(l, key, val, extra)) != NULL)
			return why;
	}
	return NULL;
}

static const char *
lp_file(struct etf_arena *a, const uint8_t *p, const uint8_t *end,
    struct todo_list *l, int64_t *next_id)
{
	const struct etf_term *t;
	struct etf_buf extra;
	enum listfile_field k;
	unsigned seen = 0;
	const char *why = NULL;
	int i;

	if (end - p < LISTFILE_MAP_HDR)
		return "not a map";
	if ((why = listfile_struct_header(p)) != NULL)
		return why;
	p += LISTFILE_MAP_HDR;
	etf_buf_init(&extra);
	for (i = 0; i < 3 && why == NULL; i++) {
		if ((why = lp_term(a, &p, end, &t)) != NULL ||
		    (why = listfile_field(t, &seen, &k)) != NULL)
			break;
		if (k == LISTFILE_FIELD_ENTRIES)
			why = lp_entries(a, &p, end, l, &extra);
		else if ((why = lp_term(a, &p, end, &t)) == NULL)
			why = k == LISTFILE_FIELD_STRUCT ?
			    listfile_struct_value(t) :
			    listfile_next_id_value(t, next_id);
	}
	etf_buf_free(&extra);
	etf_arena_reset(a);
	if (why == NULL && p != end)
		why = etf_strerror(ETF_ETRAIL);
	return why;
}

struct todo_list *
listfile_parse(const uint8_t *data, size_t len, const char **why)
{
	struct etf_arena *a;
	struct todo_list *l;
	int64_t next_id = 0;

	if (len < 2 || data[0] != ETF_VERSION || data[1] == ETF_TAG_COMPRESSED) {
		*why = len < 2 ? etf_strerror(ETF_ETRUNC) : data[0] !=
		    ETF_VERSION ? etf_strerror(ETF_EVERSION) :
		    "compressed (inflate it first)";
		return NULL;
	}
	/* An arena of its own: one entry's terms at a time. */
	if ((a = etf_arena_new()) == NULL || (l = todolist_new()) == NULL) {
		etf_arena_free(a);
		*why = "out of memory";
		return NULL;
	}
	if ((*why = lp_file(a, data + 1, data + len, l, &next_id)) == NULL &&
	    todolist_next_id(l) > next_id)
		*why = "next_id is not above every id";
	etf_arena_free(a);
	if (*why != NULL) {
		todolist_free(l);
		return NULL;
	}
	todolist_set_next_id(l, next_id);
	return l;
}

struct todo_list *
listfile_from_term(const struct etf_term *t, const char **why)
{
	const struct etf_term *ents;
	struct etf_buf extra;
	struct todo_list *l;
	int64_t next_id;
	const char *err;
	size_t i;

	if ((err = listfile_check_struct(t, &ents, &next_id)) != NULL) {
		*why = err;
		return NULL;
	}
	if ((l = todolist_new()) == NULL) {
		*why = "out of memory";
		return NULL;
	}
	etf_buf_init(&extra);
	for (i = 0; i < ents->map.n && err == NULL; i++)
		err = listfile_entry(l, &ents->map.kv[2 * i],
		    &ents->map.kv[2 * i + 1], &extra);
	etf_buf_free(&extra);
	/* todolist_insert keeps next_id above every id: it must not grow. */
	if (err == NULL && todolist_next_id(l) > next_id)
		err = "next_id is not above every id";
	if (err != NULL) {
		todolist_free(l);
		*why = err;
		return NULL;
	}
	todolist_set_next_id(l, next_id);
	return l;
}
