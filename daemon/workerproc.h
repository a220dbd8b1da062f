/*
 * workerproc.h: the database worker process around worker.h: its
 * supervisor channel brings the links of list servers ({peer, ...} +fd) and
 * sync (answered synced once every list file is current).
 */
#ifndef TODOD_WORKERPROC_H
#define TODOD_WORKERPROC_H

struct todod_config;

/* Descriptors: 3 the supervisor channel, 4 the data directory, 5 and 6
 * its locks (datadir.h: held for the worker's life, so that a worker
 * outliving its supervisor keeps the directory locked).  Does not
 * return. */
void	workerproc_main(const struct todod_config *, int index)
	    __attribute__((noreturn));

#endif /* TODOD_WORKERPROC_H */
