/*
 * ckstream.c: a checkpoint that streams a list's file (ckstream.h).
 */
#include "config.h"

#include <sys/tree.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "ckstream.h"
#include "etf.h"
#include "listfile.h"
#include "listops.h"
#include "store.h"
#include "store_fault.h"
#include "todolist.h"

#define CK_CHUNK	(256u * 1024)	/* read and write this much at once */

/* The folded change of one id. */
enum ckchg_kind {
	CK_SET,		/* the entry is date and title, no extra keys */
	CK_PATCH,	/* the file's entry, if any, with date and/or title */
	CK_DEL		/* no entry */
};

struct ckchg {
	RB_ENTRY(ckchg)		 entry;
	int64_t			 id;
	enum ckchg_kind		 kind;
	int			 has_date;
	struct todo_date	 date;
	uint8_t			*title;		/* NULL: unchanged */
	size_t			 title_len;
	int			 seen;		/* in the old file */
};

static int
ckchg_cmp(const struct ckchg *a, const struct ckchg *b)
{
	return a->id < b->id ? -1 : a->id > b->id;
}

RB_HEAD(ckchgs, ckchg);
RB_GENERATE_INTERNAL(ckchgs, ckchg, entry, ckchg_cmp,
    __attribute__((__unused__)) static)

struct ckstream {
	struct ckchgs		 chgs;
	int64_t			 max_add;	/* 0: no add */
};

/* The state of one run. */
struct ckrun {
	struct ckstream		*ck;
	int			 in_fd;
	uint8_t			*in;		/* unparsed input at in[pos] */
	size_t			 cap, len, pos;
	size_t			 max;		/* max_file */
	bool			 eof;
	struct etf_arena	*arena;
	struct etf_buf		 out;		/* not yet written */
	struct etf_buf		 extra;
	struct store_tmp	*st;
	size_t			 written;	/* bytes written to st */
	uint8_t			 hdr[64];	/* the header, as written */
	size_t			 hdr_len;
	uLong			 crc;		/* of what follows the header */
	const char		*why;
};

struct ckstream *
ckstream_new(void)
{
	struct ckstream *ck;

	if ((ck = calloc(1, sizeof(*ck))) == NULL)
		return NULL;
	RB_INIT(&ck->chgs);
	return ck;
}

void
ckstream_free(struct ckstream *ck)
{
	struct ckchg *c;

	if (ck == NULL)
		return;
	while ((c = RB_MIN(ckchgs, &ck->chgs)) != NULL) {
		RB_REMOVE(ckchgs, &ck->chgs, c);
		free(c->title);
		free(c);
	}
	free(ck);
}

static struct ckchg *
ck_find(struct ckstream *ck, int64_t id)
{
	struct ckchg key;

	key.id = id;
	return RB_FIND(ckchgs, &ck->chgs, &key);
}

static int
ck_set_title(struct ckchg *c, const struct listop *op)
{
	uint8_t *t;

	if (op->title == NULL)
		return 0;
	if ((t = malloc(op->title_len > 0 ? op->title_len : 1)) == NULL)
		return -1;
	memcpy(t, op->title, op->title_len);
	free(c->title);
	c->title = t;
	c->title_len = op->title_len;
	return 0;
}

int
ckstream_op(struct ckstream *ck, const struct listop *op)
{
	struct ckchg *c;

	if ((c = ck_find(ck, op->id)) == NULL) {
		if (op->kind == LISTOP_UPDATE && op->title == NULL &&
		    !op->has_date)
			return 0;
		if ((c = calloc(1, sizeof(*c))) == NULL)
			return -1;
		c->id = op->id;
		c->kind = CK_PATCH;
		RB_INSERT(ckchgs, &ck->chgs, c);
	}
	switch (op->kind) {
	case LISTOP_ADD:
		c->kind = CK_SET;
		c->has_date = 1;
		c->date = op->date;
		if (op->id > ck->max_add)
			ck->max_add = op->id;
		return ck_set_title(c, op);
	case LISTOP_UPDATE:
		if (c->kind == CK_DEL)
			return 0;	/* an update of no entry does nothing */
		if (op->has_date) {
			c->has_date = 1;
			c->date = op->date;
		}
		return ck_set_title(c, op);
	case LISTOP_DELETE:
		c->kind = CK_DEL;
		free(c->title);
		c->title = NULL;
		return 0;
	}
	return -1;
}

/* --- output ------------------------------------------------------------ */

/* Write out what is buffered.  0, or -1 (errno). */
static int
ck_flush(struct ckrun *r)
{
	size_t skip = r->written == 0 ? r->hdr_len : 0;

	if (r->out.oom) {
		errno = ENOMEM;
		return -1;
	}
	if (r->written + r->out.len > r->max) {
		errno = EFBIG;
		return -1;
	}
	if (r->out.len == 0)
		return 0;
	r->crc = crc32_z(r->crc, r->out.p + skip, r->out.len - skip);
	if (store_append(r->st, r->out.p, r->out.len) == -1)
		return -1;
	r->written += r->out.len;
	etf_buf_reset(&r->out);
	return 0;
}

static int
ck_maybe_flush(struct ckrun *r)
{
	return r->out.len >= CK_CHUNK ? ck_flush(r) : 0;
}

/* --- input ------------------------------------------------------------- */

/* Read more of the old file, keeping in[pos..len).  1 if more came, 0 at
 * the end, -1 (errno). */
static int
ck_refill(struct ckrun *r)
{
	uint8_t *p;
	size_t keep = r->len - r->pos, ncap;
	ssize_t n;

	if (r->eof)
		return 0;
	memmove(r->in, r->in + r->pos, keep);
	r->len = keep;
	r->pos = 0;
	if (r->len == r->cap) {
		/* One term larger than the buffer: grow it, as far as a
		 * file may be large. */
		if (r->cap >= r->max) {
			errno = EFBIG;
			return -1;
		}
		ncap = r->cap * 2 < r->max ? r->cap * 2 : r->max;
		if ((p = realloc(r->in, ncap)) == NULL)
			return -1;
		r->in = p;
		r->cap = ncap;
	}
	do
		n = read(r->in_fd, r->in + r->len, r->cap - r->len);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if (n == 0) {
		r->eof = true;
		return 0;
	}
	r->len += (size_t)n;
	return 1;
}

/*
 * The next n terms of the input (n <= 2), decoded in the arena, with
 * their bytes at in[*at..pos).  CKSTREAM_OK, CKSTREAM_CORRUPT or
 * CKSTREAM_ERR.
 */
static int
ck_terms(struct ckrun *r, const struct etf_term **t, size_t n, size_t *at)
{
	size_t i, used;
	int rc, more;

	for (;;) {
		etf_arena_reset(r->arena);
		*at = r->pos;
		rc = ETF_OK;
		for (i = 0; i < n && rc == ETF_OK; i++) {
			rc = etf_decode_term(r->arena, r->in + r->pos,
			    r->len - r->pos, &t[i], &used);
			if (rc == ETF_OK)
				r->pos += used;
		}
		if (rc == ETF_OK)
			return CKSTREAM_OK;
		r->pos = *at;
		if (rc != ETF_ETRUNC) {
			r->why = etf_strerror(rc);
			return CKSTREAM_CORRUPT;
		}
		if ((more = ck_refill(r)) == -1)
			return errno == EFBIG ? CKSTREAM_CORRUPT : CKSTREAM_ERR;
		if (more == 0) {
			r->why = etf_strerror(ETF_ETRUNC);
			return CKSTREAM_CORRUPT;
		}
	}
}

/* n raw bytes of input at in[pos] (refilled as needed). */
static int
ck_need(struct ckrun *r, size_t n)
{
	int more;

	while (r->len - r->pos < n) {
		if ((more = ck_refill(r)) == -1)
			return CKSTREAM_ERR;
		if (more == 0) {
			r->why = etf_strerror(ETF_ETRUNC);
			return CKSTREAM_CORRUPT;
		}
	}
	return CKSTREAM_OK;
}

/* --- the entries ------------------------------------------------------ */

/* One more entry written: count it (a map holds at most 2^32 - 1). */
static int
ck_counted(struct ckrun *r, uint32_t *count)
{
	if (*count == UINT32_MAX) {
		errno = EFBIG;
		return CKSTREAM_ERR;
	}
	(*count)++;
	return ck_maybe_flush(r) == -1 ? CKSTREAM_ERR : CKSTREAM_OK;
}

/* Write one entry of the old file as the changes make it. */
static int
ck_entry(struct ckrun *r, const struct etf_term *key,
    const struct etf_term *val, size_t at, int64_t *last, uint32_t *count)
{
	struct todo_item it;
	struct ckchg *c;
	const char *why;

	if ((why = listfile_entry_item(key, val, &r->extra, &it)) != NULL) {
		r->why = why;
		return CKSTREAM_CORRUPT;
	}
	if (it.id <= *last)
		return CKSTREAM_FALLBACK;	/* not ascending */
	*last = it.id;
	c = RB_EMPTY(&r->ck->chgs) ? NULL : ck_find(r->ck, it.id);
	if (c == NULL)
		etf_buf_append(&r->out, r->in + at, r->pos - at);
	else {
		c->seen = 1;
		if (c->kind == CK_DEL)
			return CKSTREAM_OK;
		if (c->kind == CK_SET) {
			it.extra = NULL;
			it.extra_len = 0;
			it.extra_pairs = 0;
		}
		if (c->has_date)
			it.date = c->date;
		if (c->title != NULL) {
			it.title = c->title;
			it.title_len = c->title_len;
		}
		listfile_put_pair(&r->out, &it);
	}
	return ck_counted(r, count);
}

/* The old file's entries map, from its tag on. */
static int
ck_entries(struct ckrun *r, int64_t *last, uint32_t *count)
{
	const struct etf_term *t[2];
	uint32_t n, i;
	size_t at;
	int rc;

	if ((rc = ck_need(r, LISTFILE_MAP_HDR)) != CKSTREAM_OK)
		return rc;
	if ((r->why = listfile_entries_header(r->in + r->pos, &n)) != NULL)
		return CKSTREAM_CORRUPT;
	r->pos += LISTFILE_MAP_HDR;
	for (i = 0; i < n; i++) {
		if ((rc = ck_terms(r, t, 2, &at)) != CKSTREAM_OK)
			return rc;
		if ((rc = ck_entry(r, t[0], t[1], at, last, count)) !=
		    CKSTREAM_OK)
			return rc;
	}
	return CKSTREAM_OK;
}

/* The new entries, after the old file's. */
static int
ck_new_entries(struct ckrun *r, uint32_t *count)
{
	struct todo_item it;
	struct ckchg *c;

	RB_FOREACH(c, ckchgs, &r->ck->chgs) {
		if (c->kind != CK_SET || c->seen)
			continue;
		memset(&it, 0, sizeof(it));
		it.id = c->id;
		it.date = c->date;
		it.title = c->title;
		it.title_len = c->title_len;
		listfile_put_pair(&r->out, &it);
		if (ck_counted(r, count) != CKSTREAM_OK)
			return CKSTREAM_ERR;
	}
	return CKSTREAM_OK;
}

/* --- the file ----------------------------------------------------------- */

/* The new file's header, up to the entries' count (0 for now). */
static void
ck_header(struct ckrun *r)
{
	etf_put_version(&r->out);
	etf_put_map(&r->out, 3);
	etf_put_atom(&r->out, "__struct__");
	etf_put_atom(&r->out, "Elixir.Todo.List");
	etf_put_atom(&r->out, "entries");
	etf_put_map(&r->out, 0);
	r->hdr_len = r->out.len;
	if (r->hdr_len <= sizeof(r->hdr))
		memcpy(r->hdr, r->out.p, r->hdr_len);
}

/* The old file, from its version byte on. */
static int
ck_file(struct ckrun *r, int64_t *next_id, uint32_t *count)
{
	const struct etf_term *t[2];
	enum listfile_field k;
	int64_t last = 0, nid = 0;
	unsigned seen = 0;
	int i, rc;
	size_t at;

	if ((rc = ck_need(r, 2)) != CKSTREAM_OK)
		return rc;
	if (r->in[0] != ETF_VERSION) {
		r->why = etf_strerror(ETF_EVERSION);
		return CKSTREAM_CORRUPT;
	}
	if (r->in[1] == ETF_TAG_COMPRESSED)
		return CKSTREAM_FALLBACK;
	r->pos = 1;
	if ((rc = ck_need(r, LISTFILE_MAP_HDR)) != CKSTREAM_OK)
		return rc;
	if ((r->why = listfile_struct_header(r->in + r->pos)) != NULL)
		return CKSTREAM_CORRUPT;
	r->pos += LISTFILE_MAP_HDR;
	for (i = 0; i < 3; i++) {
		if ((rc = ck_terms(r, t, 1, &at)) != CKSTREAM_OK)
			return rc;
		if ((r->why = listfile_field(t[0], &seen, &k)) != NULL)
			return CKSTREAM_CORRUPT;
		if (k == LISTFILE_FIELD_ENTRIES) {
			if ((rc = ck_entries(r, &last, count)) != CKSTREAM_OK)
				return rc;
			continue;
		}
		if ((rc = ck_terms(r, t, 1, &at)) != CKSTREAM_OK)
			return rc;
		r->why = k == LISTFILE_FIELD_STRUCT ? listfile_struct_value(t[0]) :
		    listfile_next_id_value(t[0], &nid);
		if (r->why != NULL)
			return CKSTREAM_CORRUPT;
	}
	if (r->pos != r->len || ck_refill(r) != 0) {
		r->why = etf_strerror(ETF_ETRAIL);
		return CKSTREAM_CORRUPT;
	}
	if (nid <= last) {
		r->why = "next_id is not above every id";
		return CKSTREAM_CORRUPT;
	}
	*next_id = nid > r->ck->max_add ? nid : r->ck->max_add + 1;
	return CKSTREAM_OK;
}

/* The header with its count: written over its place, and its CRC
 * combined with the rest's. */
static int
ck_finish(struct ckrun *r, uint32_t count, uint32_t *crc)
{
	uint8_t *hdr = r->hdr;
	size_t at = r->hdr_len - 4;

	if (ck_flush(r) == -1)
		return -1;
	if (r->hdr_len > sizeof(r->hdr)) {
		errno = EINVAL;
		return -1;
	}
	hdr[at] = (uint8_t)(count >> 24);
	hdr[at + 1] = (uint8_t)(count >> 16);
	hdr[at + 2] = (uint8_t)(count >> 8);
	hdr[at + 3] = (uint8_t)count;
	if (store_pwrite_all(r->st->fd, hdr + at, 4, at) == -1)
		return -1;
	*crc = (uint32_t)crc32_combine(crc32_z(0L, hdr, r->hdr_len), r->crc,
	    (z_off_t)(r->written - r->hdr_len));
	return 0;
}

int
ckstream_run(struct ckstream *ck, int in_fd, int dirfd, const char *tag,
    const void *name, size_t len, size_t max_file, struct store_tmp *st,
    uint32_t *crc, const char **why)
{
	struct ckrun r;
	int64_t next_id = 0;
	uint32_t count = 0;
	int rc = CKSTREAM_ERR, saved;

	memset(&r, 0, sizeof(r));
	r.ck = ck;
	r.in_fd = in_fd;
	r.max = max_file;
	r.st = st;
	r.crc = crc32_z(0L, NULL, 0);
	st->fd = -1;
	etf_buf_init(&r.out);
	etf_buf_init(&r.extra);
	r.cap = CK_CHUNK < max_file ? CK_CHUNK : max_file;
	if (r.cap < 16 || (r.in = malloc(r.cap)) == NULL ||
	    (r.arena = etf_arena_new()) == NULL)
		goto done;
	if (store_begin(dirfd, tag, name, len, st) == -1)
		goto done;
	ck_header(&r);
	if (in_fd == -1)
		next_id = ck->max_add + 1;	/* no file: an empty list */
	else if ((rc = ck_file(&r, &next_id, &count)) != CKSTREAM_OK)
		goto done;
	if ((rc = ck_new_entries(&r, &count)) != CKSTREAM_OK)
		goto done;
	etf_put_atom(&r.out, "next_id");
	etf_put_int(&r.out, next_id);
	rc = ck_finish(&r, count, crc) == 0 ? CKSTREAM_OK : CKSTREAM_ERR;
	if (rc == CKSTREAM_OK)
		store_fault_point(STORE_FAULT_WRITE);
done:
	saved = errno;
	if (rc != CKSTREAM_OK && st->fd != -1)
		store_abort(dirfd, st);
	*why = r.why;
	free(r.in);
	etf_arena_free(r.arena);
	etf_buf_free(&r.out);
	etf_buf_free(&r.extra);
	errno = saved;
	return rc;
}
