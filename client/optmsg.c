/* optmsg.c: the message for an option getopt_long refused (optmsg.h). */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "optmsg.h"

/*
 * optind has moved past a long option, and past a short one that lacks
 * its argument or ends its cluster, but not past an unknown short one
 * inside a cluster (such as the -1 of a date): that cluster, argv[optind],
 * holds optopt.  optopt is 0 for an unknown long option, and the
 * option's letter for a long one given an argument it does not take
 * (--json=x).
 */
const char *
optmsg(int ch, int argc, char *const *argv, char *buf, size_t len)
{
	const char *arg = argv[optind - 1], *cur;
	bool lng = strncmp(arg, "--", 2) == 0;

	cur = optind < argc ? argv[optind] : NULL;
	if (ch == '?' && optopt != 0 && cur != NULL && cur[0] == '-' &&
	    cur[1] != '-' && strchr(cur + 1, optopt) != NULL)
		lng = false;	/* inside the cluster cur */
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
