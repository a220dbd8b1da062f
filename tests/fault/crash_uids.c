/*
 * crash_uids.c: --max-conns-per-uid across crashes.  The cache counts a
 * user's open connections; a list server tells it when one closes, and
 * when a list server dies with connections (the kernel closes them), the
 * cache counts them out itself.  So:
 *   - a list server killed with a user's connections leaves no count
 *     behind: the user may connect up to the limit again;
 *   - a cache killed and started again learns from the list servers
 *     the connections they hold: the limit still holds, and counts go
 *     back to zero as they close.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crash_util.h"
#include "fclient.h"

#define UID_MAX_CONNS	3

/* `stats` says our user holds n connections besides the stats one. */
struct mine_arg {
	const struct daemon	*d;
	int64_t			 n;
	int64_t			 seen;
};

static bool
mine_cond(void *arg)
{
	struct mine_arg	*m = arg;
	struct fc_stats	 st;
	char		 err[256];

	if (fc_stats(m->d->sock, &st, err, sizeof err) == -1)
		return false;
	m->seen = st.my_conns - 1;
	return m->seen == m->n;
}

static void
wait_mine(const struct daemon *d, int64_t n, const char *when)
{
	struct mine_arg	m = { d, n, -1 };

	H_ASSERT(h_poll(h_ms(5000), mine_cond, &m), "%s: stats counts %lld "
	    "connections of ours, not %lld", when, (long long)m.seen,
	    (long long)n);
}

/* The connection is closed by the daemon (EOF or reset), within 5 s. */
static void
wait_dropped(struct fc *c)
{
	const struct etf_term	*t;
	int			 r;

	fc_q_atom(c, "size");
	(void)fc_flush(c, h_ms(5000));
	r = fc_recv(c, h_ms(5000), &t);
	H_ASSERT(r == FC_EOF || (r == FC_FAIL && strstr(c->err, "timeout") ==
	    NULL), "a connection of a killed list server is still served");
}

START_TEST(list_server_killed)
{
	struct daemon	*d;
	struct fc	 c[UID_MAX_CONNS];
	char		 lim[16];
	pid_t		 pid = 0;
	int		 i, round;

	snprintf(lim, sizeof lim, "%d", UID_MAX_CONNS + 1);
	/* + 1: the stats connection */
	d = daemon_start_ok("--max-conns-per-uid", lim, NULL);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < UID_MAX_CONNS; i++)
			pid = cu_attach(d, &c[i], "uids");
		wait_mine(d, UID_MAX_CONNS, "attached");
		H_ASSERT(kill(pid, SIGKILL) == 0, "kill");
		for (i = 0; i < UID_MAX_CONNS; i++) {
			wait_dropped(&c[i]);
			fc_free(&c[i]);
		}
		/* Before, every round left its connections counted: the
		 * second round's connections were refused busy. */
		wait_mine(d, 0, "after the kill");
	}
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

START_TEST(cache_killed)
{
	const struct etf_term	*t;
	struct daemon		*d;
	struct daemon_pids	 dp;
	struct fc		 c[UID_MAX_CONNS], x, y;
	char			 lim[16], buf[256];
	int			 i, r;

	snprintf(lim, sizeof lim, "%d", UID_MAX_CONNS + 1);
	d = daemon_start_ok("--max-conns-per-uid", lim, NULL);
	for (i = 0; i < UID_MAX_CONNS; i++)
		(void)cu_attach(d, &c[i], i == 0 ? "uids-a" : "uids-b");
	wait_mine(d, UID_MAX_CONNS, "attached");
	H_ASSERT(daemon_pids(d, &dp) == 0, "stats: %s", h_err());
	H_ASSERT(kill(dp.cache, SIGKILL) == 0, "kill");
	/* The new cache knows the list servers' connections. */
	wait_mine(d, UID_MAX_CONNS, "after the cache restarted");
	/* The limit holds: one more connection fits, the next is busy. */
	fc_init(&x);
	H_ASSERT(fc_open(&x, d->sock, h_ms(5000)) == 0, "%s", x.err);
	fc_q_atom(&x, "ping");
	H_ASSERT(fc_call(&x, h_ms(5000), &t) == FC_REPLY && etf_is_atom(t,
	    "pong"), "the last connection within the limit: %s", x.err);
	fc_init(&y);
	H_ASSERT(fc_open(&y, d->sock, h_ms(5000)) == 0, "%s", y.err);
	/* Refused at once: {error, busy}, then closed. */
	r = fc_recv(&y, h_ms(5000), &t);
	H_ASSERT(r == FC_REPLY && fc_is_error(t, "busy"), "a connection over "
	    "the limit after a cache restart: %s", r == FC_REPLY ?
	    fc_print(t, buf, sizeof buf) : y.err);
	fc_free(&y);
	fc_free(&x);
	for (i = 0; i < UID_MAX_CONNS; i++) {
		fc_q_atom(&c[i], "size");
		H_ASSERT(fc_call(&c[i], h_ms(10000), &t) == FC_REPLY,
		    "a connection held across the cache restart: %s",
		    c[i].err);
		fc_free(&c[i]);
	}
	wait_mine(d, 0, "all closed");
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

void
crash_uids_add(Suite *s)
{
	TCase	*tc;

	tc = tcase_create("uids");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, list_server_killed);
	tcase_add_test(tc, cache_killed);
	suite_add_tcase(s, tc);
}
