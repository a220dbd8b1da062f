/*
 * errbuf.h: the error messages of the environment modules (listener,
 * datadir, pidfile, detach, privdrop), which return -1 and leave a
 * complete sentence in the caller's buffer instead of logging.
 */
#ifndef TODOD_ERRBUF_H
#define TODOD_ERRBUF_H

#include <stddef.h>

/* Format into err[0..size) and return -1. */
int	seterr(char *err, size_t size, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif /* TODOD_ERRBUF_H */
