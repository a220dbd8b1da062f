/*
 * worker-bench: appends per second through one database worker.
 *
 * A worker is forked on a fresh data directory; each of LISTS peers
 * plays a list server with one change in flight at a time (as a list
 * server with one client): it sends the next one as soon as the last is
 * acknowledged.  In append mode a change is {append, Name, Seq, [Op]};
 * in store mode it is a store of the whole list (what list servers did
 * before the journal), for comparison.  Prints changes per second, the
 * syncs they cost, and latency percentiles.
 *
 *   worker-bench [-l LISTS] [-d SECONDS] [-n PRELOAD] [-s always|none]
 *                [-m append|store] [-D DIR]
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "etf.h"
#include "frame.h"
#include "listfile.h"
#include "listops.h"
#include "log.h"
#include "store.h"
#include "todolist.h"
#include "worker.h"

#define MAX_LISTS	1024
#define MAX_FRAME	(64u << 20)
#define NLAT		(1u << 20)

struct peer {
	int		 fd;
	char		 name[32];
	int64_t		 seq;
	struct todo_list *l;		/* store mode: the whole list */
	uint64_t	 sent_ns;
	uint8_t		 in[256];
	size_t		 inlen;
};

static struct worker_counters *ctr;
static struct peer peers[MAX_LISTS];
static uint32_t *lat;
static size_t nlat;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: worker-bench [-l lists] [-d seconds] "
	    "[-n preload] [-s always|none] [-m append|store] [-D dir]\n");
	exit(2);
}

static void __attribute__((noreturn))
worker_child(const char *dir, int nlists, bool sync)
{
	struct worker_config cfg;
	struct event_base *base;
	struct worker *w;
	int i;

	log_init(1, LOG_LEVEL_ERROR);	/* peers leave with changes in flight */
	memset(&cfg, 0, sizeof(cfg));
	if ((cfg.dirfd = store_open_dir(dir)) == -1 ||
	    (base = event_base_new()) == NULL)
		_exit(10);
	cfg.sync = sync;
	cfg.max_frame = MAX_FRAME;
	if ((w = worker_new(base, &cfg, ctr)) == NULL)
		_exit(11);
	for (i = 0; i < nlists; i++)
		if (worker_add_peer(w, peers[i].fd) == -1)
			_exit(12);
	while (worker_npeers(w) > 0)
		event_base_loop(base, EVLOOP_ONCE);
	_exit(0);
}

static void
send_frame(int fd, const struct etf_buf *m)
{
	uint8_t hdr[FRAME_HDR];
	const uint8_t *p;
	size_t len;
	ssize_t w;

	frame_put_len(hdr, (uint32_t)m->len);
	if (write(fd, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr)) {
		perror("write");
		exit(1);
	}
	for (p = m->p, len = m->len; len > 0; p += w, len -= (size_t)w)
		if ((w = write(fd, p, len)) <= 0) {
			perror("write");
			exit(1);
		}
}

/* The next change of a peer: an add of entry seq (a new id). */
static void
send_change(struct peer *p, bool store, struct etf_buf *m)
{
	struct todo_date d = { 2024, 1 + (int)(p->seq % 12), 1 };
	struct listop *op;
	char title[80];

	p->seq++;
	snprintf(title, sizeof(title), "%s entry %lld", p->name,
	    (long long)p->seq);
	op = listop_new(LISTOP_ADD, todolist_next_id(p->l), 1, d, title,
	    strlen(title));
	if (op == NULL || listop_replay(p->l, op) == -1) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	etf_buf_reset(m);
	etf_put_version(m);
	etf_put_tuple(m, 4);
	etf_put_atom(m, store ? "store" : "append");
	etf_put_binary(m, p->name, strlen(p->name));
	etf_put_int(m, p->seq);
	if (store)
		listfile_put(m, p->l);
	else {
		etf_put_list(m, 1);
		listop_put(m, op);
		etf_put_nil(m);
	}
	listop_free(op);
	p->sent_ns = now_ns();
	send_frame(p->fd, m);
}

/* Read replies; 1 for each acknowledged change. */
static int
recv_acks(struct peer *p)
{
	ssize_t r;
	uint32_t len;
	int n = 0;

	r = read(p->fd, p->in + p->inlen, sizeof(p->in) - p->inlen);
	if (r <= 0) {
		fprintf(stderr, "worker gone\n");
		exit(1);
	}
	p->inlen += (size_t)r;
	while (p->inlen >= FRAME_HDR &&
	    p->inlen >= FRAME_HDR + (len = frame_get_len(p->in))) {
		/* {stored, Seq}: 131 104 2 119 6 "stored" ...; an error has
		 * "error" there. */
		if (len < 10 || memcmp(p->in + FRAME_HDR + 5, "stored", 6)) {
			fprintf(stderr, "%s: a change failed\n", p->name);
			exit(1);
		}
		memmove(p->in, p->in + FRAME_HDR + len,
		    p->inlen - FRAME_HDR - len);
		p->inlen -= FRAME_HDR + len;
		n++;
	}
	return n;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
rm_cb(const char *path, const struct stat *st, int type, struct FTW *f)
{
	remove(path);
	return 0;
}

static void
preload(int nlists, int n, struct etf_buf *m)
{
	struct todo_date d = { 2023, 6, 1 };
	char title[48];
	int i, k;

	for (i = 0; i < nlists; i++) {
		for (k = 0; k < n; k++) {
			snprintf(title, sizeof(title), "preloaded %d", k);
			d.day = 1 + k % 28;
			todolist_add(peers[i].l, d, title, strlen(title), NULL);
		}
		if (n == 0)
			continue;
		peers[i].seq++;
		etf_buf_reset(m);
		etf_put_version(m);
		etf_put_tuple(m, 4);
		etf_put_atom(m, "store");
		etf_put_binary(m, peers[i].name, strlen(peers[i].name));
		etf_put_int(m, peers[i].seq);
		listfile_put(m, peers[i].l);
		send_frame(peers[i].fd, m);
		while (recv_acks(&peers[i]) == 0)
			;
	}
}

int
main(int argc, char *argv[])
{
	struct pollfd pfd[MAX_LISTS];
	struct etf_buf m;
	const char *dirarg = NULL, *tmp;
	char dir[256];
	int nlists = 32, secs = 5, npre = 0, ch, i, sv[2];
	bool sync = true, store = false;
	uint64_t t0, t1, done = 0, f0, b0;
	double el;
	pid_t pid;

	while ((ch = getopt(argc, argv, "l:d:n:s:m:D:")) != -1) {
		switch (ch) {
		case 'l': nlists = atoi(optarg); break;
		case 'd': secs = atoi(optarg); break;
		case 'n': npre = atoi(optarg); break;
		case 's': sync = strcmp(optarg, "none") != 0; break;
		case 'm': store = strcmp(optarg, "store") == 0; break;
		case 'D': dirarg = optarg; break;
		default: usage();
		}
	}
	if (nlists < 1 || nlists > MAX_LISTS || secs < 1 || npre < 0)
		usage();
	log_init(1, LOG_LEVEL_WARN);
	signal(SIGPIPE, SIG_IGN);
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/worker-bench-XXXXXX", tmp);
	if (dirarg != NULL)
		snprintf(dir, sizeof(dir), "%s", dirarg);
	else if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	ctr = mmap(NULL, sizeof(*ctr), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	lat = calloc(NLAT, sizeof(*lat));
	if (ctr == MAP_FAILED || lat == NULL)
		return 1;
	for (i = 0; i < nlists; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
			return 1;
		peers[i].fd = sv[1];
		pfd[i].fd = sv[0];
		pfd[i].events = POLLIN;
		snprintf(peers[i].name, sizeof(peers[i].name), "list%d", i);
		peers[i].l = todolist_new();
	}
	fflush(NULL);
	if ((pid = fork()) == 0) {
		for (i = 0; i < nlists; i++)
			close(pfd[i].fd);
		worker_child(dir, nlists, sync);
	}
	for (i = 0; i < nlists; i++) {
		close(peers[i].fd);
		peers[i].fd = pfd[i].fd;
	}
	etf_buf_init(&m);
	preload(nlists, npre, &m);
	f0 = ctr->fsyncs;
	b0 = ctr->bytes;
	t0 = now_ns();
	for (i = 0; i < nlists; i++)
		send_change(&peers[i], store, &m);
	while ((t1 = now_ns()) - t0 < (uint64_t)secs * 1000000000u) {
		if (poll(pfd, (nfds_t)nlists, 1000) <= 0)
			continue;
		for (i = 0; i < nlists; i++) {
			if (!(pfd[i].revents & POLLIN) ||
			    recv_acks(&peers[i]) == 0)
				continue;
			done++;
			if (nlat < NLAT)
				lat[nlat++] = (uint32_t)((now_ns() -
				    peers[i].sent_ns) / 1000);
			send_change(&peers[i], store, &m);
		}
	}
	el = (double)(t1 - t0) / 1e9;
	qsort(lat, nlat, sizeof(*lat), cmp_u32);
	printf("worker-bench: %s, %d lists, %d entries preloaded, sync %s: "
	    "%.0f changes/s, %.0f syncs/s, %.1f changes per sync, "
	    "%.0f bytes written per change; latency us p50 %u p99 %u "
	    "max %u\n", store ? "store" : "append", nlists, npre,
	    sync ? "always" : "none", (double)done / el,
	    (double)(ctr->fsyncs - f0) / el,
	    ctr->fsyncs > f0 ? (double)done / (double)(ctr->fsyncs - f0) : 0,
	    done > 0 ? (double)(ctr->bytes - b0) / (double)done : 0,
	    nlat ? lat[nlat / 2] : 0, nlat ? lat[nlat * 99 / 100] : 0,
	    nlat ? lat[nlat - 1] : 0);
	for (i = 0; i < nlists; i++) {
		close(peers[i].fd);
		todolist_free(peers[i].l);
	}
	waitpid(pid, NULL, 0);
	if (dirarg == NULL)
		nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	etf_buf_free(&m);
	free(lat);
	return 0;
}
