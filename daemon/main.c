/*
 * main.c: todod, the to-do list daemon.
 *
 * See supervisor.h for the process architecture and todod(8) for its use.
 */
#include "config.h"

#include "log.h"
#include "options.h"
#include "proc.h"
#include "supervisor.h"

int
main(int argc, char *argv[], char *envp[])
{
	static struct todod_config cfg;

	options_parse(&cfg, argc, argv);
	log_init(1, (enum log_level)cfg.log_level);
	proc_title_init(argc, argv, envp);
	return supervisor_run(&cfg);
}
