/* errbuf.c: an error message into the caller's buffer. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "errbuf.h"

int
seterr(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
	return -1;
}
