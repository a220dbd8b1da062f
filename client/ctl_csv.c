/* ctl_csv.c: reading and writing the CSV of todoctl import/export. */
#include "config.h"

#include <string.h>

#include "ctl_csv.h"
#include "ctl_date.h"
#include "etf.h"
#include "todo_term.h"

void
csv_init(struct csv_reader *r, char *buf, size_t len)
{
	r->buf = buf;
	r->len = len;
	r->pos = 0;
	r->line = 1;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		r->pos = 3;
}

const char *
csv_strerror(int err)
{
	switch (err) {
	case CSV_OK:
		return "no error";
	case CSV_ENOCOMMA:
		return "no comma after the date (expected DATE,TITLE)";
	case CSV_EDATE:
		return "date is not valid (expected YYYY-MM-DD or YYYY/MM/DD)";
	case CSV_EQUOTE:
		return "quoted field has no closing quote";
	case CSV_EJUNK:
		return "characters after a closing quote";
	case CSV_EEMPTY:
		return "title is empty";
	case CSV_ELONG:
		return "title is longer than 4096 bytes";
	case CSV_EUTF8:
		return "title is not valid UTF-8";
	case CSV_ECR:
		return "carriage return inside an unquoted title (a file "
		    "with CR line endings?); quote the title to keep it";
	}
	return "unknown error";
}

/*
 * A quoted field starting at the opening quote r->buf[r->pos]: unescape it
 * in place (it only shrinks), leave pos after the closing quote.
 */
static int
quoted(struct csv_reader *r, char **start, size_t *len)
{
	char *b = r->buf;
	size_t w;

	w = ++r->pos;
	*start = b + w;
	for (;;) {
		if (r->pos >= r->len)
			return CSV_EQUOTE;
		if (b[r->pos] == '"') {
			if (r->pos + 1 < r->len && b[r->pos + 1] == '"') {
				b[w++] = '"';
				r->pos += 2;
				continue;
			}
			r->pos++;
			*len = w - (size_t)(*start - b);
			return CSV_OK;
		}
		if (b[r->pos] == '\n')
			r->line++;
		b[w++] = b[r->pos++];
	}
}

static bool
blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The length of YYYY-MM-DD and of YYYY/MM/DD. */
#define CSV_DATE_LEN	10

/* The date field, up to its comma; pos is left after the comma. */
static int
date_field(struct csv_reader *r, struct todo_date *d)
{
	char *s;
	size_t len;
	int err;

	while (r->pos < r->len && blank(r->buf[r->pos]))
		r->pos++;
	if (r->pos < r->len && r->buf[r->pos] == '"') {
		if ((err = quoted(r, &s, &len)) != CSV_OK)
			return err;
	} else {
		s = r->buf + r->pos;
		while (r->pos < r->len && r->buf[r->pos] != ',' &&
		    r->buf[r->pos] != '\n')
			r->pos++;
		len = (size_t)(r->buf + r->pos - s);
		while (len > 0 && (blank(s[len - 1]) || s[len - 1] == '\r'))
			len--;
	}
	while (r->pos < r->len && blank(r->buf[r->pos]))
		r->pos++;
	/* No comma: a line that starts with a date (alone, or followed by
	 * another separator: 2018/12/19;Dentist) lacks the comma; any
	 * other has no date. */
	if (r->pos >= r->len || r->buf[r->pos] != ',')
		return ctl_date_parse_abs(s, len, d) == 0 ||
		    (len > CSV_DATE_LEN &&
		    ctl_date_parse_abs(s, CSV_DATE_LEN, d) == 0) ?
		    CSV_ENOCOMMA : CSV_EDATE;
	r->pos++;
	return ctl_date_parse_abs(s, len, d) == 0 ? CSV_OK : CSV_EDATE;
}

/* The title field and the end of the record. */
static int
title_field(struct csv_reader *r, struct csv_rec *rec)
{
	size_t end;
	int err;

	if (r->pos < r->len && r->buf[r->pos] == '"') {
		if ((err = quoted(r, &rec->title, &rec->title_len)) != CSV_OK)
			return err;
		if (r->pos < r->len && r->buf[r->pos] == '\r')
			r->pos++;
		if (r->pos < r->len && r->buf[r->pos] != '\n')
			return CSV_EJUNK;
	} else {
		rec->title = r->buf + r->pos;
		while (r->pos < r->len && r->buf[r->pos] != '\n')
			r->pos++;
		end = r->pos;
		if (end > (size_t)(rec->title - r->buf) &&
		    r->buf[end - 1] == '\r')
			end--;
		rec->title_len = end - (size_t)(rec->title - r->buf);
		/* Most likely a line ending of a file with CR alone, which
		 * would take every record after it into this title. */
		if (memchr(rec->title, '\r', rec->title_len) != NULL) {
			if (r->pos < r->len) {
				r->pos++;
				r->line++;
			}
			return CSV_ECR;
		}
	}
	if (r->pos < r->len) {		/* the LF */
		r->pos++;
		r->line++;
	}
	if (rec->title_len == 0)
		return CSV_EEMPTY;
	if (rec->title_len > TODO_TITLE_MAX)
		return CSV_ELONG;
	if (!utf8_valid(rec->title, rec->title_len))
		return CSV_EUTF8;
	return CSV_OK;
}

/* Move pos to the start of the next line (after an error). */
static void
skip_line(struct csv_reader *r)
{
	while (r->pos < r->len && r->buf[r->pos] != '\n')
		r->pos++;
	if (r->pos < r->len) {
		r->pos++;
		r->line++;
	}
}

/*
 * Move pos past the rest of a record whose date was refused: its title
 * too, if quoted, so that a line break inside it does not start a record
 * of its own.  An unclosed quote takes the rest of the file, as it does
 * in a record that is read.
 */
static void
skip_record(struct csv_reader *r)
{
	char *title;
	size_t len;

	if (r->pos > 0 && r->pos < r->len && r->buf[r->pos] == '"' &&
	    r->buf[r->pos - 1] == ',' && quoted(r, &title, &len) != CSV_OK) {
		r->pos = r->len;
		return;
	}
	skip_line(r);
}

/* Whether the line at pos holds blanks and carriage returns only; if so,
 * *next is where the next line starts (or the end). */
static bool
blank_line(const struct csv_reader *r, size_t *next)
{
	size_t i;

	for (i = r->pos; i < r->len && r->buf[i] != '\n'; i++)
		if (!blank(r->buf[i]) && r->buf[i] != '\r')
			return false;
	*next = i;
	return true;
}

int
csv_next(struct csv_reader *r, struct csv_rec *rec, int *err)
{
	size_t next;

	/* Empty lines, and lines of blanks only, are no records. */
	while (r->pos < r->len && blank_line(r, &next)) {
		r->pos = next;
		if (r->pos < r->len) {
			r->pos++;
			r->line++;
		}
	}
	if (r->pos >= r->len)
		return 0;
	rec->line = r->line;
	if ((*err = date_field(r, &rec->date)) != CSV_OK) {
		if (*err == CSV_EQUOTE)
			r->pos = r->len;	/* the rest is one field */
		else
			skip_record(r);
		return -1;
	}
	if ((*err = title_field(r, rec)) != CSV_OK) {
		if (*err == CSV_EQUOTE)
			r->pos = r->len;
		else if (*err == CSV_EJUNK)
			skip_line(r);
		return -1;	/* else the record's line is consumed */
	}
	return 1;
}

bool
csv_title_needs_quotes(const void *title, size_t len)
{
	const unsigned char *t = title;
	size_t i;

	if (len == 0 || t[0] == ' ' || t[0] == '\t' || t[0] == '"')
		return true;
	for (i = 0; i < len; i++)
		if (t[i] == ',' || t[i] == '"' || t[i] == '\r' ||
		    t[i] == '\n' || t[i] == '\0')
			return true;
	return false;
}

int
csv_write(FILE *fp, struct todo_date d, const void *title, size_t len)
{
	const char *t = title;
	char date[11];
	size_t i;

	todo_date_format(d, date);
	if (fprintf(fp, "%s,", date) < 0)
		return -1;
	if (!csv_title_needs_quotes(title, len))
		return fwrite(t, 1, len, fp) == len && putc('\n', fp) != EOF ?
		    0 : -1;
	if (putc('"', fp) == EOF)
		return -1;
	for (i = 0; i < len; i++) {
		if (t[i] == '"' && putc('"', fp) == EOF)
			return -1;
		if (putc(t[i], fp) == EOF)
			return -1;
	}
	return fputs("\"\n", fp) == EOF ? -1 : 0;
}
