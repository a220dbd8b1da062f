/* utf8.c: UTF-8 validation (RFC 3629). */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "etf.h"
#include "etf_priv.h"

/*
 * Length of the valid sequence at p[0..n), n > 0, or 0 if it is not one:
 * no overlong forms, no surrogates, nothing above U+10FFFF.
 */
static size_t
utf8_seq(const uint8_t *p, size_t n)
{
	uint8_t c = p[0];

	if (c < 0x80)
		return 1;
	if (c < 0xc2)		/* continuation byte, or overlong C0/C1 */
		return 0;
	if (c < 0xe0) {
		if (n < 2 || (p[1] & 0xc0) != 0x80)
			return 0;
		return 2;
	}
	if (c < 0xf0) {
		if (n < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && p[1] < 0xa0)		/* overlong */
			return 0;
		if (c == 0xed && p[1] >= 0xa0)		/* surrogate */
			return 0;
		return 3;
	}
	if (c < 0xf5) {
		if (n < 4 || (p[1] & 0xc0) != 0x80 ||
		    (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && p[1] < 0x90)		/* overlong */
			return 0;
		if (c == 0xf4 && p[1] >= 0x90)		/* > U+10FFFF */
			return 0;
		return 4;
	}
	return 0;
}

/* Number of code points of valid UTF-8, or -1. */
ssize_t
utf8_count(const void *s, size_t len)
{
	const uint8_t *p = s;
	size_t i = 0, k, count = 0;
	uint64_t w;

	while (i < len) {
		/* ASCII runs, eight bytes at a time. */
		while (len - i >= 8) {
			memcpy(&w, p + i, 8);
			if (w & UINT64_C(0x8080808080808080))
				break;
			i += 8;
			count += 8;
		}
		if (i == len)
			break;
		if (p[i] < 0x80) {
			i++;
			count++;
			continue;
		}
		if ((k = utf8_seq(p + i, len - i)) == 0)
			return -1;
		i += k;
		count++;
	}
	return (ssize_t)count;
}

bool
utf8_valid(const void *s, size_t len)
{
	return utf8_count(s, len) >= 0;
}

size_t
utf8_whole_len(const void *s, size_t len)
{
	const uint8_t *p = s;
	size_t i = len, need;

	/* Back over up to 3 continuation bytes to the lead byte. */
	while (i > 0 && len - i < 3 && (p[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0 || p[i - 1] < 0xc0)
		return len;
	need = p[i - 1] >= 0xf0 ? 4 : p[i - 1] >= 0xe0 ? 3 : 2;
	return len - (i - 1) < need ? i - 1 : len;
}
