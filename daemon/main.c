/*
 * main.c: todod, the to-do list daemon.
 *
 * See supervisor.h for the process architecture and todod(8) for its use.
 */
#include "config.h"

#include <stdio.h>

#include "log.h"
#include "options.h"
#include "proc.h"
#include "stdfds.h"
#include "supervisor.h"

int
main(int argc, char *argv[], char *envp[])
{
	static struct todod_config cfg;

	/* Before any descriptor is opened: a closed standard one would be
	 * the socket's or a lock's number, and the log would go into it. */
	if (stdfds_hold() == -1) {
		perror("todod: standard descriptors");
		return 1;
	}
	options_parse(&cfg, argc, argv);
	log_init(1, (enum log_level)cfg.log_level);
	proc_title_init(argc, argv, envp);
	return supervisor_run(&cfg);
}
