/* log.c: role-prefixed logging to stderr or syslog. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int		log_foreground = 1;
static int		log_journal;	/* stderr is systemd's journal */
static enum log_level	log_lvl = LOG_LEVEL_INFO;
static int		log_also = -1;	/* also to stderr up to: -1 none */
static int		log_detaching;	/* stderr is the starting command's */
static char		log_rolebuf[300];

/*
 * Whether stderr is a stream to systemd's journal: $JOURNAL_STREAM holds
 * its device and inode ("DEV:INO").  Lines there start with their level,
 * as "<4>" (sd-daemon(3)), which the journal takes for the priority (else
 * every line is info) and strips.
 */
static int
log_stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	if (v == NULL || sscanf(v, "%llu:%llu%c", &dev, &ino, &end) != 2 ||
	    fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(int foreground, enum log_level level)
{
	log_foreground = foreground;
	log_lvl = level;
	log_also = -1;
	log_detaching = 0;
	log_journal = foreground && log_stderr_is_journal();
	if (!foreground)
		openlog("todod", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int
log_level_parse(const char *s)
{
	static const char *names[] = { "error", "warn", "info", "debug" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	/* syslog's name for it, as the logs file it */
	if (strcmp(s, "warning") == 0)
		return 1;
	return -1;
}

void
log_setrole(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(log_rolebuf, sizeof(log_rolebuf), fmt, ap);
	va_end(ap);
}

void
log_reopen(void)
{
	if (!log_foreground) {
		closelog();
		openlog("todod", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	}
}

/* A line on stderr, as a foreground daemon writes it: fprintf's result. */
static int
log_stderr(const char *msg)
{
	return fprintf(stderr, "todod: %s%s%s\n", log_rolebuf,
	    *log_rolebuf ? ": " : "", msg);
}

static void	vlog(enum log_level, int, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

static void
vlog(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char msg[2048];
	int n;

	if (level > log_lvl)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum != 0 && n >= 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s",
		    strerror(errnum));
	if (log_journal)
		fprintf(stderr, "<%d>%s%s%s\n", prio[level], log_rolebuf,
		    *log_rolebuf ? ": " : "", msg);
	else if (log_foreground) {
		if (log_stderr(msg) < 0 && log_detaching && (errno == EPIPE ||
		    errno == EBADF || errno == EIO)) {
			/* Nobody reads the starting command's stderr any
			 * more (its pipe or terminal is gone): this and the
			 * rest go where a detached daemon logs, rather than
			 * nowhere. */
			clearerr(stderr);
			log_init(0, log_lvl);
			syslog(prio[level], "%s%s%s", log_rolebuf,
			    *log_rolebuf ? ": " : "", msg);
		}
	} else {
		syslog(prio[level], "%s%s%s", log_rolebuf,
		    *log_rolebuf ? ": " : "", msg);
		if ((int)level <= log_also && log_stderr(msg) < 0) {
			if (errno == EPIPE || errno == EBADF)
				log_also = -1;	/* nobody reads it now */
			clearerr(stderr);
		}
	}
}

void
log_also_stderr(enum log_level level)
{
	log_also = (int)level;
}

void
log_stderr_detaching(void)
{
	log_detaching = log_foreground;
}

int
log_to_syslog(void)
{
	return !log_foreground;
}

#define LOGFN(name, level, witherr)			\
void							\
name(const char *fmt, ...)				\
{							\
	int saved = errno;				\
	va_list ap;					\
							\
	va_start(ap, fmt);				\
	vlog(level, witherr ? saved : 0, fmt, ap);	\
	va_end(ap);					\
	errno = saved;					\
}

LOGFN(log_warn, LOG_LEVEL_WARN, 1)
LOGFN(log_warnx, LOG_LEVEL_WARN, 0)
LOGFN(log_info, LOG_LEVEL_INFO, 0)
LOGFN(log_debug, LOG_LEVEL_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERROR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

void
log_relay(int fd)
{
	char buf[4096];
	ssize_t n, off, w;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (off = 0; off < n; off += w)
			if ((w = write(STDERR_FILENO, buf + off,
			    (size_t)(n - off))) <= 0)
				return;
}
