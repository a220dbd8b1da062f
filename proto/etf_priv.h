/* etf_priv.h: helpers shared by the ETF codec's files, not its users. */
#ifndef TODOD_ETF_PRIV_H
#define TODOD_ETF_PRIV_H

#include <stddef.h>
#include <sys/types.h>

/* Number of code points of valid UTF-8 (RFC 3629), or -1. */
ssize_t	utf8_count(const void *, size_t);

#endif /* TODOD_ETF_PRIV_H */
