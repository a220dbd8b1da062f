/* names.c: list names <-> file names (todod-protocol(7), FILES). */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "etf.h"
#include "names.h"

static const char name_hex[] = "0123456789ABCDEF";

/* A byte that stands for itself in a file name. */
static bool
name_plain(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* Value of an uppercase hex digit, or -1 (lowercase is not canonical). */
static int
name_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t
name_file_len(const void *name, size_t len)
{
	const uint8_t *p = name;
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += name_plain(p[i]) ? 1 : 3;
	return n;
}

bool
name_valid(const void *name, size_t len)
{
	if (name == NULL || len < 1 || len > NAME_MAX_BYTES)
		return false;
	if (memchr(name, '\0', len) != NULL)
		return false;
	if (!utf8_valid(name, len))
		return false;
	return name_file_len(name, len) <= NAME_FILE_MAX;
}

int
name_to_file(const void *name, size_t len, char *out, size_t outsz)
{
	const uint8_t *p = name;
	size_t i, n = 0;

	if (!name_valid(name, len) || name_file_len(name, len) >= outsz)
		return -1;
	for (i = 0; i < len; i++) {
		if (name_plain(p[i]))
			out[n++] = (char)p[i];
		else {
			out[n++] = '%';
			out[n++] = name_hex[p[i] >> 4];
			out[n++] = name_hex[p[i] & 0x0f];
		}
	}
	out[n] = '\0';
	return (int)n;
}

int
name_from_file(const char *file, void *out, size_t outsz)
{
	uint8_t *o = out;
	size_t i, n = 0, flen;
	int hi, lo;
	uint8_t c;

	flen = strnlen(file, NAME_FILE_MAX + 1);
	if (flen < 1 || flen > NAME_FILE_MAX)
		return -1;
	for (i = 0; i < flen; ) {
		c = (uint8_t)file[i];
		if (name_plain(c)) {
			i++;
		} else if (c == '%' && i + 2 < flen &&
		    (hi = name_hexval(file[i + 1])) != -1 &&
		    (lo = name_hexval(file[i + 2])) != -1) {
			c = (uint8_t)(hi << 4 | lo);
			/* A plain byte written as %XX is not canonical. */
			if (name_plain(c))
				return -1;
			i += 3;
		} else
			return -1;
		if (n >= outsz)
			return -1;
		o[n++] = c;
	}
	if (!name_valid(o, n))
		return -1;
	return (int)n;
}

int
name_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}
