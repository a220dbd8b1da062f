/*
 * options.h: todod's options (todod(8)) and their defaults.
 */
#ifndef TODOD_OPTIONS_H
#define TODOD_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define TODOD_PATH_MAX	4096

/*
 * The bounds of --max-list-size.  The largest is under the largest list
 * file a worker writes and reads back (proc.h: PROC_MAX_LIST_FILE), with
 * room for extra entry keys of files written by other programs, which
 * may grow when written back (listfile.h).
 */
#define TODOD_LIST_SIZE_MIN	4096
#define TODOD_LIST_SIZE_MAX	(500u * 1024 * 1024)

struct todod_config {
	bool	foreground;		/* -f */
	char	data_dir[TODOD_PATH_MAX];	/* -d */
	char	socket_path[TODOD_PATH_MAX];	/* -s; < sizeof(sun_path) */
	char	pidfile[TODOD_PATH_MAX];	/* -p; "" = none */
	int	workers;		/* -w, 1..64, default 3 */
	int	idle_timeout;		/* seconds, 0 = never, default 300 */
	int	max_lists;		/* default 1024 */
	bool	sync;			/* --sync always (true) | none */
	size_t	max_frame;		/* default 1 MiB, 1 KiB .. 64 MiB */
	size_t	max_list_size;		/* bytes, default and max 500 MiB */
	int	log_level;		/* enum log_level, default info */
	mode_t	socket_mode;		/* default 0660 */
	char	user[256];		/* -u: drop to this user; "" = stay */
	int	max_conns_per_uid;	/* 0 = unlimited, default 0 */
};

/*
 * Paths are absolute (made so against the working directory).  The
 * pidfile defaults to none with -f, else to the socket's path with ".sock"
 * replaced by ".pid"; it is never inside the data directory.  -u is only
 * accepted from root, for an existing user other than uid 0.
 *
 * Fill cfg from argv (getopt_long).  Prints --help or --version to stdout
 * and exits 0; prints a usage error to stderr and exits 2.  Returns only
 * with a complete, validated configuration, defaults applied.
 */
void	options_parse(struct todod_config *cfg, int argc, char *argv[]);

#endif /* TODOD_OPTIONS_H */
