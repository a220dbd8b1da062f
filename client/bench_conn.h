/*
 * bench_conn.h: one todo-bench connection: a non-blocking Unix socket
 * with a read event, a write event armed only while output is queued,
 * two evbuffers, and the ring of requests in flight (their kind and send
 * time) that replies are matched against, in order.
 */
#ifndef TODOD_BENCH_CONN_H
#define TODOD_BENCH_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bench;
struct event;
struct event_base;
struct evbuffer;

enum conn_state {
	CS_IDLE,	/* no work: not connected, or done */
	CS_RETRY,	/* connect found the backlog full: timer armed */
	CS_ATTACH,	/* {server_process, Name} sent */
	CS_PRELOAD,	/* sending its list's preload */
	CS_READY,	/* attached, waiting for the measurement */
	CS_RUN,		/* measuring */
	CS_OPEN		/* open workload: attached, request in flight */
};

struct slot {
	uint64_t	t;	/* send time, ns */
	uint8_t		kind;	/* enum bench_kind */
};

struct bconn {
	struct bench	*b;
	int		 id;
	int		 fd;
	struct event	*rev;
	struct event	*wev;
	struct event	*timer;
	struct evbuffer	*in;
	struct evbuffer	*out;
	bool		 wev_on;
	enum conn_state	 state;
	long		 list;		/* index of its list */
	uint64_t	 left;		/* preload: adds still to send */
	uint64_t	 seq;		/* preload: next entry number */
	uint64_t	 t_open;	/* open: when this open began */
	bool		 open_failed;	/* open: an error in this open */
	struct slot	*ring;
	size_t		 cap, head, n;	/* requests in flight */
	unsigned	 gen;		/* bumped by every close */
	uint64_t	 bytes_in;	/* read, all connections so far */
	uint64_t	 bytes_out;	/* written */
};

/* Callbacks into the run (bench_run.c). */
void	run_on_frame(struct bconn *, const uint8_t *, size_t, uint64_t now);
void	run_on_fill(struct bconn *, uint64_t now);
void	run_on_fail(struct bconn *, const char *reason);
void	run_on_retry(struct bconn *);

uint64_t now_ns(void);

int	conn_init(struct bconn *, struct bench *, int id,
	    struct event_base *);
void	conn_free(struct bconn *);
/* Connect to path.  0: connected; 1: the backlog is full, the retry timer
 * is armed (run_on_retry follows); -1: failed, reason written. */
int	conn_connect(struct bconn *, const char *path, char *reason,
	    size_t);
void	conn_close(struct bconn *);
/* Queue a frame holding payload and remember it as in flight. */
int	conn_send(struct bconn *, const void *, size_t, uint8_t kind,
	    uint64_t now);
/* Pop the oldest request in flight; NULL if none. */
struct slot *conn_pop(struct bconn *);
/* Write what the socket takes now; arms the write event for the rest.
 * 0, or -1 (run_on_fail was called). */
int	conn_flush(struct bconn *);
size_t	conn_queued(const struct bconn *);

#endif /* TODOD_BENCH_CONN_H */
