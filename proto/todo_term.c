/*
 * todo_term.c: the to-do types (Date, Title, Id, Entry) and their terms.
 */
#include "config.h"

#include <string.h>

#include "etf.h"
#include "todo_term.h"

/* Atoms and map headers of the reply forms, as OTP writes them. */
#define A(s)	"\x77" s
static const char date_head[] =
    "\x74\0\0\0\x05"
    A("\x0a") "__struct__" A("\x0b") "Elixir.Date"
    A("\x08") "calendar" A("\x13") "Elixir.Calendar.ISO"
    A("\x03") "day";
static const char atom_month[] = A("\x05") "month";
static const char atom_year[] = A("\x04") "year";
static const char entry_head[] = "\x74\0\0\0\x03" A("\x04") "date";
static const char atom_id[] = A("\x02") "id";
static const char atom_title[] = A("\x05") "title";
#undef A

static int
days_in_month(int year, int month)
{
	static const int dim[12] =
	    { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return dim[month - 1] + (month == 2 && leap);
}

bool
todo_date_valid(int year, int month, int day)
{
	if (year < 0 || year > 9999 || month < 1 || month > 12 || day < 1)
		return false;
	return day <= days_in_month(year, month);
}

/*
 * Days from civil dates with March-based years, so that the leap day ends
 * a year; eras of 400 years (146097 days) make every year positive here.
 */
static int32_t
days_from_civil(int32_t y, int32_t m, int32_t d)
{
	int32_t era, yoe, doy, doe;

	y -= m <= 2;
	y += 400;			/* year -1 (Jan/Feb of year 0) -> 399 */
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe;
}

int32_t
todo_date_to_days(struct todo_date dt)
{
	return days_from_civil(dt.year, dt.month, dt.day) -
	    days_from_civil(0, 1, 1);
}

struct todo_date
todo_days_to_date(int32_t days)
{
	struct todo_date dt;
	int32_t z, era, doe, yoe, doy, mp;

	z = days + days_from_civil(0, 1, 1);
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	dt.day = doy - (153 * mp + 2) / 5 + 1;
	dt.month = mp < 10 ? mp + 3 : mp - 9;
	dt.year = yoe + era * 400 - 400 + (dt.month <= 2);
	return dt;
}

static int
digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
todo_date_parse_iso(const char *s, size_t len, struct todo_date *dt)
{
	int y, m, d;

	if (len != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	if ((y = digits(s, 4)) < 0 || (m = digits(s + 5, 2)) < 0 ||
	    (d = digits(s + 8, 2)) < 0 || !todo_date_valid(y, m, d))
		return -1;
	dt->year = y;
	dt->month = m;
	dt->day = d;
	return 0;
}

static void
put_digits(char *o, unsigned v, int n)
{
	while (n-- > 0) {
		o[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void
todo_date_format(struct todo_date dt, char out[11])
{
	put_digits(out, (unsigned)dt.year, 4);
	out[4] = '-';
	put_digits(out + 5, (unsigned)dt.month, 2);
	out[7] = '-';
	put_digits(out + 8, (unsigned)dt.day, 2);
	out[10] = '\0';
}

static int
small_int(const struct etf_term *t, int *v)
{
	if (t == NULL || t->type != ETF_INT || t->i < 0 || t->i > 9999)
		return -1;
	*v = (int)t->i;
	return 0;
}

static int
date_set(struct todo_date *dt, const struct etf_term *y,
    const struct etf_term *m, const struct etf_term *d)
{
	struct todo_date x;

	if (small_int(y, &x.year) == -1 || small_int(m, &x.month) == -1 ||
	    small_int(d, &x.day) == -1 ||
	    !todo_date_valid(x.year, x.month, x.day))
		return -1;
	*dt = x;
	return 0;
}

int
todo_date_from_term(const struct etf_term *t, struct todo_date *dt)
{
	if (t == NULL)
		return -1;
	switch (t->type) {
	case ETF_MAP:
		if (t->map.n != 5 ||
		    !etf_is_atom(etf_map_get(t, "__struct__"), "Elixir.Date") ||
		    !etf_is_atom(etf_map_get(t, "calendar"),
		    "Elixir.Calendar.ISO"))
			return -1;
		return date_set(dt, etf_map_get(t, "year"),
		    etf_map_get(t, "month"), etf_map_get(t, "day"));
	case ETF_TUPLE:
		if (t->seq.n != 3)
			return -1;
		return date_set(dt, &t->seq.v[0], &t->seq.v[1], &t->seq.v[2]);
	case ETF_BINARY:
		return todo_date_parse_iso((const char *)t->bin.p, t->bin.len,
		    dt);
	default:
		return -1;
	}
}

void
todo_put_date(struct etf_buf *b, struct todo_date dt)
{
	etf_buf_append(b, date_head, sizeof(date_head) - 1);
	etf_put_int(b, dt.day);
	etf_buf_append(b, atom_month, sizeof(atom_month) - 1);
	etf_put_int(b, dt.month);
	etf_buf_append(b, atom_year, sizeof(atom_year) - 1);
	etf_put_int(b, dt.year);
}

bool
todo_title_valid(const void *title, size_t len)
{
	return len >= 1 && len <= TODO_TITLE_MAX && utf8_valid(title, len);
}

int
todo_id_from_term(const struct etf_term *t, int64_t *id)
{
	if (t == NULL || t->type != ETF_INT || t->i < 1)
		return -1;
	*id = t->i;
	return 0;
}

void
todo_put_entry(struct etf_buf *b, int64_t id, struct todo_date dt,
    const void *title, size_t title_len)
{
	etf_buf_append(b, entry_head, sizeof(entry_head) - 1);
	todo_put_date(b, dt);
	etf_buf_append(b, atom_id, sizeof(atom_id) - 1);
	etf_put_int(b, id);
	etf_buf_append(b, atom_title, sizeof(atom_title) - 1);
	etf_put_binary(b, title, title_len);
}

int
todo_entry_from_term(const struct etf_term *t, struct todo_entry *e)
{
	const struct etf_term *title;
	struct todo_entry x;

	if (t == NULL || t->type != ETF_MAP)
		return -1;
	if (todo_id_from_term(etf_map_get(t, "id"), &x.id) == -1 ||
	    todo_date_from_term(etf_map_get(t, "date"), &x.date) == -1)
		return -1;
	title = etf_map_get(t, "title");
	if (title == NULL || title->type != ETF_BINARY ||
	    !todo_title_valid(title->bin.p, title->bin.len))
		return -1;
	x.title = title->bin.p;
	x.title_len = title->bin.len;
	*e = x;
	return 0;
}
