/*
 * fkill.c: kill a process of the daemon by role and probe until the
 * role serves again (see fkill.h).
 */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fkill.h"
#include "harness.h"

#define FK_PROBE_MS	20000	/* the role must serve again by then */
#define FK_ATTEMPT_MS	5000	/* one probe attempt */

static void
fk_fail(struct fk *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fk_fail(struct fk *f, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(f->error, sizeof f->error, fmt, ap);
	va_end(ap);
	f->failed = true;
}

const char *
fk_role_name(enum fk_role r)
{
	switch (r) {
	case FK_WORKER:
		return "worker";
	case FK_CACHE:
		return "cache";
	case FK_LIST:
		return "list server";
	case FK_SPAWNER:
		return "spawner";
	default:
		return "?";
	}
}

int
fk_init(struct fk *f, struct fl_cfg *cfg, int nworkers, int probe_index)
{
	char	name[FL_NAME_MAX];
	int	k, i;

	memset(f, 0, sizeof *f);
	f->cfg = cfg;
	f->nworkers = nworkers;
	f->seed = (unsigned)time(NULL) ^ 0x5eed;
	fm_client_init(&f->probe, probe_index);
	for (k = 0; k < nworkers && k < 64; k++) {
		/* the first name "probe<i>" that worker k stores */
		for (i = 0; ; i++) {
			snprintf(name, sizeof name, "probe%d", i);
			if (fc_worker_of(name, nworkers) == k)
				break;
		}
		if ((f->probe_list[k] = fl_extra_list(cfg, name)) == -1)
			return -1;
	}
	return 0;
}

void
fk_free(struct fk *f)
{
	int	r;

	fm_client_free(&f->probe);
	for (r = 0; r < FK_NROLES; r++)
		free(f->rec[r].ms);
}

static void
retry_note(struct fk *f, const char *what, const struct fc *c,
    const struct etf_term *t)
{
	char	buf[160];

	f->retries[f->probing]++;
	if (t != NULL) {
		f->probe_errors++;
		snprintf(f->last_retry, sizeof f->last_retry, "%s: %s", what,
		    fc_print(t, buf, sizeof buf));
	} else
		snprintf(f->last_retry, sizeof f->last_retry, "%s: %s", what,
		    c->err);
	if (f->retry_why[f->probing][0] == '\0')
		snprintf(f->retry_why[f->probing], sizeof f->retry_why[0],
		    "%s", f->last_retry);
}

/* One attempt of a worker probe: an add to its probe list. */
static bool
probe_worker(struct fk *f, struct fc *c, int k)
{
	const struct etf_term	*t = NULL;
	struct todo_date	 d = { 2024, 2, 1 + (int)(rand_r(&f->seed) % 28) };
	char			 title[64];
	int64_t			 v;
	uint32_t		 seq;
	int			 li = f->probe_list[k];

	fc_q_attach(c, f->cfg->names[li]);
	if (fc_call(c, h_ms(FK_ATTEMPT_MS), &t) != FC_REPLY ||
	    !fc_ok_int(t, &v)) {
		retry_note(f, "probe attach", c, t);
		return false;
	}
	seq = fm_add(&f->probe, (uint16_t)li, d);
	fm_title(&f->probe, seq, title, sizeof title);
	fc_q_add(c, d, title);
	t = NULL;
	if (fc_call(c, h_ms(FK_ATTEMPT_MS), &t) != FC_REPLY) {
		fm_unknown(&f->probe, seq);
		retry_note(f, "probe add", c, NULL);
		return false;
	}
	if (fc_ok_int(t, &v) && v > 0) {
		fm_acked(&f->probe, seq, v);
		return true;
	}
	fm_refused(&f->probe, seq);
	retry_note(f, "probe add", c, t);
	return false;
}

static bool
probe_cache(struct fk *f, struct fc *c)
{
	const struct etf_term	*t = NULL;

	fc_q_atom(c, "ping");
	if (fc_call(c, h_ms(FK_ATTEMPT_MS), &t) == FC_REPLY &&
	    etf_is_atom(t, "pong"))
		return true;
	retry_note(f, "probe ping", c, t);
	return false;
}

/* The spawner is back when a list that has no server gets one. */
static bool
probe_spawner(struct fk *f, struct fc *c)
{
	const struct etf_term	*t = NULL;
	char			 name[64];
	int64_t			 v;

	snprintf(name, sizeof name, "probe-spawner-%lld",
	    (long long)f->last_attempts);
	fc_q_attach(c, name);
	if (fc_call(c, h_ms(FK_ATTEMPT_MS), &t) == FC_REPLY &&
	    fc_ok_int(t, &v) && v > 0)
		return true;
	retry_note(f, "probe attach", c, t);
	return false;
}

static bool
probe_list(struct fk *f, struct fc *c, const char *name, pid_t old)
{
	const struct etf_term	*t = NULL;
	int64_t			 v;

	fc_q_attach(c, name);
	if (fc_call(c, h_ms(FK_ATTEMPT_MS), &t) != FC_REPLY ||
	    !fc_ok_int(t, &v)) {
		retry_note(f, "probe attach", c, t);
		return false;
	}
	if (v == old) {
		fk_fail(f, "{server_process, %s} answered the pid %d of the "
		    "killed list server", name, (int)old);
		return false;
	}
	t = NULL;
	fc_q_atom(c, "size");
	if (fc_call(c, h_ms(FK_ATTEMPT_MS), &t) == FC_REPLY &&
	    fc_ok_int(t, &v))
		return true;
	retry_note(f, "probe size", c, t);
	return false;
}

static void
series_add(struct fk_series *s, double ms)
{
	double	*n;

	if (s->n == s->cap) {
		s->cap = s->cap == 0 ? 64 : s->cap * 2;
		if ((n = realloc(s->ms, s->cap * sizeof *n)) == NULL)
			abort();
		s->ms = n;
	}
	s->ms[s->n++] = ms;
}

/* Pick the victim: its pid (checked against its process title). */
static pid_t
victim(struct fk *f, enum fk_role role, int k, char *name, size_t namelen)
{
	struct fc_stats	 st;
	const char	*prefix;
	char		 err[256];
	pid_t		 pid = 0;
	int		 i, n, pick;

	if (fc_stats(f->cfg->sock, &st, err, sizeof err) == -1) {
		fk_fail(f, "before a kill: %s", err);
		return -1;
	}
	if (role == FK_WORKER) {
		if (k < 0 || k >= st.nworkers)
			return -1;
		pid = st.workers[k];
		prefix = "todod: worker";
	} else if (role == FK_CACHE) {
		pid = st.cache;
		prefix = "todod: cache";
	} else if (role == FK_SPAWNER) {
		pid = st.spawner;
		prefix = "todod: spawner";
	} else {
		prefix = "todod: list ";
		if (name[0] != '\0')
			pid = fc_stats_list_pid(&st, name);
		else {
			/* a random live server of the clients' lists */
			for (n = 0, i = 0; i < st.nlists; i++)
				n += strncmp(st.name[i], "probe", 5) != 0;
			if (n == 0)
				return 0;
			pick = (int)(rand_r(&f->seed) % (unsigned)n);
			for (i = 0; i < st.nlists; i++)
				if (strncmp(st.name[i], "probe", 5) != 0 &&
				    pick-- == 0)
					break;
			snprintf(name, namelen, "%s", st.name[i]);
			pid = st.pid[i];
		}
	}
	if (pid <= 0 || !proc_cmdline_is(pid, prefix))
		return 0;	/* gone already, or not what we think */
	return pid;
}

/* FAULT_TRACE=DIR: the kills, with the clients' clock, in DIR/kills.log. */
static void
trace_kill(const char *role, const char *name, pid_t pid, double ms)
{
	const char	*dir = getenv("FAULT_TRACE");
	char		 path[512];
	FILE		*f;

	if (dir == NULL || *dir == '\0')
		return;
	snprintf(path, sizeof path, "%s/kills.log", dir);
	if ((f = fopen(path, "a")) == NULL)
		return;
	fprintf(f, "%lld kill %s %s pid %d: %s %.0f ms\n",
	    (long long)h_now_ms(), role, name, (int)pid, ms < 0 ?
	    "no recovery after" : "serving again after", ms < 0 ? -ms : ms);
	fclose(f);
}

double
fk_kill(struct fk *f, enum fk_role role, int k, const char *listname)
{
	struct fc	 c;
	char		 name[FL_NAME_MAX];
	int64_t		 t0, end;
	pid_t		 pid;
	bool		 ok = false;
	double		 ms;

	/* There may be none for a moment (every list server of the
	 * clients' lists starting, after an earlier kill): wait for one. */
	end = h_now_ms() + h_ms(5000);
	do {
		snprintf(name, sizeof name, "%s",
		    listname != NULL ? listname : "");
		if ((pid = victim(f, role, k, name, sizeof name)) == 0)
			h_pause_ms(10);
	} while (pid == 0 && h_now_ms() < end);
	if (pid <= 0) {
		if (pid == 0)
			snprintf(f->error, sizeof f->error, "no %s to kill "
			    "within 5 s", fk_role_name(role));
		return -1;
	}
	f->probing = role;
	f->last_pid = pid;
	f->last_attempts = 0;
	t0 = h_now_ms();
	if (kill(pid, SIGKILL) == -1)
		return -1;
	f->kills[role]++;
	end = t0 + h_ms(FK_PROBE_MS);
	fc_init(&c);
	while (!ok && !f->failed && h_now_ms() < end) {
		f->last_attempts++;
		if (fc_open(&c, f->cfg->sock, h_ms(FK_ATTEMPT_MS)) == -1) {
			retry_note(f, "probe connect", &c, NULL);
			h_pause_ms(1);
			continue;
		}
		if (role == FK_WORKER)
			ok = probe_worker(f, &c, k);
		else if (role == FK_CACHE)
			ok = probe_cache(f, &c);
		else if (role == FK_SPAWNER)
			ok = probe_spawner(f, &c);
		else
			ok = probe_list(f, &c, name, pid);
		fc_close(&c);
		if (!ok)
			h_pause_ms(1);
	}
	fc_free(&c);
	ms = (double)(h_now_ms() - t0);
	trace_kill(fk_role_name(role), role == FK_LIST ? name : "", pid,
	    ok ? ms : -ms);
	if (!ok) {
		if (!f->failed)
			fk_fail(f, "%s %s pid %d: no recovery within %d ms "
			    "(last attempt: %s)", fk_role_name(role),
			    role == FK_LIST ? name : "", (int)pid,
			    h_ms(FK_PROBE_MS), f->last_retry);
		return -1;
	}
	series_add(&f->rec[role], ms);
	return ms;
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void
fk_summary(const struct fk *f, enum fk_role role, double *p50, double *max)
{
	const struct fk_series	*s = &f->rec[role];
	double			*v;

	*p50 = *max = 0;
	if (s->n == 0)
		return;
	if ((v = malloc(s->n * sizeof *v)) == NULL)
		abort();
	memcpy(v, s->ms, s->n * sizeof *v);
	qsort(v, s->n, sizeof *v, cmp_double);
	*p50 = v[(s->n - 1) / 2];
	*max = v[s->n - 1];
	free(v);
}
