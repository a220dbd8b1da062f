/*
 * names.h: list names and their file names (todod-protocol(7), FILES).
 *
 * A Name is 1..255 bytes of valid UTF-8 without NUL whose file name is at
 * most 255 bytes.  Its file name keeps [A-Za-z0-9_-] as they are and
 * writes every other byte as %XX (uppercase hex), so a file name never
 * holds '/', never begins with '.', and "." and ".." cannot occur.  The
 * mapping is a bijection between valid Names and canonical file names:
 * name_from_file() refuses any other spelling (lowercase hex, %41 for a
 * plain 'A', a stray '%', a dot-file, the encoding of an invalid Name).
 */
#ifndef TODOD_NAMES_H
#define TODOD_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#define NAME_MAX_BYTES		255	/* longest Name */
#define NAME_FILE_MAX		255	/* longest file name of a Name */
/* A buffer that holds any file name of a Name and its NUL. */
#define NAME_FILE_BUFSZ		(NAME_FILE_MAX + 1)

/* Length of the file name of name[0..len), whether or not it is valid. */
size_t	name_file_len(const void *name, size_t len);
/* The bytewise order of two Names (a prefix first): <0, 0 or >0. */
int	name_cmp(const void *a, size_t alen, const void *b, size_t blen);
/* A valid Name (including the length of its file name). */
bool	name_valid(const void *name, size_t len);
/*
 * Write the file name of a valid Name and a NUL into out[0..outsz).
 * Returns its length, or -1 if the Name is invalid or out is too small.
 */
int	name_to_file(const void *name, size_t len, char *out, size_t outsz);
/*
 * Decode a file name into out[0..outsz) (no NUL added).  Returns the
 * Name's length, or -1 if file is not the canonical file name of a valid
 * Name or the Name does not fit.
 */
int	name_from_file(const char *file, void *out, size_t outsz);

#endif /* TODOD_NAMES_H */
