/* optmsg.c: the message for an option getopt_long refused (optmsg.h). */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "optmsg.h"

/*
 * optind has moved past a long option, and past a short one that lacks
 * its argument, but not past an unknown short one inside a cluster (such
 * as the -1 of a date), which optopt names; optopt is 0 for an unknown
 * long option, and the option's letter for a long one given an argument
 * it does not take (--json=x).
 */
const char *
optmsg(int ch, char *const *argv, char *buf, size_t len)
{
	const char *arg = argv[optind - 1];
	bool lng = strncmp(arg, "--", 2) == 0;

	if (ch == ':' && lng)
		snprintf(buf, len, "option %s needs an argument", arg);
	else if (ch == ':')
		snprintf(buf, len, "option -%c needs an argument", optopt);
	else if (optopt == 0 || (lng && strchr(arg, '=') != NULL))
		snprintf(buf, len, "bad option: %s", arg);
	else
		snprintf(buf, len, "bad option: -%c", optopt);
	return buf;
}
