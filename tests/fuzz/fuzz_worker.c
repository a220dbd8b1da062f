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
 * The peers shut down their sending side after their bytes.  Every
 * reply must be a frame holding one valid term, with a descriptor where
 * its header says so ({file, Size}: an open file of Size bytes), and the
 * worker must close both connections in the end (no hang).  Then a probe
 * asks it for lists "a" to "d" (what a new list server would load).
 * After an orderly stop the list files must hold exactly those lists;
 * after a crash and the recovery of the next start, too; and that
 * worker must answer the same lists.  Every list file left must read
 * back as a list.
 *
 * A program is a series of instructions; the first byte of each:
 *   bit 7     which peer sends it
 *   bits 2-3  the list: "a", "b", "c" or "d"
 *   bits 0-1  0 {get, Name}
 *             1 {append, Name, Seq, Ops}: a byte Seq, a byte n, then
 *               n % 4 + 1 ops, each a kind byte (add, update, delete),
 *               an id byte, and for add and update a date (3 bytes) and
 *               a title (a length byte and its bytes)
 *             2 {store, Name, Seq, List}: a byte Seq, a byte n, then
 *               n % 8 entries, each a date and a title
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
#include "worker.h"

#define MAX_FILE	(FUZZDIR_MAX_FRAME - 64)	/* as a list server loads */
#define NPEERS		2
#define NLISTS		4		/* "a" to "d" */
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
put_date(struct etf_buf *b, struct input *in)
{
	etf_put_tuple(b, 3);
	etf_put_int(b, 2000 + next(in) % 40);
	etf_put_int(b, next(in) % 14);		/* 0 and 13: not a month */
	etf_put_int(b, next(in) % 32);
}

static void
put_title(struct etf_buf *b, struct input *in)
{
	uint8_t t[255];
	size_t i, n;

	n = next(in);
	for (i = 0; i < n; i++)
		t[i] = next(in);
	etf_put_binary(b, t, n);
}

static void
put_op(struct etf_buf *b, struct input *in)
{
	uint8_t kind = next(in) % 3;
	int64_t id = next(in);

	switch (kind) {
	case 0:
		etf_put_tuple(b, 4);
		etf_put_atom(b, "add");
		etf_put_int(b, id);
		put_date(b, in);
		put_title(b, in);
		break;
	case 1:
		etf_put_tuple(b, 4);
		etf_put_atom(b, "update");
		etf_put_int(b, id);
		if (id & 1)
			etf_put_atom(b, "nil");
		else
			put_date(b, in);
		if (id & 2)
			etf_put_atom(b, "nil");
		else
			put_title(b, in);
		break;
	default:
		etf_put_tuple(b, 2);
		etf_put_atom(b, "delete");
		etf_put_int(b, id);
		break;
	}
}

static void
put_list(struct etf_buf *b, struct input *in)
{
	struct todo_list *l;
	struct todo_date d;
	uint8_t title[255];
	size_t i, n, k, tlen;
	int64_t id;

	if ((l = todolist_new()) == NULL)
		abort();
	n = next(in) % 8;
	for (i = 0; i < n; i++) {
		d.year = 2000 + next(in) % 40;
		d.month = 1 + next(in) % 12;
		d.day = 1 + next(in) % 28;
		tlen = next(in);
		for (k = 0; k < tlen; k++)
			title[k] = next(in);
		if (!todo_title_valid(title, tlen))
			tlen = 0;
		if (todolist_add(l, d, title, tlen, &id) == -1)
			abort();
	}
	listfile_put(b, l);
	todolist_free(l);
}

/* One instruction's message, framed, onto its peer's stream. */
static void
put_message(struct evbuffer *out[NPEERS], struct input *in)
{
	struct etf_buf b;
	uint8_t c, hdr[FRAME_HDR], raw[255];
	const char *name;
	size_t i, n;

	c = next(in);
	name = names[(c >> 2) & 3];
	etf_buf_init(&b);
	etf_put_version(&b);
	switch (c & 3) {
	case 0:
		etf_put_tuple(&b, 2);
		etf_put_atom(&b, "get");
		etf_put_binary(&b, name, strlen(name));
		break;
	case 1:
		etf_put_tuple(&b, 4);
		etf_put_atom(&b, "append");
		etf_put_binary(&b, name, strlen(name));
		etf_put_int(&b, next(in));
		n = next(in) % 4 + 1;
		etf_put_list(&b, (uint32_t)n);
		for (i = 0; i < n; i++)
			put_op(&b, in);
		etf_put_nil(&b);
		break;
	case 2:
		etf_put_tuple(&b, 4);
		etf_put_atom(&b, "store");
		etf_put_binary(&b, name, strlen(name));
		etf_put_int(&b, next(in));
		put_list(&b, in);
		break;
	default:
		n = next(in);
		for (i = 0; i < n; i++)
			raw[i] = next(in);
		etf_buf_reset(&b);
		etf_buf_append(&b, raw, n);
		break;
	}
	frame_put_len(hdr, (uint32_t)b.len);
	if (evbuffer_add(out[c >> 7], hdr, sizeof(hdr)) == -1 ||
	    evbuffer_add(out[c >> 7], b.p, b.len) == -1)
		abort();
	etf_buf_free(&b);
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
	/* A probe's replies: the lists of names[] (NULL: not loadable). */
	bool		 probe;
	int		 nlists;
	struct todo_list *lists[NLISTS];
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
	if (evbuffer_get_length(pr->out) == 0) {
		shutdown(pr->fd, SHUT_WR);
		pr->shut = true;
	}
}

/* Check a reply; fd is the descriptor it carried, or -1.  A probe's
 * reply is the answer to a get: keep its list. */
static void
check_reply(struct peer *pr, const uint8_t *p, size_t len, int fd)
{
	const struct etf_term *t;
	struct todo_list *l = NULL;
	const char *why;
	struct stat st;
	int rc;

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
		if (fd != -1)
			rc = getreply_file(arena, t, fd, 16u << 20, MAX_FILE, &l,
			    &why);
		else
			rc = getreply_list(arena, t, MAX_FILE, &l, &why);
		if (rc == GETREPLY_BAD)
			abort();	/* not an answer to a get */
		if (rc != GETREPLY_OK)
			l = NULL;	/* an error; a corrupt file (lost) */
		pr->lists[pr->nlists++] = l;
	}
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

/* The lists "a" to "d" as the worker answers a get of each. */
static void
probe(struct event_base *base, struct worker *w,
    struct todo_list *lists[NLISTS])
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
		etf_put_tuple(&b, 2);
		etf_put_atom(&b, "get");
		etf_put_binary(&b, names[i], strlen(names[i]));
		frame_put_len(hdr, (uint32_t)b.len);
		if (evbuffer_add(pr.out, hdr, sizeof(hdr)) == -1 ||
		    evbuffer_add(pr.out, b.p, b.len) == -1)
			abort();
		etf_buf_free(&b);
	}
	serve(base, w, &pr, 1);
	if (pr.nlists != NLISTS)
		abort();	/* a get was not answered */
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct event_base *base;
	static int dirfd = -1;
	struct todo_list *before[NLISTS], *after[NLISTS];
	struct peer peers[NPEERS];
	struct evbuffer *out[NPEERS];
	struct input in;
	struct worker *w;
	int sv[2], i, rc;
	uint8_t mode;

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
	for (i = 0; i < NPEERS; i++) {
		peer_open(&peers[i]);
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) ==
		    -1)
			abort();
		peers[i].fd = sv[0];
		out[i] = peers[i].out;
		if (i == 1 && (mode & 0x20))
			rc = worker_add_peer_get(w, sv[1], "a", 1);
		else
			rc = worker_add_peer(w, sv[1]);
		if (rc == -1)
			abort();
	}
	in.p = data + 1;
	in.len = size - 1;
	if (mode & 1)
		while (in.len > 0)
			put_message(out, &in);
	else
		evbuffer_add(out[0], in.p, in.len);
	serve(base, w, peers, NPEERS);
	for (i = 0; i < NPEERS; i++)
		peer_close(&peers[i]);

	probe(base, w, before);
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
	probe(base, w, after);
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
