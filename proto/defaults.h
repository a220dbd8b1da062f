/*
 * defaults.h: default paths, and the rule for a socket's directory,
 * shared by todod, todoctl and todo-bench.
 *
 * Socket: $TODOD_SOCKET, else /run/todod/todod.sock for root, else
 * $XDG_RUNTIME_DIR/todod/todod.sock, else /tmp/todod-$UID/todod.sock.
 * Data:   /var/lib/todod for root, else
 *         ${XDG_STATE_HOME:-$HOME/.local/state}/todod, the password
 *         database's home directory standing in for an unset HOME.
 */
#ifndef TODOD_DEFAULTS_H
#define TODOD_DEFAULTS_H

#include <sys/types.h>
#include <sys/stat.h>

#include <stddef.h>

/* The system daemon's socket: root's default. */
#define DEFAULT_SYSTEM_SOCKET	"/run/todod/todod.sock"

/*
 * Whether the directory dir is safe for the files of the user euid: owned
 * by euid, root or also_ok ((uid_t)-1 for none), not writable by group or
 * others (unless it is sticky and sticky_ok), and not named by a symbolic
 * link of another owner than those; else another user could have put
 * files of their own there (in /tmp, anyone may make /tmp/todod-$UID a
 * link to /tmp itself, which is root's and sticky, and the link's owner
 * tells).  The socket's directory and the data directory may not be
 * sticky (sticky_ok 0): a sticky directory still lets others make names
 * in it (a socket listening first, a journal that would be replayed);
 * the directories above them may (as /tmp).  0 if it is safe;
 * DIR_BAD_OWNER, DIR_BAD_MODE or DIR_BAD_LINK, with the owner at fault
 * (the directory's or the link's) in *owner; -1 (errno) if dir cannot be
 * examined.  *st gets the directory's status (a link followed).
 */
enum { DIR_BAD_OWNER = 1, DIR_BAD_MODE = 2, DIR_BAD_LINK = 3 };
int	dir_check(const char *dir, uid_t euid, uid_t also_ok, int sticky_ok,
	    struct stat *st, uid_t *owner);

/* Each writes a NUL-terminated path into buf and returns 0, or returns -1
 * if it does not fit (or no home directory is known, for the data dir). */
int	default_socket_path(char *buf, size_t size);
int	default_data_dir(char *buf, size_t size);

#endif /* TODOD_DEFAULTS_H */
