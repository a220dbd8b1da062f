/* ctl_util.c: what todoctl's commands share: errors, calls, arguments. */
#include "config.h"

#include <sys/ioctl.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_date.h"
#include "ctl_json.h"
#include "etf.h"
#include "todo_term.h"
#include "todoclient.h"

int
ctl_usage(struct ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "todoctl: %s%s", ctl->cmd ? ctl->cmd->name : "",
	    ctl->cmd ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (ctl->cmd != NULL)
		fprintf(stderr, "\nusage: todoctl %s%s%s\nRun 'todoctl help "
		    "%s' for more.\n", ctl->cmd->name,
		    *ctl->cmd->args != '\0' ? " " : "", ctl->cmd->args,
		    ctl->cmd->name);
	else
		fprintf(stderr, "\nRun 'todoctl --help' for the commands.\n");
	return CTL_EXIT_USAGE;
}

int
ctl_error(struct ctl *ctl, int status, const char *reason, const char *fmt,
    ...)
{
	va_list ap;
	char msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fprintf(stderr, "todoctl: %s%s%s\n", ctl->cmd ? ctl->cmd->name : "",
	    ctl->cmd ? ": " : "", msg);
	if (ctl->json) {
		cj_print(stdout, cj_error(reason, msg));
		fflush(stdout);
	}
	return status;
}

/* A client library failure: its exit status and JSON reason. */
int
ctl_classify(struct ctl *ctl, int st, const char **reasonp)
{
	const char *reason;
	int status = CTL_EXIT_ERROR;

	switch (st) {
	case TC_EREPLY:
		reason = tc_reason(ctl->conn);
		break;
	case TC_ESYS:
	case TC_EPATH:
	case TC_EUNSAFE:
		reason = "unreachable";
		status = CTL_EXIT_UNREACHABLE;
		break;
	case TC_ETIMEOUT:
		reason = "timeout";
		status = CTL_EXIT_UNREACHABLE;
		break;
	case TC_EEOF:
		reason = "disconnected";
		status = CTL_EXIT_UNREACHABLE;
		break;
	case TC_ENOMEM:
		reason = "nomem";
		break;
	default:
		reason = "protocol";
		break;
	}
	*reasonp = reason != NULL ? reason : "error";
	return status;
}

int
ctl_fail(struct ctl *ctl, int st)
{
	const char *reason;
	int status;

	status = ctl_classify(ctl, st, &reason);
	return ctl_error(ctl, status, reason, "%s",
	    ctl->conn ? tc_error(ctl->conn) : tc_strstatus(st));
}

int
ctl_connect(struct ctl *ctl)
{
	char path[512];
	int rv;

	if (ctl->conn != NULL)
		return 0;
	if ((ctl->conn = tc_new()) == NULL ||
	    (ctl->arena = etf_arena_new()) == NULL)
		return ctl_error(ctl, CTL_EXIT_ERROR, "nomem", "out of memory");
	tc_set_timeout(ctl->conn, ctl->timeout_ms);
	if ((rv = tc_socket_path(ctl->socket, path, sizeof(path))) ==
	    TC_EUNSAFE)
		return ctl_error(ctl, CTL_EXIT_UNREACHABLE, "unreachable",
		    "%s: %s", path, tc_strstatus(TC_EUNSAFE));
	if (rv != TC_OK)
		return ctl_error(ctl, CTL_EXIT_UNREACHABLE, "unreachable",
		    "socket path is empty or too long: %s", path);
	if ((rv = tc_connect(ctl->conn, path)) != TC_OK)
		return ctl_fail(ctl, rv);
	return 0;
}

/* Send ctl->req on an unattached connection and read the reply. */
int
ctl_call(struct ctl *ctl, const struct etf_term **reply)
{
	int rv;

	if ((rv = ctl_connect(ctl)) != 0)
		return rv;
	if ((rv = tc_call(ctl->conn, &ctl->req, ctl->arena, reply)) != TC_OK)
		return ctl_fail(ctl, rv);
	return 0;
}

/* Attach to `list` and send ctl->req in one go (pipelined); the reply to
 * ctl->req. */
int
ctl_list_call(struct ctl *ctl, const char *list, const struct etf_term **reply)
{
	struct etf_buf b;
	const struct etf_term *r;
	int rv;

	if ((rv = ctl_connect(ctl)) != 0)
		return rv;
	etf_buf_init(&b);
	tc_req_attach(&b, list, strlen(list));
	rv = tc_send(ctl->conn, &b);
	etf_buf_free(&b);
	if (rv == TC_OK)
		rv = tc_send(ctl->conn, &ctl->req);
	if (rv == TC_OK)
		rv = tc_read_term(ctl->conn, ctl->arena, &r);
	if (rv == TC_OK)
		rv = tc_reply_value(ctl->conn, r, NULL);
	if (rv == TC_OK)
		rv = tc_read_term(ctl->conn, ctl->arena, reply);
	return rv == TC_OK ? 0 : ctl_fail(ctl, rv);
}

int
ctl_parse_date(struct ctl *ctl, const char *s, struct todo_date *d)
{
	if (ctl_date_parse(s, ctl->now, d) == -1)
		return ctl_usage(ctl, "not a date: '%s' (use YYYY-MM-DD, "
		    "YYYY/MM/DD, today, tomorrow or yesterday)", s);
	return 0;
}

int
ctl_parse_id(struct ctl *ctl, const char *s, int64_t *id)
{
	char *end;
	long long v;

	errno = 0;
	if (s[0] < '0' || s[0] > '9' ||
	    (v = strtoll(s, &end, 10), errno != 0) || *end != '\0' || v < 1)
		return ctl_usage(ctl, "not an entry id: '%s' (a number from "
		    "1 to 9223372036854775807)", s);
	*id = v;
	return 0;
}

/* A usage error unless the N bytes at T are a title: 1 to 4096 bytes of
 * UTF-8.  add and update say the same. */
int
ctl_check_title(struct ctl *ctl, const char *t, size_t n)
{
	if (n == 0)
		return ctl_usage(ctl, "the title is empty");
	if (n > TODO_TITLE_MAX)
		return ctl_usage(ctl, "the title is longer than 4096 bytes");
	if (!utf8_valid(t, n))
		return ctl_usage(ctl, "the title is not valid UTF-8");
	return 0;
}

/* The words of argv joined by single spaces: a title. */
int
ctl_title(struct ctl *ctl, int argc, char **argv, char **title, size_t *len)
{
	size_t n = 0;
	int i, rv;
	char *t;

	for (i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	if ((t = malloc(n + 1)) == NULL)
		return ctl_error(ctl, CTL_EXIT_ERROR, "nomem", "out of memory");
	t[0] = '\0';
	for (i = 0, n = 0; i < argc; i++)
		n += (size_t)sprintf(t + n, "%s%s", i ? " " : "", argv[i]);
	if ((rv = ctl_check_title(ctl, t, n)) != 0) {
		free(t);
		return rv;
	}
	*title = t;
	*len = n;
	return 0;
}

/* A reply's list of entries as an array (the caller frees it). */
int
ctl_entries_of(struct ctl *ctl, const struct etf_term *v,
    struct todo_entry **out, size_t *n)
{
	struct todo_entry *e;
	size_t i;

	if (v == NULL || v->type != ETF_LIST)
		return ctl_fail(ctl, tc_unexpected(ctl->conn, "entries"));
	if ((e = calloc(v->seq.n + 1, sizeof(*e))) == NULL)
		return ctl_error(ctl, CTL_EXIT_ERROR, "nomem", "out of memory");
	for (i = 0; i < v->seq.n; i++)
		if (todo_entry_from_term(&v->seq.v[i], &e[i]) == -1) {
			free(e);
			return ctl_fail(ctl, tc_unexpected(ctl->conn,
			    "entries"));
		}
	*out = e;
	*n = v->seq.n;
	return 0;
}

/* Columns of the terminal on stdout, or 0 when it is not one. */
size_t
ctl_columns(void)
{
	struct winsize ws;

	if (!isatty(STDOUT_FILENO))
		return 0;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}
