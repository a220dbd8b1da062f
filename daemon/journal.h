/*
 * journal.h: the append-only journal of a database worker.
 *
 * Each worker journals the changes of its lists so that one sync covers
 * the changes of every list that arrived together; the list files are
 * then written from time to time as checkpoints.  The journal is a
 * sequence of generations, dot-files in the data directory:
 *
 *   .journal-w<index>-<gen>     (gen: 1, 2, ... in decimal), mode 0600
 *
 * A file is a sequence of records:
 *
 *   4 bytes   payload length L, big-endian, 1..max
 *   4 bytes   CRC-32 (zlib's crc32) of the payload, big-endian
 *   L bytes   payload: the ETF of {Name, Seq, Body}
 *
 * where Name is a list's name (a binary), Seq an integer >= 0, and Body:
 *
 *   [Op, ...]           ops of Name (listops.h), journaled with Seq
 *   []                  Seq is the last Seq of Name (0: none is known)
 *   {file, Len, Crc}    the file of Name is about to be replaced by Len
 *                       bytes of CRC-32 Crc, which hold every op of Name
 *                       journaled before this record; Seq as for []
 *
 * Reading a file stops at the first record that is cut short, fails its
 * CRC, or does not decode to that shape: a crash during a write leaves
 * such a tail, and nothing in it was ever acknowledged.  A header with
 * L = 0 and JOURNAL_SEAL in place of the CRC ends a file on purpose (see
 * journal_write()): what follows it was made void.  Any other header
 * with L = 0 ends the reading too, but a valid record after it is
 * damage (zeros where a record's header was), and the file is kept.
 *
 * With sync, a file is allocated ahead of its records, JOURNAL_PREALLOC
 * bytes at a time, by writing zeros: a record then goes into blocks
 * that are already the file's, written and synced, and the fdatasync
 * that makes it durable has only the data to write, no new block, file
 * size or extent state to commit, except once every JOURNAL_PREALLOC,
 * when the next zeros are written with the records and synced with
 * them (a record past the synced zeros, in a new file or a round larger
 * than the room ahead, waits for a sync of its own zeros first).
 *
 * Space from fallocate(2) would not do: ext4 marks it unwritten, and the
 * first write into each of its blocks is a change of metadata that the
 * fdatasync commits to the file system's own journal, a commit of 1 to 4
 * ms every 4 KiB of records.  And when that journal is aborted during
 * the fdatasync, by an I/O error or a shutdown, Linux 6.18 can return 0
 * for a commit that never reached the disk: the records then read back
 * as zeros (tests/fault/powercut).
 *
 * The zeros read as the end, as a record with L = 0; a file whose bytes
 * after the last record are all zeros ends cleanly.
 */
#ifndef TODOD_JOURNAL_H
#define TODOD_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct etf_arena;
struct etf_buf;
struct etf_term;
struct journal;

#define JOURNAL_PREFIX		".journal-w"
#define JOURNAL_NAME_BUFSZ	48
/* A journal found damaged inside is kept (a hard link) under this prefix
 * and the same "<index>-<gen>", then ".1", ".2" ... if that name holds
 * another file (up to JOURNAL_DAMAGED_MAX names); nothing reads it. */
#define JOURNAL_DAMAGED_PREFIX	".damaged-journal-w"
#define JOURNAL_DAMAGED_MAX	100
/* How far past an invalid record whose length does not fit a reader
 * looks for a valid one (which makes it damage, not a record cut short
 * by a crash). */
#define JOURNAL_RESYNC		(4 * 1024 * 1024)
#define JOURNAL_HDR		8
/* The CRC field of the header that seals a file ("SEAL"). */
#define JOURNAL_SEAL		0x5345414cu
#define JOURNAL_PREALLOC	(1024 * 1024)
/* Zeros are written from one buffer of this size, repeated. */
#define JOURNAL_ZERO_CHUNK	(64 * 1024)

/* What journal_write() and journal_sync() leave behind after a failure. */
enum journal_state {
	JOURNAL_USABLE,		/* the failed bytes are gone: go on */
	JOURNAL_SEALED,		/* they are void, the file takes no more
				   records: start a new generation */
	JOURNAL_BROKEN		/* they could not be made void */
};

enum journal_kind {
	JOURNAL_OPS,		/* [Op, ...] */
	JOURNAL_SEQ,		/* [] */
	JOURNAL_FILE		/* {file, Len, Crc} */
};

/* A record read back (valid during the callback only). */
struct journal_rec {
	uint64_t		 gen;
	uint64_t		 off;		/* of its header in the file */
	uint32_t		 len;		/* of its payload */
	const uint8_t		*name;
	size_t			 namelen;
	int64_t			 seq;
	enum journal_kind	 kind;
	const struct etf_term	*ops;		/* JOURNAL_OPS: the list */
	uint64_t		 flen;		/* JOURNAL_FILE */
	uint32_t		 fcrc;
};

/* ".journal-w<index>-<gen>" into buf[JOURNAL_NAME_BUFSZ]. */
void	journal_file_name(char *buf, size_t bufsz, int index, uint64_t gen);

/*
 * Create generation gen (it must not exist) and open it for appending.
 * With sync the directory is synced so that the file itself survives a
 * crash.  Every sync call made (fdatasync, fsync) is counted in *syncs.
 * NULL with errno on failure.
 */
struct journal	*journal_create(int dirfd, int index, uint64_t gen, bool sync,
		    uint64_t *syncs);
/* Close; the file stays.  journal_close_remove() also removes it. */
void		 journal_close(struct journal *);
int		 journal_close_remove(struct journal *);
uint64_t	 journal_gen(const struct journal *);
uint64_t	 journal_size(const struct journal *);	/* valid bytes */
uint64_t	 journal_allocated(const struct journal *); /* file bytes */
enum journal_state journal_state(const struct journal *);

/*
 * Append records (whole ones, as journal_put_*() made them) with one
 * write.  0, or -1 with errno: then the bytes of this write are made
 * void before return (the file is cut back to its length before the
 * write; with sync that cut is synced; if it cannot be, a record with
 * L = 0 and JOURNAL_SEAL is written and synced where the write began
 * and the journal is
 * SEALED; if that fails too it is BROKEN).  If it failed syncing the
 * zeros it needed first, nothing of it was written, and every byte
 * written since the last successful sync is made void, as by
 * journal_sync().
 */
int	journal_write(struct journal *, const void *, size_t);
/* fdatasync (nothing without sync).  0, or -1 with errno: every byte
 * written since the last successful sync is made void as above. */
int	journal_sync(struct journal *);
/* Everything written is durable by other means (syncfs). */
void	journal_synced(struct journal *);
/* Whether the journal's file is still in the data directory: synced into
 * one removed (with the directory, say), a change is on no disk a start
 * would read.  0 is logged. */
int	journal_linked(struct journal *);

/* Records, appended to out.  body: one ETF term without version byte. */
void	journal_put_rec(struct etf_buf *out, const void *name, size_t len,
	    int64_t seq, const void *body, size_t bodylen);
void	journal_put_seq(struct etf_buf *out, const void *name, size_t len,
	    int64_t seq);
void	journal_put_file(struct etf_buf *out, const void *name, size_t len,
	    int64_t seq, uint64_t flen, uint32_t fcrc);

/* The generations of worker index on disk, ascending: a malloc'ed
 * array (free it) of *n.  0, -1 with errno, or JOURNAL_NOT_FILE
 * (logged): an entry of a journal's name is not a regular file. */
#define JOURNAL_NOT_FILE	(-2)
int	journal_list(int dirfd, int index, uint64_t **gens, size_t *n);
/*
 * Read generation gen: cb for each valid record in order (arena reset
 * between records), until the end or the first invalid record (logged).
 * Records longer than max are invalid.  *valid: the bytes of valid
 * records.  0; -1 with errno if the file cannot be read; or what cb
 * returned if it was not 0 (reading stops).
 */
int	journal_read(int dirfd, int index, uint64_t gen, size_t max,
	    struct etf_arena *, int (*cb)(void *, const struct journal_rec *),
	    void *arg, uint64_t *valid);
/*
 * Whether the data directory holds a journal of a worker index that
 * nworkers workers do not have (written with a larger --workers, and
 * left by a crash) with a change in it (records longer than max are
 * invalid): 1 with its file name in name, 0, or -1 with errno (and in
 * name the journal that could not be read, or "" if the directory could
 * not).  No worker would read it.  An entry of such a name that is not
 * a regular file (it may stand for a journal: a link) is named too.
 */
int	journal_beyond(int dirfd, int nworkers, size_t max, char *name,
	    size_t namesz);
/* Remove generation gen.  0, or -1 with errno (ENOENT is success). */
int	journal_remove(int dirfd, int index, uint64_t gen);

#endif /* TODOD_JOURNAL_H */
