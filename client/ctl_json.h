/*
 * ctl_json.h: the JSON that todoctl --json prints (through jansson).
 *
 *   Entry   {"id":1,"date":"2018-12-19","title":"Dentist"}
 *   Date    "2018-12-19" (an Elixir.Date map anywhere in a term)
 *   Term    integers (beyond 64 bits: a string of decimal digits),
 *           floats, strings (binaries; atoms, except true and
 *           false, which are booleans, and nil, which is null), arrays
 *           (lists and tuples), objects (maps, keys as strings)
 *   Error   {"error":"not_found","message":"no such entry"}
 *
 * Printed compact, keys in the order above, UTF-8 kept as it is.
 */
#ifndef TODOD_CTL_JSON_H
#define TODOD_CTL_JSON_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "etf.h"
#include "todo_term.h"

/* A JSON string of s[0..len) (NUL kept); bytes that are not UTF-8 become
 * U+FFFD.  NULL only if out of memory. */
json_t	*cj_string(const void *s, size_t len);
json_t	*cj_date(struct todo_date);
json_t	*cj_entry(const struct todo_entry *);
json_t	*cj_term(const struct etf_term *);
json_t	*cj_error(const char *reason, const char *message);
/* Print v compact with a newline and release it. Returns 0 or -1. */
int	 cj_print(FILE *, json_t *v);
/* The errno of the last write cj_print() saw fail, or 0. */
extern int cj_write_errno;

#endif /* TODOD_CTL_JSON_H */
