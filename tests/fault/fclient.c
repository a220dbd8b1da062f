/*
 * fclient.c: a blocking client with deadlines, one per thread, for the
 * fault tests; requests are encoded piece by piece, replies decoded
 * into an arena.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fclient.h"
#include "frame.h"
#include "harness.h"

static void	fc_seterr(struct fc *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static size_t	pr(char *, size_t, size_t, const char *, ...)
		    __attribute__((format(printf, 4, 5)));

static void
fc_seterr(struct fc *c, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof c->err, fmt, ap);
	va_end(ap);
}




void
fc_init(struct fc *c)
{
	memset(c, 0, sizeof *c);
	c->fd = -1;
	etf_buf_init(&c->out);
	etf_buf_init(&c->scratch);
}

bool
fc_is_open(const struct fc *c)
{
	return c->fd != -1;
}

int
fc_open(struct fc *c, const char *path, int ms)
{
	struct sockaddr_un	 sun;
	int64_t			 end = h_now_ms() + ms;
	int			 fd;

	fc_close(c);
	if (c->arena == NULL && (c->arena = etf_arena_new()) == NULL) {
		fc_seterr(c, "out of memory");
		return -1;
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		fc_seterr(c, "socket path too long");
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	for (;;) {
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
		    -1) {
			fc_seterr(c, "socket: %s", strerror(errno));
			return -1;
		}
		if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0)
			break;
		fc_seterr(c, "connect %s: %s", path, strerror(errno));
		close(fd);
		if (errno != EAGAIN || h_now_ms() >= end)
			return -1;
		h_pause_ms(2);
	}
	c->fd = fd;
	return 0;
}

void
fc_close(struct fc *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	c->inlen = 0;
	etf_buf_reset(&c->out);
	if (c->arena != NULL)
		etf_arena_reset(c->arena);
}

void
fc_free(struct fc *c)
{
	fc_close(c);
	etf_arena_free(c->arena);
	c->arena = NULL;
	etf_buf_free(&c->out);
	etf_buf_free(&c->scratch);
	free(c->in);
	c->in = NULL;
	c->incap = 0;
}

void
fc_reset(struct fc *c)
{
	if (c->arena != NULL)
		etf_arena_reset(c->arena);
}

/* ---- requests ---- */

static struct etf_buf *
q_begin(struct fc *c)
{
	etf_buf_reset(&c->scratch);
	etf_put_version(&c->scratch);
	return &c->scratch;
}

static void
q_end(struct fc *c)
{
	uint8_t	hdr[FRAME_HDR];

	frame_put_len(hdr, (uint32_t)c->scratch.len);
	etf_buf_append(&c->out, hdr, sizeof hdr);
	etf_buf_append(&c->out, c->scratch.p, c->scratch.len);
}

void
fc_q_atom(struct fc *c, const char *atom)
{
	etf_put_atom(q_begin(c), atom);
	q_end(c);
}

void
fc_q_attach(struct fc *c, const char *name)
{
	struct etf_buf	*b = q_begin(c);

	etf_put_tuple(b, 2);
	etf_put_atom(b, "server_process");
	etf_put_binary(b, name, strlen(name));
	q_end(c);
}

void
fc_q_add(struct fc *c, struct todo_date date, const char *title)
{
	struct etf_buf	*b = q_begin(c);

	etf_put_tuple(b, 2);
	etf_put_atom(b, "add_entry");
	etf_put_map(b, 2);
	etf_put_atom(b, "date");
	todo_put_date(b, date);
	etf_put_atom(b, "title");
	etf_put_binary(b, title, strlen(title));
	q_end(c);
}

void
fc_q_update(struct fc *c, int64_t id, const struct todo_date *date,
    const char *title)
{
	struct etf_buf	*b = q_begin(c);

	etf_put_tuple(b, 3);
	etf_put_atom(b, "update_entry");
	etf_put_int(b, id);
	etf_put_map(b, (date != NULL) + (title != NULL));
	if (date != NULL) {
		etf_put_atom(b, "date");
		todo_put_date(b, *date);
	}
	if (title != NULL) {
		etf_put_atom(b, "title");
		etf_put_binary(b, title, strlen(title));
	}
	q_end(c);
}

void
fc_q_delete(struct fc *c, int64_t id)
{
	struct etf_buf	*b = q_begin(c);

	etf_put_tuple(b, 2);
	etf_put_atom(b, "delete_entry");
	etf_put_int(b, id);
	q_end(c);
}

void
fc_q_entries_on(struct fc *c, struct todo_date date)
{
	struct etf_buf	*b = q_begin(c);

	etf_put_tuple(b, 2);
	etf_put_atom(b, "entries");
	todo_put_date(b, date);
	q_end(c);
}

/* ---- I/O ---- */


int
fc_flush(struct fc *c, int ms)
{
	int64_t	end = h_now_ms() + ms;
	size_t	off = 0;
	ssize_t	n;

	if (c->out.oom) {
		fc_seterr(c, "out of memory");
		return -1;
	}
	while (off < c->out.len) {
		n = send(c->fd, c->out.p + off, c->out.len - off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == -1 && errno != EAGAIN && errno != EINTR) {
			fc_seterr(c, "send: %s", strerror(errno));
			etf_buf_reset(&c->out);
			return -1;
		}
		if (h_wait_fd(c->fd, POLLOUT, end) == -1) {
			fc_seterr(c, "send: not taken within %d ms", ms);
			etf_buf_reset(&c->out);
			return -1;
		}
	}
	etf_buf_reset(&c->out);
	return 0;
}

/* Read what is there, waiting until end: 1 data, 0 EOF, -1. */
static int
fill(struct fc *c, int64_t end)
{
	uint8_t	*n;
	ssize_t	 r;

	if (c->incap - c->inlen < 65536) {
		if ((n = realloc(c->in, c->incap + 65536)) == NULL) {
			fc_seterr(c, "out of memory");
			return -1;
		}
		c->in = n;
		c->incap += 65536;
	}
	for (;;) {
		r = recv(c->fd, c->in + c->inlen, c->incap - c->inlen,
		    MSG_DONTWAIT);
		if (r > 0) {
			c->inlen += (size_t)r;
			return 1;
		}
		if (r == 0 || errno == ECONNRESET)
			return 0;
		if (errno != EAGAIN && errno != EINTR) {
			fc_seterr(c, "recv: %s", strerror(errno));
			return -1;
		}
		if (h_wait_fd(c->fd, POLLIN, end) == -1) {
			fc_seterr(c, "no reply within the deadline");
			return -1;
		}
	}
}

int
fc_recv(struct fc *c, int ms, const struct etf_term **out)
{
	int64_t	 end = h_now_ms() + ms;
	uint32_t L;
	uint8_t	*p;
	int	 r;

	if (c->fd == -1) {
		fc_seterr(c, "not connected");
		return FC_FAIL;
	}
	while (c->inlen < FRAME_HDR ||
	    c->inlen < FRAME_HDR + (size_t)frame_get_len(c->in)) {
		if (c->inlen >= FRAME_HDR &&
		    frame_get_len(c->in) > FC_MAX_REPLY) {
			fc_seterr(c, "reply length %u", frame_get_len(c->in));
			return FC_FAIL;
		}
		if ((r = fill(c, end)) <= 0) {
			if (r == 0 && c->inlen == 0) {
				fc_seterr(c, "closed by the server");
				return FC_EOF;
			}
			if (r == 0)
				fc_seterr(c, "closed inside a frame");
			return FC_FAIL;
		}
	}
	L = frame_get_len(c->in);
	if ((p = etf_arena_alloc(c->arena, L + 1)) == NULL) {
		fc_seterr(c, "out of memory");
		return FC_FAIL;
	}
	memcpy(p, c->in + FRAME_HDR, L);
	c->inlen -= FRAME_HDR + L;
	memmove(c->in, c->in + FRAME_HDR + L, c->inlen);
	if ((r = etf_decode(c->arena, p, L, FC_MAX_REPLY, out)) != ETF_OK) {
		fc_seterr(c, "undecodable reply: %s", etf_strerror(r));
		return FC_FAIL;
	}
	return FC_REPLY;
}

int
fc_call(struct fc *c, int ms, const struct etf_term **out)
{
	int64_t	start = h_now_ms();
	int64_t	left;

	if (fc_flush(c, ms) == -1)
		return FC_FAIL;
	left = ms - (h_now_ms() - start);
	return fc_recv(c, left > 0 ? (int)left : 0, out);
}

/* ---- replies ---- */

bool
fc_is_ok(const struct etf_term *t)
{
	return t != NULL && etf_is_atom(t, "ok");
}

const struct etf_term *
fc_ok_value(const struct etf_term *t)
{
	if (t == NULL || !etf_is_tuple(t, 2) || !etf_is_atom(&t->seq.v[0],
	    "ok"))
		return NULL;
	return &t->seq.v[1];
}

bool
fc_ok_int(const struct etf_term *t, int64_t *v)
{
	const struct etf_term	*x = fc_ok_value(t);

	if (x == NULL || x->type != ETF_INT)
		return false;
	*v = x->i;
	return true;
}

bool
fc_is_error(const struct etf_term *t, const char *reason)
{
	if (t == NULL || !etf_is_tuple(t, 2) || !etf_is_atom(&t->seq.v[0],
	    "error") || t->seq.v[1].type != ETF_ATOM)
		return false;
	return reason == NULL || etf_is_atom(&t->seq.v[1], reason);
}

static size_t
pr(char *buf, size_t len, size_t off, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (off >= len)
		return off;
	va_start(ap, fmt);
	n = vsnprintf(buf + off, len - off, fmt, ap);
	va_end(ap);
	return n < 0 ? off : off + (size_t)n;
}

static size_t
pr_term(const struct etf_term *t, char *buf, size_t len, size_t off)
{
	size_t	i;

	switch (t->type) {
	case ETF_INT:
		return pr(buf, len, off, "%lld", (long long)t->i);
	case ETF_FLOAT:
		return pr(buf, len, off, "%g", t->f);
	case ETF_ATOM:
		return pr(buf, len, off, "%s", t->atom.p);
	case ETF_BINARY:
		return pr(buf, len, off, "<<\"%.*s\">>", (int)(t->bin.len > 64 ?
		    64 : t->bin.len), (const char *)t->bin.p);
	case ETF_LIST:
	case ETF_TUPLE:
		off = pr(buf, len, off, t->type == ETF_LIST ? "[" : "{");
		for (i = 0; i < t->seq.n && off < len; i++) {
			if (i > 0)
				off = pr(buf, len, off, ", ");
			off = pr_term(&t->seq.v[i], buf, len, off);
		}
		return pr(buf, len, off, t->type == ETF_LIST ? "]" : "}");
	case ETF_MAP:
		off = pr(buf, len, off, "#{");
		for (i = 0; i < t->map.n && off < len; i++) {
			if (i > 0)
				off = pr(buf, len, off, ", ");
			off = pr_term(&t->map.kv[2 * i], buf, len, off);
			off = pr(buf, len, off, " => ");
			off = pr_term(&t->map.kv[2 * i + 1], buf, len, off);
		}
		return pr(buf, len, off, "}");
	default:
		return pr(buf, len, off, "(term of type %d)", (int)t->type);
	}
}

const char *
fc_print(const struct etf_term *t, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (t == NULL)
		snprintf(buf, len, "(none)");
	else
		pr_term(t, buf, len, 0);
	return buf;
}

int
fc_worker_of(const char *name, int nworkers)
{
	const unsigned char	*p = (const unsigned char *)name;
	uint32_t		 h = 2166136261u;

	for (; *p != '\0'; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return (int)(h % (uint32_t)nworkers);
}

/* ---- stats ---- */

static int64_t
map_int(const struct etf_term *m, const char *key)
{
	const struct etf_term	*v = etf_map_get(m, key);

	return v != NULL && v->type == ETF_INT ? v->i : -1;
}

static int
parse_stats(const struct etf_term *m, struct fc_stats *st)
{
	const struct etf_term	*w, *l, *e, *nm, *u;
	size_t			 i;

	if (m == NULL || m->type != ETF_MAP)
		return -1;
	if ((u = etf_map_get(m, "uids")) == NULL || u->type != ETF_MAP)
		return -1;
	for (i = 0; i < u->map.n; i++)
		if (u->map.kv[2 * i].type == ETF_INT &&
		    u->map.kv[2 * i].i == (int64_t)getuid() &&
		    u->map.kv[2 * i + 1].type == ETF_INT)
			st->my_conns = u->map.kv[2 * i + 1].i;
	st->supervisor = (pid_t)map_int(m, "supervisor");
	st->cache = (pid_t)map_int(m, "cache");
	st->spawner = (pid_t)map_int(m, "spawner");
	st->lists_live = map_int(m, "lists_live");
	st->restarts = map_int(m, "restarts");
	st->spawns = map_int(m, "spawns");
	if ((w = etf_map_get(m, "workers")) == NULL || w->type != ETF_LIST)
		return -1;
	for (i = 0; i < w->seq.n && i < 64; i++)
		st->workers[st->nworkers++] =
		    (pid_t)map_int(&w->seq.v[i], "pid");
	if ((l = etf_map_get(m, "lists")) == NULL || l->type != ETF_LIST)
		return -1;
	for (i = 0; i < l->seq.n && st->nlists < FC_MAX_LISTS; i++) {
		e = &l->seq.v[i];
		if (e->type != ETF_MAP || (nm = etf_map_get(e, "name")) ==
		    NULL || nm->type != ETF_BINARY)
			return -1;
		snprintf(st->name[st->nlists], sizeof st->name[0], "%.*s",
		    (int)nm->bin.len, (const char *)nm->bin.p);
		st->pid[st->nlists++] = (pid_t)map_int(e, "pid");
	}
	return 0;
}

int
fc_stats(const char *sock, struct fc_stats *st, char *err, size_t errlen)
{
	const struct etf_term	*t;
	struct fc		 c;
	char			 buf[512];
	int			 rv = -1;

	memset(st, 0, sizeof *st);
	fc_init(&c);
	if (fc_open(&c, sock, h_ms(5000)) == -1) {
		snprintf(err, errlen, "stats: %s", c.err);
		fc_free(&c);
		return -1;
	}
	fc_q_atom(&c, "stats");
	if (fc_call(&c, h_ms(5000), &t) != FC_REPLY)
		snprintf(err, errlen, "stats: %s", c.err);
	else if (parse_stats(fc_ok_value(t), st) == -1)
		snprintf(err, errlen, "stats: unexpected reply %s",
		    fc_print(t, buf, sizeof buf));
	else
		rv = 0;
	fc_free(&c);
	return rv;
}

pid_t
fc_stats_list_pid(const struct fc_stats *st, const char *name)
{
	int	i;

	for (i = 0; i < st->nlists; i++)
		if (strcmp(st->name[i], name) == 0)
			return st->pid[i];
	return 0;
}

