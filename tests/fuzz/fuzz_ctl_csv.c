/*
 * fuzz_ctl_csv.c: todoctl import's reading of a CSV file, and its dates.
 *
 * The input is a whole file, read in place the way import reads it.  Each
 * call of csv_next() must move on; every record it gives has a real date
 * and a title of 1..4096 bytes of valid UTF-8 inside the file's buffer,
 * still whole once the file is read to its end (import sends them only
 * then); every error is one of the listed ones; each record and error
 * names the line it starts on.  The records written back with csv_write()
 * must read again as the same records and nothing else.
 *
 * Lines that are empty or hold blanks and carriage returns only are no
 * records.  A record on a line with no quote must be what the header says (its
 * date between blanks before the first comma, its title the rest of the
 * line but a final CR), and such a line an error if it is not one.
 *
 * Each piece of the input between commas and line ends is a date too:
 * ctl_date_parse_abs() must accept exactly the forms it promises
 * (checked against a reading of its own here).  ctl_date_parse() on the
 * input up to its first NUL, at a time taken from the eight bytes after
 * that NUL, must give the local date of that time moved by a day for
 * tomorrow and yesterday (as timegm() counts days), or
 * refuse a date out of 0000..9999.  Nothing may crash, hang or leak.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ctl_csv.h"
#include "ctl_date.h"
#include "etf.h"
#include "todo_term.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The times of 0000-01-01 00:00:00 and 9999-12-31 23:59:59 UTC. */
#define TIME_MIN	INT64_C(-62167219200)
#define TIME_MAX	INT64_C(253402300799)

struct kept {
	struct csv_rec	 rec;
	char		*title;		/* a copy, as csv_next() gave it */
};

static int
same_date(struct todo_date a, struct todo_date b)
{
	return a.year == b.year && a.month == b.month && a.day == b.day;
}

/*
 * YYYY, a separator (- or /), one or two digits, the same separator, one
 * or two digits, and a real date: 0 and the date, or -1.
 */
static int
ref_date(const char *s, size_t len, struct todo_date *d)
{
	int v[3] = { 0, 0, 0 };
	size_t i, k = 0, at[2] = { 0, 0 };

	if (len < 8 || len > 10 || (s[4] != '-' && s[4] != '/'))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] == s[4]) {
			if (k == 2)
				return -1;
			at[k++] = i;
		} else if (s[i] >= '0' && s[i] <= '9')
			v[k] = v[k] * 10 + (s[i] - '0');
		else
			return -1;
	}
	if (k != 2 || at[0] != 4 || at[1] - at[0] < 2 || at[1] - at[0] > 3 ||
	    len - at[1] < 2 || len - at[1] > 3)
		return -1;
	if (!todo_date_valid(v[0], v[1], v[2]))
		return -1;
	d->year = v[0];
	d->month = v[1];
	d->day = v[2];
	return 0;
}

/* A date that was accepted must be real and read back formatted. */
static void
check_date(struct todo_date d)
{
	struct todo_date again;
	char iso[11];

	if (!todo_date_valid(d.year, d.month, d.day))
		abort();
	todo_date_format(d, iso);
	if (ctl_date_parse_abs(iso, 10, &again) != 0 || !same_date(d, again))
		abort();
	if (todo_date_parse_iso(iso, 10, &again) != 0 || !same_date(d, again))
		abort();
}

static void
check_abs(const uint8_t *data, size_t len)
{
	struct todo_date d, want;
	int rv;

	rv = ctl_date_parse_abs((const char *)data, len, &d);
	if (rv != ref_date((const char *)data, len, &want))
		abort();
	if (rv == 0) {
		if (!same_date(d, want))
			abort();
		check_date(d);
	}
}

/* The input up to its first NUL, at a time from the bytes after it. */
static void
check_words(const uint8_t *data, size_t len)
{
	static const char *words[] = { "yesterday", "today", "tomorrow" };
	struct todo_date d, want;
	struct tm tm;
	uint64_t u = 0;
	time_t now = 1545264000, t;
	size_t n, i;
	char *s;
	int rv, w;

	n = strnlen((const char *)data, len);
	if (n < len) {
		for (i = n + 1; i < len && i < n + 9; i++)
			u = u << 8 | data[i];
		now = (time_t)(TIME_MIN +
		    (int64_t)(u % (uint64_t)(TIME_MAX - TIME_MIN + 1)));
	}
	if ((s = strndup((const char *)data, n)) == NULL)
		abort();
	rv = ctl_date_parse(s, now, &d);
	for (w = 0; w < 3; w++)
		if (strcasecmp(s, words[w]) == 0)
			break;
	if (w == 3) {
		/* Not a word: the same as the form without one. */
		if (rv != ctl_date_parse_abs(s, n, &want) ||
		    (rv == 0 && !same_date(d, want)))
			abort();
	} else {
		if (localtime_r(&now, &tm) == NULL)
			abort();
		tm.tm_mday += w - 1;
		tm.tm_hour = 12;
		tm.tm_min = tm.tm_sec = 0;
		tm.tm_isdst = 0;
		if ((t = timegm(&tm)) == (time_t)-1)
			abort();
		want.year = tm.tm_year + 1900;
		want.month = tm.tm_mon + 1;
		want.day = tm.tm_mday;
		if (want.year < 0 || want.year > 9999) {
			if (rv != -1)
				abort();
		} else if (rv != 0 || !same_date(d, want))
			abort();
	}
	if (rv == 0)
		check_date(d);
	free(s);
}

/*
 * A line with no quote at all, read as the header of ctl_csv.h says: 1
 * and the date and where the title is, -1 for a bad record, 0 for a line
 * this does not judge.  *end is where the next record may start.
 */
static int
ref_line(const uint8_t *data, size_t len, size_t start, size_t *end,
    struct todo_date *d, size_t *title, size_t *title_len)
{
	const uint8_t *nl, *comma;
	size_t eol, a, b;

	nl = memchr(data + start, '\n', len - start);
	eol = nl != NULL ? (size_t)(nl - data) : len;
	*end = nl != NULL ? eol + 1 : len;
	if (memchr(data + start, '"', eol - start) != NULL)
		return 0;
	if ((comma = memchr(data + start, ',', eol - start)) == NULL)
		return -1;
	/* The date, blanks around it ignored (and a CR before the comma). */
	for (a = start; data[a] == ' ' || data[a] == '\t'; a++)
		;
	for (b = (size_t)(comma - data); b > a && (data[b - 1] == ' ' ||
	    data[b - 1] == '\t' || data[b - 1] == '\r'); b--)
		;
	if (ref_date((const char *)data + a, b - a, d) != 0)
		return -1;
	/* The title, the rest of the line without a final CR. */
	*title = (size_t)(comma - data) + 1;
	*title_len = eol - *title;
	if (*title_len > 0 && data[eol - 1] == '\r')
		(*title_len)--;
	if (memchr(data + *title, '\r', *title_len) != NULL ||
	    !todo_title_valid(data + *title, *title_len))
		return -1;
	return 1;
}

/* Past the lines from at that are empty or hold blanks and carriage
 * returns only, each ended by a line feed. */
static size_t
past_empty_lines(const uint8_t *data, size_t len, size_t at)
{
	size_t i;

	for (;;) {
		for (i = at; i < len && (data[i] == ' ' || data[i] == '\t' ||
		    data[i] == '\r'); i++)
			;
		if (i >= len || data[i] != '\n')
			return at;
		at = i + 1;
	}
}

/* The records written back read again as the same, and only they. */
static void
check_export(const struct kept *k, size_t n)
{
	struct csv_reader r;
	struct csv_rec rec;
	char *out = NULL;
	size_t outlen = 0, i;
	FILE *fp;
	int err;

	if ((fp = open_memstream(&out, &outlen)) == NULL)
		abort();
	for (i = 0; i < n; i++)
		if (csv_write(fp, k[i].rec.date, k[i].title,
		    k[i].rec.title_len) != 0)
			abort();
	if (fclose(fp) != 0)
		abort();
	csv_init(&r, out, outlen);
	for (i = 0; i < n; i++) {
		if (csv_next(&r, &rec, &err) != 1 ||
		    !same_date(rec.date, k[i].rec.date) ||
		    rec.title_len != k[i].rec.title_len ||
		    memcmp(rec.title, k[i].title, rec.title_len) != 0)
			abort();
	}
	if (csv_next(&r, &rec, &err) != 0)
		abort();
	free(out);
}

static void
check_csv(const uint8_t *data, size_t len)
{
	struct csv_reader r;
	struct csv_rec rec;
	struct todo_date want;
	struct kept *k = NULL, *nk;
	size_t n = 0, cap = 0, i, last, start, nl = 0, counted = 0;
	size_t end, title, title_len;
	char *buf;
	int rv, err, ref;

	/* Exactly the file's bytes, so that a read past them is seen. */
	if ((buf = malloc(len > 0 ? len : 1)) == NULL)
		abort();
	if (len > 0)
		memcpy(buf, data, len);
	csv_init(&r, buf, len);
	for (;;) {
		last = r.pos;
		if ((rv = csv_next(&r, &rec, &err)) == 0)
			break;
		if (r.pos <= last || r.pos > len)
			abort();
		/* The record starts after the empty lines at last. */
		start = past_empty_lines(data, len, last);
		for (; counted < start; counted++)
			nl += data[counted] == '\n';
		if (rec.line != nl + 1)
			abort();
		/* A line without quotes is what the header says it is. */
		if ((ref = ref_line(data, len, start, &end, &want, &title,
		    &title_len)) != 0 && (ref != rv || r.pos != end ||
		    (rv == 1 && (!same_date(rec.date, want) ||
		    rec.title_len != title_len ||
		    memcmp(rec.title, data + title, title_len) != 0))))
			abort();
		if (rv == -1) {
			if (err <= CSV_OK || err > CSV_ECR ||
			    strcmp(csv_strerror(err), "unknown error") == 0)
				abort();
			continue;
		}
		if (rv != 1 || rec.title < buf ||
		    rec.title_len > len - (size_t)(rec.title - buf) ||
		    !todo_title_valid(rec.title, rec.title_len))
			abort();
		check_date(rec.date);
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nk = reallocarray(k, cap, sizeof(*k))) == NULL)
				abort();
			k = nk;
		}
		k[n].rec = rec;
		if ((k[n].title = malloc(rec.title_len)) == NULL)
			abort();
		memcpy(k[n].title, rec.title, rec.title_len);
		n++;
	}
	if (r.pos < len)
		abort();
	for (i = 0; i < n; i++)
		if (memcmp(k[i].rec.title, k[i].title,
		    k[i].rec.title_len) != 0)
			abort();	/* changed by what came after it */
	check_export(k, n);
	for (i = 0; i < n; i++)
		free(k[i].title);
	free(k);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static int tz;
	size_t i, j;

	/* Local time two hours off UTC, the same on every machine. */
	if (!tz) {
		if (setenv("TZ", "EET-2", 1) != 0)
			abort();
		tzset();
		tz = 1;
	}
	check_csv(data, len);
	/* Each piece between commas and line ends as a date. */
	for (i = j = 0; j <= len; j++)
		if (j == len || data[j] == ',' || data[j] == '\n') {
			check_abs(data + i, j - i);
			i = j + 1;
		}
	check_words(data, len);
	return 0;
}
