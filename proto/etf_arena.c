/*
 * etf_arena.c: a bump allocator for decoded terms.
 *
 * Memory comes in blocks that grow geometrically; an allocation too big for
 * a normal block gets a block of its own.  Reset keeps one modest block so
 * that an arena reused per message usually allocates nothing at all.
 */
#include "config.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>

#include "etf.h"

#define ARENA_FIRST	4096		/* first block */
#define ARENA_GROW_MAX	(1024 * 1024)	/* normal blocks stop growing here */
#define ARENA_KEEP_MAX	(256 * 1024)	/* largest block kept by reset */

struct arena_block {
	struct arena_block	*next;
	size_t			 size;	/* bytes in data[] */
	size_t			 used;
	alignas(max_align_t) unsigned char data[];
};

struct etf_arena {
	struct arena_block	*cur;	/* bump from here; the list of all */
	size_t			 next;	/* size of the next normal block */
	size_t			 bytes;	/* handed out since the last reset */
};

struct etf_arena *
etf_arena_new(void)
{
	struct etf_arena *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->next = ARENA_FIRST;
	return a;
}

static struct arena_block *
block_new(size_t size)
{
	struct arena_block *b;

	if (size > SIZE_MAX - sizeof(*b))
		return NULL;
	if ((b = malloc(sizeof(*b) + size)) == NULL)
		return NULL;
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

void *
etf_arena_alloc(struct etf_arena *a, size_t n)
{
	struct arena_block *b;
	void *p;

	if (n > SIZE_MAX / 2)
		return NULL;
	n = (n + 7) & ~(size_t)7;
	if (n == 0)
		n = 8;
	b = a->cur;
	if (b != NULL && b->size - b->used >= n) {
		p = b->data + b->used;
		b->used += n;
		a->bytes += n;
		return p;
	}
	if (n > a->next / 4) {
		/* A big one: a block of its own, behind the current one. */
		if ((b = block_new(n)) == NULL)
			return NULL;
		b->used = n;
		if (a->cur == NULL)
			a->cur = b;
		else {
			b->next = a->cur->next;
			a->cur->next = b;
		}
		a->bytes += n;
		return b->data;
	}
	if ((b = block_new(a->next)) == NULL)
		return NULL;
	if (a->next < ARENA_GROW_MAX)
		a->next *= 2;
	b->next = a->cur;
	a->cur = b;
	b->used = n;
	a->bytes += n;
	return b->data;
}

void
etf_arena_reset(struct etf_arena *a)
{
	struct arena_block *b, *next, *keep = NULL;

	for (b = a->cur; b != NULL; b = b->next)
		if (b->size <= ARENA_KEEP_MAX &&
		    (keep == NULL || b->size > keep->size))
			keep = b;
	for (b = a->cur; b != NULL; b = next) {
		next = b->next;
		if (b != keep)
			free(b);
	}
	if (keep != NULL) {
		keep->next = NULL;
		keep->used = 0;
	}
	a->cur = keep;
	a->bytes = 0;
}

void
etf_arena_free(struct etf_arena *a)
{
	struct arena_block *b, *next;

	if (a == NULL)
		return;
	for (b = a->cur; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

size_t
etf_arena_bytes(const struct etf_arena *a)
{
	return a->bytes;
}
