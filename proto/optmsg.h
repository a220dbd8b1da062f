/*
 * optmsg.h: what to tell the user of an option that getopt_long(3)
 * refused, named as they wrote it (todod, todoctl, todo-bench); and the
 * decimal numbers their options take.
 */
#ifndef TODOD_OPTMSG_H
#define TODOD_OPTMSG_H

#include <stddef.h>

struct option;

/*
 * The message for ch, what getopt_long returned ('?', or ':' for a
 * missing argument when the option string starts with ':' after any '+'),
 * with argc, argv and the long options as they were given to it: "bad
 * option: -x", "bad option: --frob", "option --date needs an argument",
 * "ambiguous option --pre: --preload, --preloaded".  Written into buf.
 */
const char	*optmsg(int ch, int argc, char *const *argv,
		    const struct option *longopts, char *buf, size_t len);
/*
 * "ambiguous option --ARG: --NAME, ..." into buf if arg ("--" and a
 * name, with or without "=value") abbreviates more than one of longopts
 * and names none exactly; else NULL.
 */
const char	*optmsg_ambiguous(const char *arg,
		    const struct option *longopts, char *buf, size_t len);

/*
 * A decimal number, digits with a fraction or not ("5", "0.25", ".5"),
 * and nothing else (no sign, blank, exponent or hexadecimal, which
 * strtod(3) would take), with '.' as the decimal point whatever the
 * locale: 0 and *v, or -1.
 */
int		 opt_decimal(const char *s, double *v);

#endif /* TODOD_OPTMSG_H */
