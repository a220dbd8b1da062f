/*
 * wmodel.c: a model of a database worker's answers (wmodel.h).
 *
 * What the worker must do, as worker.h, listops.h and todo_term.h say:
 *
 *   - A malformed message closes its link once the messages before it
 *     are answered; nothing after it is read.  An append needs Seq >= 1
 *     and ops with ids >= 1, real calendar dates (years 0..9999), titles
 *     of 1..4096 bytes of UTF-8, and updates that change something (a
 *     date, a title or both); a store needs Seq >= 0 and such entries.
 *   - An append or store whose Seq is not above the last one written for
 *     its list since the list's last get changes nothing; any other is
 *     written.  Both are answered {stored, Seq}.  A get forgets the Seq.
 *   - A store replaces the list, ops journaled before it included.
 *   - Ops apply in order as a checkpoint replays them: an add of an id
 *     that is there replaces its entry, an update or a delete of an id
 *     that is not there changes nothing, and next_id stays above every id
 *     added (the file format wants it above every id).
 *   - A get answers the list, or not_found while no append or store of it
 *     was ever written.  The worker plans a whole round of messages
 *     before it answers any of them (worker.c: gets see the appends and
 *     stores of their round), so a get sees the list as it was at the get
 *     or after some of the changes that follow: the model keeps a digest
 *     of the list after each change and takes any of them from the get's
 *     on.  At the probe, when every peer is done, the list is exact.
 *
 * Digests are sums of a hash per entry, so that they do not depend on
 * the order a list's entries come in.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "todolist.h"	/* to read the worker's answers, nothing more */
#include "wmodel.h"

#define WM_IDS		256		/* ids are a byte of the input */
#define WM_TITLE_MAX	4096

/* ---- a list ---- */

struct wm_item {
	bool		used;
	struct wm_date	date;
	struct wm_bytes	title;
	uint64_t	hash;
};

struct wm_list {
	bool		exists;		/* an append or store was written */
	bool		has_seq;
	int64_t		seq;		/* last written since the last get */
	int64_t		next_id;
	uint64_t	sum;		/* of its items' hashes */
	struct wm_item	items[WM_IDS];
	uint64_t	*hist;		/* its digest at the start and after
					 * each change */
	size_t		nhist;
	size_t		hcap;
};

/* What a peer's next reply must be. */
enum wx_kind {
	WX_STORED,		/* {stored, seq} */
	WX_GET,			/* the list at hist or after */
	WX_ABSENT,		/* not_found */
	WX_UNKNOWN		/* not known: no more checks on the link */
};

struct wm_expect {
	enum wx_kind	kind;
	int		list;
	int64_t		seq;
	size_t		hist;
	size_t		msgno;		/* its message in the program, from 1 */
};

struct wm_peer {
	struct wm_list	 lists[WM_LISTS];	/* as its messages leave them */
	struct wm_expect *exp;
	size_t		 nexp;
	size_t		 cap;
	size_t		 nrecv;
	bool		 closed;	/* the worker reads no more of it */
	bool		 unchecked;	/* its replies, from here on */
};

static struct {
	struct wm_peer	peers[WM_PEERS];
	size_t		msgno;
	unsigned	named[WM_LISTS];	/* by which peers (bits) */
	int		owner[WM_LISTS];	/* the peer modelled, or -1 */
	bool		off;		/* a raw frame may be a request */
	bool		bound;		/* peer 1 is bound to list 0 */
	/* Reported at exit: how much of the programs the model covers. */
	unsigned long	programs, offs, lists, modelled;
	unsigned long	writes, resends, gets, later, probed;
} m;

static const char *const wm_names[WM_LISTS] = { "a", "b", "c", "d" };

static void	wm_fail(const char *, ...)
		    __attribute__((__format__(__printf__, 1, 2), __noreturn__));

static void
wm_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "wmodel: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

/* FNV-1a, then a 64-bit finalizer: a sum of such hashes does not cancel
 * out as one of plain FNV values could. */
static uint64_t
wm_hash(uint64_t h, const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ b[i]) * UINT64_C(0x100000001b3);
	return h;
}

static uint64_t
wm_mix(uint64_t x)
{
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

static uint64_t
wm_item_hash(int64_t id, struct wm_date d, const uint8_t *title, size_t len)
{
	int64_t v[4] = { id, d.year, d.month, d.day };

	return wm_mix(wm_hash(wm_hash(UINT64_C(0xcbf29ce484222325), v,
	    sizeof(v)), title, len));
}

static uint64_t
wm_digest(uint64_t sum, int64_t next_id, bool exists)
{
	return sum + wm_mix((uint64_t)next_id << 1 | exists);
}

/* The array v of *cap elements of size bytes, with room for element n
 * (moved, and *cap grown, if it had none). */
static void *
wm_room(void *v, size_t *cap, size_t n, size_t size)
{
	size_t c;

	if (n < *cap)
		return v;
	c = *cap == 0 ? 64 : 2 * *cap;
	if ((v = realloc(v, c * size)) == NULL)
		abort();
	*cap = c;
	return v;
}

static void
wm_hist_push(struct wm_list *wl)
{
	wl->hist = wm_room(wl->hist, &wl->hcap, wl->nhist, sizeof(*wl->hist));
	wl->hist[wl->nhist++] = wm_digest(wl->sum, wl->next_id, wl->exists);
}

static void
wm_item_set(struct wm_list *wl, int64_t id, struct wm_date date,
    const struct wm_bytes *title)
{
	struct wm_item *it = &wl->items[id];

	if (it->used)
		wl->sum -= it->hash;
	it->used = true;
	it->date = date;
	it->title.len = title->len;
	memmove(it->title.p, title->p, title->len);
	it->hash = wm_item_hash(id, date, title->p, title->len);
	wl->sum += it->hash;
}

static void
wm_item_drop(struct wm_list *wl, int64_t id)
{
	struct wm_item *it = &wl->items[id];

	if (!it->used)
		return;
	wl->sum -= it->hash;
	it->used = false;
}

/* Empty and never written: a list no message named. */
static void
wm_list_reset(struct wm_list *wl)
{
	int64_t id;

	for (id = 0; id < WM_IDS; id++)
		wl->items[id].used = false;
	wl->sum = 0;
	wl->exists = wl->has_seq = false;
	wl->seq = 0;
	wl->next_id = 1;
	wl->nhist = 0;
	wm_hist_push(wl);
}

/* ---- what is well-formed ---- */

static int
wm_month_days(int year, int month)
{
	if (month == 2)
		return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ?
		    29 : 28;
	if (month == 4 || month == 6 || month == 9 || month == 11)
		return 30;
	return 31;
}

static bool
wm_date_ok(struct wm_date d)
{
	return d.year >= 0 && d.year <= 9999 && d.month >= 1 &&
	    d.month <= 12 && d.day >= 1 && d.day <= wm_month_days(d.year,
	    d.month);
}

/* The length of the UTF-8 character at p[0..n) (RFC 3629: the shortest
 * form, no surrogate, nothing above U+10FFFF), or 0. */
static size_t
wm_utf8_char(const uint8_t *p, size_t n)
{
	static const uint32_t least[4] = { 0, 0x80, 0x800, 0x10000 };
	uint32_t cp;
	size_t len, i;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0)
		len = 2;
	else if ((p[0] & 0xf0) == 0xe0)
		len = 3;
	else if ((p[0] & 0xf8) == 0xf0)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	cp = p[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < least[len - 1] || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static bool
wm_title_ok(const struct wm_bytes *t)
{
	size_t i, k;

	if (t->len < 1 || t->len > WM_TITLE_MAX)
		return false;
	for (i = 0; i < t->len; i += k)
		if ((k = wm_utf8_char(t->p + i, t->len - i)) == 0)
			return false;
	return true;
}

static bool
wm_op_ok(const struct wm_op *op)
{
	if (op->id < 1)
		return false;
	if (op->id >= WM_IDS)
		abort();	/* the model holds the ids of one byte */
	if (op->kind == WM_DELETE)
		return true;
	if ((op->has_date && !wm_date_ok(op->date)) ||
	    (op->has_title && !wm_title_ok(&op->title)))
		return false;
	if (op->kind == WM_ADD)
		return op->has_date && op->has_title;
	return op->has_date || op->has_title;	/* an update of nothing */
}

enum wm_verdict { WM_BAD, WM_OK, WM_MAYBE };

static enum wm_verdict
wm_judge(const struct wm_msg *msg)
{
	size_t i;

	switch (msg->kind) {
	case WM_GET:
		return WM_OK;
	case WM_APPEND:
		if (msg->seq < 1 || msg->n == 0)
			return WM_BAD;
		for (i = 0; i < msg->n; i++)
			if (!wm_op_ok(&msg->ops[i]))
				return WM_BAD;
		return WM_OK;
	case WM_STORE:
		if (msg->seq < 0)
			return WM_BAD;
		for (i = 0; i < msg->n; i++)
			if (!wm_date_ok(msg->entries[i].date) ||
			    !wm_title_ok(&msg->entries[i].title))
				return WM_BAD;
		return WM_OK;
	default:
		return msg->request ? WM_MAYBE : WM_BAD;
	}
}

/* ---- what a message does ---- */

static void
wm_apply(struct wm_list *wl, const struct wm_op *op)
{
	const struct wm_item *it = &wl->items[op->id];
	struct wm_bytes title;
	struct wm_date date;

	switch (op->kind) {
	case WM_ADD:
		wm_item_set(wl, op->id, op->date, &op->title);
		if (wl->next_id <= op->id)
			wl->next_id = op->id + 1;
		break;
	case WM_UPDATE:
		if (!it->used)
			break;
		date = op->has_date ? op->date : it->date;
		title = op->has_title ? op->title : it->title;
		wm_item_set(wl, op->id, date, &title);
		break;
	case WM_DELETE:
		wm_item_drop(wl, op->id);
		break;
	}
}

static void
wm_write(struct wm_list *wl, const struct wm_msg *msg)
{
	int64_t id;
	size_t i;

	wl->exists = true;
	wl->has_seq = true;
	wl->seq = msg->seq;
	if (msg->kind == WM_STORE) {
		for (id = 0; id < WM_IDS; id++)
			wm_item_drop(wl, id);
		for (i = 0; i < msg->n; i++)
			wm_item_set(wl, (int64_t)i + 1, msg->entries[i].date,
			    &msg->entries[i].title);
		wl->next_id = (int64_t)msg->n + 1;
	} else
		for (i = 0; i < msg->n; i++)
			wm_apply(wl, &msg->ops[i]);
	wm_hist_push(wl);
}

static struct wm_expect *
wm_expect(struct wm_peer *pp, enum wx_kind kind, int list)
{
	struct wm_expect *x;

	pp->exp = wm_room(pp->exp, &pp->cap, pp->nexp, sizeof(*pp->exp));
	x = &pp->exp[pp->nexp++];
	memset(x, 0, sizeof(*x));
	x->kind = kind;
	x->list = list;
	x->msgno = m.msgno;
	return x;
}

static void
wm_report(void)
{
	fprintf(stderr, "wmodel: %lu programs (%lu with a raw frame that "
	    "may be a request: not modelled); %lu lists named, %lu of them "
	    "modelled\n", m.programs, m.offs, m.lists, m.modelled);
	fprintf(stderr, "wmodel: %lu appends and stores written, %lu resent; "
	    "%lu gets checked (%lu saw later changes of their round); %lu "
	    "lists found and compared at a probe\n", m.writes, m.resends,
	    m.gets, m.later, m.probed);
}

void
wm_start(bool unasked)
{
	static bool reported;
	struct wm_peer *pp;
	int p, i;

	if (!reported && atexit(wm_report) == 0)
		reported = true;
	for (p = 0; p < WM_PEERS; p++) {
		pp = &m.peers[p];
		for (i = 0; i < WM_LISTS; i++)
			wm_list_reset(&pp->lists[i]);
		pp->nexp = pp->nrecv = 0;
		pp->closed = pp->unchecked = false;
	}
	memset(m.named, 0, sizeof(m.named));
	m.msgno = 0;
	m.off = false;
	m.bound = unasked;
	m.programs++;
	/* Queued as the link is added, before any peer is read: the list
	 * is not there yet. */
	if (unasked)
		wm_expect(&m.peers[1], WX_ABSENT, 0);
}

void
wm_message(const struct wm_msg *msg)
{
	struct wm_peer *pp = &m.peers[msg->peer];
	struct wm_list *wl = &pp->lists[msg->list];
	enum wm_verdict v;

	m.msgno++;
	if (pp->closed)
		return;
	v = wm_judge(msg);
	/* A new server's link is bound to its list: a request for another
	 * closes it (a raw frame may be one: WM_MAYBE already). */
	if (v == WM_OK && m.bound && msg->peer == 1 && msg->list != 0)
		v = WM_BAD;
	if (v != WM_OK) {
		pp->closed = true;
		if (v == WM_MAYBE) {
			/* It may name any list, and keep the link open. */
			m.off = true;
			wm_expect(pp, WX_UNKNOWN, -1);
		}
		return;
	}
	m.named[msg->list] |= 1u << msg->peer;
	if (msg->kind == WM_GET) {
		wm_expect(pp, WX_GET, msg->list)->hist = wl->nhist - 1;
		wl->has_seq = false;
		return;
	}
	wm_expect(pp, WX_STORED, msg->list)->seq = msg->seq;
	if (wl->has_seq && msg->seq <= wl->seq) {
		m.resends++;	/* acknowledged, not written */
		return;
	}
	m.writes++;
	wm_write(wl, msg);
}

void
wm_sent(void)
{
	int i;

	for (i = 0; i < WM_LISTS; i++) {
		/* One peer's list, or none's (any peer's empty list). */
		m.owner[i] = m.off || m.named[i] == 3 ? -1 :
		    (int)(m.named[i] >> 1);
		if (m.named[i] != 0) {
			m.lists++;
			m.modelled += m.owner[i] != -1;
		}
	}
	m.offs += m.off;
}

/* ---- the replies ---- */

/* What a peer's next reply must be; NULL if it is not checked. */
static const struct wm_expect *
wm_next(int peer)
{
	struct wm_peer *pp = &m.peers[peer];
	const struct wm_expect *x;

	if (pp->unchecked)
		return NULL;
	if (pp->nrecv == pp->nexp)
		wm_fail("peer %d: reply %zu answers no message, or one that "
		    "closes the link", peer, pp->nrecv + 1);
	x = &pp->exp[pp->nrecv++];
	if (x->kind == WX_UNKNOWN) {
		pp->unchecked = true;
		return NULL;
	}
	return x;
}

void
wm_stored(int peer, int64_t seq)
{
	const struct wm_expect *x;

	if ((x = wm_next(peer)) == NULL)
		return;
	if (x->kind != WX_STORED)
		wm_fail("peer %d, message %zu: a get answered {stored, %"
		    PRId64 "}", peer, x->msgno, seq);
	if (x->seq != seq)
		wm_fail("peer %d, message %zu: Seq %" PRId64 " answered "
		    "{stored, %" PRId64 "}", peer, x->msgno, x->seq, seq);
}

static uint64_t
wm_digest_of(const struct todo_list *l, bool found)
{
	const struct todo_item *it;
	struct wm_date d;
	uint64_t sum = 0;

	for (it = todolist_first(l); it != NULL; it = todolist_next(l, it)) {
		d.year = it->date.year;
		d.month = it->date.month;
		d.day = it->date.day;
		sum += wm_item_hash(it->id, d, it->title, it->title_len);
	}
	return wm_digest(sum, todolist_next_id(l), found);
}

void
wm_answer(int peer, const struct todo_list *l, bool found)
{
	const struct wm_expect *x;
	const struct wm_list *wl;
	uint64_t d;
	size_t i;

	if ((x = wm_next(peer)) == NULL)
		return;
	if (x->kind == WX_STORED)
		wm_fail("peer %d, message %zu: Seq %" PRId64 " not answered "
		    "{stored, Seq}", peer, x->msgno, x->seq);
	if (l == NULL)
		wm_fail("peer %d, message %zu: a get of %s not answered with "
		    "a list", peer, x->msgno, wm_names[x->list]);
	if (x->kind == WX_ABSENT) {
		if (found)
			wm_fail("peer 1: the unasked get of a found a list");
		return;
	}
	if (m.owner[x->list] != peer)
		return;		/* not modelled */
	wl = &m.peers[peer].lists[x->list];
	d = wm_digest_of(l, found);
	m.gets++;
	for (i = x->hist; i < wl->nhist; i++)
		if (wl->hist[i] == d) {
			m.later += i > x->hist;
			return;
		}
	wm_fail("peer %d, message %zu: a get of %s answered a list (%zu "
	    "entries, next_id %" PRId64 "%s) that it never was from then on",
	    peer, x->msgno, wm_names[x->list], todolist_size(l),
	    todolist_next_id(l), found ? "" : ", not_found");
}

bool
wm_waits(int peer)
{
	const struct wm_peer *pp = &m.peers[peer];

	return !pp->unchecked && pp->nrecv < pp->nexp &&
	    pp->exp[pp->nrecv].kind != WX_UNKNOWN;
}

void
wm_closed(int peer)
{
	const struct wm_peer *pp = &m.peers[peer];
	const struct wm_expect *x;

	if (pp->unchecked || pp->nrecv == pp->nexp)
		return;
	x = &pp->exp[pp->nrecv];
	if (x->kind != WX_UNKNOWN)
		wm_fail("peer %d, message %zu: the link was closed without "
		    "its reply (%zu of %zu replies came)", peer, x->msgno,
		    pp->nrecv, pp->nexp);
}

/* ---- the probe ---- */

static void
wm_dump(const struct wm_list *wl, const struct todo_list *l)
{
	const struct todo_item *it;
	int64_t id;

	fprintf(stderr, "model: %s, next_id %" PRId64 "\n", wl->exists ?
	    "found" : "not_found", wl->next_id);
	for (id = 0; id < WM_IDS; id++)
		if (wl->items[id].used)
			fprintf(stderr, "  %" PRId64 " %04d-%02d-%02d %zu "
			    "bytes\n", id, wl->items[id].date.year,
			    wl->items[id].date.month, wl->items[id].date.day,
			    wl->items[id].title.len);
	fprintf(stderr, "worker: next_id %" PRId64 "\n", todolist_next_id(l));
	for (it = todolist_first(l); it != NULL; it = todolist_next(l, it))
		fprintf(stderr, "  %" PRId64 " %04d-%02d-%02d %zu bytes\n",
		    it->id, it->date.year, it->date.month, it->date.day,
		    it->title_len);
}

static bool
wm_item_is(const struct wm_item *mi, const struct todo_item *it)
{
	return it != NULL && it->date.year == mi->date.year &&
	    it->date.month == mi->date.month && it->date.day == mi->date.day &&
	    it->title_len == mi->title.len &&
	    memcmp(it->title, mi->title.p, mi->title.len) == 0;
}

/* The entries of wl, and no other, in l (whatever order they come in). */
static bool
wm_same(const struct wm_list *wl, const struct todo_list *l, bool found)
{
	const struct todo_item *it;
	int64_t id;
	size_t n = 0;

	if (found != wl->exists || todolist_next_id(l) != wl->next_id)
		return false;
	for (id = 0; id < WM_IDS; id++) {
		it = todolist_get(l, id);
		if (!wl->items[id].used) {
			if (it != NULL)
				return false;
			continue;
		}
		if (!wm_item_is(&wl->items[id], it))
			return false;
		n++;
	}
	return todolist_size(l) == n;
}

void
wm_probe(struct todo_list *const lists[WM_LISTS],
    const bool found[WM_LISTS])
{
	const struct wm_list *wl;
	int i;

	for (i = 0; i < WM_LISTS; i++) {
		if (m.owner[i] == -1)
			continue;
		wl = &m.peers[m.owner[i]].lists[i];
		if (lists[i] == NULL)
			wm_fail("probe: no list %s", wm_names[i]);
		m.probed += wl->exists;
		if (!wm_same(wl, lists[i], found[i])) {
			wm_dump(wl, lists[i]);
			wm_fail("probe: list %s is not the model's (peer %d's)",
			    wm_names[i], m.owner[i]);
		}
	}
}
