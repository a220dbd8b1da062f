/*
 * test_pidalive.c: what /proc says of a process: alive or not (a zombie
 * is not), and its state (running, stopped, in uninterruptible sleep),
 * as a letter and in words.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "pidalive.h"
#include "../ckrun.h"

/* Poll pid's state until it is want, for at most 10 s. */
static bool
state_becomes(pid_t pid, char want)
{
	const struct timespec ts = { 0, 2 * 1000 * 1000 };
	int i;

	for (i = 0; i < 5000; i++) {
		if (pid_state(pid) == want)
			return true;
		(void)nanosleep(&ts, NULL);
	}
	return false;
}

/* A child that sleeps until killed (at most a minute). */
static pid_t
sleeper(void)
{
	pid_t pid = fork();

	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		(void)sleep(60);
		_exit(0);
	}
	return pid;
}

START_TEST(self_runs)
{
	ck_assert(pid_alive(getpid()));
	ck_assert_int_eq(pid_state(getpid()), 'R');
}
END_TEST

START_TEST(no_such_process)
{
	pid_t pid = fork();

	ck_assert_int_ne(pid, -1);
	if (pid == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	ck_assert(!pid_alive(pid));
	ck_assert_int_eq(pid_state(pid), 0);
	ck_assert_str_eq(pid_state_note(pid), "");
	ck_assert(!pid_alive(0));
	ck_assert(!pid_alive(-1));
}
END_TEST

/* An exited child not reaped yet is not alive. */
START_TEST(zombie)
{
	pid_t pid = sleeper();

	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert(state_becomes(pid, 'Z'));
	ck_assert(!pid_alive(pid));
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
}
END_TEST

START_TEST(sleeping_and_stopped)
{
	pid_t pid = sleeper();

	ck_assert(state_becomes(pid, 'S'));
	ck_assert(pid_alive(pid));
	ck_assert_str_eq(pid_state_note(pid), " (sleeping)");
	ck_assert_int_eq(kill(pid, SIGSTOP), 0);
	ck_assert(state_becomes(pid, 'T'));
	ck_assert(pid_alive(pid));
	ck_assert_str_eq(pid_state_note(pid), " (stopped by a signal)");
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
}
END_TEST

/* A parent waiting for its vfork child sleeps in the kernel, as a
 * process does in fsync: 'D'. */
START_TEST(uninterruptible)
{
	const struct timespec ts = { 0, 2 * 1000 * 1000 };
	pid_t pid = fork(), parent;
	int i;

	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		parent = getpid();
		/* The vfork child waits (a minute at most) for its parent to
		 * go, with system calls only. */
		if (vfork() == 0) {
			for (i = 0; i < 30000 && getppid() == parent; i++)
				(void)nanosleep(&ts, NULL);
			_exit(0);
		}
		_exit(0);
	}
	ck_assert(state_becomes(pid, 'D'));
	ck_assert(pid_alive(pid));
	ck_assert_str_eq(pid_state_note(pid), " (waiting on the disk)");
	/* SIGKILL ends the wait (vfork's is killable), and then the vfork
	 * child, orphaned, exits. */
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
}
END_TEST

static Suite *
pidalive_suite(void)
{
	Suite *s = suite_create("pidalive");
	TCase *tc = tcase_create("pidalive");

	tcase_add_test(tc, self_runs);
	tcase_add_test(tc, no_such_process);
	tcase_add_test(tc, zombie);
	tcase_add_test(tc, sleeping_and_stopped);
	tcase_add_test(tc, uninterruptible);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(pidalive_suite());
}
