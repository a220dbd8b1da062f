/*
 * syncorder_trace.h: the check of test_syncorder, over a trace of todod
 * by strace -ff -y -x (one file per process, named t.PID).
 *
 * Each process's system calls are read in their own order (exact: one
 * process's calls follow each other), and three rules are checked:
 *
 *   reply    nothing goes out on a socket while a journal record that
 *            changes a list (journal.h; a Seq record alone is not one)
 *            is written and not synced (fdatasync, fsync or syncfs),
 *            nor while a directory operation that an acknowledged change
 *            may rest on (a journal created, a file renamed or linked
 *            into the data directory) is not synced (fsync of the
 *            directory, or syncfs);
 *   rename   no file is renamed or linked into the data directory before
 *            its own data is synced, nor while such a journal record is
 *            not (the FILE record goes first, worker_ckpt.c);
 *   retire   no journal is removed while renames into the data directory
 *            are not synced (the checkpoint that retires it must be on
 *            the disk first), nor while the removal of another is not
 *            (removals must reach the disk in order: an older journal
 *            back without a newer one would be replayed over files that
 *            hold the newer one's changes).
 *
 * A Seq record alone is written when a list server loads its list and
 * is not synced for its own sake: it changes no list, and the sync of
 * any later record, in the same append-only file, covers it.
 */
#ifndef TODOD_TEST_SYNCORDER_TRACE_H
#define TODOD_TEST_SYNCORDER_TRACE_H

#include <stddef.h>

#define STRACE_STRSIZE	65536	/* strace -s: bytes of a buffer shown */

enum { V_REPLY, V_RENAME, V_RETIRE };

/* What the whole trace showed. */
struct tcheck {
	const char *data;		/* the data directory */
	size_t	 datalen;
	long	 journal_writes, journal_syncs, syncfs, dir_syncs;
	long	 renames, journal_unlinks, replies;
	long	 seq_writes;		/* journal writes of Seq records only */
	long	 violations[3];		/* reply, rename, retire */
	int	 nreports;
};

/*
 * Read every trace file of dir into ck (its data and datalen set by the
 * caller: the data directory's real path); the first violations are
 * printed to stderr.  Fails the test (H_ASSERT) if fewer than five
 * processes were traced.
 */
void	trace_check_dir(struct tcheck *ck, const char *dir);

#endif /* TODOD_TEST_SYNCORDER_TRACE_H */
