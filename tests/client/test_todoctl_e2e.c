/*
 * test_todoctl_e2e.c: todoctl end to end against a private daemon: every
 * command in human and --json form (the JSON parsed with jansson), the
 * exit status of an error reply, a 10,000-line import with and without a
 * bad line, export reading back identical, unicode and control characters
 * in the table and in JSON, an import's progress and summary on a
 * terminal; and todo-bench's report of each workload.
 *
 * The daemon is $TODOD, started in a temporary directory with its own
 * socket and data directory.  With TODOD_TEST_PEER=path/to/elixir-peer.exs
 * the same tests run against the protocol's reference peer instead, its
 * imports a fifth the size (import_lines).
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "../ckrun.h"

#define IMPORT_LINES	10000

static struct h_daemon daemon_;
static bool started;

static void
start(void)
{
	started = h_daemon_start(&daemon_) == 0;
}

static void
stop(void)
{
	if (started)
		h_daemon_stop(&daemon_);
}

/* prog -s SOCK args... (NULL-terminated); the run must finish. */
static void
run_on_daemon(struct h_run *r, const char *prog, const char *in, va_list ap)
{
	char *argv[32];
	int n = 0;

	ck_assert_msg(started, "the daemon did not start (see above)");
	argv[n++] = (char *)prog;
	argv[n++] = "-s";
	argv[n++] = daemon_.sock;
	while (n < 31 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	argv[n] = NULL;
	ck_assert_int_eq(h_run_argv(r, in, NULL, argv), 0);
}

/* todoctl -s SOCK args... */
static void
ctl(struct h_run *r, const char *in, ...)
{
	va_list ap;

	va_start(ap, in);
	run_on_daemon(r, h_todoctl(), in, ap);
	va_end(ap);
}

#define CTL(r, ...)	ctl((r), NULL, __VA_ARGS__, (char *)NULL)
#define CTL_IN(r, in, ...) ctl((r), (in), __VA_ARGS__, (char *)NULL)

static void
ok(struct h_run *r)
{
	ck_assert_msg(r->status == 0, "status %d, stderr: %s", r->status,
	    r->err);
}

/* stdout as JSON (one value and a newline). */
static json_t *
json_out(struct h_run *r)
{
	json_error_t e;
	json_t *j;

	j = json_loads(r->out, JSON_ALLOW_NUL, &e);
	ck_assert_msg(j != NULL, "not JSON (%s): '%s'", e.text, r->out);
	ck_assert(r->out_len > 0 && r->out[r->out_len - 1] == '\n');
	return j;
}

static void
assert_error(struct h_run *r, int status, const char *reason,
    const char *msg)
{
	json_t *j;

	ck_assert_msg(r->status == status, "status %d, want %d: %s",
	    r->status, status, r->err);
	ck_assert_msg(strstr(r->err, msg) != NULL, "'%s' not in '%s'", msg,
	    r->err);
	if (r->out_len > 0) {		/* --json */
		j = json_out(r);
		ck_assert_str_eq(json_string_value(json_object_get(j,
		    "error")), reason);
		json_decref(j);
	}
}

static int64_t
add(const char *list, const char *date, const char *title)
{
	struct h_run r;
	char *end;
	int64_t id;

	CTL(&r, "add", list, date, title);
	ok(&r);
	id = strtoll(r.out, &end, 10);
	ck_assert_msg(id > 0 && strcmp(end, "\n") == 0, "add printed '%s'",
	    r.out);
	h_run_free(&r);
	return id;
}

/* An entry object: exactly id, date, title. */
static void
assert_entry(json_t *e, json_int_t id, const char *date, const char *title,
    size_t title_len)
{
	json_t *t;

	ck_assert(json_is_object(e));
	ck_assert_uint_eq(json_object_size(e), 3);
	ck_assert(json_is_integer(json_object_get(e, "id")));
	if (id > 0)
		ck_assert_int_eq(json_integer_value(json_object_get(e, "id")),
		    id);
	ck_assert_str_eq(json_string_value(json_object_get(e, "date")), date);
	t = json_object_get(e, "title");
	ck_assert(json_is_string(t));
	if (title_len == 0)
		title_len = strlen(title);
	ck_assert_uint_eq(json_string_length(t), title_len);
	ck_assert(memcmp(json_string_value(t), title, title_len) == 0);
}

START_TEST(test_ping)
{
	struct h_run r;
	json_t *j;

	CTL(&r, "ping");
	ok(&r);
	ck_assert_str_eq(r.out, "pong\n");
	h_run_free(&r);
	CTL(&r, "--json", "ping");
	ok(&r);
	j = json_out(&r);
	ck_assert(json_is_true(json_object_get(j, "pong")));
	json_decref(j);
	h_run_free(&r);
}
END_TEST

START_TEST(test_add_entries)
{
	struct h_run r, r2;
	json_t *j;
	int64_t a, b, c;

	a = add("e2e-add", "2018/12/19", "Dentist");
	b = add("e2e-add", "2018-12-20", "Shopping");
	c = add("e2e-add", "2018-12-19", "Movies");
	ck_assert(a < b && b < c);

	CTL(&r, "--json", "add", "e2e-add", "2018-12-21", "Buy", "milk");
	ok(&r);
	j = json_out(&r);
	ck_assert_uint_eq(json_object_size(j), 1);
	ck_assert_int_gt(json_integer_value(json_object_get(j, "id")), c);
	json_decref(j);
	h_run_free(&r);

	CTL(&r, "entries", "e2e-add");
	ok(&r);
	ck_assert_str_eq(r.out,
	    "ID  DATE        TITLE\n"
	    " 1  2018-12-19  Dentist\n"
	    " 2  2018-12-20  Shopping\n"
	    " 3  2018-12-19  Movies\n"
	    " 4  2018-12-21  Buy milk\n");
	CTL(&r2, "ls", "e2e-add");		/* the alias */
	ok(&r2);
	ck_assert_str_eq(r.out, r2.out);
	h_run_free(&r);
	h_run_free(&r2);

	CTL(&r, "--json", "entries", "e2e-add", "2018/12/19");
	ok(&r);
	j = json_out(&r);
	ck_assert_uint_eq(json_array_size(j), 2);
	assert_entry(json_array_get(j, 0), a, "2018-12-19", "Dentist", 0);
	assert_entry(json_array_get(j, 1), c, "2018-12-19", "Movies", 0);
	json_decref(j);
	h_run_free(&r);

	/* --json after the command works too. */
	CTL(&r, "ls", "e2e-add", "--json");
	ok(&r);
	j = json_out(&r);
	ck_assert_uint_eq(json_array_size(j), 4);
	json_decref(j);
	h_run_free(&r);

	CTL(&r, "ls", "e2e-add", "2000-01-01");
	ok(&r);
	ck_assert_str_eq(r.out, "ID  DATE        TITLE\n");
	h_run_free(&r);
	CTL(&r, "--json", "ls", "e2e-empty-list");
	ok(&r);
	ck_assert_str_eq(r.out, "[]\n");
	h_run_free(&r);
}
END_TEST

START_TEST(test_update)
{
	char id[32];
	struct h_run r;
	json_t *j;

	snprintf(id, sizeof(id), "%" PRId64, add("e2e-upd", "2018-12-19",
	    "Dentist"));
	CTL(&r, "--json", "update", "e2e-upd", id, "--title", "Dentist, 9am");
	ok(&r);
	j = json_out(&r);
	assert_entry(j, atoi(id), "2018-12-19", "Dentist, 9am", 0);
	json_decref(j);
	h_run_free(&r);

	CTL(&r, "update", "e2e-upd", id, "--date", "2018/12/24");
	ok(&r);
	ck_assert_ptr_nonnull(strstr(r.out, "2018-12-24  Dentist, 9am\n"));
	h_run_free(&r);

	CTL(&r, "update", "--date", "2019-01-02", "--title", "Both",
	    "e2e-upd", id);
	ok(&r);
	h_run_free(&r);
	CTL(&r, "--json", "ls", "e2e-upd");
	j = json_out(&r);
	assert_entry(json_array_get(j, 0), atoi(id), "2019-01-02", "Both", 0);
	json_decref(j);
	h_run_free(&r);

	CTL(&r, "update", "e2e-upd", "999", "--title", "x");
	assert_error(&r, 1, "not_found", "no such entry");
	h_run_free(&r);
	CTL(&r, "--json", "update", "e2e-upd", "999", "--title", "x");
	assert_error(&r, 1, "not_found", "no such entry");
	h_run_free(&r);
}
END_TEST

START_TEST(test_delete)
{
	char id[32];
	struct h_run r;
	json_t *j;

	snprintf(id, sizeof(id), "%" PRId64, add("e2e-del", "today", "a"));
	add("e2e-del", "tomorrow", "b");
	CTL(&r, "delete", "e2e-del", id);
	ok(&r);
	ck_assert_uint_eq(r.out_len, 0);
	h_run_free(&r);
	CTL(&r, "rm", "e2e-del", id);
	assert_error(&r, 1, "not_found", "no such entry");
	h_run_free(&r);
	CTL(&r, "--json", "rm", "e2e-del", id);
	assert_error(&r, 1, "not_found", "no such entry");
	h_run_free(&r);
	snprintf(id, sizeof(id), "%" PRId64, add("e2e-del", "yesterday", "c"));
	CTL(&r, "--json", "rm", "e2e-del", id);
	ok(&r);
	j = json_out(&r);
	ck_assert(json_is_true(json_object_get(j, "ok")));
	json_decref(j);
	h_run_free(&r);
	CTL(&r, "--json", "ls", "e2e-del");
	j = json_out(&r);
	ck_assert_uint_eq(json_array_size(j), 1);
	json_decref(j);
	h_run_free(&r);
}
END_TEST

START_TEST(test_lists)
{
	struct h_run r;
	json_t *j;
	size_t i;
	int found = 0;
	const char *prev = "";

	add("e2e-lists-b", "today", "x");
	add("e2e-lists-a", "today", "x");
	CTL(&r, "lists");
	ok(&r);
	ck_assert_ptr_nonnull(strstr(r.out, "e2e-lists-a\ne2e-lists-b\n"));
	h_run_free(&r);
	CTL(&r, "--json", "lists");
	ok(&r);
	j = json_out(&r);
	ck_assert(json_is_array(j));
	for (i = 0; i < json_array_size(j); i++) {
		const char *n = json_string_value(json_array_get(j, i));

		ck_assert_ptr_nonnull(n);
		ck_assert_msg(strcmp(prev, n) < 0, "not sorted");
		prev = n;
		found += strncmp(n, "e2e-lists-", 10) == 0;
	}
	ck_assert_int_eq(found, 2);
	json_decref(j);
	h_run_free(&r);
}
END_TEST

START_TEST(test_status)
{
	static const char *keys[] = { "supervisor", "cache", "lists_live",
	    "restarts", "uptime_s" };
	static const char *wkeys[] = { "pid", "stores", "fsyncs", "queue" };
	struct h_run r;
	json_t *j, *w;
	size_t i, k;
	/* Longer than a terminal's 40 columns: piped, it is not cut. */
	const char *longname = "e2e-status-a-list-name-longer-than-forty-"
	    "columns";

	add(longname, "2026-01-01", "live");
	CTL(&r, "status");
	ok(&r);
	ck_assert_ptr_nonnull(strstr(r.out, "todod is running"));
	if (!h_using_peer())
		ck_assert_msg(strstr(r.out, longname) != NULL, "'%s'", r.out);
	ck_assert_ptr_nonnull(strstr(r.out, "supervisor"));
	ck_assert_ptr_nonnull(strstr(r.out, "worker 0"));
	/* todod's other counters as "key: JSON", none cut short (the
	 * reference peer has none). */
	if (!h_using_peer()) {
		ck_assert_ptr_nonnull(strstr(r.out, "\nlists_waiting: 0\n"));
		ck_assert_ptr_nonnull(strstr(r.out, "\nmax_lists:     "));
	}
	h_run_free(&r);
	CTL(&r, "--json", "status");
	ok(&r);
	j = json_out(&r);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		ck_assert_msg(json_is_integer(json_object_get(j, keys[i])),
		    "no %s", keys[i]);
	w = json_object_get(j, "workers");
	ck_assert(json_is_array(w) && json_array_size(w) > 0);
	for (i = 0; i < json_array_size(w); i++)
		for (k = 0; k < sizeof(wkeys) / sizeof(wkeys[0]); k++)
			ck_assert(json_is_integer(json_object_get(
			    json_array_get(w, i), wkeys[k])));
	json_decref(j);
	h_run_free(&r);
}
END_TEST

/* sync: ok, or, from a daemon without the request (the reference peer,
 * todod before it has one), exit 1 and a message that says so. */
START_TEST(test_sync)
{
	struct h_run r;
	json_t *j;

	CTL(&r, "--json", "sync");
	j = json_out(&r);
	if (r.status == 0)
		ck_assert(json_is_true(json_object_get(j, "ok")));
	else
		assert_error(&r, 1, "unknown_request", "does not support sync");
	json_decref(j);
	h_run_free(&r);
	CTL(&r, "sync");
	if (r.status == 0)
		ck_assert_uint_eq(r.out_len, 0);
	else
		assert_error(&r, 1, "unknown_request", "does not support sync");
	h_run_free(&r);
}
END_TEST

/* A usage error is found before the daemon is asked anything. */
START_TEST(test_usage_error)
{
	struct h_run r;

	CTL(&r, "update", "e2e-usage", "1");
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "nothing to change"));
	h_run_free(&r);
	CTL(&r, "--json", "lists");
	ck_assert_ptr_null(strstr(r.out, "e2e-usage"));
	h_run_free(&r);
}
END_TEST

START_TEST(test_bad_name)
{
	char name[300];
	struct h_run r;

	memset(name, 'n', 256);
	name[256] = '\0';
	CTL(&r, "--json", "add", name, "today", "x");
	assert_error(&r, 1, "bad_name", "list name is not valid");
	h_run_free(&r);
	CTL(&r, "ls", "");
	assert_error(&r, 1, "bad_name", "list name is not valid");
	h_run_free(&r);
}
END_TEST

/* Unicode titles stay themselves in JSON; the table escapes controls. */
static const char *utitles[] = {
	"日本語のタイトル", "😀 emoji 👍🏽", "e\xcc\x81t\xc3\xa9",
	"\x1b[31mred\x1b[0m", "tab\there", "Ελληνικά, \"quoted\"",
};

START_TEST(test_unicode)
{
	struct h_run r;
	json_t *j;
	size_t i, n = sizeof(utitles) / sizeof(utitles[0]);

	for (i = 0; i < n; i++)
		add("e2e-uni", "2018-12-19", utitles[i]);
	CTL(&r, "--json", "ls", "e2e-uni");
	ok(&r);
	j = json_out(&r);
	ck_assert_uint_eq(json_array_size(j), n);
	for (i = 0; i < n; i++)
		assert_entry(json_array_get(j, i), (json_int_t)i + 1,
		    "2018-12-19", utitles[i], 0);
	json_decref(j);
	h_run_free(&r);

	CTL(&r, "ls", "e2e-uni");
	ok(&r);
	ck_assert_ptr_nonnull(strstr(r.out, " 1  2018-12-19  日本語のタイトル\n"));
	ck_assert_ptr_nonnull(strstr(r.out, " 2  2018-12-19  😀 emoji 👍🏽\n"));
	ck_assert_ptr_nonnull(strstr(r.out,
	    " 4  2018-12-19  \\x1b[31mred\\x1b[0m\n"));
	ck_assert_ptr_nonnull(strstr(r.out, " 5  2018-12-19  tab\\there\n"));
	ck_assert_ptr_null(strchr(r.out, '\x1b'));
	ck_assert_ptr_null(strchr(r.out, '\t'));
	h_run_free(&r);
}
END_TEST

/* A title with NUL, a quote and a line break, through a CSV import. */
START_TEST(test_nul_title)
{
	static const char csv[] = "2018-12-19,\"a\0b \"\"c\"\"\nd\"\n";
	char path[PATH_MAX + 16];
	struct h_run r;
	json_t *j;

	snprintf(path, sizeof(path), "%s/nul.csv", daemon_.dir);
	h_write_file(path, csv, sizeof(csv) - 1);
	CTL(&r, "import", "e2e-nul", path);
	ok(&r);
	h_run_free(&r);
	CTL(&r, "--json", "ls", "e2e-nul");
	j = json_out(&r);
	assert_entry(json_array_get(j, 0), 1, "2018-12-19", "a\0b \"c\"\nd", 9);
	json_decref(j);
	h_run_free(&r);
	CTL(&r, "ls", "e2e-nul");
	ck_assert_ptr_nonnull(strstr(r.out, "a\\0b \"c\"\\nd\n"));
	h_run_free(&r);
	CTL(&r, "export", "e2e-nul");
	ck_assert_uint_eq(r.out_len, sizeof(csv) - 1);
	ck_assert(memcmp(r.out, csv, sizeof(csv) - 1) == 0);
	h_run_free(&r);
}
END_TEST

/*
 * Records of an import.  The reference peer stores the whole list once
 * per change (it has no group commit), so an import costs it time
 * quadratic in its size, a minute for IMPORT_LINES
 * and more than the case's timeout for the imports of all four: it gets
 * a fifth, still enough for todoctl's progress bar (2,000 records).
 */
static size_t
import_lines(void)
{
	return h_using_peer() ? IMPORT_LINES / 5 : IMPORT_LINES;
}

/*
 * n records in export's own format (so export must give the file back
 * byte for byte); record `bad` (from 1) broken if not 0, and *badline
 * the line it starts on (some records span two lines).
 */
static char *
make_csv(const char *name, size_t n, size_t bad, size_t *lenp,
    size_t *badline)
{
	static char path[PATH_MAX + 32];
	char *buf = NULL;
	size_t len = 0, i, line = 1;
	FILE *fp;

	fp = open_memstream(&buf, &len);
	for (i = 1; i <= n; i++, line++) {
		if (i == bad) {
			fprintf(fp, "2018-02-30,no such day\n");
			*badline = line;
			continue;
		}
		if (i % 5 == 3)
			line++;
		fprintf(fp, "20%02zu-%02zu-%02zu,", i % 100, i % 12 + 1,
		    i % 28 + 1);
		switch (i % 5) {
		case 0:
			fprintf(fp, "Entry %zu\n", i);
			break;
		case 1:
			fprintf(fp, "\"Entry %zu, with a comma\"\n", i);
			break;
		case 2:
			fprintf(fp, "\"say \"\"%zu\"\"\"\n", i);
			break;
		case 3:
			fprintf(fp, "\"two\nlines %zu\"\n", i);
			break;
		default:
			fprintf(fp, "日本 %zu 😀\n", i);
			break;
		}
	}
	fclose(fp);
	snprintf(path, sizeof(path), "%s/%s", daemon_.dir, name);
	ck_assert_int_eq(h_write_file(path, buf, len), 0);
	free(buf);
	if (lenp != NULL)
		*lenp = len;
	return path;
}

START_TEST(test_import_bad_line)
{
	struct h_run r;
	json_t *j;
	char *path, msg[64];
	size_t i, line = 0;

	/* Nothing is sent: as large for the peer. */
	path = make_csv("bad.csv", IMPORT_LINES, 5000, NULL, &line);
	CTL(&r, "import", "e2e-import-bad", path);
	ck_assert_int_eq(r.status, 2);
	ck_assert_uint_eq(line, 6000);
	snprintf(msg, sizeof(msg), "bad.csv:%zu: date is not valid", line);
	ck_assert_msg(strstr(r.err, msg) != NULL, "'%s' not in '%s'", msg,
	    r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "nothing imported"));
	h_run_free(&r);
	CTL(&r, "--json", "lists");
	j = json_out(&r);
	for (i = 0; i < json_array_size(j); i++)
		ck_assert_str_ne(json_string_value(json_array_get(j, i)),
		    "e2e-import-bad");
	json_decref(j);
	h_run_free(&r);
	CTL(&r, "export", "e2e-import-bad");
	ok(&r);
	ck_assert_uint_eq(r.out_len, 0);
	h_run_free(&r);
}
END_TEST

START_TEST(test_import_export)
{
	struct h_run r;
	char *path, *orig;
	size_t len;
	json_t *j;

	path = make_csv("good.csv", import_lines(), 0, &len, NULL);
	CTL(&r, "--json", "import", "e2e-import", path);
	ok(&r);
	j = json_out(&r);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "imported")),
	    import_lines());
	json_decref(j);
	h_run_free(&r);

	CTL(&r, "export", "e2e-import");
	ok(&r);
	orig = h_read_file(path, NULL);
	ck_assert_uint_eq(r.out_len, len);
	ck_assert_msg(memcmp(r.out, orig, len) == 0, "export differs");
	free(orig);
	h_run_free(&r);

	CTL(&r, "--json", "export", "e2e-import");
	ok(&r);
	j = json_out(&r);
	ck_assert_uint_eq(json_array_size(j), import_lines());
	assert_entry(json_array_get(j, 0), 1, "2001-02-02",
	    "Entry 1, with a comma", 0);
	json_decref(j);
	h_run_free(&r);

	/* From standard input, onto the same list: ids go on. */
	CTL_IN(&r, path, "import", "e2e-import", "-");
	ok(&r);
	h_run_free(&r);
	CTL(&r, "--json", "ls", "e2e-import");
	j = json_out(&r);
	ck_assert_uint_eq(json_array_size(j), 2 * import_lines());
	json_decref(j);
	h_run_free(&r);
}
END_TEST

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Run argv with its standard error on a new pseudo-terminal (stdin and
 * stdout /dev/null), for a deadline: what it wrote there, NUL-terminated
 * (free it), and its exit status.
 */
static char *
run_on_tty(char *const argv[], int *status)
{
	char *buf = NULL, chunk[4096];
	size_t len = 0;
	int64_t end;
	struct pollfd pfd;
	ssize_t n;
	pid_t pid;
	int m, s, null;
	FILE *fp;

	ck_assert_int_ne(m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), -1);
	ck_assert_int_eq(grantpt(m), 0);
	ck_assert_int_eq(unlockpt(m), 0);
	ck_assert_int_ne(s = open(ptsname(m), O_RDWR | O_NOCTTY), -1);
	ck_assert_int_ne(null = open("/dev/null", O_RDWR), -1);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(s, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(s);		/* EOF (EIO) on m once the child is done */
	close(null);
	ck_assert_ptr_nonnull(fp = open_memstream(&buf, &len));
	end = now_ms() + H_RUN_DEADLINE_MS;
	pfd.fd = m;
	pfd.events = POLLIN;
	while (now_ms() < end && poll(&pfd, 1, 100) >= 0) {
		if (pfd.revents == 0)
			continue;
		if ((n = read(m, chunk, sizeof(chunk))) <= 0)
			break;
		fwrite(chunk, 1, (size_t)n, fp);
	}
	fclose(fp);
	close(m);
	if (now_ms() >= end)
		kill(pid, SIGKILL);
	*status = h_wait(pid, 10000);
	return buf;
}

/*
 * An import on a terminal draws its progress and then says what it did,
 * naming the list as `lists` shows it: escaped, so that a name with
 * control characters (from a script, say) cannot move the cursor, clear
 * the screen or turn the text around (U+202E) on the user's terminal.
 */
START_TEST(test_import_on_tty)
{
	static const char name[] = "odd\x1b[2J\nname\t\xe2\x80\xae!";
	char *argv[] = { (char *)h_todoctl(), "-s", daemon_.sock, "import",
	    (char *)name, NULL, NULL };
	char want[128], done[64];
	struct h_run r;
	char *said;
	json_t *j;
	int status;

	ck_assert_msg(started, "the daemon did not start (see above)");
	snprintf(want, sizeof(want), "imported %zu entries into "
	    "odd\\x1b[2J\\nname\\t\\u202E!\r\n", import_lines());
	snprintf(done, sizeof(done), "] 100%% %zu/%zu\r\033[K",
	    import_lines(), import_lines());
	argv[5] = make_csv("tty.csv", import_lines(), 0, NULL, NULL);
	said = run_on_tty(argv, &status);
	ck_assert_msg(status == 0, "status %d: %s", status, said);
	ck_assert_msg(strstr(said, "\rimporting [") != NULL, "no progress: "
	    "'%s'", said);
	ck_assert_msg(strstr(said, done) != NULL, "the progress does not end "
	    "at 100%% and is not erased: '%s'", said);
	ck_assert_msg(strstr(said, want) != NULL, "'%s' not in '%s'", want,
	    said);
	ck_assert_ptr_null(strchr(strstr(said, "imported "), '\x1b'));
	free(said);

	CTL(&r, "--json", "ls", name);
	ok(&r);
	j = json_out(&r);
	ck_assert_uint_eq(json_array_size(j), import_lines());
	json_decref(j);
	h_run_free(&r);
}
END_TEST

/* todoctl -s SOCK, then rest (arguments and redirections, as the shell
 * reads them), run by /bin/sh in the C locale. */
static void
ctl_sh(struct h_run *r, const char *rest)
{
	char cmd[2 * PATH_MAX + 128], *argv[] = { "/bin/sh", "-c", cmd, NULL };
	char *const env[] = { "LC_ALL=C", NULL };

	snprintf(cmd, sizeof(cmd), "'%s' -s '%s' %s", h_todoctl(),
	    daemon_.sock, rest);
	ck_assert_int_eq(h_run_argv(r, NULL, env, argv), 0);
}

/* An export whose output cannot be written (a full disk) fails with
 * exit 1 and the write's own reason, not EIO, though it comes to light
 * long before the last flush. */
START_TEST(test_export_full)
{
	struct h_run r;
	char *path;

	path = make_csv("full.csv", import_lines(), 0, NULL, NULL);
	CTL(&r, "import", "e2e-full", path);
	ok(&r);
	h_run_free(&r);
	ctl_sh(&r, "export e2e-full > /dev/full");
	ck_assert_msg(r.status == 1, "status %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "cannot write the output: No space left "
	    "on device") != NULL, "'%s'", r.err);
	h_run_free(&r);
}
END_TEST

/* Started with its standard output closed, todoctl does not print into
 * its connection (the descriptor the socket would take): the output is
 * lost, and it says so with exit 1.  So is an error message with
 * standard error closed, and the exit status still tells it. */
START_TEST(test_closed_output)
{
	struct h_run r;

	add("e2e-closed", "2026-01-01", "kept");
	ctl_sh(&r, "ls e2e-closed >&-");
	ck_assert_msg(r.status == 1, "status %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "cannot write the output: Bad file "
	    "descriptor") != NULL, "'%s'", r.err);
	h_run_free(&r);
	ctl_sh(&r, "rm e2e-closed 999 2>&-");
	ck_assert_int_eq(r.status, 1);
	h_run_free(&r);
	CTL(&r, "ls", "e2e-closed");
	ok(&r);
	ck_assert_msg(strstr(r.out, "kept") != NULL, "'%s'", r.out);
	h_run_free(&r);
}
END_TEST

/* todo-bench -s SOCK args... */
static void
bench(struct h_run *r, ...)
{
	va_list ap;

	va_start(ap, r);
	run_on_daemon(r, h_todo_bench(), NULL, ap);
	va_end(ap);
}

/* todo-bench's JSON report of each workload: every request answered,
 * reads of about ten entries from the preloaded lists, the share of
 * reads that the workload made (not -r's for read and write). */
static const struct {
	const char	*workload;
	int		 read_pct;
	const char	*kinds[2];	/* latencies reported */
} bench_vec[] = {
	{ "mixed", 50, { "read", "write" } },
	{ "read", 100, { "read", NULL } },
	{ "write", 0, { "write", NULL } },
};

START_TEST(test_bench)
{
	struct h_run r;
	json_t *j, *o, *lat;
	double mean;
	size_t i;

	bench(&r, "--json", "-c", "2", "-l", "2", "--prefix", "e2e-bench",
	    "--preload", "100", "-w", bench_vec[_i].workload, "-r", "50",
	    "-n", "400", (char *)NULL);
	ok(&r);
	j = json_out(&r);
	o = json_object_get(j, "options");
	ck_assert_str_eq(json_string_value(json_object_get(o, "workload")),
	    bench_vec[_i].workload);
	ck_assert_int_eq(json_integer_value(json_object_get(o,
	    "read_percent")), bench_vec[_i].read_pct);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "errors")), 0);
	ck_assert_int_ge(json_integer_value(json_object_get(j, "ok")), 400);
	ck_assert(json_is_false(json_object_get(j, "aborted")));
	lat = json_object_get(j, "latency_us");
	for (i = 0; i < 2 && bench_vec[_i].kinds[i] != NULL; i++)
		ck_assert_msg(json_is_object(json_object_get(lat,
		    bench_vec[_i].kinds[i])), "no %s latencies",
		    bench_vec[_i].kinds[i]);
	if (bench_vec[_i].read_pct > 0) {
		/* 100 entries over about ten dates, more added as it runs */
		mean = json_real_value(json_object_get(j,
		    "read_entries_mean"));
		ck_assert_msg(mean >= 5 && mean <= 40, "mean %f", mean);
	}
	json_decref(j);
	h_run_free(&r);
}
END_TEST

/* A preload interrupted (SIGINT) reports the entries it added, though
 * no list is whole: what the lists hold, for a --preloaded run. */
START_TEST(test_bench_preload_interrupted)
{
	char out[PATH_MAX], *dir = h_tmpdir(), *text;
	struct h_run r;
	json_t *j;
	int64_t end;
	pid_t pid;
	int fd, added = 0;

	ck_assert_ptr_nonnull(dir);
	snprintf(out, sizeof(out), "%s/report.json", dir);
	if ((pid = fork()) == 0) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd == -1 || dup2(fd, STDOUT_FILENO) == -1)
			_exit(127);
		execl(h_todo_bench(), "todo-bench", "-s", daemon_.sock,
		    "--json", "-c", "1", "-l", "1", "--prefix", "e2e-int",
		    "--preload", "2000000", "-n", "1", (char *)NULL);
		_exit(127);
	}
	ck_assert_int_gt(pid, 0);
	/* Until the list holds some entries. */
	end = now_ms() + H_RUN_DEADLINE_MS;
	while (!added && now_ms() < end) {
		CTL(&r, "--json", "ls", "e2e-int-0");
		added = r.status == 0 && strstr(r.out, "\"id\"") != NULL;
		h_run_free(&r);
	}
	ck_assert_msg(added, "the preload added nothing");
	ck_assert_int_eq(kill(pid, SIGINT), 0);
	/* Interrupted before it measured: exit 1, and the report. */
	ck_assert_int_eq(h_wait(pid, H_RUN_DEADLINE_MS), 1);
	ck_assert_ptr_nonnull(text = h_read_file(out, NULL));
	ck_assert_ptr_nonnull(j = json_loads(text, 0, NULL));
	ck_assert(json_is_true(json_object_get(j, "aborted")));
	ck_assert_msg(json_integer_value(json_object_get(json_object_get(j,
	    "preload"), "entries")) > 0, "'%s'", text);
	json_decref(j);
	free(text);
	h_rmtree(dir);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("todoctl_e2e");
	TCase *tc;

	tc = tcase_create("commands");
	tcase_add_unchecked_fixture(tc, start, stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_ping);
	tcase_add_test(tc, test_add_entries);
	tcase_add_test(tc, test_update);
	tcase_add_test(tc, test_delete);
	tcase_add_test(tc, test_lists);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_sync);
	tcase_add_test(tc, test_bad_name);
	tcase_add_test(tc, test_usage_error);
	tcase_add_test(tc, test_unicode);
	tcase_add_test(tc, test_nul_title);
	tcase_add_test(tc, test_closed_output);
	suite_add_tcase(s, tc);

	tc = tcase_create("bench");
	tcase_add_unchecked_fixture(tc, start, stop);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_bench, 0,
	    sizeof(bench_vec) / sizeof(bench_vec[0]));
	tcase_add_test(tc, test_bench_preload_interrupted);
	suite_add_tcase(s, tc);

	tc = tcase_create("import");
	tcase_add_unchecked_fixture(tc, start, stop);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_import_bad_line);
	tcase_add_test(tc, test_import_export);
	tcase_add_test(tc, test_import_on_tty);
	tcase_add_test(tc, test_export_full);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(suite());
}
