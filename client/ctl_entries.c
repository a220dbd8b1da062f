/* ctl_entries.c: todoctl add, entries, update, delete. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_json.h"
#include "ctl_text.h"
#include "etf.h"
#include "todo_term.h"
#include "todoclient.h"

/* ID  DATE        TITLE, the ids right-aligned; titles cut to the
 * terminal's width when stdout is one. */
static void
print_table(const struct todo_entry *e, size_t n)
{
	char date[11], id[24];
	size_t i, idw = 2, cols = ctl_columns(), room;

	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%" PRId64, e[i].id);
		if (strlen(id) > idw)
			idw = strlen(id);
	}
	printf("%*s  %-10s  %s\n", (int)idw, "ID", "DATE", "TITLE");
	room = cols > idw + 14 + 8 ? cols - idw - 14 - 1 : 0;
	if (cols > 0 && room == 0)
		room = 8;
	for (i = 0; i < n; i++) {
		todo_date_format(e[i].date, date);
		printf("%*" PRId64 "  %s  ", (int)idw, e[i].id, date);
		text_print(stdout, e[i].title, e[i].title_len, room);
		putchar('\n');
	}
}

void
ctl_print_entries(struct ctl *ctl, const struct todo_entry *e, size_t n)
{
	json_t *a;
	size_t i;

	if (!ctl->json) {
		print_table(e, n);
		return;
	}
	a = json_array();
	for (i = 0; a != NULL && i < n; i++)
		if (json_array_append_new(a, cj_entry(&e[i])) == -1) {
			json_decref(a);
			a = NULL;
		}
	cj_print(stdout, a);
}

/* Check a reply to a list request; its value in *v. */
static int
value_of(struct ctl *ctl, const struct etf_term *r, const struct etf_term **v)
{
	int rv;

	if ((rv = tc_reply_value(ctl->conn, r, v)) != TC_OK)
		return ctl_fail(ctl, rv);
	return 0;
}

int
cmd_add(struct ctl *ctl, int argc, char **argv)
{
	const struct etf_term *r, *v;
	struct todo_date d;
	char *title;
	size_t len;
	int64_t id;
	int rv;

	if ((rv = ctl_parse_date(ctl, argv[1], &d)) != 0 ||
	    (rv = ctl_title(ctl, argc - 2, argv + 2, &title, &len)) != 0)
		return rv;
	tc_req_add(&ctl->req, d, title, len);
	free(title);
	if ((rv = ctl_list_call(ctl, argv[0], &r)) != 0 ||
	    (rv = value_of(ctl, r, &v)) != 0)
		return rv;
	/* An id is 1 to 2^63-1: anything else is not a reply to an add. */
	if (v == NULL || todo_id_from_term(v, &id) == -1)
		return ctl_fail(ctl, tc_unexpected(ctl->conn, "add_entry"));
	if (ctl->json)
		cj_print(stdout, json_pack("{s:I}", "id", (json_int_t)id));
	else
		printf("%" PRId64 "\n", id);
	return 0;
}

int
cmd_entries(struct ctl *ctl, int argc, char **argv)
{
	const struct etf_term *r, *v;
	struct todo_entry *e;
	struct todo_date d;
	size_t n;
	int rv;

	if (argc == 2 && (rv = ctl_parse_date(ctl, argv[1], &d)) != 0)
		return rv;
	tc_req_entries(&ctl->req, argc == 2 ? &d : NULL);
	if ((rv = ctl_list_call(ctl, argv[0], &r)) != 0 ||
	    (rv = value_of(ctl, r, &v)) != 0 ||
	    (rv = ctl_entries_of(ctl, v, &e, &n)) != 0)
		return rv;
	ctl_print_entries(ctl, e, n);
	free(e);
	return 0;
}

int
cmd_update(struct ctl *ctl, int argc, char **argv)
{
	const struct etf_term *r, *v;
	struct todo_entry e;
	struct todo_date d;
	int64_t id;
	size_t len = 0;
	int rv;

	if (ctl->opt_date == NULL && ctl->opt_title == NULL)
		return ctl_usage(ctl, "nothing to change: give --date, "
		    "--title or both");
	if ((rv = ctl_parse_id(ctl, argv[1], &id)) != 0)
		return rv;
	if (ctl->opt_date != NULL &&
	    (rv = ctl_parse_date(ctl, ctl->opt_date, &d)) != 0)
		return rv;
	if (ctl->opt_title != NULL) {
		len = strlen(ctl->opt_title);
		if ((rv = ctl_check_title(ctl, ctl->opt_title, len)) != 0)
			return rv;
	}
	tc_req_update(&ctl->req, id, ctl->opt_date ? &d : NULL,
	    ctl->opt_title, len);
	if ((rv = ctl_list_call(ctl, argv[0], &r)) != 0 ||
	    (rv = value_of(ctl, r, &v)) != 0)
		return rv;
	if (v == NULL || todo_entry_from_term(v, &e) == -1)
		return ctl_fail(ctl, tc_unexpected(ctl->conn, "update_entry"));
	if (ctl->json)
		cj_print(stdout, cj_entry(&e));
	else
		print_table(&e, 1);
	return 0;
}

int
cmd_delete(struct ctl *ctl, int argc, char **argv)
{
	const struct etf_term *r;
	int64_t id;
	int rv;

	if ((rv = ctl_parse_id(ctl, argv[1], &id)) != 0)
		return rv;
	tc_req_delete(&ctl->req, id);
	if ((rv = ctl_list_call(ctl, argv[0], &r)) != 0)
		return rv;
	if ((rv = tc_reply_atom(ctl->conn, r, "ok")) != TC_OK)
		return ctl_fail(ctl, rv);
	if (ctl->json)
		cj_print(stdout, json_pack("{s:b}", "ok", 1));
	return 0;
}
