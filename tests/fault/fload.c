/*
 * fload.c: the load of the fault tests: client threads that attach to
 * random lists and send pipelined batches of adds, updates, deletes and
 * reads, logging every request and its outcome; the final read-back.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fload.h"
#include "harness.h"

#define FL_PIPELINE	4	/* requests in flight per connection, at most */

enum slot_kind { S_ADD, S_UPDATE, S_DELETE, S_ENTRIES, S_ENTRIES_ON, S_SIZE };

struct slot {
	enum slot_kind		kind;
	uint32_t		seq;
	int64_t			id;
	struct todo_date	date;
};

void
fl_cfg_init(struct fl_cfg *cfg, const char *sock, int nclients, int nlists,
    const char *prefix)
{
	int	i;

	memset(cfg, 0, sizeof *cfg);
	cfg->sock = sock;
	cfg->nclients = nclients;
	cfg->nlists = nlists > FL_MAX_LISTS ? FL_MAX_LISTS : nlists;
	cfg->nall = cfg->nlists;
	cfg->reply_ms = h_ms(15000);
	for (i = 0; i < cfg->nlists; i++)
		snprintf(cfg->names[i], sizeof cfg->names[i], "%s%02d", prefix,
		    i);
	atomic_init(&cfg->stop, 0);
	atomic_init(&cfg->going_down, 0);
}

int
fl_extra_list(struct fl_cfg *cfg, const char *name)
{
	int	i;

	for (i = 0; i < cfg->nall; i++)
		if (strcmp(cfg->names[i], name) == 0)
			return i;
	if (cfg->nall == FL_MAX_LISTS)
		return -1;
	snprintf(cfg->names[cfg->nall], sizeof cfg->names[0], "%s", name);
	return cfg->nall++;
}

static void
client_fail(struct fl_client *cl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
client_fail(struct fl_client *cl, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (cl->failed)
		return;
	cl->failed = true;
	n = snprintf(cl->error, sizeof cl->error, "client %d: ", cl->m.index);
	va_start(ap, fmt);
	vsnprintf(cl->error + n, sizeof cl->error - (size_t)n, fmt, ap);
	va_end(ap);
}

/* FAULT_TRACE=DIR: each client writes DIR/client-N.log (debugging). */
static void
trace(struct fl_client *cl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
trace(struct fl_client *cl, const char *fmt, ...)
{
	const char	*dir;
	char		 path[512];
	va_list		 ap;

	if (cl->trace == NULL) {
		if ((dir = getenv("FAULT_TRACE")) == NULL || *dir == '\0')
			return;
		snprintf(path, sizeof path, "%s/client-%d.log", dir,
		    cl->m.index);
		if ((cl->trace = fopen(path, "w")) == NULL)
			return;
	}
	fprintf(cl->trace, "%lld ", (long long)h_now_ms());
	va_start(ap, fmt);
	vfprintf(cl->trace, fmt, ap);
	va_end(ap);
	fputc('\n', cl->trace);
}

static bool
stopping(const struct fl_client *cl)
{
	return atomic_load(&cl->cfg->stop) != 0 || cl->failed;
}

static struct todo_date
random_date(unsigned *seed)
{
	struct todo_date	d = { 2024, 1, 1 + (int)(rand_r(seed) % 7) };

	return d;
}

int
fl_parse_entries(const struct etf_term *t, struct fm_seen **out, size_t *n)
{
	const struct etf_term	*l = fc_ok_value(t);
	struct todo_entry	 te;
	struct fm_seen		*s;
	size_t			 i;

	*out = NULL;
	*n = 0;
	if (l == NULL || l->type != ETF_LIST)
		return -1;
	if ((s = calloc(l->seq.n + 1, sizeof *s)) == NULL)
		return -1;
	for (i = 0; i < l->seq.n; i++) {
		if (todo_entry_from_term(&l->seq.v[i], &te) == -1) {
			free(s);
			return -1;
		}
		s[i].id = te.id;
		s[i].date = te.date;
		snprintf(s[i].title, sizeof s[i].title, "%.*s",
		    (int)(te.title_len < sizeof s[i].title ? te.title_len :
		    sizeof s[i].title - 1), (const char *)te.title);
		if (te.title_len >= sizeof s[i].title ||
		    memchr(te.title, '\0', te.title_len) != NULL)
			s[i].title[0] = '?';	/* never one of ours */
	}
	*out = s;
	*n = l->seq.n;
	return 0;
}

/* Connect, retrying for the stall deadline; false when giving up. */
static bool
connect_client(struct fl_client *cl)
{
	int64_t	end = h_now_ms() + cl->cfg->reply_ms;

	for (;;) {
		if (fc_open(&cl->c, cl->cfg->sock, h_ms(2000)) == 0) {
			cl->connects++;
			cl->attached = -1;
			return true;
		}
		if (atomic_load(&cl->cfg->going_down) || stopping(cl))
			return false;
		if (h_now_ms() >= end) {
			client_fail(cl, "cannot connect for %d ms: %s",
			    cl->cfg->reply_ms, cl->c.err);
			return false;
		}
		h_pause_ms(5);
	}
}

/* A connection broke: EOF, or a timeout (a stall unless going down). */
static void
broken(struct fl_client *cl, int r, const char *what)
{
	cl->breaks++;
	if (r == FC_FAIL && !atomic_load(&cl->cfg->going_down) &&
	    strstr(cl->c.err, "deadline") != NULL)
		client_fail(cl, "%s: %s (list %s)", what, cl->c.err,
		    cl->attached >= 0 ? cl->cfg->names[cl->attached] : "-");
	fc_close(&cl->c);
	cl->attached = -1;
}

static bool
attach(struct fl_client *cl, int li)
{
	const struct etf_term	*t;
	char			 buf[256];
	int64_t			 pid;
	int			 r;

	if (fc_is_open(&cl->c) && cl->attached >= 0 &&
	    rand_r(&cl->seed) % 2 == 0) {
		fc_close(&cl->c);
		cl->attached = -1;
	}
	if (!fc_is_open(&cl->c) && !connect_client(cl))
		return false;
	if (cl->attached >= 0)
		cl->reattaches++;
	fc_q_attach(&cl->c, cl->cfg->names[li]);
	r = fc_call(&cl->c, cl->cfg->reply_ms, &t);
	if (r != FC_REPLY) {
		trace(cl, "attach %s: %s", cl->cfg->names[li], cl->c.err);
		broken(cl, r, "attach");
		return false;
	}
	trace(cl, "attach %s (fd %d) -> %s", cl->cfg->names[li], cl->c.fd,
	    fc_print(t, buf, sizeof buf));
	__atomic_fetch_add(&cl->replies, 1, __ATOMIC_RELAXED);
	if (fc_ok_int(t, &pid) && pid > 0) {
		cl->attached = li;
		cl->attaches++;
		return true;
	}
	if (fc_is_error(t, "busy")) {
		cl->busy++;
		h_pause_ms(2);
		return false;
	}
	client_fail(cl, "{server_process, %s}: unexpected reply %s",
	    cl->cfg->names[li], fc_print(t, buf, sizeof buf));
	return false;
}

/* Choose and queue one request of the batch. */
static void
queue_one(struct fl_client *cl, struct slot *s)
{
	char	title[64];
	int64_t	ent;
	int	r = (int)(rand_r(&cl->seed) % 100);
	uint16_t li = (uint16_t)cl->attached;

	ent = r >= 35 && r < 70 ? fm_pick(&cl->m, li, &cl->seed) : -1;
	if (r < 35 || (r < 55 && ent < 0)) {
		s->kind = S_ADD;
		s->date = random_date(&cl->seed);
		s->seq = fm_add(&cl->m, li, s->date);
		fm_title(&cl->m, s->seq, title, sizeof title);
		fc_q_add(&cl->c, s->date, title);
		trace(cl, "send add %s", title);
	} else if (r < 55) {
		s->kind = S_UPDATE;
		s->date = random_date(&cl->seed);
		s->id = cl->m.ents[ent].id;
		s->seq = fm_update(&cl->m, (uint32_t)ent, s->date);
		fm_title(&cl->m, s->seq, title, sizeof title);
		fc_q_update(&cl->c, s->id, &s->date, title);
		trace(cl, "send update %lld %s", (long long)s->id, title);
	} else if (r < 70 && ent >= 0) {
		s->kind = S_DELETE;
		s->id = cl->m.ents[ent].id;
		s->seq = fm_delete(&cl->m, (uint32_t)ent);
		fc_q_delete(&cl->c, s->id);
		trace(cl, "send delete %lld (seq %u)", (long long)s->id, s->seq);
	} else if (r < 85) {
		s->kind = S_ENTRIES;
		fc_q_atom(&cl->c, "entries");
		trace(cl, "send entries");
	} else if (r < 95) {
		s->kind = S_ENTRIES_ON;
		s->date = random_date(&cl->seed);
		fc_q_entries_on(&cl->c, s->date);
		trace(cl, "send entries on %d", s->date.day);
	} else {
		s->kind = S_SIZE;
		fc_q_atom(&cl->c, "size");
		trace(cl, "send size");
	}
}

static bool
is_change(const struct slot *s)
{
	return s->kind == S_ADD || s->kind == S_UPDATE || s->kind == S_DELETE;
}

static void
handle_read(struct fl_client *cl, const struct slot *s,
    const struct etf_term *t)
{
	struct fm_seen	*seen;
	char		 buf[256];
	size_t		 n;
	int64_t		 v;

	if (s->kind == S_SIZE) {
		if (!fc_ok_int(t, &v) || v < 0)
			client_fail(cl, "size: unexpected reply %s",
			    fc_print(t, buf, sizeof buf));
		return;
	}
	if (fl_parse_entries(t, &seen, &n) == -1) {
		client_fail(cl, "entries: unexpected reply %s",
		    fc_print(t, buf, sizeof buf));
		return;
	}
	if (!fm_check_read(&cl->m, (uint16_t)cl->attached, s->kind ==
	    S_ENTRIES_ON ? &s->date : NULL, seen, n))
		client_fail(cl, "%s", cl->m.first_error);
	free(seen);
}

static void
handle_change(struct fl_client *cl, const struct slot *s,
    const struct etf_term *t)
{
	const struct etf_term	*v;
	struct todo_entry	 te;
	char			 buf[256], title[64];
	int64_t			 id;

	if (fc_is_error(t, "unavailable")) {
		fm_refused(&cl->m, s->seq);
		return;
	}
	switch (s->kind) {
	case S_ADD:
		if (fc_ok_int(t, &id) && id > 0) {
			fm_acked(&cl->m, s->seq, id);
			return;
		}
		break;
	case S_UPDATE:
		fm_title(&cl->m, s->seq, title, sizeof title);
		if ((v = fc_ok_value(t)) != NULL &&
		    todo_entry_from_term(v, &te) == 0 && te.id == s->id &&
		    te.title_len == strlen(title) &&
		    memcmp(te.title, title, te.title_len) == 0 &&
		    te.date.year == s->date.year &&
		    te.date.month == s->date.month &&
		    te.date.day == s->date.day) {
			fm_acked(&cl->m, s->seq, 0);
			return;
		}
		break;
	default:
		if (fc_is_ok(t)) {
			fm_acked(&cl->m, s->seq, 0);
			return;
		}
		break;
	}
	fm_refused(&cl->m, s->seq);
	if (s->kind == S_ADD)	/* no id yet: the reply was to give it */
		client_fail(cl, "add on list %s: unexpected reply %s",
		    cl->cfg->names[cl->attached], fc_print(t, buf, sizeof buf));
	else
		client_fail(cl, "%s of id %lld on list %s: unexpected reply %s",
		    s->kind == S_UPDATE ? "update" : "delete",
		    (long long)s->id, cl->cfg->names[cl->attached],
		    fc_print(t, buf, sizeof buf));
}

/* One pipelined group: false if the connection broke. */
static bool
group(struct fl_client *cl, int depth)
{
	const struct etf_term	*t;
	struct slot		 s[FL_PIPELINE];
	char			 tbuf[200];
	int			 i, j, r;

	for (i = 0; i < depth; i++)
		queue_one(cl, &s[i]);
	if (fc_flush(&cl->c, cl->cfg->reply_ms) == -1) {
		for (j = 0; j < depth; j++)
			if (is_change(&s[j]))
				fm_unknown(&cl->m, s[j].seq);
		broken(cl, FC_EOF, "send");
		return false;
	}
	for (i = 0; i < depth; i++) {
		if ((r = fc_recv(&cl->c, cl->cfg->reply_ms, &t)) != FC_REPLY) {
			for (j = i; j < depth; j++)
				if (is_change(&s[j]))
					fm_unknown(&cl->m, s[j].seq);
			trace(cl, "reply: %s", cl->c.err);
			broken(cl, r, "reply");
			return false;
		}
		trace(cl, "reply %s", fc_print(t, tbuf, sizeof tbuf));
		__atomic_fetch_add(&cl->replies, 1, __ATOMIC_RELAXED);
		if (is_change(&s[i]))
			handle_change(cl, &s[i], t);
		else
			handle_read(cl, &s[i], t);
	}
	fc_reset(&cl->c);
	return true;
}

static void *
client_main(void *arg)
{
	struct fl_client	*cl = arg;
	int			 n, depth;

	while (!stopping(cl)) {
		if (!attach(cl, (int)(rand_r(&cl->seed) %
		    (unsigned)cl->cfg->nlists))) {
			if (!fc_is_open(&cl->c) &&
			    atomic_load(&cl->cfg->going_down))
				break;
			continue;
		}
		for (n = 4 + (int)(rand_r(&cl->seed) % 13); n > 0 &&
		    !stopping(cl); n -= depth) {
			depth = 1 + (int)(rand_r(&cl->seed) % FL_PIPELINE);
			if (!group(cl, depth))
				break;
		}
	}
	fc_close(&cl->c);
	if (cl->trace != NULL)
		fclose(cl->trace);
	cl->trace = NULL;
	return NULL;
}

struct fl_client *
fl_start(struct fl_cfg *cfg)
{
	struct fl_client	*cls;
	int			 i;

	if ((cls = calloc((size_t)cfg->nclients, sizeof *cls)) == NULL)
		return NULL;
	for (i = 0; i < cfg->nclients; i++) {
		cls[i].cfg = cfg;
		cls[i].seed = (unsigned)time(NULL) * 31u + (unsigned)i * 7919u;
		cls[i].attached = -1;
		fm_client_init(&cls[i].m, i);
		fc_init(&cls[i].c);
	}
	for (i = 0; i < cfg->nclients; i++)
		if (pthread_create(&cls[i].th, NULL, client_main, &cls[i]) !=
		    0) {
			fprintf(stderr, "pthread_create failed\n");
			abort();
		}
	return cls;
}

void
fl_stop(struct fl_cfg *cfg, struct fl_client *cls)
{
	int	i;

	atomic_store(&cfg->stop, 1);
	for (i = 0; i < cfg->nclients; i++) {
		pthread_join(cls[i].th, NULL);
		fm_settle(&cls[i].m);
	}
}

void
fl_free(struct fl_cfg *cfg, struct fl_client *cls)
{
	int	i;

	if (cls == NULL)
		return;
	for (i = 0; i < cfg->nclients; i++) {
		fc_free(&cls[i].c);
		fm_client_free(&cls[i].m);
	}
	free(cls);
}

unsigned long
fl_progress(struct fl_cfg *cfg, struct fl_client *cls)
{
	unsigned long	n = 0;
	int		i;

	for (i = 0; i < cfg->nclients; i++)
		n += __atomic_load_n(&cls[i].replies, __ATOMIC_RELAXED);
	return n;
}

const char *
fl_failure(struct fl_cfg *cfg, struct fl_client *cls)
{
	int	i;

	for (i = 0; i < cfg->nclients; i++)
		if (cls[i].failed)
			return cls[i].error;
	return NULL;
}

int
fl_read_list(const char *sock, const char *name, struct fm_seen **seen,
    size_t *n, char *err, size_t errlen)
{
	const struct etf_term	*t;
	struct fc		 c;
	char			 buf[256];
	int			 rv = -1;
	int64_t			 pid;

	fc_init(&c);
	if (fc_open(&c, sock, h_ms(5000)) == -1) {
		snprintf(err, errlen, "read %s: %s", name, c.err);
		goto out;
	}
	fc_q_attach(&c, name);
	if (fc_call(&c, h_ms(15000), &t) != FC_REPLY || !fc_ok_int(t, &pid)) {
		snprintf(err, errlen, "read %s: attach: %s", name,
		    c.err[0] != '\0' ? c.err : fc_print(t, buf, sizeof buf));
		goto out;
	}
	fc_q_atom(&c, "entries");
	if (fc_call(&c, h_ms(15000), &t) != FC_REPLY) {
		snprintf(err, errlen, "read %s: entries: %s", name, c.err);
		goto out;
	}
	if (fl_parse_entries(t, seen, n) == -1) {
		snprintf(err, errlen, "read %s: entries: unexpected reply %s",
		    name, fc_print(t, buf, sizeof buf));
		goto out;
	}
	rv = 0;
out:
	fc_free(&c);
	return rv;
}

int
fl_verify(struct fl_cfg *cfg, struct fl_client *cls, struct fm_client *extra,
    int nextra, struct fm_report *rep, char *err, size_t errlen)
{
	struct fm_client	*all;
	struct fm_seen		*seen;
	const char		*names[FL_MAX_LISTS];
	size_t			 n;
	int			 i, ncl = cfg->nclients + nextra, rv = 0;

	if ((all = calloc((size_t)ncl, sizeof *all)) == NULL)
		abort();
	for (i = 0; i < cfg->nclients; i++)
		all[i] = cls[i].m;	/* shares the logs */
	for (i = 0; i < nextra; i++)
		all[cfg->nclients + i] = extra[i];
	for (i = 0; i < cfg->nall; i++)
		names[i] = cfg->names[i];
	fm_report_init(rep);
	fm_check_begin(all, ncl);
	for (i = 0; i < cfg->nall; i++) {
		if (fl_read_list(cfg->sock, cfg->names[i], &seen, &n, err,
		    errlen) == -1) {
			rv = -1;
			break;
		}
		fm_check_list(all, ncl, (uint16_t)i, cfg->names[i], seen, n,
		    rep);
		free(seen);
	}
	if (rv == 0)
		fm_check_missing(all, ncl, names, rep);
	free(all);
	return rv;
}
