/* wtest.c: a database worker as a forked process, for the tests. */
#include "config.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "chan.h"
#include "etf.h"
#include "frame.h"
#include "getreply.h"
#include "journal.h"
#include "listfile.h"
#include "listops.h"
#include "log.h"
#include "proc.h"
#include "storage_test.h"
#include "store.h"
#include "todolist.h"
#include "worker.h"
#include "wtest.h"

struct wt wt;
int wt_child_dirfd = -1;

void
wt_setup(void)
{
	log_init(1, LOG_LEVEL_WARN);
	memset(&wt, 0, sizeof(wt));
	wt.ctl = -1;
	wt.passed_fd = -1;
	wt.dir = st_tmpdir();
	ck_assert_ptr_nonnull(wt.dir);
	wt.dfd = store_open_dir(wt.dir);
	ck_assert_int_ge(wt.dfd, 0);
	wt.ctr = mmap(NULL, sizeof(*wt.ctr), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(wt.ctr, MAP_FAILED);
	wt.arena = etf_arena_new();
}

void
wt_close_all(void)
{
	int i;

	for (i = 0; i < wt.n; i++)
		if (wt.fd[i] != -1)
			close(wt.fd[i]);
	wt.n = 0;
	if (wt.ctl != -1)
		close(wt.ctl);
	wt.ctl = -1;
}

void
wt_teardown(void)
{
	wt_close_all();
	if (wt.pid > 0) {
		kill(wt.pid, SIGKILL);
		waitpid(wt.pid, NULL, 0);
	}
	etf_arena_free(wt.arena);
	munmap(wt.ctr, sizeof(*wt.ctr));
	close(wt.dfd);
	st_rmtree(wt.dir);
	free(wt.dir);
}

/* ---- the worker process ---- */

static struct worker *child_w;
static struct event_base *child_base;

static void
child_send(struct chan *c, const char *atom)
{
	struct etf_buf b;

	etf_buf_init(&b);
	etf_put_version(&b);
	etf_put_atom(&b, atom);
	chan_send(c, &b, -1);
	etf_buf_free(&b);
}

static void
child_ctl_msg(struct chan *c, const struct etf_term *t, int fd, void *arg)
{
	if (etf_is_atom(t, "sync"))
		worker_sync(child_w);
	else if (etf_is_atom(t, "sync_new"))
		worker_sync_new(child_w);
	else
		_exit(14);
	child_send(c, "synced");
}

static void
child_ctl_closed(struct chan *c, void *arg)
{
	event_base_loopbreak(child_base);
}

static void __attribute__((noreturn))
child_main(int ctl, const int *fds, int n, const struct wt_opts *o)
{
	struct worker_config cfg;
	struct chan *c;
	int i, fd, rc;

	log_setrole("worker[0]");
	if ((fd = store_open_dir(wt.dir)) == -1 ||
	    (child_base = event_base_new()) == NULL)
		_exit(10);
	memset(&cfg, 0, sizeof(cfg));
	cfg.dirfd = wt_child_dirfd = fd;
	cfg.sync = !o->nosync;
	cfg.max_frame = o->max_frame > 0 ? o->max_frame : WT_MAX_FRAME;
	cfg.journal_max = o->journal_max;
	cfg.ckpt_pass = o->ckpt_pass;
	if ((child_w = worker_new(child_base, &cfg, wt.ctr)) == NULL)
		_exit(worker_start_refused() ? PROC_EXIT_REFUSED : 11);
	for (i = 0; i < n; i++)
		if (worker_add_peer(child_w, fds[i]) == -1)
			_exit(12);
	if ((c = chan_new(child_base, ctl, WT_MAX_FRAME, child_ctl_msg,
	    child_ctl_closed, NULL)) == NULL)
		_exit(13);
	child_send(c, "ready");		/* recovered, as workerproc says */
	event_base_dispatch(child_base);
	rc = worker_shutdown(child_w);
	chan_free(c);
	worker_free(child_w);
	event_base_free(child_base);
	libevent_global_shutdown();
	close(fd);
	exit(rc == 0 ? 0 : 30);
}

/* Fork a worker with n peers; it has not said ready yet. */
static void
wt_fork(int n, const struct wt_opts *o)
{
	static const struct wt_opts defaults;
	int sv[WT_MAX_PEERS][2], ctl[2], child[WT_MAX_PEERS], i;

	ck_assert_int_le(n, WT_MAX_PEERS);
	if (o == NULL)
		o = &defaults;
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i]), 0);
		wt.fd[i] = sv[i][0];
		child[i] = sv[i][1];
	}
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, ctl), 0);
	memset(wt.ctr, 0, sizeof(*wt.ctr));	/* as workerproc does */
	wt.n = n;
	wt.ctl = ctl[0];
	fflush(NULL);
	wt.pid = fork();
	ck_assert_int_ge(wt.pid, 0);
	if (wt.pid == 0) {
		for (i = 0; i < n; i++)
			close(wt.fd[i]);
		close(ctl[0]);
		child_main(ctl[1], child, n, o);
	}
	for (i = 0; i < n; i++)
		close(child[i]);
	close(ctl[1]);
}

void
wt_start_peers(int n, const struct wt_opts *o)
{
	const struct etf_term *t;

	wt_fork(n, o);
	t = wt_recv(wt.ctl);
	ck_assert_msg(t != NULL && etf_is_atom(t, "ready"),
	    "the worker did not start");
}

int
wt_start_exit(void)
{
	int status;

	wt_fork(1, NULL);
	ck_assert_msg(wt_recv(wt.ctl) == NULL, "the worker started");
	wt_close_all();
	status = wt_reap(WT_WAIT_MS);
	ck_assert_msg(WIFEXITED(status), "worker status 0x%x", status);
	return WEXITSTATUS(status);
}

void
wt_start(void)
{
	wt_start_peers(1, NULL);
}

char *
wt_start_fault(const char *fault)
{
	char *flag;

	ck_assert_int_ne(asprintf(&flag, "%s.flag", wt.dir), -1);
	setenv("TODOD_FAULT", fault, 1);
	setenv("TODOD_FAULT_FILE", flag, 1);
	wt_start();
	unsetenv("TODOD_FAULT");
	unsetenv("TODOD_FAULT_FILE");
	return flag;
}

void
wt_arm(const char *flag, bool on)
{
	int fd;

	if (!on) {
		ck_assert(unlink(flag) == 0 || errno == ENOENT);
		return;
	}
	ck_assert_int_ne(fd = open(flag, O_WRONLY | O_CREAT, 0600), -1);
	close(fd);
}

void
wt_restart_check(const char *name, const struct todo_list *model)
{
	wt_start();
	wt_check_file(name, model);
	wt_check_get(wt.fd[0], name, model, -1);
	wt_stop();
	wt_check_file(name, model);
}

int
wt_reap(int timeout_ms)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	int status, waited = 0;
	pid_t r;

	while ((r = waitpid(wt.pid, &status, WNOHANG)) == 0 &&
	    waited < timeout_ms) {
		nanosleep(&ts, NULL);
		waited += 2;
	}
	ck_assert_msg(r == wt.pid, "worker did not exit");
	wt.pid = 0;
	return status;
}

void
wt_stop(void)
{
	int status;

	wt_close_all();
	status = wt_reap(WT_WAIT_MS);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "worker status 0x%x", status);
}

void
wt_kill(void)
{
	int status;

	kill(wt.pid, SIGKILL);
	status = wt_reap(WT_WAIT_MS);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	wt_close_all();
}

void
wt_sync(void)
{
	wt_sync_what("sync");
}

void
wt_sync_what(const char *what)
{
	const struct etf_term *t;
	struct etf_buf m, b;

	etf_buf_init(&m);
	etf_buf_init(&b);
	etf_put_version(&m);
	etf_put_atom(&m, what);
	wt_put_frame(&b, &m);
	wt_send_all(wt.ctl, &b);
	t = wt_recv(wt.ctl);
	ck_assert_ptr_nonnull(t);
	ck_assert(etf_is_atom(t, "synced"));
	etf_buf_free(&m);
	etf_buf_free(&b);
}

/* ---- messages ---- */

void
wt_put_frame(struct etf_buf *out, const struct etf_buf *msg)
{
	uint8_t hdr[FRAME_HDR];

	frame_put_len(hdr, (uint32_t)msg->len);
	etf_buf_append(out, hdr, sizeof(hdr));
	etf_buf_append(out, msg->p, msg->len);
}

void
wt_add_get(struct etf_buf *out, const char *name)
{
	struct etf_buf m;

	etf_buf_init(&m);
	etf_put_version(&m);
	etf_put_tuple(&m, 2);
	etf_put_atom(&m, "get");
	etf_put_binary(&m, name, strlen(name));
	wt_put_frame(out, &m);
	etf_buf_free(&m);
}

void
wt_add_store(struct etf_buf *out, const char *name, int64_t seq,
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
	wt_put_frame(out, &m);
	etf_buf_free(&m);
}

void
wt_add_append(struct etf_buf *out, const char *name, int64_t seq,
    struct listop *const *ops, size_t n)
{
	struct etf_buf m;
	size_t i;

	etf_buf_init(&m);
	etf_put_version(&m);
	etf_put_tuple(&m, 4);
	etf_put_atom(&m, "append");
	etf_put_binary(&m, name, strlen(name));
	etf_put_int(&m, seq);
	etf_put_list(&m, (uint32_t)n);
	for (i = 0; i < n; i++)
		listop_put(&m, ops[i]);
	etf_put_nil(&m);
	wt_put_frame(out, &m);
	etf_buf_free(&m);
}

struct listop *
wt_op_add(int64_t id, const char *tag)
{
	struct todo_date d = { 2000 + (int)(id % 30), 1 + (int)(id % 12),
	    1 + (int)(id % 28) };
	char title[64];

	snprintf(title, sizeof(title), "%s %lld", tag, (long long)id);
	return listop_new(LISTOP_ADD, id, 1, d, title, strlen(title));
}

struct listop *
wt_op_title(int64_t id, const char *title)
{
	struct todo_date d = { 0, 1, 1 };

	return listop_new(LISTOP_UPDATE, id, 0, d, title, strlen(title));
}

struct listop *
wt_op_delete(int64_t id)
{
	struct todo_date d = { 0, 1, 1 };

	return listop_new(LISTOP_DELETE, id, 0, d, NULL, 0);
}

void
wt_append1(int fd, const char *name, int64_t seq, struct listop **v,
    size_t n)
{
	struct etf_buf b;
	size_t i;

	etf_buf_init(&b);
	wt_add_append(&b, name, seq, v, n);
	wt_send_all(fd, &b);
	etf_buf_free(&b);
	for (i = 0; i < n; i++)
		listop_free(v[i]);
}

void
wt_store1(int fd, const char *name, int64_t seq, const struct todo_list *l)
{
	struct etf_buf b;

	etf_buf_init(&b);
	wt_add_store(&b, name, seq, l);
	wt_send_all(fd, &b);
	etf_buf_free(&b);
}

int
wt_send_some(int fd, const struct etf_buf *b)
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

void
wt_send_all(int fd, const struct etf_buf *b)
{
	ck_assert_int_eq(wt_send_some(fd, b), 0);
}

/* Read exactly len bytes with a deadline; 0, or -1 at EOF.  A
 * descriptor that comes with them is kept in wt.passed_fd. */
static int
recv_all(int fd, uint8_t *p, size_t len)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct pollfd pfd = { fd, POLLIN, 0 };
	struct cmsghdr *cm;
	struct msghdr msg;
	struct iovec iov;
	size_t got = 0;
	ssize_t r;

	while (got < len) {
		ck_assert_msg(poll(&pfd, 1, WT_WAIT_MS) == 1,
		    "no reply in time");
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = p + got;
		iov.iov_len = len - got;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
		r = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
		if (r == 0 || (r == -1 && errno == ECONNRESET))
			return -1;
		ck_assert_int_gt(r, 0);
		cm = CMSG_FIRSTHDR(&msg);
		if (cm != NULL && cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS) {
			ck_assert_int_eq(wt.passed_fd, -1);
			memcpy(&wt.passed_fd, CMSG_DATA(cm), sizeof(int));
		}
		got += (size_t)r;
	}
	return 0;
}

/* {file, Size} with the file's descriptor, as {ok, FileBytes}: the
 * answer the tests expect either way.  The list server's reading of the
 * descriptor (getreply_file) must agree with its reading of the bytes. */
static const struct etf_term *
file_as_bytes(const struct etf_term *t, int fd)
{
	struct todo_list *byfd, *bybytes;
	const char *why = NULL;
	struct etf_term *ok;
	uint8_t *data;
	size_t len;
	int rc;

	ck_assert_msg(etf_is_tuple(t, 2) && etf_is_atom(&t->seq.v[0],
	    "file") && t->seq.v[1].type == ETF_INT, "a descriptor came "
	    "with a message that is not {file, Size}");
	ck_assert_int_eq(store_read_fd(fd, (size_t)t->seq.v[1].i,
	    WT_MAX_FRAME, &data, &len), STORE_OK);
	ck_assert_uint_eq(len, (size_t)t->seq.v[1].i);
	rc = getreply_file(wt.arena, t, fd, WT_MAX_FRAME, WT_MAX_FRAME, &byfd,
	    &why);
	close(fd);
	wt.files_by_fd++;
	ok = etf_mk_tuple(wt.arena, 2);
	ok->seq.v[0] = *etf_mk_atom(wt.arena, "ok");
	ok->seq.v[1] = *etf_mk_binary(wt.arena, data, len);
	free(data);
	ck_assert_int_eq(getreply_list(wt.arena, ok, WT_MAX_FRAME, &bybytes,
	    &why), rc);
	ck_assert(rc != GETREPLY_OK || st_list_equal(byfd, bybytes));
	todolist_free(byfd);
	todolist_free(bybytes);
	return ok;
}

const struct etf_term *
wt_recv(int fd)
{
	const struct etf_term *t;
	uint8_t hdr[FRAME_HDR], *p;
	uint32_t len;
	int passed;

	if (recv_all(fd, hdr, sizeof(hdr)) == -1)
		return NULL;
	len = frame_get_len(hdr);
	passed = (len & 0x80000000u) != 0;	/* chan.c's descriptor bit */
	len &= 0x7fffffffu;
	ck_assert_uint_le(len, WT_MAX_FRAME);
	p = etf_arena_alloc(wt.arena, len);
	ck_assert_int_eq(recv_all(fd, p, len), 0);
	ck_assert_int_eq(etf_decode(wt.arena, p, len, WT_MAX_FRAME, &t),
	    ETF_OK);
	ck_assert_int_eq(passed, wt.passed_fd != -1);
	if (passed) {
		fd = wt.passed_fd;
		wt.passed_fd = -1;
		t = file_as_bytes(t, fd);
	}
	return t;
}

void
wt_expect_stored(int fd, int64_t seq)
{
	const struct etf_term *t = wt_recv(fd);

	ck_assert_ptr_nonnull(t);
	ck_assert(etf_is_tuple(t, 2));
	ck_assert_msg(etf_is_atom(&t->seq.v[0], "stored"), "not stored");
	ck_assert_int_eq(t->seq.v[1].type, ETF_INT);
	ck_assert_int_eq(t->seq.v[1].i, seq);
}

void
wt_expect_error(int fd, const char *reason)
{
	const struct etf_term *t = wt_recv(fd);

	ck_assert_ptr_nonnull(t);
	ck_assert(etf_is_tuple(t, 2));
	ck_assert(etf_is_atom(&t->seq.v[0], "error"));
	ck_assert_msg(etf_is_atom(&t->seq.v[1], reason), "not %s", reason);
}

/* A get answered with a file's bytes that are not a list file. */
void
wt_expect_corrupt(int fd)
{
	const struct etf_term *t = wt_recv(fd);
	struct todo_list *l;
	const char *why = NULL;

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(getreply_list(wt.arena, t, WT_MAX_FRAME, &l, &why),
	    GETREPLY_CORRUPT);
	ck_assert_ptr_null(l);
	ck_assert_ptr_nonnull(why);
}

void
wt_expect_eof(int fd)
{
	ck_assert_ptr_null(wt_recv(fd));
}

struct todo_list *
wt_expect_list(int fd, long *nops)
{
	const struct etf_term *t = wt_recv(fd);
	struct todo_list *l;
	const char *why = NULL;
	int rc;

	if (nops != NULL)
		*nops = -1;
	ck_assert_ptr_nonnull(t);
	if (etf_is_atom(t, "not_found"))
		return NULL;
	ck_assert_msg(etf_is_tuple(t, 2) || etf_is_tuple(t, 3),
	    "not a get reply");
	ck_assert(etf_is_atom(&t->seq.v[0], "ok"));
	if (etf_is_tuple(t, 3)) {
		ck_assert_int_eq(t->seq.v[2].type, ETF_LIST);
		ck_assert_uint_gt(t->seq.v[2].seq.n, 0);
		if (nops != NULL)
			*nops = (long)t->seq.v[2].seq.n;
	}
	rc = getreply_list(wt.arena, t, WT_MAX_FRAME, &l, &why);
	ck_assert_msg(rc == GETREPLY_OK, "get reply: %s", why ? why : "?");
	return l;
}

struct todo_list *
wt_get1(int fd, const char *name, long *nops)
{
	struct etf_buf b;

	etf_buf_init(&b);
	wt_add_get(&b, name);
	wt_send_all(fd, &b);
	etf_buf_free(&b);
	return wt_expect_list(fd, nops);
}

struct todo_list *
wt_load_file(const char *name)
{
	struct todo_list *l = NULL;
	const char *why = NULL;
	int rc;

	rc = store_load(wt.dfd, name, strlen(name), wt.arena, WT_MAX_FRAME,
	    &l, &why);
	ck_assert_msg(rc == STORE_OK, "%s: %s", name, why ? why : "?");
	return l;
}

int
wt_count_journals(void)
{
	uint64_t *gens;
	size_t n;

	ck_assert_int_eq(journal_list(wt.dfd, 0, &gens, &n), 0);
	free(gens);
	return (int)n;
}

void
wt_app(int fd, const char *name, int64_t seq, struct todo_list *model,
    struct listop **v, size_t n)
{
	size_t i;

	for (i = 0; model != NULL && i < n; i++)
		ck_assert_int_eq(listop_replay(model, v[i]), 0);
	wt_append1(fd, name, seq, v, n);
}

void
wt_check_file(const char *name, const struct todo_list *model)
{
	struct todo_list *l = wt_load_file(name);

	ck_assert_msg(st_list_equal(l, model), "file %s differs", name);
	todolist_free(l);
}

void
wt_check_get(int fd, const char *name, const struct todo_list *model,
    long nops)
{
	struct todo_list *l;
	long got;

	l = wt_get1(fd, name, &got);
	ck_assert_ptr_nonnull(l);
	ck_assert_msg(st_list_equal(l, model), "get %s differs", name);
	if (nops != WT_ANY_OPS)
		ck_assert_int_eq(got, nops);
	todolist_free(l);
}
