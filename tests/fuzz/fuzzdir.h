/*
 * fuzzdir.h: a data directory for the fuzz targets that run a database
 * worker in-process (fuzz_recovery, fuzz_worker).
 */
#ifndef TODOD_FUZZDIR_H
#define TODOD_FUZZDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct todo_list;
struct worker;

/* A new directory under $TMPDIR (or /tmp), removed at exit: its fd. */
int	fuzzdir_new(const char *prefix);
/* Remove every file in it. */
void	fuzzdir_clear(int dirfd);
/* Write name with len bytes of p (0600). */
void	fuzzdir_put(int dirfd, const char *name, const uint8_t *p,
	    size_t len);
/* Abort unless every list file in it reads back as a list, except a file
 * named keep that still holds the keep_len bytes of keep_bytes (a list
 * file the input made, which the worker may leave as it is). */
void	fuzzdir_check(int dirfd, const char *keep, const uint8_t *keep_bytes,
	    size_t keep_len);
/* A digest of every list file (name and bytes; dot-files left out), the
 * same whatever order the directory lists them in. */
uint64_t fuzzdir_digest(int dirfd);
/* The list in file name (a list's plain file name), parsed; an empty
 * list if there is no such file.  Aborts if it does not parse. */
struct todo_list *fuzzdir_list(int dirfd, const char *name);
/* Worker 0 of 1 on it (no fdatasync; journal_max and ckpt_pass 0 for
 * the defaults), started: NULL if it refused (logged).  One at a time. */
#define FUZZDIR_MAX_FRAME	(64 * 1024)	/* its max_frame */
struct worker	*fuzzdir_worker(struct event_base *, int dirfd,
		    size_t journal_max, size_t ckpt_pass);
/* Start worker 0 of 1 on it (no fdatasync) and stop it in order:
 * whether it started. */
bool	fuzzdir_start_stop(struct event_base *, int dirfd);

#endif /* TODOD_FUZZDIR_H */
