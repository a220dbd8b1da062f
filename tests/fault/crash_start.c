/*
 * crash_start.c: the two-phase start of a list server.  A list whose
 * file holds 100,000 entries (written with the daemon's own codec while
 * the daemon is stopped) is attached after a restart with pipelined
 * requests right behind {server_process, Big}, its worker held with
 * SIGSTOP: the attach is answered, and another client's {server_process,
 * Other} and requests (another worker's list), while the load cannot
 * have happened; the big list's requests are answered only after it, in
 * order, once the worker goes on.
 */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crash_util.h"
#include "fclient.h"
#include "fload.h"
#include "store.h"
#include "todolist.h"

#define BIG_N		100000
#define BIG_NAME	"big"

static struct todo_date
big_date(int i)
{
	struct todo_date	d = { 2024, 1 + i % 12, 1 + i % 28 };

	return d;
}

/* Write the big list; returns how many entries have date dd. */
static int
write_big(const char *datadir, struct todo_date dd)
{
	struct todo_list	*l;
	struct todo_date	 d;
	char			 title[64];
	int64_t			 id;
	int			 dirfd, i, n = 0;

	H_ASSERT((dirfd = store_open_dir(datadir)) != -1, "open %s",
	    datadir);
	H_ASSERT((l = todolist_new()) != NULL, "out of memory");
	for (i = 1; i <= BIG_N; i++) {
		d = big_date(i);
		snprintf(title, sizeof title, "big entry %d", i);
		H_ASSERT(todolist_add(l, d, title, strlen(title), &id) == 0 &&
		    id == i, "todolist_add %d", i);
		if (d.month == dd.month && d.day == dd.day)
			n++;
	}
	H_ASSERT(store_save(dirfd, "fault", BIG_NAME, strlen(BIG_NAME), l,
	    false) == 0, "store_save");
	todolist_free(l);
	close(dirfd);
	return n;
}

static const struct etf_term *
recv_ok(struct fc *c, int ms, const char *what)
{
	const struct etf_term	*t;
	int			 r;

	r = fc_recv(c, ms, &t);
	H_ASSERT(r == FC_REPLY, "%s: %s", what, c->err);
	return t;
}

/* {ok, [Entry]} of one date: n entries, ids ascending, that date. */
static void
assert_day(const struct etf_term *t, struct todo_date dd, int n,
    int64_t last_id, const char *what)
{
	struct fm_seen	*s;
	size_t		 cnt, i;
	char		 buf[256];

	H_ASSERT(fl_parse_entries(t, &s, &cnt) == 0, "%s: %s", what,
	    fc_print(t, buf, sizeof buf));
	H_ASSERT(cnt == (size_t)n, "%s: %zu entries, expected %d", what, cnt,
	    n);
	for (i = 0; i < cnt; i++) {
		H_ASSERT(s[i].date.month == dd.month && s[i].date.day ==
		    dd.day, "%s: an entry of another date", what);
		H_ASSERT(i == 0 || s[i].id > s[i - 1].id, "%s: not sorted",
		    what);
	}
	if (last_id > 0)
		H_ASSERT(cnt > 0 && s[cnt - 1].id == last_id, "%s: the new "
		    "entry %lld is not there", what, (long long)last_id);
	free(s);
}

static void
assert_int(const struct etf_term *t, int64_t want, const char *what)
{
	char	buf[256];
	int64_t	v;

	H_ASSERT(fc_ok_int(t, &v) && v == want, "%s: expected {ok, %lld}, "
	    "got %s", what, (long long)want, fc_print(t, buf, sizeof buf));
}

/*
 * The other client, on a list that another worker stores (so that its
 * add does not queue behind the big load): attach, ping, add, size.
 * Returns when done.
 */
static void
other_client(const struct daemon *d)
{
	const struct etf_term	*t;
	struct todo_date	 dd = { 2024, 5, 5 };
	struct fc		 b;
	int64_t			 v;
	char			 buf[256], name[32];
	int			 i;

	for (i = 0; ; i++) {
		snprintf(name, sizeof name, "other%d", i);
		if (fc_worker_of(name, 3) != fc_worker_of(BIG_NAME, 3))
			break;
	}
	fc_init(&b);
	H_ASSERT(fc_open(&b, d->sock, h_ms(5000)) == 0, "%s", b.err);
	fc_q_attach(&b, name);
	fc_q_atom(&b, "ping");
	fc_q_add(&b, dd, "other entry");
	fc_q_atom(&b, "size");
	H_ASSERT(fc_flush(&b, h_ms(5000)) == 0, "%s", b.err);
	t = recv_ok(&b, h_ms(10000), "other: attach");
	H_ASSERT(fc_ok_int(t, &v), "other: attach: %s",
	    fc_print(t, buf, sizeof buf));
	t = recv_ok(&b, h_ms(10000), "other: ping");
	H_ASSERT(etf_is_atom(t, "pong"), "other: ping: %s",
	    fc_print(t, buf, sizeof buf));
	t = recv_ok(&b, h_ms(10000), "other: add");
	H_ASSERT(fc_ok_int(t, &v), "other: add: %s",
	    fc_print(t, buf, sizeof buf));
	assert_int(recv_ok(&b, h_ms(10000), "other: size"), 1, "other: size");
	fc_free(&b);
}

START_TEST(two_phase_start)
{
	struct todo_date	 dd = { 2024, 3, 5 };
	const struct etf_term	*t;
	struct fc_stats		 st;
	struct daemon		*d;
	struct fc		 a;
	int64_t			 v;
	pid_t			 worker;
	char			 buf[256];
	int			 nday;

	d = daemon_start_ok(NULL);
	daemon_stop_ok(d);
	nday = write_big(d->data, dd);
	H_ASSERT(daemon_restart(d) == 0, "restart: %s", h_err());
	/* The big list's worker held: nothing it sends (the list) can
	 * come, so what is answered meanwhile did not wait for the load. */
	H_ASSERT(fc_stats(d->sock, &st, buf, sizeof buf) == 0, "%s", buf);
	H_ASSERT(st.nworkers == 3, "%d workers", st.nworkers);
	worker = st.workers[fc_worker_of(BIG_NAME, 3)];
	H_ASSERT(worker > 0 && kill(worker, SIGSTOP) == 0, "SIGSTOP %d",
	    (int)worker);

	fc_init(&a);
	H_ASSERT(fc_open(&a, d->sock, h_ms(5000)) == 0, "%s", a.err);
	fc_q_attach(&a, BIG_NAME);
	fc_q_atom(&a, "size");
	fc_q_entries_on(&a, dd);
	fc_q_add(&a, dd, "added while loading");
	fc_q_atom(&a, "size");
	fc_q_entries_on(&a, dd);
	H_ASSERT(fc_flush(&a, h_ms(5000)) == 0, "%s", a.err);
	t = recv_ok(&a, h_ms(10000), "big: attach");
	H_ASSERT(fc_ok_int(t, &v) && v > 0, "big: attach: %s",
	    fc_print(t, buf, sizeof buf));
	other_client(d);
	H_ASSERT(fc_recv(&a, 0, &t) != FC_REPLY, "big: a reply before its "
	    "list could be loaded: %s", fc_print(t, buf, sizeof buf));
	H_ASSERT(kill(worker, SIGCONT) == 0, "SIGCONT");

	assert_int(recv_ok(&a, h_ms(60000), "big: size"), BIG_N, "big: size");
	assert_day(recv_ok(&a, h_ms(10000), "big: entries"), dd, nday, 0,
	    "big: entries on the date");
	assert_int(recv_ok(&a, h_ms(10000), "big: add"), BIG_N + 1,
	    "big: add");
	assert_int(recv_ok(&a, h_ms(10000), "big: size"), BIG_N + 1,
	    "big: size after the add");
	assert_day(recv_ok(&a, h_ms(10000), "big: entries"), dd, nday + 1,
	    BIG_N + 1, "big: entries after the add");
	fc_free(&a);
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

void
crash_start_add(Suite *s)
{
	TCase	*tc = tcase_create("two-phase");

	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, two_phase_start);
	suite_add_tcase(s, tc);
}
