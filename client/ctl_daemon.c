/* ctl_daemon.c: todoctl lists, status, ping, sync (requests to the
 * daemon itself, on an unattached connection). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_json.h"
#include "ctl_text.h"
#include "etf.h"
#include "todoclient.h"

#define STATUS_MAX_LISTS	20	/* list servers shown by status */

/* Print j (released).  A write that fails is reported as for text, by
 * main(), once the command returns. */
static int
json_out(struct ctl *ctl, json_t *j)
{
	if (j == NULL)
		return ctl_error(ctl, CTL_EXIT_ERROR, "nomem", "out of memory");
	(void)cj_print(stdout, j);
	return 0;
}

int
cmd_lists(struct ctl *ctl, int argc, char **argv)
{
	const struct etf_term *r, *v, *n;
	json_t *a;
	size_t i;
	int rv;

	tc_req_atom(&ctl->req, "lists");
	/*
	 * Nothing bounds the number of lists, so neither does anything
	 * bound this reply but the frame's length: about 2,000,000 lists
	 * of long names come to more than the default limit on a reply,
	 * which would then refuse the names of every list for good.
	 */
	if ((rv = ctl_connect(ctl)) != 0)
		return rv;
	tc_set_max_reply(ctl->conn, UINT32_MAX);
	if ((rv = ctl_call(ctl, &r)) != 0)
		return rv;
	if ((rv = tc_reply_value(ctl->conn, r, &v)) != TC_OK)
		return ctl_fail(ctl, rv);
	if (v == NULL || v->type != ETF_LIST)
		return ctl_fail(ctl, tc_unexpected(ctl->conn, "lists"));
	for (i = 0; i < v->seq.n; i++)
		if (v->seq.v[i].type != ETF_BINARY)
			return ctl_fail(ctl, tc_unexpected(ctl->conn, "lists"));
	if (ctl->json) {
		a = json_array();
		for (i = 0; a != NULL && i < v->seq.n; i++) {
			n = &v->seq.v[i];
			json_array_append_new(a, cj_string(n->bin.p,
			    n->bin.len));
		}
		return json_out(ctl, a);
	}
	for (i = 0; i < v->seq.n; i++) {
		text_print(stdout, v->seq.v[i].bin.p, v->seq.v[i].bin.len, 0);
		putchar('\n');
	}
	return 0;
}

int
cmd_ping(struct ctl *ctl, int argc, char **argv)
{
	const struct etf_term *r;
	int rv;

	tc_req_atom(&ctl->req, "ping");
	if ((rv = ctl_call(ctl, &r)) != 0)
		return rv;
	if ((rv = tc_reply_atom(ctl->conn, r, "pong")) != TC_OK)
		return ctl_fail(ctl, rv);
	if (ctl->json)
		cj_print(stdout, json_pack("{s:b}", "pong", 1));
	else
		puts("pong");
	return 0;
}

int
cmd_sync(struct ctl *ctl, int argc, char **argv)
{
	const struct etf_term *r;
	const char *reason;
	int rv;

	tc_req_atom(&ctl->req, "sync");
	if ((rv = ctl_call(ctl, &r)) != 0)
		return rv;
	if ((rv = tc_reply_atom(ctl->conn, r, "ok")) != TC_OK) {
		reason = tc_reason(ctl->conn);
		if (rv == TC_EREPLY && reason != NULL &&
		    strcmp(reason, "unknown_request") == 0)
			return ctl_error(ctl, CTL_EXIT_ERROR, reason, "this "
			    "daemon does not support sync (unknown_request)");
		if (rv == TC_EREPLY && reason != NULL &&
		    strcmp(reason, "unavailable") == 0)
			return ctl_error(ctl, CTL_EXIT_ERROR, reason, "some "
			    "list files could not be brought up to date; their "
			    "changes are kept in the journal (see the daemon's "
			    "log)");
		return ctl_fail(ctl, rv);
	}
	if (ctl->json)
		cj_print(stdout, json_pack("{s:b}", "ok", 1));
	return 0;
}

/* --- status -------------------------------------------------------- */

/* 5s, 2m 05s, 1h 02m 09s, 3d 04h 05m 06s */
static void
print_uptime(int64_t s)
{
	bool lead = true;

	if (s < 0)
		s = 0;
	if (s >= 86400) {
		printf("%" PRId64 "d ", s / 86400);
		lead = false;
	}
	if (s >= 3600) {
		printf(lead ? "%" PRId64 "h " : "%02" PRId64 "h ",
		    s / 3600 % 24);
		lead = false;
	}
	if (s >= 60) {
		printf(lead ? "%" PRId64 "m " : "%02" PRId64 "m ",
		    s / 60 % 60);
		lead = false;
	}
	printf(lead ? "%" PRId64 "s" : "%02" PRId64 "s", s % 60);
}

static const struct etf_term *
get_int(const struct etf_term *map, const char *key)
{
	const struct etf_term *v = etf_map_get(map, key);

	return v != NULL && v->type == ETF_INT ? v : NULL;
}

static void
print_int_col(const struct etf_term *map, const char *key)
{
	const struct etf_term *v = get_int(map, key);

	if (v != NULL)
		printf("  %8" PRId64, v->i);
	else
		printf("  %8s", "-");
}

static void
print_process(const char *role, const struct etf_term *pid)
{
	printf("%-10s  %8" PRId64 "\n", role, pid->i);
}

static void
print_workers(const struct etf_term *w)
{
	const struct etf_term *pid, *stalled;
	char role[32];
	size_t i;

	for (i = 0; i < w->seq.n; i++) {
		if (w->seq.v[i].type != ETF_MAP)
			continue;
		snprintf(role, sizeof(role), "worker %zu", i);
		pid = get_int(&w->seq.v[i], "pid");
		printf("%-10s  %8" PRId64, role, pid ? pid->i : 0);
		print_int_col(&w->seq.v[i], "stores");
		print_int_col(&w->seq.v[i], "fsyncs");
		print_int_col(&w->seq.v[i], "queue");
		/* Not answering its supervisor: the changes to its lists
		 * wait. */
		if ((stalled = get_int(&w->seq.v[i], "stalled_s")) != NULL &&
		    stalled->i > 0)
			printf("  stalled %" PRId64 " s", stalled->i);
		putchar('\n');
	}
}

/* One list server's row of the daemon's list: its name and pid, and
 * how long it has been stalled (0 if not, or not said).  false for a
 * row of another shape. */
static bool
list_row(const struct etf_term *row, const struct etf_term **name,
    const struct etf_term **pid, int64_t *stalled_s)
{
	const struct etf_term *stalled;

	if (row->type != ETF_MAP)
		return false;
	*name = etf_map_get(row, "name");
	*pid = get_int(row, "pid");
	stalled = get_int(row, "stalled_s");
	*stalled_s = stalled != NULL && stalled->i > 0 ? stalled->i : 0;
	return *name != NULL && (*name)->type == ETF_BINARY && *pid != NULL;
}

/*
 * The list servers, when the daemon names them: [#{name, pid}], with
 * stalled_s from a daemon that gives it.  The stalled ones come first,
 * so that the cut after STATUS_MAX_LISTS never hides one.
 */
static void
print_lists(const struct etf_term *l)
{
	const struct etf_term *name, *pid;
	int64_t stalled_s;
	size_t i, shown = 0, more = 0;
	int pass;
	/* Names are cut on a terminal only, as titles are. */
	size_t namew = ctl_columns() > 0 ? 40 : 0;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < l->seq.n; i++) {
			if (!list_row(&l->seq.v[i], &name, &pid, &stalled_s) ||
			    (stalled_s > 0) != (pass == 0))
				continue;
			if (shown == STATUS_MAX_LISTS) {
				more++;	/* counted as those shown are */
				continue;
			}
			shown++;
			printf("%-10s  %8" PRId64 "  ", "list", pid->i);
			text_print(stdout, name->bin.p, name->bin.len, namew);
			/* Not taking connections or answering the cache:
			 * its clients wait. */
			if (stalled_s > 0)
				printf("  stalled %" PRId64 " s", stalled_s);
			putchar('\n');
		}
	if (more > 0)
		printf("(%zu more list server%s)\n", more, more == 1 ? "" :
		    "s");
}

static bool
known_key(const struct etf_term *k)
{
	static const char *keys[] = { "supervisor", "cache", "spawner",
	    "workers", "lists", "lists_live", "restarts", "uptime_s" };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (etf_is_atom(k, keys[i]))
			return true;
	return false;
}

/* The widest key printed in full by print_others(); longer ones are cut. */
#define OTHER_KEY_MAX	32

/* Keys this version does not know, as "key: JSON", the values lined up
 * after the longest key. */
static void
print_others(const struct etf_term *m)
{
	const struct etf_term *k;
	json_t *v;
	char *s;
	size_t i, w, col = 0;
	int any = 0;

	for (i = 0; i < m->map.n; i++) {
		k = &m->map.kv[2 * i];
		if (k->type == ETF_ATOM && !known_key(k) &&
		    (w = text_width(k->atom.p, k->atom.len)) > col)
			col = w < OTHER_KEY_MAX ? w : OTHER_KEY_MAX;
	}
	for (i = 0; i < m->map.n; i++) {
		k = &m->map.kv[2 * i];
		if (k->type != ETF_ATOM || known_key(k))
			continue;
		if ((v = cj_term(&m->map.kv[2 * i + 1])) == NULL)
			continue;
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		json_decref(v);
		if (!any++)
			putchar('\n');
		/* The daemon's key, escaped like every other text it sends;
		 * the value as JSON, whose escapes cover only C0 controls:
		 * its text is escaped too (C1 controls, bidi overrides). */
		w = text_print(stdout, k->atom.p, k->atom.len, OTHER_KEY_MAX);
		putchar(':');
		text_pad(stdout, col - (w < col ? w : col) + 1);
		if (s != NULL)
			(void)text_print(stdout, s, strlen(s), 0);
		else
			putchar('?');
		putchar('\n');
		free(s);
	}
}

static void
print_status(const struct etf_term *m)
{
	const struct etf_term *v, *w;

	printf("todod is running");
	if ((v = get_int(m, "uptime_s")) != NULL) {
		printf(", up ");
		print_uptime(v->i);
	}
	if ((v = get_int(m, "lists_live")) != NULL)
		printf(", %" PRId64 " list%s live", v->i, v->i == 1 ? "" : "s");
	if ((v = get_int(m, "restarts")) != NULL)
		printf(", %" PRId64 " restart%s", v->i, v->i == 1 ? "" : "s");
	printf("\n\n%-10s  %8s  %8s  %8s  %8s\n", "PROCESS", "PID", "STORES",
	    "FSYNCS", "QUEUE");
	if ((v = get_int(m, "supervisor")) != NULL)
		print_process("supervisor", v);
	if ((v = get_int(m, "cache")) != NULL)
		print_process("cache", v);
	if ((v = get_int(m, "spawner")) != NULL)
		print_process("spawner", v);
	if ((w = etf_map_get(m, "workers")) != NULL && w->type == ETF_LIST)
		print_workers(w);
	if ((w = etf_map_get(m, "lists")) != NULL && w->type == ETF_LIST)
		print_lists(w);
	print_others(m);
}

int
cmd_status(struct ctl *ctl, int argc, char **argv)
{
	const struct etf_term *r, *v;
	int rv;

	tc_req_atom(&ctl->req, "stats");
	if ((rv = ctl_call(ctl, &r)) != 0)
		return rv;
	if ((rv = tc_reply_value(ctl->conn, r, &v)) != TC_OK)
		return ctl_fail(ctl, rv);
	if (v == NULL || v->type != ETF_MAP)
		return ctl_fail(ctl, tc_unexpected(ctl->conn, "stats"));
	if (ctl->json)
		return json_out(ctl, cj_term(v));
	print_status(v);
	return 0;
}
