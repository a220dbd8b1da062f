/*
 * outcheck.h: whether what a program printed reached its standard
 * output.  stdio keeps a failed write (a full disk, a closed file) to
 * itself until the flush; a program that printed what it was asked for
 * says so before it exits 0.
 */
#ifndef TODOD_OUTCHECK_H
#define TODOD_OUTCHECK_H

/* Flush standard output: 0, or -1 after "PROG: cannot write the output:
 * REASON" on standard error. */
int	out_flush_checked(const char *prog);

/* Exit 0 if standard output takes what was printed, else 1 (said). */
void	out_exit(const char *prog) __attribute__((noreturn));

#endif /* TODOD_OUTCHECK_H */
