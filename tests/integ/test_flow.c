/*
 * test_flow: replies larger than the daemon's output caps.
 *
 *   lists over the cap    `lists` of 48,000 long names, a reply larger
 *                         than the cache's output cap (8 MiB), arrives
 *                         whole
 *   pipelined entries     30 `entries` of a list of ~880 KB, sent before
 *                         any reply is read (26 MB of replies, over a list
 *                         server's cap): all 30 arrive, in order
 *   one huge reply        `entries` of a list of ~19 MB, larger than the
 *                         cap by itself, arrives whole, alone and two
 *                         pipelined
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* The caps of daemon/cache.c and daemon/listsrv_int.h. */
#define CACHE_CAP	(8u * 1024 * 1024)
#define LIST_CAP	(16u * 1024 * 1024)

/* Deadline for one large reply (tens of megabytes, sanitizer builds). */
#define BIG_REPLY_MS	30000

/* The value V of {ok, V}; fails the test otherwise. */
static const struct etf_term *
ok_value(const struct etf_term *t, const char *what)
{
	char	buf[512];

	H_ASSERT(t != NULL, "%s: no reply: %s", what, h_err());
	H_ASSERT(etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "ok"),
	    "%s: expected {ok, _}, got %s", what, tterm_print(t, buf,
	    sizeof buf));
	return &t->seq.v[1];
}

/* The id of an Entry map. */
static int64_t
entry_id(const struct etf_term *e)
{
	const struct etf_term	*id;

	if (e->type != ETF_MAP || (id = etf_map_get(e, "id")) == NULL ||
	    id->type != ETF_INT)
		return -1;
	return id->i;
}

/* The reply to `entries` on c holds exactly the entries 1..n, in order. */
static void
assert_entries(struct conn *c, int64_t n, int ms, const char *what)
{
	const struct etf_term	*l;
	int64_t			 i;

	l = ok_value(conn_recv(c, ms), what);
	H_ASSERT(l->type == ETF_LIST && (int64_t)l->seq.n == n,
	    "%s: expected %lld entries, got %zu", what, (long long)n,
	    l->type == ETF_LIST ? l->seq.n : 0);
	for (i = 0; i < n; i++)
		H_ASSERT(entry_id(&l->seq.v[i]) == i + 1, "%s: entry %lld "
		    "has id %lld", what, (long long)i,
		    (long long)entry_id(&l->seq.v[i]));
	conn_reset(c);
}

/*
 * Add n entries with titles of tlen bytes to the attached list of c,
 * in pipelined batches (each batch's replies read before the next).
 */
static void
add_many(struct conn *c, int n, size_t tlen)
{
	struct etf_buf	 b;
	char		*title, e[8192];
	int		 i, j, batch = 200;

	H_ASSERT((title = malloc(tlen)) != NULL, "out of memory");
	memset(title, 't', tlen);
	etf_buf_init(&b);
	for (i = 0; i < n; i += batch) {
		etf_buf_reset(&b);
		for (j = i; j < n && j < i + batch; j++)
			h_frame_append(&b, "{add_entry, #{date => "
			    "{2023, 12, 19}, title => ~b}}", title, tlen);
		H_ASSERT(!b.oom, "out of memory");
		send_raw(c, b.p, b.len);
		for (j = i; j < n && j < i + batch; j++)
			H_ASSERT(h_reply_is(c, e, sizeof e, "{ok, ~i}", j + 1),
			    "add %d: %s", j + 1, e);
		conn_reset(c);
	}
	etf_buf_free(&b);
	free(title);
}

/* Frames of the same request, n times. */
static void
frames(struct etf_buf *b, const char *req, int n)
{
	int	i;

	etf_buf_init(b);
	for (i = 0; i < n; i++)
		h_frame_append(b, req);
	H_ASSERT(!b->oom, "out of memory");
}

/* ---- replies over the caps ---- */

#define NLISTS		48000
#define NAME_LEN	247

/* Name i of NLISTS: sorted as i, only [A-Za-z0-9_-] (its own file name). */
static void
long_name(char name[NAME_LEN + 1], int i)
{
	snprintf(name, NAME_LEN + 1, "%06d", i);
	memset(name + 6, 'n', NAME_LEN - 6);
	name[NAME_LEN] = '\0';
}

START_TEST(t_lists_over_cap)
{
	struct daemon		*d = daemon_start_ok(NULL);
	struct conn		*c;
	const struct etf_term	*l;
	char			 name[NAME_LEN + 1], path[512];
	int			 i, fd;

	/* each name takes 5 + 247 bytes in the reply */
	ck_assert_uint_gt((size_t)NLISTS * (5 + NAME_LEN), CACHE_CAP);
	daemon_stop_ok(d);
	for (i = 0; i < NLISTS; i++) {
		long_name(name, i);
		snprintf(path, sizeof path, "%s/%s", d->data, name);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		H_ASSERT(fd != -1, "create %s", path);
		close(fd);
	}
	H_ASSERT(daemon_restart(d) == 0, "restart: %s", h_err());
	c = conn_open_ok(d);
	send_req(c, "lists");
	l = ok_value(conn_recv(c, h_ms(BIG_REPLY_MS)), "lists");
	H_ASSERT(l->type == ETF_LIST && l->seq.n == NLISTS,
	    "lists: expected %d names, got %zu", NLISTS,
	    l->type == ETF_LIST ? l->seq.n : 0);
	for (i = 0; i < NLISTS; i++) {
		long_name(name, i);
		H_ASSERT(l->seq.v[i].type == ETF_BINARY &&
		    l->seq.v[i].bin.len == NAME_LEN &&
		    memcmp(l->seq.v[i].bin.p, name, NAME_LEN) == 0,
		    "lists: name %d is not %.6s...", i, name);
	}
	conn_reset(c);
	/* the connection goes on, and takes the same again */
	assert_call(c, "ping", "pong");
	send_req(c, "lists");
	send_req(c, "ping");
	l = ok_value(conn_recv(c, h_ms(BIG_REPLY_MS)), "second lists");
	H_ASSERT(l->type == ETF_LIST && l->seq.n == NLISTS,
	    "second lists: %zu names", l->type == ETF_LIST ? l->seq.n : 0);
	conn_reset(c);
	assert_reply(c, "pong");
	conn_close(c);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

START_TEST(t_pipelined_entries)
{
	struct daemon	*d = daemon_start_ok("--sync", "none", NULL);
	struct conn	*c = conn_open_ok(d);
	struct etf_buf	 b;
	char		 what[64];
	int		 i, n = 220, k = 30;

	/* 220 entries of 4000 bytes: each reply ~880 KB, 30 of them over
	 * the list server's cap */
	ck_assert_uint_gt((size_t)k * n * 4000, LIST_CAP);
	attach_ok(c, "pipelined-big");
	add_many(c, n, 4000);
	frames(&b, "entries", k);
	h_frame_append(&b, "ping");
	send_raw(c, b.p, b.len);
	for (i = 0; i < k; i++) {
		snprintf(what, sizeof what, "entries number %d", i + 1);
		assert_entries(c, n, h_ms(BIG_REPLY_MS), what);
	}
	assert_reply(c, "pong");
	assert_call(c, "size", "{ok, ~i}", n);
	etf_buf_free(&b);
	conn_close(c);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

START_TEST(t_one_huge_reply)
{
	struct daemon	*d = daemon_start_ok("--sync", "none", "--max-frame",
			    "67108864", NULL);
	struct conn	*c = conn_open_ok(d);
	int		 n = 4600;

	/* 4600 entries of 4096 bytes: one reply ~19 MB, over the cap */
	ck_assert_uint_gt((size_t)n * 4096, LIST_CAP);
	attach_ok(c, "huge");
	add_many(c, n, 4096);
	send_req(c, "entries");
	assert_entries(c, n, h_ms(BIG_REPLY_MS), "entries");
	/* two at once: the second waits for the first to drain */
	send_req(c, "entries");
	send_req(c, "entries");
	send_req(c, "size");
	assert_entries(c, n, h_ms(BIG_REPLY_MS), "first of two entries");
	assert_entries(c, n, h_ms(BIG_REPLY_MS), "second of two entries");
	assert_reply(c, "{ok, ~i}", n);
	conn_close(c);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("flow");
	TCase	*tc = tcase_create("flow");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, t_lists_over_cap);
	tcase_add_test(tc, t_pipelined_entries);
	tcase_add_test(tc, t_one_huge_reply);
	suite_add_tcase(s, tc);
	return h_run_suite(s);
}
