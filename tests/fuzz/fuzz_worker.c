/*
 * fuzz_worker.c: a database worker's handling of its peers' messages,
 * driven in-process.
 *
 * A worker runs in this process on an empty data directory, with two
 * peers (list server links) whose bytes come from the input.  The first
 * byte chooses how:
 *
 *   bit 0     0: the rest is peer 0's byte stream as it is (frames of
 *             any bytes); 1: the rest is a program of messages, made
 *             well-formed here (below), so that mutations reach the
 *             journal, its rotation and the checkpoints
 *   bits 1-2  journal_max: 32 MiB, 512, 4 KiB or 64 KiB
 *   bits 3-4  ckpt_pass: 16, 1, 2 or 4
 *   bit 5     peer 1 comes as a new list server's link of list "a"
 *             (answered {get, "a"} unasked) instead of a plain peer
 *
 *   bit 6     the worker then crashes (is freed without its orderly
 *             stop) instead of stopping in order
 *
 * The peers shut down their sending side after their bytes (a
 * program's peers once the replies the model knows of have come: the
 * worker takes the end of a stream for the end of its peer and drops
 * the replies still to send).  Every reply must be a frame holding one
 * valid term, with a descriptor where its header says so ({file, Size}:
 * an open file of Size bytes), and the worker must close both
 * connections in the end (no hang).  Then a probe asks it for lists "a"
 * to "d" (what a new list server would load).  After an orderly stop
 * the list files must hold exactly those lists; after a crash and the
 * recovery of the next start, too; and that worker must answer the same
 * lists.  Every list file left must read back as a list.
 *
 * Those checks hold the worker to itself; a program's messages are also
 * held to a model of the protocol of its own (wmodel.h), which shares no
 * code with the worker, the list or the op replay.  The model decides
 * which messages are malformed (the link closes once the messages before
 * are answered, and nothing after counts), which are resent (Seq not
 * above the last written since the list's last get: {stored, Seq} and no
 * change) and what the others do to their list.  Every reply must be
 * the one it expects ({stored, Seq}, or a list; a link closed early, an
 * error or an answer to a malformed message is a finding); a get in the
 * program must answer the list as it was at the get or after some of
 * the changes that follow it (the worker answers a round of messages
 * once the whole round is written); both probes must answer exactly the
 * model's lists (entries, next_id, and not_found for a list never
 * written).  Only lists that one peer alone names are modelled: the
 * worker takes in the two links in an order the model cannot know.
 * Peer 1's unasked get of "a" is queued before any peer is read, so it
 * finds nothing and leaves "a" to the peer that names it.  A raw frame
 * that has the shape of a request turns the model off for the program.
 *
 * A program is a series of instructions; the first byte of each:
 *   bit 7     which peer sends it
 *   bits 2-3  the list: "a", "b", "c" or "d"
 *   bits 0-1  0 {get, Name}
 *             1 {append, Name, Seq, Ops}: a byte Seq, a byte n, then
 *               n % 4 + 1 ops, each a kind byte (add, update, delete)
 *               and an id byte; an add then has a date (3 bytes: a
 *               day of 2000-2039, or none: month 0 or 13, day 0, a day
 *               past the month's end) and a title (a length byte and
 *               its bytes);
 *               an update has a date unless bit 0 of its id is set,
 *               then a title unless bit 1 is
 *             2 {store, Name, Seq, List}: a byte Seq, a byte n, then
 *               n % 8 entries 1..n, each a real date and a title (sent
 *               empty if it is not a valid title)
 *             3 a frame of raw bytes: a length byte and its bytes
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "etf.h"
#include "frame.h"
#include "fuzzdir.h"
#include "getreply.h"
#include "listfile.h"
#include "log.h"
#include "todo_term.h"
#include "todolist.h"
#include "wmodel.h"
#include "worker.h"

#define MAX_FILE	(FUZZDIR_MAX_FRAME - 64)	/* as a list server loads */
#define NPEERS		WM_PEERS
#define NLISTS		WM_LISTS	/* "a" to "d" */
#define MAX_FDS		64		/* descriptors waiting for their frame */
#define ROUNDS		100000		/* event loop passes: more is a hang */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct etf_arena	*arena;

/* ---- the input, read as a program ---- */

struct input {
	const uint8_t	*p;
	size_t		 len;
};

static uint8_t
next(struct input *in)
{
	if (in->len == 0)
		return 0;
	in->len--;
	return *in->p++;
}

static const char *const names[NLISTS] = { "a", "b", "c", "d" };

static void
read_date(struct input *in, struct wm_date *d)
{
	d->year = 2000 + next(in) % 40;
	d->month = next(in) % 14;		/* 0 and 13: not a month */
	d->day = next(in) % 32;
}

static void
read_bytes(struct input *in, struct wm_bytes *t)
{
	size_t i;

	t->len = next(in);
	for (i = 0; i < t->len; i++)
		t->p[i] = next(in);
}

static void
read_op(struct input *in, struct wm_op *op)
{
	op->kind = (enum wm_op_kind)(next(in) % 3);
	op->id = next(in);
	op->has_date = op->kind == WM_ADD ||
	    (op->kind == WM_UPDATE && !(op->id & 1));
	op->has_title = op->kind == WM_ADD ||
	    (op->kind == WM_UPDATE && !(op->id & 2));
	if (op->has_date)
		read_date(in, &op->date);
	if (op->has_title)
		read_bytes(in, &op->title);
}

/* A store's entry, with a real date; a title that is not valid is sent
 * empty (a list the worker must refuse). */
static void
read_entry(struct input *in, struct wm_entry *e)
{
	e->date.year = 2000 + next(in) % 40;
	e->date.month = 1 + next(in) % 12;
	e->date.day = 1 + next(in) % 28;
	read_bytes(in, &e->title);
	if (!todo_title_valid(e->title.p, e->title.len))
		e->title.len = 0;
}

/* Whether a raw frame may be a request, which the model cannot follow:
 * a term of the shape of one (the worker may still find it malformed). */
static bool
raw_request(const struct wm_bytes *raw)
{
	const struct etf_term *t, *v;
	bool req = false;

	etf_arena_reset(arena);
	if (etf_decode(arena, raw->p, raw->len, FUZZDIR_MAX_FRAME, &t) ==
	    ETF_OK && t->type == ETF_TUPLE && t->seq.n > 0) {
		v = t->seq.v;
		req = (t->seq.n == 2 && etf_is_atom(v, "get")) ||
		    (t->seq.n == 4 && (etf_is_atom(v, "append") ||
		    etf_is_atom(v, "store")));
	}
	etf_arena_reset(arena);
	return req;
}

static void
read_message(struct input *in, struct wm_msg *msg)
{
	uint8_t c = next(in);
	size_t i;

	msg->peer = c >> 7;
	msg->list = (c >> 2) & 3;
	msg->kind = (enum wm_msg_kind)(c & 3);
	switch (msg->kind) {
	case WM_GET:
		break;
	case WM_APPEND:
		msg->seq = next(in);
		msg->n = next(in) % 4 + 1;
		for (i = 0; i < msg->n; i++)
			read_op(in, &msg->ops[i]);
		break;
	case WM_STORE:
		msg->seq = next(in);
		msg->n = next(in) % 8;
		for (i = 0; i < msg->n; i++)
			read_entry(in, &msg->entries[i]);
		break;
	case WM_RAW:
		read_bytes(in, &msg->raw);
		msg->request = raw_request(&msg->raw);
		break;
	}
}

/* ---- the program, as terms ---- */

static void
put_op(struct etf_buf *b, const struct wm_op *op)
{
	static const char *const kinds[] = { "add", "update", "delete" };

	etf_put_tuple(b, op->kind == WM_DELETE ? 2 : 4);
	etf_put_atom(b, kinds[op->kind]);
	etf_put_int(b, op->id);
	if (op->kind == WM_DELETE)
		return;
	if (op->has_date) {
		etf_put_tuple(b, 3);
		etf_put_int(b, op->date.year);
		etf_put_int(b, op->date.month);
		etf_put_int(b, op->date.day);
	} else
		etf_put_atom(b, "nil");
	if (op->has_title)
		etf_put_binary(b, op->title.p, op->title.len);
	else
		etf_put_atom(b, "nil");
}

/* A store's list, as a list server sends it: entries 1..n. */
static void
put_list(struct etf_buf *b, const struct wm_msg *msg)
{
	const struct wm_entry *e;
	struct todo_list *l;
	struct todo_date d;
	int64_t id;
	size_t i;

	if ((l = todolist_new()) == NULL)
		abort();
	for (i = 0; i < msg->n; i++) {
		e = &msg->entries[i];
		d.year = e->date.year;
		d.month = e->date.month;
		d.day = e->date.day;
		if (todolist_add(l, d, e->title.p, e->title.len, &id) == -1)
			abort();
	}
	listfile_put(b, l);
	todolist_free(l);
}

/* {Kind, Name} or {Kind, Name, Seq, ...}. */
static void
put_head(struct etf_buf *b, const char *kind, const char *name, int64_t seq)
{
	etf_put_tuple(b, seq == -1 ? 2 : 4);
	etf_put_atom(b, kind);
	etf_put_binary(b, name, strlen(name));
	if (seq != -1)
		etf_put_int(b, seq);
}

/* A message, framed, onto its peer's stream. */
static void
put_message(struct evbuffer *out, const struct wm_msg *msg)
{
	struct etf_buf b;
	uint8_t hdr[FRAME_HDR];
	const char *name = names[msg->list];
	size_t i;

	etf_buf_init(&b);
	etf_put_version(&b);
	switch (msg->kind) {
	case WM_GET:
		put_head(&b, "get", name, -1);
		break;
	case WM_APPEND:
		put_head(&b, "append", name, msg->seq);
		etf_put_list(&b, (uint32_t)msg->n);
		for (i = 0; i < msg->n; i++)
			put_op(&b, &msg->ops[i]);
		etf_put_nil(&b);
		break;
	case WM_STORE:
		put_head(&b, "store", name, msg->seq);
		put_list(&b, msg);
		break;
	case WM_RAW:
		etf_buf_reset(&b);
		etf_buf_append(&b, msg->raw.p, msg->raw.len);
		break;
	}
	frame_put_len(hdr, (uint32_t)b.len);
	if (evbuffer_add(out, hdr, sizeof(hdr)) == -1 ||
	    evbuffer_add(out, b.p, b.len) == -1)
		abort();
	etf_buf_free(&b);
}

/* The program onto the peers' streams, and into the model. */
static void
put_program(struct evbuffer *out[NPEERS], struct input *in, bool unasked)
{
	struct wm_msg msg;

	wm_start(unasked);
	while (in->len > 0) {
		read_message(in, &msg);
		put_message(out[msg.peer], &msg);
		wm_message(&msg);
	}
	wm_sent();
}

/* ---- the peers' side ---- */

struct peer {
	int		 fd;
	struct evbuffer	*out;		/* still to send */
	struct evbuffer	*in;		/* replies received */
	int		 fds[MAX_FDS];	/* descriptors received, in order */
	int		 nfds;
	bool		 shut;		/* sending side shut down */
	bool		 eof;		/* the worker closed */
	int		 model;		/* its peer in the model, or -1 */
	/* A probe's replies: the lists of names[] (NULL: not loadable) and
	 * whether each was found (not not_found). */
	bool		 probe;
	int		 nlists;
	struct todo_list *lists[NLISTS];
	bool		 found[NLISTS];
};

static void
peer_send(struct peer *pr)
{
	ssize_t n;

	if (pr->shut)
		return;
	if (evbuffer_get_length(pr->out) > 0) {
		n = evbuffer_write(pr->out, pr->fd);
		if (n == -1 && errno != EAGAIN)
			evbuffer_drain(pr->out, evbuffer_get_length(pr->out));
	}
	/* A program's peer waits for the replies the model knows of before
	 * it shuts down: the worker takes the end of a peer's stream for the
	 * end of the peer, and drops the replies still to send. */
	if (evbuffer_get_length(pr->out) == 0 &&
	    (pr->model == -1 || !wm_waits(pr->model))) {
		shutdown(pr->fd, SHUT_WR);
		pr->shut = true;
	}
}

/* The list of an answer to a get (fd: its descriptor, or -1), or NULL:
 * an error, a corrupt file (lost).  *found: it is not not_found. */
static struct todo_list *
answer_list(const struct etf_term *t, int fd, bool *found)
{
	struct todo_list *l;
	const char *why;
	int rc;

	if (fd != -1)
		rc = getreply_file(arena, t, fd, 16u << 20, MAX_FILE, &l, &why);
	else
		rc = getreply_list(arena, t, MAX_FILE, &l, &why);
	if (rc == GETREPLY_BAD)
		abort();	/* not an answer to a get */
	*found = !etf_is_atom(t, "not_found");
	return rc == GETREPLY_OK ? l : NULL;
}

/* A program's reply, for the model to judge. */
static void
model_reply(int peer, const struct etf_term *t, int fd)
{
	struct todo_list *l;
	bool found;

	if (etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "stored") &&
	    t->seq.v[1].type == ETF_INT) {
		wm_stored(peer, t->seq.v[1].i);
		return;
	}
	l = answer_list(t, fd, &found);
	wm_answer(peer, l, found);
	todolist_free(l);
}

/* Check a reply; fd is the descriptor it carried, or -1.  A probe's
 * reply is the answer to a get: keep its list. */
static void
check_reply(struct peer *pr, const uint8_t *p, size_t len, int fd)
{
	const struct etf_term *t;
	struct stat st;

	etf_arena_reset(arena);
	if (etf_decode(arena, p, len, len, &t) != ETF_OK)
		abort();	/* not a term */
	if (fd != -1 && (!etf_is_tuple(t, 2) ||
	    !etf_is_atom(&t->seq.v[0], "file") ||
	    t->seq.v[1].type != ETF_INT || fstat(fd, &st) == -1 ||
	    st.st_size != t->seq.v[1].i))
		abort();	/* a descriptor that is not the file */
	if (pr->probe) {
		if (pr->nlists == NLISTS)
			abort();	/* more answers than gets */
		pr->lists[pr->nlists] = answer_list(t, fd,
		    &pr->found[pr->nlists]);
		pr->nlists++;
	} else if (pr->model != -1)
		model_reply(pr->model, t, fd);
	if (fd != -1)
		close(fd);
}

static void
peer_take_fds(struct peer *pr, struct msghdr *msg)
{
	struct cmsghdr *cm;
	size_t i, n;
	int fd;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			    sizeof(fd));
			if (pr->nfds == MAX_FDS)
				abort();	/* more than frames asked */
			pr->fds[pr->nfds++] = fd;
		}
	}
}

/* Check every whole reply received so far. */
static void
peer_replies(struct peer *pr)
{
	uint8_t hdr[FRAME_HDR], *p;
	uint32_t len;
	bool has_fd;
	int fd;

	while (evbuffer_copyout(pr->in, hdr, sizeof(hdr)) == FRAME_HDR) {
		len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
		    (uint32_t)hdr[2] << 8 | hdr[3];
		has_fd = len & 0x80000000u;
		len &= 0x7fffffffu;
		if (len > 16u * 1024 * 1024)
			abort();	/* a reply beyond any bound */
		if (evbuffer_get_length(pr->in) < FRAME_HDR + (size_t)len)
			break;
		fd = -1;
		if (has_fd) {
			if (pr->nfds == 0)
				abort();	/* its descriptor did not come */
			fd = pr->fds[0];
			memmove(pr->fds, pr->fds + 1,
			    (size_t)--pr->nfds * sizeof(int));
		}
		p = evbuffer_pullup(pr->in, FRAME_HDR + (ssize_t)len);
		check_reply(pr, p + FRAME_HDR, len, fd);
		evbuffer_drain(pr->in, FRAME_HDR + (size_t)len);
	}
}

static void
peer_receive(struct peer *pr)
{
	union {
		struct cmsghdr	align;
		char		buf[CMSG_SPACE(4 * sizeof(int))];
	} cmsg;
	uint8_t buf[65536];
	struct msghdr msg;
	struct iovec iov;
	ssize_t n;

	while (!pr->eof) {
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf);
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cmsg.buf;
		msg.msg_controllen = sizeof(cmsg.buf);
		n = recvmsg(pr->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			pr->eof = true;
			break;
		}
		if (msg.msg_flags & MSG_CTRUNC)
			abort();	/* more descriptors than one per frame */
		peer_take_fds(pr, &msg);
		if (evbuffer_add(pr->in, buf, (size_t)n) == -1)
			abort();
		peer_replies(pr);
	}
}

/* ---- the run ---- */

static const size_t journal_max[] = { 0, 512, 4096, 65536 };
static const size_t ckpt_pass[] = { 0, 1, 2, 4 };

static void
peer_open(struct peer *pr)
{
	memset(pr, 0, sizeof(*pr));
	pr->model = -1;
	if ((pr->out = evbuffer_new()) == NULL ||
	    (pr->in = evbuffer_new()) == NULL)
		abort();
}

static void
peer_close(struct peer *pr)
{
	if (pr->nfds != 0 || evbuffer_get_length(pr->in) != 0)
		abort();	/* a cut frame, a stray descriptor */
	close(pr->fd);
	evbuffer_free(pr->out);
	evbuffer_free(pr->in);
}

/* Serve the peers until the worker has closed them all. */
static void
serve(struct event_base *base, struct worker *w, struct peer *peers, int n)
{
	int i, rounds, open;

	for (rounds = 0; rounds < ROUNDS; rounds++) {
		for (i = 0; i < n; i++)
			peer_send(&peers[i]);
		event_base_loop(base, EVLOOP_NONBLOCK);
		for (i = open = 0; i < n; i++) {
			peer_receive(&peers[i]);
			open += !peers[i].eof;
		}
		if (open == 0 && worker_npeers(w) == 0)
			return;
	}
	abort();	/* the worker never closed a connection */
}

/* The lists "a" to "d" as the worker answers a get of each; in a
 * program, the model's lists too. */
static void
probe(struct event_base *base, struct worker *w,
    struct todo_list *lists[NLISTS], bool model)
{
	struct etf_buf b;
	struct peer pr;
	uint8_t hdr[FRAME_HDR];
	int sv[2], i;

	peer_open(&pr);
	pr.probe = true;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == -1 ||
	    worker_add_peer(w, sv[1]) == -1)
		abort();
	pr.fd = sv[0];
	for (i = 0; i < NLISTS; i++) {
		etf_buf_init(&b);
		etf_put_version(&b);
		put_head(&b, "get", names[i], -1);
		frame_put_len(hdr, (uint32_t)b.len);
		if (evbuffer_add(pr.out, hdr, sizeof(hdr)) == -1 ||
		    evbuffer_add(pr.out, b.p, b.len) == -1)
			abort();
		etf_buf_free(&b);
	}
	serve(base, w, &pr, 1);
	if (pr.nlists != NLISTS)
		abort();	/* a get was not answered */
	if (model)
		wm_probe(pr.lists, pr.found);
	memcpy(lists, pr.lists, sizeof(pr.lists));
	peer_close(&pr);
}

static bool
same_list(const struct todo_list *a, const struct todo_list *b)
{
	struct etf_buf x, y;
	bool same;

	etf_buf_init(&x);
	etf_buf_init(&y);
	listfile_encode(&x, a);
	listfile_encode(&y, b);
	if (x.oom || y.oom)
		abort();
	same = x.len == y.len && memcmp(x.p, y.p, x.len) == 0;
	etf_buf_free(&x);
	etf_buf_free(&y);
	return same;
}

/* Each loadable list is what its file holds (an empty list if it has
 * none). */
static void
check_files_hold(int dirfd, struct todo_list *const lists[NLISTS])
{
	struct todo_list *f;
	int i;

	for (i = 0; i < NLISTS; i++) {
		if (lists[i] == NULL)
			continue;
		f = fuzzdir_list(dirfd, names[i]);
		if (!same_list(lists[i], f))
			abort();	/* the file is not the list served */
		todolist_free(f);
	}
}

static void
lists_free(struct todo_list *lists[NLISTS])
{
	int i;

	for (i = 0; i < NLISTS; i++)
		todolist_free(lists[i]);
}

static struct worker *
start(struct event_base *base, int dirfd, uint8_t mode)
{
	struct worker *w;

	w = fuzzdir_worker(base, dirfd, journal_max[(mode >> 1) & 3],
	    ckpt_pass[(mode >> 3) & 3]);
	if (w == NULL)
		abort();	/* cannot start on what the last one left */
	return w;
}

/* The input to two peers, served until the worker has closed both: a
 * program (the model judges every reply) or peer 0's bytes as they
 * are. */
static void
run_peers(struct event_base *base, struct worker *w, struct input *in,
    uint8_t mode)
{
	struct peer peers[NPEERS];
	struct evbuffer *out[NPEERS];
	bool program = mode & 1;
	int sv[2], i, rc;

	for (i = 0; i < NPEERS; i++) {
		peer_open(&peers[i]);
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) ==
		    -1)
			abort();
		peers[i].fd = sv[0];
		peers[i].model = program ? i : -1;
		out[i] = peers[i].out;
		if (i == 1 && (mode & 0x20))
			rc = worker_add_peer_get(w, sv[1], "a", 1);
		else
			rc = worker_add_peer(w, sv[1]);
		if (rc == -1)
			abort();
	}
	if (program)
		put_program(out, in, mode & 0x20);
	else
		evbuffer_add(out[0], in->p, in->len);
	serve(base, w, peers, NPEERS);
	for (i = 0; i < NPEERS; i++) {
		if (program)
			wm_closed(i);
		peer_close(&peers[i]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct event_base *base;
	static int dirfd = -1;
	struct todo_list *before[NLISTS], *after[NLISTS];
	struct input in;
	struct worker *w;
	uint8_t mode;
	int i;

	if (size < 1)
		return 0;
	if (dirfd == -1) {
		log_init(1, LOG_LEVEL_ERROR);
		signal(SIGPIPE, SIG_IGN);	/* a peer the worker closed */
		dirfd = fuzzdir_new("fuzz-worker");
		if ((base = event_base_new()) == NULL ||
		    (arena = etf_arena_new()) == NULL)
			abort();
	}
	mode = data[0];
	fuzzdir_clear(dirfd);
	w = start(base, dirfd, mode);
	in.p = data + 1;
	in.len = size - 1;
	run_peers(base, w, &in, mode);

	probe(base, w, before, mode & 1);
	if (mode & 0x40)
		worker_free(w);		/* a crash: the journal as it is */
	else {
		(void)worker_shutdown(w);
		worker_free(w);
		check_files_hold(dirfd, before);
	}
	fuzzdir_check(dirfd, NULL, NULL, 0);
	w = start(base, dirfd, mode);	/* recovers */
	if (worker_lists_behind(w) == 0)
		check_files_hold(dirfd, before);
	probe(base, w, after, mode & 1);
	for (i = 0; i < NLISTS; i++)
		if (before[i] != NULL &&
		    (after[i] == NULL || !same_list(before[i], after[i])))
			abort();	/* the next start serves another list */
	lists_free(before);
	lists_free(after);
	(void)worker_shutdown(w);
	worker_free(w);
	fuzzdir_check(dirfd, NULL, NULL, 0);
	return 0;
}
