/*
 * store_fault.h: test-only faults of the store and the journal.
 *
 * Fault injection (compiled only with TODOD_FAULTS, i.e. configure
 * --enable-fault-injection; read once by store_fault_init(), which
 * worker_new() calls):
 *
 *   TODOD_FAULT=crash-after-write[:N]   SIGKILL ourselves after the N-th
 *                                       temporary file or journal write
 *                                       (journal.h) is written (N = 1)
 *   TODOD_FAULT=crash-after-fsync[:N]   ... after the N-th sync of data
 *                                       (fsync of a file, syncfs, or
 *                                       fdatasync of the journal)
 *   TODOD_FAULT=crash-after-rename[:N]  ... after the N-th rename (or
 *                                       link of an unnamed file)
 *   TODOD_FAULT=enospc|eio|eacces|erofs writing a temporary file fails
 *                                       with that errno (eacces: at its
 *                                       creation); the temporary file is
 *                                       removed as for a real failure;
 *                                       enospc and eio also fail journal
 *                                       writes (after half the bytes),
 *                                       erofs before any byte, and the
 *                                       journal cannot be cut back then
 *   TODOD_FAULT=eio-nocut               as eio, and the journal cannot be
 *                                       cut back (its ftruncate fails with
 *                                       EIO), so that it is sealed
 *   TODOD_FAULT=eio-sync[:N]            the N-th fdatasync of a journal
 *                                       (N = 1) fails with EIO, as when
 *                                       write-back failed; the ones
 *                                       after it succeed
 *   TODOD_FAULT_FILE=PATH               the fault is armed only while PATH
 *                                       exists (checked at every point),
 *                                       so a test turns it on and off at
 *                                       run time; without it the fault is
 *                                       always armed.  Crash counts only
 *                                       advance while armed.
 *   TODOD_FAULT_ONCE=1                  a crash point removes that file
 *                                       before it kills, so the worker
 *                                       that takes over runs unharmed
 *   TODOD_FAULT_WORKER_DELAY_MS=MS      a worker sleeps MS as it starts
 *   TODOD_FAULT_CKPT_DELAY_MS=MS        ... after each list file a
 *                                       checkpoint prepares
 *   TODOD_FAULT_WORKER_HOLD_FILE=PATH   a worker waits as it starts
 *                                       while PATH exists
 *   TODOD_FAULT_CKPT_HOLD_FILE=PATH     ... after each list file a
 *                                       checkpoint prepares
 *   TODOD_FAULT_CKPT_SYNC_HOLD_FILE=PATH
 *                                       a checkpoint's sync waits, in
 *                                       uninterruptible sleep as on a slow
 *                                       disk, while PATH exists
 *   TODOD_FAULT_REATTACH_DIE_FILE=PATH  the cache exits as it reads a
 *                                       connection given back by a list
 *                                       server, while PATH exists
 *   TODOD_FAULT_OUT_CAP=BYTES           a list server's cap on a
 *                                       connection's unread replies
 *                                       (LS_OUT_CAP), lower
 *   TODOD_FAULT_YIELD_FILE=PATH         a list server or the cache cannot
 *                                       yield a connection's turn
 *                                       (conn_yield: no memory for its
 *                                       timer) while PATH exists
 *   TODOD_FAULT_EVADD_FILE=PATH         adding an event that waits to
 *                                       write fails (event_add_or_exit:
 *                                       evadd.h) while PATH exists
 *   TODOD_FAULT_EXIT_REPORT_HOLD_FILE=PATH
 *                                       the spawner, having reaped a list
 *                                       server or spare, waits while PATH
 *                                       exists before it tells the
 *                                       supervisor
 *   TODOD_FAULT_RELINK_PAUSE_MS=MS      the supervisor pauses half-way
 *                                       through naming the live lists to a
 *                                       cache started again
 *   (store_fault_sleep(); MS at most 60,000; a hold ends after 60 s
 *   whatever the file: store_fault_hold())
 *
 * Without TODOD_FAULTS every function here does nothing (or answers 0).
 */
#ifndef TODOD_STORE_FAULT_H
#define TODOD_STORE_FAULT_H

#include <stdbool.h>

#define STORE_FAULT_WRITE	1
#define STORE_FAULT_FSYNC	2
#define STORE_FAULT_RENAME	3
#define STORE_FAULT_NOCUT	4
#define STORE_FAULT_SYNC_EIO	5
void	store_fault_init(void);
void	store_fault_point(int point);
/* The errno an armed enospc or eio fault gives a write now, or 0. */
int	store_fault_errno_write(void);
/* Whether an armed eio-nocut fault refuses to cut the journal back. */
bool	store_fault_nocut(void);
/* Whether an armed eio-sync fault fails this fdatasync of a journal. */
bool	store_fault_sync_fails(void);
/* Test-only: make the open of unnamed files, or their link by
 * AT_EMPTY_PATH or by /proc, fail with that errno (0: as the system
 * does). */
void	store_fault_unnamed(int tmpfile_err, int empty_path_err, int proc_err);
/* Test-only: sleep the milliseconds the environment variable var says. */
void	store_fault_sleep(const char *var);
/* Test-only: whether the file that the environment variable var names
 * exists (a fault a test turns on and off by making and removing it). */
bool	store_fault_file(const char *var);
/* Test-only: wait while that file exists (at most 60 s), so that a test
 * holds a process at a point for as long as it needs, not for a time it
 * must guess. */
void	store_fault_hold(const char *var);
/* Test-only: the same, but waiting in the kernel ('D' in /proc/PID/stat)
 * as a process does in a long fsync or syncfs. */
void	store_fault_hold_in_kernel(const char *var);

/* For store.c: the errno an armed fault gives the creation (creating)
 * or a write of a temporary file now, or 0; and the one it gives an
 * unnamed file's open (which -1) or its link (0 by AT_EMPTY_PATH, 1 by
 * /proc), or 0. */
int	store_fault_errno(bool creating);
int	store_fault_unnamed_errno(int which);

#endif /* TODOD_STORE_FAULT_H */
