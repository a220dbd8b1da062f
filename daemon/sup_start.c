/*
 * sup_start.c: the supervisor's start, before the first fork: leave the
 * terminal, lock and check the data directory, bind the socket, write
 * the pidfile and drop privileges; and a start that fails after the lock
 * undoes what it made.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "datadir.h"
#include "detach.h"
#include "earlylog.h"
#include "fdlimit.h"
#include "journal.h"
#include "listener.h"
#include "log.h"
#include "options.h"
#include "pidfile.h"
#include "privdrop.h"
#include "proc.h"
#include "store.h"
#include "store_fault.h"
#include "supervisor_int.h"
#include "ttyguard.h"

/* The signals of a stop, and those ignored with a word in the log
 * (sup_signal()), blocked from the start until handled. */
static sigset_t stop_sigs;

#ifdef TODOD_FAULTS
/*
 * Test-only: while the file named by TODOD_FAULT_START_PAUSE_FILE exists
 * (10 s at most), the start waits at the end of sup_prepare, its socket
 * bound and its stop signals blocked but not yet handled: a stop sent
 * then must wait for the handlers.
 */
static void
sup_fault_start_pause(void)
{
	int i;

	for (i = 0; i < 1000 &&
	    store_fault_file("TODOD_FAULT_START_PAUSE_FILE"); i++)
		usleep(10000);
}

/* Test-only: TODOD_FAULT_SYSLOG_PATH names the syslog socket looked for,
 * as on a machine without one (sup_warn_no_syslog()). */
static const char *
sup_syslog_path(void)
{
	const char *v = getenv("TODOD_FAULT_SYSLOG_PATH");

	return v != NULL && *v != '\0' ? v : _PATH_LOG;
}
#else
#define sup_fault_start_pause()	do { } while (0)
#define sup_syslog_path()	_PATH_LOG
#endif

/*
 * A start that fails once the data directory is locked: the socket and
 * the pidfile go, if made.  Before the first child is forked, so do the
 * lock file and the directories this start created (empty but for
 * them); a child, once forked, may have written there.  Then exit 1 with
 * the message.
 */
void
sup_start_failed(const struct todod_config *cfg, const char *fmt, ...)
{
	char msg[TODOD_PATH_MAX + 512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* The pidfile first, while the socket's lock is held (as at exit);
	 * only if this start wrote it: before, its path may be one the -u
	 * user could lead elsewhere (the start is refused for that). */
	if (sup.pidfile_made)
		(void)pidfile_unlink(cfg->pidfile);
	if (sup.spawner == NULL) {
		listener_abandon(&sup.listener);
		datadir_abandon(&sup.datadir);
	} else
		(void)listener_close(&sup.listener);
	fatalx("%s", msg);
}

/* Leave the terminal (unless -f), with a word about where messages go. */
static void
sup_prepare_detach(const struct todod_config *cfg)
{
	char err[TODOD_PATH_MAX + 512];

	if (cfg->foreground && cfg->user[0] != '\0')
		(void)ttyguard_start();
	if (cfg->foreground)
		return;
	if (detach_start(err, sizeof(err)) == -1)
		fatalx("%s", err);
	log_stderr_detaching();
	if (earlylog_open() == -1)
		log_warn("cannot make a pipe for the children's messages");
}

/* Said while the starting command still shows it, once the start has
 * taken the data directory and the socket: not before a start refused
 * for them, which would never log anywhere. */
static void
sup_warn_no_syslog(const struct todod_config *cfg)
{
	if (!cfg->foreground && access(sup_syslog_path(), F_OK) == -1)
		log_warnx("no syslog socket %s: once started, the daemon's "
		    "messages are lost (-f logs to standard error)",
		    sup_syslog_path());
}

/* Lock and open the data directory, and check what it holds. */
static void
sup_prepare_datadir(const struct todod_config *cfg,
    const struct privdrop_user *user)
{
	char err[TODOD_PATH_MAX + 512], journal[256];
	pid_t holder = 0;
	int found, rc;

	/* Its message names the holder, and says if it has exited (its
	 * children still hold the lock). */
	if ((rc = datadir_lock(&sup.datadir, cfg->data_dir,
	    cfg->user[0] != '\0' ? user->uid : (uid_t)-1, &holder, err,
	    sizeof(err))) == -1)
		fatalx("%s", err);
	if (rc == 1)
		log_warnx("%s: going on, locked", err);
	if (cfg->user[0] != '\0' && privdrop_made_ok(user,
	    sup.datadir.created, err, sizeof(err)) == -1)
		sup_start_failed(cfg, "%s", err);
	/* The directory checked and locked, not the path opened again:
	 * what is there now may be another (datadir.h).  Opened anew, not
	 * a dup: the cache inherits this one, and must not share the
	 * lock's open file. */
	if ((sup.dirfd = openat(sup.datadir.dirlockfd, ".", O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC)) == -1)
		sup_start_failed(cfg, "cannot open the data directory %s: %s",
		    cfg->data_dir, strerror(errno));
	if (store_cleanup_temps(sup.dirfd) == -1)
		sup_start_failed(cfg, "cannot clean the data directory %s: %s",
		    cfg->data_dir, strerror(errno));
	/* A crash of a daemon with more workers left this journal: none of
	 * these workers would replay it, and its lists would lose the
	 * changes it holds (and get them back over newer ones, were the
	 * count raised again). */
	if ((found = journal_beyond(sup.dirfd, cfg->workers,
	    PROC_MAX_MSG + 4096, journal, sizeof(journal))) == -1)
		sup_start_failed(cfg, "cannot read the data directory %s%s%s: "
		    "%s", cfg->data_dir, journal[0] != '\0' ? ": journal " :
		    "", journal, strerror(errno));
	if (found)
		sup_start_failed(cfg, "data directory %s holds %s, a journal "
		    "with changes of a worker that --workers %d does not "
		    "start: start todod with the --workers it was written "
		    "with, so that it is replayed, and stop todod before "
		    "changing --workers", cfg->data_dir, journal,
		    cfg->workers);
}

/* Bind the public socket. */
static void
sup_prepare_socket(const struct todod_config *cfg,
    const struct privdrop_user *user)
{
	char err[TODOD_PATH_MAX + 512];

	/* What the start made is changed by name below (its mode, then
	 * its owner): not below a directory of -u's user's. */
	if (listener_open(&sup.listener, cfg->socket_path, cfg->socket_mode,
	    cfg->user[0] != '\0' ? user->uid : (uid_t)-1, err,
	    sizeof(err)) == -1 ||
	    (cfg->user[0] != '\0' && privdrop_made_ok(user,
	    sup.listener.created, err, sizeof(err)) == -1) ||
	    listener_share_parents(&sup.listener, sup.datadir.created,
	    cfg->socket_mode, err, sizeof(err)) == -1)
		sup_start_failed(cfg, "%s", err);
}

/* Give -u's user what the daemon made as root, check what it may do,
 * and become it. */
static void
sup_prepare_privs(const struct todod_config *cfg,
    struct privdrop_user *user)
{
	char err[TODOD_PATH_MAX + 512];
	int rc;

	if (cfg->user[0] != '\0' && privdrop_give(user, &sup.datadir,
	    &sup.listener, err, sizeof(err)) == -1)
		sup_start_failed(cfg, "%s", err);
	/* A pidfile that the user could replace would let it choose the
	 * process that root's scripts signal. */
	if (cfg->user[0] != '\0' && cfg->pidfile[0] != '\0' &&
	    (rc = privdrop_may_replace(user, cfg->pidfile, err,
	    sizeof(err))) != 0) {
		if (rc == -1)
			sup_start_failed(cfg, "%s", err);
		sup_start_failed(cfg, "pidfile %s: user %s could replace it: "
		    "give -p a path in a directory that only root may write, "
		    "or -p '' for none", cfg->pidfile, cfg->user);
	}
	/* Written once the socket is bound and the path checked (root
	 * writes nothing where -u's user could lead it), before privileges
	 * go. */
	if (cfg->pidfile[0] != '\0') {
		if (pidfile_create(cfg->pidfile, cfg->user[0] != '\0' ?
		    user->uid : (uid_t)-1, err, sizeof(err)) == -1)
			sup_start_failed(cfg, "%s", err); /* not ours: left */
		sup.pidfile_made = 1;
	}
	/* Else every worker would fail to start its journal, and be
	 * started again, until the restart limit.  Checked for -u's user
	 * while root may still remove what this start made. */
	rc = cfg->user[0] != '\0' ? privdrop_can_write(user, sup.dirfd, err,
	    sizeof(err)) : faccessat(sup.dirfd, ".", W_OK | X_OK,
	    AT_EACCESS) == 0;
	if (rc == -1)
		sup_start_failed(cfg, "%s", err);
	if (rc == 0)
		sup_start_failed(cfg, "data directory %s is not writable%s%s: "
		    "%s", cfg->data_dir, cfg->user[0] != '\0' ? " by user " :
		    "", cfg->user, strerror(errno));
	if (cfg->user[0] != '\0' && privdrop_drop(user, err,
	    sizeof(err)) == -1)
		sup_start_failed(cfg, "%s", err);
}

void
sup_prepare(const struct todod_config *cfg, struct privdrop_user *user)
{
	char err[TODOD_PATH_MAX + 512];

	if (cfg->user[0] != '\0' &&
	    privdrop_lookup(user, cfg->user, err, sizeof(err)) == -1)
		fatalx("%s", err);
	sup_prepare_detach(cfg);
	/* A stop asked before its handlers are in place (supervisor_run)
	 * waits for them (sup_stops_unblock()), rather than kill the
	 * supervisor with its socket bound and its pidfile written. */
	proc_group_sigs(&stop_sigs);
	(void)sigprocmask(SIG_BLOCK, &stop_sigs, NULL);
	sup_prepare_datadir(cfg, user);
	sup_prepare_socket(cfg, user);
	sup_prepare_privs(cfg, user);
	sup_warn_no_syslog(cfg);
	(void)fdlimit_raise();
	sup_fault_start_pause();
}

void
sup_stops_unblock(void)
{
	(void)sigprocmask(SIG_UNBLOCK, &stop_sigs, NULL);
}
