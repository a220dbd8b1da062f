/*
 * test_stdfds.c: standard descriptors that a program was started
 * without are held (stdfds.h): the next descriptor opened does not take
 * their number, and using them still fails as on a closed one.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "stdfds.h"
#include "../ckrun.h"

/* In a child, which exits with the number of the first check that
 * failed: standard input and error closed, then held. */
static int
closed_then_held(void)
{
	char c = 'x';
	int fd;

	close(STDIN_FILENO);
	close(STDERR_FILENO);
	if (stdfds_hold() != 0)
		return 1;
	if (fcntl(STDIN_FILENO, F_GETFD) == -1 ||
	    fcntl(STDERR_FILENO, F_GETFD) == -1)
		return 2;
	if (write(STDERR_FILENO, &c, 1) != -1 || errno != EBADF)
		return 3;
	if (read(STDIN_FILENO, &c, 1) != -1 || errno != EBADF)
		return 4;
	/* Not 0 or 2: those are held. */
	if ((fd = open("/dev/null", O_RDONLY)) <= STDERR_FILENO)
		return 5;
	close(fd);
	/* Held already: nothing more to do. */
	if (stdfds_hold() != 0)
		return 6;
	return 0;
}

START_TEST(closed_are_held)
{
	pid_t pid = fork();
	int st;

	ck_assert_int_ne(pid, -1);
	if (pid == 0)
		_exit(closed_then_held());
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "check %d failed", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}
END_TEST

static Suite *
stdfds_suite(void)
{
	Suite *s = suite_create("stdfds");
	TCase *tc = tcase_create("hold");

	tcase_add_test(tc, closed_are_held);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(stdfds_suite());
}
