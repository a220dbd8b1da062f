/*
 * entryscan.h: one pair of a list file's entries map, Id => Entry, read
 * straight from its bytes when it has the canonical shape.
 */
#ifndef TODOD_ENTRYSCAN_H
#define TODOD_ENTRYSCAN_H

#include <stddef.h>
#include <stdint.h>

struct todo_item;

/*
 * If the bytes at *p (before end) are a pair as todod and Erlang write
 * it, with valid values, fill *it (its title pointing into the bytes),
 * advance *p past the pair and return 1.  Otherwise return 0 and leave
 * *p alone: the caller decodes the pair as terms, which gives the same
 * item for any pair this accepts, and says what is wrong with the rest.
 */
int	entryscan_pair(const uint8_t **p, const uint8_t *end,
	    struct todo_item *it);

#endif /* TODOD_ENTRYSCAN_H */
