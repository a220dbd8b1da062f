/*
 * fuzz_recovery.c: a database worker starting on a data directory that
 * holds a journal and a list file of any bytes, as a crash, a full disk
 * or a damaged disk may leave them.
 *
 * The input: two bytes (big-endian) give the length of the list file
 * "a" (none if 0) in their low 15 bits, its bytes follow, and the rest
 * is generation 1 of worker 0's journal.  With the top bit set, each
 * record's CRC is made right before the journal is written, so that
 * mutations reach the records' terms and their replay rather than stop
 * at the checksum.  worker_new() replays the journal (a record cut
 * short, failing its CRC or of the wrong shape ends it, a list whose
 * file cannot be read keeps its changes), worker_shutdown() writes the
 * lists' files.  Neither may crash, hang or leak, and afterwards every
 * list file in the directory is either the input's "a", untouched, or a
 * file the worker wrote, which must read back as a list.  A second start
 * on what the first left must succeed and change no list file.
 *
 * The seeds (corpus/fuzz_recovery/) are journals that a daemon with one
 * worker left when its worker was killed after todoctl's adds, updates
 * and deletes, with and without a list file before them; crc-* are the
 * same with the CRC bit set.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <zlib.h>

#include "fuzzdir.h"
#include "journal.h"
#include "log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Make the CRC of each whole record match its payload. */
static void
fix_crcs(uint8_t *j, size_t len)
{
	size_t pos = 0;
	uint32_t l, crc;

	while (len - pos >= JOURNAL_HDR) {
		l = (uint32_t)j[pos] << 24 | (uint32_t)j[pos + 1] << 16 |
		    (uint32_t)j[pos + 2] << 8 | j[pos + 3];
		if (l == 0 || l > len - pos - JOURNAL_HDR)
			break;
		crc = (uint32_t)crc32_z(0L, j + pos + JOURNAL_HDR, l);
		j[pos + 4] = (uint8_t)(crc >> 24);
		j[pos + 5] = (uint8_t)(crc >> 16);
		j[pos + 6] = (uint8_t)(crc >> 8);
		j[pos + 7] = (uint8_t)crc;
		pos += JOURNAL_HDR + l;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct event_base *base;
	static int dirfd = -1;
	char jname[JOURNAL_NAME_BUFSZ];
	uint64_t digest;
	size_t alen;
	bool started, crcs;
	uint8_t *j;

	if (len < 2)
		return 0;
	crcs = data[0] & 0x80;
	alen = (size_t)(data[0] & 0x7f) << 8 | data[1];
	data += 2;
	len -= 2;
	if (alen > len)
		alen = len;
	if (dirfd == -1) {
		log_init(1, LOG_LEVEL_ERROR);
		dirfd = fuzzdir_new("fuzz-recovery");
		if ((base = event_base_new()) == NULL)
			abort();
	}
	fuzzdir_clear(dirfd);
	if (alen > 0)
		fuzzdir_put(dirfd, "a", data, alen);
	journal_file_name(jname, sizeof(jname), 0, 1);
	if ((j = malloc(len - alen + 1)) == NULL)
		abort();
	memcpy(j, data + alen, len - alen);
	if (crcs)
		fix_crcs(j, len - alen);
	fuzzdir_put(dirfd, jname, j, len - alen);
	free(j);

	started = fuzzdir_start_stop(base, dirfd);
	fuzzdir_check(dirfd, "a", data, alen);
	digest = fuzzdir_digest(dirfd);
	if (!fuzzdir_start_stop(base, dirfd) && started)
		abort();	/* what a clean stop left cannot be read */
	fuzzdir_check(dirfd, "a", data, alen);
	if (started && fuzzdir_digest(dirfd) != digest)
		abort();	/* a start after a clean stop changed a file */
	return 0;
}
