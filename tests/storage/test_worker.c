/*
 * test_worker.c: a database worker as a real forked process on
 * socketpairs (wtest.h): get/store round trips, Seq order, group commit,
 * malformed peers, ENOSPC, and SIGKILL in the middle of a burst of
 * stores.  The journal's part is in test_journal.c.
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
#include "listops.h"
#include "log.h"
#include "storage_test.h"
#include "store.h"
#include "todolist.h"
#include "worker.h"
#include "wtest.h"
#include "../ckrun.h"

#define MAX_FRAME	WT_MAX_FRAME
#define WAIT_MS		WT_WAIT_MS

static void
start_peers(int n, bool sync)
{
	struct wt_opts o = { !sync, 0, 0, 0 };

	wt_start_peers(n, &o);
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
	uint64_t fsyncs;
	int fd;

	wt_start();
	fd = wt.fd[0];
	ck_assert_ptr_null(wt_get1(fd, "bob", NULL));
	fsyncs = wt.ctr->fsyncs;	/* the journal's start: 1 */
	wt_store1(fd, "bob", 1, book);
	wt_expect_stored(fd, 1);
	l = wt_get1(fd, "bob", NULL);
	ck_assert(st_list_equal(l, book));
	todolist_free(l);
	/* Nothing journaled: the file itself went, as a descriptor. */
	ck_assert_int_eq(wt.files_by_fd, 1);
	ck_assert_int_eq(fstatat(wt.dfd, "bob", &st, 0), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_uint_eq(wt.ctr->stores, 1);
	ck_assert_uint_eq(wt.ctr->bytes, (uint64_t)st.st_size);
	/* The file, the directory; no journal for a list that has none. */
	ck_assert_uint_eq(wt.ctr->fsyncs - fsyncs, 2);
	ck_assert_uint_eq(wt.ctr->journal_bytes, 0);
	ck_assert_uint_eq(wt.ctr->errors, 0);
	ck_assert_uint_eq(wt.ctr->queue, 0);

	ck_assert_int_eq(todolist_delete(book, 2), 0);
	wt_store1(fd, "bob", 2, book);
	wt_expect_stored(fd, 2);
	l = wt_get1(fd, "bob", NULL);
	ck_assert(st_list_equal(l, book));
	todolist_free(l);
	l = wt_load_file("bob");
	ck_assert(st_list_equal(l, book));
	todolist_free(l);
	/* A name that needs escaping. */
	wt_store1(fd, "caf\xc3\xa9/..", 1, book);
	wt_expect_stored(fd, 1);
	ck_assert_int_eq(faccessat(wt.dfd, "caf%C3%A9%2F%2E%2E", F_OK, 0), 0);
	wt_stop();
	ck_assert_int_eq(st_count_temps(wt.dfd), 0);
	todolist_free(book);
}
END_TEST

/*
 * Gets pipelined faster than they are read: a file goes as a descriptor
 * while the link's output is empty; once replies wait in it, as the
 * file's bytes, {ok, FileBytes}, behind them, in order.  Every answer
 * is the list.
 */
START_TEST(t_get_bytes_behind)
{
	struct todo_list *book = st_book_list(), *l;
	struct etf_buf b;
	int fd, i, n = 2000;

	wt_start();
	fd = wt.fd[0];
	wt_store1(fd, "bob", 1, book);
	wt_expect_stored(fd, 1);
	etf_buf_init(&b);
	for (i = 0; i < n; i++)
		wt_add_get(&b, "bob");
	wt_send_all(fd, &b);
	etf_buf_free(&b);
	for (i = 0; i < n; i++) {
		l = wt_expect_list(fd, NULL);
		ck_assert_msg(l != NULL && st_list_equal(l, book),
		    "get %d of %d differs", i + 1, n);
		todolist_free(l);
		if (i % 100 == 0)
			etf_arena_reset(wt.arena);
	}
	ck_assert_int_gt(wt.files_by_fd, 0);
	ck_assert_int_lt(wt.files_by_fd, n);
	wt_stop();
	todolist_free(book);
}
END_TEST

START_TEST(t_seq_order)
{
	struct todo_list *v5 = st_list_n(5, "five");
	struct todo_list *v3 = st_list_n(3, "three");
	struct todo_list *v1 = st_list_n(1, "one"), *l;
	int fd;

	wt_start();
	fd = wt.fd[0];
	wt_store1(fd, "s", 5, v5);
	wt_expect_stored(fd, 5);
	/* Lower or equal Seq: acknowledged, not written. */
	wt_store1(fd, "s", 3, v3);
	wt_expect_stored(fd, 3);
	wt_store1(fd, "s", 5, v3);
	wt_expect_stored(fd, 5);
	ck_assert_uint_eq(wt.ctr->stores, 1);
	l = wt_load_file("s");
	ck_assert(st_list_equal(l, v5));
	todolist_free(l);
	/* A get (a list server loading the list) starts the count anew. */
	l = wt_get1(fd, "s", NULL);
	ck_assert(st_list_equal(l, v5));
	todolist_free(l);
	wt_store1(fd, "s", 1, v1);
	wt_expect_stored(fd, 1);
	l = wt_load_file("s");
	ck_assert(st_list_equal(l, v1));
	todolist_free(l);
	ck_assert_uint_eq(wt.ctr->stores, 2);
	wt_stop();
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
			wt_add_store(&b[p], name, 100 + i, lists[p][i]);
		}
	}
	for (p = 0; p < GC_PEERS; p++)
		wt_send_all(wt.fd[p], &b[p]);
	for (p = 0; p < GC_PEERS; p++)
		for (i = 0; i < GC_LISTS; i++)
			wt_expect_stored(wt.fd[p], 100 + i);
	fprintf(stderr, "group commit: %llu stores, %llu fsyncs\n",
	    (unsigned long long)wt.ctr->stores, (unsigned long long)wt.ctr->fsyncs);
	ck_assert_uint_eq(wt.ctr->stores, GC_PEERS * GC_LISTS);
	ck_assert_uint_lt(wt.ctr->fsyncs, wt.ctr->stores);
	ck_assert_uint_eq(wt.ctr->queue, 0);
	for (p = 0; p < GC_PEERS; p++)
		for (i = 0; i < GC_LISTS; i++) {
			snprintf(name, sizeof(name), "list-%d-%d", p, i);
			l = wt_load_file(name);
			ck_assert(st_list_equal(l, lists[p][i]));
			todolist_free(l);
			todolist_free(lists[p][i]);
		}
	wt_stop();
	ck_assert_int_eq(st_count_temps(wt.dfd), 0);
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

	wt_start();
	etf_buf_init(&b);
	for (i = 1; i <= 20; i++) {
		snprintf(tag, sizeof(tag), "v%d", i);
		v[i] = st_list_n(i, tag);
		wt_add_store(&b, "same", i, v[i]);
		wt_add_get(&b, "other");
	}
	wt_send_all(wt.fd[0], &b);
	for (i = 1; i <= 20; i++) {
		wt_expect_stored(wt.fd[0], i);
		ck_assert_ptr_null(wt_expect_list(wt.fd[0], NULL));
	}
	ck_assert_uint_le(wt.ctr->stores, 20);
	l = wt_load_file("same");
	ck_assert(st_list_equal(l, v[20]));
	todolist_free(l);
	/* Replies keep the order of the requests: a get after a store. */
	l = wt_get1(wt.fd[0], "same", NULL);
	ck_assert(st_list_equal(l, v[20]));
	todolist_free(l);
	wt_stop();
	for (i = 1; i <= 20; i++)
		todolist_free(v[i]);
	etf_buf_free(&b);
}
END_TEST

/* A get of a file that is not a list file leaves the file alone. */
START_TEST(t_corrupt_get)
{
	static const char garbage[] = "\x83\x61\x01";
	uint8_t *p;
	size_t len;

	ck_assert_int_eq(st_write_file(wt.dfd, "bad", garbage, 3), 0);
	ck_assert_int_eq(st_write_file(wt.dfd, "empty", "", 0), 0);
	wt_start();
	{
		struct etf_buf b;

		etf_buf_init(&b);
		wt_add_get(&b, "bad");
		wt_add_get(&b, "empty");
		wt_send_all(wt.fd[0], &b);
		etf_buf_free(&b);
	}
	/* The bytes are answered as they are; the reader finds them bad. */
	wt_expect_corrupt(wt.fd[0]);
	wt_expect_corrupt(wt.fd[0]);
	wt_stop();
	p = st_read_file(wt.dfd, "bad", &len);
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
			wt_put_frame(&b, &m);
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
			wt_put_frame(&b, &m);
			break;
		case 4:		/* not a list */
			etf_put_tuple(&m, 4);
			etf_put_atom(&m, "store");
			etf_put_binary(&m, "x", 1);
			etf_put_int(&m, 1);
			etf_put_atom(&m, "nil");
			wt_put_frame(&b, &m);
			break;
		case 5:		/* not ETF at all, after a good get */
			wt_add_get(&b, "x");
			etf_buf_append(&b, "\0\0\0\2zz", 6);
			break;
		}
		wt_send_all(wt.fd[i], &b);
		if (i == 5)
			ck_assert_ptr_null(wt_expect_list(wt.fd[i], NULL));
		wt_expect_eof(wt.fd[i]);
	}
	/* The seventh peer is served as before. */
	wt_store1(wt.fd[6], "fine", 1, book);
	wt_expect_stored(wt.fd[6], 1);
	ck_assert_uint_eq(wt.ctr->stores, 1);
	wt_stop();
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

	flag = wt_start_fault("enospc");
	fd = wt.fd[0];
	wt_store1(fd, "e", 1, v1);
	wt_expect_stored(fd, 1);
	wt_arm(flag, true);
	wt_store1(fd, "e", 2, v2);
	wt_expect_error(fd, "enospc");
	ck_assert_uint_eq(wt.ctr->errors, 1);
	ck_assert_int_eq(st_count_temps(wt.dfd), 0);
	l = wt_load_file("e");
	ck_assert(st_list_equal(l, v1));
	todolist_free(l);
	wt_arm(flag, false);
	wt_store1(fd, "e", 2, v2);		/* the list server's retry */
	wt_expect_stored(fd, 2);
	l = wt_get1(fd, "e", NULL);
	ck_assert(st_list_equal(l, v2));
	todolist_free(l);
	wt_stop();
	unsetenv("TODOD_FAULT");
	unsetenv("TODOD_FAULT_FILE");
	free(flag);
	todolist_free(v1);
	todolist_free(v2);
}
END_TEST
#endif

/*
 * A new list server's link, answered unasked (worker_add_peer_get): the
 * last batch of the list's old server, killed with it unread in its
 * socket, is taken in first, so the new server loads the list with it
 * (else the new server's next id would clash with the batch's, and an
 * acknowledged change of the new server could be undone by the batch).
 * The old link is named by its first request (loop 0), or, as the
 * supervisor links a live server to a worker started again, when it is
 * made, with nothing read from it before the batch (loop 1).  The worker
 * runs in this process, so that nothing is read before the new link is
 * added.
 */
START_TEST(t_unasked_get_after_old_peer)
{
	struct worker_config cfg = { .dirfd = wt.dfd, .sync = true,
	    .max_frame = WT_MAX_FRAME };
	struct listop *ops[1] = { wt_op_add(1, "late") };
	struct event_base *base;
	struct todo_list *l;
	struct pollfd pfd;
	struct etf_buf out;
	struct worker *w;
	int a[2], b[2], i;

	ck_assert_ptr_nonnull(base = event_base_new());
	ck_assert_ptr_nonnull(w = worker_new(base, &cfg, wt.ctr));
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
	etf_buf_init(&out);
	if (_i == 0) {
		/* The old server's first request names its list. */
		ck_assert_int_eq(worker_add_peer(w, a[0]), 0);
		wt_add_get(&out, "L");
		wt_send_all(a[1], &out);
		for (i = 0; i < 100; i++)
			event_base_loop(base, EVLOOP_NONBLOCK);
		ck_assert_ptr_null(wt_expect_list(a[1], NULL));
	} else
		ck_assert_int_eq(worker_add_peer_named(w, a[0], "L", 1), 0);
	/* A batch, and it dies. */
	etf_buf_reset(&out);
	wt_add_append(&out, "L", 5, ops, 1);
	wt_send_all(a[1], &out);
	close(a[1]);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
	ck_assert_int_eq(worker_add_peer_get(w, b[0], "L", 1), 0);
	pfd.fd = b[1];
	pfd.events = POLLIN;
	for (i = 0; i < 10000 && poll(&pfd, 1, 0) == 0; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	ck_assert_msg(poll(&pfd, 1, 0) == 1, "no answer on the new link");
	l = wt_expect_list(b[1], NULL);
	ck_assert_msg(l != NULL && todolist_size(l) == 1, "the new link's "
	    "list misses the old server's last batch");
	todolist_free(l);
	close(b[1]);
	for (i = 0; i < 100 && worker_npeers(w) > 0; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	listop_free(ops[0]);
	etf_buf_free(&out);
	worker_free(w);
	event_base_free(base);
}
END_TEST

/*
 * A list server's link is bound to its list (worker_add_peer_named, as
 * the supervisor links it; loop 1: worker_add_peer_get): a request for
 * another list is malformed, the link is closed, and nothing of that
 * list is written or answered.  The worker took it: a server could
 * write, read or empty any list through its link.
 */
START_TEST(t_bound_link_own_list)
{
	struct worker_config cfg = { .dirfd = wt.dfd, .sync = true,
	    .max_frame = WT_MAX_FRAME };
	struct listop *ops[1] = { wt_op_add(1, "intruder") };
	struct event_base *base;
	struct etf_buf out;
	struct worker *w;
	char buf[256];
	int a[2], i;
	ssize_t n;

	ck_assert_ptr_nonnull(base = event_base_new());
	ck_assert_ptr_nonnull(w = worker_new(base, &cfg, wt.ctr));
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
	if (_i == 0)
		ck_assert_int_eq(worker_add_peer_named(w, a[0], "bob", 3), 0);
	else
		ck_assert_int_eq(worker_add_peer_get(w, a[0], "bob", 3), 0);
	etf_buf_init(&out);
	wt_add_append(&out, "alice", 1, ops, 1);
	wt_send_all(a[1], &out);
	for (i = 0; i < 1000 && worker_npeers(w) > 0; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	ck_assert_msg(worker_npeers(w) == 0, "the link is not closed");
	/* Loop 1: bob's list, sent unasked, then the close; no stored. */
	while ((n = read(a[1], buf, sizeof(buf))) > 0)
		ck_assert_msg(memmem(buf, (size_t)n, "stored", 6) == NULL,
		    "another list's change was acknowledged");
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(worker_sync(w), 0);
	ck_assert_msg(faccessat(wt.dfd, "alice", F_OK, 0) == -1,
	    "another list's file was written");
	close(a[1]);
	listop_free(ops[0]);
	etf_buf_free(&out);
	worker_free(w);
	event_base_free(base);
}
END_TEST

/*
 * A real ENOSPC: the worker runs in a private mount namespace on a
 * 64 KiB tmpfs.  It checks for temporary files itself before it exits
 * (we cannot see its mount), exiting 20 if any are left.
 */
static void __attribute__((noreturn))
tmpfs_worker(int *fds)
{
	struct worker_config cfg = { .dirfd = -1, .sync = true,
	    .max_frame = MAX_FRAME };
	struct event_base *base;
	struct worker *w;

	if (unshare(CLONE_NEWNS) == -1 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1 ||
	    mount("tmpfs", wt.dir, "tmpfs", 0, "size=64k,mode=0700") == -1)
		_exit(77);
	if ((cfg.dirfd = store_open_dir(wt.dir)) == -1 ||
	    (base = event_base_new()) == NULL ||
	    (w = worker_new(base, &cfg, wt.ctr)) == NULL ||
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
	wt.pid = fork();
	ck_assert_int_ge(wt.pid, 0);
	if (wt.pid == 0) {
		close(sv[0]);
		tmpfs_worker(&sv[1]);
	}
	close(sv[1]);
	wt.fd[0] = sv[0];
	wt.n = 1;
	wt_store1(sv[0], "t", 1, small);
	if (wt_recv(sv[0]) == NULL) {
		status = wt_reap(WAIT_MS);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 77);
		fprintf(stderr, "t_enospc_tmpfs: cannot mount a tmpfs here: "
		    "ENOSPC tested through the fault switch only\n");
		goto out;
	}
	wt_store1(sv[0], "t", 2, big);
	wt_expect_error(sv[0], "enospc");
	l = wt_get1(sv[0], "t", NULL);
	ck_assert(st_list_equal(l, small));
	todolist_free(l);
	ck_assert_int_eq(todolist_delete(small, 1), 0);
	wt_store1(sv[0], "t", 3, small);
	wt_expect_stored(sv[0], 3);
	l = wt_get1(sv[0], "t", NULL);
	ck_assert(st_list_equal(l, small));
	todolist_free(l);
	ck_assert_uint_eq(wt.ctr->errors, 1);
	wt_stop();		/* exit 0: no temporary file left on the tmpfs */
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

	wt_start();
	etf_buf_init(&b);
	for (i = 0; i < KB_LISTS; i++) {
		snprintf(name, sizeof(name), "k%d", i);
		wt_add_store(&b, name, 1, kb_old[i]);
	}
	wt_send_all(wt.fd[0], &b);
	for (i = 0; i < KB_LISTS; i++)
		wt_expect_stored(wt.fd[0], 1);
	wt_stop();
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
		wt_add_store(&b, name, 2, kb_new[i]);
	}
	wt_send_some(wt.fd[0], &b);
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
		l = wt_load_file(name);
		if (st_list_equal(l, kb_new[i]))
			nnew++;
		else
			ck_assert_msg(st_list_equal(l, kb_old[i]),
			    "%s is neither old nor new", name);
		todolist_free(l);
		etf_arena_reset(wt.arena);
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
	wt_start();
	unsetenv("TODOD_FAULT");
	kb_send_new();
	status = wt_reap(WAIT_MS);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	nnew = kb_check();
	ck_assert_int_ge(nnew, kb_faults[_i].min);
	ck_assert_int_le(nnew, kb_faults[_i].max);
	if (kb_faults[_i].temps)
		ck_assert_int_gt(st_count_temps(wt.dfd), 0);
	/* The restarted worker removes its left-overs and serves. */
	wt_close_all();
	wt_start();
	{
		struct todo_list *l = wt_get1(wt.fd[0], "k0", NULL);

		ck_assert(st_list_equal(l, nnew > 0 ? kb_new[0] : kb_old[0]));
		todolist_free(l);
	}
	ck_assert_int_eq(st_count_temps(wt.dfd), 0);
	wt_stop();
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
	wt_start();
	fflush(NULL);
	killer = fork();
	ck_assert_int_ge(killer, 0);
	if (killer == 0) {
		nanosleep(&ts, NULL);
		kill(wt.pid, SIGKILL);
		_exit(0);
	}
	kb_send_new();
	ck_assert_int_eq(waitpid(killer, &status, 0), killer);
	status = wt_reap(WAIT_MS);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	nnew = kb_check();
	fprintf(stderr, "killed after %ld ms: %d of %d lists new, %d "
	    "temporary files\n", delay, nnew, KB_LISTS, st_count_temps(wt.dfd));
	ck_assert_int_ge(store_cleanup_temps(wt.dfd), 0);
	ck_assert_int_eq(st_count_temps(wt.dfd), 0);
	kb_free();
}
END_TEST

/*
 * syncfs, wrapped in this program (-Wl,--wrap=syncfs): in the worker's
 * process a marker file says that it was called, and another that it was
 * called on the open file of the directory descriptor the worker was
 * given.  In the daemon every worker is given one open file, and syncfs
 * reports a write-back error once per open file: one worker's syncfs
 * would take the error that another's files had, and the other would
 * take its files for durable.
 */
int	__real_syncfs(int);
int	__wrap_syncfs(int);

/* Whether descriptors a and b are one open file (its status flags are
 * the open file's: a change through a shows through b). */
static bool
same_open_file(int a, int b)
{
	int fa = fcntl(a, F_GETFL), fb;

	if (fa == -1 || fcntl(a, F_SETFL, fa ^ O_NONBLOCK) == -1)
		return false;
	fb = fcntl(b, F_GETFL);
	(void)fcntl(a, F_SETFL, fa);
	return fb != -1 && (fb & O_NONBLOCK) != (fa & O_NONBLOCK);
}

static void
marker(const char *name)
{
	int fd = openat(wt_child_dirfd, name, O_WRONLY | O_CREAT | O_CLOEXEC,
	    0600);

	if (fd != -1)
		close(fd);
}

int
__wrap_syncfs(int fd)
{
	if (wt_child_dirfd != -1) {
		marker(".syncfs-called");
		if (same_open_file(fd, wt_child_dirfd))
			marker(".syncfs-on-given-file");
	}
	return __real_syncfs(fd);
}

/* The syncfs of a checkpoint of three lists is on an open file of the
 * worker's own. */
START_TEST(t_syncfs_own_file)
{
	struct todo_list *m[3];
	struct listop *v[1];
	char name[16];
	int i;

	start_peers(3, true);
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		m[i] = todolist_new();
		v[0] = wt_op_add(1, name);
		wt_app(wt.fd[i], name, 1, m[i], v, 1);
	}
	for (i = 0; i < 3; i++)
		wt_expect_stored(wt.fd[i], 1);
	wt_sync();
	ck_assert_msg(faccessat(wt.dfd, ".syncfs-called", F_OK, 0) == 0,
	    "the checkpoint of three lists made no syncfs");
	ck_assert_msg(faccessat(wt.dfd, ".syncfs-on-given-file", F_OK,
	    0) == -1, "syncfs on the open file of the descriptor the worker "
	    "was given");
	wt_stop();
	for (i = 0; i < 3; i++)
		todolist_free(m[i]);
}
END_TEST

static Suite *
worker_suite(void)
{
	Suite *s = suite_create("worker");
	TCase *tc = tcase_create("worker");
	TCase *kill = tcase_create("kill");

	tcase_add_checked_fixture(tc, wt_setup, wt_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, t_fnv);
	tcase_add_test(tc, t_get_store);
	tcase_add_test(tc, t_get_bytes_behind);
	tcase_add_test(tc, t_seq_order);
	tcase_add_test(tc, t_group_commit);
	tcase_add_test(tc, t_same_list_burst);
	tcase_add_test(tc, t_corrupt_get);
	tcase_add_test(tc, t_malformed);
	tcase_add_test(tc, t_syncfs_own_file);
	tcase_add_loop_test(tc, t_unasked_get_after_old_peer, 0, 2);
	tcase_add_loop_test(tc, t_bound_link_own_list, 0, 2);
#ifdef TODOD_FAULTS
	tcase_add_test(tc, t_enospc_switch);
#endif
	tcase_add_test(tc, t_enospc_tmpfs);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(kill, wt_setup, wt_teardown);
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
	signal(SIGPIPE, SIG_IGN);
	return ck_run(worker_suite());
}
