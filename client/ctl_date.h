/* ctl_date.h: the dates todoctl accepts. */
#ifndef TODOD_CTL_DATE_H
#define TODOD_CTL_DATE_H

#include <stddef.h>
#include <time.h>

#include "todo_term.h"

/*
 * YYYY-MM-DD or YYYY/MM/DD (a four-digit year, a one- or two-digit month
 * and day, one separator used twice), a real calendar date.  len bytes of
 * s, no NUL needed.  Returns 0, or -1 if it is not such a date.
 */
int	ctl_date_parse_abs(const char *s, size_t len, struct todo_date *);
/* The command-line forms: the above, or today, tomorrow, yesterday (any
 * case) in local time at `now`.  Returns 0 or -1. */
int	ctl_date_parse(const char *s, time_t now, struct todo_date *);

#endif /* TODOD_CTL_DATE_H */
