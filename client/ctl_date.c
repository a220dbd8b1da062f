/* ctl_date.c: the dates todoctl accepts on its command line and in CSV. */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ctl_date.h"
#include "todo_term.h"

/* Up to max digits (at least min) from s[*i]; -1 if there are none. */
static int
digits(const char *s, size_t len, size_t *i, int min, int max)
{
	int n = 0, v = 0;

	while (*i < len && n < max && s[*i] >= '0' && s[*i] <= '9') {
		v = v * 10 + (s[*i] - '0');
		(*i)++;
		n++;
	}
	return n < min ? -1 : v;
}

int
ctl_date_parse_abs(const char *s, size_t len, struct todo_date *d)
{
	size_t i = 0;
	int y, m, day;
	char sep;

	if ((y = digits(s, len, &i, 4, 4)) == -1 || i >= len)
		return -1;
	sep = s[i++];
	if (sep != '-' && sep != '/')
		return -1;
	if ((m = digits(s, len, &i, 1, 2)) == -1 || i >= len || s[i++] != sep)
		return -1;
	if ((day = digits(s, len, &i, 1, 2)) == -1 || i != len)
		return -1;
	if (!todo_date_valid(y, m, day))
		return -1;
	d->year = y;
	d->month = m;
	d->day = day;
	return 0;
}

int
ctl_date_parse(const char *s, time_t now, struct todo_date *d)
{
	static const struct {
		const char	*word;
		int		 offset;
	} words[] = {
		{ "today", 0 }, { "tomorrow", 1 }, { "yesterday", -1 }
	};
	struct tm tm;
	struct todo_date t;
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcasecmp(s, words[i].word) != 0)
			continue;
		if (localtime_r(&now, &tm) == NULL)
			return -1;
		t.year = tm.tm_year + 1900;
		t.month = tm.tm_mon + 1;
		t.day = tm.tm_mday;
		*d = todo_days_to_date(todo_date_to_days(t) + words[i].offset);
		return todo_date_valid(d->year, d->month, d->day) ? 0 : -1;
	}
	return ctl_date_parse_abs(s, strlen(s), d);
}
