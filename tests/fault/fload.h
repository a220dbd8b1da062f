/*
 * fload.h: concurrent clients (one thread each) doing adds, updates,
 * deletes and reads over a set of lists, each keeping its log of
 * requests and their outcomes (fmodel.h); and reading lists back for
 * the final check.
 */
#ifndef TODOD_TEST_FLOAD_H
#define TODOD_TEST_FLOAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include "fclient.h"
#include "fmodel.h"

#define FL_MAX_LISTS	64
#define FL_NAME_MAX	32

struct fl_cfg {
	const char	*sock;
	int		 nclients;
	int		 nlists;	/* the clients' lists: names[0..nlists) */
	int		 nall;		/* and more checked at the end */
	char		 names[FL_MAX_LISTS][FL_NAME_MAX];
	int		 reply_ms;	/* a reply later than this: a stall */
	atomic_int	 stop;		/* finish the batch and return */
	atomic_int	 going_down;	/* the daemon is stopping: refused
					   connections end the client */
};

struct fl_client {
	pthread_t	 th;
	struct fl_cfg	*cfg;
	struct fm_client m;
	unsigned	 seed;
	struct fc	 c;
	int		 attached;	/* list index, or -1 */
	/* counters */
	unsigned long	 connects, attaches, reattaches, busy, breaks;
	unsigned long	 replies;
	FILE		*trace;		/* FAULT_TRACE */
	bool		 failed;	/* error holds what went wrong */
	char		 error[512];
};

/* Name the lists prefix00, prefix01, ... */
void	fl_cfg_init(struct fl_cfg *, const char *sock, int nclients,
	    int nlists, const char *prefix);
/* Start nclients threads; NULL on failure. */
struct fl_client *fl_start(struct fl_cfg *);
/* Ask them to stop, join them, settle their logs. */
void	fl_stop(struct fl_cfg *, struct fl_client *);
void	fl_free(struct fl_cfg *, struct fl_client *);
/* Replies received by all clients so far (a progress meter). */
unsigned long fl_progress(struct fl_cfg *, struct fl_client *);
/* The first client failure, or NULL. */
const char *fl_failure(struct fl_cfg *, struct fl_client *);

/*
 * Read a whole list on a fresh connection: *seen (malloc'ed), *n.
 * 0, or -1 with err filled.
 */
int	fl_read_list(const char *sock, const char *name,
	    struct fm_seen **seen, size_t *n, char *err, size_t errlen);
/* Entries of an {ok, [Entry]} reply into an array. -1 if malformed. */
int	fl_parse_entries(const struct etf_term *, struct fm_seen **,
	    size_t *);

/* Add a list to be checked at the end (not used by the clients);
 * returns its index. */
int	fl_extra_list(struct fl_cfg *, const char *name);

/*
 * The final check of every list of cfg (names[0..nall)) against the
 * clients' logs and extra logs (e.g. of probes: their client indexes
 * follow the clients').  Prints violations; fills the report.  -1 if a
 * list cannot be read.
 */
int	fl_verify(struct fl_cfg *, struct fl_client *, struct fm_client *extra,
	    int nextra, struct fm_report *, char *err, size_t errlen);

#endif /* TODOD_TEST_FLOAD_H */
