/*
 * test_journal_worker.c: the journal through a worker process (wtest.h):
 * appends acknowledged and answered by get, new lists' files, group
 * commit with one fdatasync, --sync none, rotation, sync and the orderly
 * exit, stores among appends, ops that do not apply as they are, ENOSPC.
 * Restarts and crashes are in test_journal_recover.c.
 */
#include "config.h"

#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "etf.h"
#include "frame.h"
#include "journal.h"
#include "listfile.h"
#include "listops.h"
#include "names.h"
#include "storage_test.h"
#include "store.h"
#include "test_journal.h"
#include "todolist.h"
#include "worker.h"
#include "wtest.h"

/* ---- appends, get, sync, exit ---- */

START_TEST(t_append_get)
{
	struct todo_list *m = todolist_new(), *m1, *m3;
	struct listop *v[2];
	int fd;

	wt_start();
	fd = wt.fd[0];
	/* The first change of a new list is journaled: {ok, nil, Ops}. */
	v[0] = wt_op_add(1, "a");
	v[1] = wt_op_add(2, "a");
	wt_app(fd, "a", 1, m, v, 2);
	wt_expect_stored(fd, 1);
	ck_assert_int_eq(faccessat(wt.dfd, "a", F_OK, 0), -1);
	wt_check_get(fd, "a", m, 2);
	ck_assert_uint_eq(wt.ctr->stores, 1);
	ck_assert_uint_eq(wt.ctr->pending_ops, 2);
	/* sync_new writes the file of a list that has none. */
	wt_sync_what("sync_new");
	wt_check_file("a", m);
	wt_check_get(fd, "a", m, -1);
	ck_assert_uint_eq(wt.ctr->pending_ops, 0);
	ck_assert_uint_eq(wt.ctr->checkpoints, 1);
	m1 = listop_clone(m);
	/* The next are journaled: {ok, List, Ops}; sync_new leaves a
	 * list that has a file alone. */
	v[0] = wt_op_title(1, "one");
	v[1] = wt_op_delete(2);
	wt_app(fd, "a", 2, m, v, 2);
	wt_expect_stored(fd, 2);
	wt_sync_what("sync_new");
	wt_check_get(fd, "a", m, 2);
	wt_check_file("a", m1);
	ck_assert_uint_eq(wt.ctr->stores, 3);	/* the checkpoint too */
	ck_assert_uint_eq(wt.ctr->pending_ops, 2);
	ck_assert_uint_gt(wt.ctr->journal_bytes, 0);
	ck_assert_uint_eq(wt.ctr->checkpoints, 1);
	/* sync: the file is current, the old generation gone. */
	wt_sync();
	wt_check_file("a", m);
	ck_assert_uint_eq(wt.ctr->pending_ops, 0);
	ck_assert_uint_eq(wt.ctr->checkpoints, 2);
	ck_assert_int_eq(wt_count_journals(), 1);
	ck_assert_uint_eq(wt.ctr->journal_files, 1);
	wt_check_get(fd, "a", m, -1);
	v[0] = wt_op_add(3, "a");
	wt_app(fd, "a", 3, m, v, 1);
	wt_expect_stored(fd, 3);
	wt_check_get(fd, "a", m, 1);
	/* No file, journaled ops: {ok, nil, Ops} (the file went away). */
	ck_assert_int_eq(unlinkat(wt.dfd, "a", 0), 0);
	m3 = todolist_new();
	v[0] = wt_op_add(3, "a");
	ck_assert_int_eq(listop_replay(m3, v[0]), 0);
	listop_free(v[0]);
	wt_check_get(fd, "a", m3, 1);
	/* The orderly exit: files current, no journal left. */
	wt_stop();
	wt_check_file("a", m3);
	ck_assert_int_eq(wt_count_journals(), 0);
	ck_assert_int_eq(st_count_temps(wt.dfd), 0);
	todolist_free(m);
	todolist_free(m1);
	todolist_free(m3);
}
END_TEST

/* Malformed appends close the peer; the others go on.  An add of id
 * 2^63-1 is one: no entry can have it (next_id would overflow). */
START_TEST(t_append_malformed)
{
	struct etf_buf b, m;
	struct listop *op;
	int i;

	wt_start_peers(7, NULL);
	etf_buf_init(&b);
	etf_buf_init(&m);
	for (i = 0; i < 6; i++) {
		etf_buf_reset(&b);
		etf_buf_reset(&m);
		etf_put_version(&m);
		etf_put_tuple(&m, 4);
		etf_put_atom(&m, "append");
		etf_put_binary(&m, "x", 1);
		etf_put_int(&m, i == 0 ? 0 : 1);	/* 0: bad Seq */
		switch (i) {
		case 0:
		case 1:		/* [] */
			etf_put_nil(&m);
			break;
		case 2:		/* not a list */
			etf_put_atom(&m, "nil");
			break;
		case 3:		/* not an op */
			etf_put_list(&m, 1);
			etf_put_tuple(&m, 2);
			etf_put_atom(&m, "add");
			etf_put_int(&m, 1);
			etf_put_nil(&m);
			break;
		case 4:		/* a good op, then a bad id */
			etf_put_list(&m, 2);
			op = wt_op_add(1, "x");
			listop_put(&m, op);
			listop_free(op);
			etf_put_tuple(&m, 2);
			etf_put_atom(&m, "delete");
			etf_put_int(&m, 0);
			etf_put_nil(&m);
			break;
		case 5:		/* an id past the last */
			etf_put_list(&m, 1);
			op = wt_op_add(INT64_MAX, "x");
			listop_put(&m, op);
			listop_free(op);
			etf_put_nil(&m);
			break;
		}
		wt_put_frame(&b, &m);
		wt_send_all(wt.fd[i], &b);
		wt_expect_eof(wt.fd[i]);
	}
	op = wt_op_add(1, "fine");
	wt_append1(wt.fd[6], "fine", 1, &op, 1);
	wt_expect_stored(wt.fd[6], 1);
	ck_assert_uint_eq(wt.ctr->stores, 1);
	wt_stop();
	etf_buf_free(&b);
	etf_buf_free(&m);
}
END_TEST

/* 32 lists' appends in one pass: one write, one fdatasync. */
#define GC_LISTS	32

START_TEST(t_group_commit)
{
	struct todo_list *m[GC_LISTS];
	struct listop *v[2];
	struct etf_buf b;
	uint64_t fsyncs, bytes;
	char name[16];
	int i, status;

	wt_start_peers(GC_LISTS, NULL);
	/* The lists' first changes, then their files. */
	for (i = 0; i < GC_LISTS; i++) {
		snprintf(name, sizeof(name), "gc%d", i);
		m[i] = todolist_new();
		v[0] = wt_op_add(1, name);
		wt_app(wt.fd[i], name, 1, m[i], v, 1);
	}
	for (i = 0; i < GC_LISTS; i++)
		wt_expect_stored(wt.fd[i], 1);
	wt_sync_what("sync_new");
	fsyncs = wt.ctr->fsyncs;
	bytes = wt.ctr->journal_bytes;
	/* Stopped for sure (kill() does not wait), it finds all at once. */
	ck_assert_int_eq(kill(wt.pid, SIGSTOP), 0);
	ck_assert_int_eq(waitpid(wt.pid, &status, WUNTRACED), wt.pid);
	ck_assert(WIFSTOPPED(status));
	for (i = 0; i < GC_LISTS; i++) {
		snprintf(name, sizeof(name), "gc%d", i);
		v[0] = wt_op_add(2, name);
		v[1] = wt_op_add(3, name);
		etf_buf_init(&b);
		ck_assert_int_eq(listop_replay(m[i], v[0]), 0);
		ck_assert_int_eq(listop_replay(m[i], v[1]), 0);
		wt_add_append(&b, name, 2, v, 2);
		wt_send_all(wt.fd[i], &b);
		etf_buf_free(&b);
		listop_free(v[0]);
		listop_free(v[1]);
	}
	ck_assert_int_eq(kill(wt.pid, SIGCONT), 0);
	for (i = 0; i < GC_LISTS; i++)
		wt_expect_stored(wt.fd[i], 2);
	fprintf(stderr, "group commit: %d appends of %d lists, %llu "
	    "fdatasync, %llu journal bytes\n", GC_LISTS, GC_LISTS,
	    (unsigned long long)(wt.ctr->fsyncs - fsyncs),
	    (unsigned long long)(wt.ctr->journal_bytes - bytes));
	ck_assert_uint_eq(wt.ctr->fsyncs - fsyncs, 1);
	ck_assert_uint_eq(wt.ctr->stores, 3 * GC_LISTS);	/* + their files */
	for (i = 0; i < GC_LISTS; i++) {
		snprintf(name, sizeof(name), "gc%d", i);
		wt_check_get(wt.fd[i], name, m[i], 2);
	}
	wt_stop();
	for (i = 0; i < GC_LISTS; i++) {
		snprintf(name, sizeof(name), "gc%d", i);
		wt_check_file(name, m[i]);
		todolist_free(m[i]);
	}
}
END_TEST

/* With --sync none: no sync call at all. */
START_TEST(t_nosync)
{
	struct wt_opts o = { true, 0, 0, 0 };
	struct todo_list *m = todolist_new();
	struct listop *v[1];

	wt_start_peers(1, &o);
	v[0] = wt_op_add(1, "n");
	wt_app(wt.fd[0], "n", 1, m, v, 1);
	wt_expect_stored(wt.fd[0], 1);
	wt_sync();
	wt_stop();
	ck_assert_uint_eq(wt.ctr->fsyncs, 0);
	wt_check_file("n", m);
	todolist_free(m);
}
END_TEST

/* ---- rotation ---- */

#define RO_LISTS	20
#define RO_ROUNDS	30

static bool
wait_journals(int n, int ms)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	int waited;

	for (waited = 0; waited < ms; waited += 5) {
		if (wt_count_journals() <= n)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

START_TEST(t_rotation)
{
	struct wt_opts o = { false, 4096, 2, 0 };
	struct todo_list *m[RO_LISTS];
	struct listop *v[1];
	char name[16], title[96];
	int i, k;

	wt_start_peers(1, &o);
	for (i = 0; i < RO_LISTS; i++)
		m[i] = todolist_new();
	for (k = 1; k <= RO_ROUNDS; k++)
		for (i = 0; i < RO_LISTS; i++) {
			snprintf(name, sizeof(name), "ro%d", i);
			snprintf(title, sizeof(title), "%s %0*d", name, 60, k);
			v[0] = wt_op_add(k, title);
			wt_app(wt.fd[0], name, k, m[i], v, 1);
			wt_expect_stored(wt.fd[0], k);
		}
	ck_assert_msg(wait_journals(1, WT_WAIT_MS), "%d journal files",
	    wt_count_journals());
	fprintf(stderr, "rotation: %llu checkpoints, %llu journal bytes, "
	    "%llu ops pending\n", (unsigned long long)wt.ctr->checkpoints,
	    (unsigned long long)wt.ctr->journal_bytes,
	    (unsigned long long)wt.ctr->pending_ops);
	ck_assert_uint_gt(wt.ctr->checkpoints, RO_LISTS);
	/* Pending ops are those of the current generation only. */
	ck_assert_uint_lt(wt.ctr->pending_ops, 4096 / 64);
	for (i = 0; i < RO_LISTS; i++) {
		snprintf(name, sizeof(name), "ro%d", i);
		wt_check_get(wt.fd[0], name, m[i], WT_ANY_OPS);
	}
	wt_stop();
	ck_assert_int_eq(wt_count_journals(), 0);
	for (i = 0; i < RO_LISTS; i++) {
		snprintf(name, sizeof(name), "ro%d", i);
		wt_check_file(name, m[i]);
		todolist_free(m[i]);
	}
}
END_TEST

/* A large list (its checkpoints stream its file, ckstream.h): rounds of
 * adds, updates and deletes, of new entries and of the file's, with the
 * journal rotating; the file and a get are the model throughout. */
START_TEST(t_rotation_large)
{
	struct wt_opts o = { false, 4096, 2, 0 };
	struct todo_list *m = st_list_n(3000, "large");
	struct listop *v[3];
	char title[96];
	uint8_t *p;
	size_t len;
	int64_t id;
	int k;

	p = st_encode(m, &len);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_gt(len, 256 * 1024);
	ck_assert_int_eq(st_write_file(wt.dfd, "large", p, len), 0);
	free(p);
	wt_start_peers(1, &o);
	for (k = 1; k <= 40; k++) {
		id = todolist_next_id(m);
		snprintf(title, sizeof(title), "round %0*d", 70, k);
		v[0] = wt_op_add(id, title);
		v[1] = wt_op_title(1 + (k * 37) % 3000, title);
		v[2] = wt_op_delete(1 + (k * 53) % 3000);
		wt_app(wt.fd[0], "large", k, m, v, 3);
		wt_expect_stored(wt.fd[0], k);
	}
	ck_assert_msg(wait_journals(1, WT_WAIT_MS), "%d journal files",
	    wt_count_journals());
	ck_assert_uint_gt(wt.ctr->checkpoints, 0);
	wt_check_get(wt.fd[0], "large", m, WT_ANY_OPS);
	wt_stop();
	wt_check_file("large", m);
	todolist_free(m);
}
END_TEST

/*
 * A store after a get, numbered anew below the Seq of the changes that
 * an earlier server journaled (a get forgets the Seq): the stored list
 * holds them, and they are not applied over it again.
 */
START_TEST(t_store_after_get)
{
	struct todo_list *m = todolist_new(), *x;
	struct listop *v[1];

	wt_start();
	v[0] = wt_op_add(1, "a");
	wt_app(wt.fd[0], "s", 100, m, v, 1);
	wt_expect_stored(wt.fd[0], 100);
	wt_check_get(wt.fd[0], "s", m, 1);	/* forgets the Seq */
	x = listop_clone(m);
	v[0] = wt_op_title(1, "new");
	ck_assert_int_eq(listop_replay(x, v[0]), 0);
	listop_free(v[0]);
	wt_store1(wt.fd[0], "s", 1, x);
	wt_expect_stored(wt.fd[0], 1);
	wt_check_file("s", x);
	wt_check_get(wt.fd[0], "s", x, -1);
	wt_sync();
	wt_check_file("s", x);
	wt_stop();
	wt_check_file("s", x);
	todolist_free(m);
	todolist_free(x);
}
END_TEST

/*
 * A list file written compressed (term_to_binary(List, [compressed])),
 * with changes journaled since, enough to stream its checkpoint: a get
 * sends the list it holds uncompressed, with the ops; the checkpoint
 * falls back to the plain way (ckstream.h) and writes the whole list.
 */
START_TEST(t_compressed_file)
{
	struct todo_list *m = st_list_n(100, "z");
	struct todo_date d = { 2024, 6, 7 };
	struct listop *v[1];
	char title[4001];
	uint8_t *p, *z;
	size_t len, zlen;
	int64_t id;

	p = st_encode(m, &len);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(z = st_compress(p, len, &zlen));
	ck_assert_int_eq(st_write_file(wt.dfd, "z", z, zlen), 0);
	free(p);
	free(z);

	wt_start();
	/* 280 KB of ops: the checkpoint is tried streamed. */
	for (id = 101; id <= 170; id++) {
		memset(title, 'a' + id % 26, 4000);
		title[4000] = '\0';
		v[0] = listop_new(LISTOP_ADD, id, 1, d, title, 4000);
		wt_app(wt.fd[0], "z", id, m, v, 1);
		wt_expect_stored(wt.fd[0], id);
	}
	wt_check_get(wt.fd[0], "z", m, 70);
	wt_sync();
	wt_check_file("z", m);
	p = st_read_file(wt.dfd, "z", &len);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_ne(p[1], 80);	/* written uncompressed */
	free(p);
	ck_assert_int_eq(wt_count_journals(), 1);
	wt_check_get(wt.fd[0], "z", m, -1);
	wt_stop();
	ck_assert_int_eq(wt_count_journals(), 0);
	todolist_free(m);
}
END_TEST

/* ---- the frame bound ---- */

#define SMALL_FRAME	(64 * 1024)	/* files of up to 64 KiB - 64 */

/* A title of n bytes (n < sizeof(title)) made of c. */
static const char *
long_title(char *title, size_t n, char c)
{
	memset(title, c, n);
	title[n] = '\0';
	return title;
}

/*
 * Journaled ops that make more than a frame while the list they make
 * fits in one (an entry retitled again and again): a get answers the
 * list with the ops applied, {ok, List}, not the file and the ops.
 */
START_TEST(t_get_ops_over_frame)
{
	struct wt_opts o = { .max_frame = SMALL_FRAME };
	struct todo_list *m = todolist_new();
	struct listop *v[1];
	char title[3001];
	int i;

	wt_start_peers(1, &o);
	v[0] = wt_op_add(1, "r");
	wt_app(wt.fd[0], "r", 1, m, v, 1);
	wt_expect_stored(wt.fd[0], 1);
	wt_sync_what("sync_new");			/* its file */
	for (i = 0; i < 30; i++) {		/* 90 KB of ops */
		v[0] = wt_op_title(1, long_title(title, 3000, 'a' + i % 26));
		wt_app(wt.fd[0], "r", 2 + i, m, v, 1);
		wt_expect_stored(wt.fd[0], 2 + i);
	}
	wt_check_get(wt.fd[0], "r", m, -1);
	wt_stop();
	wt_check_file("r", m);
	todolist_free(m);
}
END_TEST

/*
 * A list grown by journaled ops beyond what a file may hold (a frame
 * less 64 bytes): a get is answered {error, efbig}, a checkpoint leaves
 * its changes in the journal, and other lists are served meanwhile.
 * Once ops make it small enough again, it is answered and written.
 */
START_TEST(t_get_list_over_frame)
{
	struct wt_opts o = { .max_frame = SMALL_FRAME };
	struct todo_list *m = todolist_new(), *k = todolist_new();
	struct todo_date d = { 2024, 1, 2 };
	struct listop *v[1];
	struct etf_buf b;
	char title[4001];
	int64_t seq = 1, id;

	wt_start_peers(1, &o);
	for (id = 1; id <= 20; id++) {		/* 80 KB */
		v[0] = listop_new(LISTOP_ADD, id, 1, d,
		    long_title(title, 4000, 'a'), 4000);
		wt_app(wt.fd[0], "e", seq, m, v, 1);
		wt_expect_stored(wt.fd[0], seq++);
	}
	v[0] = wt_op_add(1, "k");
	wt_app(wt.fd[0], "k", 1, k, v, 1);
	wt_expect_stored(wt.fd[0], 1);
	etf_buf_init(&b);
	wt_add_get(&b, "e");
	wt_send_all(wt.fd[0], &b);
	etf_buf_free(&b);
	wt_expect_error(wt.fd[0], "efbig");
	wt_sync();		/* "k" written; "e" cannot be */
	ck_assert_int_eq(faccessat(wt.dfd, "e", F_OK, 0), -1);
	wt_check_file("k", k);
	ck_assert_int_eq(wt_count_journals(), 1);
	wt_check_get(wt.fd[0], "k", k, -1);
	for (id = 1; id <= 10; id++) {
		v[0] = wt_op_delete(id);
		wt_app(wt.fd[0], "e", seq, m, v, 1);
		wt_expect_stored(wt.fd[0], seq++);
	}
	wt_check_get(wt.fd[0], "e", m, WT_ANY_OPS);
	wt_sync();
	wt_check_file("e", m);
	wt_stop();
	ck_assert_int_eq(wt_count_journals(), 0);
	wt_check_file("e", m);
	todolist_free(m);
	todolist_free(k);
}
END_TEST

/*
 * A store of a list larger than a file may be, in a frame that the
 * worker reads: refused with {error, efbig} (the file could never be
 * read back), nothing written; the list's next store is.
 */
START_TEST(t_store_over_file)
{
	struct wt_opts o = { .max_frame = SMALL_FRAME };
	struct todo_list *x = todolist_new(), *small;
	struct todo_date d = { 2024, 1, 2 };
	char title[4001];
	uint8_t *p;
	size_t len, base, want = SMALL_FRAME - 48;
	int64_t id;

	/* 15 entries of 4000 bytes, and one whose title tops it up to
	 * want bytes: more than SMALL_FRAME - 64, the store's frame less
	 * than SMALL_FRAME. */
	for (id = 1; id <= 15; id++)
		ck_assert_int_eq(todolist_insert(x, id, d,
		    long_title(title, 4000, 'x'), 4000, NULL, 0, 0), 0);
	ck_assert_int_eq(todolist_insert(x, 16, d, "y", 1, NULL, 0, 0), 0);
	p = st_encode(x, &base);
	free(p);
	ck_assert_uint_lt(base, want);
	ck_assert_uint_le(want - base, 4000);
	ck_assert_int_eq(todolist_update(x, 16, NULL,
	    long_title(title, 1 + want - base, 'y'), 1 + want - base), 0);
	p = st_encode(x, &len);
	free(p);
	ck_assert_uint_eq(len, want);

	wt_start_peers(1, &o);
	wt_store1(wt.fd[0], "b", 1, x);
	wt_expect_error(wt.fd[0], "efbig");
	ck_assert_int_eq(faccessat(wt.dfd, "b", F_OK, 0), -1);
	ck_assert_int_eq(st_count_temps(wt.dfd), 0);
	small = st_list_n(3, "b");
	wt_store1(wt.fd[0], "b", 2, small);
	wt_expect_stored(wt.fd[0], 2);
	wt_check_file("b", small);
	wt_stop();
	todolist_free(x);
	todolist_free(small);
}
END_TEST

/* ---- failures ---- */

#ifdef TODOD_FAULTS
/*
 * The same append twice in one pass, and the journal write fails: the
 * copy fails too (it is not acknowledged for the first's sake), and
 * nothing of it is ever applied.
 */
START_TEST(t_dup_in_failed_round)
{
	struct todo_list *m = todolist_new(), *l;
	struct listop *v[1];
	struct etf_buf b;
	long nops;
	char *flag;

	flag = wt_start_fault("enospc");
	wt_arm(flag, true);
	etf_buf_init(&b);
	v[0] = wt_op_add(1, "a");
	wt_add_append(&b, "d", 5, v, 1);
	wt_add_append(&b, "d", 5, v, 1);
	listop_free(v[0]);
	wt_send_all(wt.fd[0], &b);
	etf_buf_free(&b);
	wt_expect_error(wt.fd[0], "enospc");
	wt_expect_error(wt.fd[0], "enospc");
	wt_arm(flag, false);
	l = wt_get1(wt.fd[0], "d", &nops);
	ck_assert_ptr_null(l);			/* not_found */
	wt_stop();
	ck_assert_int_eq(faccessat(wt.dfd, "d", F_OK, 0), -1);
	todolist_free(m);
	free(flag);
}
END_TEST

/* ENOSPC on the journal: {error, enospc}; the failed ops never come
 * back, not even after a restart. */
START_TEST(t_enospc)
{
	struct todo_list *m = todolist_new(), *bad;
	struct listop *v[2];
	uint64_t size;
	char *flag;
	int fd;

	flag = wt_start_fault("enospc");
	fd = wt.fd[0];
	v[0] = wt_op_add(1, "e");
	wt_app(fd, "e", 1, m, v, 1);
	wt_expect_stored(fd, 1);
	wt_sync_what("sync_new");	/* its file */
	size = wt.ctr->journal_bytes;
	wt_arm(flag, true);
	bad = listop_clone(m);
	v[0] = wt_op_add(2, "lost");
	v[1] = wt_op_title(1, "lost too");
	wt_app(fd, "e", 2, bad, v, 2);
	wt_expect_error(fd, "enospc");
	ck_assert_uint_eq(wt.ctr->errors, 1);
	ck_assert_uint_eq(wt.ctr->journal_bytes, size);
	wt_check_get(fd, "e", m, -1);
	wt_arm(flag, false);
	/* The list server undid it; its next change reuses id 2. */
	v[0] = wt_op_add(2, "kept");
	wt_app(fd, "e", 3, m, v, 1);
	wt_expect_stored(fd, 3);
	wt_check_get(fd, "e", m, 1);
	wt_kill();
	wt_start();
	wt_check_file("e", m);
	wt_check_get(wt.fd[0], "e", m, -1);
	wt_stop();
	wt_check_file("e", m);
	todolist_free(m);
	todolist_free(bad);
	free(flag);
}
END_TEST

/*
 * The disk fills up during the checkpoint of a large list, streamed
 * (ckstream.h): its temporary file cannot be written, and is removed.
 * The changes stay in the journal (carrying them forward fails too),
 * are still answered, and a later checkpoint writes them.
 */
START_TEST(t_ckpt_stream_full)
{
	struct todo_list *m = todolist_new();
	struct todo_date d = { 2024, 3, 4 };
	struct listop *v[1];
	char title[4001];
	char *flag;
	uint64_t errors;
	int64_t id;

	flag = wt_start_fault("enospc");
	/* 320 KB of ops: a streamed checkpoint (WORKER_CKSTREAM_MIN). */
	for (id = 1; id <= 80; id++) {
		v[0] = listop_new(LISTOP_ADD, id, 1, d,
		    long_title(title, 4000, 'a' + id % 26), 4000);
		wt_app(wt.fd[0], "big", id, m, v, 1);
		wt_expect_stored(wt.fd[0], id);
	}
	errors = wt.ctr->errors;
	wt_arm(flag, true);
	wt_sync();
	ck_assert_uint_gt(wt.ctr->errors, errors);
	ck_assert_int_eq(faccessat(wt.dfd, "big", F_OK, 0), -1);
	ck_assert_int_eq(st_count_temps(wt.dfd), 0);
	ck_assert_int_ge(wt_count_journals(), 1);
	wt_check_get(wt.fd[0], "big", m, 80);
	wt_arm(flag, false);
	wt_sync();
	wt_check_file("big", m);
	ck_assert_int_eq(st_count_temps(wt.dfd), 0);
	wt_stop();
	ck_assert_int_eq(wt_count_journals(), 0);
	wt_restart_check("big", m);
	todolist_free(m);
	free(flag);
}
END_TEST

#define QUIET_LISTS	40

/* Lines of the file at path that hold what. */
static int
count_lines(const char *path, const char *what)
{
	char line[1024];
	int n = 0;
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, what) != NULL;
	fclose(f);
	return n;
}

/*
 * The disk is full at three checkpoints in a row, for each of
 * QUIET_LISTS lists: the worker says so once a while (lograte.h), not in
 * a line for every list at every checkpoint; and once there is room, the
 * next checkpoint writes every list.
 */
START_TEST(t_ckpt_full_quiet)
{
	struct todo_list *m[QUIET_LISTS];
	struct todo_date d = { 2024, 3, 4 };
	struct listop *v[1];
	struct timespec t0, t1;
	char name[16], *flag, *log;
	int i, fd, saved, windows;

	ck_assert_int_ne(asprintf(&log, "%s.log", wt.dir), -1);
	ck_assert_int_ne(fd = open(log, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0600), -1);
	ck_assert_int_ne(saved = dup(2), -1);
	ck_assert_int_eq(dup2(fd, 2), 2);
	close(fd);
	flag = wt_start_fault("enospc");
	for (i = 0; i < QUIET_LISTS; i++) {
		snprintf(name, sizeof(name), "q%d", i);
		m[i] = todolist_new();
		v[0] = listop_new(LISTOP_ADD, 1, 1, d, "quiet", 5);
		wt_app(wt.fd[0], name, 1, m[i], v, 1);
		wt_expect_stored(wt.fd[0], 1);
	}
	wt_arm(flag, true);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 3; i++)
		wt_sync();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	wt_arm(flag, false);
	wt_sync();
	wt_stop();
	ck_assert_int_eq(dup2(saved, 2), 2);
	close(saved);
	/* Each kind of line once a LOGRATE_MS (10 s) at most: a list's
	 * file not written, the batch's sync, the changes not carried
	 * forward; the checkpoints took windows of it. */
	windows = 1 + (int)(t1.tv_sec - t0.tv_sec) / 10 + 1;
	ck_assert_int_ge(count_lines(log, "No space left on device"), 1);
	ck_assert_int_le(count_lines(log, "No space left on device"),
	    3 * windows);
	ck_assert_int_le(count_lines(log, "could not be checkpointed"),
	    windows);
	for (i = 0; i < QUIET_LISTS; i++) {
		snprintf(name, sizeof(name), "q%d", i);
		wt_check_file(name, m[i]);
		todolist_free(m[i]);
	}
	unlink(log);
	free(flag);
	free(log);
}
END_TEST

/* Whether the data directory holds a temporary file of size bytes: a
 * checkpoint's, written whole. */
static bool
temp_written(size_t size)
{
	struct dirent *de;
	struct stat st;
	bool found = false;
	DIR *d;
	int fd;

	ck_assert_int_ne(fd = dup(wt.dfd), -1);
	ck_assert_ptr_nonnull(d = fdopendir(fd));
	rewinddir(d);		/* the offset is shared with wt.dfd */
	while (!found && (de = readdir(d)) != NULL)
		found = strncmp(de->d_name, ".tmp-", 5) == 0 &&
		    fstatat(wt.dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		    0 && (size_t)st.st_size == size;
	closedir(d);
	return found;
}

static bool
wait_temp_written(size_t size, int ms)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	int waited;

	for (waited = 0; waited < ms; waited += 2) {
		if (temp_written(size))
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

/*
 * The disk fills up between a checkpoint's temporary file and the
 * journal's FILE record for it (the fault armed while the checkpoint
 * is held after the file, TODOD_FAULT_CKPT_HOLD_FILE).  The half-written
 * record is cut back, the temporary file removed, the file left as it
 * was; the changes stay in the journal, answered, written by the next
 * checkpoint, and recovered whole by a worker killed meanwhile.
 */
START_TEST(t_ckpt_record_full)
{
	struct todo_list *m = todolist_new(), *old;
	struct listop *v[1];
	struct etf_buf msg, b;
	const struct etf_term *t;
	uint8_t *p;
	size_t len;
	char *flag, *hold;

	ck_assert_int_ne(asprintf(&hold, "%s.hold", wt.dir), -1);
	setenv("TODOD_FAULT_CKPT_HOLD_FILE", hold, 1);
	flag = wt_start_fault("enospc");
	unsetenv("TODOD_FAULT_CKPT_HOLD_FILE");
	v[0] = wt_op_add(1, "f");
	wt_app(wt.fd[0], "f", 1, m, v, 1);
	wt_expect_stored(wt.fd[0], 1);
	wt_sync_what("sync_new");	/* its file: replaced by a named one */
	old = listop_clone(m);
	v[0] = wt_op_add(2, "f");
	wt_app(wt.fd[0], "f", 2, m, v, 1);
	wt_expect_stored(wt.fd[0], 2);
	p = st_encode(m, &len);
	free(p);

	etf_buf_init(&msg);
	etf_buf_init(&b);
	etf_put_version(&msg);
	etf_put_atom(&msg, "sync");
	wt_put_frame(&b, &msg);
	wt_arm(hold, true);
	wt_send_all(wt.ctl, &b);
	etf_buf_free(&msg);
	etf_buf_free(&b);
	ck_assert_msg(wait_temp_written(len, WT_WAIT_MS),
	    "no temporary file written");
	wt_arm(flag, true);
	wt_arm(hold, false);
	t = wt_recv(wt.ctl);
	ck_assert_msg(t != NULL && etf_is_atom(t, "synced"), "no synced");
	ck_assert_int_eq(st_count_temps(wt.dfd), 0);
	wt_check_file("f", old);
	wt_check_get(wt.fd[0], "f", m, 1);
	wt_arm(flag, false);
	wt_kill();
	wt_start();		/* the journal reads whole: nothing torn */
	wt_check_file("f", m);
	wt_check_get(wt.fd[0], "f", m, -1);
	wt_stop();
	ck_assert_int_eq(wt_count_journals(), 0);
	todolist_free(m);
	todolist_free(old);
	free(flag);
	free(hold);
}
END_TEST
#endif

void
tj_ops_then_store(struct todo_list *x)
{
	struct todo_date d = { 2020, 2, 2 };
	struct listop *v[2];

	v[0] = wt_op_add(1, "a");
	v[1] = wt_op_add(2, "a");
	wt_app(wt.fd[0], "s", 1, NULL, v, 2);
	wt_expect_stored(wt.fd[0], 1);
	ck_assert_int_eq(todolist_insert(x, 1, d, "X", 1, NULL, 0, 0), 0);
	todolist_set_next_id(x, 3);
	wt_store1(wt.fd[0], "s", 2, x);
	wt_expect_stored(wt.fd[0], 2);
}

void
tj_ops_after_store(struct todo_list *x)
{
	struct listop *v[2];

	v[0] = wt_op_add(3, "a");
	v[1] = wt_op_title(3, "three");
	wt_app(wt.fd[0], "s", 3, x, v, 2);
	wt_expect_stored(wt.fd[0], 3);
}

/* A store among appends: the ops before it are not replayed on the
 * stored file, those after it are. */
START_TEST(t_store_among_appends)
{
	struct todo_list *x = todolist_new();
	struct listop *v[2];

	wt_start();
	tj_ops_then_store(x);
	wt_check_get(wt.fd[0], "s", x, -1);
	v[0] = wt_op_add(3, "a");
	wt_app(wt.fd[0], "s", 3, x, v, 1);
	wt_expect_stored(wt.fd[0], 3);
	wt_check_get(wt.fd[0], "s", x, 1);
	wt_kill();
	wt_start();
	wt_check_file("s", x);
	wt_stop();
	wt_check_file("s", x);
	todolist_free(x);
}
END_TEST

/* Journaled ops that do not apply to the file as they are (here: the
 * file was replaced under the daemon by one that has the entry an add
 * journaled since): the worker applies them itself, leniently, and
 * answers {ok, List}. */
START_TEST(t_get_applied)
{
	struct todo_list *x = todolist_new(), *m = todolist_new();
	struct todo_date d = { 2020, 2, 2 };
	struct listop *v[1];

	wt_start();
	v[0] = wt_op_add(1, "a");
	wt_app(wt.fd[0], "g", 4, m, v, 1);
	wt_expect_stored(wt.fd[0], 4);
	wt_sync_what("sync_new");			/* its file */
	v[0] = wt_op_add(2, "a");
	wt_app(wt.fd[0], "g", 5, m, v, 1);		/* journaled */
	wt_expect_stored(wt.fd[0], 5);
	ck_assert_int_eq(todolist_insert(x, 1, d, "b", 1, NULL, 0, 0), 0);
	ck_assert_int_eq(todolist_insert(x, 2, d, "c", 1, NULL, 0, 0), 0);
	todolist_set_next_id(x, 3);
	ck_assert_int_eq(store_save(wt.dfd, "t", "g", 1, x, true), 0);
	v[0] = wt_op_add(2, "a");
	ck_assert_int_eq(todolist_delete(x, 2), 0);
	ck_assert_int_eq(listop_replay(x, v[0]), 0);
	listop_free(v[0]);
	wt_check_get(wt.fd[0], "g", x, -1);
	wt_stop();
	wt_check_file("g", x);
	todolist_free(x);
	todolist_free(m);
}
END_TEST

/*
 * A real ENOSPC: the worker runs in a private mount namespace on a small
 * tmpfs, where a journal write runs out of space part way.  What was
 * acknowledged is all there is: the cut-back tail is never seen.
 */
static void __attribute__((noreturn))
tmpfs_worker(int fd)
{
	struct worker_config cfg = { .dirfd = -1, .sync = true,
	    .max_frame = WT_MAX_FRAME };
	struct event_base *base;
	struct worker *w;

	if (unshare(CLONE_NEWNS) == -1 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1 ||
	    mount("tmpfs", wt.dir, "tmpfs", 0, "size=128k,mode=0700") == -1)
		_exit(77);
	if ((cfg.dirfd = store_open_dir(wt.dir)) == -1 ||
	    (base = event_base_new()) == NULL ||
	    (w = worker_new(base, &cfg, wt.ctr)) == NULL ||
	    worker_add_peer(w, fd) == -1)
		_exit(10);
	while (worker_npeers(w) > 0)
		event_base_loop(base, EVLOOP_ONCE);
	_exit(0);
}

static struct listop *
big_add(int64_t id, const char *title)
{
	struct todo_date d = { 2024, 5, 5 };

	return listop_new(LISTOP_ADD, id, 1, d, title, strlen(title));
}

START_TEST(t_enospc_tmpfs)
{
	struct todo_list *m = todolist_new();
	struct listop *v[1];
	const struct etf_term *t;
	char title[4001];
	int sv[2], k, status;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fflush(NULL);
	wt.pid = fork();
	ck_assert_int_ge(wt.pid, 0);
	if (wt.pid == 0) {
		close(sv[0]);
		tmpfs_worker(sv[1]);
	}
	close(sv[1]);
	wt.fd[0] = sv[0];
	wt.n = 1;
	v[0] = wt_op_add(1, "t");
	wt_app(sv[0], "t", 1, NULL, v, 1);
	if ((t = wt_recv(sv[0])) == NULL) {
		status = wt_reap(WT_WAIT_MS);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 77);
		fprintf(stderr, "t_enospc_tmpfs: cannot mount a tmpfs here: "
		    "ENOSPC tested through the fault switch only\n");
		goto out;
	}
	v[0] = wt_op_add(1, "t");
	ck_assert_int_eq(listop_replay(m, v[0]), 0);
	listop_free(v[0]);
	memset(title, 'x', sizeof(title) - 1);
	title[sizeof(title) - 1] = '\0';
	for (k = 2; k < 200; k++) {
		v[0] = big_add(k, title);
		wt_app(sv[0], "t", k, NULL, v, 1);
		t = wt_recv(sv[0]);
		ck_assert_ptr_nonnull(t);
		if (etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0], "error")) {
			ck_assert(etf_is_atom(&t->seq.v[1], "enospc"));
			break;
		}
		v[0] = big_add(k, title);
		ck_assert_int_eq(listop_replay(m, v[0]), 0);
		listop_free(v[0]);
	}
	fprintf(stderr, "t_enospc_tmpfs: enospc after %d appends\n", k - 2);
	ck_assert_int_lt(k, 200);
	wt_check_get(sv[0], "t", m, k - 1);	/* the first change too */
	/* The failed bytes were cut back: a small change still fits. */
	v[0] = wt_op_add(k, "small");
	wt_app(sv[0], "t", k + 1, m, v, 1);
	wt_expect_stored(sv[0], k + 1);
	wt_check_get(sv[0], "t", m, k);
	ck_assert_uint_eq(wt.ctr->errors, 1);
	wt_close_all();
	status = wt_reap(WT_WAIT_MS);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
out:
	todolist_free(m);
}
END_TEST

/*
 * A store whose file is renamed into place but whose directory cannot be
 * synced (EIO, through the fsync that test_journal_recover.c wraps): the
 * answer is an error, and the changes journaled before it, which the
 * stored list replaces, are not replayed over it by the next get.
 */
START_TEST(t_store_dir_sync_fails)
{
	struct todo_date d = { 2024, 8, 8 };
	struct todo_list *l, *got;
	struct listop *v[2];
	int64_t id;
	long nops;

	wt_start();
	v[0] = wt_op_add(1, "a");
	v[1] = wt_op_add(2, "b");
	wt_app(wt.fd[0], "f", 1, NULL, v, 2);
	wt_expect_stored(wt.fd[0], 1);
	l = todolist_new();
	ck_assert_int_eq(todolist_add(l, d, "a", 1, &id), 0);
	ck_assert_int_eq(todolist_add(l, d, "b", 1, &id), 0);
	ck_assert_int_eq(todolist_delete(l, 1), 0);
	ck_assert_int_eq(st_write_file(wt.dfd, ".fail-dir-fsync", "", 0), 0);
	wt_store1(wt.fd[0], "f", 2, l);
	wt_expect_error(wt.fd[0], "eio");
	ck_assert_int_ne(faccessat(wt.dfd, ".fail-dir-fsync", F_OK, 0), 0);
	got = wt_get1(wt.fd[0], "f", &nops);
	ck_assert_uint_eq(todolist_size(got), 1);
	todolist_free(got);
	todolist_free(l);
	wt_stop();
}
END_TEST

/*
 * A store renamed into place whose directory sync fails, over changes
 * journaled in an older generation: a crash may undo the rename, and
 * recovery then replays those changes over the file it finds, so that
 * generation stays until a directory sync succeeds.  In one write: an
 * append to "k" that fills the generation, the same again (resent: the
 * next round, in a new generation), and a store of "k", after whose
 * rename every directory sync fails (".fail-dir-fsync-while" the file
 * has the size of the store: test_journal_recover.c).
 */
START_TEST(t_store_dir_sync_fails_keeps_gen)
{
	struct wt_opts o = { false, 4096, 0, 0 };
	struct todo_date d = { 2024, 8, 8 };
	struct etf_buf b, f;
	struct todo_list *l, *got;
	struct listop *v[2];
	char big[3000], file[NAME_FILE_BUFSZ], spec[NAME_FILE_BUFSZ + 32];
	int64_t id;
	long nops;
	int n;

	wt_start_peers(1, &o);
	memset(big, 'k', sizeof(big));
	etf_buf_init(&b);
	v[0] = listop_new(LISTOP_ADD, 1, 1, d, big, sizeof(big));
	v[1] = listop_new(LISTOP_ADD, 2, 1, d, big, sizeof(big));
	wt_add_append(&b, "k", 1, v, 2);
	wt_add_append(&b, "k", 1, v, 2);	/* resent: a round of its own */
	listop_free(v[0]);
	listop_free(v[1]);
	l = todolist_new();
	ck_assert_int_eq(todolist_add(l, d, "k0", 2, &id), 0);
	wt_add_store(&b, "k", 2, l);
	/* The last store's file: the list as a list file. */
	ck_assert_int_ge(name_to_file("k", 1, file, sizeof(file)), 0);
	etf_buf_init(&f);
	etf_put_version(&f);
	listfile_put(&f, l);
	n = snprintf(spec, sizeof(spec), "%s %zu", file, f.len);
	etf_buf_free(&f);
	ck_assert_int_eq(st_write_file(wt.dfd, ".fail-dir-fsync-while", spec,
	    (size_t)n), 0);
	wt_send_all(wt.fd[0], &b);
	wt_expect_stored(wt.fd[0], 1);
	wt_expect_stored(wt.fd[0], 1);
	wt_expect_error(wt.fd[0], "eio");
	/* After that pass (a get is another), both generations are there. */
	got = wt_get1(wt.fd[0], "k", &nops);
	ck_assert_uint_eq(todolist_size(got), 1);
	todolist_free(got);
	ck_assert_int_eq(wt_count_journals(), 2);
	/* A directory sync succeeds: the old generation goes. */
	ck_assert_int_eq(unlinkat(wt.dfd, ".fail-dir-fsync-while", 0), 0);
	got = wt_get1(wt.fd[0], "k", &nops);
	todolist_free(got);
	ck_assert_msg(wait_journals(1, WT_WAIT_MS), "%d journal files",
	    wt_count_journals());
	todolist_free(l);
	etf_buf_free(&b);
	wt_stop();
}
END_TEST

Suite *
journal_worker_suite(void)
{
	Suite *s = suite_create("journal worker");
	TCase *tc = tcase_create("worker");

	tcase_add_checked_fixture(tc, wt_setup, wt_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, t_append_get);
	tcase_add_test(tc, t_append_malformed);
	tcase_add_test(tc, t_group_commit);
	tcase_add_test(tc, t_nosync);
	tcase_add_test(tc, t_store_dir_sync_fails);
	tcase_add_test(tc, t_store_dir_sync_fails_keeps_gen);
	tcase_add_test(tc, t_rotation);
	tcase_add_test(tc, t_rotation_large);
	tcase_add_test(tc, t_store_among_appends);
	tcase_add_test(tc, t_get_applied);
	tcase_add_test(tc, t_compressed_file);
	tcase_add_test(tc, t_get_ops_over_frame);
	tcase_add_test(tc, t_get_list_over_frame);
	tcase_add_test(tc, t_store_over_file);
	tcase_add_test(tc, t_store_after_get);
#ifdef TODOD_FAULTS
	tcase_add_test(tc, t_enospc);
	tcase_add_test(tc, t_ckpt_stream_full);
	tcase_add_test(tc, t_ckpt_full_quiet);
	tcase_add_test(tc, t_ckpt_record_full);
	tcase_add_test(tc, t_dup_in_failed_round);
#endif
	tcase_add_test(tc, t_enospc_tmpfs);
	suite_add_tcase(s, tc);
	return s;
}
