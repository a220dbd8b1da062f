/*
 * options.c: todod's command line (todod(8), OPTIONS).
 *
 * Every value is checked here, so that the rest of the daemon starts from
 * a complete configuration: numbers are parsed whole and range-checked,
 * paths are made absolute (the daemon changes to "/" when it detaches),
 * the socket path must fit a sockaddr_un, and the pidfile must not lie in
 * the data directory (compared after resolving symbolic links as far as
 * the paths exist).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "defaults.h"
#include "log.h"
#include "optmsg.h"
#include "outcheck.h"
#include "options.h"
#include "pathname.h"

/* A request of todoctl's (an add: the entry with its Date struct) with a
 * long list name and a short title fits in the smallest frame. */
#define MAX_FRAME_MIN	1024
#define MAX_FRAME_MAX	(64 * 1024 * 1024)
#define WORKERS_MAX	64

enum {
	OPT_IDLE_TIMEOUT = 256,
	OPT_MAX_LISTS,
	OPT_SYNC,
	OPT_MAX_FRAME,
	OPT_SOCKET_MODE,
	OPT_MAX_CONNS_PER_UID,
	OPT_MAX_LIST_SIZE
};

static const char short_opts[] = ":fd:s:p:w:l:u:Vh";

static const struct option long_opts[] = {
	{ "foreground",		no_argument,		NULL, 'f' },
	{ "data-dir",		required_argument,	NULL, 'd' },
	{ "socket",		required_argument,	NULL, 's' },
	{ "pidfile",		required_argument,	NULL, 'p' },
	{ "workers",		required_argument,	NULL, 'w' },
	{ "idle-timeout",	required_argument,	NULL, OPT_IDLE_TIMEOUT },
	{ "max-lists",		required_argument,	NULL, OPT_MAX_LISTS },
	{ "sync",		required_argument,	NULL, OPT_SYNC },
	{ "max-frame",		required_argument,	NULL, OPT_MAX_FRAME },
	{ "log-level",		required_argument,	NULL, 'l' },
	{ "socket-mode",	required_argument,	NULL, OPT_SOCKET_MODE },
	{ "user",		required_argument,	NULL, 'u' },
	{ "max-conns-per-uid",	required_argument,	NULL,
	    OPT_MAX_CONNS_PER_UID },
	{ "max-list-size",	required_argument,	NULL, OPT_MAX_LIST_SIZE },
	{ "version",		no_argument,		NULL, 'V' },
	{ "help",		no_argument,		NULL, 'h' },
	{ NULL,			0,			NULL, 0 }
};

static void	usage_error(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));

static void
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("todod: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'todod --help'.\n", stderr);
	exit(2);
}

static void	help(void) __attribute__((noreturn));

static void
help(void)
{
	char sock[TODOD_PATH_MAX], data[TODOD_PATH_MAX];

	if (default_socket_path(sock, sizeof(sock)) == -1)
		strlcpy(sock, "(none)", sizeof(sock));
	if (default_data_dir(data, sizeof(data)) == -1)
		strlcpy(data, "(none)", sizeof(data));
	printf(
"usage: todod [-fhV] [-d dir] [-l level] [-p pidfile] [-s socket] [-u user]\n"
"             [-w workers] [--idle-timeout secs] [--max-conns-per-uid n]\n"
"             [--max-frame bytes] [--max-list-size bytes] [--max-lists n]\n"
"             [--socket-mode mode] [--sync always|none]\n"
"\n"
"The to-do list daemon.\n"
"\n"
"  -f, --foreground         stay in the foreground and log to stderr\n"
"                           (default: detach and log to syslog)\n"
"  -d, --data-dir DIR       data directory (default: %s)\n"
"  -s, --socket PATH        listening socket (default: %s)\n"
"  -p, --pidfile PATH       pidfile, '' for none (default: none with -f,\n"
"                           else the socket's path with .pid for .sock,\n"
"                           with -u one directory up)\n"
"  -w, --workers N          database workers, 1 to 64 (default: 3)\n"
"      --idle-timeout SECS  stop a list server idle this long, 0 never\n"
"                           (default: 300)\n"
"      --max-list-size BYTES\n"
"                           largest list file a change may make,\n"
"                           4096 to 524288000 (default: 524288000)\n"
"      --max-lists N        live list servers at most, within the\n"
"                           descriptor limit (default: 1024)\n"
"      --sync MODE          always or none: fdatasync each store\n"
"                           (default: always)\n"
"      --max-frame BYTES    largest request, 1024 to 67108864\n"
"                           (default: 1048576)\n"
"  -l, --log-level LEVEL    error, warn (or warning), info or debug\n"
"                           (default: info)\n"
"      --socket-mode MODE   socket permissions, octal (default: 0660)\n"
"  -u, --user USER          started as root, run as USER (default: none)\n"
"      --max-conns-per-uid N\n"
"                           connections per client uid, 0 unlimited\n"
"                           (default: 0)\n"
"  -V, --version            print the version and exit\n"
"  -h, --help               print this help and exit\n"
"\n"
"Default paths depend on the user and on TODOD_SOCKET, XDG_RUNTIME_DIR,\n"
"XDG_STATE_HOME and HOME; see todod(8).\n", data, sock);
	out_exit("todod");
}

/* A decimal number, digits only, in [min, max]. */
static long long
parse_number(const char *opt, const char *s, long long min, long long max)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		usage_error("%s: '%s' is not a number", opt, s);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		usage_error("%s: '%s' is not a number", opt, s);
	if (errno == ERANGE || v < min || v > max)
		usage_error("%s: %s is out of range (%lld to %lld)", opt, s,
		    min, max);
	return v;
}

/* Permission bits in octal; the owner must keep read and write. */
static mode_t
parse_mode(const char *s)
{
	unsigned long v = 0;
	const char *p;

	if (*s == '\0' || strlen(s) > 4)
		usage_error("--socket-mode: '%s' is not an octal mode of 1 "
		    "to 4 digits", s);
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '7')
			usage_error("--socket-mode: '%s' is not an octal mode "
			    "of 1 to 4 digits", s);
		v = v * 8 + (unsigned long)(*p - '0');
	}
	if (v > 0777)
		usage_error("--socket-mode: %s: only permission bits "
		    "(0 to 0777) are allowed", s);
	if ((v & 0600) != 0600)
		usage_error("--socket-mode: %s: the owner needs read and "
		    "write permission (0600)", s);
	/* A class given read or search but not write could not connect:
	 * a slip for 0660 or 0666, not a mode anyone means. */
	if ((v & 0070) != 0 && (v & 0020) == 0)
		usage_error("--socket-mode: %s: connecting needs write "
		    "permission, which the group would not have", s);
	if ((v & 0007) != 0 && (v & 0002) == 0)
		usage_error("--socket-mode: %s: connecting needs write "
		    "permission, which others would not have", s);
	return (mode_t)v;
}

static void
check_user(const char *name)
{
	struct passwd *pw;

	if (*name == '\0')
		usage_error("--user: empty user name");
	if (geteuid() != 0)
		usage_error("--user %s: only root can change user", name);
	if ((pw = getpwnam(name)) == NULL)
		usage_error("--user: unknown user '%s'", name);
	if (pw->pw_uid == 0)
		usage_error("--user %s: user has uid 0, nothing to drop", name);
}

/*
 * Copy path into buf, made absolute against the working directory, with
 * no "." or ".." left in it: the daemon walks its paths as text (the
 * directories it creates, and gives to --user or opens to the socket's
 * users, are named by it), and "new/.." would name a directory that
 * existed before.  A relative path's leading ".." go up from the working
 * directory, which getcwd(3) gives without links; any other ".." is
 * refused, since the kernel would take it through a link or through a
 * directory not made yet.  A path that ends in "/", "." or ".." keeps a
 * final "/" (not a file name).
 */
static void
set_path(const char *what, char *buf, size_t size, const char *path)
{
	struct pathname name;
	enum pathname_kind kind;
	const char *p;
	size_t len;
	bool leading = *path != '/';

	if (*path == '\0')
		usage_error("%s: empty path", what);
	if (leading) {
		if (getcwd(buf, size) == NULL)
			usage_error("%s %s: cannot find the working directory:"
			    " %s", what, path, strerror(errno));
	} else
		buf[0] = '\0';
	len = strcmp(buf, "/") == 0 ? 0 : strlen(buf);
	for (p = path; (kind = pathname_next(&p, &name)) != PATHNAME_END;) {
		if (kind == PATHNAME_DOT)
			continue;
		if (kind == PATHNAME_DOTDOT) {
			if (!leading)
				usage_error("%s: '..' inside a path is refused "
				    "(give the path without it): %s", what,
				    path);
			while (len > 0 && buf[--len] != '/')
				;
			continue;
		}
		leading = false;
		if (len + 1 + name.len >= size)
			usage_error("%s: path too long: %s", what, path);
		buf[len++] = '/';
		memcpy(buf + len, name.p, name.len);
		len += name.len;
	}
	/* A directory's name where a file's is wanted shows as one. */
	p = strrchr(path, '/');
	p = p != NULL ? p + 1 : path;
	if ((*p == '\0' || strcmp(p, ".") == 0 || strcmp(p, "..") == 0) &&
	    len > 0) {
		if (len + 1 >= size)
			usage_error("%s: path too long: %s", what, path);
		buf[len++] = '/';
	}
	if (len == 0)
		buf[len++] = '/';
	buf[len] = '\0';
}

/*
 * Resolve an absolute path: the longest existing prefix through
 * realpath(3), the missing rest lexically ("." dropped, ".." going up).
 */
static int
resolve(const char *path, char *out, size_t size)
{
	char head[TODOD_PATH_MAX], real[PATH_MAX];
	struct pathname name;
	enum pathname_kind kind;
	char *slash;
	const char *rest;
	size_t len, sep;

	errno = ENAMETOOLONG;	/* for the length checks below */
	if (strlcpy(head, path, sizeof(head)) >= sizeof(head))
		return -1;
	rest = NULL;
	for (;;) {
		if (realpath(head[0] == '\0' ? "/" : head, real) != NULL)
			break;
		if (errno != ENOENT && errno != ENOTDIR)
			return -1;
		if ((slash = strrchr(head, '/')) == NULL)
			return -1;
		*slash = '\0';
		rest = path + (slash - head) + 1;
	}
	errno = ENAMETOOLONG;
	if (strlcpy(out, real, size) >= size)
		return -1;
	if (rest == NULL)
		return 0;
	while ((kind = pathname_next(&rest, &name)) != PATHNAME_END) {
		if (kind == PATHNAME_DOT)
			continue;
		if (kind == PATHNAME_DOTDOT) {
			if ((slash = strrchr(out, '/')) != NULL)
				slash[slash == out ? 1 : 0] = '\0';
			continue;
		}
		len = strlen(out);
		sep = len > 0 && out[len - 1] == '/' ? 0 : 1;
		if (len + sep + name.len + 1 >= size) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (sep)
			out[len++] = '/';
		memcpy(out + len, name.p, name.len);
		out[len + name.len] = '\0';
	}
	return 0;
}

/* Is the resolved path inside (or equal to) the resolved directory? */
static int
path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return 1;
	return strncmp(path, dir, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

static void
dirname_of(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	n = (slash == NULL || slash == path) ? 1 : (size_t)(slash - path);
	if (slash == NULL)
		path = "/";
	if (n >= size)
		n = size - 1;
	memcpy(buf, path, n);
	buf[n] = '\0';
}

/*
 * The default pidfile: the socket's name with ".sock" replaced by ".pid",
 * beside the socket; with --user, in the directory above the socket's
 * (/run/todod/todod.sock: /run/todod.pid), since the socket's directory
 * may be the user's, who could replace a pidfile there.
 */
static void
default_pidfile(struct todod_config *cfg)
{
	const char *sock = cfg->socket_path, *base, *up;
	size_t len, stem, dirlen;

	base = strrchr(sock, '/') + 1;
	len = strlen(sock);
	stem = len;
	if (len - (size_t)(base - sock) > 5 &&
	    strcmp(sock + len - 5, ".sock") == 0)
		stem = len - 5;
	dirlen = (size_t)(base - sock);		/* with its final '/' */
	if (cfg->user[0] != '\0' && dirlen > 1) {
		for (up = base - 2; up > sock && *up != '/'; up--)
			;
		dirlen = (size_t)(up - sock) + 1;
	}
	if ((size_t)snprintf(cfg->pidfile, sizeof(cfg->pidfile), "%.*s%.*s.pid",
	    (int)dirlen, sock, (int)(stem - (size_t)(base - sock)), base) >=
	    sizeof(cfg->pidfile))
		usage_error("--socket: path too long for the pidfile beside "
		    "it: %s", sock);
}

static void
check_paths(struct todod_config *cfg)
{
	struct sockaddr_un sun;
	char data[TODOD_PATH_MAX], dir[TODOD_PATH_MAX], pdir[TODOD_PATH_MAX];
	char psock[TODOD_PATH_MAX], sdir[TODOD_PATH_MAX];
	const char *base, *sbase;
	size_t n;

	if (strlen(cfg->socket_path) >= sizeof(sun.sun_path))
		usage_error("--socket: path longer than %zu bytes: %s",
		    sizeof(sun.sun_path) - 1, cfg->socket_path);
	if (cfg->socket_path[strlen(cfg->socket_path) - 1] == '/')
		usage_error("--socket: not a file name: %s", cfg->socket_path);
	if (resolve(cfg->data_dir, data, sizeof(data)) == -1)
		usage_error("--data-dir: cannot resolve %s: %s", cfg->data_dir,
		    strerror(errno));
	/* There it would take the name of a list's file. */
	dirname_of(cfg->socket_path, sdir, sizeof(sdir));
	if (resolve(sdir, psock, sizeof(psock)) == -1)
		usage_error("--socket: cannot resolve %s: %s", sdir,
		    strerror(errno));
	if (path_within(psock, data))
		usage_error("socket %s is inside the data directory %s; "
		    "choose another with -s", cfg->socket_path,
		    cfg->data_dir);
	if (cfg->pidfile[0] == '\0')
		return;
	if (cfg->pidfile[strlen(cfg->pidfile) - 1] == '/')
		usage_error("--pidfile: not a file name: %s", cfg->pidfile);
	dirname_of(cfg->pidfile, dir, sizeof(dir));
	base = strrchr(cfg->pidfile, '/') + 1;
	if (resolve(dir, pdir, sizeof(pdir)) == -1)
		usage_error("--pidfile: cannot resolve %s: %s", dir,
		    strerror(errno));
	if (path_within(pdir, data))
		usage_error("pidfile %s is inside the data directory %s; "
		    "choose another with -p", cfg->pidfile, cfg->data_dir);
	if (strcmp(psock, pdir) != 0)
		return;
	sbase = strrchr(cfg->socket_path, '/') + 1;
	n = strlen(sbase);
	if (strcmp(base, sbase) == 0)
		usage_error("pidfile and socket are the same file: %s",
		    cfg->pidfile);
	/* Nor the socket's lock (listener.c): renamed over, it would lock
	 * nothing. */
	if (strncmp(base, sbase, n) == 0 && strcmp(base + n, ".lock") == 0)
		usage_error("pidfile and the socket's lock are the same file: "
		    "%s", cfg->pidfile);
}

static void
set_defaults(struct todod_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->workers = 3;
	cfg->idle_timeout = 300;
	cfg->max_lists = 1024;
	cfg->sync = true;
	cfg->max_frame = 1048576;
	cfg->max_list_size = TODOD_LIST_SIZE_MAX;
	cfg->log_level = LOG_LEVEL_INFO;
	cfg->socket_mode = 0660;
	cfg->max_conns_per_uid = 0;
}

static const char *
optname(int c)
{
	const struct option *o;

	for (o = long_opts; o->name != NULL; o++)
		if (o->val == c)
			return o->name;
	return "?";
}

static void
parse_one(struct todod_config *cfg, int c, bool *pid_set, char *argv[])
{
	char opt[64];
	int level;

	snprintf(opt, sizeof(opt), "--%s", optname(c));
	switch (c) {
	case 'f':
		cfg->foreground = true;
		break;
	case 'd':
		set_path(opt, cfg->data_dir, sizeof(cfg->data_dir), optarg);
		break;
	case 's':
		set_path(opt, cfg->socket_path, sizeof(cfg->socket_path),
		    optarg);
		break;
	case 'p':
		*pid_set = true;
		if (*optarg == '\0')
			cfg->pidfile[0] = '\0';
		else
			set_path(opt, cfg->pidfile, sizeof(cfg->pidfile),
			    optarg);
		break;
	case 'w':
		cfg->workers = (int)parse_number(opt, optarg, 1, WORKERS_MAX);
		break;
	case OPT_IDLE_TIMEOUT:
		cfg->idle_timeout = (int)parse_number(opt, optarg, 0, INT_MAX);
		break;
	case OPT_MAX_LISTS:
		cfg->max_lists = (int)parse_number(opt, optarg, 1, INT_MAX);
		break;
	case OPT_SYNC:
		if (strcmp(optarg, "always") == 0)
			cfg->sync = true;
		else if (strcmp(optarg, "none") == 0)
			cfg->sync = false;
		else
			usage_error("--sync: '%s' is not always or none",
			    optarg);
		break;
	case OPT_MAX_FRAME:
		cfg->max_frame = (size_t)parse_number(opt, optarg,
		    MAX_FRAME_MIN, MAX_FRAME_MAX);
		break;
	case OPT_MAX_LIST_SIZE:
		cfg->max_list_size = (size_t)parse_number(opt, optarg,
		    TODOD_LIST_SIZE_MIN, TODOD_LIST_SIZE_MAX);
		break;
	case 'l':
		if ((level = log_level_parse(optarg)) == -1)
			usage_error("--log-level: '%s' is not error, warn, "
			    "info or debug", optarg);
		cfg->log_level = level;
		break;
	case OPT_SOCKET_MODE:
		cfg->socket_mode = parse_mode(optarg);
		break;
	case 'u':
		check_user(optarg);
		if (strlcpy(cfg->user, optarg, sizeof(cfg->user)) >=
		    sizeof(cfg->user))
			usage_error("--user: name too long");
		break;
	case OPT_MAX_CONNS_PER_UID:
		cfg->max_conns_per_uid = (int)parse_number(opt, optarg, 0,
		    INT_MAX);
		break;
	case 'V':
		printf("todod %s\n", PACKAGE_VERSION);
		out_exit("todod");
	case 'h':
		help();
		/* NOTREACHED */
	case ':':
		if (strncmp(argv[optind - 1], "--", 2) == 0)
			usage_error("option %s needs a value", argv[optind - 1]);
		usage_error("option -%c needs a value", optopt);
		/* NOTREACHED */
	default:
		/* A long option gives optopt 0 or its own value. */
		if (optopt == 0 || optopt >= 256 ||
		    strchr(short_opts + 1, optopt) != NULL) {
			char msg[512];

			if (optmsg_ambiguous(argv[optind - 1], long_opts, msg,
			    sizeof(msg)) != NULL)
				usage_error("%s", msg);
			usage_error("unknown or malformed option %s",
			    argv[optind - 1]);
		}
		usage_error("unknown option -%c", optopt);
	}
}

void
options_parse(struct todod_config *cfg, int argc, char *argv[])
{
	char def[TODOD_PATH_MAX];
	bool pid_set = false;
	int c;

	set_defaults(cfg);
	opterr = 0;
	optind = 0;	/* restart the scan (glibc and musl) */
	while ((c = getopt_long(argc, argv, short_opts, long_opts,
	    NULL)) != -1)
		parse_one(cfg, c, &pid_set, argv);
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);

	if (cfg->socket_path[0] == '\0') {
		if (default_socket_path(def, sizeof(def)) == -1)
			usage_error("default socket path too long; use -s");
		set_path("socket", cfg->socket_path, sizeof(cfg->socket_path),
		    def);
	}
	if (cfg->data_dir[0] == '\0') {
		if (default_data_dir(def, sizeof(def)) == -1)
			usage_error("no default data directory (no HOME, and "
			    "no home directory in the password database); "
			    "use -d");
		set_path("data directory", cfg->data_dir,
		    sizeof(cfg->data_dir), def);
	}
	if (!pid_set && !cfg->foreground)
		default_pidfile(cfg);
	check_paths(cfg);
}
