/* ctl_text.c: safe, column-measured printing of titles and names. */
#include "config.h"

#include <langinfo.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "ctl_text.h"

static bool use_table = true;

/* Double-width ranges (East Asian Wide and Fullwidth, emoji). */
static const uint32_t wide[][2] = {
	{ 0x1100, 0x115f }, { 0x231a, 0x231b }, { 0x2329, 0x232a },
	{ 0x23e9, 0x23ec }, { 0x23f0, 0x23f0 }, { 0x23f3, 0x23f3 },
	{ 0x25fd, 0x25fe }, { 0x2614, 0x2615 }, { 0x2648, 0x2653 },
	{ 0x267f, 0x267f }, { 0x2693, 0x2693 }, { 0x26a1, 0x26a1 },
	{ 0x26aa, 0x26ab }, { 0x26bd, 0x26be }, { 0x26c4, 0x26c5 },
	{ 0x26ce, 0x26ce }, { 0x26d4, 0x26d4 }, { 0x26ea, 0x26ea },
	{ 0x26f2, 0x26f3 }, { 0x26f5, 0x26f5 }, { 0x26fa, 0x26fa },
	{ 0x26fd, 0x26fd }, { 0x2705, 0x2705 }, { 0x270a, 0x270b },
	{ 0x2728, 0x2728 }, { 0x274c, 0x274c }, { 0x274e, 0x274e },
	{ 0x2753, 0x2755 }, { 0x2757, 0x2757 }, { 0x2795, 0x2797 },
	{ 0x27b0, 0x27b0 }, { 0x27bf, 0x27bf }, { 0x2b1b, 0x2b1c },
	{ 0x2b50, 0x2b50 }, { 0x2b55, 0x2b55 }, { 0x2e80, 0x303e },
	{ 0x3041, 0x33ff }, { 0x3400, 0x4dbf }, { 0x4e00, 0x9fff },
	{ 0xa000, 0xa4cf }, { 0xa960, 0xa97f }, { 0xac00, 0xd7a3 },
	{ 0xf900, 0xfaff }, { 0xfe10, 0xfe19 }, { 0xfe30, 0xfe6f },
	{ 0xff00, 0xff60 }, { 0xffe0, 0xffe6 }, { 0x16fe0, 0x16fe4 },
	{ 0x17000, 0x18cff }, { 0x1b000, 0x1b2ff }, { 0x1f004, 0x1f004 },
	{ 0x1f0cf, 0x1f0cf }, { 0x1f18e, 0x1f18e }, { 0x1f191, 0x1f19a },
	{ 0x1f200, 0x1f202 }, { 0x1f210, 0x1f23b }, { 0x1f240, 0x1f248 },
	{ 0x1f250, 0x1f251 }, { 0x1f260, 0x1f265 }, { 0x1f300, 0x1f320 },
	{ 0x1f32d, 0x1f335 }, { 0x1f337, 0x1f37c }, { 0x1f37e, 0x1f393 },
	{ 0x1f3a0, 0x1f3ca }, { 0x1f3cf, 0x1f3d3 }, { 0x1f3e0, 0x1f3f0 },
	{ 0x1f3f4, 0x1f3f4 }, { 0x1f3f8, 0x1f43e }, { 0x1f440, 0x1f440 },
	{ 0x1f442, 0x1f4fc }, { 0x1f4ff, 0x1f53d }, { 0x1f54b, 0x1f54e },
	{ 0x1f550, 0x1f567 }, { 0x1f57a, 0x1f57a }, { 0x1f595, 0x1f596 },
	{ 0x1f5a4, 0x1f5a4 }, { 0x1f5fb, 0x1f64f }, { 0x1f680, 0x1f6c5 },
	{ 0x1f6cc, 0x1f6cc }, { 0x1f6d0, 0x1f6d2 }, { 0x1f6d5, 0x1f6d7 },
	{ 0x1f6dc, 0x1f6df }, { 0x1f6eb, 0x1f6ec }, { 0x1f6f4, 0x1f6fc },
	{ 0x1f7e0, 0x1f7eb }, { 0x1f7f0, 0x1f7f0 }, { 0x1f90c, 0x1f93a },
	{ 0x1f93c, 0x1f945 }, { 0x1f947, 0x1f9ff }, { 0x1fa70, 0x1faff },
	{ 0x20000, 0x2fffd }, { 0x30000, 0x3fffd }
};

/* Zero-width ranges (combining marks, joiners, variation selectors). */
static const uint32_t zero[][2] = {
	{ 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd },
	{ 0x0610, 0x061a }, { 0x064b, 0x065f }, { 0x0670, 0x0670 },
	{ 0x06d6, 0x06dc }, { 0x0900, 0x0902 }, { 0x093c, 0x093c },
	{ 0x0941, 0x0948 }, { 0x094d, 0x094d }, { 0x0e31, 0x0e31 },
	{ 0x0e34, 0x0e3a }, { 0x0e47, 0x0e4e }, { 0x1160, 0x11ff },
	{ 0x1ab0, 0x1aff }, { 0x1dc0, 0x1dff }, { 0x200b, 0x200d },
	{ 0x20d0, 0x20ff }, { 0x302a, 0x302d }, { 0x3099, 0x309a },
	{ 0xfe00, 0xfe0f }, { 0xfe20, 0xfe2f }, { 0xfeff, 0xfeff },
	{ 0x1f3fb, 0x1f3ff }, { 0xe0001, 0xe007f }, { 0xe0100, 0xe01ef }
};

static bool
in_ranges(uint32_t cp, const uint32_t (*r)[2], size_t n)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (cp < r[mid][0])
			hi = mid;
		else if (cp > r[mid][1])
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

void
text_init(void)
{
	const char *cs = nl_langinfo(CODESET);

	use_table = !(cs != NULL && (strcasecmp(cs, "UTF-8") == 0 ||
	    strcasecmp(cs, "utf8") == 0));
}

void
text_use_table(bool yes)
{
	use_table = yes;
}

int
text_cp_width_table(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return -1;
	if (in_ranges(cp, zero, sizeof(zero) / sizeof(zero[0])))
		return 0;
	if (in_ranges(cp, wide, sizeof(wide) / sizeof(wide[0])))
		return 2;
	return 1;
}

/* Decode one UTF-8 sequence (RFC 3629); its length, or 0 if invalid. */
static size_t
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t n, i;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2, c = s[0] & 0x1f, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3, c = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4, c = s[0] & 0x07, min = 0x10000;
	} else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

static bool
must_escape(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0x061c ||
	    cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * The rendering of one character: either text to print as it is (out
 * empty, the bytes themselves) or an escape written into out.  Returns
 * its width in columns.
 */
static int
render(uint32_t cp, bool valid, char out[16])
{
	int w;

	out[0] = '\0';
	if (!valid) {
		snprintf(out, 16, "\\x%02x", (unsigned)cp);
		return 4;
	}
	if (must_escape(cp)) {
		switch (cp) {
		case 0:
			return snprintf(out, 16, "\\0");
		case '\t':
			return snprintf(out, 16, "\\t");
		case '\n':
			return snprintf(out, 16, "\\n");
		case '\r':
			return snprintf(out, 16, "\\r");
		}
		if (cp < 0x80)
			return snprintf(out, 16, "\\x%02x", (unsigned)cp);
		return snprintf(out, 16, "\\u%04X", (unsigned)cp);
	}
	w = use_table ? text_cp_width_table(cp) : wcwidth((wchar_t)cp);
	if (w < 0)
		return snprintf(out, 16, cp > 0xffff ? "\\U%08X" : "\\u%04X",
		    (unsigned)cp);
	return w;
}

/* Walk s, printing to fp when fp is not NULL, up to maxw columns. */
static size_t
walk(FILE *fp, const unsigned char *s, size_t len, size_t maxw)
{
	const char *ell = use_table ? "..." : "\xe2\x80\xa6";
	size_t ellw = use_table ? 3 : 1;
	size_t i = 0, n, cols = 0, limit = 0;
	uint32_t cp;
	char esc[16];
	int w;

	if (maxw > 0 && walk(NULL, s, len, 0) <= maxw)
		maxw = 0;		/* it fits */
	if (maxw > 0)
		limit = maxw > ellw ? maxw - ellw : 0;
	while (i < len) {
		if ((n = utf8_decode(s + i, len - i, &cp)) == 0) {
			cp = s[i];
			n = 1;
			w = render(cp, false, esc);
		} else
			w = render(cp, true, esc);
		if (maxw > 0 && cols + (size_t)w > limit) {
			if (fp != NULL)
				fputs(ell, fp);
			return cols + ellw;
		}
		if (fp != NULL) {
			if (esc[0] != '\0')
				fputs(esc, fp);
			else
				fwrite(s + i, 1, n, fp);
		}
		cols += (size_t)w;
		i += n;
	}
	return cols;
}

size_t
text_width(const void *s, size_t len)
{
	return walk(NULL, s, len, 0);
}

size_t
text_print(FILE *fp, const void *s, size_t len, size_t maxw)
{
	return walk(fp, s, len, maxw);
}

void
text_pad(FILE *fp, size_t n)
{
	while (n-- > 0)
		putc(' ', fp);
}
