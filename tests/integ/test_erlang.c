/*
 * test_erlang: an Erlang program (erlang_client.escript) does every
 * operation of the protocol against a running daemon with gen_tcp,
 * {packet, 4} and term_to_binary, and reads a list file back with
 * binary_to_term.  Skipped (77) only when escript is not installed.
 * Against the reference peer the program does not ask for `sync`, a
 * request only todod has.
 */
#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define ERLANG_MS	60000

static char	script[1024];

static bool
have_escript(void)
{
	const char	*path = getenv("PATH");
	char		 buf[4096], *dir, *save = NULL, file[4200];

	if (path == NULL)
		return false;
	snprintf(buf, sizeof buf, "%s", path);
	for (dir = strtok_r(buf, ":", &save); dir != NULL;
	    dir = strtok_r(NULL, ":", &save)) {
		snprintf(file, sizeof file, "%s/escript", dir);
		if (access(file, X_OK) == 0)
			return true;
	}
	return false;
}

static void
find_script(void)
{
	const char	*top = getenv("TOP_SRCDIR");
	const char	*srcdir = getenv("srcdir");

	if (top != NULL)
		snprintf(script, sizeof script,
		    "%s/tests/integ/erlang_client.escript", top);
	else if (srcdir != NULL)
		snprintf(script, sizeof script,
		    "%s/tests/integ/erlang_client.escript", srcdir);
	else
		snprintf(script, sizeof script,
		    "tests/integ/erlang_client.escript");
}

/* Run the escript with output into DIR/erlang.log; its wait status. */
static int
run_escript(const struct daemon *d, char *log, size_t loglen)
{
	int64_t	end;
	pid_t	pid;
	int	fd, st;

	snprintf(log, loglen, "%s/erlang.log", d->dir);
	if ((pid = fork()) == 0) {
		if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644)) != -1) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		signal(SIGPIPE, SIG_DFL);
		if (h_peer())
			execlp("escript", "escript", script, d->sock, d->data,
			    "--no-sync", (char *)NULL);
		else
			execlp("escript", "escript", script, d->sock, d->data,
			    (char *)NULL);
		fprintf(stderr, "exec escript: %s\n", strerror(errno));
		_exit(127);
	}
	H_ASSERT(pid > 0, "fork: %s", strerror(errno));
	end = h_now_ms() + h_ms(ERLANG_MS);
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (h_now_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		h_pause_ms(20);
	}
	return st;
}

static void
print_file(const char *path)
{
	char	 buf[4096];
	size_t	 n;
	FILE	*f;

	if ((f = fopen(path, "r")) == NULL)
		return;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, stderr);
	fclose(f);
}

START_TEST(t_erlang_client)
{
	struct daemon	*d = daemon_start_ok(NULL);
	char		 log[256];
	int		 st;

	st = run_escript(d, log, sizeof log);
	if (st != 0) {
		print_file(log);
		H_ASSERT(st != -1, "%s did not finish within %d ms", script,
		    h_ms(ERLANG_MS));
		H_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s failed "
		    "(wait status %#x); its output is above", script, st);
	}
	daemon_stop_ok(d);
	daemon_free(d);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("erlang");
	TCase	*tc = tcase_create("erlang");

	if (!have_escript()) {
		fprintf(stderr, "escript is not installed: skipped\n");
		return 77;
	}
	find_script();
	if (access(script, R_OK) == -1) {
		fprintf(stderr, "%s: %s\n", script, strerror(errno));
		return 99;
	}
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, t_erlang_client);
	suite_add_tcase(s, tc);
	return h_run_suite(s);
}
