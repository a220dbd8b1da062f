/*
 * todo_term.h: the to-do types and their terms, shared by daemon and
 * client (todod-protocol(7), Types: Name, Title, Id, Date, Entry).
 *
 *   Date   #{'__struct__' => 'Elixir.Date', calendar => 'Elixir.Calendar.ISO',
 *            year => Y, month => M, day => D}; on input also {Y, M, D}
 *            and <<"YYYY-MM-DD">>.  Year 0..9999, a real calendar date.
 *   Entry  #{id => Id, date => Date, title => Title}
 *   Title  UTF-8 binary, 1..4096 bytes (NUL allowed)
 *   Id     1 .. 2^63-1
 */
#ifndef TODOD_TODO_TERM_H
#define TODOD_TODO_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "names.h"

struct etf_term;
struct etf_buf;

#define TODO_TITLE_MAX	4096
#define TODO_NAME_MAX	NAME_MAX_BYTES

struct todo_date {
	int	year;		/* 0..9999 */
	int	month;		/* 1..12 */
	int	day;		/* 1..31 */
};

bool	todo_date_valid(int year, int month, int day);
/* Days since 0000-01-01 (proleptic Gregorian), and back: a total order
 * and arithmetic for today/tomorrow. */
int32_t	todo_date_to_days(struct todo_date);
struct todo_date todo_days_to_date(int32_t days);
/* Exactly "YYYY-MM-DD" (len 10). Returns 0 or -1. */
int	todo_date_parse_iso(const char *s, size_t len, struct todo_date *);
/* Writes "YYYY-MM-DD" and a NUL into out[11]. */
void	todo_date_format(struct todo_date, char out[11]);
/* Any accepted input form of a Date. Returns 0 or -1 (badarg). */
int	todo_date_from_term(const struct etf_term *, struct todo_date *);
/* The reply form: the Elixir.Date map, keys in OTP's order. */
void	todo_put_date(struct etf_buf *, struct todo_date);

bool	todo_title_valid(const void *title, size_t len);
/* Id term: an integer 1..2^63-1. Returns 0 or -1. */
int	todo_id_from_term(const struct etf_term *, int64_t *id);

/* The reply form of an Entry: #{date, id, title} in OTP's key order. */
void	todo_put_entry(struct etf_buf *, int64_t id, struct todo_date,
	    const void *title, size_t title_len);

struct todo_entry {
	int64_t			id;
	struct todo_date	date;
	const uint8_t		*title;	/* points into the decoded term */
	size_t			title_len;
};
/* An Entry term as the daemon replies it (client side). 0 or -1. */
int	todo_entry_from_term(const struct etf_term *, struct todo_entry *);

#endif /* TODOD_TODO_TERM_H */
