/* uidcount.c: open client connections counted by user (uidcount.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "uidcount.h"

void
uidcount_init(struct uidcount *u)
{
	u->v = NULL;
	u->len = u->cap = 0;
}

void
uidcount_free(struct uidcount *u)
{
	free(u->v);
	uidcount_init(u);
}

/* The index of uid's slot, or of the first slot of a greater uid. */
static size_t
uidcount_pos(const struct uidcount *u, uid_t uid)
{
	size_t i;

	for (i = 0; i < u->len && u->v[i].uid < uid; i++)
		;
	return i;
}

static struct uidcount_slot *
uidcount_find(const struct uidcount *u, uid_t uid)
{
	size_t i = uidcount_pos(u, uid);

	return i < u->len && u->v[i].uid == uid ? &u->v[i] : NULL;
}

int
uidcount_add(struct uidcount *u, uid_t uid, int max)
{
	struct uidcount_slot *s, *v;
	size_t cap, i;

	if ((s = uidcount_find(u, uid)) != NULL) {
		if ((max > 0 && s->n >= (uint32_t)max) || s->n == UINT32_MAX)
			return -1;
		s->n++;
		return 0;
	}
	if (u->len == u->cap) {
		cap = u->cap ? 2 * u->cap : 4;
		if ((v = reallocarray(u->v, cap, sizeof(*v))) == NULL)
			return -1;
		u->v = v;
		u->cap = cap;
	}
	i = uidcount_pos(u, uid);
	memmove(&u->v[i + 1], &u->v[i], (u->len - i) * sizeof(*u->v));
	u->v[i].uid = uid;
	u->v[i].n = 1;
	u->len++;
	return 0;
}

int
uidcount_remove(struct uidcount *u, uid_t uid)
{
	struct uidcount_slot *s;

	if ((s = uidcount_find(u, uid)) == NULL)
		return -1;
	if (--s->n == 0) {
		u->len--;
		memmove(s, s + 1, (size_t)(&u->v[u->len] - s) * sizeof(*s));
	}
	return 0;
}

uint32_t
uidcount_get(const struct uidcount *u, uid_t uid)
{
	const struct uidcount_slot *s = uidcount_find(u, uid);

	return s != NULL ? s->n : 0;
}
