/*
 * pathname.c: the names of a path, one at a time (see pathname.h).
 */
#include "config.h"

#include "pathname.h"

enum pathname_kind
pathname_next(const char **pos, struct pathname *name)
{
	const char *p = *pos;

	while (*p == '/')
		p++;
	name->p = p;
	while (*p != '\0' && *p != '/')
		p++;
	name->len = (size_t)(p - name->p);
	*pos = p;
	if (name->len == 0)
		return PATHNAME_END;
	if (name->p[0] != '.' || name->len > 2)
		return PATHNAME_NAME;
	if (name->len == 1)
		return PATHNAME_DOT;
	return name->p[1] == '.' ? PATHNAME_DOTDOT : PATHNAME_NAME;
}

int
pathname_at_end(const char *pos)
{
	struct pathname name;
	enum pathname_kind kind;

	while ((kind = pathname_next(&pos, &name)) == PATHNAME_DOT)
		;
	return kind == PATHNAME_END;
}
