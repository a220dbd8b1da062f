/*
 * ctl_text.h: printing text from the daemon on a terminal: safely (control
 * characters, bidi controls and bad bytes escaped) and measured in
 * display columns, so tables stay aligned with wide (CJK, emoji) text.
 *
 * Escapes: \0 \t \n \r, \xHH for other C0 controls, DEL and bytes that are
 * not UTF-8, \uXXXX (\UXXXXXXXX) for C1 controls, bidi controls, line and
 * paragraph separators and characters the locale cannot print.
 */
#ifndef TODOD_CTL_TEXT_H
#define TODOD_CTL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Call after setlocale(): use wcwidth(3) in a UTF-8 locale, else the
 * built-in table. */
void	text_init(void);
/* Force the built-in table (true) or wcwidth (false), for tests. */
void	text_use_table(bool);
/* Columns of a code point by the built-in table: 0, 1 or 2; -1 for a
 * control character. */
int	text_cp_width_table(uint32_t cp);
/* Columns of the safe rendering of s[0..len). */
size_t	text_width(const void *s, size_t len);
/*
 * Print the safe rendering of s[0..len).  With maxw > 0, print at most
 * maxw columns: a longer text is cut and ends with an ellipsis.  Returns
 * the number of columns printed.
 */
size_t	text_print(FILE *, const void *s, size_t len, size_t maxw);
/* Print n spaces. */
void	text_pad(FILE *, size_t n);

#endif /* TODOD_CTL_TEXT_H */
