/*
 * spawner.c: the process that forks list servers.
 *
 * The supervisor forks the spawner first, while its own memory is small,
 * and asks it for every list server.  A fork copies the parent's table of
 * descriptors and its page tables, and a child closes every descriptor it
 * inherits: the supervisor holds a channel to every live list server and
 * grows with them, the spawner holds one descriptor and stays small.  And
 * the pages a list server shares with its parent stay shared only while
 * the parent does not write them: the supervisor writes its heap with
 * every message, the spawner hardly.
 *
 * List servers are the spawner's children (they die with it): it reaps
 * them and reports each exit to the supervisor, which supervises them as
 * before.
 *
 * One list server is forked ahead of need: the spare waits, blocked, for
 * its list's name and control channel, so that starting a list costs a
 * message rather than a fork; the next spare is forked once the answer
 * has gone.  Messages (proc.h):
 *
 *   sup     -> spawner {spawn, Name} +fd        fork a list server; fd is
 *                                               its control channel
 *   spawner -> sup     {spawned, Name, Pid} | {spawn_failed, Name}
 *                      {exited, Pid, Status}    reaped (waitpid status)
 *                      ready
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

static struct {
	const struct todod_config *cfg;
	struct chan		*sup;
	struct etf_buf		 msg;
	pid_t			 spare;		/* 0: none */
	int			 spare_fd;	/* its end of our socketpair */
} sp;

/*
 * The spare: wait for {name, control channel} (the name's bytes, the
 * descriptor with them), then become that list's server.  Anything else,
 * or the spawner gone, and it exits.
 */
static void __attribute__((noreturn))
sp_spare_main(void)
{
	uint8_t name[NAME_MAX_BYTES];
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct iovec iov = { name, sizeof(name) };
	struct msghdr m;
	struct cmsghdr *c;
	ssize_t n;
	int fd = -1;

	proc_title("todod: spare");
	listsrv_prepare();
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
	    !name_valid(name, (size_t)n))
		_exit(0);
	/* The control channel becomes descriptor 3, as for any child. */
	if (dup2(fd, 3) == -1)
		_exit(1);
	close(fd);
	listsrv_main(sp.cfg, name, (size_t)n);
}

/* Fork the next spare, if there is none. */
static void
sp_make_spare(void)
{
	int sv[2];
	pid_t pid;

	if (sp.spare != 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return;
	if ((pid = proc_fork(&sv[1], 1)) == 0)
		sp_spare_main();
	close(sv[1]);
	if (pid == -1) {
		log_warn("fork");
		close(sv[0]);
		return;
	}
	sp.spare = pid;
	sp.spare_fd = sv[0];
}

/* Give the spare its list: its pid, or -1 (then it is gone). */
static pid_t
sp_use_spare(const struct etf_term *name, int fd)
{
	pid_t pid = sp.spare;
	ssize_t n;

	if (pid == 0)
		return -1;
	do
		n = chan_sendmsg(sp.spare_fd, name->bin.p, name->bin.len, fd,
		    0);
	while (n == -1 && errno == EINTR);
	close(sp.spare_fd);
	sp.spare = 0;
	if (n != (ssize_t)name->bin.len) {
		/* Dead or dying: it is reaped (and reported) as any child. */
		kill(pid, SIGKILL);
		return -1;
	}
	return pid;
}

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
	pid_t pid;

	if (sp_fault_spawn())
		pid = -1;
	else if ((pid = sp_use_spare(name, fd)) == -1 &&
	    (pid = proc_fork(&fd, 1)) == 0)
		listsrv_main(sp.cfg, name->bin.p, name->bin.len);
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
	if (pid == sp.spare) {
		/* A spare killed while it waited: not a list. */
		close(sp.spare_fd);
		sp.spare = 0;
		sp_make_spare();
		return;
	}
	etf_buf_reset(&sp.msg);
	etf_put_version(&sp.msg);
	etf_put_tuple(&sp.msg, 3);
	etf_put_atom(&sp.msg, "exited");
	etf_put_int(&sp.msg, pid);
	etf_put_int(&sp.msg, status);
	chan_send(sp.sup, &sp.msg, -1);
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
	struct event *ev;
	sigset_t set;
	int sfd;

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
	if ((base = event_base_new()) == NULL ||
	    (sp.sup = chan_new(base, 3, PROC_MAX_MSG, sp_sup_msg,
	    sp_sup_closed, NULL)) == NULL ||
	    (ev = event_new(base, sfd, EV_READ | EV_PERSIST, sp_sigchld,
	    NULL)) == NULL || event_add(ev, NULL) == -1)
		fatalx("cannot start");
	sp_make_spare();
	etf_buf_reset(&sp.msg);
	etf_put_version(&sp.msg);
	etf_put_atom(&sp.msg, "ready");
	chan_send(sp.sup, &sp.msg, -1);
	event_base_dispatch(base);
	exit(0);
}
