/* optmsg.c: the message for an option getopt_long refused (optmsg.h). */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "optmsg.h"

const char *
optmsg_ambiguous(const char *arg, const struct option *longopts, char *buf,
    size_t len)
{
	const struct option *o;
	size_t n, used;
	int found = 0;

	if (strncmp(arg, "--", 2) != 0 || len == 0)
		return NULL;
	arg += 2;
	n = strcspn(arg, "=");
	used = (size_t)snprintf(buf, len, "ambiguous option --%.*s:",
	    (int)n, arg);
	for (o = longopts; n > 0 && o->name != NULL; o++) {
		if (strncmp(o->name, arg, n) != 0)
			continue;
		if (o->name[n] == '\0')
			return NULL;	/* named exactly */
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used,
			    "%s --%s", found > 0 ? "," : "", o->name);
		found++;
	}
	return found > 1 ? buf : NULL;
}

/*
 * optind has moved past a long option, and past a short one that lacks
 * its argument or ends its cluster, but not past an unknown short one
 * inside a cluster (such as the -1 of a date): that cluster, argv[optind],
 * holds optopt.  optopt is 0 for an unknown long option, and the
 * option's letter for a long one given an argument it does not take
 * (--json=x).
 */
const char *
optmsg(int ch, int argc, char *const *argv, const struct option *longopts,
    char *buf, size_t len)
{
	const char *arg = argv[optind - 1], *cur, *word;
	bool lng = strncmp(arg, "--", 2) == 0;

	cur = optind < argc ? argv[optind] : NULL;
	word = arg;
	if (ch == '?' && optopt != 0 && cur != NULL && cur[0] == '-' &&
	    cur[1] != '-' && strchr(cur + 1, optopt) != NULL) {
		lng = false;	/* inside the cluster cur */
		word = cur;
	}
	if (ch == '?' && lng && optmsg_ambiguous(arg, longopts, buf, len) !=
	    NULL)
		return buf;
	if (ch == ':' && lng)
		snprintf(buf, len, "option %s needs an argument", arg);
	else if (ch == ':')
		snprintf(buf, len, "option -%c needs an argument", optopt);
	else if (optopt == 0 || (lng && strchr(arg, '=') != NULL))
		snprintf(buf, len, "bad option: %s", arg);
	else if (strlen(word) > 2 && word[0] == '-' && word[1] != '-')
		/* A cluster: -dash is refused at its d. */
		snprintf(buf, len, "bad option: -%c in %s", optopt, word);
	else
		snprintf(buf, len, "bad option: -%c", optopt);
	return buf;
}

int
opt_decimal(const char *s, double *v)
{
	const char *p = s;
	double x = 0, scale = 1;
	bool digits = false;

	/* Read here, not by strtod(3), whose decimal point is the locale's
	 * (a comma in some): "2.5" is two and a half whatever LC_NUMERIC. */
	for (; *p >= '0' && *p <= '9'; p++, digits = true)
		x = x * 10 + (*p - '0');
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, digits = true)
			x += (*p - '0') * (scale /= 10);
	if (!digits || *p != '\0')
		return -1;
	*v = x;
	return 0;
}
