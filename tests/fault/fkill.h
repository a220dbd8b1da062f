/*
 * fkill.h: SIGKILL one process of the daemon's tree by role (a database
 * worker, the cache, a list server, the spawner) and measure how long the
 * role takes to serve a fresh connection again.
 *
 * The probe after a kill, retried until it succeeds or a deadline:
 *   worker K      a fresh connection adds an entry to a list stored by
 *                 worker K (only a running worker K can make it durable)
 *   cache         a fresh connection gets pong
 *   list server   a fresh connection attaches to that list and gets its
 *                 size (the list was loaded again)
 *   spawner       a fresh connection attaches to a list that has no
 *                 server (one can be started again)
 * Probe adds are logged like the clients' changes (fmodel.h) and go to
 * lists the clients do not use, registered with fl_extra_list().
 */
#ifndef TODOD_TEST_FKILL_H
#define TODOD_TEST_FKILL_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

#include "fload.h"

enum fk_role { FK_WORKER, FK_CACHE, FK_LIST, FK_SPAWNER, FK_NROLES };

struct fk_series {
	double	*ms;
	size_t	 n, cap;
};

struct fk {
	struct fl_cfg	*cfg;
	int		 nworkers;
	int		 probe_list[64];	/* per worker, index in cfg */
	struct fm_client probe;		/* the probes' log */
	unsigned	 seed;
	struct fk_series rec[FK_NROLES];	/* recovery times */
	unsigned long	 kills[FK_NROLES];
	unsigned long	 retries[FK_NROLES];	/* probe attempts failed */
	unsigned long	 probe_errors;	/* ... with an error reply */
	char		 last_retry[512];
	char		 retry_why[FK_NROLES][512];	/* the first */
	enum fk_role	 probing;
	pid_t		 last_pid;	/* the last process killed */
	int64_t		 last_attempts;	/* probe attempts of the last kill */
	bool		 failed;
	char		 error[1024];
};

/* Register one probe list per worker in cfg.  0 or -1. */
int	fk_init(struct fk *, struct fl_cfg *, int nworkers, int probe_index);
void	fk_free(struct fk *);
/*
 * Kill and probe.  FK_LIST with name NULL picks a random live list
 * server of the clients' lists.  Returns the recovery time in ms, or -1
 * (f->error says why: nothing to kill, or no recovery in time).
 */
double	fk_kill(struct fk *, enum fk_role, int worker, const char *name);
/* p50 and max of a role's recovery times (0 if none). */
void	fk_summary(const struct fk *, enum fk_role, double *p50,
	    double *max);
const char *fk_role_name(enum fk_role);

#endif /* TODOD_TEST_FKILL_H */
