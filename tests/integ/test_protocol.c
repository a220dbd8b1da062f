/*
 * test_protocol: every request and reply of the public protocol, on
 * unattached and attached connections, pipelining, and persistence
 * across a full restart of the daemon.
 *
 * Against the reference peer, the cases that check what only todod has
 * (its process tree, --max-lists, its lock and start-up checks,
 * --max-list-size) or where the peer differs from todod-protocol(7) are
 * skipped (H_TODOD_ONLY), and the keys of stats beyond the protocol's
 * minimum are checked against todod only.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static struct daemon	*D;	/* shared by the "protocol" test case */

static void
setup(void)
{
	D = daemon_start_ok(NULL);
}

static void
teardown(void)
{
	h_shared_teardown(&D);
}

static const struct etf_term *
call(struct conn *c, const char *req)
{
	const struct etf_term	*t;

	send_req(c, req);
	t = conn_recv(c, h_ms(H_REPLY_MS));
	H_ASSERT(t != NULL, "%s: %s", req, h_err());
	return t;
}

/* The value of {ok, V}. */
static const struct etf_term *
ok_value(struct conn *c, const char *req)
{
	const struct etf_term	*t = call(c, req);
	char			 buf[1024];

	H_ASSERT(etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "ok"),
	    "%s: expected {ok, _}, got %s", req, tterm_print(t, buf,
	    sizeof buf));
	return &t->seq.v[1];
}

static int64_t
map_int(const struct etf_term *m, const char *key)
{
	const struct etf_term	*v = etf_map_get(m, key);
	char			 buf[1024];

	H_ASSERT(v != NULL && v->type == ETF_INT, "key %s: expected an "
	    "integer in %s", key, tterm_print(m, buf, sizeof buf));
	return v->i;
}

static int
bincmp(const struct etf_term *a, const struct etf_term *b)
{
	size_t	n = a->bin.len < b->bin.len ? a->bin.len : b->bin.len;
	int	r = n ? memcmp(a->bin.p, b->bin.p, n) : 0;

	if (r != 0)
		return r;
	return a->bin.len < b->bin.len ? -1 : a->bin.len > b->bin.len;
}

static bool
has_name(const struct etf_term *l, const char *name)
{
	size_t	i;

	for (i = 0; i < l->seq.n; i++)
		if (l->seq.v[i].bin.len == strlen(name) &&
		    memcmp(l->seq.v[i].bin.p, name, strlen(name)) == 0)
			return true;
	return false;
}

/* lists -> {ok, [Name]}, binaries sorted bytewise without duplicates. */
static const struct etf_term *
lists_ok(struct conn *c)
{
	const struct etf_term	*l = ok_value(c, "lists");
	char			 buf[2048];
	size_t			 i;

	H_ASSERT(l->type == ETF_LIST, "lists: not a list: %s",
	    tterm_print(l, buf, sizeof buf));
	for (i = 0; i < l->seq.n; i++) {
		H_ASSERT(l->seq.v[i].type == ETF_BINARY, "lists: element "
		    "%zu not a binary: %s", i, tterm_print(l, buf, sizeof buf));
		H_ASSERT(i == 0 || bincmp(&l->seq.v[i - 1], &l->seq.v[i]) < 0,
		    "lists: not sorted bytewise or duplicates: %s",
		    tterm_print(l, buf, sizeof buf));
	}
	return l;
}

START_TEST(t_ping)
{
	struct conn	*c = conn_open_ok(D);

	assert_call(c, "ping", "pong");
	assert_call(c, "ping", "pong");
	attach_ok(c, "ping-list");
	assert_call(c, "ping", "pong");
	conn_close(c);
}
END_TEST

START_TEST(t_lists)
{
	struct conn		*c = conn_open_ok(D), *c2 = conn_open_ok(D);
	const struct etf_term	*l;

	lists_ok(c);
	attach_ok(c2, "lists-b");
	add_ok(c2, "2023-12-19", "Dentist");
	conn_close(c2);
	c2 = conn_open_ok(D);
	attach_ok(c2, "lists-a");	/* live, nothing stored */
	l = lists_ok(c);
	H_ASSERT(has_name(l, "lists-a") && has_name(l, "lists-b"),
	    "lists lacks lists-a (live) or lists-b (stored)");
	conn_close(c);
	conn_close(c2);
}
END_TEST

/*
 * The reply is written as OTP would write the same term: encoding what
 * was decoded from it gives its bytes (the decoder puts a map's keys in
 * term order, the encoder writes them so).
 */
static void
assert_canonical(struct conn *c, const char *req)
{
	const struct etf_term	*t;
	struct etf_buf		 b;
	uint8_t			*p;
	size_t			 len;

	H_ASSERT(conn_sendf(c, req) == 0, "send %s: %s", req, h_err());
	H_ASSERT(conn_recv_frame(c, h_ms(H_REPLY_MS), &p, &len) == 1,
	    "%s: no reply: %s", req, h_err());
	H_ASSERT(etf_decode(c->arena, p, len, len, &t) == ETF_OK, "%s: bad "
	    "reply", req);
	etf_buf_init(&b);
	H_ASSERT(etf_encode(&b, t) == ETF_OK, "%s: cannot encode", req);
	H_ASSERT(b.len == len && memcmp(b.p, p, len) == 0, "%s: the reply's "
	    "maps are not in term order, or its terms not in OTP's forms",
	    req);
	etf_buf_free(&b);
	conn_reset(c);
}

START_TEST(t_stats_keys)
{
	struct conn		*c = conn_open_ok(D);
	const struct etf_term	*m, *w;
	char			 buf[2048];
	size_t			 i;

	assert_canonical(c, "stats");
	m = ok_value(c, "stats");
	tterm_print(m, buf, sizeof buf);
	H_ASSERT(m->type == ETF_MAP, "stats: not a map: %s", buf);
	H_ASSERT(map_int(m, "supervisor") > 0, "stats: supervisor: %s", buf);
	H_ASSERT(map_int(m, "cache") > 0, "stats: cache: %s", buf);
	H_ASSERT(map_int(m, "lists_live") >= 0, "stats: lists_live: %s", buf);
	/* Not in the protocol's minimum: todod's own keys. */
	if (!h_peer()) {
		H_ASSERT(map_int(m, "lists_waiting") == 0,
		    "stats: lists_waiting: %s", buf);
		H_ASSERT(map_int(m, "lists_stalled") == 0,
		    "stats: lists_stalled: %s", buf);
	}
	H_ASSERT(map_int(m, "restarts") >= 0, "stats: restarts: %s", buf);
	H_ASSERT(map_int(m, "uptime_s") >= 0, "stats: uptime_s: %s", buf);
	w = etf_map_get(m, "workers");
	H_ASSERT(w != NULL && w->type == ETF_LIST && w->seq.n == 3,
	    "stats: workers is not a list of 3 (the default): %s", buf);
	for (i = 0; i < w->seq.n; i++) {
		H_ASSERT(w->seq.v[i].type == ETF_MAP, "worker %zu: %s", i, buf);
		H_ASSERT(map_int(&w->seq.v[i], "pid") > 0, "%s", buf);
		H_ASSERT(map_int(&w->seq.v[i], "stores") >= 0, "%s", buf);
		H_ASSERT(map_int(&w->seq.v[i], "fsyncs") >= 0, "%s", buf);
		H_ASSERT(map_int(&w->seq.v[i], "queue") >= 0, "%s", buf);
	}
	conn_close(c);
}
END_TEST

START_TEST(t_stats_process_tree)
{
	struct daemon_pids	 dp;
	struct pidset		*kids;
	size_t			 i, j;

	H_TODOD_ONLY("todod's process tree, not the protocol; the peer is "
	    "one OS process");
	kids = calloc(1, sizeof *kids);
	H_ASSERT(daemon_pids(D, &dp) == 0, "%s", h_err());
	H_ASSERT(dp.supervisor == D->pid, "stats supervisor %d is not the "
	    "daemon started (%d)", (int)dp.supervisor, (int)D->pid);
	proc_children(D->pid, kids);
	H_ASSERT(dp.cache != dp.supervisor && pidset_has(kids, dp.cache),
	    "cache %d is not a child of the supervisor", (int)dp.cache);
	for (i = 0; i < dp.nworkers; i++) {
		H_ASSERT(pidset_has(kids, dp.workers[i]), "worker %d is not "
		    "a child of the supervisor", (int)dp.workers[i]);
		H_ASSERT(dp.workers[i] != dp.cache, "worker pid = cache pid");
		for (j = 0; j < i; j++)
			H_ASSERT(dp.workers[i] != dp.workers[j],
			    "two workers with pid %d", (int)dp.workers[i]);
	}
	free(kids);
}
END_TEST

START_TEST(t_server_process_same_name)
{
	struct conn	*a = conn_open_ok(D), *b = conn_open_ok(D);
	int64_t		 p1, p2, p3;

	p1 = attach_ok(a, "Bob's list");
	p2 = attach_ok(b, "Bob's list");
	p3 = attach_ok(a, "Bob's list");	/* re-attach, same name */
	H_ASSERT(p1 > 0 && p1 == p2 && p2 == p3, "same name, pids %lld, "
	    "%lld, %lld", (long long)p1, (long long)p2, (long long)p3);
	H_ASSERT(proc_starttime((pid_t)p1) != 0, "pid %lld does not exist",
	    (long long)p1);
	conn_close(a);
	conn_close(b);
}
END_TEST

START_TEST(t_server_process_different_names)
{
	struct conn		*a, *b;
	struct daemon_pids	 dp;
	struct pidset		*kids;
	int64_t			 p1, p2;
	size_t			 i;

	H_TODOD_ONLY("a forked OS process per list; every list of the peer "
	    "reports the VM's pid");
	a = conn_open_ok(D);
	b = conn_open_ok(D);
	kids = calloc(1, sizeof *kids);
	p1 = attach_ok(a, "Alice's list");
	p2 = attach_ok(b, "Bob's other list");
	H_ASSERT(p1 != p2, "different names, the same pid %lld",
	    (long long)p1);
	H_ASSERT(daemon_pids(D, &dp) == 0, "%s", h_err());
	/* Forked by the spawner, the supervisor's child: in its tree, not
	 * among its children. */
	proc_tree(D->pid, kids);
	H_ASSERT(pidset_has(kids, (pid_t)p1) && pidset_has(kids, (pid_t)p2),
	    "list servers %lld, %lld are not in the supervisor's tree",
	    (long long)p1, (long long)p2);
	memset(kids, 0, sizeof *kids);
	proc_children(D->pid, kids);
	H_ASSERT(!pidset_has(kids, (pid_t)p1) && !pidset_has(kids,
	    (pid_t)p2), "list servers %lld, %lld are the supervisor's "
	    "children, not the spawner's", (long long)p1, (long long)p2);
	H_ASSERT(p1 != dp.cache && p1 != dp.supervisor, "list pid is the "
	    "cache's or the supervisor's");
	for (i = 0; i < dp.nworkers; i++)
		H_ASSERT(p1 != dp.workers[i] && p2 != dp.workers[i],
		    "list pid is a worker's");
	conn_close(a);
	conn_close(b);
	free(kids);
}
END_TEST

/* A signal mask line of /proc/PID/status ("SigCgt:"), or -1. */
static long long
sig_mask(pid_t pid, const char *key)
{
	char		 path[64], line[256];
	long long	 v = -1;
	size_t		 n = strlen(key);
	FILE		*f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, key, n) == 0) {
			v = strtoll(line + n, NULL, 16);
			break;
		}
	fclose(f);
	return v;
}

/* The spawner forks list servers without resetting each signal
 * (proc_fork), so this checks that they start as if it had: no handler,
 * no signal blocked, only SIGPIPE ignored, and the signals that the
 * supervisor stops the daemon for or ignores (the whole process group
 * may get them).  Signals 1 to 31 only: the C library keeps the first real-time
 * ones to itself (they stay as the daemon inherited them). */
START_TEST(t_list_server_signals)
{
	struct conn	*a;
	long long	 std = 0x7fffffffLL, pipe_bit = 1LL << (SIGPIPE - 1);
	int64_t		 p;

	H_TODOD_ONLY("the signal state of a forked list server; the peer's "
	    "pid is the VM's");
	H_NOT_UNDER_VALGRIND("valgrind catches every signal itself");
	a = conn_open_ok(D);
	pipe_bit |= 1LL << (SIGHUP - 1) | 1LL << (SIGINT - 1) |
	    1LL << (SIGTERM - 1) | 1LL << (SIGUSR1 - 1) |
	    1LL << (SIGUSR2 - 1);

	p = attach_ok(a, "signals");
	H_ASSERT((sig_mask((pid_t)p, "SigCgt:") & std) == 0, "list server "
	    "%lld catches signals: %llx", (long long)p,
	    sig_mask((pid_t)p, "SigCgt:"));
	H_ASSERT((sig_mask((pid_t)p, "SigBlk:") & std) == 0, "list server "
	    "%lld blocks signals: %llx", (long long)p,
	    sig_mask((pid_t)p, "SigBlk:"));
	H_ASSERT((sig_mask((pid_t)p, "SigIgn:") & std) == pipe_bit, "list "
	    "server %lld ignores signals: %llx", (long long)p,
	    sig_mask((pid_t)p, "SigIgn:"));
	conn_close(a);
}
END_TEST

START_TEST(t_add_and_entries)
{
	struct conn	*c = conn_open_ok(D);

	attach_ok(c, "add-list");
	assert_call(c, "size", "{ok, 0}");
	assert_call(c, "entries", "{ok, []}");
	assert_call(c, "{add_entry, #{date => ~D, title => ~s}}", "{ok, 1}",
	    "2023-12-19", "Dentist");
	assert_call(c, "{add_entry, #{title => ~s, date => ~D}}", "{ok, 2}",
	    "Shopping", "2023-12-20");
	assert_call(c, "{add_entry, #{date => ~D, title => ~s}}", "{ok, 3}",
	    "2023-12-19", "Movies");
	assert_call(c, "size", "{ok, 3}");
	assert_call(c, "entries", "{ok, [~E, ~E, ~E]}",
	    1, "2023-12-19", "Dentist", 2, "2023-12-20", "Shopping",
	    3, "2023-12-19", "Movies");
	assert_call(c, "{entries, ~D}", "{ok, [~E, ~E]}", "2023-12-19",
	    1, "2023-12-19", "Dentist", 3, "2023-12-19", "Movies");
	assert_call(c, "{entries, ~D}", "{ok, [~E]}", "2023-12-20",
	    2, "2023-12-20", "Shopping");
	assert_call(c, "{entries, ~D}", "{ok, []}", "2024-01-01");
	conn_close(c);
}
END_TEST

START_TEST(t_date_inputs)
{
	struct conn	*c = conn_open_ok(D);

	attach_ok(c, "date-list");
	assert_call(c, "{add_entry, #{date => {2024, 2, 29}, title => ~s}}",
	    "{ok, 1}", "leap");
	assert_call(c, "{add_entry, #{date => <<\"2024-02-29\">>, title => "
	    "~s}}", "{ok, 2}", "iso");
	assert_call(c, "{add_entry, #{date => #{'__struct__' => "
	    "'Elixir.Date', calendar => 'Elixir.Calendar.ISO', year => 2024, "
	    "month => 2, day => 29}, title => ~s}}", "{ok, 3}", "map");
	assert_call(c, "{add_entry, #{date => {0, 1, 1}, title => ~s}}",
	    "{ok, 4}", "year 0");
	assert_call(c, "{add_entry, #{date => <<\"9999-12-31\">>, title => "
	    "~s}}", "{ok, 5}", "year 9999");
	assert_call(c, "{entries, {2024, 2, 29}}", "{ok, [~E, ~E, ~E]}",
	    1, "2024-02-29", "leap", 2, "2024-02-29", "iso",
	    3, "2024-02-29", "map");
	assert_call(c, "{entries, <<\"2024-02-29\">>}", "{ok, [_, _, _]}");
	assert_call(c, "{entries, ~D}", "{ok, [_, _, _]}", "2024-02-29");
	assert_call(c, "{entries, ~D}", "{ok, [~E]}", "0000-01-01",
	    4, "0000-01-01", "year 0");
	assert_call(c, "{entries, {9999, 12, 31}}", "{ok, [~E]}",
	    5, "9999-12-31", "year 9999");
	conn_close(c);
}
END_TEST

START_TEST(t_update_entry)
{
	struct conn	*c = conn_open_ok(D);

	attach_ok(c, "update-list");
	add_ok(c, "2023-12-19", "Dentist");
	add_ok(c, "2023-12-20", "Shopping");
	assert_call(c, "{update_entry, 1, #{title => ~s}}", "{ok, ~E}",
	    "Dentist at 9", 1, "2023-12-19", "Dentist at 9");
	assert_call(c, "{update_entry, 1, #{date => {2023, 12, 21}}}",
	    "{ok, ~E}", 1, "2023-12-21", "Dentist at 9");
	assert_call(c, "{update_entry, 2, #{date => <<\"2024-01-02\">>, "
	    "title => ~s}}", "{ok, ~E}", "Groceries", 2, "2024-01-02",
	    "Groceries");
	assert_call(c, "{update_entry, 2, #{title => ~s, date => ~D}}",
	    "{ok, ~E}", "Groceries!", "2024-01-03", 2, "2024-01-03",
	    "Groceries!");
	assert_call(c, "entries", "{ok, [~E, ~E]}", 1, "2023-12-21",
	    "Dentist at 9", 2, "2024-01-03", "Groceries!");
	assert_call(c, "{entries, ~D}", "{ok, []}", "2023-12-19");
	assert_call(c, "{update_entry, 3, #{title => ~s}}",
	    "{error, not_found}", "x");
	assert_call(c, "{update_entry, 9223372036854775807, #{title => ~s}}",
	    "{error, not_found}", "x");
	assert_call(c, "size", "{ok, 2}");
	conn_close(c);
}
END_TEST

START_TEST(t_delete_entry)
{
	struct conn	*c = conn_open_ok(D);

	attach_ok(c, "delete-list");
	add_ok(c, "2023-12-19", "one");
	add_ok(c, "2023-12-19", "two");
	add_ok(c, "2023-12-19", "three");
	assert_call(c, "{delete_entry, 2}", "ok");
	assert_call(c, "{delete_entry, 2}", "{error, not_found}");
	assert_call(c, "{delete_entry, 4}", "{error, not_found}");
	assert_call(c, "{update_entry, 2, #{title => ~s}}",
	    "{error, not_found}", "x");
	assert_call(c, "size", "{ok, 2}");
	assert_call(c, "entries", "{ok, [~E, ~E]}", 1, "2023-12-19", "one",
	    3, "2023-12-19", "three");
	/* a deleted id is not reused */
	assert_call(c, "{add_entry, #{date => ~D, title => ~s}}", "{ok, 4}",
	    "2023-12-19", "four");
	assert_call(c, "{delete_entry, 4}", "ok");
	assert_call(c, "{add_entry, #{date => ~D, title => ~s}}", "{ok, 5}",
	    "2023-12-19", "five");
	conn_close(c);
}
END_TEST

START_TEST(t_reattach)
{
	struct conn	*c = conn_open_ok(D);
	int64_t		 pa, pb, p;

	pa = attach_ok(c, "reattach-a");
	add_ok(c, "2023-12-19", "in a");
	pb = attach_ok(c, "reattach-b");
	assert_call(c, "size", "{ok, 0}");
	add_ok(c, "2023-12-19", "in b");
	add_ok(c, "2023-12-19", "in b too");
	/* a refused re-attach keeps the old attachment */
	assert_call(c, "{server_process, <<\"a\\0b\">>}", "{error, bad_name}");
	assert_call(c, "{server_process, <<>>}", "{error, bad_name}");
	assert_call(c, "{server_process, 42}", "{error, badarg}");
	assert_call(c, "size", "{ok, 2}");
	p = attach_ok(c, "reattach-a");
	H_ASSERT(p == pa, "re-attach to a: pid %lld, first %lld",
	    (long long)p, (long long)pa);
	assert_call(c, "entries", "{ok, [~E]}", 1, "2023-12-19", "in a");
	p = attach_ok(c, "reattach-b");
	H_ASSERT(p == pb, "re-attach to b: pid changed");
	assert_call(c, "size", "{ok, 2}");
	conn_close(c);
}
END_TEST

START_TEST(t_attached_cache_requests)
{
	struct conn	*c = conn_open_ok(D);

	attach_ok(c, "attached-list");
	assert_call(c, "lists", "{error, unknown_request}");
	assert_call(c, "stats", "{error, unknown_request}");
	assert_call(c, "ping", "pong");
	assert_call(c, "size", "{ok, 0}");
	conn_close(c);
}
END_TEST

/*
 * todod-protocol(7): a list request on an unattached connection is
 * not_attached whatever its arguments.
 */
static const char *const unattached_wellformed[] = {
	"entries", "size", "{entries, {2023, 12, 19}}",
	"{add_entry, #{date => {2023, 12, 19}, title => <<\"x\">>}}",
	"{update_entry, 1, #{title => <<\"x\">>}}", "{delete_entry, 1}",
	"{delete_entry, 9223372036854775807}",
};
static const char *const unattached_malformed[] = {
	"{entries, 42}", "{entries, {2023, 2, 30}}", "{entries, 1, 2}",
	"{entries}", "{size, 1}", "{add_entry}", "{add_entry, 1}",
	"{add_entry, #{}}", "{add_entry, #{date => 1, title => 2}}",
	"{add_entry, #{date => {2023, 1, 1}, title => <<>>}}",
	"{update_entry, 0, #{}}", "{update_entry, -1, #{title => <<>>}}",
	"{update_entry, 1}", "{delete_entry, 0}", "{delete_entry, foo}",
	"{delete_entry, 1, 2}", "{delete_entry}",
};

START_TEST(t_unattached_wellformed)
{
	struct conn	*c = conn_open_ok(D);

	assert_call(c, unattached_wellformed[_i], "{error, not_attached}");
	assert_call(c, "ping", "pong");
	conn_close(c);
}
END_TEST

START_TEST(t_unattached_malformed)
{
	struct conn	*c;

	H_TODOD_ONLY("the peer differs from todod-protocol(7), whose order "
	    "of checks says a list request on an unattached connection is "
	    "not_attached whatever its arguments; the peer answers a "
	    "malformed one badarg");
	c = conn_open_ok(D);
	assert_call(c, unattached_malformed[_i], "{error, not_attached}");
	assert_call(c, "ping", "pong");
	conn_close(c);
}
END_TEST

START_TEST(t_unknown_requests)
{
	struct conn	*c = conn_open_ok(D);
	int		 attached;

	for (attached = 0; attached < 2; attached++) {
		if (attached)
			attach_ok(c, "unknown-list");
		assert_call(c, "frobnicate", "{error, unknown_request}");
		assert_call(c, "{frobnicate, 1, 2}",
		    "{error, unknown_request}");
		assert_call(c, "{'Elixir.Todo.Server', <<\"x\">>}",
		    "{error, unknown_request}");
		assert_call(c, "42", "{error, badarg}");
		assert_call(c, "<<\"ping\">>", "{error, badarg}");
		assert_call(c, "[ping]", "{error, badarg}");
		assert_call(c, "#{ping => 1}", "{error, badarg}");
		assert_call(c, "{}", "{error, badarg}");
		assert_call(c, "{1, 2}", "{error, badarg}");
		assert_call(c, "{<<\"size\">>}", "{error, badarg}");
		assert_call(c, "{ping}", "{error, badarg}");
		assert_call(c, "{ping, 1}", "{error, badarg}");
		assert_call(c, "ping", "pong");
	}
	conn_close(c);
}
END_TEST

/* t is a list of entries with ids first, first + step, ..., last. */
static void
check_ids(const struct etf_term *t, int first, int step, int last)
{
	const struct etf_term	*id;
	char			 buf[4096];
	size_t			 i;
	int			 want = first;

	tterm_print(t, buf, sizeof buf);
	H_ASSERT(t->type == ETF_LIST, "not a list: %s", buf);
	for (i = 0; i < t->seq.n; i++, want += step) {
		id = t->seq.v[i].type == ETF_MAP ?
		    etf_map_get(&t->seq.v[i], "id") : NULL;
		H_ASSERT(id != NULL && id->type == ETF_INT && id->i == want,
		    "entry %zu: expected id %d in %s", i, want, buf);
	}
	H_ASSERT(want - step == last, "expected ids %d..%d step %d: %s",
	    first, last, step, buf);
}

/* Replies in order; a read after a write on one connection sees it. */
START_TEST(t_pipelining)
{
	struct conn		*c = conn_open_ok(D);
	const struct etf_term	*t;
	struct etf_buf		 b;
	char			 e[8192];
	int			 i, day, n = 60;

	attach_ok(c, "pipeline-list");
	etf_buf_init(&b);
	for (i = 1; i <= n; i++) {
		day = 1 + (i - 1) % 10;
		h_frame_append(&b, "{add_entry, #{date => {2023, 12, ~i}, "
		    "title => <<\"p\">>}}", day);
		h_frame_append(&b, "size");
		h_frame_append(&b, "{entries, {2023, 12, ~i}}", day);
	}
	h_frame_append(&b, "{update_entry, 1, #{title => <<\"changed\">>}}");
	h_frame_append(&b, "{entries, {2023, 12, 1}}");
	h_frame_append(&b, "{delete_entry, 1}");
	h_frame_append(&b, "{entries, {2023, 12, 1}}");
	h_frame_append(&b, "size");
	H_ASSERT(!b.oom, "out of memory");
	send_raw(c, b.p, b.len);
	for (i = 1; i <= n; i++) {
		day = 1 + (i - 1) % 10;
		H_ASSERT(h_reply_is(c, e, sizeof e, "{ok, ~i}", i),
		    "add_entry number %d: %s", i, e);
		H_ASSERT(h_reply_is(c, e, sizeof e, "{ok, ~i}", i),
		    "size after add_entry number %d: %s", i, e);
		H_ASSERT(h_reply_is(c, e, sizeof e, "{ok, ~?t}", &t),
		    "{entries, {2023, 12, %d}} after add_entry number %d: %s",
		    day, i, e);
		check_ids(t, day, 10, i);
	}
	assert_reply(c, "{ok, ~E}", 1, "2023-12-01", "changed");
	assert_reply(c, "{ok, [~E | _]}", 1, "2023-12-01", "changed");
	assert_reply(c, "ok");
	assert_reply(c, "{ok, ~?t}", &t);
	check_ids(t, 11, 10, 51);
	assert_reply(c, "{ok, ~i}", n - 1);
	etf_buf_free(&b);
	conn_close(c);
}
END_TEST

/* An acknowledged change is seen by every other connection. */
START_TEST(t_other_connections)
{
	struct conn	*a = conn_open_ok(D), *b = conn_open_ok(D);
	int		 i;

	attach_ok(a, "shared-list");
	attach_ok(b, "shared-list");
	for (i = 1; i <= 5; i++) {
		assert_call(a, "{add_entry, #{date => {2023, 12, 19}, "
		    "title => ~s}}", "{ok, ~i}", "from a", i);
		assert_call(b, "size", "{ok, ~i}", i);
		assert_call(b, "{update_entry, ~i, #{title => ~s}}",
		    "{ok, ~E}", i, "from b", i, "2023-12-19", "from b");
		assert_call(a, "{entries, {2023, 12, 19}}", "{ok, [_ | _]}");
	}
	assert_call(b, "{delete_entry, 3}", "ok");
	assert_call(a, "{delete_entry, 3}", "{error, not_found}");
	assert_call(a, "size", "{ok, 4}");
	conn_close(a);
	conn_close(b);
}
END_TEST

static bool
file_exists(const char *dir, const char *name)
{
	char	path[1024];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* Section 4: the file of a list, and lists decoding file names back. */
START_TEST(t_file_names)
{
	static const struct { const char *name, *file; } v[] = {
		{ "plain_Name-09", "plain_Name-09" },
		{ "a b/c", "a%20b%2Fc" },
		{ "..", "%2E%2E" },
		{ ".hidden", "%2Ehidden" },
		{ "caf\xc3\xa9", "caf%C3%A9" },
		{ "100%", "100%25" },
	};
	struct conn		*c = conn_open_ok(D);
	const struct etf_term	*l;
	size_t			 i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		attach_ok(c, v[i].name);
		add_ok(c, "2023-12-19", "x");	/* durable on return */
	}
	conn_close(c);
	/* The first change of a new list is journaled; lists writes the
	 * files of new lists first, then names what the directory holds
	 * (with the live lists). */
	c = conn_open_ok(D);
	l = lists_ok(c);
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		H_ASSERT(has_name(l, v[i].name), "lists lacks \"%s\"",
		    v[i].name);
		H_ASSERT(file_exists(D->data, v[i].file), "list \"%s\": no "
		    "file %s in %s", v[i].name, v[i].file, D->data);
	}
	conn_close(c);
}
END_TEST

/* ---- persistence: each test has its own daemon ---- */

/*
 * At --max-lists 1, a connection re-attaches from its list to another:
 * the server it leaves is idle once it left (its changes durable), so
 * it makes room, and the re-attach is not refused busy.
 */
START_TEST(t_reattach_at_max_lists)
{
	struct daemon	*d = daemon_start_ok("--max-lists", "1", NULL);
	struct conn	*c = conn_open_ok(d);
	int		 i;

	attach_ok(c, "max-a");
	add_ok(c, "2023-12-19", "in a");
	for (i = 0; i < 3; i++) {
		attach_ok(c, "max-b");
		assert_call(c, "size", "{ok, ~i}", i);
		add_ok(c, "2023-12-19", "in b");
		attach_ok(c, "max-a");
		assert_call(c, "size", "{ok, 1}");
	}
	conn_close(c);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

static bool
at_most_three_live(void *arg)
{
	int64_t	n = h_stats_int(arg, "lists_live");

	return n >= 0 && n <= 3;
}

/*
 * Attach c to name at --max-lists, where {error, busy} is the answer
 * once every live server has stayed busy for the half second the
 * request waits: a server whose last client has just closed is busy
 * until it has read the close, which a loaded machine may delay longer.
 * Tried again until the deadline.
 */
static void
attach_when_room(struct conn *c, const char *name)
{
	char	e[8192];
	int64_t	end = h_now_ms() + h_ms(H_REPLY_MS), pid;

	while (!h_call_is(c, e, sizeof e, "{server_process, ~s}",
	    "{ok, ~?i}", name, &pid)) {
		H_ASSERT(strstr(e, "{error, busy}") != NULL &&
		    h_now_ms() < end, "attach %s: %s", name, e);
		h_pause_ms(10);
	}
}

/*
 * At --max-lists 3, lists opened one after another (attach, add, close):
 * a new list's server starts first and the least recently used idle one
 * is stopped as it is asked for, so that at most one more than the limit
 * is live for a moment, and the limit again once it stopped.  Each
 * list's change is kept.  (A list may be refused busy for a moment
 * meanwhile: attach_when_room.)
 */
START_TEST(t_max_lists_bound)
{
	struct daemon	*d;
	struct conn	*c;
	char		 name[32];
	int64_t		 n;
	int		 i;

	H_TODOD_ONLY("--max-lists, todod's option: the peer bounds no live "
	    "lists");
	d = daemon_start_ok("--max-lists", "3", NULL);
	for (i = 0; i < 12; i++) {
		snprintf(name, sizeof name, "bound-%d", i);
		c = conn_open_ok(d);
		attach_when_room(c, name);
		add_ok(c, "2023-12-19", name);
		conn_close(c);
		n = h_stats_int(d, "lists_live");
		H_ASSERT(n >= 1 && n <= 4, "after list %d: %lld live list "
		    "servers at --max-lists 3", i, (long long)n);
	}
	H_ASSERT(h_poll(h_ms(H_REPLY_MS), at_most_three_live, d), "%lld "
	    "live list servers at --max-lists 3 after the last opened",
	    (long long)h_stats_int(d, "lists_live"));
	for (i = 0; i < 12; i++) {
		snprintf(name, sizeof name, "bound-%d", i);
		c = conn_open_ok(d);
		attach_when_room(c, name);
		assert_call(c, "entries", "{ok, [~E]}", 1, "2023-12-19", name);
		conn_close(c);
	}
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

static bool
one_waiting(void *arg)
{
	return h_stats_int(arg, "lists_waiting") == 1;
}

/* Ask for name on c, and wait until the daemon counts it waiting. */
static void
send_waiting(struct daemon *d, struct conn *c, const char *name)
{
	H_ASSERT(conn_sendf(c, "{server_process, ~s}", name) == 0,
	    "send: %s", h_err());
	H_ASSERT(h_poll(h_ms(H_REPLY_MS), one_waiting, d), "the "
	    "attach to %s does not wait (lists_waiting %lld)", name,
	    (long long)h_stats_int(d, "lists_waiting"));
}

/* Asking for name on c is answered busy, after waiting for room. */
static void
busy_after_wait(struct conn *c, const char *name)
{
	int64_t	t0 = h_now_ms(), took;

	assert_call(c, "{server_process, ~s}", "{error, busy}", name);
	took = h_now_ms() - t0;
	H_ASSERT(took >= 400, "%s told busy after %lld ms: it did not wait",
	    name, (long long)took);
}

/*
 * At --max-lists 1 with its one server in use, a connection for another
 * list waits for room: it is served as soon as the server in use is
 * idle (and stopped for it), and told busy after half a second if none
 * becomes idle.  A connection told busy stays open, unattached, and may
 * ask again.
 */
START_TEST(t_max_lists_wait)
{
	struct daemon	*d;
	struct conn	*a, *b, *c;

	H_TODOD_ONLY("waiting for room at --max-lists, lists_waiting and "
	    "busy after half a second are todod's");
	d = daemon_start_ok("--max-lists", "1", NULL);
	a = conn_open_ok(d);
	b = conn_open_ok(d);
	attach_ok(a, "wait-a");
	add_ok(a, "2023-12-19", "a1");
	send_waiting(d, b, "wait-b");
	conn_close(a);		/* wait-a's server is idle: room for wait-b */
	assert_reply(b, "{ok, _}");
	add_ok(b, "2023-12-19", "b1");

	/* b holds the one server: c waits, then is told busy */
	c = conn_open_ok(d);
	busy_after_wait(c, "wait-c");
	H_ASSERT(h_stats_int(d, "lists_waiting") == 0, "a connection told "
	    "busy is still counted waiting");
	conn_close(b);
	attach_ok(c, "wait-c");
	assert_call(c, "size", "{ok, 0}");
	attach_ok(c, "wait-a");
	assert_call(c, "entries", "{ok, [~E]}", 1, "2023-12-19", "a1");
	attach_ok(c, "wait-b");
	assert_call(c, "entries", "{ok, [~E]}", 1, "2023-12-19", "b1");
	conn_close(c);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/*
 * At --max-lists 1, a connection that re-attaches from its list to
 * another while a second connection holds its list's server waits for
 * room too: told busy after the wait, it stays on its list; asked
 * again, it moves as soon as the second connection leaves.
 */
START_TEST(t_max_lists_wait_reattach)
{
	struct daemon	*d;
	struct conn	*a, *b;
	int64_t		 pa;

	H_TODOD_ONLY("waiting for room at --max-lists, lists_waiting and "
	    "busy after half a second are todod's");
	d = daemon_start_ok("--max-lists", "1", NULL);
	a = conn_open_ok(d);
	b = conn_open_ok(d);
	pa = attach_ok(a, "wr-a");
	add_ok(a, "2023-12-19", "a1");
	H_ASSERT(attach_ok(b, "wr-a") == pa, "two servers for wr-a");
	busy_after_wait(a, "wr-b");
	assert_call(a, "size", "{ok, 1}");	/* still on wr-a */
	send_waiting(d, a, "wr-b");
	conn_close(b);		/* wr-a is idle: room for wr-b */
	assert_reply(a, "{ok, _}");
	assert_call(a, "size", "{ok, 0}");
	add_ok(a, "2023-12-19", "b1");
	attach_ok(a, "wr-a");
	assert_call(a, "entries", "{ok, [~E]}", 1, "2023-12-19", "a1");
	conn_close(a);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/* c's answer to an attach at --max-lists: on the list (of size
 * to_size), or busy: then on the list it had (`was`, of size was_size)
 * or, if that list's server was stopped to make room and cannot start
 * again, unattached; never a closed connection. */
static void
moved_or_busy(struct conn *c, const char *to, int to_size, const char *was,
    int was_size)
{
	const struct etf_term	*t;
	char			 buf[256];

	t = conn_recv(c, h_ms(H_REPLY_MS));
	H_ASSERT(t != NULL, "attach to %s: no answer: %s", to, h_err());
	tterm_print(t, buf, sizeof buf);
	if (etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "ok"))
		assert_call(c, "size", "{ok, ~i}", to_size);
	else {
		H_ASSERT(etf_is_tuple(t, 2) &&
		    etf_is_atom(&t->seq.v[0], "error") &&
		    etf_is_atom(&t->seq.v[1], "busy"), "attach to %s: %s",
		    to, buf);
		if (was == NULL)
			return;
		send_req(c, "size");
		t = conn_recv(c, h_ms(H_REPLY_MS));
		H_ASSERT(t != NULL, "size after busy: %s", h_err());
		tterm_print(t, buf, sizeof buf);
		H_ASSERT(etf_is_tuple(t, 2) && ((etf_is_atom(&t->seq.v[0],
		    "ok") && t->seq.v[1].type == ETF_INT &&
		    t->seq.v[1].i == was_size) ||
		    (etf_is_atom(&t->seq.v[0], "error") &&
		    etf_is_atom(&t->seq.v[1], "not_attached"))),
		    "size after a busy attach to %s from %s: %s", to, was,
		    buf);
	}
}

/*
 * At --max-lists 1, while a connection waits for room, the connection on
 * the one server re-attaches to a third list.  The server says it is
 * idle, then gives the connection back; the cache may stop it for the
 * waiter between the two, and must still take the connection it gives
 * back: each connection is answered, on a list or busy.
 */
START_TEST(t_max_lists_reattach_while_waiting)
{
	struct daemon	*d;
	struct conn	*a, *b;
	char		 na[32], nb[32], nc[32];
	int		 i;

	H_TODOD_ONLY("waiting for room at --max-lists and lists_waiting are "
	    "todod's");
	d = daemon_start_ok("--max-lists", "1", NULL);
	for (i = 0; i < 5; i++) {
		snprintf(na, sizeof na, "rw-a%d", i);
		snprintf(nb, sizeof nb, "rw-b%d", i);
		snprintf(nc, sizeof nc, "rw-c%d", i);
		a = conn_open_ok(d);
		b = conn_open_ok(d);
		attach_when_room(a, na);
		add_ok(a, "2023-12-19", "a1");
		send_waiting(d, b, nb);
		send_req(a, "{server_process, ~s}", nc);
		moved_or_busy(a, nc, 0, na, 1);
		moved_or_busy(b, nb, 0, NULL, 0);
		assert_call(a, "ping", "pong");
		assert_call(b, "ping", "pong");
		conn_close(a);
		conn_close(b);
	}
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

START_TEST(t_restart)
{
	struct daemon		*d = daemon_start_ok(NULL);
	struct conn		*c = conn_open_ok(d);
	const struct etf_term	*l;

	attach_ok(c, "bob");
	add_ok(c, "2023-12-19", "Dentist");
	add_ok(c, "2023-12-20", "Shopping");
	add_ok(c, "2023-12-19", "Movies");
	assert_call(c, "{delete_entry, 2}", "ok");
	assert_call(c, "{update_entry, 3, #{title => ~s}}", "{ok, ~E}",
	    "Movies at 8", 3, "2023-12-19", "Movies at 8");
	attach_ok(c, "alice");
	add_ok(c, "2024-01-01", "New year");
	conn_close(c);
	daemon_stop_ok(d);
	H_ASSERT(file_exists(d->data, "bob") && file_exists(d->data,
	    "alice"), "list files missing in %s", d->data);

	H_ASSERT(daemon_restart(d) == 0, "restart: %s", h_err());
	c = conn_open_ok(d);
	l = lists_ok(c);
	H_ASSERT(l->seq.n == 2 && has_name(l, "alice") && has_name(l, "bob"),
	    "lists after restart: expected alice and bob only");
	attach_ok(c, "bob");
	assert_call(c, "entries", "{ok, [~E, ~E]}", 1, "2023-12-19",
	    "Dentist", 3, "2023-12-19", "Movies at 8");
	assert_call(c, "size", "{ok, 2}");
	/* next_id continues; deleted ids are not reused */
	assert_call(c, "{add_entry, #{date => ~D, title => ~s}}", "{ok, 4}",
	    "2023-12-21", "Gym");
	assert_call(c, "{delete_entry, 4}", "ok");
	attach_ok(c, "alice");
	assert_call(c, "entries", "{ok, [~E]}", 1, "2024-01-01", "New year");
	conn_close(c);
	daemon_stop_ok(d);

	H_ASSERT(daemon_restart(d) == 0, "second restart: %s", h_err());
	c = conn_open_ok(d);
	attach_ok(c, "bob");
	assert_call(c, "{add_entry, #{date => ~D, title => ~s}}", "{ok, 5}",
	    "2023-12-22", "after the deleted 4");
	assert_call(c, "size", "{ok, 3}");
	conn_close(c);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/*
 * SIGUSR1 and SIGUSR2 to every process of the daemon (what other
 * daemons take as "reopen" or "reload": pkill -USR1 todod) are ignored,
 * with a line in the log for each, and not the end of the daemon, or of
 * its children, that their default action would be: it serves on, and
 * stops in order after.
 */
START_TEST(t_usr_signals_ignored)
{
	struct daemon	*d;
	struct conn	*c;

	H_TODOD_ONLY("signals to todod's processes, its log");
	H_NOT_UNDER_VALGRIND("valgrind catches every signal itself");
	d = daemon_start_ok(NULL);
	c = conn_open_ok(d);
	attach_ok(c, "usr");
	assert_call(c, "{add_entry, #{date => {2023, 12, 19}, title => "
	    "<<\"before\">>}}", "{ok, 1}");
	H_ASSERT(daemon_signal_tree(d, SIGUSR1) == 0, "%s", h_err());
	H_ASSERT(h_logged(d, "SIGUSR1 ignored", h_ms(5000)), "no line for "
	    "SIGUSR1");
	H_ASSERT(daemon_signal_tree(d, SIGUSR2) == 0, "%s", h_err());
	H_ASSERT(h_logged(d, "SIGUSR2 ignored", h_ms(5000)), "no line for "
	    "SIGUSR2");
	assert_call(c, "{add_entry, #{date => {2023, 12, 19}, title => "
	    "<<\"after\">>}}", "{ok, 2}");
	assert_serving(d);
	conn_close(c);
	H_ASSERT(h_log_count(d, "lost child") == 0, "a child died");
	daemon_stop_ok(d);
	H_ASSERT(!h_journal_left(d), "a journal was left: the stop was not "
	    "the orderly one");
	daemon_free(d);
}
END_TEST

/*
 * After SIGKILL of every process, the next start replays the journal and
 * says so once, in the singular where it is one; the workers whose
 * journals held nothing say nothing (but in debug).
 */
START_TEST(t_recovery_logged)
{
	struct daemon	*d;
	struct conn	*c;

	H_TODOD_ONLY("todod's journal and log");
	d = daemon_start_ok(NULL);
	c = conn_open_ok(d);
	attach_ok(c, "recover");
	assert_call(c, "{add_entry, #{date => {2023, 12, 19}, title => "
	    "<<\"one\">>}}", "{ok, 1}");
	assert_call(c, "{add_entry, #{date => {2023, 12, 19}, title => "
	    "<<\"two\">>}}", "{ok, 2}");
	conn_close(c);
	daemon_kill(d);
	H_ASSERT(h_journal_left(d), "no journal left by SIGKILL");
	H_ASSERT(daemon_restart(d) == 0, "restart: %s", h_err());
	H_ASSERT(h_logged(d, "journal: 2 records of 1 file recovered, 1 list "
	    "brought up to date", h_ms(5000)), "no line for the recovery");
	H_ASSERT(h_log_count(d, "recovered") == 1, "%d lines of recovery, "
	    "not 1", h_log_count(d, "recovered"));
	c = conn_open_ok(d);
	attach_ok(c, "recover");
	assert_call(c, "size", "{ok, 2}");
	conn_close(c);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/*
 * A hangup, then SIGINT, to every process of the daemon, as
 * a terminal sends them to its process group (Ctrl-C): only the
 * supervisor acts on them.  The hangup stops nothing; the SIGINT stops
 * the daemon in order (no child lost, exit 0), and the new list, in the
 * journal until then, has its file and no journal is left.
 */
START_TEST(t_group_signals)
{
	struct daemon	*d;
	struct conn	*c;

	H_TODOD_ONLY("signals to every process of todod's tree, its journal");
	d = daemon_start_ok(NULL);
	c = conn_open_ok(d);
	attach_ok(c, "group");
	assert_call(c, "{add_entry, #{date => {2023, 12, 19}, title => "
	    "<<\"ctrl-c\">>}}", "{ok, 1}");
	H_ASSERT(daemon_signal_tree(d, SIGHUP) == 0, "%s", h_err());
	assert_call(c, "size", "{ok, 1}");
	/* The supervisor says it came, and what it reopened: nothing in
	 * the foreground, where the log is standard error. */
	H_ASSERT(h_logged(d, "SIGHUP: logging to standard error, nothing to "
	    "reopen", h_ms(5000)), "no line for SIGHUP");
	assert_call(c, "{add_entry, #{date => {2023, 12, 19}, title => "
	    "<<\"hangup\">>}}", "{ok, 2}");
	H_ASSERT(daemon_stop_group(d, SIGINT) == 0, "stop: %s", h_err());
	conn_close(c);
	H_ASSERT(h_log_count(d, "lost child") == 0, "a child died of the "
	    "group's signals");
	H_ASSERT(!h_journal_left(d), "a journal was left: the stop was not "
	    "the orderly one");
	H_ASSERT(daemon_restart(d) == 0, "restart: %s", h_err());
	c = conn_open_ok(d);
	attach_ok(c, "group");
	assert_call(c, "size", "{ok, 2}");
	conn_close(c);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/*
 * Start a daemon with args (NULL-terminated), which must be refused, and
 * whether its log says text; its directory (kept for the report, its log
 * named last in h_err()) is removed.
 */
static bool
refused_startv_says(const char *const *args, const char *text)
{
	char		 path[256], line[512];
	const char	*log;
	bool		 said = false;
	FILE		*f;

	H_ASSERT(daemon_startv(args) == NULL, "a daemon started with %s %s",
	    args[0], args[1] != NULL ? args[1] : "");
	H_ASSERT((log = strstr(h_err(), "log /")) != NULL, "%s", h_err());
	snprintf(path, sizeof path, "%s", log + 4);
	H_ASSERT((f = fopen(path, "r")) != NULL, "%s", path);
	while (!said && fgets(line, sizeof line, f) != NULL)
		said = strstr(line, text) != NULL;
	fclose(f);
	unlink(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	return said;
}

/* The same on the locked data directory data. */
static bool
refused_start_says(const char *data, const char *text)
{
	const char	*args[] = { "-d", data, NULL };

	return refused_startv_says(args, text);
}

/*
 * A second daemon on the data directory of a running one is refused
 * even when the lock file was removed (the directory itself is locked),
 * and the first goes on.
 */
START_TEST(t_lock_file_removed)
{
	struct daemon	*d;
	struct conn	*c;
	char		 lock[160];

	H_TODOD_ONLY("todod's lock on its data directory, held by every "
	    "process of its tree; the peer's lock is its .lock file alone, "
	    "which this case removes");
	d = daemon_start_ok(NULL);
	snprintf(lock, sizeof lock, "%s/.lock", d->data);
	H_ASSERT(unlink(lock) == 0, "unlink %s", lock);
	H_ASSERT(refused_start_says(d->data, "is in use by"), "the second "
	    "daemon did not say why it stopped");
	c = conn_open_ok(d);
	attach_ok(c, "locked");
	assert_call(c, "{add_entry, #{date => {2023, 12, 19}, title => "
	    "<<\"one\">>}}", "{ok, 1}");
	conn_close(c);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/* The lock of a data directory held by the processes of a todod whose
 * supervisor is gone (played by this test holding it, the lock file
 * naming a pid that cannot be): the start says so. */
START_TEST(t_lock_holder_exited)
{
	char		 dir[] = "/tmp/todod-lock.XXXXXX", lock[64];
	FILE		*f;
	int		 dfd;

	H_TODOD_ONLY("a data directory locked by the processes of a todod "
	    "whose supervisor exited, and todod's message");
	H_ASSERT(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(lock, sizeof lock, "%s/.lock", dir);
	H_ASSERT((f = fopen(lock, "w")) != NULL, "%s", lock);
	fprintf(f, "4000000\n");		/* above any pid_max */
	fclose(f);
	H_ASSERT((dfd = open(dir, O_RDONLY | O_DIRECTORY)) != -1, "%s", dir);
	H_ASSERT(flock(dfd, LOCK_EX | LOCK_NB) == 0, "flock");
	H_ASSERT(refused_start_says(dir, "in use by the processes of todod pid "
	    "4000000, which has exited"), "the start did not say that the "
	    "holder has exited");
	close(dfd);
	unlink(lock);
	rmdir(dir);
}
END_TEST

/* Whether path is gone. */
static bool
gone(const char *path)
{
	struct stat	st;

	return lstat(path, &st) == -1 && errno == ENOENT;
}

/*
 * A start refused after it made directories leaves none of
 * them, nor a lock file it made: refused for the socket of a running
 * daemon (the new data directory and its parent go), then for a pidfile
 * that cannot be written (the socket's new directories go too).
 */
START_TEST(t_refused_start_leaves_nothing)
{
	struct daemon	*d;
	char		 top[] = "/tmp/todod-refused.XXXXXX", data[96],
			 sock[96], parent[80], run[80];
	const char	*in_use[] = { "-d", data, "-s", NULL, NULL };
	const char	*no_pidfile[] = { "-d", data, "-s", sock, "-p", top,
			    NULL };

	H_TODOD_ONLY("todod's options -s, -d, -p and how a refused start "
	    "cleans up");
	d = daemon_start_ok(NULL);
	in_use[3] = d->sock;
	H_ASSERT(mkdtemp(top) != NULL, "mkdtemp");
	snprintf(parent, sizeof parent, "%s/new", top);
	snprintf(data, sizeof data, "%s/data", parent);
	snprintf(run, sizeof run, "%s/run", top);
	snprintf(sock, sizeof sock, "%s/sub/todod.sock", run);
	H_ASSERT(refused_startv_says(in_use, "another todod is listening"),
	    "the start did not say why it stopped");
	H_ASSERT(gone(parent), "a start refused for its socket left %s",
	    parent);
	H_ASSERT(refused_startv_says(no_pidfile, "cannot write pidfile"),
	    "the start did not say why it stopped");
	H_ASSERT(gone(parent) && gone(run), "a start refused for its "
	    "pidfile left %s or %s", parent, run);
	H_ASSERT(rmdir(top) == 0, "%s is not empty", top);
	assert_serving(d);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/*
 * A list that waits for a spare process that does not come
 * (the spawner stopped with SIGSTOP after the spare it forked ahead was
 * taken) is answered busy in bounded time, not held for as long as the
 * spawner is; once the spawner goes on, the list starts.
 */
START_TEST(t_spare_never_comes)
{
	struct daemon	*d;
	struct conn	*a, *b;
	const struct etf_term *t;
	int64_t		 spawner, t0, took;
	char		 buf[256];

	H_TODOD_ONLY("todod's spawner and its spare processes");
	d = daemon_start_ok(NULL);
	a = conn_open_ok(d);
	spawner = h_stats_int(d, "spawner");
	H_ASSERT(spawner > 0, "no spawner in stats");
	H_ASSERT(kill((pid_t)spawner, SIGSTOP) == 0, "SIGSTOP");
	attach_ok(a, "spare-a");	/* the spare forked ahead */
	b = conn_open_ok(d);
	t0 = h_now_ms();
	H_ASSERT(conn_sendf(b, "{server_process, <<\"spare-b\">>}") == 0,
	    "send: %s", h_err());
	t = conn_recv(b, h_ms(30000));
	took = h_now_ms() - t0;
	kill((pid_t)spawner, SIGCONT);
	H_ASSERT(t != NULL, "no answer in 30 s while no spare came: %s",
	    h_err());
	H_ASSERT(etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "error") &&
	    etf_is_atom(&t->seq.v[1], "busy"), "got %s after %lld ms",
	    tterm_print(t, buf, sizeof buf), (long long)took);
	attach_ok(b, "spare-b");
	conn_close(b);
	conn_close(a);
	H_ASSERT(h_log_count(d, "no spare process within") > 0, "the log "
	    "does not say why");
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/* A change acknowledged just before SIGTERM is on disk. */
START_TEST(t_restart_acked_then_term)
{
	struct daemon	*d = daemon_start_ok("--sync", "always", NULL);
	struct conn	*c = conn_open_ok(d);
	struct etf_buf	 b;
	int		 i, n = 200;

	attach_ok(c, "burst");
	etf_buf_init(&b);
	for (i = 0; i < n; i++)
		h_frame_append(&b, "{add_entry, #{date => {2023, 12, 19}, "
		    "title => <<\"burst\">>}}");
	send_raw(c, b.p, b.len);
	for (i = 1; i <= n; i++)
		assert_reply(c, "{ok, ~i}", i);
	etf_buf_free(&b);
	daemon_stop_ok(d);
	conn_close(c);
	H_ASSERT(daemon_restart(d) == 0, "restart: %s", h_err());
	c = conn_open_ok(d);
	attach_ok(c, "burst");
	assert_call(c, "size", "{ok, ~i}", n);
	assert_call(c, "{add_entry, #{date => {2023, 12, 19}, title => "
	    "<<\"next\">>}}", "{ok, ~i}", n + 1);
	conn_close(c);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/*
 * --max-list-size.  Changes that would make a list's file
 * larger than the limit are refused with unavailable and change
 * nothing; those that do not grow it go through.  A list over a limit
 * lowered since is loaded and served, and can be brought under it.
 */
static void
add_title(struct conn *c, size_t len, const char *reply)
{
	static char title[2048];

	memset(title, 'x', sizeof(title));
	assert_call(c, "{add_entry, #{date => {2024, 2, 29}, title => ~b}}",
	    reply, title, len);
}

START_TEST(t_max_list_size)
{
	/* 128 bytes for the list, 160 an entry beyond its title: six of
	 * 1,000 bytes fit in 8,192, seven do not. */
	struct daemon	*d;
	struct conn	*c;
	static char	 title[2048];
	struct stat	 st;
	char		 path[256];
	int		 i;

	H_TODOD_ONLY("--max-list-size, an extension");
	d = daemon_start_ok("--max-list-size", "8192", NULL);
	c = conn_open_ok(d);
	memset(title, 'y', sizeof(title));
	attach_ok(c, "full");
	for (i = 1; i <= 6; i++)
		add_title(c, 1000, "{ok, _}");
	add_title(c, 1000, "{error, unavailable}");
	H_ASSERT(h_logged(d, "change refused", h_ms(H_REPLY_MS)),
	    "no warning of the refused change");
	add_title(c, 100, "{ok, 7}");
	assert_call(c, "size", "{ok, 7}");
	/* A longer title is refused, a shorter one is not. */
	assert_call(c, "{update_entry, 1, #{title => ~b}}",
	    "{error, unavailable}", title, (size_t)2000);
	assert_call(c, "{update_entry, 1, #{title => ~b}}", "{ok, _}",
	    title, (size_t)10);
	assert_call(c, "{update_entry, 2, #{title => ~b}}", "{ok, _}",
	    title, (size_t)990);
	add_title(c, 500, "{ok, 8}");
	assert_call(c, "{delete_entry, 3}", "ok");
	assert_call(c, "size", "{ok, 7}");
	conn_close(c);
	daemon_stop_ok(d);
	snprintf(path, sizeof(path), "%s/full", d->data);
	H_ASSERT(stat(path, &st) == 0 && st.st_size <= 8192 &&
	    st.st_size > 4096, "list file: %s, %lld bytes", path,
	    (long long)st.st_size);

	/* The limit lowered below the list: it loads, only shrinks. */
	free(d->args[1]);
	d->args[1] = strdup("4096");
	H_ASSERT(d->args[1] != NULL && daemon_restart(d) == 0, "restart: %s",
	    h_err());
	c = conn_open_ok(d);
	attach_ok(c, "full");
	assert_call(c, "size", "{ok, 7}");
	assert_call(c, "{entries, {2024, 2, 29}}", "{ok, [_, _, _, _, _, _, _]}");
	add_title(c, 1, "{error, unavailable}");
	assert_call(c, "{update_entry, 1, #{title => ~b}}", "{ok, _}",
	    title, (size_t)5);
	assert_call(c, "{delete_entry, 4}", "ok");
	assert_call(c, "{delete_entry, 5}", "ok");
	assert_call(c, "{delete_entry, 6}", "ok");
	add_title(c, 1000, "{ok, 9}");
	conn_close(c);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

/*
 * A list whose file gives next_id 2^63-1 has no id left to give: an
 * add is answered unavailable and logged with its cause; its entries
 * can still be changed.
 */
START_TEST(t_ids_spent)
{
	struct etf_buf	 b;
	struct conn	*c;
	char		 path[256];
	int		 fd;

	H_TODOD_ONLY("ids to 2^63-2, a list's file written by hand");
	etf_buf_init(&b);
	tterm_encode(&b, "#{'__struct__' => 'Elixir.Todo.List', "
	    "next_id => 9223372036854775807, entries => #{"
	    "9223372036854775806 => #{id => 9223372036854775806, "
	    "date => ~D, title => <<\"last\">>}}}", "2023-12-19");
	snprintf(path, sizeof(path), "%s/spent", D->data);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	H_ASSERT(fd != -1 && write(fd, b.p, b.len) == (ssize_t)b.len &&
	    close(fd) == 0, "%s: %s", path, strerror(errno));
	etf_buf_free(&b);
	c = conn_open_ok(D);
	attach_ok(c, "spent");
	assert_call(c, "{add_entry, #{date => {2023, 12, 19}, title => "
	    "<<\"one more\">>}}", "{error, unavailable}");
	H_ASSERT(h_logged(D, "add refused: the list's next_id is "
	    "9223372036854775807", h_ms(H_REPLY_MS)),
	    "no warning of the refused add");
	assert_call(c, "{update_entry, 9223372036854775806, "
	    "#{title => <<\"changed\">>}}", "{ok, _}");
	assert_call(c, "size", "{ok, 1}");
	conn_close(c);
}
END_TEST

static Suite *
protocol_suite(void)
{
	Suite	*s = suite_create("protocol");
	TCase	*tc = tcase_create("protocol");
	TCase	*tr = tcase_create("restart");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, t_ping);
	tcase_add_test(tc, t_lists);
	tcase_add_test(tc, t_stats_keys);
	tcase_add_test(tc, t_stats_process_tree);
	tcase_add_test(tc, t_server_process_same_name);
	tcase_add_test(tc, t_server_process_different_names);
	tcase_add_test(tc, t_list_server_signals);
	tcase_add_test(tc, t_add_and_entries);
	tcase_add_test(tc, t_date_inputs);
	tcase_add_test(tc, t_update_entry);
	tcase_add_test(tc, t_delete_entry);
	tcase_add_test(tc, t_reattach);
	tcase_add_test(tc, t_attached_cache_requests);
	tcase_add_loop_test(tc, t_unattached_wellformed, 0,
	    sizeof unattached_wellformed / sizeof unattached_wellformed[0]);
	tcase_add_loop_test(tc, t_unattached_malformed, 0,
	    sizeof unattached_malformed / sizeof unattached_malformed[0]);
	tcase_add_test(tc, t_unknown_requests);
	tcase_add_test(tc, t_pipelining);
	tcase_add_test(tc, t_other_connections);
	tcase_add_test(tc, t_file_names);
	tcase_add_test(tc, t_ids_spent);
	suite_add_tcase(s, tc);

	tcase_set_timeout(tr, 60);
	tcase_add_test(tr, t_restart);
	tcase_add_test(tr, t_restart_acked_then_term);
	tcase_add_test(tr, t_group_signals);
	tcase_add_test(tr, t_recovery_logged);
	tcase_add_test(tr, t_usr_signals_ignored);
	tcase_add_test(tr, t_lock_file_removed);
	tcase_add_test(tr, t_lock_holder_exited);
	tcase_add_test(tr, t_refused_start_leaves_nothing);
	tcase_add_test(tr, t_spare_never_comes);
	tcase_add_test(tr, t_reattach_at_max_lists);
	tcase_add_test(tr, t_max_lists_bound);
	tcase_add_test(tr, t_max_lists_wait);
	tcase_add_test(tr, t_max_lists_wait_reattach);
	tcase_add_test(tr, t_max_lists_reattach_while_waiting);
	tcase_add_test(tr, t_max_list_size);
	suite_add_tcase(s, tr);
	return s;
}

int
main(void)
{
	return h_run_suite(protocol_suite());
}
