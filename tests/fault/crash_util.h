/*
 * crash_util.h: helpers of the crash and store-fault tests: orphaned
 * processes, a second todod run to completion, the files of the data
 * directory.
 */
#ifndef TODOD_TEST_CRASH_UTIL_H
#define TODOD_TEST_CRASH_UTIL_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness.h"

struct todo_list;
struct etf_arena;
struct fc;

/* Open c and attach it to name; asserts {ok, Pid}: the list server's
 * pid. */
pid_t	cu_attach(const struct daemon *, struct fc *c, const char *name);
/* The same, retrying for up to 3 s while the answer is {error, busy} (a
 * server whose connection just closed may not have reported idle yet,
 * at --max-lists); each busy answer counts in *busy. */
void	cu_attach_retry_busy(const struct daemon *, struct fc *c,
	    const char *name, int64_t *pid, int *busy);

/*
 * Make this process the reaper of orphans in its subtree (so that the
 * daemon's children, if their supervisor dies, become our children and
 * can be found), and count the live ones: our children other than
 * except (the daemon itself; a test starts no other long-lived child).
 * Zombies among them are reaped.  The pids found are put in out when
 * it is not NULL.
 */
void	cu_subreaper(void);
int	cu_orphans(pid_t except, struct pidset *out);

/* Wait until nobody holds the data directory's lock (.lock): true, or
 * false after ms. */
bool	cu_wait_unlocked(const char *datadir, int ms);
/* For h_poll(): the daemon (a struct daemon) is gone and reaped. */
bool	cu_reaped(void *);
/* SIGKILL the daemon's supervisor (its children die with it) and wait
 * until it is reaped and its data directory unlocked; asserts. */
void	cu_kill_wait(struct daemon *);
/* The size of list name, asked on a new connection; asserts. */
int64_t	cu_size(const struct daemon *, const char *name);

/* The daemon's processes: its children and theirs (not the supervisor
 * itself). */
void	cu_children(const struct daemon *, struct pidset *);

/*
 * Run $TODOD with arguments (NULL-terminated) until it exits, for at
 * most ms; its stderr and stdout go to out (NUL-terminated, truncated).
 * Returns the wait status, or -1 if it did not exit in time (killed).
 * *elapsed_ms is how long it ran.
 */
int	cu_run_todod(int ms, char *out, size_t outlen, int64_t *elapsed_ms,
	    const char *arg, ...);


/* A whole file into a malloc'ed buffer. 0, or -1 (errno). */
int	cu_read_file(const char *path, uint8_t **data, size_t *len);
/* Write a whole file (mode 0600, replacing it). 0 or -1. */
int	cu_write_file(const char *path, const void *data, size_t len);
/* Temporary files (".tmp-*") in a directory, or -1. */
int	cu_count_temps(const char *dir);
/* Files whose names begin with prefix in a directory, or -1. */
int	cu_count_prefix(const char *dir, const char *prefix);

/*
 * Decode a list file of the data directory with the daemon's codec.
 * Returns 0 and the list (*out, free with todolist_free), 1 if absent,
 * -1 if it cannot be read or is not a list term (why filled).
 */
int	cu_load_list(const char *datadir, const char *name,
	    struct todo_list **out, char *why, size_t whylen);

/* test_crash's cases kept in their own files. */
void	crash_start_add(Suite *);	/* crash_start.c: two-phase start */
void	crash_idle_add(Suite *);	/* crash_idle.c: idle stop, LRU */
void	crash_uids_add(Suite *);	/* crash_uids.c: per-uid counts */
void	crash_syslog_add(Suite *);	/* crash_syslog.c: detached logs */
void	crash_relink_add(Suite *);	/* crash_relink.c: cache restart */
void	crash_stop_add(Suite *);	/* crash_stop.c: stop deadline */
void	crash_reuse_add(Suite *);	/* crash_reuse.c: a pid given again */

#endif /* TODOD_TEST_CRASH_UTIL_H */
