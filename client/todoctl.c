/*
 * todoctl.c: the command-line client of todod (todoctl(1)): options,
 * commands, help.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "ctl_json.h"
#include "ctl_text.h"
#include "etf.h"
#include "optmsg.h"
#include "outcheck.h"
#include "stdfds.h"
#include "todoclient.h"

static const struct ctl_cmd cmds[] = {
	{ "add", NULL, "LIST DATE TITLE...", "add an entry; print its id",
	  "Add an entry for DATE to LIST and print the id the daemon gave it.\n"
	  "The words of TITLE are joined by single spaces. A list springs\n"
	  "into being with its first entry.\n",
	  3, -1, false, cmd_add },
	{ "entries", "ls", "LIST [DATE]", "show a list's entries",
	  "Show the entries of LIST, or those for DATE, sorted by id, in a\n"
	  "table ID DATE TITLE. On a terminal, titles are cut to its width;\n"
	  "control characters in titles are shown escaped (\\n, \\t, \\x1b).\n",
	  1, 2, false, cmd_entries },
	{ "update", NULL, "LIST ID [--date DATE] [--title TITLE]",
	  "change an entry's date or title",
	  "Change the date, the title or both of entry ID of LIST, and show\n"
	  "the entry as it is now.\n",
	  2, 2, true, cmd_update },
	{ "delete", "rm", "LIST ID", "delete an entry",
	  "Delete entry ID of LIST.\n",
	  2, 2, false, cmd_delete },
	{ "lists", NULL, "", "show the names of all lists",
	  "Show the name of every stored or live list, one per line, sorted\n"
	  "bytewise (a live list that was only read has no file).\n",
	  0, 0, false, cmd_lists },
	{ "import", NULL, "LIST FILE|-", "add the entries of a CSV file",
	  "Add to LIST an entry for each record of FILE (- for standard\n"
	  "input), one a line: DATE,TITLE with DATE as YYYY/MM/DD or\n"
	  "YYYY-MM-DD, e.g. 2018/12/19,Dentist; no header line. A title may\n"
	  "be quoted as in RFC 4180 (\"...\" with \"\" for a quote) to hold\n"
	  "commas, quotes and line breaks.\n"
	  "The whole file is checked first: if any line is bad, nothing is\n"
	  "imported and the bad lines are named. Existing entries are kept.\n",
	  2, 2, false, cmd_import },
	{ "export", NULL, "LIST", "write a list as CSV",
	  "Write the entries of LIST as CSV that import reads back\n"
	  "(YYYY-MM-DD,TITLE, titles quoted when needed), or as a JSON\n"
	  "array with --json.\n",
	  1, 1, false, cmd_export },
	{ "status", NULL, "", "show the daemon's processes and counters",
	  "Show the daemon's uptime, live lists and restarts, its processes\n"
	  "(supervisor, cache, spawner, database workers with their stores,\n"
	  "fsyncs and queue lengths, and list servers with their lists),\n"
	  "then its other counters as NAME: JSON.\n",
	  0, 0, false, cmd_status },
	{ "ping", NULL, "", "check that the daemon answers",
	  "Send ping and print pong when the daemon answers.\n",
	  0, 0, false, cmd_ping },
	{ "sync", NULL, "", "flush all lists to their files",
	  "Ask the daemon to flush all lists to their files. A daemon\n"
	  "without this request answers unknown_request.\n",
	  0, 0, false, cmd_sync },
};
#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

static const char *dates_help =
    "DATE is YYYY-MM-DD, YYYY/MM/DD, today, tomorrow or yesterday.\n";

static void
usage(FILE *fp)
{
	size_t i;
	char syn[64];

	fprintf(fp, "usage: todoctl [-s SOCKET] [-t SECONDS] [--json] "
	    "COMMAND [ARG...]\n\nCommands:\n");
	for (i = 0; i < NCMDS; i++) {
		snprintf(syn, sizeof(syn), "%s %s", cmds[i].name,
		    cmds[i].args);
		if (strlen(syn) > 22)
			fprintf(fp, "  %s\n  %-22s  %s", syn, "",
			    cmds[i].summary);
		else
			fprintf(fp, "  %-22s  %s", syn, cmds[i].summary);
		if (cmds[i].alias != NULL)
			fprintf(fp, " (alias: %s)", cmds[i].alias);
		putc('\n', fp);
	}
	fprintf(fp, "  %-22s  %s\n", "help [COMMAND]", "show help");
	fprintf(fp, "\nOptions:\n"
	    "  -s, --socket SOCKET     the daemon's socket\n"
	    "  -t, --timeout SECONDS   give up waiting after SECONDS (30)\n"
	    "  -j, --json              print JSON\n"
	    "  -h, --help              show this help\n"
	    "  -V, --version           show the version\n\n%s"
	    "The socket is SOCKET, else $TODOD_SOCKET, else\n"
	    "/run/todod/todod.sock for root, else\n"
	    "$XDG_RUNTIME_DIR/todod/todod.sock, else /tmp/todod-$UID/todod.sock;\n"
	    "a default whose directory is another user's is refused.\n"
	    "Exit status: 0 success, 1 the daemon answered with an error\n"
	    "(or the output could not be written), 2 usage error, 3 cannot\n"
	    "reach the daemon.\n", dates_help);
}

static const struct ctl_cmd *
lookup(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i].name, name) == 0 ||
		    (cmds[i].alias != NULL && strcmp(cmds[i].alias, name) == 0))
			return &cmds[i];
	return NULL;
}

static void
cmd_help(const struct ctl_cmd *c)
{
	printf("usage: todoctl [-s SOCKET] [-t SECONDS] [--json] %s%s%s\n\n"
	    "%s", c->name, *c->args != '\0' ? " " : "", c->args, c->help);
	if (c->alias != NULL)
		printf("Alias: %s.\n", c->alias);
	if (strstr(c->args, "DATE") != NULL)
		printf("%s", dates_help);
}

static int
help(struct ctl *ctl, int argc, char **argv)
{
	const struct ctl_cmd *c;

	if (argc < 2) {
		usage(stdout);
		return CTL_EXIT_OK;
	}
	if (argc > 2) {
		/* help is not in the table of commands: its own usage. */
		fprintf(stderr, "todoctl: help: too many arguments\n"
		    "usage: todoctl help [COMMAND]\n");
		return CTL_EXIT_USAGE;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		printf("usage: todoctl help [COMMAND]\n\n"
		    "Show the commands, or the usage of COMMAND.\n");
		return CTL_EXIT_OK;
	}
	if ((c = lookup(argv[1])) == NULL)
		return ctl_usage(ctl, "no such command: '%s'", argv[1]);
	cmd_help(c);
	return CTL_EXIT_OK;
}

/*
 * The name of names[] that arg ("--" and a name, with "=value" or not)
 * gives: whole, or with abbrev a prefix of it (the first that fits).
 * NULL if none.
 */
static const char *
long_name(const char *arg, const char *const *names, size_t n, bool abbrev)
{
	size_t i, len;

	if (strncmp(arg, "--", 2) != 0)
		return NULL;
	arg += 2;
	len = strcspn(arg, "=");
	for (i = 0; len > 0 && i < n; i++)
		if ((abbrev ? len <= strlen(names[i]) : len ==
		    strlen(names[i])) && strncmp(names[i], arg, len) == 0)
			return names[i];
	return NULL;
}

/* Whether the option getopt_long refused among a command's arguments is
 * one of todoctl's own, which go before the command: -s, -t or -V as a
 * word of its own, -t with its seconds (-t5), or --socket, --timeout or
 * --version, abbreviated or not.  (A word such as -tea is more likely a
 * title.) */
static bool
global_option(int argc, char *const *argv)
{
	static const char *const longs[] = { "socket", "timeout", "version" };
	const char *arg = argv[optind - 1], *cur;

	if (optopt != 0) {
		/* Inside a cluster, getopt_long has not moved past it. */
		cur = optind < argc ? argv[optind] : NULL;
		if (optopt == 't' && cur != NULL && strncmp(cur, "-t", 2) ==
		    0 && cur[2] != '\0' && strspn(cur + 2, "0123456789.") ==
		    strlen(cur + 2))
			return true;
		return strchr("stV", optopt) != NULL && arg[0] == '-' &&
		    arg[1] == optopt && arg[2] == '\0';
	}
	return long_name(arg, longs, sizeof(longs) / sizeof(longs[0]),
	    true) != NULL;
}

/* A usage error for what getopt_long returned (ch: '?' or ':').  Among
 * a command's arguments, a refused one may be one of todoctl's own
 * options, or a title or a number that begins with '-': hint says where
 * it goes. */
static int
bad_option(struct ctl *ctl, int ch, int argc, char *const *argv,
    const struct option *opts, bool hint)
{
	char msg[256];
	const char *where = "";

	if (hint && ch == '?')
		where = global_option(argc, argv) ? " (todoctl's own options "
		    "go before the command)" : " (an argument that begins "
		    "with '-' goes after '--')";
	return ctl_usage(ctl, "%s%s", optmsg(ch, argc, argv, opts, msg,
	    sizeof(msg)), where);
}

/* The options of a command: --help, --json, and update's own, which the
 * others do not take (nor do they take abbreviations of them: --t after
 * ls is the timeout put in the wrong place, not a title). */
static int
command_options(struct ctl *ctl, int argc, char **argv, bool *helped)
{
	static const struct option update_opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "date", required_argument, NULL, 'd' },
		{ "title", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct option plain_opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	/* update's own, named whole elsewhere: said so. */
	static const char *const update_names[] = { "date", "title" };
	const struct option *opts = ctl->cmd->update_opts ? update_opts :
	    plain_opts;
	const char *name;
	int ch;

	optind = 0;
	opterr = 0;
	/* --date and --title have no short forms: -t is the timeout. */
	while ((ch = getopt_long(argc, argv, ":hj", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			*helped = true;
			break;
		case 'j':
			ctl->json = true;
			break;
		case 'd':
		case 't':
			*(ch == 'd' ? &ctl->opt_date : &ctl->opt_title) =
			    optarg;
			break;
		default:
			if (ch == '?' && optopt == 0 &&
			    (name = long_name(argv[optind - 1], update_names,
			    sizeof(update_names) / sizeof(update_names[0]),
			    false)) != NULL)
				return ctl_usage(ctl, "no option --%s here",
				    name);
			return bad_option(ctl, ch, argc, argv, opts, true);
		}
	}
	return 0;
}

static int
run(struct ctl *ctl, int argc, char **argv)
{
	const struct ctl_cmd *c;
	bool helped = false;
	int n, rv;

	if ((c = lookup(argv[0])) == NULL)
		return ctl_usage(ctl, "no such command: '%s'", argv[0]);
	ctl->cmd = c;
	if ((rv = command_options(ctl, argc, argv, &helped)) != 0)
		return rv;
	if (helped) {
		cmd_help(c);
		return CTL_EXIT_OK;
	}
	n = argc - optind;
	if (n < c->min_args)
		return ctl_usage(ctl, "missing arguments");
	if (c->max_args >= 0 && n > c->max_args)
		return ctl_usage(ctl, "too many arguments");
	return c->run(ctl, n, argv + optind);
}

static int
parse_timeout(struct ctl *ctl, const char *s)
{
	double v;

	if (opt_decimal(s, &v) == -1 || !(v >= 0.001) || v > INT_MAX / 1000)
		return ctl_usage(ctl, "bad timeout: '%s' (seconds, 0.001 to "
		    "%d)", s, INT_MAX / 1000);
	ctl->timeout_ms = (int)(v * 1000);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl ctl;
	int ch, rv;

	if (stdfds_hold() == -1) {
		perror("todoctl: standard descriptors");
		return 1;
	}
	setlocale(LC_ALL, "");
	text_init();
	memset(&ctl, 0, sizeof(ctl));
	ctl.timeout_ms = TC_DEFAULT_TIMEOUT_MS;
	ctl.now = time(NULL);
	etf_buf_init(&ctl.req);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:s:t:jhV", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			ctl.socket = optarg;
			break;
		case 't':
			if ((rv = parse_timeout(&ctl, optarg)) != 0)
				return rv;
			break;
		case 'j':
			ctl.json = true;
			break;
		case 'h':
			usage(stdout);
			out_exit("todoctl");
		case 'V':
			printf("todoctl %s\n", PACKAGE_VERSION);
			out_exit("todoctl");
		default:
			return bad_option(&ctl, ch, argc, argv, opts, false);
		}
	}
	if (optind == argc) {
		fprintf(stderr, "todoctl: no command given\n");
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	if (strcmp(argv[optind], "help") == 0)
		rv = help(&ctl, argc - optind, argv + optind);
	else
		rv = run(&ctl, argc - optind, argv + optind);
	/* A command that failed has said why; one whose output did not go
	 * (a full disk) says so, as the error "write". */
	errno = 0;
	if (rv != CTL_EXIT_OK)
		(void)fflush(stdout);
	else if (fflush(stdout) == EOF || ferror(stdout))
		rv = ctl_error(&ctl, CTL_EXIT_ERROR, "write", "cannot write "
		    "the output: %s", strerror(ctl.out_errno != 0 ?
		    ctl.out_errno : cj_write_errno != 0 ? cj_write_errno :
		    errno != 0 ? errno : EIO));
	tc_free(ctl.conn);
	if (ctl.arena != NULL)
		etf_arena_free(ctl.arena);
	etf_buf_free(&ctl.req);
	return rv;
}
