/* journal.c: journal files of a database worker: records, writes, reads. */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "etf.h"
#include "journal.h"
#include "log.h"
#include "lograte.h"
#include "names.h"
#include "store.h"
#include "store_fault.h"

struct journal {
	int			 dirfd;
	int			 index;
	int			 fd;
	bool			 sync;
	enum journal_state	 state;
	uint64_t		 gen;
	uint64_t		 size;		/* valid bytes */
	uint64_t		 synced;	/* of which known durable */
	uint64_t		 alloc;		/* the file's size: zeros after
						 * the valid bytes */
	uint64_t		 ready;		/* of which known durable */
	bool			 prealloc;	/* allocate ahead (sync only) */
	uint64_t		*syncs;
	char			 file[JOURNAL_NAME_BUFSZ];
};

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint32_t
jcrc(const uint8_t *p, size_t len)
{
	return (uint32_t)crc32_z(0L, p, len);
}

void
journal_file_name(char *buf, size_t bufsz, int index, uint64_t gen)
{
	snprintf(buf, bufsz, "%s%d-%" PRIu64, JOURNAL_PREFIX, index, gen);
}

/* ------------------------------------------------------------------ */
/* Writing */

static int
jfdatasync(struct journal *j)
{
	(*j->syncs)++;
	if (store_fault_sync_fails()) {
		errno = EIO;
		return -1;
	}
	return fdatasync(j->fd);
}

struct journal *
journal_create(int dirfd, int index, uint64_t gen, bool sync,
    uint64_t *syncs)
{
	struct journal *j;
	int saved;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	j->dirfd = dirfd;
	j->index = index;
	j->gen = gen;
	j->sync = sync;
	j->prealloc = sync;
	j->syncs = syncs;
	j->state = JOURNAL_USABLE;
	journal_file_name(j->file, sizeof(j->file), index, gen);
	j->fd = openat(dirfd, j->file,
	    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (j->fd == -1)
		goto fail;
	if (sync) {
		(*syncs)++;
		if (fsync(dirfd) == -1) {
			saved = errno;
			close(j->fd);
			unlinkat(dirfd, j->file, 0);
			errno = saved;
			goto fail;
		}
	}
	return j;
fail:
	saved = errno;
	free(j);
	errno = saved;
	return NULL;
}

void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	close(j->fd);
	free(j);
}

int
journal_close_remove(struct journal *j)
{
	int rc;

	close(j->fd);
	rc = unlinkat(j->dirfd, j->file, 0);
	if (rc == -1 && errno == ENOENT)
		rc = 0;
	free(j);
	return rc;
}

uint64_t
journal_gen(const struct journal *j)
{
	return j->gen;
}

uint64_t
journal_size(const struct journal *j)
{
	return j->size;
}

uint64_t
journal_allocated(const struct journal *j)
{
	return j->alloc > j->size ? j->alloc : j->size;
}

enum journal_state
journal_state(const struct journal *j)
{
	return j->state;
}

/*
 * Make everything from off on void: cut the file there (and sync the
 * cut); failing that, write an end mark (L = 0) there and seal the file.
 */
static void
journal_void(struct journal *j, uint64_t off)
{
	uint8_t mark[JOURNAL_HDR];
	/* Test-only: a read-only file system refuses the void too; a file
	 * that cannot be cut back is sealed. */
	bool ro = store_fault_errno_write() == EROFS;
	bool nocut = ro || store_fault_nocut();

	put_be32(mark, 0);
	put_be32(mark + 4, JOURNAL_SEAL);

	if (nocut)
		errno = ro ? EROFS : EIO;
	if (!nocut && ftruncate(j->fd, (off_t)off) == 0 &&
	    (!j->sync || jfdatasync(j) == 0)) {
		j->size = j->alloc = off;
		if (j->synced > off)
			j->synced = off;
		if (j->ready > off)
			j->ready = off;
		return;
	}
	log_warn("journal %s: cannot cut it back to %" PRIu64 " bytes",
	    j->file, off);		/* errno kept: log_warn() saves it */
	if (!ro && store_pwrite_all(j->fd, mark, sizeof(mark), off) == 0 &&
	    (!j->sync || jfdatasync(j) == 0)) {
		log_warnx("journal %s: sealed at %" PRIu64 " bytes", j->file,
		    off);
		j->size = off;
		j->state = JOURNAL_SEALED;
		return;
	}
	log_warn("journal %s: cannot seal it at %" PRIu64 " bytes", j->file,
	    off);
	j->state = JOURNAL_BROKEN;
}

/*
 * Write zeros from the end of the file's space up to to (journal.h):
 * j->alloc grows by what was written, which a full disk cuts short.
 */
static void
jzero(struct journal *j, uint64_t to)
{
	static const uint8_t zeros[JOURNAL_ZERO_CHUNK];
	struct iovec iov[JOURNAL_PREALLOC / JOURNAL_ZERO_CHUNK];
	uint64_t from = j->alloc > j->size ? j->alloc : j->size;
	size_t n;
	ssize_t w;

	while (from < to) {
		for (n = 0; n < sizeof(iov) / sizeof(iov[0]) &&
		    from + n * sizeof(zeros) < to; n++) {
			iov[n].iov_base = (void *)zeros;
			iov[n].iov_len = sizeof(zeros);
			if (from + (n + 1) * sizeof(zeros) > to)
				iov[n].iov_len = (size_t)(to - from -
				    n * sizeof(zeros));
		}
		if ((w = pwritev(j->fd, iov, (int)n, (off_t)from)) == -1 &&
		    errno == EINTR)
			continue;
		if (w <= 0)
			return;
		j->alloc = from += (uint64_t)w;
	}
}

/*
 * Make room for the bytes up to end (journal.h): a record goes only into
 * zeros already durable.  If end is past them (a new file, or a round
 * larger than the room ahead), zeros are written up to the
 * JOURNAL_PREALLOC boundary past end and synced first; else, once end
 * comes within JOURNAL_PREALLOC / 2 of the zeros' end, the next
 * JOURNAL_PREALLOC are written, to be synced with this pass's records.
 * Where no zeros can be written (a full disk, or any error of the
 * write), records grow the file as they would without preallocation.
 * 0, or -1 with errno if the sync failed: nothing of the record is
 * written then, and what was written since the last sync is made void.
 */
static int
jprealloc(struct journal *j, uint64_t end)
{
	uint64_t want;
	int err;

	if (!j->prealloc)
		return 0;
	if (end > j->ready) {
		want = (end / JOURNAL_PREALLOC + 1) * JOURNAL_PREALLOC;
		jzero(j, want);
		if (j->alloc < end)
			return 0;
		if (jfdatasync(j) == -1) {
			/* The error is reported once: the next sync would
			 * succeed over zeros that never reached the disk.
			 * Cut them off, with anything written since the last
			 * sync, as a failed journal_sync() does. */
			err = errno;
			log_warn("journal %s: fdatasync", j->file);
			journal_void(j, j->synced);
			errno = err;
			return -1;
		}
		j->ready = j->alloc;
	} else if (end + JOURNAL_PREALLOC / 2 > j->alloc) {
		want = ((end + JOURNAL_PREALLOC / 2) / JOURNAL_PREALLOC + 1) *
		    JOURNAL_PREALLOC;
		jzero(j, want);
	}
	return 0;
}

int
journal_write(struct journal *j, const void *p, size_t len)
{
	size_t part = len, done = 0;
	int err;

	if (j->state != JOURNAL_USABLE) {
		errno = EIO;
		return -1;
	}
	/* An injected failure writes half, as a disk that fills up; or
	 * nothing, as a read-only file system. */
	if ((err = store_fault_errno_write()) != 0)
		part = err == EROFS ? 0 : len / 2;
	if (jprealloc(j, j->size + len) == -1)
		return -1;	/* nothing of this write: as below */
	if (store_pwrite_done(j->fd, p, part, j->size, &done) == -1)
		err = errno;
	if (err == 0) {
		j->size += len;
		store_fault_point(STORE_FAULT_WRITE);
		return 0;
	}
	/* Nothing reached the file (a read-only file system, which would
	 * refuse the void too): the journal is as it was, and the next
	 * round may try again.  A part written is made void. */
	if (done > 0)
		journal_void(j, j->size);
	errno = err;
	return -1;
}

int
journal_sync(struct journal *j)
{
	int err;

	if (j->state != JOURNAL_USABLE) {
		errno = EIO;
		return -1;
	}
	if (!j->sync || j->synced == j->size) {
		j->synced = j->size;
		return 0;
	}
	if (jfdatasync(j) == 0) {
		j->synced = j->size;
		j->ready = j->alloc;
		store_fault_point(STORE_FAULT_FSYNC);
		return 0;
	}
	err = errno;
	log_warn("journal %s: fdatasync", j->file);
	journal_void(j, j->synced);
	errno = err;
	return -1;
}

int
journal_linked(struct journal *j)
{
	static struct lograte rate;
	struct stat st;

	if (fstat(j->fd, &st) == -1 || st.st_nlink > 0)
		return 1;
	lograte_warn(&rate, 0, "journal %s is no longer in the data directory "
	    "(removed with it?): changes are refused", j->file);
	return 0;
}

void
journal_synced(struct journal *j)
{
	j->synced = j->size;
	j->ready = j->alloc;
}

/* ------------------------------------------------------------------ */
/* Records */

static size_t
jrec_begin(struct etf_buf *out, const void *name, size_t len, int64_t seq)
{
	static const uint8_t hdr[JOURNAL_HDR];
	size_t start = out->len;

	etf_buf_append(out, hdr, sizeof(hdr));
	etf_put_version(out);
	etf_put_tuple(out, 3);
	etf_put_binary(out, name, len);
	etf_put_int(out, seq);
	return start;
}

static void
jrec_end(struct etf_buf *out, size_t start)
{
	size_t plen;

	if (out->oom)
		return;
	plen = out->len - start - JOURNAL_HDR;
	if (plen > UINT32_MAX) {
		out->oom = true;
		return;
	}
	put_be32(out->p + start, (uint32_t)plen);
	put_be32(out->p + start + 4, jcrc(out->p + start + JOURNAL_HDR, plen));
}

void
journal_put_rec(struct etf_buf *out, const void *name, size_t len,
    int64_t seq, const void *body, size_t bodylen)
{
	size_t start = jrec_begin(out, name, len, seq);

	etf_buf_append(out, body, bodylen);
	jrec_end(out, start);
}

void
journal_put_seq(struct etf_buf *out, const void *name, size_t len,
    int64_t seq)
{
	size_t start = jrec_begin(out, name, len, seq);

	etf_put_nil(out);
	jrec_end(out, start);
}

void
journal_put_file(struct etf_buf *out, const void *name, size_t len,
    int64_t seq, uint64_t flen, uint32_t fcrc)
{
	size_t start = jrec_begin(out, name, len, seq);

	etf_put_tuple(out, 3);
	etf_put_atom(out, "file");
	etf_put_int(out, flen > INT64_MAX ? INT64_MAX : (int64_t)flen);
	etf_put_int(out, fcrc);
	jrec_end(out, start);
}

/* ------------------------------------------------------------------ */
/* Reading */

/* A record's payload.  todod never writes one compressed, so none is
 * inflated (0): a crafted one cannot make a few bytes decode into
 * gigabytes. */
static int
jrec_decode(struct etf_arena *a, const uint8_t *p, size_t len,
    struct journal_rec *rec)
{
	const struct etf_term *t, *v, *b;

	if (etf_decode(a, p, len, 0, &t) != ETF_OK || !etf_is_tuple(t, 3))
		return -1;
	v = t->seq.v;
	if (v[0].type != ETF_BINARY || !name_valid(v[0].bin.p, v[0].bin.len) ||
	    v[1].type != ETF_INT || v[1].i < 0)
		return -1;
	rec->name = v[0].bin.p;
	rec->namelen = v[0].bin.len;
	rec->seq = v[1].i;
	b = &v[2];
	if (b->type == ETF_LIST) {
		rec->kind = b->seq.n > 0 ? JOURNAL_OPS : JOURNAL_SEQ;
		rec->ops = b;
		return 0;
	}
	if (!etf_is_tuple(b, 3) || !etf_is_atom(&b->seq.v[0], "file") ||
	    b->seq.v[1].type != ETF_INT || b->seq.v[1].i < 0 ||
	    b->seq.v[2].type != ETF_INT || b->seq.v[2].i < 0 ||
	    b->seq.v[2].i > UINT32_MAX)
		return -1;
	rec->kind = JOURNAL_FILE;
	rec->flen = (uint64_t)b->seq.v[1].i;
	rec->fcrc = (uint32_t)b->seq.v[2].i;
	return 0;
}

static int
jpread(int fd, uint8_t *p, size_t len, uint64_t off)
{
	ssize_t r;

	while (len > 0) {
		r = pread(fd, p, len, (off_t)off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 0) {
			errno = EIO;	/* shrank under us */
			return -1;
		}
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

/* Are the bytes of fd from off to size all zeros (space allocated ahead
 * of the records, journal.h)?  1, 0, or -1 if they cannot be read.
 * Holes are skipped, not read (SEEK_DATA): a sparse file of a terabyte
 * made in the data directory would take half an hour to read. */
static int
jzero_tail(int fd, uint64_t off, uint64_t size)
{
	uint8_t buf[8192];
	size_t n, i;
	off_t data;

	while (off < size) {	/* size is a file's: off fits an off_t */
		data = lseek(fd, (off_t)off, SEEK_DATA);
		if (data == -1 && errno == ENXIO)
			return 1;	/* a hole to the end */
		if (data > (off_t)off) {
			if ((uint64_t)data >= size)
				return 1;
			off = (uint64_t)data;
		}
		n = size - off < sizeof(buf) ? (size_t)(size - off) :
		    sizeof(buf);
		if (jpread(fd, buf, n, off) == -1)
			return -1;
		for (i = 0; i < n; i++)
			if (buf[i] != 0)
				return 0;
		off += n;
	}
	return 1;
}

/* The next record at off: 0 (rec set), 1 (an invalid record: *why), -1. */
static int
jread_one(int fd, uint64_t off, uint64_t size, size_t max,
    struct etf_arena *a, uint8_t **buf, size_t *cap,
    struct journal_rec *rec, const char **why)
{
	uint8_t hdr[JOURNAL_HDR], *nb;
	uint32_t len;

	if (size - off < JOURNAL_HDR) {
		*why = "a record cut short";
		return 1;
	}
	if (jpread(fd, hdr, sizeof(hdr), off) == -1)
		return -1;
	len = get_be32(hdr);
	if (len == 0) {
		*why = get_be32(hdr + 4) == JOURNAL_SEAL ? "the seal" :
		    "a record of length 0";
		return 1;
	}
	if (len > max || len > size - off - JOURNAL_HDR) {
		*why = "a record cut short or too long";
		return 1;
	}
	if (len > *cap) {
		if ((nb = realloc(*buf, len)) == NULL)
			return -1;
		*buf = nb;
		*cap = len;
	}
	if (jpread(fd, *buf, len, off + JOURNAL_HDR) == -1)
		return -1;
	if (jcrc(*buf, len) != get_be32(hdr + 4)) {
		*why = "a CRC mismatch";
		return 1;
	}
	if (jrec_decode(a, *buf, len, rec) == -1) {
		*why = "a record that does not decode";
		return 1;
	}
	rec->len = len;
	return 0;
}

/*
 * Whether a whole valid record starts after off, within JOURNAL_RESYNC
 * bytes (records longer than max are invalid): a header whose payload
 * begins as every record's does (the ETF of a 3-tuple), fits, and has
 * its CRC.  1, 0, or -1 if the file cannot be read.
 *
 * Each candidate's CRC covers its whole length, so a window of crafted
 * candidates (a head every few bytes, each claiming a long payload)
 * would cost the window's size times the length: at most
 * JOURNAL_RESYNC_CRC bytes are checked, and a search that spends them
 * takes the file for damaged (1), which keeps a copy of it and logs it
 * (the records after off are not replayed either way).
 */
#define JOURNAL_RESYNC_CRC	(4 * (size_t)JOURNAL_RESYNC)

static int
jvalid_after(int fd, uint64_t off, uint64_t size, size_t max)
{
	static const uint8_t head[] = { 131, 104, 3 };
	uint8_t *buf, *q;
	size_t n, i, spent = 0;
	uint32_t len;
	int found = 0;

	n = size - off < JOURNAL_RESYNC ? (size_t)(size - off) :
	    JOURNAL_RESYNC;
	if (n <= JOURNAL_HDR + sizeof(head))
		return 0;
	if ((buf = malloc(n)) == NULL)
		return -1;
	if (jpread(fd, buf, n, off) == -1) {
		free(buf);
		return -1;
	}
	for (i = JOURNAL_HDR + 1; !found && i + sizeof(head) <= n; i++) {
		if ((q = memchr(buf + i, head[0], n - i)) == NULL)
			break;
		i = (size_t)(q - buf);
		if (i + sizeof(head) > n || memcmp(q, head, sizeof(head)) != 0)
			continue;
		len = get_be32(q - JOURNAL_HDR);
		if (len < sizeof(head) || len > max || len > n - i)
			continue;
		if (len > JOURNAL_RESYNC_CRC - spent) {
			found = 1;
			break;
		}
		spent += len;
		found = jcrc(q, len) == get_be32(q - JOURNAL_HDR + 4);
	}
	free(buf);
	return found;
}

/*
 * The invalid record at off is damage inside the journal, not a record
 * cut short by a crash (the last one written, zeros or the end of the
 * file after it) nor the seal: it fits in the file and something follows
 * it, or a valid record follows its start (its length itself damaged, to
 * run past the end of the file or over the records after it into the
 * zeros allocated ahead, or zeroed).  1, 0, or -1 if the file cannot be
 * read.
 */
static int
jdamaged(int fd, uint64_t off, uint64_t size, size_t max)
{
	uint8_t hdr[JOURNAL_HDR];
	uint64_t end;
	int zeros;

	if (size - off < JOURNAL_HDR)
		return 0;
	if (jpread(fd, hdr, sizeof(hdr), off) == -1)
		return -1;
	/* The worker's seal: what follows it was made void. */
	if (get_be32(hdr) == 0 && get_be32(hdr + 4) == JOURNAL_SEAL)
		return 0;
	/* Zeros where a record's header was, valid records after it. */
	if (get_be32(hdr) == 0)
		return jvalid_after(fd, off, size, max);
	end = off + JOURNAL_HDR + get_be32(hdr);
	if (end > size || get_be32(hdr) > max)
		return jvalid_after(fd, off, size, max);
	if ((zeros = jzero_tail(fd, end, size)) == -1)
		return -1;
	return !zeros ? 1 : jvalid_after(fd, off, size, max);
}

/*
 * Keep a damaged journal under another name, which no worker reads, for
 * whoever looks into it (the records after the damage were not replayed,
 * and the journal itself goes once its lists are written).  A copy kept
 * before stays.
 */
static void
jkeep_damaged(int dirfd, const char *file, int index, uint64_t gen)
{
	char keep[JOURNAL_NAME_BUFSZ + 16];
	struct stat a, b;
	size_t base;
	int n;

	/* Generations are numbered from 1 again after a clean stop: the
	 * name may hold the copy of an earlier life's journal, kept; then
	 * ".1", ".2" ...  It holds this very file if a start that found
	 * it damaged died before it was done. */
	if (fstatat(dirfd, file, &a, AT_SYMLINK_NOFOLLOW) == -1) {
		log_warn("journal %s: cannot keep a copy", file);
		return;
	}
	base = (size_t)snprintf(keep, sizeof(keep), "%s%d-%" PRIu64,
	    JOURNAL_DAMAGED_PREFIX, index, gen);
	for (n = 0; n < JOURNAL_DAMAGED_MAX; n++) {
		if (n > 0)
			snprintf(keep + base, sizeof(keep) - base, ".%d", n);
		if (linkat(dirfd, file, dirfd, keep, 0) == 0 ||
		    (errno == EEXIST && fstatat(dirfd, keep, &b,
		    AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino)) {
			log_warnx("journal %s: a copy is kept as %s", file,
			    keep);
			return;
		}
		if (errno != EEXIST)
			break;
	}
	log_warnx("journal %s: cannot keep a copy: %s", file, n ==
	    JOURNAL_DAMAGED_MAX ? "too many copies kept already" :
	    strerror(errno));
}

int
journal_read(int dirfd, int index, uint64_t gen, size_t max,
    struct etf_arena *a, int (*cb)(void *, const struct journal_rec *),
    void *arg, uint64_t *valid)
{
	char file[JOURNAL_NAME_BUFSZ];
	struct journal_rec rec;
	struct stat st;
	const char *why = NULL;
	uint8_t *buf = NULL;
	size_t cap = 0;
	uint64_t off = 0, size;
	int fd, rc = 0, bad = 0, zeros, saved;

	*valid = 0;
	journal_file_name(file, sizeof(file), index, gen);
	/* O_NONBLOCK: a FIFO of that name is refused below, not waited on
	 * (a start may read other workers' journals as root, -u). */
	fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	size = (uint64_t)st.st_size;
	while (off < size) {
		memset(&rec, 0, sizeof(rec));
		bad = jread_one(fd, off, size, max, a, &buf, &cap, &rec, &why);
		if (bad == -1)
			goto fail;
		if (bad == 1)
			break;
		rec.gen = gen;
		rec.off = off;
		rc = cb(arg, &rec);
		etf_arena_reset(a);
		if (rc != 0)
			break;
		off += JOURNAL_HDR + rec.len;
	}
	/* Zeros to the end: the space allocated ahead, not a loss. */
	if (bad == 1) {
		if ((zeros = jzero_tail(fd, off, size)) == -1)
			goto fail;
		if (zeros)
			bad = 0;
	}
	if (bad == 1) {
		log_warnx("journal %s: %s at offset %" PRIu64 ": the %" PRIu64
		    " bytes from there on are ignored", file, why, off,
		    size - off);
		rc = 0;
		if (jdamaged(fd, off, size, max) == 1)
			jkeep_damaged(dirfd, file, index, gen);
	}
	*valid = off;
	free(buf);
	close(fd);
	return rc;
fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return -1;
}

/* ------------------------------------------------------------------ */
/* Generations on disk */

/* The generation of a file of worker index, or 0 if it is not one. */
static uint64_t
journal_parse_name(const char *name, int index)
{
	char prefix[JOURNAL_NAME_BUFSZ];
	const char *p;
	uint64_t gen = 0;
	size_t plen;

	snprintf(prefix, sizeof(prefix), "%s%d-", JOURNAL_PREFIX, index);
	plen = strlen(prefix);
	if (strncmp(name, prefix, plen) != 0)
		return 0;
	p = name + plen;
	if (*p < '1' || *p > '9')
		return 0;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' ||
		    gen > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return 0;
		gen = gen * 10 + (uint64_t)(*p - '0');
	}
	return gen;
}

/* The index and generation of a file named ".journal-w<index>-<gen>"
 * (of any index): true, or false for another name. */
static bool
journal_name_split(const char *name, int *index, uint64_t *gen)
{
	const char *p = name + strlen(JOURNAL_PREFIX);

	*index = 0;
	if (strncmp(name, JOURNAL_PREFIX, strlen(JOURNAL_PREFIX)) != 0 ||
	    *p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((*index = *index * 10 + (*p - '0')) > 1000000)
			return false;
	/* journal_parse_name() checks all of it, for that index. */
	return *p == '-' && (*gen = journal_parse_name(name, *index)) != 0;
}

/* journal_read() callback: stop at the first record of changes (not a
 * Seq or a file's record, which every start and checkpoint journal). */
static int
jholds_change(void *arg, const struct journal_rec *rec)
{
	return rec->kind == JOURNAL_OPS;
}

/* Whether the entry name, of a journal's name, is a regular file (not
 * a link, a directory, a FIFO), or gone since it was listed (a
 * generation removed meanwhile). */
static bool
jentry_is_file(int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT;
	return S_ISREG(st.st_mode);
}

int
journal_beyond(int dirfd, int nworkers, size_t max, char *name,
    size_t namesz)
{
	struct etf_arena *a;
	struct dirent *de;
	uint64_t gen = 0, valid;
	DIR *d;
	int index, saved, found = 0;

	if ((a = etf_arena_new()) == NULL)
		return -1;
	if ((d = store_opendir(dirfd)) == NULL) {
		etf_arena_free(a);
		return -1;
	}
	name[0] = '\0';
	/* Every worker makes a generation as it starts, so an unclean stop
	 * leaves one of each, most without a change. */
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (!journal_name_split(de->d_name, &index, &gen) ||
		    index < nworkers)
			continue;
		/* What is no file may stand for one that holds changes (a
		 * link to it): found, to be looked at. */
		found = !jentry_is_file(dirfd, de->d_name) ? 1 :
		    journal_read(dirfd, index, gen, max, a, jholds_change,
		    NULL, &valid);
		/* Removed between the stat and the read, as before it. */
		if (found == -1 && errno == ENOENT)
			found = 0;
		if (found != 0)
			break;
	}
	if (de == NULL && errno != 0)
		found = -1;
	else if (found != 0)
		snprintf(name, namesz, "%s", de->d_name);
	saved = errno;
	closedir(d);
	etf_arena_free(a);
	errno = saved;
	return found;
}

static int
journal_gen_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
journal_list(int dirfd, int index, uint64_t **gens, size_t *n)
{
	struct dirent *de;
	uint64_t *v = NULL, *nv, gen;
	size_t cap = 0;
	DIR *d;
	int saved, rc = -1;

	*gens = NULL;
	*n = 0;
	if ((d = store_opendir(dirfd)) == NULL)
		return -1;
	while ((errno = 0, de = readdir(d)) != NULL) {
		if ((gen = journal_parse_name(de->d_name, index)) == 0)
			continue;
		if (!jentry_is_file(dirfd, de->d_name)) {
			/* Not replayed, and not to be passed over either: it
			 * may stand for changes (a link to a journal moved
			 * away), which a start without them would lose. */
			log_warnx("journal %s: not a regular file: move it "
			    "away, or put the journal it stands for in its "
			    "place", de->d_name);
			rc = JOURNAL_NOT_FILE;
			goto fail;
		}
		if (*n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				goto fail;
			v = nv;
		}
		v[(*n)++] = gen;
	}
	if (errno != 0)
		goto fail;
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), journal_gen_cmp);
	*gens = v;
	return 0;
fail:
	saved = errno;
	closedir(d);
	free(v);
	*n = 0;
	errno = saved;
	return rc;
}

int
journal_remove(int dirfd, int index, uint64_t gen)
{
	char file[JOURNAL_NAME_BUFSZ];

	journal_file_name(file, sizeof(file), index, gen);
	if (unlinkat(dirfd, file, 0) == -1 && errno != ENOENT)
		return -1;
	return 0;
}
