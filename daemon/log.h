/*
 * log.h: logging in the manner of OpenBSD's log.c.
 *
 * Every line is prefixed with the process role ("worker[1]", "list[bob]").
 * In the foreground lines go to stderr, otherwise to syslog (LOG_DAEMON).
 * A stderr that is systemd's journal ($JOURNAL_STREAM) gets each line's
 * level first ("<4>"), for the journal to file it by priority.
 * log_warn and fatal append the errno text; the -x variants do not.
 */
#ifndef TODOD_LOG_H
#define TODOD_LOG_H

#include <stdarg.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO,
    LOG_LEVEL_DEBUG };

void	log_init(int foreground, enum log_level level);
/* Parse "error|warn|info|debug"; -1 if unknown. */
int	log_level_parse(const char *);
void	log_setrole(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	log_reopen(void);	/* SIGHUP: reopen syslog */
/* Logging to syslog: messages of level or more urgent go to stderr as
 * well, until a write there fails for want of a reader (earlylog.h). */
void	log_also_stderr(enum log_level level);
/* Logging to stderr while detaching (detach.h): once a write there fails
 * (the starting command and its reader gone), log to syslog instead, as
 * the daemon does once ready. */
void	log_stderr_detaching(void);
/* Whether lines go to syslog (1) or stderr (0). */
int	log_to_syslog(void);
/* Copy what the non-blocking descriptor fd holds, other processes'
 * lines, to standard error as it is; stops at the first failed write. */
void	log_relay(int fd);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif /* TODOD_LOG_H */
