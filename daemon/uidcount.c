/* uidcount.c: open client connections counted by user (uidcount.h). */
#include "config.h"

#include <stdlib.h>

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

static struct uidcount_slot *
uidcount_find(const struct uidcount *u, uid_t uid)
{
	size_t i;

	for (i = 0; i < u->len; i++)
		if (u->v[i].uid == uid)
			return &u->v[i];
	return NULL;
}

int
uidcount_add(struct uidcount *u, uid_t uid, int max)
{
	struct uidcount_slot *s, *v;
	size_t cap;

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
	u->v[u->len].uid = uid;
	u->v[u->len++].n = 1;
	return 0;
}

int
uidcount_remove(struct uidcount *u, uid_t uid)
{
	struct uidcount_slot *s;

	if ((s = uidcount_find(u, uid)) == NULL)
		return -1;
	if (--s->n == 0)
		*s = u->v[--u->len];
	return 0;
}

uint32_t
uidcount_get(const struct uidcount *u, uid_t uid)
{
	const struct uidcount_slot *s = uidcount_find(u, uid);

	return s != NULL ? s->n : 0;
}
