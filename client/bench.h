/*
 * bench.h: todo-bench, a load generator for the todod public protocol.
 *
 * One process, one libevent loop, many non-blocking connections driven
 * with plain events and evbuffers.  A run has up to three phases: preload
 * (fill every list with entries, pipelined), setup (connect and attach
 * every measuring connection) and measure (closed loop: each connection
 * keeps PIPELINE requests in flight).  Latencies go into log-linear
 * histograms (bench_hist.c); the report is text or JSON (bench_report.c).
 */
#ifndef TODOD_BENCH_H
#define TODOD_BENCH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#include "todo_term.h"

/* --- Histogram (bench_hist.c) ----------------------------------------- */

/*
 * Log-linear buckets as in HdrHistogram: values below 2^HIST_SUB_BITS are
 * exact, above that every power of two is cut into 2^(HIST_SUB_BITS-1)
 * equal buckets, so a reported value is within 1/64 (1.6%) of the truth.
 * Values are nanoseconds.
 */
#define HIST_SUB_BITS	7
#define HIST_HALF	(1u << (HIST_SUB_BITS - 1))
#define HIST_BUCKETS	((64 - HIST_SUB_BITS + 2) * HIST_HALF)

struct hist {
	uint64_t	count;
	uint64_t	min;
	uint64_t	max;
	double		sum;
	uint64_t	b[HIST_BUCKETS];
};

void		hist_init(struct hist *);
void		hist_add(struct hist *, uint64_t ns);
/* The value at percentile p (0..100]: the highest value of the bucket
 * that holds it, no higher than the largest value recorded.  0 if empty. */
uint64_t	hist_percentile(const struct hist *, double p);
double		hist_mean(const struct hist *);

/* --- Options ---------------------------------------------------------- */

enum bench_workload {
	WL_MIXED,	/* reads and adds, READ_PERCENT reads */
	WL_READ,	/* only {entries, Date} */
	WL_WRITE,	/* only add_entry */
	WL_OPEN		/* attach to the next list, one request, next list */
};

enum bench_open_via {
	OPEN_CONNECT,	/* a new connection per list */
	OPEN_REATTACH	/* one connection, {server_process, Next} */
};

struct bench_opts {
	char			 socket[PATH_MAX];	/* < 108 bytes once checked */
	int			 clients;
	long			 lists;
	long			 preload;	/* entries to add first */
	long			 existing;	/* entries a list holds then */
	int			 read_pct;
	int			 pipeline;
	double			 duration;	/* seconds; 0 with -n */
	uint64_t		 requests;	/* -n; 0 with -d */
	enum bench_workload	 workload;
	enum bench_open_via	 open_via;
	const char		*prefix;	/* list names: PREFIX-INDEX */
	bool			 preload_only;
	bool			 json;
	int			 timeout;	/* seconds without progress */
	int			 title_size;
	uint64_t		 seed;
};

/* --- Results ---------------------------------------------------------- */

enum bench_kind {
	K_READ,		/* {entries, Date} */
	K_WRITE,	/* add_entry */
	K_ATTACH,	/* {server_process, Name} */
	K_OPEN,		/* open workload: connect, attach, first reply */
	K_NKINDS
};

#define BENCH_MAX_REASONS	16

struct bench_errors {
	uint64_t	total;
	int		n;
	char		reason[BENCH_MAX_REASONS][48];
	uint64_t	count[BENCH_MAX_REASONS];
};

struct bench_result {
	struct hist		 h[K_NKINDS];
	struct hist		 all;		/* reads and writes */
	uint64_t		 ok;		/* replies {ok, _} counted */
	double			 seconds;	/* measured interval */
	struct bench_errors	 err;
	uint64_t		 read_entries;	/* entries in read replies */
	uint64_t		 bytes_in;	/* read while measuring */
	uint64_t		 bytes_out;	/* written while measuring */
	struct rusage		 ru0, ru1;	/* around the measurement */
	uint64_t		 preloaded;	/* entries added by preload */
	double			 preload_s;
	bool			 aborted;
	bool			 unreachable;	/* connect failed */
	char			 abort_why[512];	/* UTF-8 */
};

void	bench_error(struct bench_errors *, const char *reason);

/* --- Run (bench_run.c) and report (bench_report.c) -------------------- */

/* Returns 0, or -1 if the run could not be done (result->abort_why). */
int	bench_run(const struct bench_opts *, struct bench_result *);
void	bench_report_text(const struct bench_opts *,
	    const struct bench_result *);
int	bench_report_json(const struct bench_opts *,
	    const struct bench_result *);
const char *bench_workload_name(enum bench_workload);

/* --- Requests (bench_req.c) ------------------------------------------- */

/* Date of the entry with 0-based sequence number seq in a list: ten
 * entries per date, consecutive dates from 2024-01-01. */
struct todo_date bench_date(uint64_t seq);
uint64_t bench_rand(uint64_t *state);

#define BENCH_PER_DATE	10

#endif /* TODOD_BENCH_H */
