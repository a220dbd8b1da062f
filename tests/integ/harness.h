/*
 * harness.h: integration test harness for todod.
 *
 * Starts a private daemon (its own socket and data directory under a
 * temporary directory), talks to it over the public socket, and looks at
 * its process tree.  Every wait is bounded by a deadline; conditions are
 * polled, never assumed after a sleep.
 *
 * The daemon is $TODOD, run as `$TODOD -f -s DIR/s.sock -d DIR/data ARGS`,
 * its stdout and stderr in DIR/todod.log.  With $TODOD_TEST_PEER set to the
 * protocol's reference peer (an .exs script) that is run with elixir
 * instead, for comparing behaviour.  $TODOD_TEST_TIME_SCALE (an integer,
 * default 1) multiplies every deadline, for slow builds.  The test
 * program is the subreaper of what its tests start: whatever a failed
 * test leaves running is killed when the suite ends, and fails it.
 *
 * Terms in tests are written in a small Erlang-like text syntax:
 *   atoms        ok  'Elixir.Date'
 *   integers     42  -1          (signed 64-bit)
 *   binaries     <<"bob">>  <<"a\0b\xff">>  <<1,2,3>>  <<>>
 *   tuples       {error, badarg}
 *   lists        [1, 2]
 *   maps         #{id => 1, title => <<"x">>}
 * and substitutions taken from the arguments:
 *   ~i int       ~I int64_t     ~a atom (const char *)
 *   ~s binary (const char *, strlen)
 *   ~b binary (const void *, size_t)     ~t term (const struct etf_term *)
 *   ~D the Elixir Date map of a "YYYY-MM-DD" string (const char *)
 *   ~E an Entry #{id, date, title}: int, "YYYY-MM-DD", const char *
 * In a pattern (what a reply is matched against) also:
 *   _            any term
 *   [A, B | _]   a list that starts with A, B
 *   ~?i          any integer, stored in an int64_t *
 *   ~?t          any term, stored in a const struct etf_term **
 * Maps match regardless of key order; everything else must be equal.
 */
#ifndef TODOD_TEST_HARNESS_H
#define TODOD_TEST_HARNESS_H

#include <sys/types.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <check.h>

#include "etf.h"
#include "../todod_only.h"

/* Deadlines in milliseconds (before scaling). */
#define H_START_MS	15000	/* daemon accepts and answers ping */
/* Daemon exits after SIGTERM: more than its own deadlines (list servers
 * 10 s, then a stalled worker 10 s more), so that a stop the daemon
 * ends itself is not cut short here. */
#define H_STOP_MS	30000
#define H_REPLY_MS	5000	/* one reply */
#define H_EOF_MS	5000	/* the server closes a connection */

/* The last failure of a harness call, for assertion messages. */
const char	*h_err(void);
void		 h_seterr(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
/* A deadline scaled by $TODOD_TEST_TIME_SCALE. */
int		 h_ms(int ms);
/* Monotonic clock in milliseconds. */
int64_t		 h_now_ms(void);
/* A short pause inside a polling loop (never to synchronize). */
void		 h_pause_ms(int ms);
/* A test program's decimal argument within [lo, hi] into *v: 0, or -1
 * if it is not one. */
int		 h_intarg(const char *s, int lo, int hi, int *v);
/* Poll cond(arg) every few milliseconds until true or ms have passed. */
bool		 h_poll(int ms, bool (*cond)(void *), void *arg);
/* poll(2) fd for ev until the h_now_ms() deadline end: 0, or -1 with
 * errno (ETIMEDOUT). */
int		 h_wait_fd(int fd, short ev, int64_t end);
/* Run a Check suite; the exit status of a test program. */
int		 h_run_suite(Suite *);
/* True when the reference peer runs instead of todod. */
bool		 h_peer(void);
/*
 * First in a test case that checks what only todod does, or what the
 * peer does otherwise than todod-protocol(7) says: against the peer it
 * prints "<test>: todod only (<reason>); skipped against the peer" and
 * returns; against todod it does nothing.
 */
#define H_TODOD_ONLY(reason)	H_TODOD_ONLY_IF(h_peer(), (reason))
/* True when todod runs under valgrind (TODOD_TEST_VALGRIND set, as
 * `make check-valgrind` does). */
bool		 h_valgrind(void);
/* First in a test case whose measure valgrind distorts (a process's
 * memory, its signal handlers): under valgrind it prints "<test>:
 * skipped under valgrind (<reason>)" and returns. */
#define H_NOT_UNDER_VALGRIND(reason) do {				\
	if (h_valgrind()) {						\
		fprintf(stderr, "%s: skipped under valgrind (%s)\n",	\
		    tcase_name(), (reason));				\
		return;							\
	}								\
} while (0)
/* Remove a directory tree, as far as it can (best effort). */
void		 h_rmtree(const char *dir);
/* Where temporary directories go: TMPDIR, or /tmp where TMPDIR is unset
 * or too long for a socket path under it. */
const char	*h_tmpbase(void);

/* ---- daemon ---- */
struct daemon {
	pid_t	 pid;		/* 0 when not running */
	pid_t	 owner;		/* the process that started it */
	bool	 peer;
	char	 dir[80];	/* temporary directory */
	char	 sock[100];	/* DIR/s.sock (sun_path holds 108) */
	char	 data[100];	/* DIR/data */
	char	 log[100];	/* DIR/todod.log */
	char	*args[32];	/* extra arguments, NULL-terminated */
	int	 status;	/* wait status of the last exit */
	bool	 bug_lines_ok;	/* the test makes a bug's log lines */
	struct daemon *next;
};

/*
 * Make a temporary directory and start the daemon in it with extra
 * arguments (a NULL-terminated list); returns NULL on failure (h_err()).
 * The daemon is ready: its socket accepts and answers ping.
 */
struct daemon	*daemon_start(const char *arg, ...);
struct daemon	*daemon_startv(const char *const *args);
/* Start again on the same directory (after daemon_stop). 0 or -1. */
int		 daemon_restart(struct daemon *);
/* Name i of stored lists of len bytes (at least 7): "%06d" then 'n's,
 * sorted as i, only [0-9n] (its own file name). */
void		 h_long_name(char *name, size_t len, int i);
/* Stop d, give it n stored lists of h_long_name()s (empty files: listed,
 * never loaded) and start it again.  0, or -1 (h_err()). */
int		 daemon_restart_with_lists(struct daemon *, int n, size_t len);
/*
 * SIGTERM and wait for the exit.  0 if it exited with status 0 within
 * the deadline, every process of its tree is gone and its log has no
 * line that only a bug writes (unless bug_lines_ok);
 * -1 otherwise (SIGKILL was needed, non-zero status, processes were left
 * behind, or such a line).
 */
int		 daemon_stop(struct daemon *);
/* The same, the exit status expected being want instead of 0. */
int		 daemon_stop_status(struct daemon *, int want);
/* The same with sig sent to every process of the daemon's tree, the
 * children first, as a signal to its process group goes. */
int		 daemon_stop_group(struct daemon *, int sig);
/* SIGKILL the daemon's process tree, its children first, the supervisor
 * stopped meanwhile (so that it starts none again); reap it and wait (5 s
 * at most) until the rest is gone (no checks). */
void		 daemon_kill(struct daemon *);
/* sig to every process of the daemon's tree, its children first (as to
 * its process group), without waiting.  0, or -1 (h_err(): only the
 * supervisor was signalled). */
int		 daemon_signal_tree(const struct daemon *, int sig);
/* Stop if running (killing if needed), remove the directory, free. */
void		 daemon_free(struct daemon *);
/* True while the daemon's main process has not exited. */
bool		 daemon_alive(struct daemon *);
/* Copy the daemon's log to stderr. */
void		 daemon_print_log(const struct daemon *);
/* How many lines of the daemon's log hold text (-1: no log). */
int		 h_log_count(const struct daemon *, const char *text);
/* Where its log ends now (a line begins there), for the two below: */
long		 h_log_mark(const struct daemon *);
/* How many lines after mark hold text (-1: no log). */
int		 h_log_count_since(const struct daemon *, long mark,
		    const char *text);
/* Whether a line after mark comes to hold text within ms. */
bool		 h_logged_since(const struct daemon *, long mark,
		    const char *text, int ms);
/* Whether the daemon's log comes to hold text within ms. */
bool		 h_logged(const struct daemon *, const char *text, int ms);
/* Its data directory holds a worker's journal (".journal-w*"). */
bool		 h_journal_left(const struct daemon *);
/*
 * For a daemon shared by a test case (an unchecked fixture): stop and
 * free it; a failure to stop cleanly fails the whole program.
 */
void		 h_shared_teardown(struct daemon **);
/* Print the logs of the running daemons (before a failure is reported). */
void		 h_fail_report(void);
/* ck_assert_msg that prints the daemons' logs first. */
#define H_ASSERT(cond, ...) do {					\
	if (!(cond)) {							\
		h_fail_report();					\
		ck_abort_msg(__VA_ARGS__);				\
	}								\
} while (0)
#define daemon_start_ok(...) h_daemon_start_ok(__FILE__, __LINE__, __VA_ARGS__)
struct daemon	*h_daemon_start_ok(const char *, int, const char *, ...);
#define daemon_stop_ok(d) \
	H_ASSERT(daemon_stop(d) == 0, "stop: %s", h_err())

/* ---- connections ---- */
struct conn {
	int			 fd;
	struct etf_arena	*arena;	/* decoded replies live here */
	uint8_t			*in;	/* bytes read, not yet consumed */
	size_t			 inlen, incap;
	struct {			/* requests awaiting replies, */
		unsigned	 seq;	/* named in failure messages */
		char		 text[100];
	}			 sent[32];
	unsigned		 nsent, nrecv;
};

struct conn	*conn_open(const struct daemon *);
struct conn	*conn_open_path(const char *sock);
void		 conn_close(struct conn *);
/* Send bytes with a deadline. 0, or -1 (h_err()). */
int		 conn_send_raw(struct conn *, const void *, size_t);
/* Send without waiting: bytes written before the socket would block. */
ssize_t		 conn_send_nowait(struct conn *, const void *, size_t);
int		 conn_send_frame(struct conn *, const void *, size_t);
int		 conn_send_term(struct conn *, const struct etf_term *);
/* Parse text with substitutions, encode, frame, send. */
int		 conn_sendf(struct conn *, const char *fmt, ...);
/* Receive one frame: 1 got it, 0 EOF, -1 timeout or error (h_err()). */
int		 conn_recv_frame(struct conn *, int ms, uint8_t **payload,
		    size_t *len);
/* Receive and decode one reply; NULL on EOF, timeout or bad reply. */
const struct etf_term *conn_recv(struct conn *, int ms);
/* 0 if the server closes within ms with nothing more sent; else -1. */
int		 conn_wait_eof(struct conn *, int ms);
/* Free the replies decoded so far. */
void		 conn_reset(struct conn *);

/* Receive a reply and match it against a pattern; false and err filled. */
bool		 h_reply_is(struct conn *, char *err, size_t errlen,
		    const char *fmt, ...);
bool		 h_vreply_is(struct conn *, char *err, size_t errlen,
		    const char *fmt, va_list);
/* Send a request and match its reply. */
bool		 h_call_is(struct conn *, char *err, size_t errlen,
		    const char *req, const char *fmt, ...);

#define conn_open_ok(d) h_conn_open_ok((d), __FILE__, __LINE__)
struct conn	*h_conn_open_ok(const struct daemon *, const char *, int);
#define send_req(c, ...)						\
	H_ASSERT(conn_sendf((c), __VA_ARGS__) == 0, "send: %s", h_err())
#define send_raw(c, p, n)						\
	H_ASSERT(conn_send_raw((c), (p), (n)) == 0, "send: %s", h_err())
#define assert_reply(c, ...) do {					\
	char e_[8192];							\
	H_ASSERT(h_reply_is((c), e_, sizeof e_, __VA_ARGS__),	\
	    "%s", e_);							\
} while (0)
/* assert_call(c, "request", "reply pattern", substitutions of both) */
#define assert_call(c, req, ...) do {					\
	char e_[8192];							\
	H_ASSERT(h_call_is((c), e_, sizeof e_, (req), __VA_ARGS__),\
	    "%s", e_);							\
} while (0)
#define assert_eof(c)							\
	H_ASSERT(conn_wait_eof((c), h_ms(H_EOF_MS)) == 0,		\
	    "expected the server to close: %s", h_err())
/* {server_process, Name} -> {ok, Pid}; returns Pid. */
#define attach_ok(c, name) h_attach_ok((c), (name), __FILE__, __LINE__)
int64_t		 h_attach_ok(struct conn *, const char *, const char *, int);
/* {add_entry, #{date => ~D, title => ~s}} -> {ok, Id}; returns Id. */
#define add_ok(c, date, title) \
	h_add_ok((c), (date), (title), __FILE__, __LINE__)
int64_t		 h_add_ok(struct conn *, const char *, const char *,
		    const char *, int);
/* Add n entries dated 2023-12-19 with titles of tlen bytes to the
 * attached list of c, new (their ids are 1 to n), in pipelined batches,
 * each batch's replies read before the next. */
void		 h_add_many(struct conn *, int n, size_t tlen);
/* Append a whole frame (header and encoded term) to a buffer. 0 or -1. */
int		 h_frame_append(struct etf_buf *, const char *fmt, ...);
/* A fresh connection gets pong: the daemon still serves others. */
#define assert_serving(d) do {						\
	char e_[8192];							\
	H_ASSERT(h_serving((d), e_, sizeof e_), "%s", e_);		\
} while (0)
bool		 h_serving(const struct daemon *, char *err, size_t errlen);
/* The integer key of `stats` on a fresh connection, or -1 if it has no
 * such integer (fails unless the reply is {ok, Map}). */
int64_t		 h_stats_int(const struct daemon *, const char *key);
/* The same, its reply awaited for ms instead of one reply's bound (for a
 * daemon busy with large replies, slow under ASan). */
int64_t		 h_stats_int_within(const struct daemon *, const char *key,
		    int ms);
/* Poll until a fresh connection gets pong (e.g. after a crash). */
bool		 h_wait_serving(const struct daemon *, int ms);

/* ---- terms in text (tterm.c) ---- */
/* Build a term; NULL on a syntax error (h_err()). */
struct etf_term	*tterm(struct etf_arena *, const char *fmt, ...);
struct etf_term	*vtterm(struct etf_arena *, const char *fmt, va_list);
/* The same, consuming arguments from a shared cursor. */
struct etf_term	*tterm_parse_ap(struct etf_arena *, const char *fmt,
		    va_list *);
/* Encode text to ETF bytes (version byte included). 0 or -1. */
int		 tterm_encode(struct etf_buf *, const char *fmt, ...);
/* Match a term against a pattern (text); false and why in err. */
bool		 tterm_vmatch(const struct etf_term *, char *err,
		    size_t errlen, const char *fmt, va_list);
/* Erlang-like text of a term, truncated to fit. Returns buf. */
char		*tterm_print(const struct etf_term *, char *buf, size_t len);
/* The Elixir Date map as a term. */
struct etf_term	*tterm_date(struct etf_arena *, int y, int m, int d);

/* ---- processes (hproc.c) ---- */
struct pidset {
	pid_t			pid[4096];
	unsigned long long	start[4096];	/* /proc start time: no reuse */
	size_t			n;
};
/* What pid is doing, to stderr: its /proc stat, wchan, syscall and
 * kernel stack (the lines it can read), for a test that gave up on it. */
void		 proc_report(pid_t);
/* Processor time pid has used (user and system), in ms; -1 if it
 * cannot be read.  Work done, where the machine's load moves wall time. */
int64_t		 proc_cpu_ms(pid_t);
/* Start time of pid from /proc/PID/stat; 0 if it does not exist. */
unsigned long long proc_starttime(pid_t);
/* State letter from /proc/PID/stat ('Z' zombie), or 0 if gone. */
char		 proc_state(pid_t);
/* Direct children of pid (from the parent pid in each /proc/PID/stat). */
int		 proc_children(pid_t, struct pidset *);
/* pid and all its descendants. */
int		 proc_tree(pid_t, struct pidset *);
/* True while any process of the set (same start time) still exists
 * and is not a zombie. */
bool		 pidset_any_alive(const struct pidset *);
bool		 pidset_has(const struct pidset *, pid_t);
void		 pidset_add(struct pidset *, pid_t);
/* A number of /proc/PID/status ("VmRSS", ...), or -1. */
long		 proc_status(pid_t, const char *field);
/* VmRSS of one process and the sum over a tree, in KiB; -1 on error. */
long		 proc_rss_kb(pid_t);
long		 proc_tree_rss_kb(pid_t);
/* Open descriptors of a process (entries of /proc/PID/fd), or -1. */
int		 proc_nfds(pid_t);
/* Whether pid's command line (its title: "todod: list bob") begins with
 * prefix. */
bool		 proc_cmdline_is(pid_t, const char *prefix);
/* Whether pid's title is title, whole. */
bool		 proc_title_is(pid_t, const char *title);

/*
 * The daemon's own account of its processes, from `stats` on a fresh
 * connection: supervisor, cache, workers, and every other `pid` the
 * reply holds (live list servers, as the daemon reports them).
 */
struct daemon_pids {
	pid_t	 supervisor;
	pid_t	 cache;
	pid_t	 workers[64];
	size_t	 nworkers;
	pid_t	 others[1024];
	size_t	 nothers;
	struct {			/* maps with both name and pid */
		pid_t	 pid;
		char	 name[256];	/* NUL-terminated copy */
		size_t	 len;
	}	 lists[256];
	size_t	 nlists;
};
int		 daemon_pids(const struct daemon *, struct daemon_pids *);

#endif /* TODOD_TEST_HARNESS_H */
