/*
 * pathname.h: the names of a path, one at a time.
 *
 * The one place that splits a path into names and says what "." and
 * ".." are: the walk that checks a path (pathwalk.c) and the one that
 * makes it (datadir.c) both go through it, so that they read a path
 * the same way, and as the kernel does: slashes, repeated or trailing,
 * only separate names; "." is the directory the walk is in; ".." is
 * the one above it.
 */
#ifndef TODOD_PATHNAME_H
#define TODOD_PATHNAME_H

#include <stddef.h>

enum pathname_kind {
	PATHNAME_END,		/* no name left */
	PATHNAME_DOT,		/* "." */
	PATHNAME_DOTDOT,	/* ".." */
	PATHNAME_NAME		/* any other name */
};

struct pathname {
	const char	*p;	/* the name's first byte, in the path */
	size_t		 len;	/* its length (not NUL-terminated) */
};

/*
 * The next name of the path at *pos, the slashes before it skipped:
 * what kind of name it is, and where it is in *name.  *pos is moved to
 * the byte after it (a slash or the end).  At the end, PATHNAME_END and
 * *pos at the NUL.
 */
enum pathname_kind	pathname_next(const char **pos, struct pathname *name);

/* Whether no name but "." follows pos: pos is where the path ends. */
int	pathname_at_end(const char *pos);

#endif /* TODOD_PATHNAME_H */
