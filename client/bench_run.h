/*
 * bench_run.h: the state of a todo-bench run, shared by bench_run.c (the
 * phases and the clock) and bench_flow.c (what each connection does).
 */
#ifndef TODOD_BENCH_RUN_H
#define TODOD_BENCH_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "etf.h"

struct bconn;
struct event;
struct event_base;

enum { PH_PRELOAD, PH_SETUP, PH_MEASURE, PH_DONE };

struct bench {
	const struct bench_opts	*o;
	struct bench_result	*r;
	struct event_base	*base;
	struct etf_buf		 enc;
	struct bconn		*c;
	int			 nc;
	int			 phase;
	long			 next;		/* next list to take */
	int			 busy;		/* connections at work */
	uint64_t		*writes;	/* per list: measured adds */
	uint64_t		 ndates;	/* dates holding preloaded entries */
	uint64_t		 rng;
	uint64_t		 issued, done;
	bool			 stop_issuing;
	uint64_t		 t0, t_last, t_preload;
	struct event		*tick, *deadline, *sigint;
};

/* bench_run.c */
void		 bench_finish(struct bench *, uint64_t now);
void		 bench_abort(struct bench *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
const char	*bench_phase_name(int);
void		 bench_start_setup(struct bench *, uint64_t now);
void		 bench_start_measure(struct bench *, uint64_t now);

/* bench_flow.c */
void		 flow_open_list(struct bconn *, long list, uint64_t now);
void		 flow_preload_next(struct bconn *, uint64_t now);
void		 flow_open_next(struct bconn *, uint64_t now);

#endif /* TODOD_BENCH_RUN_H */
