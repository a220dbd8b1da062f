/* storage_test.h: helpers shared by the storage tests. */
#ifndef TODOD_STORAGE_TEST_H
#define TODOD_STORAGE_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "todo_term.h"

struct todo_list;

/* A fresh private directory (removed by st_rmtree). */
char		*st_tmpdir(void);
void		 st_rmtree(const char *path);
/* Number of entries of a directory whose names begin with prefix ("" for
 * all), "." and ".." aside. */
int		 st_count_entries(int dirfd, const char *prefix);
/* Number of our temporary files (".tmp-...") in a directory. */
int		 st_count_temps(int dirfd);
/* Whole file (malloc'ed), or NULL. */
uint8_t		*st_read_file(int dirfd, const char *file, size_t *len);
int		 st_write_file(int dirfd, const char *file, const void *,
		    size_t);
/* The book's list: Dentist (12-19), Shopping (12-20), Movies (12-19). */
struct todo_list *st_book_list(void);
/* A list of n entries with titles "<tag> <i>", its content tied to tag. */
struct todo_list *st_list_n(int n, const char *tag);
/* Same entries (ids, dates, titles, extras) and next_id. */
bool		 st_list_equal(const struct todo_list *,
		    const struct todo_list *);
/* Encode a list into a malloc'ed buffer (version byte first). */
uint8_t		*st_encode(const struct todo_list *, size_t *len);
/* The ETF etf[0..len) (version byte first) as term_to_binary(T,
 * [compressed]) writes it, malloc'ed, or NULL. */
uint8_t		*st_compress(const uint8_t *etf, size_t len, size_t *zlen);
/* Path of a program on $PATH, or NULL. */
bool		 st_have_program(const char *name);

#endif /* TODOD_STORAGE_TEST_H */
