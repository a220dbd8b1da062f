/* proc.c: forking children, their descriptors, shared counters. */
#include "config.h"

#include <sys/mman.h>
#include <sys/prctl.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "proc.h"

struct shared_stats *proc_stats;

int
proc_stats_init(void)
{
	void *p;

	p = mmap(NULL, sizeof(struct shared_stats), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	proc_stats = p;
	return 0;
}

void
proc_stats_leave(void)
{
	if (proc_stats != NULL &&
	    munmap(proc_stats, sizeof(struct shared_stats)) == -1)
		fatal("munmap");
	proc_stats = NULL;
}

void
proc_stats_read_only(void)
{
	if (mprotect(proc_stats, sizeof(struct shared_stats), PROT_READ) ==
	    -1)
		fatal("mprotect");
}

static void
proc_child_fds(const int *keep, int n)
{
	int tmp[16], i;

	if (n > 16)
		fatalx("too many descriptors for a child");
	/* Copy each out of the way first, so that no target clobbers a
	 * source: to the lowest free descriptor above the targets, which is
	 * neither a target nor a source (a source is not free).  A fixed
	 * high base would fail under a low descriptor limit. */
	for (i = 0; i < n; i++)
		if ((tmp[i] = fcntl(keep[i], F_DUPFD, 3 + n)) == -1)
			fatal("fcntl");
	for (i = 0; i < n; i++)
		if (dup2(tmp[i], 3 + i) == -1)
			fatal("dup2");
	if (close_range(3 + (unsigned)n, ~0U, 0) == -1)
		fatal("close_range");
}

void
proc_group_sigs(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGUSR2);
}

pid_t
proc_fork(const int *keep, int n, int flags)
{
	struct sigaction sa;
	sigset_t mask, stop, old;
	pid_t parent = getpid(), pid;
	int sig;

	/* The group's signals, blocked until the child ignores them:
	 * until then its handlers are the parent's (a parent whose
	 * signals are clean has none). */
	proc_group_sigs(&stop);
	if (!(flags & PROC_FORK_SIGNALS_CLEAN))
		(void)sigprocmask(SIG_BLOCK, &stop, &old);
	if ((pid = fork()) != 0) {
		if (!(flags & PROC_FORK_SIGNALS_CLEAN))
			(void)sigprocmask(SIG_SETMASK, &old, NULL);
		return pid;
	}

	closelog();
	proc_child_fds(keep, n);
	log_reopen();
	if (!(flags & PROC_FORK_SIGNALS_CLEAN)) {
		/* One call per signal: some sixty system calls. */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		for (sig = 1; sig < NSIG; sig++)
			if (sig != SIGKILL && sig != SIGSTOP)
				(void)sigaction(sig, &sa, NULL);
		/* A signal to the whole process group (a terminal's
		 * Ctrl-C or hangup, kill -- -PGID, pkill todod) is the
		 * supervisor's to act on: it stops its children in order,
		 * or ignores it (SIGUSR1, SIGUSR2).  The spawner's children
		 * inherit these. */
		sa.sa_handler = SIG_IGN;
		(void)sigaction(SIGPIPE, &sa, NULL);
		for (sig = 1; sig < NSIG; sig++)
			if (sigismember(&stop, sig) == 1)
				(void)sigaction(sig, &sa, NULL);
	}
	sigemptyset(&mask);
	(void)sigprocmask(SIG_SETMASK, &mask, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		fatal("prctl");
	if (getppid() != parent)
		_exit(0);	/* the parent is already gone */
	return 0;
}

struct event_base *
proc_event_base(void)
{
	struct event_config *cfg;
	struct event_base *base;

	if ((cfg = event_config_new()) == NULL)
		return NULL;
	/* libevent would read its EVENT_* variables, asking getuid(),
	 * geteuid(), getgid() and getegid() before each: a dozen system
	 * calls in every new process. */
	(void)event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

static char	**title_argv;
static size_t	  title_room;

/* Overwrite argv's memory (and the environment's, moved first) so that
 * ps(1) shows the role. */
void
proc_title_init(int argc, char *argv[], char *envp[])
{
	extern char **environ;
	char *end, **newenv;
	int i, n;

	if (argc < 1)
		return;
	end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
	for (n = 0; envp[n] != NULL; n++)
		if (envp[n] == end)
			end += strlen(envp[n]) + 1;
	if ((newenv = calloc((size_t)n + 1, sizeof(char *))) == NULL)
		return;
	for (i = 0; i < n; i++)
		if ((newenv[i] = strdup(envp[i])) == NULL) {
			/* No title then: the environment stays where it is. */
			while (i > 0)
				free(newenv[--i]);
			free(newenv);
			return;
		}
	environ = newenv;
	title_argv = argv;
	title_room = (size_t)(end - argv[0]);
	for (i = 1; i < argc; i++)
		argv[i] = NULL;
}

/* The thread name (top(1), perf(1), /proc/PID/comm): "todod: list x"
 * becomes "todod-list", the role without its argument, within the 15
 * bytes the kernel keeps. */
static void
proc_comm(const char *title)
{
	char comm[16];
	size_t i;

	for (i = 0; i < sizeof(comm) - 1 && title[i] != '\0'; i++) {
		if (title[i] == ':') {
			if (title[i + 1] != ' ')
				break;
			comm[i] = '-';
			title++;	/* skip the space after the colon */
			continue;
		}
		if (title[i] == ' ')
			break;
		comm[i] = title[i];
	}
	comm[i] = '\0';
	(void)prctl(PR_SET_NAME, comm, 0, 0, 0);
}

void
proc_title(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	proc_comm(buf);
	if (title_argv == NULL || title_room < 2)
		return;
	memset(title_argv[0], 0, title_room);
	snprintf(title_argv[0], title_room, "%s", buf);
}
