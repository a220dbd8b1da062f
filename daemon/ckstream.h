/*
 * ckstream.h: a checkpoint that streams a list's file.
 *
 * A database worker checkpoints a large list by reading its old file a
 * chunk at a time and writing the new one as it goes: an entry that the
 * journaled ops leave alone is copied byte for byte, a changed one is
 * written anew, a deleted one is left out and new ones are appended.  The
 * list is never whole in memory (the plain checkpoint decodes the file
 * into a list, replays the ops on it and encodes it all), so a checkpoint
 * of a list of a million entries costs a few hundred kilobytes.
 *
 * The ops are first folded into one change per id, with the meaning of
 * the worker's lenient replay (a replay over a file that may hold some of
 * them already): an add sets the entry whether or not the file has it;
 * an update or a delete of an id that the file lacks does nothing.
 *
 * The old file is checked as strictly as listfile_from_term checks it.
 * Only a file whose entry ids ascend (as todod writes them) streams; any
 * other (compressed, or written in OTP's hash order) is CKSTREAM_FALLBACK
 * and is checkpointed the plain way.
 */
#ifndef TODOD_CKSTREAM_H
#define TODOD_CKSTREAM_H

#include <stddef.h>
#include <stdint.h>

struct ckstream;
struct listop;
struct store_tmp;

#define CKSTREAM_OK		0	/* the new file is written */
#define CKSTREAM_FALLBACK	1	/* use the plain checkpoint */
#define CKSTREAM_CORRUPT	2	/* not a list file: *why */
#define CKSTREAM_ERR		(-1)	/* errno (EFBIG: too large) */

struct ckstream	*ckstream_new(void);
void		 ckstream_free(struct ckstream *);
/* Fold in the next journaled op.  0, or -1 (no memory). */
int		 ckstream_op(struct ckstream *, const struct listop *);

/*
 * Write the new file of the list (name, len) from the old file open on
 * in_fd (-1: there is none) and the ops, into a temporary file (store.h; written, not
 * synced), at most max_file bytes.  CKSTREAM_OK with *st, its length and
 * CRC-32; otherwise nothing is left behind.
 */
int		 ckstream_run(struct ckstream *, int in_fd, int dirfd,
		    const char *tag, const void *name, size_t len,
		    size_t max_file, struct store_tmp *st, uint32_t *crc,
		    const char **why);

#endif /* TODOD_CKSTREAM_H */
