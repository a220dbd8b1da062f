/*
 * test_badinput: hostile and careless clients against a running daemon.
 * Every case gets the error of the protocol (or a closed connection) and
 * the daemon goes on serving others.
 *
 *   frames             a daemon with --max-frame 4096: lengths,
 *                      versions, tags, truncation, trailing bytes, huge
 *                      headers, compression
 *   default-max-frame  the default daemon: nesting 100,000 deep, a
 *                      compressed term inflating over 1 MiB, a chain of
 *                      250 list tails over a long list
 *
 * Well-framed but wrong requests are in test_badreq.
 *
 * Against the reference peer, the terms only todod refuses as frames
 * and the compressed requests over --max-frame (where the peer differs
 * from todod-protocol(7)) are skipped (H_TODOD_ONLY).
 */
#include "config.h"

#include <sys/socket.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "frame.h"
#include "harness.h"

#define MAX_FRAME	4096
#define B(...)	(const uint8_t[]){ __VA_ARGS__ }, \
		sizeof((const uint8_t[]){ __VA_ARGS__ })
#define SERVER_PROCESS	100, 0, 14, 's', 'e', 'r', 'v', 'e', 'r', '_', \
			'p', 'r', 'o', 'c', 'e', 's', 's'
#define NONODE		100, 0, 13, 'n', 'o', 'n', 'o', 'd', 'e', '@', \
			'n', 'o', 'h', 'o', 's', 't'
#define PING		'p', 'i', 'n', 'g'

static struct daemon	*D;

static void
setup_frames(void)
{
	char	max[16];

	snprintf(max, sizeof max, "%d", MAX_FRAME);
	D = daemon_start_ok("--max-frame", max, NULL);
}

static void
setup_default(void)
{
	D = daemon_start_ok(NULL);
}

static void
teardown(void)
{
	h_shared_teardown(&D);
}

/* The payload is answered {error, bad_frame} and the connection closed. */
static void
expect_bad_frame(const char *what, const uint8_t *p, size_t n)
{
	struct conn	*c = conn_open_ok(D);
	char		 e[8192];

	H_ASSERT(conn_send_frame(c, p, n) == 0, "%s: send: %s", what,
	    h_err());
	H_ASSERT(h_reply_is(c, e, sizeof e, "{error, bad_frame}"), "%s: %s",
	    what, e);
	H_ASSERT(conn_wait_eof(c, h_ms(H_EOF_MS)) == 0, "%s: %s", what,
	    h_err());
	conn_close(c);
	assert_serving(D);
}

/* Payloads that are not exactly one supported term. */
struct bad_frame {
	const char	*what;
	const uint8_t	*p;
	size_t		 n;
};
static const struct bad_frame bad_frames[] = {
	{ "version 130", B(130, 100, 0, 4, PING) },
	{ "version byte only", B(131) },
	{ "no version byte", B(100, 0, 4, PING) },
	{ "version 0", B(0, 100, 0, 4, PING) },
	{ "truncated atom", B(131, 100, 0, 4, 'p', 'i') },
	{ "truncated tuple", B(131, 104, 2, 100, 0, 4, PING) },
	{ "truncated integer", B(131, 98, 0, 0) },
	{ "trailing byte", B(131, 100, 0, 4, PING, 0) },
	{ "two terms", B(131, 106, 131, 106) },
	{ "tag 0", B(131, 0) },
	{ "tag 255", B(131, 255) },
	{ "atom cache reference", B(131, 82, 0) },
	{ "distribution header", B(131, 68, 0) },
	{ "list of 2^32-1 elements", B(131, 108, 255, 255, 255, 255, 106) },
	{ "list of 10^9 elements", B(131, 108, 0x3b, 0x9a, 0xca, 0x00, 97,
	    1, 106) },
	{ "tuple of 2^32-1 elements", B(131, 105, 255, 255, 255, 255,
	    97, 1) },
	{ "map of 2^32-1 pairs", B(131, 116, 255, 255, 255, 255, 97, 1,
	    97, 2) },
	{ "binary of 2^32-1 bytes", B(131, 109, 255, 255, 255, 255, 1, 2) },
	{ "string of 65535 bytes", B(131, 107, 255, 255, 'a') },
	{ "big of 255 bytes", B(131, 110, 255, 0, 1) },
	{ "large big of 2^32-1 bytes", B(131, 111, 255, 255, 255, 255, 0,
	    1) },
	{ "atom of 65535 bytes", B(131, 118, 255, 255, 'a') },
	{ "utf8 atom, invalid", B(131, 118, 0, 2, 0xff, 0xfe) },
	{ "small utf8 atom, overlong", B(131, 119, 2, 0xc0, 0x80) },
	{ "small utf8 atom, surrogate", B(131, 119, 3, 0xed, 0xa0, 0x80) },
	{ "small utf8 atom, cut sequence", B(131, 119, 1, 0xc3) },
	{ "utf8 atom in a request, invalid", B(131, 104, 2, 119, 2, 0xc3,
	    0x28, 109, 0, 0, 0, 1, 'x') },
	{ "compressed, corrupt", B(131, 80, 0, 0, 0, 5, 1, 2, 3, 4, 5) },
	{ "compressed, empty", B(131, 80, 0, 0, 0, 0) },
};

/*
 * Terms that todod does not support (todod-protocol(7)): which terms a
 * daemon supports is its choice, and the peer's BEAM decodes these (and
 * answers badarg).
 */
static const struct bad_frame todod_bad_frames[] = {
	{ "pid", B(131, 104, 2, SERVER_PROCESS, 88, NONODE, 0, 0, 0, 9,
	    0, 0, 0, 0, 0, 0, 0, 0) },
	{ "old pid", B(131, 104, 2, SERVER_PROCESS, 103, NONODE, 0, 0, 0, 9,
	    0, 0, 0, 0, 0) },
	{ "reference", B(131, 104, 2, SERVER_PROCESS, 90, 0, 3, NONODE,
	    0, 0, 0, 0, 0, 1, 134, 172, 189, 164, 0, 1, 245, 71, 172, 206) },
	{ "export fun", B(131, 104, 2, SERVER_PROCESS, 113, 100, 0, 6,
	    'e', 'r', 'l', 'a', 'n', 'g', 100, 0, 3, 'n', 'o', 'w', 97, 0) },
	{ "port", B(131, 104, 2, SERVER_PROCESS, 89, NONODE, 0, 0, 0, 0,
	    0, 0, 0, 0) },
	{ "bit binary", B(131, 104, 2, SERVER_PROCESS, 77, 0, 0, 0, 1, 3,
	    32) },
};

START_TEST(t_bad_frame)
{
	expect_bad_frame(bad_frames[_i].what, bad_frames[_i].p,
	    bad_frames[_i].n);
}
END_TEST

START_TEST(t_bad_frame_todod)
{
	H_TODOD_ONLY("todod refuses pids, references, funs, ports and bit "
	    "binaries as unsupported terms; the peer decodes them");
	expect_bad_frame(todod_bad_frames[_i].what, todod_bad_frames[_i].p,
	    todod_bad_frames[_i].n);
}
END_TEST

START_TEST(t_zero_length)
{
	static const uint8_t	 zero[FRAME_HDR];
	struct conn		*c = conn_open_ok(D);

	send_raw(c, zero, sizeof zero);
	assert_reply(c, "{error, bad_frame}");
	assert_eof(c);
	conn_close(c);
	assert_serving(D);
}
END_TEST

/* An oversize length is refused from the header alone. */
START_TEST(t_oversize_header)
{
	static const uint32_t	 len[] = { MAX_FRAME + 1, 65536, 0x7fffffff,
	    0xffffffff };
	struct conn		*c;
	uint8_t			 hdr[FRAME_HDR];
	size_t			 i;

	for (i = 0; i < sizeof len / sizeof len[0]; i++) {
		c = conn_open_ok(D);
		frame_put_len(hdr, len[i]);
		send_raw(c, hdr, sizeof hdr);
		assert_reply(c, "{error, bad_frame}");
		assert_eof(c);
		conn_close(c);
		assert_serving(D);
	}
}
END_TEST

/* A payload of exactly L bytes of ETF: {frobnicate, <<pad>>}. */
static size_t
padded_request(uint8_t *p, size_t L)
{
	static const uint8_t	head[] = { 131, 104, 2, 119, 10, 'f', 'r',
	    'o', 'b', 'n', 'i', 'c', 'a', 't', 'e', 109 };
	uint32_t		pad = (uint32_t)(L - sizeof head - 4);

	memcpy(p, head, sizeof head);
	frame_put_len(p + sizeof head, pad);
	memset(p + sizeof head + 4, 'x', pad);
	return L;
}

/* L = max is accepted; L = max + 1 with its payload is refused. */
START_TEST(t_max_frame)
{
	static uint8_t	 p[MAX_FRAME + 1];
	struct conn	*c = conn_open_ok(D);
	uint8_t		 hdr[FRAME_HDR];

	conn_send_frame(c, p, padded_request(p, MAX_FRAME));
	assert_reply(c, "{error, unknown_request}");
	assert_call(c, "ping", "pong");
	conn_close(c);

	c = conn_open_ok(D);
	padded_request(p, MAX_FRAME + 1);
	frame_put_len(hdr, MAX_FRAME + 1);
	send_raw(c, hdr, sizeof hdr);
	/* the daemon may close before it takes the payload */
	(void)conn_send_nowait(c, p, MAX_FRAME + 1);
	assert_reply(c, "{error, bad_frame}");
	assert_eof(c);
	conn_close(c);
	assert_serving(D);
}
END_TEST

/* A frame cut short by the client's close: the daemon goes on. */
START_TEST(t_truncated_then_close)
{
	static const uint8_t	 cut[][8] = {
		{ 0, 0, 0, 100, 131, 104, 2, 100 },	/* payload cut */
		{ 0, 0, 0, 0, 0, 0, 0, 0 },		/* header cut */
	};
	static const size_t	 n[] = { 8, 2 };
	struct conn		*c;
	const struct etf_term	*t;
	size_t			 i;

	for (i = 0; i < 2; i++) {
		c = conn_open_ok(D);
		send_raw(c, cut[i], n[i]);
		shutdown(c->fd, SHUT_WR);
		/* nothing or bad_frame, then the close */
		if ((t = conn_recv(c, h_ms(H_EOF_MS))) != NULL) {
			char	buf[256];

			H_ASSERT(etf_is_tuple(t, 2) &&
			    etf_is_atom(&t->seq.v[1], "bad_frame"),
			    "truncated frame: got %s",
			    tterm_print(t, buf, sizeof buf));
			assert_eof(c);
		}
		conn_close(c);
		assert_serving(D);
	}
}
END_TEST

/* A frame that arrives one byte at a time, and frames split anyhow. */
START_TEST(t_split_frames)
{
	static const uint8_t	 ping[] = { 0, 0, 0, 8, 131, 100, 0, 4, PING,
	    0, 0, 0, 8, 131, 100, 0, 4, PING };
	struct conn		*c = conn_open_ok(D);
	size_t			 i;

	for (i = 0; i < 12; i++)
		send_raw(c, ping + i, 1);
	assert_reply(c, "pong");
	send_raw(c, ping + 12, 3);
	send_raw(c, ping + 15, 9);
	send_raw(c, ping, sizeof ping);
	assert_reply(c, "pong");
	assert_reply(c, "pong");
	assert_reply(c, "pong");
	conn_close(c);
}
END_TEST

/* Every atom encoding is accepted. */
static const struct {
	const uint8_t	*p;
	size_t		 n;
	const char	*reply;
} atoms[] = {
	{ B(131, 100, 0, 4, PING), "pong" },		/* ATOM_EXT */
	{ B(131, 115, 4, PING), "pong" },		/* SMALL_ATOM_EXT */
	{ B(131, 118, 0, 4, PING), "pong" },		/* ATOM_UTF8_EXT */
	{ B(131, 119, 4, PING), "pong" },		/* SMALL_ATOM_UTF8_EXT */
	/* latin-1 'p\xefng' is a valid atom, just not a request */
	{ B(131, 100, 0, 4, 'p', 0xef, 'n', 'g'), "{error, unknown_request}" },
	{ B(131, 115, 4, 'p', 0xef, 'n', 'g'), "{error, unknown_request}" },
	{ B(131, 119, 5, 'p', 0xc3, 0xaf, 'n', 'g'),
	    "{error, unknown_request}" },
};

START_TEST(t_atom_encodings)
{
	struct conn	*c = conn_open_ok(D);
	size_t		 i;

	for (i = 0; i < sizeof atoms / sizeof atoms[0]; i++) {
		H_ASSERT(conn_send_frame(c, atoms[i].p, atoms[i].n) == 0,
		    "send: %s", h_err());
		assert_reply(c, atoms[i].reply);
	}
	conn_close(c);
}
END_TEST

/* Atoms of 255 characters are atoms; 256 are not. */
START_TEST(t_long_atoms)
{
	uint8_t		 p[4 + 256 * 2];
	struct conn	*c = conn_open_ok(D);
	char		 e[8192];

	p[0] = 131;
	p[1] = 118;
	p[2] = 0;
	p[3] = 255;
	memset(p + 4, 'a', 255);
	H_ASSERT(conn_send_frame(c, p, 4 + 255) == 0, "send: %s", h_err());
	assert_reply(c, "{error, unknown_request}");
	for (size_t i = 0; i < 255; i++)
		memcpy(p + 4 + 2 * i, "\xc3\xa9", 2);	/* 255 characters */
	p[3] = (uint8_t)(510 - 256);
	p[2] = 1;
	H_ASSERT(conn_send_frame(c, p, 4 + 510) == 0, "send: %s", h_err());
	assert_reply(c, "{error, unknown_request}");
	conn_close(c);
	p[2] = 1;
	p[3] = 0;
	memset(p + 4, 'a', 256);
	c = conn_open_ok(D);
	H_ASSERT(conn_send_frame(c, p, 4 + 256) == 0, "send: %s", h_err());
	H_ASSERT(h_reply_is(c, e, sizeof e, "{error, bad_frame}"),
	    "atom of 256 characters: %s", e);
	assert_eof(c);
	conn_close(c);
	assert_serving(D);
}
END_TEST

/* Compress an encoded term (version byte included) as tag 80. */
static size_t
compress_term(const struct etf_buf *b, uint8_t *out, size_t cap,
    uint32_t declared)
{
	uLongf	zlen = cap - 6;

	H_ASSERT(compress2(out + 6, &zlen, b->p + 1, b->len - 1, 9) == Z_OK,
	    "compress");
	out[0] = 131;
	out[1] = 80;
	frame_put_len(out + 2, declared);
	return zlen + 6;
}

START_TEST(t_compressed)
{
	static uint8_t	 z[8192];
	struct conn	*c = conn_open_ok(D);
	struct etf_buf	 b;
	size_t		 n;

	etf_buf_init(&b);
	tterm_encode(&b, "{server_process, <<\"zipped\">>}");
	conn_send_frame(c, z, compress_term(&b, z, sizeof z,
	    (uint32_t)b.len - 1));
	assert_reply(c, "{ok, _}");
	etf_buf_reset(&b);
	tterm_encode(&b, "{add_entry, #{date => {2023, 12, 19}, title => "
	    "<<\"compressed\">>}}");
	conn_send_frame(c, z, compress_term(&b, z, sizeof z,
	    (uint32_t)b.len - 1));
	assert_reply(c, "{ok, 1}");
	assert_call(c, "entries", "{ok, [~E]}", 1, "2023-12-19",
	    "compressed");
	conn_close(c);

	/* the declared size is wrong: larger, smaller, huge */
	n = compress_term(&b, z, sizeof z, (uint32_t)b.len);
	expect_bad_frame("compressed, declared size + 1", z, n);
	n = compress_term(&b, z, sizeof z, (uint32_t)b.len - 2);
	expect_bad_frame("compressed, declared size - 1", z, n);
	n = compress_term(&b, z, sizeof z, 0xffffffff);
	expect_bad_frame("compressed, declared size 2^32-1", z, n);
	etf_buf_free(&b);
}
END_TEST

/* A compressed request that inflates over --max-frame. */
#define INFLATED_OVER	"the peer differs from todod-protocol(7): a " \
			"compressed request inflating over --max-frame is " \
			"a bad_frame; the peer bounds only the frame"

START_TEST(t_compressed_too_big)
{
	static uint8_t	 z[16384], pad[100000];
	struct etf_buf	 b;
	size_t		 n;

	H_TODOD_ONLY(INFLATED_OVER);
	etf_buf_init(&b);
	memset(pad, 'a', sizeof pad);
	tterm_encode(&b, "{frobnicate, ~b}", pad, sizeof pad);
	n = compress_term(&b, z, sizeof z, (uint32_t)b.len - 1);
	H_ASSERT(n + FRAME_HDR < MAX_FRAME, "compressed too large: %zu", n);
	expect_bad_frame("compressed, inflates to 100 KB", z, n);
	etf_buf_free(&b);
}
END_TEST

/*
 * Deep nesting and an improper list: valid ETF that the daemon may
 * refuse as a frame (bad_frame, then close) or answer as a request that
 * is not one (badarg); either way it lives on.
 */
static void
expect_refused(const char *what, const uint8_t *p, size_t n)
{
	struct conn		*c = conn_open_ok(D);
	const struct etf_term	*t;
	char			 buf[256];

	H_ASSERT(conn_send_frame(c, p, n) == 0, "%s: send: %s", what,
	    h_err());
	t = conn_recv(c, h_ms(H_REPLY_MS));
	H_ASSERT(t != NULL, "%s: no reply: %s", what, h_err());
	tterm_print(t, buf, sizeof buf);
	H_ASSERT(etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "error") &&
	    (etf_is_atom(&t->seq.v[1], "bad_frame") ||
	    etf_is_atom(&t->seq.v[1], "badarg")), "%s: got %s", what, buf);
	if (etf_is_atom(&t->seq.v[1], "bad_frame"))
		assert_eof(c);
	else
		assert_call(c, "ping", "pong");
	conn_close(c);
	assert_serving(D);
}

/* Nesting 100,000 deep (on a daemon with the default --max-frame). */
START_TEST(t_deep_nesting)
{
	size_t		 depth = 100000, i, n = 0;
	uint8_t		*p = malloc(depth * 6 + 64);

	H_ASSERT(p != NULL, "out of memory");
	/* [[[...]]]: 600 KB */
	p[n++] = 131;
	for (i = 0; i < depth; i++) {
		memcpy(p + n, (const uint8_t[]){ 108, 0, 0, 0, 1 }, 5);
		n += 5;
	}
	p[n++] = 106;
	for (i = 0; i < depth; i++)
		p[n++] = 106;
	expect_refused("lists nested 100,000 deep", p, n);
	/* {{{...}}}: 200 KB */
	n = 0;
	p[n++] = 131;
	for (i = 0; i < depth; i++) {
		p[n++] = 104;
		p[n++] = 1;
	}
	p[n++] = 106;
	expect_refused("tuples nested 100,000 deep", p, n);
	/* {server_process, [[[...]]]} */
	n = 0;
	memcpy(p, (const uint8_t[]){ 131, 104, 2, SERVER_PROCESS }, 20);
	n = 20;
	for (i = 0; i < depth; i++) {
		memcpy(p + n, (const uint8_t[]){ 108, 0, 0, 0, 1 }, 5);
		n += 5;
	}
	p[n++] = 106;
	for (i = 0; i < depth; i++)
		p[n++] = 106;
	expect_refused("a name nested 100,000 deep", p, n);
	free(p);
}
END_TEST

/*
 * [1 | [1 | ... [1 | [7, 7, ...]]]]: 250 lists, each the tail of the one
 * before, over a tail of 500,000 elements, in one frame under 1 MiB.  A
 * decoder that joined the tails at every level would take gigabytes for
 * it.  It is one list of 500,250 elements, a request that is not one;
 * and the process gives back what it took once it has answered.
 */
static void
expect_tail_chain(const char *what, struct conn *c, pid_t pid)
{
	const size_t		 levels = 250, n = 500000;
	uint8_t			*p = malloc(1 + levels * 7 + 5 + 2 * n + 1);
	const struct etf_term	*t;
	size_t			 i, len = 0;
	long			 hwm0, rss0, hwm, rss;
	char			 buf[256];

	H_ASSERT(p != NULL, "out of memory");
	p[len++] = 131;
	for (i = 0; i < levels; i++) {
		memcpy(p + len, (const uint8_t[]){ 108, 0, 0, 0, 1, 97, 1 }, 7);
		len += 7;
	}
	memcpy(p + len, (const uint8_t[]){ 108, (uint8_t)(n >> 24),
	    (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n }, 5);
	len += 5;
	for (i = 0; i < n; i++) {
		p[len++] = 97;
		p[len++] = 7;
	}
	p[len++] = 106;
	hwm0 = proc_status(pid, "VmHWM");
	rss0 = proc_rss_kb(pid);
	H_ASSERT(hwm0 > 0 && rss0 > 0, "%s: no /proc status of %d", what,
	    (int)pid);
	H_ASSERT(conn_send_frame(c, p, len) == 0, "%s: send: %s", what,
	    h_err());
	t = conn_recv(c, h_ms(H_REPLY_MS));
	H_ASSERT(t != NULL, "%s: no reply: %s", what, h_err());
	tterm_print(t, buf, sizeof buf);
	H_ASSERT(etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "error"),
	    "%s: got %s", what, buf);
	hwm = proc_status(pid, "VmHWM");
	rss = proc_rss_kb(pid);
	assert_call(c, "ping", "pong");
	/* Its nodes are about 500,250 * 32 bytes, twice: under 40 MiB. */
	H_ASSERT(hwm - hwm0 < 128 * 1024, "%s: peak RSS grew %ld KiB", what,
	    hwm - hwm0);
#ifndef __SANITIZE_ADDRESS__	/* ASan holds freed memory in quarantine */
	H_ASSERT(rss - rss0 < 16 * 1024, "%s: RSS %ld KiB above %ld KiB "
	    "after the reply", what, rss - rss0, rss0);
#else
	(void)rss;
	(void)rss0;
#endif
	free(p);
}

/* A chain of list tails, to the cache and to a list server. */
START_TEST(t_tail_chain)
{
	struct daemon_pids	 pids;
	struct conn		*c = conn_open_ok(D);
	size_t			 i;

	H_NOT_UNDER_VALGRIND("the memory a process gives back");
	H_ASSERT(daemon_pids(D, &pids) == 0, "stats: %s", h_err());
	expect_tail_chain("to the cache", c, pids.cache);
	attach_ok(c, "tail-chain");
	if (h_peer()) {
		/* The peer's lists live in its one OS process, the one
		 * stats names as cache; only todod's stats names its list
		 * servers. */
		expect_tail_chain("to a list server", c, pids.cache);
		conn_close(c);
		assert_serving(D);
		return;
	}
	H_ASSERT(daemon_pids(D, &pids) == 0, "stats: %s", h_err());
	for (i = 0; i < pids.nlists; i++)
		if (pids.lists[i].len == 10 &&
		    memcmp(pids.lists[i].name, "tail-chain", 10) == 0)
			break;
	H_ASSERT(i < pids.nlists, "no list server of tail-chain in stats");
	expect_tail_chain("to a list server", c, pids.lists[i].pid);
	conn_close(c);
	assert_serving(D);
}
END_TEST

/* A compressed request that inflates over the default 1 MiB. */
START_TEST(t_compressed_over_default)
{
	static uint8_t	 z[65536];
	uint8_t		*pad;
	struct etf_buf	 b;
	size_t		 n;

	H_TODOD_ONLY(INFLATED_OVER);
	pad = calloc(1, 2 * 1024 * 1024);
	H_ASSERT(pad != NULL, "out of memory");
	etf_buf_init(&b);
	tterm_encode(&b, "{frobnicate, ~b}", pad, (size_t)2 * 1024 * 1024);
	n = compress_term(&b, z, sizeof z, (uint32_t)b.len - 1);
	expect_bad_frame("compressed, inflates to 2 MiB", z, n);
	etf_buf_free(&b);
	free(pad);
}
END_TEST

START_TEST(t_improper_list)
{
	expect_refused("improper list [ping | pong]", B(131, 108, 0, 0, 0, 1,
	    100, 0, 4, PING, 100, 0, 4, 'p', 'o', 'n', 'g'));
}
END_TEST

/*
 * On an attached connection the list server reads the frames itself:
 * one that is not a term, or a header beyond --max-frame, is answered
 * {error, bad_frame} after the replies to the requests before it, and
 * the connection is closed; the list and its other clients go on.
 */
START_TEST(t_bad_frame_attached)
{
	static const uint8_t	 garbage[] = { 0, 0, 0, 2, 131, 255 };
	static const uint8_t	 oversize[] = { 0, 0, (MAX_FRAME + 1) >> 8,
				    (MAX_FRAME + 1) & 0xff };
	struct conn		*c = conn_open_ok(D), *o;
	struct etf_buf		 b;
	char			 name[32];

	snprintf(name, sizeof name, "attached-bad-%d", _i);
	attach_ok(c, name);
	add_ok(c, "2023-12-19", "before");
	etf_buf_init(&b);
	H_ASSERT(h_frame_append(&b, "size") == 0, "%s", h_err());
	if (_i == 0) {
		H_ASSERT(etf_buf_append(&b, garbage, sizeof garbage) == 0,
		    "out of memory");
		H_ASSERT(h_frame_append(&b, "ping") == 0, "%s", h_err());
	} else
		H_ASSERT(etf_buf_append(&b, oversize, sizeof oversize) == 0,
		    "out of memory");
	send_raw(c, b.p, b.len);
	etf_buf_free(&b);
	assert_reply(c, "{ok, 1}");
	assert_reply(c, "{error, bad_frame}");
	assert_eof(c);
	conn_close(c);

	o = conn_open_ok(D);
	attach_ok(o, name);
	add_ok(o, "2023-12-19", "after");
	assert_call(o, "size", "{ok, 2}");
	conn_close(o);
	assert_serving(D);
}
END_TEST

/*
 * A client that writes a whole oversize frame before it reads (as
 * Erlang's gen_tcp does) gets its {error, bad_frame}: the daemon reads
 * and drops the rest of the frame before it closes, so the client's
 * write is not cut off by a reset, which makes such a client drop the
 * reply.  Unattached (the cache reads it) and attached (a list server).
 */
START_TEST(t_oversize_sent_whole)
{
	static uint8_t	 p[FRAME_HDR + 1024 * 1024];
	struct conn	*c = conn_open_ok(D);
	char		 name[32];

	H_TODOD_ONLY("todod reads the rest of a refused frame before it "
	    "closes; the peer closes at once");
	if (_i == 1) {
		snprintf(name, sizeof name, "oversize-whole");
		attach_ok(c, name);
	}
	frame_put_len(p, sizeof p - FRAME_HDR);
	memset(p + FRAME_HDR, 'x', sizeof p - FRAME_HDR);
	H_ASSERT(conn_send_raw(c, p, sizeof p) == 0, "the write of the "
	    "whole frame: %s", h_err());
	assert_reply(c, "{error, bad_frame}");
	assert_eof(c);
	conn_close(c);
	assert_serving(D);
}
END_TEST

/*
 * A list server that closed a connection for a bad frame, its client
 * still connected (lingering), is stopped for room at --max-lists and
 * serves another list: the lingering connection goes with the release,
 * and nothing is left in its event loop (the daemon's log would say
 * so, which only a bug writes).
 */
START_TEST(t_linger_then_released)
{
	static const uint8_t	 oversize[] = { 0, 16, 0, 0 };	/* 1 MiB */
	struct daemon		*d;
	struct conn		*c, *o;

	H_TODOD_ONLY("todod's list servers are used again for other lists");
	d = daemon_start_ok("--max-lists", "1", "--max-frame", "4096", NULL);
	c = conn_open_ok(d);
	attach_ok(c, "lingering");
	send_raw(c, oversize, sizeof oversize);
	assert_reply(c, "{error, bad_frame}");
	assert_eof(c);		/* the client stays connected */
	o = conn_open_ok(d);
	attach_ok(o, "next");	/* "lingering" is stopped for room */
	add_ok(o, "2023-12-19", "after");
	assert_call(o, "size", "{ok, 1}");
	conn_close(o);
	conn_close(c);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/* After all of the above, the daemon's list still works. */
START_TEST(t_still_serving)
{
	struct conn	*c = conn_open_ok(D);

	attach_ok(c, "after-the-storm");
	add_ok(c, "2023-12-19", "still here");
	assert_call(c, "size", "{ok, 1}");
	conn_close(c);
}
END_TEST

static Suite *
badinput_suite(void)
{
	Suite	*s = suite_create("badinput");
	TCase	*tf = tcase_create("frames");
	TCase	*td = tcase_create("default-max-frame");

	tcase_add_unchecked_fixture(tf, setup_frames, teardown);
	tcase_set_timeout(tf, 30);
	tcase_add_test(tf, t_zero_length);
	tcase_add_test(tf, t_oversize_header);
	tcase_add_test(tf, t_max_frame);
	tcase_add_loop_test(tf, t_bad_frame, 0,
	    sizeof bad_frames / sizeof bad_frames[0]);
	tcase_add_loop_test(tf, t_bad_frame_todod, 0,
	    sizeof todod_bad_frames / sizeof todod_bad_frames[0]);
	tcase_add_loop_test(tf, t_bad_frame_attached, 0, 2);
	tcase_add_loop_test(tf, t_oversize_sent_whole, 0, 2);
	tcase_add_test(tf, t_linger_then_released);
	tcase_add_test(tf, t_truncated_then_close);
	tcase_add_test(tf, t_split_frames);
	tcase_add_test(tf, t_atom_encodings);
	tcase_add_test(tf, t_long_atoms);
	tcase_add_test(tf, t_compressed);
	tcase_add_test(tf, t_compressed_too_big);
	tcase_add_test(tf, t_improper_list);
	tcase_add_test(tf, t_still_serving);
	suite_add_tcase(s, tf);

	tcase_add_unchecked_fixture(td, setup_default, teardown);
	tcase_set_timeout(td, 30);
	tcase_add_test(td, t_deep_nesting);
	tcase_add_test(td, t_compressed_over_default);
	tcase_add_test(td, t_tail_chain);
	tcase_add_test(td, t_still_serving);
	suite_add_tcase(s, td);
	return s;
}

int
main(void)
{
	return h_run_suite(badinput_suite());
}
