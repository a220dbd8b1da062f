/*
 * test_journal_recover.c: a worker's journal across restarts (wtest.h):
 * Seq deduplication of a resend, a crash before the acknowledgement,
 * SIGKILL in the middle of a burst, a torn tail, a corrupt file whose
 * changes are kept, and crashes at each step of a checkpoint.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "etf.h"
#include "frame.h"
#include "journal.h"
#include "listops.h"
#include "names.h"
#include "proc.h"
#include "storage_test.h"
#include "test_journal.h"
#include "todolist.h"
#include "worker.h"
#include "wtest.h"

/* ---- restarts ---- */

/* Resend the append of Seq 5 ("d": add 1, retitle 1), as a list server
 * does after a worker restart. */
static void
resend5(void)
{
	struct listop *v[2];

	v[0] = wt_op_add(1, "d");
	v[1] = wt_op_title(1, "first");
	wt_app(wt.fd[0], "d", 5, NULL, v, 2);
	wt_expect_stored(wt.fd[0], 5);
}

/* A resent append (same Seq) after a restart is applied once. */
START_TEST(t_seq_dedup)
{
	struct todo_list *m = todolist_new();
	struct listop *v[2];
	uint64_t stores;

	wt_start();
	v[0] = wt_op_add(1, "d");
	v[1] = wt_op_title(1, "first");
	wt_app(wt.fd[0], "d", 5, m, v, 2);
	wt_expect_stored(wt.fd[0], 5);
	wt_kill();
	ck_assert_int_eq(wt_count_journals(), 1);
	wt_start();		/* recovers */
	wt_check_file("d", m);
	ck_assert_int_eq(wt_count_journals(), 1);
	stores = wt.ctr->stores;
	resend5();
	ck_assert_uint_eq(wt.ctr->stores, stores);	/* not written */
	ck_assert_uint_eq(wt.ctr->pending_ops, 0);
	/* A second restart still knows Seq 5. */
	wt_kill();
	wt_start();
	stores = wt.ctr->stores;
	resend5();
	ck_assert_uint_eq(wt.ctr->stores, stores);
	ck_assert_uint_eq(wt.ctr->pending_ops, 0);
	wt_check_file("d", m);
	/* A get forgets it: a new list server numbers anew. */
	wt_check_get(wt.fd[0], "d", m, -1);
	v[0] = wt_op_add(2, "d");
	wt_app(wt.fd[0], "d", 2, m, v, 1);
	wt_expect_stored(wt.fd[0], 2);
	wt_check_get(wt.fd[0], "d", m, 1);
	wt_kill();
	wt_start();
	wt_check_file("d", m);
	wt_stop();
	todolist_free(m);
}
END_TEST

#ifdef TODOD_FAULTS
/*
 * An append and a store of a list with nothing journaled yet, in one
 * round, then a crash: the store has a FILE record too, so recovery does
 * not replay the append over the stored file.
 */
START_TEST(t_append_store_round)
{
	struct todo_list *x = todolist_new();
	struct listop *v[1], *u;
	struct etf_buf b;

	wt_start();
	v[0] = wt_op_add(1, "a");
	ck_assert_int_eq(listop_replay(x, v[0]), 0);
	u = wt_op_title(1, "new");
	ck_assert_int_eq(listop_replay(x, u), 0);
	listop_free(u);
	etf_buf_init(&b);
	wt_add_append(&b, "s", 1, v, 1);
	wt_add_store(&b, "s", 2, x);
	wt_send_all(wt.fd[0], &b);
	etf_buf_free(&b);
	listop_free(v[0]);
	wt_expect_stored(wt.fd[0], 1);
	wt_expect_stored(wt.fd[0], 2);
	wt_check_file("s", x);
	wt_kill();
	wt_restart_check("s", x);
	todolist_free(x);
}
END_TEST

/* Killed after the fdatasync, before the ack: the list server resends;
 * the op is in the file once. */
START_TEST(t_crash_before_ack)
{
	struct todo_list *m = todolist_new();
	struct listop *v[1];

	char *flag;

	flag = wt_start_fault("crash-after-fsync:1");
	v[0] = wt_op_add(1, "c");
	wt_app(wt.fd[0], "c", 6, m, v, 1);		/* its file */
	wt_expect_stored(wt.fd[0], 6);
	wt_arm(flag, true);
	v[0] = wt_op_add(2, "c");
	wt_app(wt.fd[0], "c", 7, m, v, 1);
	wt_expect_eof(wt.fd[0]);
	ck_assert(WIFSIGNALED(wt_reap(WT_WAIT_MS)));
	wt_close_all();
	wt_arm(flag, false);
	wt_start();
	wt_check_file("c", m);
	v[0] = wt_op_add(2, "c");
	wt_app(wt.fd[0], "c", 7, NULL, v, 1);
	wt_expect_stored(wt.fd[0], 7);
	wt_check_get(wt.fd[0], "c", m, -1);
	ck_assert_uint_eq(wt.ctr->pending_ops, 0);
	wt_stop();
	wt_check_file("c", m);
	todolist_free(m);
	free(flag);
}
END_TEST
#endif

/* ---- SIGKILL in the middle of a burst ---- */

#define RB_PEERS	4
#define RB_LISTS	8		/* per peer */
#define RB_ROUNDS	120

struct rb_peer {
	struct etf_buf	 out;
	size_t		 off;
	uint8_t		*in;
	size_t		 inlen;
	int		 acked;		/* replies so far */
	bool		 eof;
};

static void
rb_name(char *buf, size_t sz, int p, int i)
{
	snprintf(buf, sz, "rb-%d-%d", p, i);
}

/* Seq k of a list: add k, and retitle k - 1. */
static size_t
rb_ops(int k, struct listop **v)
{
	char t[32];

	v[0] = wt_op_add(k, "r");
	if (k == 1)
		return 1;
	snprintf(t, sizeof(t), "u %d", k - 1);
	v[1] = wt_op_title(k - 1, t);
	return 2;
}

static struct todo_list *
rb_model(int upto)
{
	struct todo_list *m = todolist_new();
	struct listop *v[2];
	size_t n, i;
	int k;

	for (k = 1; k <= upto; k++) {
		n = rb_ops(k, v);
		for (i = 0; i < n; i++) {
			ck_assert_int_eq(listop_replay(m, v[i]), 0);
			listop_free(v[i]);
		}
	}
	return m;
}

/* Replies that arrived: count them, check their Seq. */
static void
rb_read(struct rb_peer *rp, int fd)
{
	uint8_t buf[4096], *nb;
	ssize_t r;
	uint32_t len;
	const struct etf_term *t;
	int k;

	r = read(fd, buf, sizeof(buf));
	if (r == 0 || (r == -1 && errno == ECONNRESET)) {
		rp->eof = true;
		return;
	}
	if (r == -1)
		return;
	nb = realloc(rp->in, rp->inlen + (size_t)r);
	ck_assert_ptr_nonnull(nb);
	rp->in = nb;
	memcpy(rp->in + rp->inlen, buf, (size_t)r);
	rp->inlen += (size_t)r;
	while (rp->inlen >= FRAME_HDR &&
	    rp->inlen >= FRAME_HDR + (len = frame_get_len(rp->in))) {
		ck_assert_int_eq(etf_decode(wt.arena, rp->in + FRAME_HDR, len,
		    len, &t), ETF_OK);
		k = rp->acked / RB_LISTS + 1;
		ck_assert(etf_is_tuple(t, 2) &&
		    etf_is_atom(&t->seq.v[0], "stored"));
		ck_assert_int_eq(t->seq.v[1].i, k);
		rp->acked++;
		memmove(rp->in, rp->in + FRAME_HDR + len,
		    rp->inlen - FRAME_HDR - len);
		rp->inlen -= FRAME_HDR + len;
	}
	etf_arena_reset(wt.arena);
}

/* Send every peer's burst; SIGKILL the worker after kill_at acks. */
static void
rb_run(struct rb_peer *rp, int kill_at)
{
	struct pollfd pfd[RB_PEERS];
	ssize_t w;
	int p, total, live;
	bool killed = false;

	for (;;) {
		for (p = live = 0, total = 0; p < RB_PEERS; p++) {
			pfd[p].fd = rp[p].eof ? -1 : wt.fd[p];
			pfd[p].events = POLLIN |
			    (rp[p].off < rp[p].out.len ? POLLOUT : 0);
			live += !rp[p].eof;
			total += rp[p].acked;
		}
		if (!killed && total >= kill_at) {
			kill(wt.pid, SIGKILL);
			killed = true;
		}
		if (live == 0)
			break;
		ck_assert_int_gt(poll(pfd, RB_PEERS, WT_WAIT_MS), 0);
		for (p = 0; p < RB_PEERS; p++) {
			if (pfd[p].revents & POLLOUT) {
				w = write(wt.fd[p], rp[p].out.p + rp[p].off,
				    rp[p].out.len - rp[p].off);
				if (w > 0)
					rp[p].off += (size_t)w;
				else if (w == -1 && errno != EAGAIN)
					rp[p].off = rp[p].out.len;
			}
			if (pfd[p].revents & (POLLIN | POLLHUP | POLLERR))
				rb_read(&rp[p], wt.fd[p]);
		}
	}
	ck_assert(WIFSIGNALED(wt_reap(WT_WAIT_MS)));
}

static const int rb_percent[] = { 3, 35, 70, 100 };

START_TEST(t_recover_burst)
{
	struct rb_peer rp[RB_PEERS];
	struct todo_list *l, *m;
	struct listop *v[2];
	char name[32];
	int p, i, k, upto, kill_at;
	size_t n;

	memset(rp, 0, sizeof(rp));
	wt_start_peers(RB_PEERS, NULL);
	for (p = 0; p < RB_PEERS; p++) {
		etf_buf_init(&rp[p].out);
		for (k = 1; k <= RB_ROUNDS; k++)
			for (i = 0; i < RB_LISTS; i++) {
				rb_name(name, sizeof(name), p, i);
				n = rb_ops(k, v);
				wt_add_append(&rp[p].out, name, k, v, n);
				while (n > 0)
					listop_free(v[--n]);
			}
		ck_assert_int_eq(fcntl(wt.fd[p], F_SETFL, O_NONBLOCK), 0);
	}
	kill_at = RB_PEERS * RB_LISTS * RB_ROUNDS * rb_percent[_i] / 100;
	rb_run(rp, kill_at);
	wt_close_all();
	wt_start_peers(1, NULL);	/* recovers */
	ck_assert_int_eq(wt_count_journals(), 1);
	for (p = 0; p < RB_PEERS; p++) {
		for (i = 0; i < RB_LISTS; i++) {
			rb_name(name, sizeof(name), p, i);
			/* Acknowledged: every Seq up to this one. */
			k = (rp[p].acked - i + RB_LISTS - 1) / RB_LISTS;
			l = wt_load_file(name);
			upto = (int)todolist_next_id(l) - 1;
			ck_assert_msg(upto >= k && upto <= RB_ROUNDS,
			    "%s: %d in the file, %d acknowledged", name, upto,
			    k);
			m = rb_model(upto);
			ck_assert_msg(st_list_equal(l, m), "%s differs", name);
			/* Killed before any of its batches was journaled:
			 * no file, and a get finds nothing. */
			if (upto == 0)
				ck_assert_ptr_null(wt_get1(wt.fd[0], name,
				    NULL));
			else
				wt_check_get(wt.fd[0], name, m, -1);
			todolist_free(l);
			todolist_free(m);
		}
		fprintf(stderr, "killed at %d%%: peer %d had %d of %d acked\n",
		    rb_percent[_i], p, rp[p].acked, RB_LISTS * RB_ROUNDS);
		etf_buf_free(&rp[p].out);
		free(rp[p].in);
	}
	wt_stop();
	ck_assert_int_eq(wt_count_journals(), 0);
}
END_TEST

static int
any_rec(void *arg, const struct journal_rec *rec)
{
	(void)arg;
	(void)rec;
	return 0;
}

/* A journal cut inside its last record: the rest is recovered. */
START_TEST(t_torn_tail)
{
	struct todo_list *m = todolist_new();
	struct listop *v[1];
	uint64_t *gens, gen, valid;
	size_t n;
	char file[JOURNAL_NAME_BUFSZ];
	int k, fd;

	wt_start();
	for (k = 1; k <= 3; k++) {
		v[0] = wt_op_add(k, "t");
		wt_app(wt.fd[0], "t", k, k < 3 ? m : NULL, v, 1);
		wt_expect_stored(wt.fd[0], k);
	}
	wt_kill();
	ck_assert_int_eq(journal_list(wt.dfd, 0, &gens, &n), 0);
	ck_assert_uint_eq(n, 1);
	gen = gens[0];
	journal_file_name(file, sizeof(file), 0, gen);
	free(gens);
	/* Cut the last record (the file goes on with zeros, allocated
	 * ahead: journal.h). */
	ck_assert_int_eq(journal_read(wt.dfd, 0, gen, 1 << 20, wt.arena,
	    any_rec, NULL, &valid), 0);
	ck_assert_uint_gt(valid, 3);
	fd = openat(wt.dfd, file, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)valid - 3), 0);
	close(fd);
	wt_start();
	wt_check_file("t", m);
	/* The list server's resend of Seq 3 is not taken for a duplicate. */
	v[0] = wt_op_add(3, "t");
	wt_app(wt.fd[0], "t", 3, m, v, 1);
	wt_expect_stored(wt.fd[0], 3);
	wt_check_get(wt.fd[0], "t", m, 1);
	wt_stop();
	wt_check_file("t", m);
	todolist_free(m);
}
END_TEST

static void
get_error(int fd, const char *name, const char *reason)
{
	struct etf_buf b;

	etf_buf_init(&b);
	wt_add_get(&b, name);
	wt_send_all(fd, &b);
	etf_buf_free(&b);
	wt_expect_error(fd, reason);
}

/* A corrupt file: its journaled changes are kept (carried from
 * generation to generation), the file is left alone, and they are
 * applied once the file is repaired. */
START_TEST(t_corrupt_kept)
{
	static const char garbage[] = "\x83\x61\x01";
	struct todo_list *mc = todolist_new(), *mo = todolist_new(), *empty;
	struct listop *v[1];
	uint8_t *p;
	size_t len;
	int round;

	wt_start();
	v[0] = wt_op_add(1, "c");
	/* In the files, and still in the journal before their FILE
	 * records: a file that matches none of them gets them all. */
	wt_app(wt.fd[0], "c", 1, mc, v, 1);
	wt_expect_stored(wt.fd[0], 1);
	v[0] = wt_op_add(1, "o");
	wt_app(wt.fd[0], "ok", 1, mo, v, 1);
	wt_expect_stored(wt.fd[0], 1);
	wt_sync_what("sync_new");
	v[0] = wt_op_add(2, "c");
	wt_app(wt.fd[0], "c", 2, mc, v, 1);	/* journaled */
	wt_expect_stored(wt.fd[0], 2);
	v[0] = wt_op_add(2, "o");
	wt_app(wt.fd[0], "ok", 2, mo, v, 1);
	wt_expect_stored(wt.fd[0], 2);
	wt_kill();
	ck_assert_int_eq(st_write_file(wt.dfd, "c", garbage, 3), 0);
	for (round = 0; round < 2; round++) {
		wt_start();		/* recovery cannot apply them */
		wt_check_file("ok", mo);
		ck_assert_int_eq(wt_count_journals(), 1);	/* carried */
		get_error(wt.fd[0], "c", "corrupt");
		wt_sync();		/* nor can sync */
		ck_assert_int_eq(wt_count_journals(), 1);
		get_error(wt.fd[0], "c", "corrupt");
		wt_kill();
		p = st_read_file(wt.dfd, "c", &len);
		ck_assert_uint_eq(len, 3);
		ck_assert_mem_eq(p, garbage, 3);
		free(p);
	}
	/* Repaired (here: an empty list): the kept changes are applied. */
	empty = todolist_new();
	p = st_encode(empty, &len);
	todolist_free(empty);
	ck_assert_int_eq(st_write_file(wt.dfd, "c", p, len), 0);
	free(p);
	wt_start();
	wt_check_file("c", mc);
	wt_check_get(wt.fd[0], "c", mc, -1);
	wt_stop();
	ck_assert_int_eq(wt_count_journals(), 0);
	todolist_free(mc);
	todolist_free(mo);
}
END_TEST

/* The highest journal generation of worker 0 on disk. */
static uint64_t
last_gen(void)
{
	uint64_t *gens, last = 0;
	size_t n;

	ck_assert_int_eq(journal_list(wt.dfd, 0, &gens, &n), 0);
	if (n > 0)
		last = gens[n - 1];
	free(gens);
	return last;
}

/*
 * The changes of a list that cannot be checkpointed, more than a
 * generation holds, are carried into the next generation; that does not
 * make it full, or every pass would start a new one and carry them again.
 */
START_TEST(t_carried_not_full)
{
	static const char garbage[] = "\x83\x61\x01";
	struct wt_opts o = { false, 4096, 0, 0 };
	struct listop *v[1];
	char title[2000];
	uint64_t first;
	int i;

	memset(title, 'c', sizeof(title) - 1);
	title[sizeof(title) - 1] = '\0';
	ck_assert_int_eq(st_write_file(wt.dfd, "c", garbage, 3), 0);
	wt_start_peers(1, &o);
	for (i = 1; i <= 3; i++) {
		v[0] = wt_op_title(1, title);
		wt_app(wt.fd[0], "c", i, NULL, v, 1);
		wt_expect_stored(wt.fd[0], i);
	}
	/* A new generation, and the corrupt list's changes carried. */
	v[0] = wt_op_add(1, "o");
	wt_app(wt.fd[0], "ok", 1, NULL, v, 1);
	wt_expect_stored(wt.fd[0], 1);
	first = last_gen();
	for (i = 2; i <= 20; i++) {
		v[0] = wt_op_add(i, "o");
		wt_app(wt.fd[0], "ok", i, NULL, v, 1);
		wt_expect_stored(wt.fd[0], i);
	}
	ck_assert_msg(last_gen() <= first + 1, "generations %llu to %llu "
	    "for 19 small changes", (unsigned long long)first,
	    (unsigned long long)last_gen());
	wt_kill();
}
END_TEST

#ifdef TODOD_FAULTS
/*
 * Crashes at each step of a checkpoint (sync), of a list whose file
 * holds a change that is not in the journal (a store): recovery gives
 * the stored list plus the later ops, never an older op replayed on it.
 */
static const char *ck_faults[] = {
	"crash-after-write:1",		/* the temporary file */
	"crash-after-write:2",		/* the FILE record */
	"crash-after-fsync:1",		/* the temporary file synced */
	"crash-after-fsync:2",		/* the FILE record synced */
	"crash-after-rename:1",		/* in place, records not dropped */
};

START_TEST(t_checkpoint_crash)
{
	struct todo_list *x = todolist_new();
	char *flag;

	flag = wt_start_fault(ck_faults[_i]);
	tj_ops_then_store(x);
	tj_ops_after_store(x);
	wt_arm(flag, true);
	{
		struct etf_buf m, b;

		etf_buf_init(&m);
		etf_buf_init(&b);
		etf_put_version(&m);
		etf_put_atom(&m, "sync");
		wt_put_frame(&b, &m);
		wt_send_all(wt.ctl, &b);
		etf_buf_free(&m);
		etf_buf_free(&b);
	}
	ck_assert_ptr_null(wt_recv(wt.ctl));	/* died */
	ck_assert(WIFSIGNALED(wt_reap(WT_WAIT_MS)));
	wt_close_all();
	wt_arm(flag, false);
	wt_restart_check("s", x);
	todolist_free(x);
	free(flag);
}
END_TEST
#endif

/*
 * A list whose file cannot be checkpointed (it is corrupt) and whose Seq
 * a get made the worker forget: its changes carried into a new
 * generation do not bring the forgotten Seq back after a restart, so a
 * change numbered below it (a server's clock stepped back) is written,
 * not taken for one already written.
 */
START_TEST(t_carried_keeps_forgotten_seq)
{
	static const char garbage[] = "\x83\x61\x01";
	struct listop *v[1];
	struct etf_buf b;
	uint64_t stores;

	ck_assert_int_eq(st_write_file(wt.dfd, "c", garbage, 3), 0);
	wt_start();
	v[0] = wt_op_add(1, "x");
	wt_app(wt.fd[0], "c", 5, NULL, v, 1);
	wt_expect_stored(wt.fd[0], 5);
	etf_buf_init(&b);
	wt_add_get(&b, "c");
	wt_send_all(wt.fd[0], &b);
	etf_buf_free(&b);
	/* Answered (with bytes that are no list); the Seq is forgotten. */
	ck_assert_ptr_nonnull(wt_recv(wt.fd[0]));
	wt_sync();			/* its changes carried */
	wt_kill();
	wt_start();
	stores = wt.ctr->stores;
	v[0] = wt_op_add(2, "y");
	wt_app(wt.fd[0], "c", 3, NULL, v, 1);
	wt_expect_stored(wt.fd[0], 3);
	ck_assert_msg(wt.ctr->stores > stores, "a change numbered below a "
	    "forgotten Seq was not written");
	wt_kill();
}
END_TEST

/*
 * A list whose journal holds ops, then the FILE record of a store, then
 * more ops, and whose file cannot be read when the worker starts (here
 * a directory stands in its place): recovery keeps all of its records.
 * Once the file is back, a get gives the stored list plus the later ops:
 * the ops journaled before the store are in the file already, and
 * replayed on it they would bring back what the store replaced.
 */
START_TEST(t_get_unresolved_file)
{
	struct todo_list *x = todolist_new();
	struct etf_buf b;

	wt_start();
	tj_ops_then_store(x);
	tj_ops_after_store(x);
	wt_kill();
	ck_assert_int_eq(renameat(wt.dfd, "s", wt.dfd, "s.away"), 0);
	ck_assert_int_eq(mkdirat(wt.dfd, "s", 0700), 0);
	wt_start();		/* its file cannot be read: nothing resolved */
	ck_assert_int_eq(wt_count_journals(), 1);
	etf_buf_init(&b);
	wt_add_get(&b, "s");
	wt_send_all(wt.fd[0], &b);
	etf_buf_free(&b);
	wt_expect_error(wt.fd[0], "einval");
	ck_assert_int_eq(unlinkat(wt.dfd, "s", AT_REMOVEDIR), 0);
	ck_assert_int_eq(renameat(wt.dfd, "s.away", wt.dfd, "s"), 0);
	wt_check_get(wt.fd[0], "s", x, 2);	/* the file, the 2 later ops */
	wt_stop();		/* the final checkpoint resolves it too */
	wt_check_file("s", x);
	ck_assert_int_eq(wt_count_journals(), 0);
	wt_restart_check("s", x);
	todolist_free(x);
}
END_TEST

/*
 * fsync, wrapped in this program (-Wl,--wrap=fsync): in the worker's
 * process, an fsync of a journal file leaves a marker file named after
 * it (".fsynced" and the journal's name), unless the marker file
 * ".fail-journal-fsync" exists: then the fsync fails with EIO, once (the
 * marker is removed); and an fsync of a directory fails with EIO, once,
 * if the marker file ".fail-dir-fsync" exists (it is removed); every
 * time while the file ".fail-dir-fsync-while" exists and holds "FILE
 * SIZE", FILE a file of the data directory that has SIZE bytes now.
 * While the file ".watch-dir-fsync" exists, a directory fsync made
 * when the directory holds no journal leaves the marker file
 * ".dir-fsynced-no-journal".
 */
int	__real_fsync(int);
int	__wrap_fsync(int);

/* Whether the data directory holds a journal file now. */
static bool
journal_present(void)
{
	struct dirent *de;
	bool found = false;
	DIR *d;
	int fd;

	if ((fd = openat(wt_child_dirfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || (d = fdopendir(fd)) == NULL)
		return true;	/* cannot tell: no marker */
	while (!found && (de = readdir(d)) != NULL)
		found = strncmp(de->d_name, JOURNAL_PREFIX,
		    strlen(JOURNAL_PREFIX)) == 0;
	closedir(d);
	return found;
}

/* Whether ".fail-dir-fsync-while" names a file of the data directory
 * ("FILE SIZE") that has that size now. */
static bool
dir_fsync_fails_now(void)
{
	char spec[NAME_FILE_BUFSZ + 32], file[NAME_FILE_BUFSZ];
	unsigned long long size;
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = openat(wt_child_dirfd, ".fail-dir-fsync-while", O_RDONLY |
	    O_CLOEXEC)) == -1)
		return false;
	n = read(fd, spec, sizeof(spec) - 1);
	close(fd);
	if (n <= 0)
		return false;
	spec[n] = '\0';
	return sscanf(spec, "%255s %llu", file, &size) == 2 &&
	    fstatat(wt_child_dirfd, file, &st, 0) == 0 &&
	    (unsigned long long)st.st_size == size;
}

int
__wrap_fsync(int fd)
{
	char link[64], path[4096], mark[4200];
	const char *base;
	struct stat st;
	ssize_t n;
	int m;

	if (wt_child_dirfd != -1 && fstat(fd, &st) == 0 &&
	    S_ISDIR(st.st_mode) &&
	    (unlinkat(wt_child_dirfd, ".fail-dir-fsync", 0) == 0 ||
	    dir_fsync_fails_now())) {
		errno = EIO;
		return -1;
	}
	if (wt_child_dirfd != -1 && fstat(fd, &st) == 0 &&
	    S_ISDIR(st.st_mode) && faccessat(wt_child_dirfd,
	    ".watch-dir-fsync", F_OK, 0) == 0 && !journal_present() &&
	    (m = openat(wt_child_dirfd, ".dir-fsynced-no-journal", O_WRONLY |
	    O_CREAT | O_CLOEXEC, 0600)) != -1)
		close(m);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if (wt_child_dirfd != -1 &&
	    (n = readlink(link, path, sizeof(path) - 1)) > 0) {
		path[n] = '\0';
		base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 :
		    path;
		if (strncmp(base, JOURNAL_PREFIX, strlen(JOURNAL_PREFIX)) ==
		    0 && unlinkat(wt_child_dirfd, ".fail-journal-fsync", 0) ==
		    0) {
			errno = EIO;
			return -1;
		}
		if (strncmp(base, JOURNAL_PREFIX, strlen(JOURNAL_PREFIX)) ==
		    0) {
			snprintf(mark, sizeof(mark), ".fsynced%s", base);
			if ((m = openat(wt_child_dirfd, mark, O_WRONLY |
			    O_CREAT | O_CLOEXEC, 0600)) != -1)
				close(m);
		}
	}
	return __real_fsync(fd);
}

/* A worker killed after it stored one change to list "s" (applied to m
 * too): its journal holds it. */
static void
killed_after_one(struct todo_list *m)
{
	struct listop *v[1];

	wt_start();
	v[0] = wt_op_add(1, "s");
	wt_app(wt.fd[0], "s", 1, m, v, 1);
	wt_expect_stored(wt.fd[0], 1);
	wt_kill();
}

/* A clean stop removes the journal, then syncs the directory: else a
 * power loss could bring the journal back. */
START_TEST(t_stop_syncs_removal)
{
	struct todo_list *m = todolist_new();
	struct listop *v[1];

	wt_start();
	v[0] = wt_op_add(1, "s");
	wt_app(wt.fd[0], "s", 1, m, v, 1);
	wt_expect_stored(wt.fd[0], 1);
	ck_assert_int_eq(st_write_file(wt.dfd, ".watch-dir-fsync", "", 0), 0);
	wt_stop();
	ck_assert_int_eq(wt_count_journals(), 0);
	ck_assert_msg(faccessat(wt.dfd, ".dir-fsynced-no-journal", F_OK, 0) ==
	    0, "the journal's removal was not followed by a directory sync");
	wt_check_file("s", m);
	todolist_free(m);
}
END_TEST

/* A generation that a killed worker left is synced by the next before it
 * is replayed: the killed one may have written records that it had not
 * synced yet, which the next takes as journaled. */
START_TEST(t_recovery_syncs_first)
{
	struct todo_list *m = todolist_new();

	killed_after_one(m);
	ck_assert_int_eq(wt_count_journals(), 1);
	(void)unlinkat(wt.dfd, ".fsynced.journal-w0-1", 0);
	wt_start();		/* recovers generation 1 */
	ck_assert_msg(faccessat(wt.dfd, ".fsynced.journal-w0-1", F_OK, 0) ==
	    0, "generation 1 was replayed without a sync");
	wt_check_file("s", m);
	wt_stop();
	todolist_free(m);
}
END_TEST

/* A generation that cannot be synced is not replayed: the worker refuses
 * to start (the supervisor then stops the daemon), and the journal stays
 * for the next start. */
START_TEST(t_recovery_sync_fails)
{
	struct todo_list *m = todolist_new();

	killed_after_one(m);
	ck_assert_int_eq(st_write_file(wt.dfd, ".fail-journal-fsync", "", 0),
	    0);
	ck_assert_int_eq(wt_start_exit(), PROC_EXIT_REFUSED);
	ck_assert_msg(faccessat(wt.dfd, ".fail-journal-fsync", F_OK, 0) == -1,
	    "the journal was not synced");
	ck_assert_int_eq(wt_count_journals(), 1);
	wt_start();		/* the sync works now */
	wt_check_file("s", m);
	wt_stop();
	todolist_free(m);
}
END_TEST

/* Generations up to the last a uint64 holds are read; the last one
 * there can be is refused (the next would wrap), and stays. */
START_TEST(t_recovery_last_generations)
{
	struct todo_list *m = todolist_new();

	killed_after_one(m);
	ck_assert_int_eq(renameat(wt.dfd, ".journal-w0-1", wt.dfd,
	    ".journal-w0-18446744073709551614"), 0);
	wt_start();		/* recovers it, starts the last one */
	wt_check_file("s", m);
	wt_kill();
	ck_assert_int_eq(wt_count_journals(), 1);
	ck_assert_int_eq(faccessat(wt.dfd, ".journal-w0-18446744073709551615",
	    F_OK, 0), 0);
	ck_assert_int_eq(wt_start_exit(), PROC_EXIT_REFUSED);
	ck_assert_int_eq(wt_count_journals(), 1);
	todolist_free(m);
}
END_TEST

Suite *
journal_recover_suite(void)
{
	Suite *s = suite_create("journal recovery");
	TCase *rc = tcase_create("recovery");

	tcase_add_checked_fixture(rc, wt_setup, wt_teardown);
	tcase_set_timeout(rc, 120);
	tcase_add_test(rc, t_seq_dedup);
	tcase_add_test(rc, t_torn_tail);
	tcase_add_test(rc, t_corrupt_kept);
	tcase_add_test(rc, t_carried_not_full);
	tcase_add_test(rc, t_carried_keeps_forgotten_seq);
	tcase_add_test(rc, t_get_unresolved_file);
	tcase_add_test(rc, t_recovery_syncs_first);
	tcase_add_test(rc, t_stop_syncs_removal);
	tcase_add_test(rc, t_recovery_sync_fails);
	tcase_add_test(rc, t_recovery_last_generations);
	tcase_add_loop_test(rc, t_recover_burst, 0,
	    sizeof(rb_percent) / sizeof(rb_percent[0]));
#ifdef TODOD_FAULTS
	tcase_add_test(rc, t_crash_before_ack);
	tcase_add_test(rc, t_append_store_round);
	tcase_add_loop_test(rc, t_checkpoint_crash, 0,
	    sizeof(ck_faults) / sizeof(ck_faults[0]));
#endif
	suite_add_tcase(s, rc);
	return s;
}
