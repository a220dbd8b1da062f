/*
 * proc.h: the process layer: roles, forking children, shared counters.
 *
 * The supervisor forks the cache, the workers and the spawner; the
 * spawner forks the list servers' processes (spawner.c), hands them to
 * the supervisor as spares, and reports their exits, so that the
 * supervisor starts and supervises them as its own.  A spare's control
 * channel is its own for life: a list server the cache stopped releases
 * its list and is a spare again, on the same channel.  A child keeps only the
 * descriptors it is given (renumbered from 3 up, in order), dies with
 * its parent (PR_SET_PDEATHSIG, and EOF on its control channel), and
 * builds its own event loop.
 *
 * Internal messages (terms on chan.h channels; "+fd" = carries one
 * descriptor):
 *   cache  -> sup    {spawn, Name} +fd              start a list server;
 *                                                   fd: its end of the
 *                                                   cache's link to it
 *                                                   (closed if none can
 *                                                   start)
 *   sup    -> cache  {list, Name, Pid} +fd          (after a cache restart;
 *                                                   Pid 0: not forked yet)
 *                    go                             start accepting
 *   sup    -> spawner need                          fork a spare
 *   spawner -> sup   {spare, Pid} +fd               a spare for the
 *                                                   supervisor to hold
 *                                                   (fd: its control
 *                                                   channel)
 *                    no_spare                       none can be forked
 *                    {exited, Pid, Status}          a list server or a
 *                                                   spare reaped
 *   sup    -> spare  {list, Name} +fd               serve Name (fd: its
 *                                                   end of the cache's
 *                                                   link); the worker's
 *                                                   link follows
 *   sup    -> worker {peer, Name, relink} +fd       a live list server's
 *                                                   new link (the worker
 *                                                   started again)
 *                    {peer, Name} +fd               a new one's: send
 *                                                   it the list, unasked
 *   sup    -> list   {cache} +fd | {worker} +fd     new links (a spare
 *                                                   drops those sent to
 *                                                   the list it released)
 *                    {worker, unasked} +fd          the list comes unasked
 *                    shutdown
 *   sup    -> worker ping;  worker -> sup  pong      does it answer
 *                                                   (stallwatch.h)
 *   list   -> sup    stopping                       about to exit
 *                    released                       list freed: a spare
 *   any    -> sup    ready                          set up
 *   worker -> sup    {ready, behind}                set up, but some list
 *                                                   file is behind (its
 *                                                   recovery could not
 *                                                   write it)
 *   cache  -> list   {handoff, Mode, Input} +fd     a client connection;
 *                    Mode: attach | {error, Reason}
 *                    stop                           route removed: stop
 *                    took                           a {reattach} taken:
 *                                                   its connection is
 *                                                   the cache's now
 *                    ping                           does it answer
 *                                                   (stallwatch.h)
 *   list   -> cache  {got, Seen, Pid}               handoffs received
 *                    {idle, Seen} | {idle_stop, Seen}
 *                    {reattach, Name, OldName, Input} +fd
 *                    {closed, Uid}                  a connection closed
 *                    {conns, [Uid]}                 those held, to a new
 *                                                   cache (uidcount.h):
 *                                                   the first message
 *                                                   on such a link only
 *                    pong                           the answer to ping
 *   list   -> worker {get, Name}
 *                    {append, Name, Seq, [Op]}      a batch of changes
 *                    {store, Name, Seq, ListTerm}   a whole list (sent
 *                                                   by tests and
 *                                                   bench/worker-bench
 *                                                   only)
 *   worker -> list   {file, Size} +fd | {ok, FileBytes} |
 *                    {ok, ListTerm} | {ok, ListTerm | nil, [Op]} |
 *                    not_found |
 *                    {stored, Seq} | {error, Reason}
 *   cache  -> sup    {sync, Token}                  write every list file
 *                    {sync_new, Token}              ... of every new list
 *   sup    -> worker sync | sync_new;  worker -> sup  synced | sync_failed
 *   sup    -> cache  {synced, Token} | {sync_failed, Token}
 *                                                   (a worker started
 *                                                   again counts once it
 *                                                   is ready; failed if
 *                                                   {ready, behind})
 * Seen counts the handoffs a list server has received, so that the
 * cache can tell whether one is still on its way.
 */
#ifndef TODOD_PROC_H
#define TODOD_PROC_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "worker.h"

struct event_base;

#define PROC_MAX_WORKERS	64
/* A child's exit status for "do not start me again": the supervisor
 * stops the daemon instead (EX_CONFIG). */
#define PROC_EXIT_REFUSED	78
/* A worker's exit status when its final checkpoint left some lists'
 * changes in its journal (EX_TEMPFAIL): nothing is lost, the next start
 * replays them, but the stop was not clean and the daemon exits 1. */
#define PROC_EXIT_JOURNAL_KEPT	75
#define PROC_MAX_MSG		(512u * 1024 * 1024)	/* internal frames */
/* The largest list file a worker writes and reads back: one message,
 * less its frame.  --max-list-size keeps lists under it (options.h). */
#define PROC_MAX_LIST_FILE	(PROC_MAX_MSG - 64)

/* Counters every process can read: a MAP_SHARED page made before the
 * first fork.  Each field has one writer, but for the pids of the cache
 * and the workers, which the supervisor writes at the fork and the
 * child again as it starts (the same value). */
struct shared_stats {
	pid_t			supervisor;
	pid_t			cache;
	pid_t			spawner;
	time_t			started;
	uint64_t		restarts;	/* supervisor */
	uint64_t		spawns;		/* supervisor */
	int			nworkers;
	struct {
		pid_t			pid;
		struct worker_counters	c;	/* the worker */
		/* The supervisor: when the ping this worker has not
		 * answered for two ticks was sent (monotonic ms), or 0
		 * (stallwatch.h). */
		int64_t			stalled_since;
	}			workers[PROC_MAX_WORKERS];
};

extern struct shared_stats *proc_stats;

int	proc_stats_init(void);
/* Unmap the page (the spawner, once its pid is there: the processes it
 * forks, which serve clients, have no use for it), or keep it only to
 * read (the cache, once its pid is there). */
void	proc_stats_leave(void);
void	proc_stats_read_only(void);
/*
 * fork(); in the child keep[0..n) become descriptors 3..3+n, every other
 * descriptor above 2 is closed, the child dies with its parent, default
 * signal dispositions are restored but for SIGPIPE and the signals of
 * proc_group_sigs(), which are ignored (a signal to the whole process
 * group is the supervisor's to act on), no signal is blocked and the log
 * is reopened.
 * Returns as fork() does.
 * PROC_FORK_SIGNALS_CLEAN: the caller has changed no signal disposition
 * since its own proc_fork() (the spawner: it reads SIGCHLD from a
 * signalfd), so the child has these dispositions already and the reset
 * of each signal is skipped.
 */
#define PROC_FORK_SIGNALS_CLEAN	0x1
pid_t	proc_fork(const int *keep, int n, int flags);
/* The signals that the supervisor alone acts on, and that a signal to
 * the whole process group may bring: SIGHUP, SIGINT, SIGTERM (a stop or
 * a reopened log), SIGUSR1 and SIGUSR2 (ignored, with a line).  Blocked
 * until handled at start, ignored by every child. */
void	proc_group_sigs(sigset_t *);
/* A new event loop; libevent's environment variables are not read. */
struct event_base *proc_event_base(void);
/* Process title for ps(1): "todod: list bob". */
void	proc_title(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	proc_title_init(int argc, char *argv[], char *envp[]);

#endif /* TODOD_PROC_H */
