/*
 * test_badreq: well-framed requests that are wrong.  Every request with
 * each parameter of the wrong type or out of range (badarg, checked
 * before existence), ids in every integer encoding, titles, dates,
 * hostile list names and what reaches the data directory.  After each
 * case the connection still works, the list is unchanged, and a new
 * client is served.
 *
 * The reference peer passes all of these.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define B(...)	(const uint8_t[]){ __VA_ARGS__ }, \
		sizeof((const uint8_t[]){ __VA_ARGS__ })

static struct daemon	*D;

/* The list every case runs against: two entries that must not change. */
#define VICTIM	"victim"

static void
setup(void)
{
	struct conn	*c;

	D = daemon_start_ok(NULL);
	c = conn_open_ok(D);
	attach_ok(c, VICTIM);
	add_ok(c, "2023-12-19", "one");
	add_ok(c, "2023-12-20", "two");
	conn_close(c);
}

static void
teardown(void)
{
	h_shared_teardown(&D);
}

/* The connection goes on, the list is as it was, others are served. */
static void
unchanged(struct conn *c, const char *what)
{
	char	e[8192];

	H_ASSERT(h_call_is(c, e, sizeof e, "ping", "pong"), "after %s: %s",
	    what, e);
	H_ASSERT(h_call_is(c, e, sizeof e, "entries", "{ok, [~E, ~E]}",
	    1, "2023-12-19", "one", 2, "2023-12-20", "two"),
	    "after %s: %s", what, e);
	assert_serving(D);
}

/* req (text, with substitutions) on a connection attached to VICTIM. */
static void
expect(const char *reply, const char *req, ...)
{
	struct etf_arena	*a = etf_arena_new();
	struct etf_term		*t;
	struct conn		*c = conn_open_ok(D);
	char			 e[8192], buf[512];
	va_list			 ap;

	attach_ok(c, VICTIM);
	va_start(ap, req);
	t = vtterm(a, req, ap);
	va_end(ap);
	H_ASSERT(t != NULL, "%s", h_err());
	H_ASSERT(conn_send_term(c, t) == 0, "send: %s", h_err());
	H_ASSERT(h_reply_is(c, e, sizeof e, reply), "%s", e);
	unchanged(c, tterm_print(t, buf, sizeof buf));
	conn_close(c);
	etf_arena_free(a);
}

/* The same with a raw ETF payload. */
static void
expect_raw(const char *reply, const char *what, const uint8_t *p, size_t n)
{
	struct conn	*c = conn_open_ok(D);
	char		 e[8192];

	attach_ok(c, VICTIM);
	H_ASSERT(conn_send_frame(c, p, n) == 0, "send: %s", h_err());
	H_ASSERT(h_reply_is(c, e, sizeof e, reply), "%s: %s", what, e);
	unchanged(c, what);
	conn_close(c);
}

/* ---- shapes ---- */

static const struct {
	const char	*req, *reply;
} shapes[] = {
	{ "{add_entry}", "{error, badarg}" },
	{ "{add_entry, #{date => {2023, 1, 1}, title => <<\"x\">>}, 1}",
	    "{error, badarg}" },
	{ "{add_entry, [{date, {2023, 1, 1}}, {title, <<\"x\">>}]}",
	    "{error, badarg}" },
	{ "{add_entry, {2023, 1, 1}, <<\"x\">>}", "{error, badarg}" },
	{ "{add_entry, #{}}", "{error, badarg}" },
	{ "{add_entry, #{date => {2023, 1, 1}}}", "{error, badarg}" },
	{ "{add_entry, #{title => <<\"x\">>}}", "{error, badarg}" },
	{ "{add_entry, #{date => {2023, 1, 1}, title => <<\"x\">>, id => 5}}",
	    "{error, badarg}" },
	{ "{add_entry, #{date => {2023, 1, 1}, title => <<\"x\">>, x => 1}}",
	    "{error, badarg}" },
	{ "{add_entry, #{<<\"date\">> => {2023, 1, 1}, <<\"title\">> => "
	    "<<\"x\">>}}", "{error, badarg}" },
	{ "{add_entry, #{date => {2023, 1, 1}, title => x}}",
	    "{error, badarg}" },
	{ "{add_entry, #{date => {2023, 1, 1}, title => 42}}",
	    "{error, badarg}" },
	{ "{add_entry, #{date => {2023, 1, 1}, title => [120]}}",
	    "{error, badarg}" },
	{ "{add_entry, #{date => {2023, 1, 1}, title => {<<\"x\">>}}}",
	    "{error, badarg}" },
	{ "{entries}", "{error, badarg}" },
	{ "{entries, {2023, 1, 1}, 1}", "{error, badarg}" },
	{ "{entries, 99}", "{error, badarg}" },
	{ "{size}", "{error, badarg}" },
	{ "{size, 1}", "{error, badarg}" },
	{ "{update_entry}", "{error, badarg}" },
	{ "{update_entry, 1}", "{error, badarg}" },
	{ "{update_entry, 1, #{title => <<\"x\">>}, 1}", "{error, badarg}" },
	{ "{update_entry, 1, #{}}", "{error, badarg}" },
	{ "{update_entry, 99, #{}}", "{error, badarg}" },
	{ "{update_entry, 1, title}", "{error, badarg}" },
	{ "{update_entry, 1, [{title, <<\"x\">>}]}", "{error, badarg}" },
	{ "{update_entry, 1, #{title => <<\"x\">>, x => 1}}",
	    "{error, badarg}" },
	{ "{update_entry, 1, #{id => 2}}", "{error, badarg}" },
	{ "{update_entry, 1, #{x => 1}}", "{error, badarg}" },
	{ "{update_entry, 1, #{<<\"title\">> => <<\"x\">>}}",
	    "{error, badarg}" },
	{ "{update_entry, 1, #{title => x}}", "{error, badarg}" },
	{ "{update_entry, 99, #{title => x}}", "{error, badarg}" },
	{ "{update_entry, 1, #{date => {2023, 2, 30}}}", "{error, badarg}" },
	{ "{update_entry, 99, #{date => {2023, 2, 30}}}", "{error, badarg}" },
	{ "{update_entry, 1, #{date => {2023, 1, 1}, title => 1}}",
	    "{error, badarg}" },
	{ "{delete_entry}", "{error, badarg}" },
	{ "{delete_entry, 1, 2}", "{error, badarg}" },
	{ "{server_process}", "{error, badarg}" },
	{ "{server_process, <<\"a\">>, <<\"b\">>}", "{error, badarg}" },
	{ "{ping}", "{error, badarg}" },
	{ "{ping, 1}", "{error, badarg}" },
	{ "{update_entry, 99, #{title => <<\"x\">>}}", "{error, not_found}" },
	{ "{delete_entry, 99}", "{error, not_found}" },
};

START_TEST(t_shapes)
{
	expect(shapes[_i].reply, shapes[_i].req);
}
END_TEST

/* Cache requests with arguments, on an unattached connection. */
START_TEST(t_cache_shapes)
{
	struct conn	*c = conn_open_ok(D);

	assert_call(c, "{lists, 1}", "{error, badarg}");
	assert_call(c, "{lists}", "{error, badarg}");
	assert_call(c, "{stats, all}", "{error, badarg}");
	assert_call(c, "{ping}", "{error, badarg}");
	assert_call(c, "{server_process}", "{error, badarg}");
	assert_call(c, "ping", "pong");
	conn_close(c);
}
END_TEST

/* ---- ids ---- */

/* Terms that are not an Id (1..2^63-1), as ETF after the request tag. */
static const struct {
	const char	*what;
	const uint8_t	*p;
	size_t		 n;
} bad_ids[] = {
	{ "0", B(97, 0) },
	{ "-1", B(98, 255, 255, 255, 255) },
	{ "-2^31", B(98, 0x80, 0, 0, 0) },
	{ "2^63", B(110, 8, 0, 0, 0, 0, 0, 0, 0, 0, 128) },
	{ "2^64", B(110, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1) },
	{ "-2^63", B(110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 128) },
	{ "-2^63-1", B(110, 8, 1, 1, 0, 0, 0, 0, 0, 0, 128) },
	{ "-1 as a big", B(110, 1, 1, 1) },
	{ "2^800", B(111, 0, 0, 0, 101, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1) },
	{ "1.0", B(70, 63, 240, 0, 0, 0, 0, 0, 0) },
	{ "the atom '1'", B(119, 1, '1') },
	{ "<<\"1\">>", B(109, 0, 0, 0, 1, '1') },
	{ "the string \"1\"", B(107, 0, 1, '1') },
	{ "[1]", B(108, 0, 0, 0, 1, 97, 1, 106) },
	{ "[]", B(106) },
	{ "{1}", B(104, 1, 97, 1) },
	{ "#{}", B(116, 0, 0, 0, 0) },
};

static const uint8_t delete_head[] = { 131, 104, 2, 119, 12, 'd', 'e', 'l',
    'e', 't', 'e', '_', 'e', 'n', 't', 'r', 'y' };
static const uint8_t update_head[] = { 131, 104, 3, 119, 12, 'u', 'p', 'd',
    'a', 't', 'e', '_', 'e', 'n', 't', 'r', 'y' };
/* #{title => <<"one">>}: the title entry 1 already has */
static const uint8_t changes[] = { 116, 0, 0, 0, 1, 119, 5, 't', 'i', 't',
    'l', 'e', 109, 0, 0, 0, 3, 'o', 'n', 'e' };

/* {delete_entry, Id} or {update_entry, Id, #{title => <<"one">>}}. */
static size_t
id_request(uint8_t *out, bool update, const uint8_t *id, size_t n)
{
	size_t	len = 0;

	memcpy(out, update ? update_head : delete_head, sizeof delete_head);
	len = sizeof delete_head;
	memcpy(out + len, id, n);
	len += n;
	if (update) {
		memcpy(out + len, changes, sizeof changes);
		len += sizeof changes;
	}
	return len;
}

START_TEST(t_bad_ids)
{
	uint8_t	p[256];
	char	what[128];

	snprintf(what, sizeof what, "delete_entry, id %s", bad_ids[_i].what);
	expect_raw("{error, badarg}", what, p, id_request(p, false,
	    bad_ids[_i].p, bad_ids[_i].n));
	snprintf(what, sizeof what, "update_entry, id %s", bad_ids[_i].what);
	expect_raw("{error, badarg}", what, p, id_request(p, true,
	    bad_ids[_i].p, bad_ids[_i].n));
}
END_TEST

/* Every integer encoding of an Id is accepted. */
static const struct {
	const char	*what;
	const uint8_t	*p;
	size_t		 n;
} id_one[] = {
	{ "SMALL_INTEGER_EXT", B(97, 1) },
	{ "INTEGER_EXT", B(98, 0, 0, 0, 1) },
	{ "SMALL_BIG_EXT", B(110, 1, 0, 1) },
	{ "LARGE_BIG_EXT", B(111, 0, 0, 0, 1, 0, 1) },
}, id_absent[] = {
	{ "2^31", B(110, 4, 0, 0, 0, 0, 128) },
	{ "2^32", B(110, 5, 0, 0, 0, 0, 0, 1) },
	{ "2^63-1", B(110, 8, 0, 255, 255, 255, 255, 255, 255, 255, 127) },
	{ "2^63-1 as LARGE_BIG_EXT", B(111, 0, 0, 0, 8, 0, 255, 255, 255,
	    255, 255, 255, 255, 127) },
};

START_TEST(t_id_encodings)
{
	uint8_t	p[256];
	size_t	i;

	for (i = 0; i < sizeof id_one / sizeof id_one[0]; i++)
		expect_raw("{ok, #{id => 1, date => _, title => <<\"one\">>}}",
		    id_one[i].what, p, id_request(p, true, id_one[i].p,
		    id_one[i].n));
	for (i = 0; i < sizeof id_absent / sizeof id_absent[0]; i++) {
		expect_raw("{error, not_found}", id_absent[i].what, p,
		    id_request(p, true, id_absent[i].p, id_absent[i].n));
		expect_raw("{error, not_found}", id_absent[i].what, p,
		    id_request(p, false, id_absent[i].p, id_absent[i].n));
	}
}
END_TEST

/* ---- titles ---- */

static uint8_t	long_title[4097];

static void
fill_title(void)
{
	memset(long_title, 'T', sizeof long_title);
}

static const struct {
	const char	*what;
	const char	*p;
	size_t		 n;
} bad_titles[] = {
	{ "empty", "", 0 },
	{ "0xff", "\xff", 1 },
	{ "cut sequence", "ab\xc3", 3 },
	{ "overlong NUL", "a\xc0\x80", 3 },
	{ "overlong slash", "\xe0\x80\xaf", 3 },
	{ "surrogate", "\xed\xa0\x80", 3 },
	{ "above U+10FFFF", "\xf4\x90\x80\x80", 4 },
	{ "continuation only", "\x80", 1 },
	{ "latin-1", "caf\xe9", 4 },
};

START_TEST(t_bad_titles)
{
	const char	*p = bad_titles[_i].p;
	size_t		 n = bad_titles[_i].n;

	expect("{error, badarg}", "{add_entry, #{date => {2023, 1, 1}, "
	    "title => ~b}}", p, n);
	expect("{error, badarg}", "{update_entry, 1, #{title => ~b}}", p, n);
	expect("{error, badarg}", "{update_entry, 99, #{title => ~b}}", p, n);
}
END_TEST

START_TEST(t_title_too_long)
{
	fill_title();
	expect("{error, badarg}", "{add_entry, #{date => {2023, 1, 1}, "
	    "title => ~b}}", long_title, sizeof long_title);
	expect("{error, badarg}", "{update_entry, 1, #{title => ~b}}",
	    long_title, sizeof long_title);
	expect("{error, badarg}", "{update_entry, 1, #{date => {2023, 1, 1}, "
	    "title => ~b}}", long_title, sizeof long_title);
}
END_TEST

/* Valid titles come back byte for byte. */
START_TEST(t_good_titles)
{
	static char	 ascii[127], mb[4096];
	static const struct {
		const char	*p;
		size_t		 n;
	} v[] = {
		{ "a\0b", 3 },
		{ "\0", 1 },
		{ "\xf0\x9f\x98\x80 \xe2\x82\xac \xc3\xa9 \xef\xbf\xbf", 15 },
		{ "\xf4\x8f\xbf\xbf", 4 },	/* U+10FFFF */
		{ ascii, sizeof ascii },
		{ (const char *)long_title, 4096 },
		{ mb, sizeof mb },
	};
	struct conn	*c = conn_open_ok(D);
	size_t		 i;
	int		 id;

	for (i = 0; i < sizeof ascii; i++)
		ascii[i] = (char)(i + 1);
	for (i = 0; i < sizeof mb; i += 2)
		memcpy(mb + i, "\xc3\xa9", 2);
	fill_title();
	attach_ok(c, "titles");
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		id = (int)i + 1;
		assert_call(c, "{add_entry, #{date => {2023, 1, 1}, title => "
		    "~b}}", "{ok, ~i}", v[i].p, v[i].n, id);
		assert_call(c, "{entries, {2023, 1, 1}}", "{ok, [_ | _]}");
		assert_call(c, "{update_entry, ~i, #{title => ~b}}",
		    "{ok, #{id => ~i, date => ~D, title => ~b}}", id, v[i].p,
		    v[i].n, id, "2023-01-01", v[i].p, v[i].n);
	}
	conn_close(c);
	/* and from another connection, as stored */
	c = conn_open_ok(D);
	attach_ok(c, "titles");
	for (i = 0; i < sizeof v / sizeof v[0]; i++)
		assert_call(c, "{update_entry, ~i, #{date => {2023, 1, 2}}}",
		    "{ok, #{id => ~i, date => ~D, title => ~b}}", (int)i + 1,
		    (int)i + 1, "2023-01-02", v[i].p, v[i].n);
	conn_close(c);
}
END_TEST

/* ---- dates ---- */

static const char *const bad_dates[] = {
	"{2023, 2, 29}", "{1900, 2, 29}", "{2023, 13, 1}", "{2023, 0, 1}",
	"{2023, 1, 0}", "{2023, 1, 32}", "{2023, 4, 31}", "{10000, 1, 1}",
	"{-1, 1, 1}", "{2023, -1, 1}", "{2023, 1}", "{2023, 1, 1, 1}",
	"{<<\"2023\">>, 1, 1}", "{2023, 1, x}", "[2023, 1, 1]", "2023",
	"today", "<<\"2023-02-29\">>", "<<\"2023-13-01\">>",
	"<<\"2023-00-10\">>", "<<\"2023-01-00\">>", "<<\"2023-1-01\">>",
	"<<\"2023-01-1\">>", "<<\"20230101\">>", "<<\"2023/01/01\">>",
	"<<\" 2023-01-01\">>", "<<\"2023-01-01 \">>", "<<\"2023-01-01\\0\">>",
	"<<\"+023-01-01\">>", "<<\"-001-01-01\">>", "<<\"2023-0a-01\">>",
	"<<\"10000-01-01\">>", "<<\"2023-01-01T00:00:00\">>", "<<>>",
	"<<\"\\xd9\\xa2023-01-01\">>",
	/* maps */
	"#{'__struct__' => 'Elixir.Date', calendar => 'Elixir.Calendar.ISO', "
	    "year => 2023, month => 1}",
	"#{'__struct__' => 'Elixir.Date', calendar => 'Elixir.Calendar.ISO', "
	    "year => 2023, month => 1, day => 1, hour => 0}",
	"#{'__struct__' => 'Elixir.DateTime', calendar => "
	    "'Elixir.Calendar.ISO', year => 2023, month => 1, day => 1}",
	"#{'__struct__' => 'Elixir.Date', calendar => 'Elixir.Calendar.Holocene', "
	    "year => 2023, month => 1, day => 1}",
	"#{calendar => 'Elixir.Calendar.ISO', year => 2023, month => 1, "
	    "day => 1}",
	"#{'__struct__' => 'Elixir.Date', year => 2023, month => 1, day => 1}",
	"#{year => 2023, month => 1, day => 1}",
	"#{'__struct__' => <<\"Elixir.Date\">>, calendar => "
	    "'Elixir.Calendar.ISO', year => 2023, month => 1, day => 1}",
	"#{'__struct__' => 'Elixir.Date', calendar => 'Elixir.Calendar.ISO', "
	    "year => 2023, month => 2, day => 30}",
	"#{'__struct__' => 'Elixir.Date', calendar => 'Elixir.Calendar.ISO', "
	    "year => <<\"2023\">>, month => 1, day => 1}",
	"#{'__struct__' => 'Elixir.Date', calendar => 'Elixir.Calendar.ISO', "
	    "year => 10000, month => 1, day => 1}",
	"#{<<\"__struct__\">> => 'Elixir.Date', <<\"calendar\">> => "
	    "'Elixir.Calendar.ISO', <<\"year\">> => 2023, <<\"month\">> => 1, "
	    "<<\"day\">> => 1}",
	"#{}",
};

START_TEST(t_bad_dates)
{
	struct etf_arena	*a = etf_arena_new();
	struct etf_term		*d = tterm(a, bad_dates[_i]);

	H_ASSERT(d != NULL, "%s", h_err());
	expect("{error, badarg}", "{add_entry, #{date => ~t, title => "
	    "<<\"x\">>}}", d);
	expect("{error, badarg}", "{entries, ~t}", d);
	expect("{error, badarg}", "{update_entry, 1, #{date => ~t}}", d);
	expect("{error, badarg}", "{update_entry, 99, #{date => ~t}}", d);
	expect("{error, badarg}", "{update_entry, 1, #{date => ~t, title => "
	    "<<\"x\">>}}", d);
	etf_arena_free(a);
}
END_TEST

/* ---- names ---- */

/* Not a valid Name: bad_name. */
static const struct {
	const char	*what;
	const char	*p;
	size_t		 n;
} bad_names[] = {
	{ "empty", "", 0 },
	{ "NUL inside", "a\0b", 3 },
	{ "NUL alone", "\0", 1 },
	{ "0xff", "\xff", 1 },
	{ "overlong", "a\xc0\xae", 3 },
	{ "surrogate", "\xed\xa0\x80", 3 },
	{ "cut sequence", "ab\xe2\x82", 4 },
	{ "latin-1", "caf\xe9", 4 },
};

static char	name256[256], name_mb255[255], pct86[86], e43[86];

static void
fill_names(void)
{
	size_t	i;

	memset(name256, 'n', sizeof name256);
	/* 127 two-byte characters and one byte: 255 bytes, file 763 */
	for (i = 0; i + 1 < sizeof name_mb255; i += 2)
		memcpy(name_mb255 + i, "\xc3\xa9", 2);
	name_mb255[254] = 'x';
	memset(pct86, '%', sizeof pct86);		/* file 258 bytes */
	for (i = 0; i < sizeof e43; i += 2)
		memcpy(e43 + i, "\xc3\xa9", 2);		/* file 258 bytes */
}

START_TEST(t_bad_names)
{
	struct conn	*c = conn_open_ok(D);
	size_t		 i;

	fill_names();
	for (i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++)
		assert_call(c, "{server_process, ~b}", "{error, bad_name}",
		    bad_names[i].p, bad_names[i].n);
	assert_call(c, "{server_process, ~b}", "{error, bad_name}",
	    name256, sizeof name256);
	assert_call(c, "{server_process, ~b}", "{error, bad_name}",
	    name_mb255, sizeof name_mb255);
	assert_call(c, "{server_process, ~b}", "{error, bad_name}",
	    pct86, sizeof pct86);
	assert_call(c, "{server_process, ~b}", "{error, bad_name}",
	    e43, sizeof e43);
	/* still unattached */
	assert_call(c, "size", "{error, not_attached}");
	assert_call(c, "ping", "pong");
	conn_close(c);
	/* and on an attached connection, which stays attached */
	c = conn_open_ok(D);
	attach_ok(c, VICTIM);
	for (i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++)
		assert_call(c, "{server_process, ~b}", "{error, bad_name}",
		    bad_names[i].p, bad_names[i].n);
	assert_call(c, "{server_process, ~b}", "{error, bad_name}",
	    name256, sizeof name256);
	unchanged(c, "bad names");
	conn_close(c);
}
END_TEST

START_TEST(t_name_not_binary)
{
	static const char *const v[] = {
		"bob", "42", "[98, 111, 98]", "{<<\"bob\">>}",
		"[<<\"bob\">>]", "#{name => <<\"bob\">>}", "[]",
	};
	struct conn	*c = conn_open_ok(D);
	size_t		 i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct etf_arena	*a = etf_arena_new();

		assert_call(c, "{server_process, ~t}", "{error, badarg}",
		    tterm(a, v[i]));
		etf_arena_free(a);
	}
	assert_call(c, "ping", "pong");
	conn_close(c);
}
END_TEST

/*
 * Names that look dangerous but are valid Names (section 3): they are
 * served and stored under their %XX file name (section 4), so no file
 * appears outside the data directory and no list file is a dot-file.
 */
static const struct {
	const char	*name, *file;
} odd_names[] = {
	{ "..", "%2E%2E" },
	{ ".", "%2E" },
	{ "/", "%2F" },
	{ "a/b", "a%2Fb" },
	{ "../../escape", "%2E%2E%2F%2E%2E%2Fescape" },
	{ "%", "%25" },
	{ "%41", "%2541" },
	{ "..x", "%2E%2Ex" },
	{ ".lock", "%2Elock" },
	{ "a b", "a%20b" },
	{ "\\", "%5C" },
	{ "\n", "%0A" },
};

struct dirlist {
	char	names[256][260];
	size_t	n;
};

static void
list_dir(const char *path, struct dirlist *dl)
{
	struct dirent	*de;
	DIR		*d;

	dl->n = 0;
	H_ASSERT((d = opendir(path)) != NULL, "opendir %s", path);
	while ((de = readdir(d)) != NULL && dl->n < 256) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(dl->names[dl->n++], sizeof dl->names[0], "%s",
		    de->d_name);
	}
	closedir(d);
}

static bool
dir_has(const struct dirlist *dl, const char *name)
{
	size_t	i;

	for (i = 0; i < dl->n; i++)
		if (strcmp(dl->names[i], name) == 0)
			return true;
	return false;
}

START_TEST(t_odd_names)
{
	static struct dirlist	 before, after, top;
	static char		 a255[256], pct85[86], e42[88];
	struct conn		*c = conn_open_ok(D);
	char			 esc[256];
	size_t			 i;

	list_dir(D->data, &before);
	for (i = 0; i < sizeof odd_names / sizeof odd_names[0]; i++) {
		attach_ok(c, odd_names[i].name);
		add_ok(c, "2023-12-19", odd_names[i].name);
		assert_call(c, "entries", "{ok, [~E]}", 1, "2023-12-19",
		    odd_names[i].name);
	}
	/* the longest names: 255 bytes, and file names of 255 bytes */
	memset(a255, 'a', 255);
	memset(pct85, '%', 85);
	for (i = 0; i < 84; i += 2)
		memcpy(e42 + i, "\xc3\xa9", 2);
	memcpy(e42 + 84, "abc", 4);
	attach_ok(c, a255);
	add_ok(c, "2023-12-19", "255 bytes");
	attach_ok(c, pct85);
	add_ok(c, "2023-12-19", "file name of 255 bytes");
	attach_ok(c, e42);
	add_ok(c, "2023-12-19", "file name of 255 bytes");
	conn_close(c);
	/* A new list's first change is journaled; lists writes the files
	 * of new lists, then reads the directory. */
	c = conn_open_ok(D);
	send_req(c, "lists");
	H_ASSERT(conn_recv(c, h_ms(10000)) != NULL, "lists: %s", h_err());
	conn_close(c);

	list_dir(D->data, &after);
	for (i = 0; i < sizeof odd_names / sizeof odd_names[0]; i++)
		H_ASSERT(dir_has(&after, odd_names[i].file), "list \"%s\": "
		    "no file %s in the data directory", odd_names[i].name,
		    odd_names[i].file);
	H_ASSERT(dir_has(&after, a255), "no file for the 255-byte name");
	for (i = 0; i < after.n; i++)
		H_ASSERT(after.names[i][0] != '.' ||
		    dir_has(&before, after.names[i]), "new dot-file %s in the "
		    "data directory", after.names[i]);
	/* nothing next to the data directory but what the test made */
	list_dir(D->dir, &top);
	for (i = 0; i < top.n; i++)
		H_ASSERT(strcmp(top.names[i], "data") == 0 ||
		    strcmp(top.names[i], "s.sock") == 0 ||
		    strcmp(top.names[i], "s.sock.lock") == 0 ||
		    strcmp(top.names[i], "todod.log") == 0,
		    "unexpected %s/%s", D->dir, top.names[i]);
	/* "../../escape" relative to the data directory */
	snprintf(esc, sizeof esc, "%s/../escape", D->dir);
	H_ASSERT(access(esc, F_OK) != 0, "%s exists", esc);
	assert_serving(D);
}
END_TEST

static Suite *
badreq_suite(void)
{
	Suite	*s = suite_create("badreq");
	TCase	*tc = tcase_create("requests");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, t_shapes, 0, sizeof shapes / sizeof shapes[0]);
	tcase_add_test(tc, t_cache_shapes);
	tcase_add_loop_test(tc, t_bad_ids, 0,
	    sizeof bad_ids / sizeof bad_ids[0]);
	tcase_add_test(tc, t_id_encodings);
	tcase_add_loop_test(tc, t_bad_titles, 0,
	    sizeof bad_titles / sizeof bad_titles[0]);
	tcase_add_test(tc, t_title_too_long);
	tcase_add_test(tc, t_good_titles);
	tcase_add_loop_test(tc, t_bad_dates, 0,
	    sizeof bad_dates / sizeof bad_dates[0]);
	tcase_add_test(tc, t_bad_names);
	tcase_add_test(tc, t_name_not_binary);
	tcase_add_test(tc, t_odd_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return h_run_suite(badreq_suite());
}
