/*
 * ctl_csv.h: the CSV that todoctl imports and exports.
 *
 * A record is DATE,TITLE ending with LF or CRLF (or the end of the file).
 * DATE is YYYY-MM-DD or YYYY/MM/DD (spaces and tabs around it ignored).
 * Either field may be quoted as in RFC 4180: "..." with "" for a quote,
 * holding commas, quotes, CR and LF.  An unquoted TITLE is the rest of
 * the line as it is (commas and quotes included), so the book's files
 * (2018/12/19,Dentist) read as they are.  Empty lines and a UTF-8 byte
 * order mark at the start are skipped.  Export quotes a title that holds
 * a comma, a quote, CR, LF or NUL, or starts with a space or tab.
 */
#ifndef TODOD_CTL_CSV_H
#define TODOD_CTL_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "todo_term.h"

enum csv_err {
	CSV_OK = 0,
	CSV_ENOCOMMA,		/* no comma after the date */
	CSV_EDATE,		/* not a date */
	CSV_EQUOTE,		/* a quoted field without its closing quote */
	CSV_EJUNK,		/* characters after a closing quote */
	CSV_EEMPTY,		/* empty title */
	CSV_ELONG,		/* title over TODO_TITLE_MAX bytes */
	CSV_EUTF8,		/* title is not valid UTF-8 */
	CSV_ECR			/* a CR inside an unquoted title */
};

struct csv_reader {
	char	*buf;		/* parsed in place: quoted fields are
				   unescaped into the buffer */
	size_t	 len;
	size_t	 pos;
	size_t	 line;		/* line number at pos, from 1 */
};

struct csv_rec {
	struct todo_date date;
	char		*title;	/* points into the reader's buffer */
	size_t		 title_len;
	size_t		 line;	/* the line the record starts on */
};

void		 csv_init(struct csv_reader *, char *buf, size_t len);
/* 1 and a record, 0 at the end, or -1 with *err set and rec->line the
 * line the bad record starts on. */
int		 csv_next(struct csv_reader *, struct csv_rec *, int *err);
const char	*csv_strerror(int err);

bool		 csv_title_needs_quotes(const void *title, size_t len);
/* Write DATE,TITLE and LF. Returns 0, or -1 on a write error. */
int		 csv_write(FILE *, struct todo_date, const void *title,
		    size_t len);

#endif /* TODOD_CTL_CSV_H */
