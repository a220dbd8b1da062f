/*
 * testutil.h: helpers for the proto tests: hex, and a small prefix
 * notation for terms shared with the Erlang side of the tests:
 *
 *   i<decimal>   integer          f<16 hex>  float (IEEE bits)
 *   a<hex>       atom (UTF-8)     b<hex>     binary
 *   t<n> ...     tuple of n terms l<n> ...   list of n terms
 *   m<n> ...     map of n key, value pairs
 *
 * tokens separated by single spaces.
 */
#ifndef TODOD_TESTUTIL_H
#define TODOD_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "etf.h"

/* Hex text to bytes; returns the length, or -1. *out is malloc'd. */
long		 hex_decode(const char *, uint8_t **out);
/* Bytes to hex text, malloc'd. */
char		*hex_encode(const uint8_t *, size_t);
/* Notation to a term in the arena; NULL on a syntax error. */
struct etf_term	*note_parse(struct etf_arena *, const char *);
/* Term to notation, malloc'd. */
char		*note_format(const struct etf_term *);
/* Whole file, NUL-terminated, malloc'd; NULL on error. */
char		*slurp(const char *path, size_t *len);
/* $TOP_SRCDIR/rel, or rel relative to the source tree guess; static. */
const char	*srcpath(const char *rel);

#endif /* TODOD_TESTUTIL_H */
