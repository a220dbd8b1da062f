/* test_ctl_text.c: display width and safe printing of titles. */
#include "config.h"

#include <check.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_text.h"
#include "../ckrun.h"

static const struct {
	uint32_t	cp;
	int		width;
} cp_vec[] = {
	{ 'a', 1 }, { ' ', 1 }, { 0x00e9, 1 }, { 0x0416, 1 },
	{ 0x3042, 2 }, { 0x65e5, 2 }, { 0xac00, 2 }, { 0xff21, 2 },
	{ 0x1f600, 2 }, { 0x1f680, 2 }, { 0x20000, 2 }, { 0x2b50, 2 },
	{ 0x0301, 0 }, { 0x200d, 0 }, { 0xfe0f, 0 }, { 0x1f3fb, 0 },
	{ 0x0000, -1 }, { 0x001b, -1 }, { 0x007f, -1 }, { 0x0085, -1 },
};

START_TEST(test_cp_width)
{
	ck_assert_int_eq(text_cp_width_table(cp_vec[_i].cp), cp_vec[_i].width);
}
END_TEST

/* The rendering and its width, by the built-in table. */
static const struct {
	const char	*in;
	size_t		 len;		/* 0: strlen */
	const char	*out;
	size_t		 width;
} render_vec[] = {
	{ "Dentist", 0, "Dentist", 7 },
	{ "日本語", 0, "日本語", 6 },
	{ "😀 ok", 0, "😀 ok", 5 },
	{ "e\xcc\x81t\xc3\xa9", 0, "e\xcc\x81t\xc3\xa9", 3 },
	{ "a\nb", 0, "a\\nb", 4 },
	{ "a\tb\r", 0, "a\\tb\\r", 6 },
	{ "a\0b", 3, "a\\0b", 4 },
	{ "\x1b[31mred", 0, "\\x1b[31mred", 11 },
	{ "del\x7f", 0, "del\\x7f", 7 },
	{ "\xc2\x85", 0, "\\u0085", 6 },
	{ "x\xe2\x80\xaey", 0, "x\\u202Ey", 8 },
	{ "\xe2\x80\xa8", 0, "\\u2028", 6 },
	{ "bad\xff", 0, "bad\\xff", 7 },
	{ "\xc0\xaf", 0, "\\xc0\\xaf", 8 },
	{ "back\\slash", 0, "back\\slash", 10 },
};

static char *
rendered(const char *in, size_t len, size_t maxw, size_t *width)
{
	char *out = NULL;
	size_t outlen = 0;
	FILE *fp;

	fp = open_memstream(&out, &outlen);
	*width = text_print(fp, in, len, maxw);
	fclose(fp);
	return out;
}

START_TEST(test_render)
{
	size_t len = render_vec[_i].len ? render_vec[_i].len :
	    strlen(render_vec[_i].in);
	size_t w;
	char *out;

	text_use_table(true);
	out = rendered(render_vec[_i].in, len, 0, &w);
	ck_assert_str_eq(out, render_vec[_i].out);
	ck_assert_uint_eq(w, render_vec[_i].width);
	ck_assert_uint_eq(text_width(render_vec[_i].in, len),
	    render_vec[_i].width);
	free(out);
}
END_TEST

/* Cutting to a number of columns, by the built-in table ("..."). */
static const struct {
	const char	*in;
	size_t		 maxw;
	const char	*out;
	size_t		 width;
} cut_vec[] = {
	{ "abcdefghij", 20, "abcdefghij", 10 },
	{ "abcdefghij", 10, "abcdefghij", 10 },
	{ "abcdefghij", 9, "abcdef...", 9 },
	{ "abcdefghij", 5, "ab...", 5 },
	{ "日本語テキスト", 14, "日本語テキスト", 14 },
	{ "日本語テキスト", 8, "日本...", 7 },
	{ "日本語テキスト", 7, "日本...", 7 },
	{ "a\nbcdef", 6, "a\\n...", 6 },
};

START_TEST(test_cut)
{
	size_t w;
	char *out;

	text_use_table(true);
	out = rendered(cut_vec[_i].in, strlen(cut_vec[_i].in),
	    cut_vec[_i].maxw, &w);
	ck_assert_str_eq(out, cut_vec[_i].out);
	ck_assert_uint_eq(w, cut_vec[_i].width);
	ck_assert_uint_le(w, cut_vec[_i].maxw);
	free(out);
}
END_TEST

/* wcwidth(3) in a UTF-8 locale: the same widths for the usual text, and
 * a one-column ellipsis. */
START_TEST(test_wcwidth)
{
	size_t w;
	char *out;

	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		return;		/* no such locale here: nothing to compare */
	text_init();
	ck_assert_uint_eq(text_width("日本語", strlen("日本語")), 6);
	ck_assert_uint_eq(text_width("😀", strlen("😀")), 2);
	ck_assert_uint_eq(text_width("e\xcc\x81", 3), 1);
	ck_assert_uint_eq(text_width("a\nb", 3), 4);
	out = rendered("abcdefghij", 10, 5, &w);
	ck_assert_str_eq(out, "abcd\xe2\x80\xa6");
	ck_assert_uint_eq(w, 5);
	free(out);
	out = rendered("日本語テキスト", strlen("日本語テキスト"), 8, &w);
	ck_assert_str_eq(out, "日本語\xe2\x80\xa6");
	ck_assert_uint_eq(w, 7);
	free(out);
	setlocale(LC_ALL, "C");
	text_init();
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("ctl_text");
	TCase *tc = tcase_create("width");

	tcase_add_loop_test(tc, test_cp_width, 0,
	    sizeof(cp_vec) / sizeof(cp_vec[0]));
	tcase_add_loop_test(tc, test_render, 0,
	    sizeof(render_vec) / sizeof(render_vec[0]));
	tcase_add_loop_test(tc, test_cut, 0,
	    sizeof(cut_vec) / sizeof(cut_vec[0]));
	tcase_add_test(tc, test_wcwidth);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(suite());
}
