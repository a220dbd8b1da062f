/*
 * todo-bench: a load generator for todod, in the spirit of
 * redis-benchmark.  See todo-bench(1).
 *
 * This file parses the options and prints the result; bench_run.c drives
 * the connections, bench_report.c writes the report.
 */
#include "config.h"

#include <sys/resource.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "todoclient.h"
#include "bench.h"
#include "names.h"
#include "bench_req.h"
#include "optmsg.h"
#include "outcheck.h"
#include "stdfds.h"

enum {
	OPT_PRELOAD = 256, OPT_PRELOADED, OPT_OPEN_VIA, OPT_PREFIX, OPT_PRELOAD_ONLY,
	OPT_TITLE_SIZE, OPT_TIMEOUT, OPT_SEED, OPT_JSON
};

static const struct option longopts[] = {
	{ "socket",	  required_argument, NULL, 's' },
	{ "clients",	  required_argument, NULL, 'c' },
	{ "lists",	  required_argument, NULL, 'l' },
	{ "preload",	  required_argument, NULL, OPT_PRELOAD },
	{ "preloaded",	  required_argument, NULL, OPT_PRELOADED },
	{ "read-percent", required_argument, NULL, 'r' },
	{ "pipeline",	  required_argument, NULL, 'P' },
	{ "duration",	  required_argument, NULL, 'd' },
	{ "requests",	  required_argument, NULL, 'n' },
	{ "workload",	  required_argument, NULL, 'w' },
	{ "open-via",	  required_argument, NULL, OPT_OPEN_VIA },
	{ "prefix",	  required_argument, NULL, OPT_PREFIX },
	{ "preload-only", no_argument,	     NULL, OPT_PRELOAD_ONLY },
	{ "title-size",	  required_argument, NULL, OPT_TITLE_SIZE },
	{ "timeout",	  required_argument, NULL, OPT_TIMEOUT },
	{ "seed",	  required_argument, NULL, OPT_SEED },
	{ "json",	  no_argument,	     NULL, OPT_JSON },
	{ "help",	  no_argument,	     NULL, 'h' },
	{ "version",	  no_argument,	     NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void __attribute__((noreturn))
usage(int status)
{
	FILE *f = status == 0 ? stdout : stderr;

	fprintf(f,
"usage: todo-bench [-hV] [-c clients] [-d seconds] [-l lists] [-n requests]\n"
"                  [-P pipeline] [-r read-percent] [-s socket] [-w workload]\n"
"                  [--preload n | --preloaded n] [--preload-only]\n"
"                  [--open-via connect|reattach] [--prefix name]\n"
"                  [--title-size bytes] [--timeout secs] [--seed n]\n"
"                  [--json]\n");
	if (status != 0)
		exit(status);
	fprintf(f, "\n"
"Load generator for todod: many connections from one event-driven process.\n"
"\n"
"  -s, --socket PATH        the daemon's socket (default: as todoctl)\n"
"  -c, --clients N          concurrent connections (default: 32)\n"
"  -l, --lists N            lists PREFIX-0 .. PREFIX-(N-1); connection i\n"
"                           works on list i mod N (default: 100)\n"
"      --preload N          entries added to every list before measuring,\n"
"                           pipelined, ten per date (default: 100; 0 for\n"
"                           the open workload)\n"
"      --preload-only       preload, then stop without measuring\n"
"      --preloaded N        the lists already hold N entries from an\n"
"                           earlier --preload N: add none, use their dates\n"
"  -r, --read-percent N     mixed and open: per cent of reads, 0 to 100\n"
"                           (default: 90)\n"
"  -P, --pipeline N         requests in flight per connection (default: 1)\n"
"  -d, --duration SECS      measure this long, at most 1000000\n"
"                           (default: 10)\n"
"  -n, --requests N         measure until N replies (N opens for open),\n"
"                           1 or more\n"
"  -w, --workload KIND      mixed: reads {entries, Date} of a date with\n"
"                           about 10 entries and add_entry; read; write;\n"
"                           open: attach to the next list, one request\n"
"                           (read or add by -r), next list (default: mixed)\n"
"      --open-via HOW       open: connect (a new connection per list) or\n"
"                           reattach ({server_process, Next} on the same\n"
"                           connection) (default: connect)\n"
"      --prefix NAME        list name prefix (default: bench)\n"
"      --title-size BYTES   title length of added entries (default: 24)\n"
"      --timeout SECS       give up after this long without a reply, whole\n"
"                           seconds from 1 to 86400 (default: 30)\n"
"      --seed N             random seed for dates and the mix, 1 or more\n"
"                           (default: 1)\n"
"      --json               print the result as JSON\n"
"  -V, --version            print the version and exit\n"
"  -h, --help               print this help and exit\n"
"\n"
"Latencies are in microseconds: p50, p90, p99, p99.9 and max from a\n"
"log-linear histogram (within 1.6%%), for all requests, reads, writes,\n"
"and for the open workload its attach and whole-open times.\n");
	out_exit("todo-bench");
}

static long long
num(const char *s, const char *what, long long lo, long long hi)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "todo-bench: %s must be an integer from %lld "
		    "to %lld: %s\n", what, lo, hi, s);
		exit(2);
	}
	return v;
}

static double
seconds(const char *s, const char *what)
{
	double v;

	if (opt_decimal(s, &v) == -1 || !(v > 0 && v <= 1e6)) {
		fprintf(stderr, "todo-bench: %s must be a number of seconds "
		    "above 0, at most 1000000: %s\n", what, s);
		exit(2);
	}
	return v;
}

static void
parse_workload(struct bench_opts *o, const char *s)
{
	if (strcmp(s, "mixed") == 0)
		o->workload = WL_MIXED;
	else if (strcmp(s, "read") == 0)
		o->workload = WL_READ;
	else if (strcmp(s, "write") == 0)
		o->workload = WL_WRITE;
	else if (strcmp(s, "open") == 0)
		o->workload = WL_OPEN;
	else {
		fprintf(stderr, "todo-bench: unknown workload: %s (mixed, "
		    "read, write or open)\n", s);
		exit(2);
	}
}

static void
parse_open_via(struct bench_opts *o, const char *s)
{
	if (strcmp(s, "connect") == 0)
		o->open_via = OPEN_CONNECT;
	else if (strcmp(s, "reattach") == 0)
		o->open_via = OPEN_REATTACH;
	else {
		fprintf(stderr, "todo-bench: --open-via: connect or reattach: "
		    "%s\n", s);
		exit(2);
	}
}

static void
check_prefix(const struct bench_opts *o)
{
	char name[TODO_NAME_MAX + 1];
	int n;

	/* The last list's name is the longest, in bytes and as a file
	 * name: valid, so is every other. */
	if (o->prefix[0] == '\0' || (n = bench_list_name(name, sizeof(name),
	    o->prefix, o->lists - 1)) == -1 ||
	    !name_valid(name, (size_t)n)) {
		fprintf(stderr, "todo-bench: --prefix must be UTF-8 text, not "
		    "empty, of at most %d bytes with the list number, and at "
		    "most %d as a file name (other bytes than A-Z a-z 0-9 _ - "
		    "count 3)\n",
		    TODO_NAME_MAX, NAME_FILE_MAX);
		exit(2);
	}
}

static void	settle_options(struct bench_opts *, bool, bool, bool);
static void	set_socket(struct bench_opts *, const char *);

/* What todo-bench does when given no option. */
static void
set_defaults(struct bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->clients = 32;
	o->lists = 100;
	o->preload = 100;
	o->read_pct = 90;
	o->pipeline = 1;
	o->duration = 10;
	o->prefix = "bench";
	o->timeout = 30;
	o->title_size = 24;
	o->seed = 1;
}

static void
parse_options(struct bench_opts *o, int argc, char **argv)
{
	const char *sock = NULL;
	bool dur = false, pre = false, preloaded = false;
	char msg[256];
	int ch;

	set_defaults(o);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":s:c:l:r:P:d:n:w:hV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			sock = optarg;
			break;
		case 'c':
			o->clients = (int)num(optarg, "-c", 1, 100000);
			break;
		case 'l':
			o->lists = (long)num(optarg, "-l", 1, 100000000);
			break;
		case OPT_PRELOAD:
			o->preload = (long)num(optarg, "--preload", 0,
			    100000000);
			pre = true;
			break;
		case OPT_PRELOADED:
			o->existing = (long)num(optarg, "--preloaded", 0,
			    100000000);
			preloaded = true;
			break;
		case 'r':
			o->read_pct = (int)num(optarg, "-r", 0, 100);
			break;
		case 'P':
			o->pipeline = (int)num(optarg, "-P", 1, 10000000);
			break;
		case 'd':
			o->duration = seconds(optarg, "-d");
			dur = true;
			break;
		case 'n':
			o->requests = (uint64_t)num(optarg, "-n", 1,
			    LLONG_MAX);
			break;
		case 'w':
			parse_workload(o, optarg);
			break;
		case OPT_OPEN_VIA:
			parse_open_via(o, optarg);
			break;
		case OPT_PREFIX:
			o->prefix = optarg;
			break;
		case OPT_PRELOAD_ONLY:
			o->preload_only = true;
			break;
		case OPT_TITLE_SIZE:
			o->title_size = (int)num(optarg, "--title-size", 1,
			    TODO_TITLE_MAX);
			break;
		case OPT_TIMEOUT:
			o->timeout = (int)num(optarg, "--timeout", 1, 86400);
			break;
		case OPT_SEED:
			o->seed = (uint64_t)num(optarg, "--seed", 1,
			    LLONG_MAX);
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case 'h':
			usage(0);
		case 'V':
			printf("todo-bench %s\n", PACKAGE_VERSION);
			out_exit("todo-bench");
		default:
			fprintf(stderr, "todo-bench: %s\n", optmsg(ch, argc, argv,
			    longopts, msg, sizeof(msg)));
			usage(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "todo-bench: unexpected argument: '%s'\n",
		    argv[optind]);
		usage(2);
	}
	settle_options(o, pre, preloaded, dur);
	set_socket(o, sock);
}

/* The options given, checked against each other, and what they imply. */
static void
settle_options(struct bench_opts *o, bool pre, bool preloaded, bool dur)
{
	if (pre && preloaded) {
		fprintf(stderr, "todo-bench: --preload and --preloaded "
		    "exclude each other\n");
		exit(2);
	}
	if (preloaded || (o->workload == WL_OPEN && !pre))
		o->preload = 0;
	else
		o->existing = o->preload;
	if (o->preload_only && o->preload == 0) {
		fprintf(stderr, "todo-bench: --preload-only needs entries to "
		    "preload (--preload N, N > 0)\n");
		exit(2);
	}
	if (o->requests > 0 && !dur)
		o->duration = 0;
	/* -r is for mixed and open; the others' share is their own (and so
	 * reported). */
	if (o->workload == WL_READ)
		o->read_pct = 100;
	else if (o->workload == WL_WRITE)
		o->read_pct = 0;
	check_prefix(o);
}

/* The socket: -s, else the default.  One that cannot be used is a
 * daemon not reached, as for todoctl (3), not a usage error. */
static void
set_socket(struct bench_opts *o, const char *sock)
{
	int rv;

	if ((rv = tc_socket_path(sock, o->socket, sizeof(o->socket))) ==
	    TC_EUNSAFE) {
		fprintf(stderr, "todo-bench: %s: %s\n", o->socket,
		    tc_strstatus(TC_EUNSAFE));
		exit(3);
	}
	if (rv != TC_OK) {
		fprintf(stderr, "todo-bench: %s: %s\n", tc_strstatus(TC_EPATH),
		    o->socket);
		exit(3);
	}
}

/* Room for every connection, and a few descriptors to spare. */
static void
raise_nofile(int clients)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_cur < (rlim_t)clients + 16 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < (rlim_t)clients + 16) {
		fprintf(stderr, "todo-bench: %d clients need more than the "
		    "%llu descriptors allowed\n", clients,
		    (unsigned long long)rl.rlim_cur);
		exit(2);
	}
}

int
main(int argc, char **argv)
{
	struct bench_opts o;
	static struct bench_result r;
	int rv;

	if (stdfds_hold() == -1) {
		perror("todo-bench: standard descriptors");
		return 1;
	}
	parse_options(&o, argc, argv);
	raise_nofile(o.clients);
	signal(SIGPIPE, SIG_IGN);
	rv = bench_run(&o, &r);
	if (o.json && bench_report_json(&o, &r) == -1) {
		(void)fflush(stdout);
		fprintf(stderr, "todo-bench: cannot make the JSON report\n");
		if (rv != -1)
			return 1;
	} else if (!o.json && (!r.aborted || r.ok > 0))
		bench_report_text(&o, &r);
	if (rv == -1) {
		(void)fflush(stdout);
		fprintf(stderr, "todo-bench: %s\n", r.abort_why);
		return r.unreachable ? 3 : 1;
	}
	return out_flush_checked("todo-bench") == 0 ? 0 : 1;
}
