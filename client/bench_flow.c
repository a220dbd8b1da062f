/*
 * bench_flow.c: what each todo-bench connection does, reply by reply.
 *
 * Preload: attach to the list, send its adds (PRELOAD_WINDOW in flight),
 * and when all are answered take the next list on a new connection.
 * Measure: keep PIPELINE requests in flight, a new one sent as soon as a
 * reply arrives, reads or adds by the workload's mix.  The open workload
 * instead opens list after list: connect (or re-attach), attach, one
 * request; the time from the start of the open to that request's reply is
 * one sample.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etf.h"
#include "bench.h"
#include "bench_conn.h"
#include "bench_req.h"
#include "bench_run.h"

#define PRELOAD_WINDOW	1024
#define FILL_MAX	(64 * 1024)	/* bytes queued before the socket */

static void	 flow_open_done(struct bconn *, uint64_t);

static void
bench_flush(struct bconn *c)
{
	if (conn_queued(c) > 0)
		conn_flush(c);
}

static int
send_enc(struct bconn *c, uint8_t kind, uint64_t now)
{
	struct bench *b = c->b;

	if (b->enc.oom || conn_send(c, b->enc.p, b->enc.len, kind, now) == -1) {
		bench_abort(b, "out of memory");
		return -1;
	}
	return 0;
}

/* One measured request: a read or an add, by the workload's mix. */
static int
send_request(struct bconn *c, uint64_t now)
{
	struct bench *b = c->b;
	const struct bench_opts *o = b->o;
	bool read;

	if (o->workload == WL_READ)
		read = true;
	else if (o->workload == WL_WRITE)
		read = false;
	else
		read = (int)(bench_rand(&b->rng) % 100) < o->read_pct;
	if (read) {
		bench_enc_read(&b->enc, bench_rand(&b->rng) % b->ndates);
		return send_enc(c, K_READ, now);
	}
	bench_enc_add(&b->enc, c->list, (uint64_t)o->existing +
	    b->writes[c->list]++, o->title_size);
	return send_enc(c, K_WRITE, now);
}

static void
count_issued(struct bench *b)
{
	b->issued++;
	if (b->o->requests > 0 && b->issued >= b->o->requests)
		b->stop_issuing = true;
}

/* Connect if needed, then send {server_process, Name}. */
void
flow_open_list(struct bconn *c, long list, uint64_t now)
{
	struct bench *b = c->b;
	char why[128];
	int rv;

	c->list = list;
	if (c->fd == -1) {
		rv = conn_connect(c, b->o->socket, why, sizeof(why));
		if (rv == 1) {
			c->state = CS_RETRY;
			return;
		}
		if (rv == -1) {
			b->r->unreachable = true;
			bench_abort(b, "%s: %s", b->o->socket, why);
			return;
		}
	}
	c->state = CS_ATTACH;
	bench_enc_attach(&b->enc, b->o->prefix, list);
	if (send_enc(c, K_ATTACH, now) == -1)
		return;
	if (b->phase == PH_MEASURE && b->o->pipeline > 1 &&
	    send_request(c, now) == -1)
		return;
	conn_flush(c);
}

void
run_on_retry(struct bconn *c)
{
	if (c->state == CS_RETRY)
		flow_open_list(c, c->list, now_ns());
}

void
run_on_fail(struct bconn *c, const char *reason)
{
	struct bench *b = c->b;
	struct slot *s;

	if (b->phase != PH_MEASURE) {
		bench_abort(b, "connection lost during the %s: %s",
		    bench_phase_name(b->phase), reason);
		return;
	}
	if (b->o->workload == WL_OPEN) {
		bench_error(&b->r->err, reason);
		conn_close(c);
		c->open_failed = true;
		flow_open_done(c, now_ns());
		return;
	}
	/* Its requests in flight are lost: done, as errors, so that a run
	 * of -n requests still ends when the others are answered.  A
	 * connection lost with none in flight failed no request: it is
	 * not an error (the run ends if it was the last). */
	while ((s = conn_pop(c)) != NULL) {
		bench_error(&b->r->err, reason);
		if (s->kind == K_READ || s->kind == K_WRITE)
			b->done++;
	}
	conn_close(c);
	c->state = CS_IDLE;
	if (b->o->requests > 0 && b->done >= b->o->requests)
		bench_finish(b, now_ns());
	else if (--b->busy == 0)
		bench_abort(b, "every connection was lost (last: %s)",
		    reason);
}

static void
attach_replied(struct bconn *c, const struct slot *s, int cls,
    const char *reason, uint64_t now)
{
	struct bench *b = c->b;
	char name[TODO_NAME_MAX + 1];

	if (cls != REPLY_OK && b->phase != PH_MEASURE) {
		bench_list_name(name, sizeof(name), b->o->prefix, c->list);
		bench_abort(b, "cannot attach to %s: %s", name, reason);
		return;
	}
	switch (b->phase) {
	case PH_PRELOAD:
		c->state = CS_PRELOAD;
		c->left = (uint64_t)b->o->preload;
		c->seq = 0;
		break;
	case PH_SETUP:
		c->state = CS_READY;
		if (--b->busy == 0)
			bench_start_measure(b, now);
		break;
	case PH_MEASURE:
		c->state = CS_OPEN;
		if (cls == REPLY_OK) {
			hist_add(&b->r->h[K_ATTACH], now - s->t);
			if (b->o->pipeline == 1 && send_request(c, now) == 0)
				conn_flush(c);
		} else {
			bench_error(&b->r->err, reason);
			c->open_failed = true;
		}
		if (c->n == 0)
			flow_open_done(c, now);
		break;
	}
}

static void
flow_open_done(struct bconn *c, uint64_t now)
{
	struct bench *b = c->b;

	if (!c->open_failed) {
		hist_add(&b->r->h[K_OPEN], now - c->t_open);
		b->r->ok++;
	}
	b->done++;
	if (b->o->requests > 0 && b->done >= b->o->requests) {
		bench_finish(b, now);
		return;
	}
	flow_open_next(c, now);
}

static void
request_replied(struct bconn *c, const struct slot *s, int cls,
    const char *reason, uint64_t nent, uint64_t now)
{
	struct bench *b = c->b;
	struct bench_result *r = b->r;

	if (b->phase == PH_PRELOAD) {
		if (cls != REPLY_OK) {
			bench_abort(b, "preload: add_entry: %s", reason);
			return;
		}
		/* Each entry as it is added: an interrupted preload says
		 * what the lists hold. */
		r->preloaded++;
		if (c->n == 0 && c->left == 0)
			flow_preload_next(c, now);
		return;
	}
	if (cls == REPLY_OK) {
		hist_add(&r->h[s->kind], now - s->t);
		r->read_entries += nent;
		if (b->o->workload != WL_OPEN) {
			hist_add(&r->all, now - s->t);
			r->ok++;
		}
	} else {
		bench_error(&r->err, reason);
		c->open_failed = true;
	}
	if (b->o->workload == WL_OPEN) {
		if (c->n == 0)
			flow_open_done(c, now);
		return;
	}
	b->done++;
	if (b->o->requests > 0 && b->done >= b->o->requests)
		bench_finish(b, now);
}

void
run_on_frame(struct bconn *c, const uint8_t *p, size_t len, uint64_t now)
{
	struct bench *b = c->b;
	struct slot s, *sp;
	char reason[48];
	uint64_t nent = 0;
	int cls;

	if (b->phase == PH_DONE)
		return;
	b->t_last = now;
	if ((sp = conn_pop(c)) == NULL) {
		run_on_fail(c, "unexpected_reply");
		return;
	}
	s = *sp;
	cls = bench_reply(p, len, s.kind, &nent, reason, sizeof(reason));
	if (cls == REPLY_BAD)
		snprintf(reason, sizeof(reason), "bad_reply");
	if (s.kind == K_ATTACH)
		attach_replied(c, &s, cls, reason, now);
	else
		request_replied(c, &s, cls, reason, nent, now);
}

void
run_on_fill(struct bconn *c, uint64_t now)
{
	struct bench *b = c->b;

	if (b->phase == PH_DONE)
		return;
	if (c->state == CS_PRELOAD) {
		while (c->left > 0 && c->n < PRELOAD_WINDOW &&
		    conn_queued(c) < FILL_MAX) {
			bench_enc_add(&b->enc, c->list, c->seq++,
			    b->o->title_size);
			if (send_enc(c, K_WRITE, now) == -1)
				return;
			c->left--;
		}
	} else if (c->state == CS_RUN) {
		while (!b->stop_issuing && c->n < (size_t)b->o->pipeline &&
		    conn_queued(c) < FILL_MAX) {
			if (send_request(c, now) == -1)
				return;
			count_issued(b);
		}
	}
	bench_flush(c);
}

void
flow_preload_next(struct bconn *c, uint64_t now)
{
	struct bench *b = c->b;

	conn_close(c);
	if (b->next >= b->o->lists) {
		c->state = CS_IDLE;
		if (--b->busy > 0)
			return;
		b->r->preload_s = (double)(now - b->t_preload) / 1e9;
		if (b->o->preload_only) {
			bench_finish(b, now);
			return;
		}
		b->next = 0;
		bench_start_setup(b, now);
		return;
	}
	flow_open_list(c, b->next++, now);
}

void
flow_open_next(struct bconn *c, uint64_t now)
{
	struct bench *b = c->b;

	if (b->phase != PH_MEASURE)
		return;
	if (b->stop_issuing) {
		c->state = CS_IDLE;
		if (--b->busy == 0)
			bench_finish(b, now);
		return;
	}
	count_issued(b);
	c->t_open = now;
	c->open_failed = false;
	if (b->o->open_via == OPEN_CONNECT)
		conn_close(c);
	flow_open_list(c, b->next++ % b->o->lists, now);
}
