/*
 * fclient.h: the fault tests' own client and helpers.
 *
 * The integration harness (tests/integ/harness.h) starts and stops the
 * daemon and knows its process tree; its connections keep their last
 * error in one static buffer, so the fault tests, which run many clients
 * in threads, talk to the daemon through this small client instead: one
 * struct fc per thread, every wait bounded by a deadline.
 */
#ifndef TODOD_TEST_FCLIENT_H
#define TODOD_TEST_FCLIENT_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etf.h"
#include "todo_term.h"

#define FC_MAX_REPLY	(64u * 1024 * 1024)

struct fc {
	int			 fd;		/* -1 when closed */
	struct etf_arena	*arena;		/* decoded replies */
	struct etf_buf		 out;		/* framed requests to send */
	struct etf_buf		 scratch;
	uint8_t			*in;		/* bytes read, not consumed */
	size_t			 inlen, incap;
	char			 err[256];
};

/* Results of fc_recv(). */
#define FC_REPLY	1
#define FC_EOF		0
#define FC_FAIL		(-1)	/* timeout or error: see fc->err */

void	fc_init(struct fc *);
/* Connect, retrying while the backlog is full, for at most ms. 0 or -1. */
int	fc_open(struct fc *, const char *sock, int ms);
void	fc_close(struct fc *);		/* the struct can be opened again */
void	fc_free(struct fc *);
bool	fc_is_open(const struct fc *);

/* Queue one request (framed) for fc_flush(). */
void	fc_q_atom(struct fc *, const char *atom);
void	fc_q_attach(struct fc *, const char *name);
void	fc_q_add(struct fc *, struct todo_date, const char *title);
/* date or title NULL: not changed. */
void	fc_q_update(struct fc *, int64_t id, const struct todo_date *,
	    const char *title);
void	fc_q_delete(struct fc *, int64_t id);
void	fc_q_entries_on(struct fc *, struct todo_date);
/* Send what is queued, within ms.  0, or -1 (fc->err). */
int	fc_flush(struct fc *, int ms);
/* One reply, decoded into fc->arena: FC_REPLY, FC_EOF or FC_FAIL. */
int	fc_recv(struct fc *, int ms, const struct etf_term **);
/* Queue nothing more; flush, then one reply. */
int	fc_call(struct fc *, int ms, const struct etf_term **);
/* Free the replies received so far. */
void	fc_reset(struct fc *);

/* Shapes of replies. */
bool	fc_is_ok(const struct etf_term *);			/* ok */
bool	fc_ok_int(const struct etf_term *, int64_t *);		/* {ok, N} */
const struct etf_term *fc_ok_value(const struct etf_term *);	/* {ok, V} */
bool	fc_is_error(const struct etf_term *, const char *reason);
/* Printable text of a term (for messages). */
const char *fc_print(const struct etf_term *, char *buf, size_t len);

/* The worker that stores a list (todod(8), --workers). */
int	fc_worker_of(const char *name, int nworkers);

/* ---- the daemon's own view: `stats` ---- */
#define FC_MAX_LISTS	256
struct fc_stats {
	pid_t	 supervisor;
	pid_t	 cache;
	pid_t	 spawner;
	pid_t	 workers[64];
	int	 nworkers;
	int64_t	 lists_live;
	int64_t	 restarts;
	int64_t	 spawns;
	int64_t	 my_conns;	/* uids: this process's user's, counting
				 * the stats connection itself */
	int	 nlists;		/* entries of `lists` */
	char	 name[FC_MAX_LISTS][64];
	pid_t	 pid[FC_MAX_LISTS];
};
/* `stats` on a fresh connection.  0 or -1 (err filled). */
int	fc_stats(const char *sock, struct fc_stats *, char *err, size_t);
/* The pid of a live list server by name, or 0. */
pid_t	fc_stats_list_pid(const struct fc_stats *, const char *name);

#endif /* TODOD_TEST_FCLIENT_H */
