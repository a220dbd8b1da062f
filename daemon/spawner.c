/*
 * spawner.c: the process that forks list servers, and takes them back.
 *
 * The supervisor forks the spawner first, while its own memory is small.
 * A fork copies the parent's table of descriptors and its page tables,
 * and a child closes every descriptor it inherits: the supervisor holds
 * a channel to every live list server and grows with them, the spawner
 * holds a few descriptors and stays small.  And the pages a list server
 * shares with its parent stay shared only while the parent does not
 * write them: the supervisor writes its heap with every message, the
 * spawner hardly.
 *
 * List servers are the spawner's children (they die with it): it reaps
 * them and reports each exit to the supervisor, which supervises them as
 * before.
 *
 * A list is started by a process that is ready for it, not by a fork: a
 * spare, blocked, waits for its list's name and control channel.  The
 * spawner hands each spare to the supervisor, {spare, Pid} +fd (the
 * spare's channel), and the supervisor gives it a list itself when the
 * cache asks for one: the spawner is not on a list's path.  Spares come
 * from two places:
 *
 *   - a list server the cache stopped (an idle timeout, or --max-lists)
 *     does not exit: once every change is durable it releases its list
 *     (listsrv_main() returns), and offers itself back over a socket all
 *     the spawner's children share (their descriptor 4): "free", with a
 *     new channel to wait on.  The kernel names the sender (SO_PASSCRED).
 *     If it is a live child, the spawner reports its list's end to the
 *     supervisor as an exit, {exited, Pid, 0}, as it would a real one
 *     (for the supervisor one list server ended and another may start
 *     with the same pid), and hands it over as a spare.  The supervisor
 *     keeps a few (SUP_SPARES_MAX) and closes the channel of any other,
 *     and that process exits.
 *   - the supervisor asks for one (need) when it holds none: one is
 *     forked, or the answer is no_spare if none can be.
 *
 * So at --max-lists, every new list takes the process of one evicted
 * before it: no fork, no exit, no page of a new process to fault in.
 *
 * Messages (proc.h):
 *
 *   sup     -> spawner need                     fork a spare
 *   spawner -> sup     {spare, Pid} +fd | no_spare
 *                      {exited, Pid, Status}    reaped (waitpid status),
 *                                               or released (0)
 *                      ready
 *   child   -> spawner "free" +fd               (the shared socket)
 *   sup     -> spare   Name +fd                 (the spare's channel;
 *                                               supervisor.c)
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

#define SP_FREE_FD	4	/* a child's end of the shared socket */

static struct {
	const struct todod_config *cfg;
	struct chan		*sup;
	struct etf_buf		 msg;
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
 * A child's life: wait for a list, serve it, and each time the cache
 * stops it, offer itself for the next.  Exits when it is not wanted.
 */
static void __attribute__((noreturn))
sp_child_main(void)
{
	uint8_t name[NAME_MAX_BYTES];
	size_t len;

	for (;;) {
		/* Ready before the name comes: a list's start does not
		 * wait for its event loop. */
		log_setrole("spare");
		listsrv_prepare();
		if (sp_wait_list(name, &len) == -1)
			_exit(0);
		listsrv_main(sp.cfg, name, len);
		/* Not "list NAME" from now on: a new server for that list
		 * may start as soon as the spawner has this offer. */
		proc_title("todod: spare");
		if (sp_offer() == -1)
			_exit(0);
	}
}

/* --- the spares ---------------------------------------------------------- */

/* Hand a spare to the supervisor: {spare, Pid} +fd, its channel. */
static void
sp_give(pid_t pid, int fd)
{
	etf_buf_reset(&sp.msg);
	etf_put_version(&sp.msg);
	etf_put_tuple(&sp.msg, 2);
	etf_put_atom(&sp.msg, "spare");
	etf_put_int(&sp.msg, pid);
	chan_send(sp.sup, &sp.msg, fd);		/* closes fd */
}

#ifdef TODOD_FAULTS
/* Test-only: every fork of a spare fails, as a fork would, while the
 * file named by TODOD_FAULT_FORK_FILE exists. */
static int
sp_fault_fork(void)
{
	const char *f = getenv("TODOD_FAULT_FORK_FILE");

	if (f == NULL || *f == '\0' || access(f, F_OK) == -1)
		return 0;
	errno = EAGAIN;
	return 1;
}
#else
#define sp_fault_fork()	0
#endif

/* Fork a spare for the supervisor; no_spare if none can be. */
static void
sp_make_spare(void)
{
	int sv[2], keep[2];
	pid_t pid = -1;

	if (sp_fault_fork())
		log_warn("fork");
	else if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
	    sv) == -1)
		log_warn("socketpair");
	else {
		keep[0] = sv[1];
		keep[1] = sp.free_wr;
		if ((pid = proc_fork(keep, 2, PROC_FORK_SIGNALS_CLEAN)) == 0) {
			proc_title("todod: spare");
			sp_child_main();
		}
		close(sv[1]);
		if (pid == -1) {
			log_warn("fork");
			close(sv[0]);
		} else
			sp_give(pid, sv[0]);
	}
	if (pid == -1) {
		etf_buf_reset(&sp.msg);
		etf_put_version(&sp.msg);
		etf_put_atom(&sp.msg, "no_spare");
		chan_send(sp.sup, &sp.msg, -1);
	}
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
 * A child offers itself: if it is a live child of ours, report its
 * list's end and hand it to the supervisor.  Otherwise its channel
 * closes, it exits, and its reaping is reported.
 */
static void
sp_take_back(pid_t pid, int fd)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == -1 ||
	    si.si_pid != 0) {
		close(fd);
		return;
	}
	sp_report_exit(pid, 0);
	sp_give(pid, fd);
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

/* --- asking and reaping ---------------------------------------------- */

static void
sp_sup_msg(struct chan *c, const struct etf_term *t, int fd, void *arg)
{
	if (fd == -1 && etf_is_atom(t, "need")) {
		sp_make_spare();
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
			sp_report_exit((pid_t)si.ssi_pid, status);
	}
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		sp_report_exit(pid, status);
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
