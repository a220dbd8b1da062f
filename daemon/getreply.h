/*
 * getreply.h: a database worker's answer to {get, Name}, as a list.
 *
 * The answers (worker.h):
 *   not_found                   no file, nothing journaled: an empty list
 *   {file, Size} +fd            the file itself, open (the common case:
 *                               decoded once, here, from a mapping)
 *   {ok, FileBytes}             the file as it is on disk, a binary (the
 *                               same, when the descriptor could not go)
 *   {ok, ListTerm}              a list the worker built (its journaled
 *                               ops applied)
 *   {ok, ListTerm | nil, [Op]}  the file's list (nil: none) and the ops
 *                               journaled since, to replay in order
 *   {error, Reason}
 */
#ifndef TODOD_GETREPLY_H
#define TODOD_GETREPLY_H

#include <stddef.h>

struct etf_arena;
struct etf_term;
struct todo_list;

#define GETREPLY_OK	0	/* *out set */
#define GETREPLY_ERROR	1	/* the list cannot be loaded: *why */
#define GETREPLY_CORRUPT 2	/* the file is not a list file: *why */
#define GETREPLY_BAD	3	/* not an answer to a get */
#define GETREPLY_FAULT	4	/* the file was cut short while it was
				 * read (*why): what was built of the
				 * list is lost, not freed */

/*
 * The list of an answer.  A binary is decoded in the arena (not reset;
 * the caller resets it when the result is used), at most max_file bytes
 * once inflated.  *why is a static string or the atom of an error.
 */
int	getreply_list(struct etf_arena *, const struct etf_term *,
	    size_t max_file, struct todo_list **out, const char **why);
/* The list of {file, Size} and its descriptor fd (the caller closes
 * it), as getreply_list; a file of more than max_size bytes is refused
 * (efbig).  The file is mapped; SIGBUS is caught while the mapping is
 * read (GETREPLY_FAULT). */
int	getreply_file(struct etf_arena *, const struct etf_term *, int fd,
	    size_t max_size, size_t max_file, struct todo_list **out,
	    const char **why);

#ifdef TODOD_FAULTS
/* Test-only: called with the descriptor once the file is mapped. */
extern void	(*getreply_fault_mapped)(int);
#endif

#endif /* TODOD_GETREPLY_H */
