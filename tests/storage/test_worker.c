/*
 * test_worker.c: a database worker as a real forked process on
 * socketpairs: get/store round trips, Seq order, group commit, malformed
 * peers, ENOSPC, and SIGKILL in the middle of a burst of stores.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "etf.h"
#include "frame.h"
#include "listfile.h"
#include "log.h"
#include "storage_test.h"
#include "store.h"
#include "todolist.h"
#include "worker.h"

#define MAX_FRAME	(4 << 20)
#define MAX_PEERS	8
#define WAIT_MS		20000

static char *dir;
static int dfd;
static struct worker_counters *ctr;
static struct etf_arena *arena;

static struct {
	pid_t	pid;
	int	fd[MAX_PEERS];
	int	n;
} wk;

static void
setup(void)
{
	log_init(1, LOG_LEVEL_WARN);
	dir = st_tmpdir();
	ck_assert_ptr_nonnull(dir);
	dfd = store_open_dir(dir);
	ck_assert_int_ge(dfd, 0);
	ctr = mmap(NULL, sizeof(*ctr), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(ctr, MAP_FAILED);
	arena = etf_arena_new();
	memset(&wk, 0, sizeof(wk));
}

static void
teardown(void)
{
	int i;

	for (i = 0; i < wk.n; i++)
		if (wk.fd[i] != -1)
			close(wk.fd[i]);
	if (wk.pid > 0) {
		kill(wk.pid, SIGKILL);
		waitpid(wk.pid, NULL, 0);
	}
	etf_arena_free(arena);
	munmap(ctr, sizeof(*ctr));
	close(dfd);
	st_rmtree(dir);
	free(dir);
}

/* The worker process: serve the peers until they are all gone. */
static void __attribute__((noreturn))
worker_main(const char *path, int *fds, int n, bool sync)
{
	struct worker_config cfg;
	struct event_base *base;
	struct worker *w;
	int i, fd;

	log_setrole("worker[0]");
	if ((fd = store_open_dir(path)) == -1 ||
	    (base = event_base_new()) == NULL)
		_exit(10);
	cfg.dirfd = fd;
	cfg.index = 0;
	cfg.sync = sync;
	cfg.max_frame = MAX_FRAME;
	if ((w = worker_new(base, &cfg, ctr)) == NULL)
		_exit(11);
	for (i = 0; i < n; i++)
		if (worker_add_peer(w, fds[i]) == -1)
			_exit(12);
	while (worker_npeers(w) > 0)
		if (event_base_loop(base, EVLOOP_ONCE) == -1)
			_exit(13);
	worker_free(w);
	event_base_free(base);
	libevent_global_shutdown();
	close(fd);
	exit(0);
}

static void
start_peers(int n, bool sync)
{
	int sv[MAX_PEERS][2], child[MAX_PEERS], i;

	ck_assert_int_le(n, MAX_PEERS);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i]), 0);
		wk.fd[i] = sv[i][0];
		child[i] = sv[i][1];
	}
	wk.n = n;
	fflush(NULL);
	wk.pid = fork();
	ck_assert_int_ge(wk.pid, 0);
	if (wk.pid == 0) {
		for (i = 0; i < n; i++)
			close(wk.fd[i]);
		worker_main(dir, child, n, sync);
	}
	for (i = 0; i < n; i++)
		close(child[i]);
}

static void
start(void)
{
	start_peers(1, true);
}

/* Wait for the worker with a deadline; its wait status. */
static int
reap(int timeout_ms)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	int status, waited = 0;
	pid_t r;

	while ((r = waitpid(wk.pid, &status, WNOHANG)) == 0 &&
	    waited < timeout_ms) {
		nanosleep(&ts, NULL);
		waited += 5;
	}
	ck_assert_msg(r == wk.pid, "worker did not exit");
	wk.pid = 0;
	return status;
}

/* Close our ends; the worker exits 0. */
static void
stop(void)
{
	int i, status;

	for (i = 0; i < wk.n; i++) {
		close(wk.fd[i]);
		wk.fd[i] = -1;
	}
	status = reap(WAIT_MS);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "worker status 0x%x", status);
}

/* ---- messages ---- */

static void
put_frame(struct etf_buf *out, const struct etf_buf *msg)
{
	uint8_t hdr[FRAME_HDR];

	frame_put_len(hdr, (uint32_t)msg->len);
	etf_buf_append(out, hdr, sizeof(hdr));
	etf_buf_append(out, msg->p, msg->len);
}

static void
add_get(struct etf_buf *out, const char *name)
{
	struct etf_buf m;

	etf_buf_init(&m);
	etf_put_version(&m);
	etf_put_tuple(&m, 2);
	etf_put_atom(&m, "get");
	etf_put_binary(&m, name, strlen(name));
	put_frame(out, &m);
	etf_buf_free(&m);
}

static void
add_store(struct etf_buf *out, const char *name, int64_t seq,
    const struct todo_list *l)
{
	struct etf_buf m;

	etf_buf_init(&m);
	etf_put_version(&m);
	etf_put_tuple(&m, 4);
	etf_put_atom(&m, "store");
	etf_put_binary(&m, name, strlen(name));
	etf_put_int(&m, seq);
	listfile_put(&m, l);
	put_frame(out, &m);
	etf_buf_free(&m);
}

/* Write it all; 0, or -1 if the worker is gone (EPIPE). */
static int
send_some(int fd, const struct etf_buf *b)
{
	size_t off = 0;
	ssize_t w;

	ck_assert(!b->oom);
	while (off < b->len) {
		w = write(fd, b->p + off, b->len - off);
		if (w == -1 && (errno == EPIPE || errno == ECONNRESET))
			return -1;
		ck_assert_msg(w > 0, "write: %s", strerror(errno));
		off += (size_t)w;
	}
	return 0;
}

static void
send_all(int fd, const struct etf_buf *b)
{
	ck_assert_int_eq(send_some(fd, b), 0);
}

/* Read exactly len bytes with a deadline; 0, or -1 at EOF. */
static int
recv_all(int fd, uint8_t *p, size_t len)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	size_t got = 0;
	ssize_t r;

	while (got < len) {
		ck_assert_msg(poll(&pfd, 1, WAIT_MS) == 1, "no reply in time");
		r = read(fd, p + got, len - got);
		if (r == 0)
			return -1;
		ck_assert_int_gt(r, 0);
		got += (size_t)r;
	}
	return 0;
}

/* The next reply as a term (in the arena), or NULL at EOF. */
static const struct etf_term *
recv_reply(int fd)
{
	const struct etf_term *t;
	uint8_t hdr[FRAME_HDR], *p;
	uint32_t len;

	if (recv_all(fd, hdr, sizeof(hdr)) == -1)
		return NULL;
	len = frame_get_len(hdr);
	ck_assert_uint_le(len, MAX_FRAME);
	p = etf_arena_alloc(arena, len);
	ck_assert_int_eq(recv_all(fd, p, len), 0);
	ck_assert_int_eq(etf_decode(arena, p, len, MAX_FRAME, &t), ETF_OK);
	return t;
}

static void
expect_stored(int fd, int64_t seq)
{
	const struct etf_term *t = recv_reply(fd);

	ck_assert_ptr_nonnull(t);
	ck_assert(etf_is_tuple(t, 2));
	ck_assert_msg(etf_is_atom(&t->seq.v[0], "stored"), "not stored");
	ck_assert_int_eq(t->seq.v[1].type, ETF_INT);
	ck_assert_int_eq(t->seq.v[1].i, seq);
}

static void
expect_error(int fd, const char *reason)
{
	const struct etf_term *t = recv_reply(fd);

	ck_assert_ptr_nonnull(t);
	ck_assert(etf_is_tuple(t, 2));
	ck_assert(etf_is_atom(&t->seq.v[0], "error"));
	ck_assert_msg(etf_is_atom(&t->seq.v[1], reason), "not %s", reason);
}

static void
expect_eof(int fd)
{
	ck_assert_ptr_null(recv_reply(fd));
}

/* {ok, List} -> the list, or NULL for not_found. */
static struct todo_list *
expect_list(int fd)
{
	const struct etf_term *t = recv_reply(fd);
	struct todo_list *l;
	const char *why = NULL;

	ck_assert_ptr_nonnull(t);
	if (etf_is_atom(t, "not_found"))
		return NULL;
	ck_assert(etf_is_tuple(t, 2));
	ck_assert(etf_is_atom(&t->seq.v[0], "ok"));
	l = listfile_from_term(&t->seq.v[1], &why);
	ck_assert_msg(l != NULL, "%s", why);
	return l;
}

static void
store1(int fd, const char *name, int64_t seq, const struct todo_list *l)
{
	struct etf_buf b;

	etf_buf_init(&b);
	add_store(&b, name, seq, l);
	send_all(fd, &b);
	etf_buf_free(&b);
}

static struct todo_list *
get1(int fd, const char *name)
{
	struct etf_buf b;

	etf_buf_init(&b);
	add_get(&b, name);
	send_all(fd, &b);
	etf_buf_free(&b);
	return expect_list(fd);
}

static struct todo_list *
load_file(const char *name)
{
	struct todo_list *l = NULL;
	const char *why = NULL;
	int rc;

	rc = store_load(dfd, name, strlen(name), arena, MAX_FRAME, &l, &why);
	ck_assert_msg(rc == STORE_OK, "%s: %s", name, why ? why : "?");
	return l;
}

/* ---- tests ---- */

START_TEST(t_fnv)
{
	static const struct { const char *s; uint32_t h; } v[] = {
		{ "", 0x811c9dc5u }, { "a", 0xe40c292cu },
		{ "b", 0xe70c2de5u }, { "foobar", 0xbf9cf968u },
		{ "bob", 0x86c6a0d4u }, { "alice", 0x872213e7u },
		{ "\xc3\xa9t\xc3\xa9", 0xffb58817u },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ck_assert_uint_eq(fnv1a32(v[i].s, strlen(v[i].s)), v[i].h);
	ck_assert_int_eq(worker_for_name("bob", 3, 3), 0x86c6a0d4u % 3);
	ck_assert_int_eq(worker_for_name("alice", 5, 3), 2);
	ck_assert_int_eq(worker_for_name("a", 1, 1), 0);
	ck_assert_int_eq(worker_for_name("a", 1, 7), 0xe40c292cu % 7);
	ck_assert_int_eq(worker_for_name("a", 1, 0), -1);
}
END_TEST

START_TEST(t_get_store)
{
	struct todo_list *book = st_book_list(), *l;
	struct stat st;
	int fd;

	start();
	fd = wk.fd[0];
	ck_assert_ptr_null(get1(fd, "bob"));
	store1(fd, "bob", 1, book);
	expect_stored(fd, 1);
	l = get1(fd, "bob");
	ck_assert(st_list_equal(l, book));
	todolist_free(l);
	ck_assert_int_eq(fstatat(dfd, "bob", &st, 0), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_uint_eq(ctr->stores, 1);
	ck_assert_uint_eq(ctr->bytes, (uint64_t)st.st_size);
	ck_assert_uint_eq(ctr->fsyncs, 2);	/* the file, the directory */
	ck_assert_uint_eq(ctr->errors, 0);
	ck_assert_uint_eq(ctr->queue, 0);

	ck_assert_int_eq(todolist_delete(book, 2), 0);
	store1(fd, "bob", 2, book);
	expect_stored(fd, 2);
	l = get1(fd, "bob");
	ck_assert(st_list_equal(l, book));
	todolist_free(l);
	l = load_file("bob");
	ck_assert(st_list_equal(l, book));
	todolist_free(l);
	/* A name that needs escaping. */
	store1(fd, "caf\xc3\xa9/..", 1, book);
	expect_stored(fd, 1);
	ck_assert_int_eq(faccessat(dfd, "caf%C3%A9%2F%2E%2E", F_OK, 0), 0);
	stop();
	ck_assert_int_eq(st_count_temps(dfd), 0);
	todolist_free(book);
}
END_TEST

START_TEST(t_seq_order)
{
	struct todo_list *v5 = st_list_n(5, "five");
	struct todo_list *v3 = st_list_n(3, "three");
	struct todo_list *v1 = st_list_n(1, "one"), *l;
	int fd;

	start();
	fd = wk.fd[0];
	store1(fd, "s", 5, v5);
	expect_stored(fd, 5);
	/* Lower or equal Seq: acknowledged, not written. */
	store1(fd, "s", 3, v3);
	expect_stored(fd, 3);
	store1(fd, "s", 5, v3);
	expect_stored(fd, 5);
	ck_assert_uint_eq(ctr->stores, 1);
	l = load_file("s");
	ck_assert(st_list_equal(l, v5));
	todolist_free(l);
	/* A get (a list server loading the list) starts the count anew. */
	l = get1(fd, "s");
	ck_assert(st_list_equal(l, v5));
	todolist_free(l);
	store1(fd, "s", 1, v1);
	expect_stored(fd, 1);
	l = load_file("s");
	ck_assert(st_list_equal(l, v1));
	todolist_free(l);
	ck_assert_uint_eq(ctr->stores, 2);
	stop();
	todolist_free(v1);
	todolist_free(v3);
	todolist_free(v5);
}
END_TEST

#define GC_PEERS	4
#define GC_LISTS	50	/* per peer */

START_TEST(t_group_commit)
{
	struct todo_list *lists[GC_PEERS][GC_LISTS], *l;
	struct etf_buf b[GC_PEERS];
	char name[32];
	int p, i;

	start_peers(GC_PEERS, true);
	/* Every peer sends all its stores at once. */
	for (p = 0; p < GC_PEERS; p++) {
		etf_buf_init(&b[p]);
		for (i = 0; i < GC_LISTS; i++) {
			snprintf(name, sizeof(name), "list-%d-%d", p, i);
			lists[p][i] = st_list_n(1 + i % 7, name);
			add_store(&b[p], name, 100 + i, lists[p][i]);
		}
	}
	for (p = 0; p < GC_PEERS; p++)
		send_all(wk.fd[p], &b[p]);
	for (p = 0; p < GC_PEERS; p++)
		for (i = 0; i < GC_LISTS; i++)
			expect_stored(wk.fd[p], 100 + i);
	fprintf(stderr, "group commit: %llu stores, %llu fsyncs\n",
	    (unsigned long long)ctr->stores, (unsigned long long)ctr->fsyncs);
	ck_assert_uint_eq(ctr->stores, GC_PEERS * GC_LISTS);
	ck_assert_uint_lt(ctr->fsyncs, ctr->stores);
	ck_assert_uint_eq(ctr->queue, 0);
	for (p = 0; p < GC_PEERS; p++)
		for (i = 0; i < GC_LISTS; i++) {
			snprintf(name, sizeof(name), "list-%d-%d", p, i);
			l = load_file(name);
			ck_assert(st_list_equal(l, lists[p][i]));
			todolist_free(l);
			todolist_free(lists[p][i]);
		}
	stop();
	ck_assert_int_eq(st_count_temps(dfd), 0);
	for (p = 0; p < GC_PEERS; p++)
		etf_buf_free(&b[p]);
}
END_TEST

/* Many stores of one list at once: each acked, the newest one on disk. */
START_TEST(t_same_list_burst)
{
	struct todo_list *v[21], *l;
	struct etf_buf b;
	char tag[16];
	int i;

	start();
	etf_buf_init(&b);
	for (i = 1; i <= 20; i++) {
		snprintf(tag, sizeof(tag), "v%d", i);
		v[i] = st_list_n(i, tag);
		add_store(&b, "same", i, v[i]);
		add_get(&b, "other");
	}
	send_all(wk.fd[0], &b);
	for (i = 1; i <= 20; i++) {
		expect_stored(wk.fd[0], i);
		ck_assert_ptr_null(expect_list(wk.fd[0]));
	}
	ck_assert_uint_le(ctr->stores, 20);
	l = load_file("same");
	ck_assert(st_list_equal(l, v[20]));
	todolist_free(l);
	/* Replies keep the order of the requests: a get after a store. */
	l = get1(wk.fd[0], "same");
	ck_assert(st_list_equal(l, v[20]));
	todolist_free(l);
	stop();
	for (i = 1; i <= 20; i++)
		todolist_free(v[i]);
	etf_buf_free(&b);
}
END_TEST

START_TEST(t_corrupt_get)
{
	static const char garbage[] = "\x83\x61\x01";
	uint8_t *p;
	size_t len;

	ck_assert_int_eq(st_write_file(dfd, "bad", garbage, 3), 0);
	ck_assert_int_eq(st_write_file(dfd, "empty", "", 0), 0);
	start();
	{
		struct etf_buf b;

		etf_buf_init(&b);
		add_get(&b, "bad");
		add_get(&b, "empty");
		send_all(wk.fd[0], &b);
		etf_buf_free(&b);
	}
	expect_error(wk.fd[0], "corrupt");
	expect_error(wk.fd[0], "corrupt");
	stop();
	p = st_read_file(dfd, "bad", &len);
	ck_assert_uint_eq(len, 3);
	ck_assert_mem_eq(p, garbage, 3);
	free(p);
}
END_TEST

/* A malformed message closes that peer only. */
START_TEST(t_malformed)
{
	struct todo_list *book = st_book_list();
	struct etf_buf b, m;
	uint8_t hdr[FRAME_HDR];
	int i;

	start_peers(7, true);
	etf_buf_init(&b);
	etf_buf_init(&m);
	for (i = 0; i < 6; i++) {
		etf_buf_reset(&b);
		etf_buf_reset(&m);
		etf_put_version(&m);
		switch (i) {
		case 0:		/* unknown request */
			etf_put_tuple(&m, 2);
			etf_put_atom(&m, "foo");
			etf_put_int(&m, 1);
			put_frame(&b, &m);
			break;
		case 1:		/* empty frame */
			etf_buf_append(&b, "\0\0\0\0", 4);
			break;
		case 2:		/* frame over the bound */
			frame_put_len(hdr, MAX_FRAME + 1);
			etf_buf_append(&b, hdr, 4);
			break;
		case 3:		/* bad name */
			etf_put_tuple(&m, 2);
			etf_put_atom(&m, "get");
			etf_put_binary(&m, "a\0b", 3);
			put_frame(&b, &m);
			break;
		case 4:		/* not a list */
			etf_put_tuple(&m, 4);
			etf_put_atom(&m, "store");
			etf_put_binary(&m, "x", 1);
			etf_put_int(&m, 1);
			etf_put_atom(&m, "nil");
			put_frame(&b, &m);
			break;
		case 5:		/* not ETF at all, after a good get */
			add_get(&b, "x");
			etf_buf_append(&b, "\0\0\0\2zz", 6);
			break;
		}
		send_all(wk.fd[i], &b);
		if (i == 5)
			ck_assert_ptr_null(expect_list(wk.fd[i]));
		expect_eof(wk.fd[i]);
	}
	/* The seventh peer is served as before. */
	store1(wk.fd[6], "fine", 1, book);
	expect_stored(wk.fd[6], 1);
	ck_assert_uint_eq(ctr->stores, 1);
	stop();
	etf_buf_free(&b);
	etf_buf_free(&m);
	todolist_free(book);
}
END_TEST

#ifdef TODOD_FAULTS
/* ENOSPC through the fault switch, turned on and off at run time. */
START_TEST(t_enospc_switch)
{
	struct todo_list *v1 = st_list_n(3, "v1"), *v2 = st_list_n(4, "v2");
	struct todo_list *l;
	char *flag;
	int fd;

	ck_assert_int_ne(asprintf(&flag, "%s.flag", dir), -1);
	setenv("TODOD_FAULT", "enospc", 1);
	setenv("TODOD_FAULT_FILE", flag, 1);
	start();
	fd = wk.fd[0];
	store1(fd, "e", 1, v1);
	expect_stored(fd, 1);
	close(open(flag, O_WRONLY | O_CREAT, 0600));
	store1(fd, "e", 2, v2);
	expect_error(fd, "enospc");
	ck_assert_uint_eq(ctr->errors, 1);
	ck_assert_int_eq(st_count_temps(dfd), 0);
	l = load_file("e");
	ck_assert(st_list_equal(l, v1));
	todolist_free(l);
	unlink(flag);
	store1(fd, "e", 2, v2);		/* the list server's retry */
	expect_stored(fd, 2);
	l = get1(fd, "e");
	ck_assert(st_list_equal(l, v2));
	todolist_free(l);
	stop();
	unsetenv("TODOD_FAULT");
	unsetenv("TODOD_FAULT_FILE");
	free(flag);
	todolist_free(v1);
	todolist_free(v2);
}
END_TEST
#endif

/*
 * A real ENOSPC: the worker runs in a private mount namespace on a
 * 64 KiB tmpfs.  It checks for temporary files itself before it exits
 * (we cannot see its mount), exiting 20 if any are left.
 */
static void __attribute__((noreturn))
tmpfs_worker(int *fds)
{
	struct worker_config cfg = { -1, 0, true, MAX_FRAME };
	struct event_base *base;
	struct worker *w;

	if (unshare(CLONE_NEWNS) == -1 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1 ||
	    mount("tmpfs", dir, "tmpfs", 0, "size=64k,mode=0700") == -1)
		_exit(77);
	if ((cfg.dirfd = store_open_dir(dir)) == -1 ||
	    (base = event_base_new()) == NULL ||
	    (w = worker_new(base, &cfg, ctr)) == NULL ||
	    worker_add_peer(w, fds[0]) == -1)
		_exit(10);
	while (worker_npeers(w) > 0)
		event_base_loop(base, EVLOOP_ONCE);
	_exit(st_count_temps(cfg.dirfd) == 0 ? 0 : 20);
}

START_TEST(t_enospc_tmpfs)
{
	struct todo_list *small = st_book_list(), *big = st_list_n(3000, "big");
	struct todo_list *l;
	int sv[2], status;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fflush(NULL);
	wk.pid = fork();
	ck_assert_int_ge(wk.pid, 0);
	if (wk.pid == 0) {
		close(sv[0]);
		tmpfs_worker(&sv[1]);
	}
	close(sv[1]);
	wk.fd[0] = sv[0];
	wk.n = 1;
	store1(sv[0], "t", 1, small);
	if (recv_reply(sv[0]) == NULL) {
		status = reap(WAIT_MS);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 77);
		fprintf(stderr, "t_enospc_tmpfs: cannot mount a tmpfs here: "
		    "ENOSPC tested through the fault switch only\n");
		goto out;
	}
	store1(sv[0], "t", 2, big);
	expect_error(sv[0], "enospc");
	l = get1(sv[0], "t");
	ck_assert(st_list_equal(l, small));
	todolist_free(l);
	ck_assert_int_eq(todolist_delete(small, 1), 0);
	store1(sv[0], "t", 3, small);
	expect_stored(sv[0], 3);
	l = get1(sv[0], "t");
	ck_assert(st_list_equal(l, small));
	todolist_free(l);
	ck_assert_uint_eq(ctr->errors, 1);
	stop();		/* exit 0: no temporary file left on the tmpfs */
out:
	todolist_free(small);
	todolist_free(big);
}
END_TEST

/* ---- SIGKILL in the middle of a burst ---- */

#define KB_LISTS	100

static struct todo_list *kb_old[KB_LISTS], *kb_new[KB_LISTS];

static void
kb_make(int entries)
{
	char tag[32];
	int i;

	for (i = 0; i < KB_LISTS; i++) {
		snprintf(tag, sizeof(tag), "old %d", i);
		kb_old[i] = st_list_n(entries + i % 5, tag);
		snprintf(tag, sizeof(tag), "new %d", i);
		kb_new[i] = st_list_n(entries + 1 + i % 3, tag);
	}
}

static void
kb_free(void)
{
	int i;

	for (i = 0; i < KB_LISTS; i++) {
		todolist_free(kb_old[i]);
		todolist_free(kb_new[i]);
	}
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Store the old versions with a clean worker; how long it took (ms). */
static long
kb_store_old(void)
{
	struct etf_buf b;
	char name[16];
	long t0 = now_ms();
	int i;

	start();
	etf_buf_init(&b);
	for (i = 0; i < KB_LISTS; i++) {
		snprintf(name, sizeof(name), "k%d", i);
		add_store(&b, name, 1, kb_old[i]);
	}
	send_all(wk.fd[0], &b);
	for (i = 0; i < KB_LISTS; i++)
		expect_stored(wk.fd[0], 1);
	stop();
	etf_buf_free(&b);
	return now_ms() - t0;
}

/* Send the new versions; the worker may die meanwhile. */
static void
kb_send_new(void)
{
	struct etf_buf b;
	char name[16];
	int i;

	etf_buf_init(&b);
	for (i = 0; i < KB_LISTS; i++) {
		snprintf(name, sizeof(name), "k%d", i);
		add_store(&b, name, 2, kb_new[i]);
	}
	send_some(wk.fd[0], &b);
	etf_buf_free(&b);
}

/* Every file is whole, the old or the new version. Returns # new. */
static int
kb_check(void)
{
	struct todo_list *l;
	char name[16];
	int i, nnew = 0;

	for (i = 0; i < KB_LISTS; i++) {
		snprintf(name, sizeof(name), "k%d", i);
		l = load_file(name);
		if (st_list_equal(l, kb_new[i]))
			nnew++;
		else
			ck_assert_msg(st_list_equal(l, kb_old[i]),
			    "%s is neither old nor new", name);
		todolist_free(l);
		etf_arena_reset(arena);
	}
	return nnew;
}

#ifdef TODOD_FAULTS
/* Files renamed before the kill: those of the batches committed before,
 * plus, after a rename, the renames of the batch being committed. */
static const struct {
	const char	*fault;
	int		 min, max;
	bool		 temps;		/* a temporary file is left for sure */
} kb_faults[] = {
	{ "crash-after-write:50", 0, 49, true },
	{ "crash-after-fsync:1", 0, 0, true },
	{ "crash-after-rename:37", 37, 37, false },
	{ "crash-after-rename:1", 1, 1, false },
};

START_TEST(t_kill_fault)
{
	int status, nnew;

	kb_make(20);
	kb_store_old();
	setenv("TODOD_FAULT", kb_faults[_i].fault, 1);
	start();
	unsetenv("TODOD_FAULT");
	kb_send_new();
	status = reap(WAIT_MS);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	nnew = kb_check();
	ck_assert_int_ge(nnew, kb_faults[_i].min);
	ck_assert_int_le(nnew, kb_faults[_i].max);
	if (kb_faults[_i].temps)
		ck_assert_int_gt(st_count_temps(dfd), 0);
	/* The restarted worker removes its left-overs and serves. */
	close(wk.fd[0]);
	wk.fd[0] = -1;
	wk.n = 0;
	start();
	{
		struct todo_list *l = get1(wk.fd[0], "k0");

		ck_assert(st_list_equal(l, nnew > 0 ? kb_new[0] : kb_old[0]));
		todolist_free(l);
	}
	ck_assert_int_eq(st_count_temps(dfd), 0);
	stop();
	kb_free();
}
END_TEST
#endif

/*
 * SIGKILL from outside, at a moment the worker did not choose: a killer
 * process waits a part of the time the same burst took to store.
 */
static const int kb_percent[] = { 10, 35, 60, 85 };

START_TEST(t_kill_external)
{
	struct timespec ts;
	int status, nnew;
	long delay;
	pid_t killer;

	kb_make(600);
	delay = kb_store_old() * kb_percent[_i] / 100;
	ts.tv_sec = delay / 1000;
	ts.tv_nsec = (delay % 1000) * 1000 * 1000;
	start();
	fflush(NULL);
	killer = fork();
	ck_assert_int_ge(killer, 0);
	if (killer == 0) {
		nanosleep(&ts, NULL);
		kill(wk.pid, SIGKILL);
		_exit(0);
	}
	kb_send_new();
	ck_assert_int_eq(waitpid(killer, &status, 0), killer);
	status = reap(WAIT_MS);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	nnew = kb_check();
	fprintf(stderr, "killed after %ld ms: %d of %d lists new, %d "
	    "temporary files\n", delay, nnew, KB_LISTS, st_count_temps(dfd));
	ck_assert_int_ge(store_cleanup_temps(dfd), 0);
	ck_assert_int_eq(st_count_temps(dfd), 0);
	kb_free();
}
END_TEST

static Suite *
worker_suite(void)
{
	Suite *s = suite_create("worker");
	TCase *tc = tcase_create("worker");
	TCase *kill = tcase_create("kill");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, t_fnv);
	tcase_add_test(tc, t_get_store);
	tcase_add_test(tc, t_seq_order);
	tcase_add_test(tc, t_group_commit);
	tcase_add_test(tc, t_same_list_burst);
	tcase_add_test(tc, t_corrupt_get);
	tcase_add_test(tc, t_malformed);
#ifdef TODOD_FAULTS
	tcase_add_test(tc, t_enospc_switch);
#endif
	tcase_add_test(tc, t_enospc_tmpfs);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(kill, setup, teardown);
	tcase_set_timeout(kill, 120);
#ifdef TODOD_FAULTS
	tcase_add_loop_test(kill, t_kill_fault, 0,
	    sizeof(kb_faults) / sizeof(kb_faults[0]));
#endif
	tcase_add_loop_test(kill, t_kill_external, 0, 4);
	suite_add_tcase(s, kill);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(worker_suite());
	int failed;

	signal(SIGPIPE, SIG_IGN);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
