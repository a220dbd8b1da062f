/*
 * conn_int.h: a connection's state, shared by conn.c (its I/O and the
 * input budget) and conn_outwait.c (the output limit).
 */
#ifndef TODOD_CONN_INT_H
#define TODOD_CONN_INT_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

struct conn {
	int			 fd;
	struct event_base	*base;
	struct event		*rev;
	struct event		*again;		/* conn_yield(), at need */
	struct event		*wev;
	struct evbuffer		*in;
	struct evbuffer		*out;
	size_t			 max_frame;
	size_t			 out_cap;
	const struct conn_cbs	*cbs;
	void			*arg;
	int			 paused;
	int			 reading;	/* rev is added */
	int			 eof;		/* the peer sends no more */
	int			 full;		/* output reached out_cap */
	int			 deaf;		/* the peer reads no more */
	int			 stalled;	/* in budget.stalled */
	int			 linger;	/* conn_linger() */
	TAILQ_ENTRY(conn)	 stall_entry;
	struct event		*turn;		/* its turn first, at need */
	size_t			 in_counted;	/* its share of the totals */
	size_t			 out_counted;
	size_t			 held_counted;	/* conn_set_held() */
	size_t			 out_peak;	/* output's most since empty */
	unsigned long		 turn_class;	/* conn_set_class() */
	/* The output limit (conn_outwait.c): */
	int			 out_waiting;	/* in the waiters */
	int			 out_holding;	/* in the holders */
	TAILQ_ENTRY(conn)	 wait_entry;
	TAILQ_ENTRY(conn)	 hold_entry;
	int64_t			 out_moved;	/* monotonic ms: output made
						 * or some written or read */
	int			 out_sockq;	/* its socket's queue then, or
						 * -1 (SIOCOUTQ) */
};

/* conn.c: the output's limit, twice its budget (0: none), and the turn
 * (conn.h). */
size_t	conn_out_limit(void);
unsigned conn_turn_length_ms(void);

/* conn_outwait.c (conn.h: the output limit). */
/* Whether c, with no output of its own and a reply to make, waits for
 * its turn (then drained() tells it when): past the budget, while others
 * wait; over: past the limit, always.  If it goes on, it leaves the
 * waiters if it was one. */
int	conn_outwait_wait(struct conn *c, int over);
/* c's output went from before to after bytes (the totals are counted
 * already): it holds output, or no more; the limit may have room. */
void	conn_outwait_counted(struct conn *c, size_t before, size_t after);
/* Whether any connection waits for room. */
int	conn_outwait_any(void);
/* The output total fell: waiters may have room. */
void	conn_outwait_fell(void);
/* Some of c's output was written. */
void	conn_outwait_moved(struct conn *c);
/* c is freed. */
void	conn_outwait_forget(struct conn *c);
/* No connection is left: the events made are freed. */
void	conn_outwait_done(void);

#endif /* TODOD_CONN_INT_H */
