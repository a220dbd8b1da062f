/*
 * optmsg.h: what to tell the user of an option that getopt_long(3)
 * refused, named as they wrote it.
 */
#ifndef TODOD_OPTMSG_H
#define TODOD_OPTMSG_H

#include <stddef.h>

/*
 * The message for ch, what getopt_long returned ('?', or ':' for a
 * missing argument when the option string starts with ':' after any '+'),
 * with argc and argv as they were given to it: "bad option: -x", "bad option:
 * --frob", "option --date needs an argument".  Written into buf.
 */
const char	*optmsg(int ch, int argc, char *const *argv, char *buf,
		    size_t len);

#endif /* TODOD_OPTMSG_H */
