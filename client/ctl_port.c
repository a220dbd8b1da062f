/*
 * ctl_port.c: todoctl import and export.
 *
 * Import reads the whole file, validates every record, and only then
 * attaches and sends one add_entry per record, pipelined: up to
 * IMPORT_WINDOW requests in flight, replies read as they come.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_csv.h"
#include "ctl_json.h"
#include "ctl_text.h"
#include "etf.h"
#include "monotime.h"
#include "todo_term.h"
#include "todoclient.h"

#define IMPORT_MAX_BYTES	(1024UL * 1024 * 1024)
#define IMPORT_WINDOW		1024	/* requests in flight */
#define IMPORT_MAX_REPORTED	10	/* bad lines reported one by one */
#define PROGRESS_MIN		2000	/* records for a progress bar */

struct import {
	const char	*file;		/* for messages */
	char		*buf;
	size_t		 len;
	struct csv_rec	*recs;
	size_t		 n;
	bool		 progress;
	int64_t		 drawn_ms;
};

/* The whole of fp, at most IMPORT_MAX_BYTES. 0 or errno. */
static int
slurp(FILE *fp, char **bufp, size_t *lenp)
{
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0, n;

	/* Room for one byte over the bound, which tells a file too big. */
	for (;;) {
		if (cap - len < 65536 && cap <= IMPORT_MAX_BYTES) {
			cap = cap ? cap * 2 : 65536;
			if (cap > IMPORT_MAX_BYTES + 1)
				cap = IMPORT_MAX_BYTES + 1;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				return ENOMEM;
			}
			buf = nb;
		}
		if (len == cap)
			break;		/* over the bound */
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		free(buf);
		return errno ? errno : EIO;
	}
	if (len > IMPORT_MAX_BYTES) {
		free(buf);
		return EFBIG;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

static int
read_input(struct ctl *ctl, struct import *im, const char *path)
{
	FILE *fp = stdin;
	int err;

	im->file = strcmp(path, "-") == 0 ? "(stdin)" : path;
	if (strcmp(path, "-") != 0 && (fp = fopen(path, "rb")) == NULL)
		return ctl_error(ctl, CTL_EXIT_USAGE, "bad_input",
		    "cannot open %s: %s", path, strerror(errno));
	err = slurp(fp, &im->buf, &im->len);
	if (fp != stdin)
		fclose(fp);
	if (err == EFBIG)
		return ctl_error(ctl, CTL_EXIT_USAGE, "bad_input", "%s is "
		    "larger than 1 GiB", im->file);
	if (err != 0)
		return ctl_error(ctl, CTL_EXIT_USAGE, "bad_input", "cannot "
		    "read %s: %s", im->file, strerror(err));
	return 0;
}

/* Parse and check every record; report the bad ones. */
static int
validate(struct ctl *ctl, struct import *im)
{
	struct csv_reader r;
	struct csv_rec rec, *nr;
	size_t cap = 0, bad = 0, first_line = 0;
	int rv, err, first_err = CSV_OK;
	char msg[1024];

	csv_init(&r, im->buf, im->len);
	while ((rv = csv_next(&r, &rec, &err)) != 0) {
		if (rv == -1) {
			if (bad++ == 0) {
				first_line = rec.line;
				first_err = err;
			}
			if (bad <= IMPORT_MAX_REPORTED)
				fprintf(stderr, "todoctl: import: %s:%zu: %s\n",
				    im->file, rec.line, csv_strerror(err));
			continue;
		}
		if (im->n == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((nr = reallocarray(im->recs, cap,
			    sizeof(*nr))) == NULL)
				return ctl_error(ctl, CTL_EXIT_ERROR, "nomem",
				    "out of memory");
			im->recs = nr;
		}
		im->recs[im->n++] = rec;
	}
	if (bad == 0)
		return 0;
	if (bad > IMPORT_MAX_REPORTED)
		fprintf(stderr, "todoctl: import: %s: %zu more bad lines\n",
		    im->file, bad - IMPORT_MAX_REPORTED);
	fprintf(stderr, "todoctl: import: nothing imported: %zu bad line%s "
	    "in %s\n", bad, bad == 1 ? "" : "s", im->file);
	if (ctl->json) {
		snprintf(msg, sizeof(msg), "%s:%zu: %s; nothing imported (%zu "
		    "bad line%s)", im->file, first_line,
		    csv_strerror(first_err), bad, bad == 1 ? "" : "s");
		cj_print(stdout, cj_error("bad_input", msg));
	}
	return CTL_EXIT_USAGE;
}

static void
progress(struct import *im, size_t done)
{
	const int width = 30;
	int64_t t;
	int fill;

	if (!im->progress)
		return;
	t = monotime_ms();
	if (done < im->n && t - im->drawn_ms < 100)
		return;
	im->drawn_ms = t;
	fill = (int)(done * (size_t)width / im->n);
	fprintf(stderr, "\rimporting [%.*s%*s] %3zu%% %zu/%zu",
	    fill, "##############################", width - fill, "",
	    done * 100 / im->n, done, im->n);
	fflush(stderr);
}

struct failure {
	char	msg[512];
	char	reason[64];
};

/*
 * Send every record, at most IMPORT_WINDOW in flight; *done counts the
 * entries the daemon acknowledged, *unknown those sent and not answered
 * (a timeout or a closed connection: the daemon may carry them out all
 * the same).  TC_OK, or the first failure (after an error reply, no more
 * requests are sent, and the replies to those in flight are read).
 */
static int
send_all(struct ctl *ctl, struct import *im, size_t *done, size_t *unknown,
    struct failure *f)
{
	const struct etf_term *r, *v;
	size_t sent = 0, got = 0;
	int64_t id;
	int rv, first = TC_OK;

	while (got < sent || (first == TC_OK && sent < im->n)) {
		while (first == TC_OK && sent < im->n &&
		    sent - got < IMPORT_WINDOW) {
			tc_req_add(&ctl->req, im->recs[sent].date,
			    im->recs[sent].title, im->recs[sent].title_len);
			if ((rv = tc_send(ctl->conn, &ctl->req)) != TC_OK) {
				/* This one is not whole on its way. */
				*unknown = sent - got;
				return rv;
			}
			sent++;
		}
		etf_arena_reset(ctl->arena);
		/* A transport failure after an error reply is that error's
		 * end (the daemon closes after a bad_frame): the error is
		 * what happened. */
		if ((rv = tc_read_term(ctl->conn, ctl->arena, &r)) != TC_OK) {
			/* After a bad_frame the daemon takes nothing more
			 * and closes: those in flight were not imported. */
			if (first == TC_OK || strcmp(f->reason, "bad_frame") != 0)
				*unknown = sent - got;
			return first != TC_OK ? first : rv;
		}
		got++;
		rv = tc_reply_value(ctl->conn, r, &v);
		if (rv == TC_OK && (v == NULL || todo_id_from_term(v, &id) ==
		    -1))
			rv = tc_unexpected(ctl->conn, "add_entry");
		if (rv == TC_OK)
			(*done)++;
		else if (first == TC_OK) {
			first = rv;
			snprintf(f->msg, sizeof(f->msg), "%s",
			    tc_error(ctl->conn));
			snprintf(f->reason, sizeof(f->reason), "%s",
			    tc_reason(ctl->conn) ? tc_reason(ctl->conn) : "");
		}
		progress(im, got);
	}
	return first;
}

static int
import_records(struct ctl *ctl, const char *list, struct import *im)
{
	struct failure f;
	const char *reason;
	char more[96] = "";
	size_t done = 0, unknown = 0;
	int rv, status;

	if ((rv = ctl_connect(ctl)) != 0)
		return rv;
	if ((rv = tc_attach(ctl->conn, list, strlen(list), NULL)) != TC_OK)
		return ctl_fail(ctl, rv);
	im->progress = im->n >= PROGRESS_MIN && !ctl->json &&
	    isatty(STDERR_FILENO);
	f.msg[0] = f.reason[0] = '\0';
	rv = send_all(ctl, im, &done, &unknown, &f);
	if (im->progress)
		fprintf(stderr, "\r\033[K");
	if (rv != TC_OK) {
		status = ctl_classify(ctl, rv, &reason);
		if (f.msg[0] == '\0')	/* a transport failure */
			snprintf(f.msg, sizeof(f.msg), "%s",
			    tc_error(ctl->conn));
		else if (f.reason[0] != '\0')
			reason = f.reason;
		if (unknown > 0)
			snprintf(more, sizeof(more), "; %zu more sent and not "
			    "answered, which may have been imported too",
			    unknown);
		return ctl_error(ctl, status, reason, "%s (%zu of %zu entries "
		    "imported%s)", f.msg, done, im->n, more);
	}
	if (ctl->json)
		cj_print(stdout, json_pack("{s:I}", "imported",
		    (json_int_t)done));
	else if (isatty(STDERR_FILENO)) {
		/* On a terminal: the name escaped, as lists shows it. */
		fprintf(stderr, "imported %zu entr%s into ", done,
		    done == 1 ? "y" : "ies");
		text_print(stderr, list, strlen(list), 0);
		fputc('\n', stderr);
	}
	return 0;
}

int
cmd_import(struct ctl *ctl, int argc, char **argv)
{
	struct import im;
	int rv;

	memset(&im, 0, sizeof(im));
	if ((rv = read_input(ctl, &im, argv[1])) == 0 &&
	    (rv = validate(ctl, &im)) == 0)
		rv = import_records(ctl, argv[0], &im);
	free(im.recs);
	free(im.buf);
	return rv;
}

int
cmd_export(struct ctl *ctl, int argc, char **argv)
{
	const struct etf_term *r, *v;
	struct todo_entry *e;
	size_t i, n;
	int rv;

	tc_req_entries(&ctl->req, NULL);
	if ((rv = ctl_list_call(ctl, argv[0], &r)) != 0)
		return rv;
	if ((rv = tc_reply_value(ctl->conn, r, &v)) != TC_OK)
		return ctl_fail(ctl, rv);
	if ((rv = ctl_entries_of(ctl, v, &e, &n)) != 0)
		return rv;
	if (ctl->json)
		ctl_print_entries(ctl, e, n);
	else
		for (i = 0; i < n; i++)
			if (csv_write(stdout, e[i].date, e[i].title,
			    e[i].title_len) == -1) {
				ctl->out_errno = errno;
				break;
			}
	free(e);
	return 0;	/* a failed write is told by main() */
}
