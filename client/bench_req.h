/*
 * bench_req.h: todo-bench's requests and its quick look at replies.
 */
#ifndef TODOD_BENCH_REQ_H
#define TODOD_BENCH_REQ_H

#include <stddef.h>
#include <stdint.h>

#include "bench.h"

struct etf_buf;

enum {
	REPLY_OK,	/* {ok, V}, V of the expected shape */
	REPLY_ERROR,	/* {error, Reason}: reason set */
	REPLY_BAD	/* anything else */
};

/* "PREFIX-INDEX" into buf; its length, or -1 if not a valid Name. */
int	bench_list_name(char *buf, size_t size, const char *prefix,
	    long index);
void	bench_enc_attach(struct etf_buf *, const char *prefix, long index);
/* add_entry of the entry with sequence number seq (its date follows). */
void	bench_enc_add(struct etf_buf *, long list, uint64_t seq,
	    int title_size);
/* {entries, Date} of the date_index-th date. */
void	bench_enc_read(struct etf_buf *, uint64_t date_index);
/* Classify a reply payload to a request of the given kind (K_READ,
 * K_WRITE, K_ATTACH); adds a read's list length to *nentries. */
int	bench_reply(const uint8_t *p, size_t len, enum bench_kind kind,
	    uint64_t *nentries, char *reason, size_t rsize);

#endif /* TODOD_BENCH_REQ_H */
