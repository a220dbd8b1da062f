/* ctl.h: todoctl's commands and what they share. */
#ifndef TODOD_CTL_H
#define TODOD_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "etf.h"
#include "todo_term.h"
#include "todoclient.h"

/* Exit status (todoctl(1)). */
#define CTL_EXIT_OK		0
#define CTL_EXIT_ERROR		1	/* the daemon answered with an error */
#define CTL_EXIT_USAGE		2	/* bad arguments or input */
#define CTL_EXIT_UNREACHABLE	3	/* cannot reach the daemon */

struct ctl_cmd;

struct ctl {
	const char		*socket;	/* -s, or NULL for the default */
	int			 timeout_ms;
	bool			 json;
	const char		*opt_date;	/* update --date */
	const char		*opt_title;	/* update --title */
	const struct ctl_cmd	*cmd;
	time_t			 now;
	struct tc_conn		*conn;
	struct etf_arena	*arena;
	struct etf_buf		 req;
	int			 out_errno;	/* of a failed write, or 0 */
};

struct ctl_cmd {
	const char	*name;
	const char	*alias;
	const char	*args;		/* the synopsis after the name */
	const char	*summary;
	const char	*help;		/* what `todoctl help NAME` adds */
	int		 min_args;
	int		 max_args;	/* -1: any number */
	bool		 update_opts;	/* takes --date and --title */
	int		(*run)(struct ctl *, int argc, char **argv);
};

/* ctl_util.c */
int	ctl_usage(struct ctl *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	ctl_error(struct ctl *, int status, const char *reason,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int	ctl_classify(struct ctl *, int tc_status, const char **reason);
int	ctl_fail(struct ctl *, int tc_status);
int	ctl_connect(struct ctl *);
int	ctl_call(struct ctl *, const struct etf_term **reply);
int	ctl_list_call(struct ctl *, const char *list,
	    const struct etf_term **reply);
int	ctl_parse_date(struct ctl *, const char *, struct todo_date *);
int	ctl_parse_id(struct ctl *, const char *, int64_t *);
int	ctl_check_title(struct ctl *, const char *, size_t);
int	ctl_title(struct ctl *, int argc, char **argv, char **title,
	    size_t *len);
int	ctl_entries_of(struct ctl *, const struct etf_term *list,
	    struct todo_entry **out, size_t *n);
size_t	ctl_columns(void);

/* The commands. */
int	cmd_add(struct ctl *, int, char **);
int	cmd_entries(struct ctl *, int, char **);
int	cmd_update(struct ctl *, int, char **);
int	cmd_delete(struct ctl *, int, char **);
int	cmd_lists(struct ctl *, int, char **);
int	cmd_import(struct ctl *, int, char **);
int	cmd_export(struct ctl *, int, char **);
int	cmd_status(struct ctl *, int, char **);
int	cmd_ping(struct ctl *, int, char **);
int	cmd_sync(struct ctl *, int, char **);

/* ctl_entries.c: the table of entries. */
void	ctl_print_entries(struct ctl *, const struct todo_entry *, size_t);

#endif /* TODOD_CTL_H */
