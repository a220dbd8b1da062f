/* store_fault.c: test-only faults of the store and the journal
 * (store_fault.h). */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store_fault.h"

#ifdef TODOD_FAULTS
static struct {
	int		 kind;		/* 0, a STORE_FAULT_*, or -errno */
	unsigned long	 at;		/* crash at the at-th point */
	unsigned long	 count;
	char		*file;
	bool		 once;		/* disarm (remove file) on a crash */
} store_fault;

void
store_fault_init(void)
{
	static const struct { const char *name; int kind; } kinds[] = {
		{ "crash-after-write", STORE_FAULT_WRITE },
		{ "crash-after-fsync", STORE_FAULT_FSYNC },
		{ "crash-after-rename", STORE_FAULT_RENAME },
		{ "enospc", -ENOSPC }, { "eio", -EIO }, { "eacces", -EACCES },
		{ "erofs", -EROFS }, { "eio-nocut", STORE_FAULT_NOCUT },
		{ "eio-sync", STORE_FAULT_SYNC_EIO },
	};
	const char *v, *f;
	char *end;
	size_t i, n;

	free(store_fault.file);
	memset(&store_fault, 0, sizeof(store_fault));
	if ((v = getenv("TODOD_FAULT")) == NULL || *v == '\0')
		return;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		n = strlen(kinds[i].name);
		if (strncmp(v, kinds[i].name, n) != 0 ||
		    (v[n] != '\0' && v[n] != ':'))
			continue;
		store_fault.kind = kinds[i].kind;
		store_fault.at = 1;
		if (v[n] == ':') {
			store_fault.at = strtoul(v + n + 1, &end, 10);
			if (*end != '\0' || store_fault.at == 0)
				store_fault.at = 1;
		}
	}
	if (store_fault.kind == 0)
		log_warnx("unknown TODOD_FAULT \"%s\" ignored", v);
	else
		log_info("fault injection: %s", v);
	if ((f = getenv("TODOD_FAULT_FILE")) != NULL && *f != '\0')
		store_fault.file = strdup(f);
	store_fault.once = (f = getenv("TODOD_FAULT_ONCE")) != NULL &&
	    strcmp(f, "1") == 0;
}

static bool
store_fault_armed(int kind)
{
	if (store_fault.kind == 0 || store_fault.kind != kind)
		return false;
	return store_fault.file == NULL || access(store_fault.file, F_OK) == 0;
}

void
store_fault_point(int point)
{
	if (!store_fault_armed(point))
		return;
	if (++store_fault.count >= store_fault.at) {
		log_warnx("fault injection: killed at point %d", point);
		if (store_fault.once && store_fault.file != NULL)
			(void)unlink(store_fault.file);
		raise(SIGKILL);
	}
}

int
store_fault_errno(bool creating)
{
	if (creating)
		return store_fault_armed(-EACCES) ? EACCES : 0;
	if (store_fault_armed(-ENOSPC))
		return ENOSPC;
	if (store_fault_armed(-EIO) || store_fault_armed(STORE_FAULT_NOCUT))
		return EIO;
	if (store_fault_armed(-EROFS))
		return EROFS;
	return 0;
}

int
store_fault_errno_write(void)
{
	return store_fault_errno(false);
}

bool
store_fault_nocut(void)
{
	return store_fault_armed(STORE_FAULT_NOCUT);
}

bool
store_fault_sync_fails(void)
{
	return store_fault_armed(STORE_FAULT_SYNC_EIO) &&
	    ++store_fault.count == store_fault.at;
}

void
store_fault_sleep(const char *var)
{
	const char *v = getenv(var);
	struct timespec ts;
	unsigned long ms;

	if (v == NULL || (ms = strtoul(v, NULL, 10)) == 0)
		return;
	if (ms > 60000)
		ms = 60000;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

bool
store_fault_file(const char *var)
{
	const char *f = getenv(var);

	return f != NULL && *f != '\0' && access(f, F_OK) == 0;
}

void
store_fault_hold(const char *var)
{
	const struct timespec ts = { 0, 2 * 1000 * 1000 };
	int waited;

	for (waited = 0; waited < 60000 && store_fault_file(var); waited += 2)
		(void)nanosleep(&ts, NULL);
}

/*
 * The caller waits in uninterruptible sleep, as on a slow disk: a child
 * made by vfork(2) shares its memory, and the parent sleeps in the kernel
 * ('D' in /proc/PID/stat) until the child exits.  The child only polls
 * the file with system calls and leaves by _exit, as a vfork child may.
 */
void
store_fault_hold_in_kernel(const char *var)
{
	const struct timespec ts = { 0, 2 * 1000 * 1000 };
	const char *f = getenv(var);
	pid_t pid;
	int waited;

	if (!store_fault_file(var))
		return;
	if ((pid = vfork()) == 0) {
		for (waited = 0; waited < 60000 && access(f, F_OK) == 0;
		    waited += 2)
			(void)nanosleep(&ts, NULL);
		_exit(0);
	}
	if (pid == -1) {
		log_warn("fault: vfork");
		return;
	}
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
}

/* Test-only: what the system answers to unnamed files (0: the truth). */
static int store_fault_tmpfile, store_fault_link[2];

void
store_fault_unnamed(int tmpfile_err, int empty_path_err, int proc_err)
{
	store_fault_tmpfile = tmpfile_err;
	store_fault_link[0] = empty_path_err;
	store_fault_link[1] = proc_err;
}

int
store_fault_unnamed_errno(int which)
{
	return which == -1 ? store_fault_tmpfile : store_fault_link[which];
}
#else
void
store_fault_init(void)
{
}

void
store_fault_point(int point)
{
}

int
store_fault_errno(bool creating)
{
	return 0;
}

int
store_fault_errno_write(void)
{
	return 0;
}

bool
store_fault_nocut(void)
{
	return false;
}

bool
store_fault_sync_fails(void)
{
	return false;
}

void
store_fault_unnamed(int tmpfile_err, int empty_path_err, int proc_err)
{
}

void
store_fault_sleep(const char *var)
{
}

bool
store_fault_file(const char *var)
{
	return false;
}

void
store_fault_hold(const char *var)
{
}

void
store_fault_hold_in_kernel(const char *var)
{
}

int
store_fault_unnamed_errno(int which)
{
	return 0;
}
#endif /* TODOD_FAULTS */
