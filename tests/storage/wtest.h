/*
 * wtest.h: a database worker as a real forked process for the tests,
 * on socketpairs: peers (as list servers) and a control channel (as the
 * supervisor: sync, and EOF for an orderly exit), and the messages.
 */
#ifndef TODOD_WTEST_H
#define TODOD_WTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "todo_term.h"

struct etf_buf;
struct etf_term;
struct etf_arena;
struct listop;
struct todo_list;
struct worker_counters;

#define WT_MAX_FRAME	(4 << 20)
#define WT_MAX_PEERS	40
#define WT_WAIT_MS	20000

struct wt_opts {
	bool	nosync;			/* --sync none */
	size_t	journal_max;		/* 0: the default */
	size_t	ckpt_pass;		/* 0: the default */
	size_t	max_frame;		/* 0: WT_MAX_FRAME */
};

struct wt {
	char			*dir;
	int			 dfd;
	struct worker_counters	*ctr;
	struct etf_arena	*arena;
	pid_t			 pid;
	int			 ctl;
	int			 fd[WT_MAX_PEERS];
	int			 n;
	int			 passed_fd;	/* came with a frame, -1 */
	int			 files_by_fd;	/* {file, Size} received */
};
extern struct wt wt;
/* In the worker's process: the data directory descriptor it was given. */
extern int wt_child_dirfd;

void	wt_setup(void);
void	wt_teardown(void);
/* Fork a worker on wt.dir with n peers (and the control channel);
 * return once it is ready (its journal recovered). */
void	wt_start_peers(int n, const struct wt_opts *);
void	wt_start(void);			/* one peer, sync, defaults */
/* Fork a worker as wt_start() does, expecting it to exit before it is
 * ready: its exit status. */
int	wt_start_exit(void);
/* wt_start() with TODOD_FAULT=fault (store.h) armed while the file it
 * returns (malloc'ed, absent yet) exists: wt_arm() makes or removes it. */
char	*wt_start_fault(const char *fault);
void	wt_arm(const char *flag, bool on);
/* Wait for the worker with a deadline; its wait status. */
int	wt_reap(int timeout_ms);
/* Close peers and control: the worker checkpoints, exits 0. */
void	wt_stop(void);
/* SIGKILL the worker; close our ends. */
void	wt_kill(void);
/* Close our ends of the peers and control channel (after a crash). */
void	wt_close_all(void);
/* sync on the control channel; wait for synced. */
void	wt_sync(void);
void	wt_sync_what(const char *);	/* sync or sync_new */

/* Messages. */
void	wt_put_frame(struct etf_buf *out, const struct etf_buf *msg);
void	wt_add_get(struct etf_buf *out, const char *name);
void	wt_add_store(struct etf_buf *out, const char *name, int64_t seq,
	    const struct todo_list *);
void	wt_add_append(struct etf_buf *out, const char *name, int64_t seq,
	    struct listop *const *ops, size_t n);
/* An op adding entry id with a title made from tag and id. */
struct listop *wt_op_add(int64_t id, const char *tag);
struct listop *wt_op_title(int64_t id, const char *title);
struct listop *wt_op_delete(int64_t id);
/* Append the ops of v (freed) for name with seq; send it. */
void	wt_append1(int fd, const char *name, int64_t seq,
	    struct listop **v, size_t n);
void	wt_store1(int fd, const char *name, int64_t seq,
	    const struct todo_list *);

int	wt_send_some(int fd, const struct etf_buf *);
void	wt_send_all(int fd, const struct etf_buf *);
/* The next reply (in wt.arena), or NULL at EOF. */
const struct etf_term *wt_recv(int fd);
void	wt_expect_stored(int fd, int64_t seq);
void	wt_expect_error(int fd, const char *reason);
void	wt_expect_corrupt(int fd);
void	wt_expect_eof(int fd);
/*
 * A get's reply as a list server reads it: the list with the ops
 * applied (strictly), or NULL for not_found.  *nops: the ops answered
 * (-1 for {ok, List}).
 */
struct todo_list *wt_expect_list(int fd, long *nops);
struct todo_list *wt_get1(int fd, const char *name, long *nops);
/* Apply ops to model (unless NULL) as the list server did, then send
 * them (and free them). */
void	wt_app(int fd, const char *name, int64_t seq, struct todo_list *model,
	    struct listop **v, size_t n);
/* The file, or a get's answer, is the model; nops as wt_expect_list()
 * says, or WT_ANY_OPS. */
#define WT_ANY_OPS	(-2)
void	wt_check_file(const char *name, const struct todo_list *model);
void	wt_check_get(int fd, const char *name, const struct todo_list *model,
	    long nops);
/* Start the worker (again): name's file and a get (the file, no ops)
 * are the model; then the orderly exit, and the file still is. */
void	wt_restart_check(const char *name, const struct todo_list *model);
/* The list file as it is on disk (empty list if absent). */
struct todo_list *wt_load_file(const char *name);
/* Journal files of worker 0 in the data directory. */
int	wt_count_journals(void);

#endif /* TODOD_WTEST_H */
