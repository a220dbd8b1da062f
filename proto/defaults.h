/*
 * defaults.h: default paths shared by todod, todoctl and todo-bench.
 *
 * Socket: $TODOD_SOCKET, else /run/todod/todod.sock for root, else
 * $XDG_RUNTIME_DIR/todod/todod.sock, else /tmp/todod-$UID/todod.sock.
 * Data:   /var/lib/todod for root, else
 *         ${XDG_STATE_HOME:-$HOME/.local/state}/todod, the password
 *         database's home directory standing in for an unset HOME.
 */
#ifndef TODOD_DEFAULTS_H
#define TODOD_DEFAULTS_H

#include <stddef.h>

/* Each writes a NUL-terminated path into buf and returns 0, or returns -1
 * if it does not fit (or no home directory is known, for the data dir). */
int	default_socket_path(char *buf, size_t size);
int	default_data_dir(char *buf, size_t size);

#endif /* TODOD_DEFAULTS_H */
