/*
 * spawner.c: the process that forks list servers, and takes them back.
 *
 * The supervisor forks the spawner first, while its own memory is small,
 * and asks it for every list server.  A fork copies the parent's table of
 * descriptors and its page tables, and a child closes every descriptor it
 * inherits: the supervisor holds a channel to every live list server and
 * grows with them, the spawner holds a few descriptors and stays small.
 * And the pages a list server shares with its parent stay shared only
 * while the parent does not write them: the supervisor writes its heap
 * with every message, the spawner hardly.
 *
 * List servers are the spawner's children (they die with it): it reaps
 * them and reports each exit to the supervisor, which supervises them as
 * before.
 *
 * A list is started by a process that is ready for it, not by a fork: a
 * spare, blocked, waits for its list's name and control channel.  Spares
 * come from two places:
 *
 *   - a list server the cache stopped (an idle timeout, or --max-lists)
 *     does not exit: once every change is durable it releases its list
 *     (listsrv_main() returns), and offers itself back over a socket all
 *     the spawner's children share (their descriptor 4): "free", with a
 *     new channel to wait on.  The kernel names the sender (SO_PASSCRED).
 *     The spawner keeps it if it is a live child and fewer than
 *     SP_POOL_MAX wait, and reports its list's end to the supervisor as
 *     an exit, {exited, Pid, 0}, as it would a real one: for the
 *     supervisor one list server ended and another may start with the
 *     same pid.  Otherwise it closes the channel and the process exits.
 *   - when none waits, one is forked, once the answer to the spawn has
 *     gone.
 *
 * So at --max-lists, every new list takes the process of the one it
 * evicted: no fork, no exit, no page of a new process to fault in.
 *
 * Messages (proc.h):
 *
 *   sup     -> spawner {spawn, Name} +fd        start a list server; fd is
 *                                               its control channel
 *   spawner -> sup     {spawned, Name, Pid} | {spawn_failed, Name}
 *                      {exited, Pid, Status}    reaped (waitpid status),
 *                                               or released (0)
 *                      ready
 *   child   -> spawner "free" +fd               (the shared socket)
 *   spawner -> spare   Name +fd                 (the spare's channel)
 */
#include "config.h"

#include <sys/types.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "chan.h"
#include "etf.h"
#include "listsrv.h"
#include "log.h"
#include "names.h"
#include "options.h"
#include "proc.h"
#include "spawner.h"

#define SP_POOL_MAX	4	/* spares that wait, at most */
#define SP_FREE_FD	4	/* a child's end of the shared socket */

struct spare {
	pid_t	 pid;
	int	 fd;		/* our end of its channel */
};

static struct {
	const struct todod_config *cfg;
	struct chan		*sup;
	struct etf_buf		 msg;
	struct spare		 pool[SP_POOL_MAX];	/* the last is used first */
	int			 npool;
	int			 free_rd;	/* the shared socket: our end */
	int			 free_wr;	/* ... the children's */
} sp;

/* --- in a child ------------------------------------------------------- */

/*
 * The spare's wait for its list: the name's bytes, the control channel
 * with them, which becomes descriptor 3 as for any child.  0, or -1 for
 * anything else or the spawner gone.
 */
static int
sp_wait_list(uint8_t *name, size_t *len)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct iovec iov = { name, NAME_MAX_BYTES };
	struct msghdr m;
	struct cmsghdr *c;
	ssize_t n;
	int fd = -1;

	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf.buf;
	m.msg_controllen = sizeof(cbuf.buf);
	do
		n = recvmsg(3, &m, MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	if ((c = CMSG_FIRSTHDR(&m)) != NULL && c->cmsg_level == SOL_SOCKET &&
	    c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (n <= 0 || fd == -1 || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    !name_valid(name, (size_t)n) || dup2(fd, 3) == -1)
		return -1;
	close(fd);
	*len = (size_t)n;
	return 0;
}

/*
 * Offer this process for another list: "free" goes to the spawner over
 * the shared socket with one end of a new channel; the other becomes
 * descriptor 3, to wait on.  0, or -1.
 */
static int
sp_offer(void)
{
	int sv[2];
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	do
		n = chan_sendmsg(SP_FREE_FD, "free", 4, sv[0], 0);
	while (n == -1 && errno == EINTR);
	close(sv[0]);
	if (sv[1] != 3) {
		if (dup2(sv[1], 3) == -1)
			n = -1;
		close(sv[1]);
	}
	return n == 4 ? 0 : -1;
}

/*
 * A child's life: serve the list named (NULL: wait for one first), then,
 * each time the cache stops it, offer itself for the next.  Exits when
 * the spawner does not want it.
 */
static void __attribute__((noreturn))
sp_child_main(const void *first, size_t len)
{
	uint8_t name[NAME_MAX_BYTES];

	if (first != NULL)
		memcpy(name, first, len);
	for (;;) {
		if (first == NULL) {
			/* Ready before the name comes: a list's start
			 * does not wait for its event loop. */
			log_setrole("spare");
			listsrv_prepare();
			if (sp_wait_list(name, &len) == -1)
				_exit(0);
		}
		listsrv_main(sp.cfg, name, len);
		first = NULL;
		/* Not "list NAME" from now on: a new server for that list
		 * may start as soon as the spawner has this offer. */
		proc_title("todod: spare");
		if (sp_offer() == -1)
			_exit(0);
	}
}

/* --- the spares ---------------------------------------------------------- */

/* Fork a spare, if none waits. */
static void
sp_make_spare(void)
{
	int sv[2], keep[2];
	pid_t pid;

	if (sp.npool > 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return;
	keep[0] = sv[1];
	keep[1] = sp.free_wr;
	if ((pid = proc_fork(keep, 2, PROC_FORK_SIGNALS_CLEAN)) == 0) {
		proc_title("todod: spare");
		sp_child_main(NULL, 0);
	}
	close(sv[1]);
	if (pid == -1) {
		log_warn("fork");
		close(sv[0]);
		return;
	}
	sp.pool[sp.npool].pid = pid;
	sp.pool[sp.npool++].fd = sv[0];
}

/* Give a waiting spare its list: its pid, or -1 if none took it. */
static pid_t
sp_use_spare(const struct etf_term *name, int fd)
{
	struct spare s;
	ssize_t n;

	while (sp.npool > 0) {
		s = sp.pool[--sp.npool];
		do
			n = chan_sendmsg(s.fd, name->bin.p, name->bin.len, fd,
			    0);
		while (n == -1 && errno == EINTR);
		close(s.fd);
		if (n == (ssize_t)name->bin.len)
			return s.pid;
		/* Dead or dying: reaped (and reported, unknown to the
		 * supervisor) as any child. */
		kill(s.pid, SIGKILL);
	}
	return -1;
}

/* {exited, Pid, Status}: a list server's end, reaped (waitpid status) or
 * released (0). */
static void
sp_report_exit(pid_t pid, int status)
{
	etf_buf_reset(&sp.msg);
	etf_put_version(&sp.msg);
	etf_put_tuple(&sp.msg, 3);
	etf_put_atom(&sp.msg, "exited");
	etf_put_int(&sp.msg, pid);
	etf_put_int(&sp.msg, status);
	chan_send(sp.sup, &sp.msg, -1);
}

/*
 * A child offers itself: keep it if it is a live child of ours and there
 * is room, and report its list's end.  Otherwise its channel closes, it
 * exits, and its reaping is reported.
 */
static void
sp_take_back(pid_t pid, int fd)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (sp.npool == SP_POOL_MAX ||
	    waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == -1 ||
	    si.si_pid != 0) {
		close(fd);
		return;
	}
	sp.pool[sp.npool].pid = pid;
	sp.pool[sp.npool++].fd = fd;
	sp_report_exit(pid, 0);
}

/* The shared socket: "free" + a descriptor, the sender named by the
 * kernel.  Anything else is dropped. */
static void
sp_free_msg(evutil_socket_t s, short ev, void *arg)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int)) +
				    CMSG_SPACE(sizeof(struct ucred))];
	} cbuf;
	char word[8];
	struct iovec iov = { word, sizeof(word) };
	struct msghdr m;
	struct cmsghdr *c;
	struct ucred cred;
	ssize_t n;
	pid_t pid;
	int fd;

	for (;;) {
		memset(&m, 0, sizeof(m));
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = cbuf.buf;
		m.msg_controllen = sizeof(cbuf.buf);
		n = recvmsg(s, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return;
		fd = -1;
		pid = 0;
		for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
			if (c->cmsg_level != SOL_SOCKET)
				continue;
			if (c->cmsg_type == SCM_RIGHTS && fd == -1 &&
			    c->cmsg_len == CMSG_LEN(sizeof(int)))
				memcpy(&fd, CMSG_DATA(c), sizeof(int));
			else if (c->cmsg_type == SCM_CREDENTIALS &&
			    c->cmsg_len == CMSG_LEN(sizeof(cred))) {
				memcpy(&cred, CMSG_DATA(c), sizeof(cred));
				pid = cred.pid;
			}
		}
		if (n == 4 && memcmp(word, "free", 4) == 0 && fd != -1 &&
		    pid > 0 && !(m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
			sp_take_back(pid, fd);
		else {
			log_warnx("bad offer on the spares' socket");
			if (fd != -1)
				close(fd);
		}
	}
}

/* --- spawning and reaping --------------------------------------------- */

#ifdef TODOD_FAULTS
/* Test-only: every spawn fails, as a fork would, while the file named by
 * TODOD_FAULT_SPAWN_FILE exists. */
static int
sp_fault_spawn(void)
{
	const char *f = getenv("TODOD_FAULT_SPAWN_FILE");

	if (f == NULL || *f == '\0' || access(f, F_OK) == -1)
		return 0;
	errno = EAGAIN;
	return 1;
}
#else
#define sp_fault_spawn()	0
#endif

static void
sp_spawn(const struct etf_term *name, int fd)
{
	int keep[2] = { fd, sp.free_wr };
	pid_t pid;

	if (sp_fault_spawn())
		pid = -1;
	else if ((pid = sp_use_spare(name, fd)) == -1 &&
	    (pid = proc_fork(keep, 2, PROC_FORK_SIGNALS_CLEAN)) == 0)
		sp_child_main(name->bin.p, name->bin.len);
	if (pid == -1)
		log_warn("fork");
	close(fd);
	etf_buf_reset(&sp.msg);
	etf_put_version(&sp.msg);
	if (pid == -1) {
		etf_put_tuple(&sp.msg, 2);
		etf_put_atom(&sp.msg, "spawn_failed");
		etf_put_binary(&sp.msg, name->bin.p, name->bin.len);
	} else {
		etf_put_tuple(&sp.msg, 3);
		etf_put_atom(&sp.msg, "spawned");
		etf_put_binary(&sp.msg, name->bin.p, name->bin.len);
		etf_put_int(&sp.msg, pid);
	}
	chan_send(sp.sup, &sp.msg, -1);
	/* The answer first; the next spare then, off the list's path. */
	chan_flush(sp.sup);
	sp_make_spare();
}

static void
sp_sup_msg(struct chan *c, const struct etf_term *t, int fd, void *arg)
{
	const struct etf_term *v = t->type == ETF_TUPLE ? t->seq.v : NULL;

	if (etf_is_tuple(t, 2) && etf_is_atom(&v[0], "spawn") && fd != -1 &&
	    v[1].type == ETF_BINARY && name_valid(v[1].bin.p, v[1].bin.len)) {
		sp_spawn(&v[1], fd);
		return;
	}
	fatalx("unexpected message from the supervisor");
}

static void
sp_sup_closed(struct chan *c, void *arg)
{
	/* Shutdown (every list server is gone), or the supervisor is. */
	exit(0);
}

/* A child reaped: a spare is replaced, a list server's exit reported. */
static void
sp_reaped(pid_t pid, int status)
{
	int i;

	for (i = 0; i < sp.npool; i++)
		if (sp.pool[i].pid == pid) {
			/* A spare killed while it waited: not a list. */
			close(sp.pool[i].fd);
			sp.pool[i] = sp.pool[--sp.npool];
			sp_make_spare();
			return;
		}
	sp_report_exit(pid, status);
}

/*
 * SIGCHLD, read from a signalfd: a libevent signal event would clash
 * with the supervisor's, whose base this process inherited.
 *
 * A wait for any child walks the list of every child, and the spawner
 * has as many as list servers run: the child the signal names is reaped
 * by its pid first, and one walk then finds any other (exits that came
 * together make one signal).
 */
static void
sp_sigchld(evutil_socket_t sfd, short ev, void *arg)
{
	struct signalfd_siginfo si;
	ssize_t n;
	pid_t pid;
	int status;

	for (;;) {
		n = read(sfd, &si, sizeof(si));
		if (n == -1 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si))
			break;
		if (si.ssi_pid > 0 &&
		    waitpid((pid_t)si.ssi_pid, &status, WNOHANG) > 0)
			sp_reaped((pid_t)si.ssi_pid, status);
	}
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		sp_reaped(pid, status);
}

void
spawner_main(const struct todod_config *cfg)
{
	struct event_base *base;
	struct event *ev, *fev;
	sigset_t set;
	int sfd, sv[2], on = 1;

	log_setrole("spawner");
	proc_title("todod: spawner");
	sp.cfg = cfg;
	proc_stats->spawner = getpid();
	etf_buf_init(&sp.msg);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	/* The children's offers: the kernel names each sender. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1 ||
	    setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) == -1)
		fatal("socketpair");
	sp.free_rd = sv[0];
	sp.free_wr = sv[1];
	if ((base = proc_event_base()) == NULL ||
	    (sp.sup = chan_new(base, 3, PROC_MAX_MSG, sp_sup_msg,
	    sp_sup_closed, NULL)) == NULL ||
	    (ev = event_new(base, sfd, EV_READ | EV_PERSIST, sp_sigchld,
	    NULL)) == NULL || event_add(ev, NULL) == -1 ||
	    (fev = event_new(base, sp.free_rd, EV_READ | EV_PERSIST,
	    sp_free_msg, NULL)) == NULL || event_add(fev, NULL) == -1)
		fatalx("cannot start");
	sp_make_spare();
	etf_buf_reset(&sp.msg);
	etf_put_version(&sp.msg);
	etf_put_atom(&sp.msg, "ready");
	chan_send(sp.sup, &sp.msg, -1);
	event_base_dispatch(base);
	exit(0);
}
