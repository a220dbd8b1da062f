/*
 * listfile.h: the list file term, the book's %Todo.List{}:
 *   #{'__struct__' => 'Elixir.Todo.List', next_id => NextId,
 *     entries => #{Id => Entry}}
 */
#ifndef TODOD_LISTFILE_H
#define TODOD_LISTFILE_H

#include <stddef.h>
#include <stdint.h>

struct etf_buf;
struct etf_term;
struct todo_item;
struct todo_list;

/* Append the version byte and the list term. */
void	listfile_encode(struct etf_buf *, const struct todo_list *);
/* Append the list term alone (no version byte), e.g. inside a message. */
void	listfile_put(struct etf_buf *, const struct todo_list *);
/*
 * At least the bytes listfile_encode() writes for a list of n entries
 * whose titles and extra keys hold payload bytes (todolist_payload()):
 * what a list may grow to is checked against it.  Extra keys count as
 * they are held; written back they may grow a little (latin-1 atoms
 * become UTF-8), which only lists other programs wrote can have.
 */
#define LISTFILE_HEAD_MAX	128	/* the struct's keys and next_id */
#define LISTFILE_ENTRY_MAX	160	/* an entry's bytes beyond payload */
size_t	listfile_size_bound(size_t n, size_t payload);
/* Append one pair of the entries map, Id => Entry. */
void	listfile_put_pair(struct etf_buf *, const struct todo_item *);
/* Check one pair of the entries map as listfile_from_term does: NULL
 * with *it (pointing into the terms, its extra pairs into the buffer
 * extra, which is reset first), or why not (a static string). */
const char *listfile_entry_item(const struct etf_term *key,
	    const struct etf_term *entry, struct etf_buf *extra,
	    struct todo_item *it);
/*
 * The rules of the Todo.List map for the parsers that read a file one
 * term at a time (listfile_parse, ckstream.c), so that they agree:
 * its header (a map of three pairs), its keys (each of the three once,
 * nothing else), the values of __struct__ and next_id, the header of the
 * entries map.  Each returns NULL, or why not (a static string).
 */
#define LISTFILE_MAP_HDR	5	/* bytes of a map's tag and count */
enum listfile_field {
	LISTFILE_FIELD_STRUCT,
	LISTFILE_FIELD_NEXT_ID,
	LISTFILE_FIELD_ENTRIES
};
const char *listfile_struct_header(const uint8_t hdr[LISTFILE_MAP_HDR]);
/* *seen: the keys met so far (a bit each, updated). */
const char *listfile_field(const struct etf_term *, unsigned *seen,
	    enum listfile_field *);
const char *listfile_struct_value(const struct etf_term *);
const char *listfile_next_id_value(const struct etf_term *,
	    int64_t *next_id);
/* *n: the number of pairs. */
const char *listfile_entries_header(const uint8_t hdr[LISTFILE_MAP_HDR],
	    uint32_t *n);
/*
 * Build a list from a file's bytes (version byte first, not compressed:
 * store_parse inflates a compressed file first),
 * checked as listfile_from_term checks the term, decoding one entry at a
 * time: the term is never whole in memory.  NULL with *why if the bytes
 * are not a list file.
 */
struct todo_list *listfile_parse(const uint8_t *data, size_t len,
	    const char **why);
/* Build a list from a decoded term. NULL if the shape is wrong (and
 * *why says what was wrong, a static string). */
struct todo_list *listfile_from_term(const struct etf_term *,
	    const char **why);

#endif /* TODOD_LISTFILE_H */
