/*
 * fmodel.c: the clients' logs of requests and replies, and the check of
 * lists against them (see fmodel.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmodel.h"

#define FM_MAX_MESSAGES	20

struct fm_report;
static void	client_error(struct fm_client *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	report(struct fm_report *, uint64_t *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void *
grow(void *p, uint32_t *cap, size_t size)
{
	uint32_t	 ncap = *cap == 0 ? 256 : *cap * 2;
	void		*n;

	if ((n = realloc(p, (size_t)ncap * size)) == NULL) {
		fprintf(stderr, "fmodel: out of memory\n");
		abort();
	}
	*cap = ncap;
	return n;
}

void
fm_client_init(struct fm_client *c, int index)
{
	memset(c, 0, sizeof *c);
	c->index = index;
	c->ops = grow(NULL, &c->capops, sizeof *c->ops);
	memset(&c->ops[0], 0, sizeof c->ops[0]);
	c->nops = 1;
	c->ents = grow(NULL, &c->capents, sizeof *c->ents);
}

void
fm_client_free(struct fm_client *c)
{
	free(c->ops);
	free(c->ents);
	c->ops = NULL;
	c->ents = NULL;
}

void
fm_title(const struct fm_client *c, uint32_t seq, char *buf, size_t len)
{
	snprintf(buf, len, "c%d.%u", c->index, seq);
}

/* Parse "c<client>.<seq>" exactly; false for anything else. */
static bool
parse_title(const char *t, int *client, uint32_t *seq)
{
	unsigned	cl, sq;
	int		n = -1;

	if (t[0] != 'c' || t[1] < '0' || t[1] > '9')
		return false;
	if (sscanf(t, "c%u.%u%n", &cl, &sq, &n) != 2 || n < 0 ||
	    t[n] != '\0' || cl > 100000)
		return false;
	*client = (int)cl;
	*seq = sq;
	return true;
}

static uint32_t
new_op(struct fm_client *c, enum fm_kind kind, uint16_t list, uint32_t ent,
    struct todo_date date)
{
	struct fm_op	*op;

	if (c->nops == c->capops)
		c->ops = grow(c->ops, &c->capops, sizeof *c->ops);
	op = &c->ops[c->nops];
	memset(op, 0, sizeof *op);
	op->kind = (uint8_t)kind;
	op->status = FM_PENDING;
	op->list = list;
	op->ent = ent;
	op->date = date;
	c->ents[ent].last_seq = c->nops;
	return c->nops++;
}

uint32_t
fm_add(struct fm_client *c, uint16_t list, struct todo_date date)
{
	struct fm_ent	*e;

	if (c->nents == c->capents)
		c->ents = grow(c->ents, &c->capents, sizeof *c->ents);
	e = &c->ents[c->nents];
	memset(e, 0, sizeof *e);
	e->list = list;
	e->add_seq = c->nops;
	return new_op(c, FM_ADD, list, c->nents++, date);
}

uint32_t
fm_update(struct fm_client *c, uint32_t ent, struct todo_date date)
{
	return new_op(c, FM_UPDATE, c->ents[ent].list, ent, date);
}

uint32_t
fm_delete(struct fm_client *c, uint32_t ent)
{
	struct todo_date	none = { 0, 0, 0 };

	return new_op(c, FM_DELETE, c->ents[ent].list, ent, none);
}

void
fm_acked(struct fm_client *c, uint32_t seq, int64_t id)
{
	struct fm_op	*op = &c->ops[seq];
	struct fm_ent	*e = &c->ents[op->ent];

	op->status = FM_ACKED;
	c->acked[op->kind]++;
	switch (op->kind) {
	case FM_ADD:
		e->id = id;
		e->acked_seq = seq;
		break;
	case FM_UPDATE:
		e->acked_seq = seq;
		break;
	case FM_DELETE:
		e->deleted = FM_DEL_ACKED;
		break;
	}
}

void
fm_refused(struct fm_client *c, uint32_t seq)
{
	struct fm_op	*op = &c->ops[seq];

	op->status = FM_REFUSED;
	c->refused[op->kind]++;
}

void
fm_unknown(struct fm_client *c, uint32_t seq)
{
	struct fm_op	*op = &c->ops[seq];
	struct fm_ent	*e = &c->ents[op->ent];

	op->status = FM_UNKNOWN;
	c->unknown[op->kind]++;
	if (op->kind == FM_DELETE && e->deleted == FM_DEL_NONE)
		e->deleted = FM_DEL_UNKNOWN;
}

void
fm_settle(struct fm_client *c)
{
	uint32_t	seq;

	for (seq = 1; seq < c->nops; seq++)
		if (c->ops[seq].status == FM_PENDING)
			fm_unknown(c, seq);
}

int64_t
fm_pick(const struct fm_client *c, uint16_t list, unsigned *seed)
{
	uint32_t	i, n, start;

	if (c->nents == 0)
		return -1;
	n = c->nents;
	start = (uint32_t)rand_r(seed) % n;
	for (i = 0; i < n; i++) {
		const struct fm_ent *e = &c->ents[(start + i) % n];

		if (e->list == list && e->id != 0 &&
		    e->deleted == FM_DEL_NONE &&
		    c->ops[e->last_seq].kind != FM_DELETE)
			return (int64_t)((start + i) % n);
	}
	return -1;
}

static void
client_error(struct fm_client *c, const char *fmt, ...)
{
	va_list	ap;

	if (c->first_error[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(c->first_error, sizeof c->first_error, fmt, ap);
	va_end(ap);
}

static const struct fm_seen *
find_id(const struct fm_seen *s, size_t n, int64_t id)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i].id == id)
			return &s[i];
	return NULL;
}

static bool
same_date(struct todo_date a, struct todo_date b)
{
	return a.year == b.year && a.month == b.month && a.day == b.day;
}

/* Own titles in a read must name own requests of this list. */
static bool
read_titles_ok(struct fm_client *c, uint16_t list, const struct fm_seen *s,
    size_t n)
{
	uint32_t	seq;
	size_t		i;
	int		cl;

	for (i = 0; i < n; i++) {
		if (!parse_title(s[i].title, &cl, &seq) || cl != c->index)
			continue;
		if (seq == 0 || seq >= c->nops || c->ops[seq].list != list ||
		    c->ops[seq].kind == FM_DELETE ||
		    c->ops[seq].status == FM_REFUSED) {
			client_error(c, "a read of list %u shows \"%s\" (id "
			    "%lld), which no request of this list wrote or "
			    "which was refused", list, s[i].title,
			    (long long)s[i].id);
			return false;
		}
	}
	return true;
}

bool
fm_check_read(struct fm_client *c, uint16_t list,
    const struct todo_date *date, const struct fm_seen *s, size_t n)
{
	const struct fm_seen	*f;
	const struct fm_ent	*e;
	const struct fm_op	*st;
	char			 want[64];
	uint32_t		 i;

	c->reads++;
	if (!read_titles_ok(c, list, s, n))
		goto bad;
	for (i = 0; i < c->nents; i++) {
		e = &c->ents[i];
		if (e->list != list || e->id == 0)
			continue;
		f = find_id(s, n, e->id);
		if (e->deleted == FM_DEL_ACKED) {
			if (f != NULL) {
				client_error(c, "a read of list %u shows id "
				    "%lld after its delete was acknowledged",
				    list, (long long)e->id);
				goto bad;
			}
			continue;
		}
		if (e->deleted != FM_DEL_NONE || e->last_seq != e->acked_seq)
			continue;	/* something in flight or unknown */
		st = &c->ops[e->acked_seq];
		if (date != NULL && !same_date(st->date, *date))
			continue;
		fm_title(c, e->acked_seq, want, sizeof want);
		if (f == NULL || strcmp(f->title, want) != 0 ||
		    !same_date(f->date, st->date)) {
			client_error(c, "a read of list %u: id %lld should be "
			    "\"%s\" %04d-%02d-%02d (acknowledged), found %s",
			    list, (long long)e->id, want, st->date.year,
			    st->date.month, st->date.day, f == NULL ?
			    "nothing" : f->title);
			goto bad;
		}
	}
	return true;
bad:
	c->read_errors++;
	return false;
}

/* ---- the final check ---- */

void
fm_report_init(struct fm_report *r)
{
	memset(r, 0, sizeof *r);
}

void
fm_check_begin(struct fm_client *cl, int ncl)
{
	uint32_t	j;
	int		k;

	for (k = 0; k < ncl; k++)
		for (j = 0; j < cl[k].nents; j++)
			cl[k].ents[j].seen = 0;
}

static void
report(struct fm_report *r, uint64_t *counter, const char *fmt, ...)
{
	va_list	ap;

	(*counter)++;
	if (r->nerrors++ >= FM_MAX_MESSAGES)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "fault check: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

static int
cmp_seen(const void *a, const void *b)
{
	const struct fm_seen	*x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void
check_one(struct fm_client *cl, int ncl, uint16_t list, const char *name,
    const struct fm_seen *s, struct fm_report *r)
{
	struct fm_client	*c;
	struct fm_op		*op;
	struct fm_ent		*e;
	uint32_t		 seq;
	int			 ci;

	if (!parse_title(s->title, &ci, &seq) || ci >= ncl ||
	    seq == 0 || seq >= cl[ci].nops) {
		report(r, &r->phantoms, "list %s: id %lld \"%s\" was never "
		    "requested", name, (long long)s->id, s->title);
		return;
	}
	c = &cl[ci];
	op = &c->ops[seq];
	e = &c->ents[op->ent];
	if (op->kind == FM_DELETE || op->list != list) {
		report(r, &r->phantoms, "list %s: id %lld \"%s\" was never "
		    "requested for this list", name, (long long)s->id,
		    s->title);
		return;
	}
	if (e->seen++)
		report(r, &r->dup_entries, "list %s: the entry of \"%s\" "
		    "is there twice (id %lld)", name, s->title,
		    (long long)s->id);
	if (op->status == FM_REFUSED)
		report(r, &r->phantoms, "list %s: id %lld \"%s\": a refused "
		    "change is present", name, (long long)s->id, s->title);
	if (!same_date(op->date, s->date))
		report(r, &r->wrong, "list %s: id %lld \"%s\" has date "
		    "%04d-%02d-%02d, its request said %04d-%02d-%02d", name,
		    (long long)s->id, s->title, s->date.year, s->date.month,
		    s->date.day, op->date.year, op->date.month, op->date.day);
	if (e->id == 0) {
		if (op->kind != FM_ADD)
			report(r, &r->wrong, "list %s: id %lld \"%s\": an "
			    "update of an entry never added", name,
			    (long long)s->id, s->title);
		r->unknown_present++;
		return;
	}
	if (s->id != e->id)
		report(r, &r->wrong, "list %s: \"%s\" has id %lld, its add "
		    "was acknowledged with id %lld", name, s->title,
		    (long long)s->id, (long long)e->id);
	if (e->deleted == FM_DEL_ACKED)
		report(r, &r->lost, "list %s: id %lld \"%s\" is present, "
		    "its delete was acknowledged", name, (long long)s->id,
		    s->title);
	else if (seq < e->acked_seq)
		report(r, &r->lost, "list %s: id %lld shows \"%s\", an "
		    "older state than the acknowledged \"c%d.%u\"", name,
		    (long long)s->id, s->title, ci, e->acked_seq);
	else if (seq > e->acked_seq)
		r->unknown_present++;
}

void
fm_check_list(struct fm_client *cl, int ncl, uint16_t list,
    const char *name, const struct fm_seen *seen, size_t n,
    struct fm_report *r)
{
	struct fm_seen	*s;
	size_t		 i;

	if ((s = malloc((n + 1) * sizeof *s)) == NULL)
		abort();
	memcpy(s, seen, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_seen);
	for (i = 0; i < n; i++) {
		if (i > 0 && s[i].id == s[i - 1].id)
			report(r, &r->dup_ids, "list %s: id %lld twice", name,
			    (long long)s[i].id);
		check_one(cl, ncl, list, name, &s[i], r);
	}
	r->entries_seen += n;
	free(s);
}

struct lid {
	uint16_t	list;
	int64_t		id;
};

static int
cmp_lid(const void *a, const void *b)
{
	const struct lid	*x = a, *y = b;

	if (x->list != y->list)
		return x->list < y->list ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

void
fm_check_missing(struct fm_client *cl, int ncl,
    const char *const *names, struct fm_report *r)
{
	struct lid	*ids;
	size_t		 n = 0, total = 0, i;
	uint32_t	 j;
	int		 k;

	for (k = 0; k < ncl; k++) {
		total += cl[k].nents;
		r->acked_changes += cl[k].acked[FM_ADD] +
		    cl[k].acked[FM_UPDATE] + cl[k].acked[FM_DELETE];
	}
	if ((ids = malloc((total + 1) * sizeof *ids)) == NULL)
		abort();
	for (k = 0; k < ncl; k++)
		for (j = 0; j < cl[k].nents; j++) {
			struct fm_ent *e = &cl[k].ents[j];

			if (e->id == 0)
				continue;
			ids[n].list = e->list;
			ids[n++].id = e->id;
			if (e->seen || e->deleted == FM_DEL_ACKED)
				continue;
			if (e->deleted == FM_DEL_UNKNOWN)
				r->unknown_absent++;
			else
				report(r, &r->lost, "list %s: id %lld (\"c%d.%u\","
				    " acknowledged) is missing",
				    names[e->list], (long long)e->id, k,
				    e->acked_seq);
		}
	qsort(ids, n, sizeof *ids, cmp_lid);
	for (i = 1; i < n; i++)
		if (ids[i].list == ids[i - 1].list && ids[i].id ==
		    ids[i - 1].id)
			report(r, &r->dup_ids, "list %s: id %lld was "
			    "acknowledged to two adds", names[ids[i].list],
			    (long long)ids[i].id);
	free(ids);
}

bool
fm_report_ok(const struct fm_report *r)
{
	return r->lost == 0 && r->phantoms == 0 && r->dup_ids == 0 &&
	    r->dup_entries == 0 && r->wrong == 0;
}
