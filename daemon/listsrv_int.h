/*
 * listsrv_int.h: the state of a list server, shared by its two halves:
 * listsrv.c (the process: its links to the supervisor, the cache and the
 * worker; loading, storing, idling, stopping) and listsrv_conn.c (the
 * client connections: requests, replies in order, handoffs).
 */
#ifndef TODOD_LISTSRV_INT_H
#define TODOD_LISTSRV_INT_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "etf.h"
#include "listops.h"
#include "pending.h"
#include "names.h"

struct chan;
struct conn;
struct event;
struct event_base;
struct todo_list;
struct todod_config;

#define LS_OUT_CAP	(16u * 1024 * 1024)	/* unread replies */
/* The budgets of all the server's connections (conn.h). */
#define LS_IN_BUDGET	(64u * 1024 * 1024)
#define LS_OUT_BUDGET	(64u * 1024 * 1024)
#define LS_MAX_PEND	4096		/* waiting replies before pausing */
#define LS_OUT_KEEP	(1024u * 1024)	/* reply buffer kept for the next */
#define LS_UNAVAILABLE_STOP 1		/* s: an unreadable list's idle time */
/*
 * The changes of one batch, about (LS_OP_BYTES and each title): once the
 * batch being collected holds this much, no connection's requests are
 * taken until it goes to the worker, when the store in flight is done.
 * A batch is one message, which the worker refuses beyond PROC_MAX_MSG
 * (many connections pipelining large titles behind a slow store made
 * one that large, sent again and again as the link was lost).
 */
#define LS_BATCH_MAX	(64u * 1024 * 1024)
#define LS_OP_BYTES	64

/*
 * A reply in a connection's queue: replies leave in request order.  A
 * reply waits until the store that makes its state durable (seq) is
 * acknowledged.  A read that follows the connection's own modifications
 * is computed when it arrives, from the working list (so it shows exactly
 * the requests before it), and waits until everything in that working
 * list is durable.
 */
enum pend_kind { PEND_REPLY, PEND_REATTACH };

struct pend {
	STAILQ_ENTRY(pend)	 entry;
	enum pend_kind		 kind;
	uint64_t		 seq;	/* REPLY: durable once acked >= seq */
	uint8_t			*data;	/* REPLY: the encoded reply */
	size_t			 len;
};

struct lconn {
	TAILQ_ENTRY(lconn)	 entry;
	struct conn		*conn;
	STAILQ_HEAD(, pend)	 pend;
	size_t			 npend;
	size_t			 pend_bytes;
	int			 closing;	/* bad frame: close once flushed */
	int			 leaving;	/* re-attach queued */
	int			 out_large;	/* output over LS_OUT_KEEP since
						   last all written */
	uint8_t			 target[NAME_MAX_BYTES];
	size_t			 target_len;
	uid_t			 uid;		/* counted by the cache (uidcount.h) */
};

/*
 * A connection given back to the cache for another list ({reattach, ...})
 * and kept (a duplicate of its descriptor, the input it had left) until
 * the cache says it took it ({took}, in the order given): if the cache
 * dies first, the connection would be lost with the message; it is
 * taken back instead, its re-attach refused (busy), as when no cache is
 * there to go through.
 */
struct parked {
	STAILQ_ENTRY(parked)	 entry;
	int			 fd;
	uid_t			 uid;
	uint8_t			*input;
	size_t			 inlen;
};

struct ls_state {
	const struct todod_config *cfg;
	struct event_base	*base;
	uint8_t			 name[NAME_MAX_BYTES];
	size_t			 len;
	struct chan		*sup;
	struct chan		*cache;
	struct chan		*worker;
	int			 loaded;
	int			 unavailable;	/* the file cannot be loaded */
	struct todo_list	*list;		/* the working list */
	struct pending		 pending;	/* its changes not yet durable */
	uint64_t		 next_seq;	/* the batch being collected */
	uint64_t		 inflight;	/* 0: no store in flight */
	uint64_t		 acked;
	int			 dirty;		/* ops in batch next_seq */
	size_t			 batch_bytes;	/* ... their size, about */
	size_t			 batch_max;	/* LS_BATCH_MAX */
	TAILQ_HEAD(, lconn)	 conns;
	size_t			 nconns;
	STAILQ_HEAD(, parked)	 parked;	/* given back, not yet taken */
	uint64_t		 handoffs;	/* received */
	struct event		*idle_ev;
	struct event		*store_ev;	/* the batch, this pass */
	struct event		*grace_ev;	/* shutdown: unread replies */
	int			 idle_told;
	int			 stopping;	/* stop or shutdown received */
	int			 shutdown;	/* exit, not release, when done */
	int			 released;	/* stopped: the loop ends */
	struct etf_arena	*arena;
	struct etf_buf		 out;
	struct etf_buf		 msg;
};

extern struct ls_state ls;

/* listsrv.c */
void	ls_send_msg(struct chan *, int fd);
void	ls_check_idle(void);
/* Give free heap back to the system if there is much of it. */
void	ls_trim(void);
/* This process's pid (asked once: a list server never forks). */
pid_t	ls_pid(void);
void	ls_maybe_store(void);
/* The batch being collected is full (LS_BATCH_MAX). */
int	ls_batch_full(void);
void	ls_store_soon(void);

/* listsrv_conn.c */
void	ls_drive(struct lconn *);
void	ls_drive_all(void);
void	ls_handoff(const struct etf_term *, int fd);
void	ls_drop_unread(void);
/* The cache took the oldest connection given back ({took}): 0, or -1 if
 * none was given. */
int	ls_parked_taken(void);
/* The cache is gone: the connections it did not take come back here,
 * their re-attach answered busy (restore), or are closed (at a
 * release: the cache that stopped this server takes them). */
void	ls_parked_return(int restore);

#endif /* TODOD_LISTSRV_INT_H */
