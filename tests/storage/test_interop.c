/*
 * test_interop.c: list files shared with Erlang and Elixir.
 *
 * erl writes the book's %Todo.List{} (default term_to_binary, so latin-1
 * atoms; compressed; more than 32 entries; an entry with extra keys; a
 * file of the wrong shape) and we load it; we write lists and erl reads
 * them with binary_to_term as equal terms, byte for byte the same as
 * term_to_binary(T, [{minor_version, 2}]) where OTP's order is defined.
 * With elixir installed, the book's own Todo.List module reads our file
 * and writes one that we load.  Without erl the program is skipped.
 */
#include "config.h"

#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "etf.h"
#include "storage_test.h"
#include "store.h"
#include "todolist.h"
#include "../ckrun.h"

#define MAX_BYTES	(1 << 24)

/* The lists, in Erlang, as Elixir's %Todo.List{} and %Date{} are. */
static const char erl_lists[] =
	"D = fun(Y, M, Dd) -> #{'__struct__' => 'Elixir.Date',"
	"  calendar => 'Elixir.Calendar.ISO', year => Y, month => M,"
	"  day => Dd} end,"
	"E = fun(Id, Date, T) -> #{id => Id, date => Date, title => T} end,"
	"Book = #{'__struct__' => 'Elixir.Todo.List', next_id => 4,"
	"  entries => #{1 => E(1, D(2018, 12, 19), <<\"Dentist\">>),"
	"  2 => E(2, D(2018, 12, 20), <<\"Shopping\">>),"
	"  3 => E(3, D(2018, 12, 19), <<\"Movies\">>)}},"
	"Extra = maps:merge(E(4, D(2019, 1, 1), <<\"Caf\", 195, 169>>),"
	"  #{priority => high, tags => [<<\"x\">>, 1.5], 5 => {a, \"str\"}}),"
	"L = maps:put(next_id, 9, maps:update_with(entries,"
	"  fun(Es) -> maps:put(4, Extra, Es) end, Book)),"
	"Big = #{'__struct__' => 'Elixir.Todo.List', next_id => 150,"
	"  entries => maps:from_list([{I, case I rem 10 of"
	"    0 -> maps:put(note, I, E(I, D(2000 + I, 1 + I rem 12,"
	"      1 + I rem 28), integer_to_binary(I)));"
	"    _ -> E(I, D(2000 + I, 1 + I rem 12, 1 + I rem 28),"
	"      integer_to_binary(I)) end} || I <- lists:seq(1, 100)])},"
	"Bad = maps:put(entries, #{1 => E(1, D(2018, 12, 19), \"chars\")},"
	"  Book),"
	"W = fun(N, B) -> ok = file:write_file(filename:join(Dir, N), B) end,"
	"R = fun(N) -> {ok, B} = file:read_file(filename:join(Dir, N)), B end,";

static const char erl_write[] =
	"W(\"theirs\", term_to_binary(L)),"
	"W(\"theirs-z\", term_to_binary(L, [compressed])),"
	"W(\"theirs-big\", term_to_binary(Big)),"
	"W(\"theirs-bad\", term_to_binary(Bad)),"
	"W(\"theirs-book\", term_to_binary(Book)),"
	"halt(0).";

static const char erl_check[] =
	"Check = fun(N, T, Exact) -> B = R(N),"
	"  case binary_to_term(B) =:= T of"
	"    false -> io:format(\"~s: not the same term~n\", [N]), halt(2);"
	"    true -> ok end,"
	"  case Exact andalso B =/= term_to_binary(T, [{minor_version, 2}]) of"
	"    true -> io:format(\"~s: other bytes~n\", [N]), halt(3);"
	"    false -> ok end end,"
	"Check(\"ours\", L, true),"
	"Check(\"ours-book\", Book, true),"
	"Check(\"ours-big\", Big, false),"
	"Check(\"ours-z\", L, true),"
	"halt(0).";

/* The book's Todo.List (chapter 7), reading our file, writing its own. */
static const char exs[] =
	"defmodule Todo.List do\n"
	"  defstruct next_id: 1, entries: %{}\n"
	"  def new(entries \\\\ []) do\n"
	"    Enum.reduce(entries, %Todo.List{}, &add_entry(&2, &1))\n"
	"  end\n"
	"  def add_entry(todo_list, entry) do\n"
	"    entry = Map.put(entry, :id, todo_list.next_id)\n"
	"    new_entries =\n"
	"      Map.put(todo_list.entries, todo_list.next_id, entry)\n"
	"    %Todo.List{todo_list | entries: new_entries,\n"
	"      next_id: todo_list.next_id + 1}\n"
	"  end\n"
	"  def entries(todo_list, date) do\n"
	"    todo_list.entries\n"
	"    |> Stream.filter(fn {_, entry} -> entry.date == date end)\n"
	"    |> Enum.map(fn {_, entry} -> entry end)\n"
	"  end\n"
	"  def delete_entry(todo_list, id) do\n"
	"    %Todo.List{todo_list |\n"
	"      entries: Map.delete(todo_list.entries, id)}\n"
	"  end\n"
	"end\n"
	"[ours, theirs] = System.argv()\n"
	"list = :erlang.binary_to_term(File.read!(ours))\n"
	"%{__struct__: Todo.List} = list\n"
	"expected = Todo.List.new([\n"
	"  %{date: ~D[2018-12-19], title: \"Dentist\"},\n"
	"  %{date: ~D[2018-12-20], title: \"Shopping\"},\n"
	"  %{date: ~D[2018-12-19], title: \"Movies\"}])\n"
	"if list != expected, do: System.halt(2)\n"
	"titles = Todo.List.entries(list, ~D[2018-12-19])\n"
	"  |> Enum.sort_by(& &1.id) |> Enum.map(& &1.title)\n"
	"if titles != [\"Dentist\", \"Movies\"], do: System.halt(3)\n"
	"mine = expected\n"
	"  |> Todo.List.add_entry(%{date: ~D[2018-12-21], title: \"Gym\","
	" priority: :high})\n"
	"  |> Todo.List.delete_entry(2)\n"
	"File.write!(theirs, :erlang.term_to_binary(mine))\n";

static char *dir;
static int dirfd_;

static void
setup(void)
{
	dir = st_tmpdir();
	ck_assert_ptr_nonnull(dir);
	dirfd_ = store_open_dir(dir);
	ck_assert_int_ge(dirfd_, 0);
}

static void
teardown(void)
{
	close(dirfd_);
	st_rmtree(dir);
	free(dir);
}

/* Run argv with a deadline; its exit status, or -1. */
static int
run(char *const argv[], int timeout_s)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	time_t deadline = time(NULL) + timeout_s;
	pid_t pid, r;
	int status;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	while ((r = waitpid(pid, &status, WNOHANG)) == 0) {
		if (time(NULL) > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	if (r == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int
run_erl(const char *tail)
{
	char *code;
	int rc;

	if (asprintf(&code, "Dir = \"%s\",%s%s", dir, erl_lists, tail) == -1)
		return -1;
	char *argv[] = { "erl", "-noshell", "-eval", code, NULL };
	rc = run(argv, 120);
	free(code);
	return rc;
}

static struct todo_list *
load(const char *name, int expect_rc)
{
	struct etf_arena *a = etf_arena_new();
	struct todo_list *l = NULL;
	const char *why = NULL;
	int rc;

	rc = store_load(dirfd_, name, strlen(name), a, MAX_BYTES, &l, &why);
	ck_assert_msg(rc == expect_rc, "%s: %d (%s)", name, rc,
	    why != NULL ? why : "");
	etf_arena_free(a);
	return l;
}

static void
save(const char *name, const struct todo_list *l)
{
	ck_assert_int_eq(store_save(dirfd_, "t", name, strlen(name), l, true),
	    0);
}

static const char *
title_of(const struct todo_list *l, int64_t id)
{
	static char buf[64];
	const struct todo_item *it = todolist_get(l, id);

	ck_assert_ptr_nonnull(it);
	snprintf(buf, sizeof(buf), "%.*s", (int)it->title_len, it->title);
	return buf;
}

START_TEST(t_erlang)
{
	static const struct todo_date d19 = { 2018, 12, 19 };
	struct todo_list *l, *z, *big, *book, *mine;
	const struct todo_item *it;
	uint8_t *before, *after;
	size_t blen, alen;

	ck_assert_int_eq(run_erl(erl_write), 0);

	l = load("theirs", STORE_OK);
	ck_assert_uint_eq(todolist_size(l), 4);
	ck_assert_int_eq(todolist_next_id(l), 9);
	ck_assert_str_eq(title_of(l, 1), "Dentist");
	ck_assert_str_eq(title_of(l, 4), "Caf\xc3\xa9");
	ck_assert_uint_eq(todolist_date_count(l, d19), 2);
	it = todolist_get(l, 4);
	ck_assert_uint_eq(it->extra_pairs, 3);
	ck_assert_int_eq(it->date.year, 2019);

	z = load("theirs-z", STORE_OK);
	ck_assert(st_list_equal(l, z));

	big = load("theirs-big", STORE_OK);
	ck_assert_uint_eq(todolist_size(big), 100);
	ck_assert_int_eq(todolist_next_id(big), 150);
	ck_assert_uint_eq(todolist_get(big, 10)->extra_pairs, 1);
	ck_assert_uint_eq(todolist_get(big, 11)->extra_pairs, 0);
	ck_assert_str_eq(title_of(big, 77), "77");

	book = load("theirs-book", STORE_OK);
	mine = st_book_list();
	ck_assert(st_list_equal(book, mine));

	/* A wrong shape is refused and the file left as it was. */
	before = st_read_file(dirfd_, "theirs-bad", &blen);
	ck_assert_ptr_null(load("theirs-bad", STORE_CORRUPT));
	after = st_read_file(dirfd_, "theirs-bad", &alen);
	ck_assert_uint_eq(alen, blen);
	ck_assert_mem_eq(after, before, blen);

	save("ours", l);
	save("ours-z", z);
	save("ours-big", big);
	save("ours-book", mine);
	ck_assert_int_eq(run_erl(erl_check), 0);

	free(before);
	free(after);
	todolist_free(l);
	todolist_free(z);
	todolist_free(big);
	todolist_free(book);
	todolist_free(mine);
}
END_TEST

START_TEST(t_elixir)
{
	struct todo_list *book, *theirs;
	char *script, *ours, *out;
	const struct todo_item *it;

	if (!st_have_program("elixir")) {
		fprintf(stderr, "elixir is not installed: the book's module "
		    "was not run (erl covers the format)\n");
		return;
	}
	book = st_book_list();
	save("ours-book", book);
	ck_assert_int_ne(asprintf(&script, "%s/book.exs", dir), -1);
	ck_assert_int_ne(asprintf(&ours, "%s/ours-book", dir), -1);
	ck_assert_int_ne(asprintf(&out, "%s/elixir", dir), -1);
	ck_assert_int_eq(st_write_file(dirfd_, "book.exs", exs,
	    sizeof(exs) - 1), 0);
	char *argv[] = { "elixir", script, ours, out, NULL };
	ck_assert_int_eq(run(argv, 120), 0);

	theirs = load("elixir", STORE_OK);
	ck_assert_uint_eq(todolist_size(theirs), 3);
	ck_assert_int_eq(todolist_next_id(theirs), 5);
	ck_assert_ptr_null(todolist_get(theirs, 2));
	ck_assert_str_eq(title_of(theirs, 4), "Gym");
	it = todolist_get(theirs, 4);
	ck_assert_uint_eq(it->extra_pairs, 1);
	/* priority => high, kept as ETF bytes. */
	ck_assert_uint_eq(it->extra_len, 16);
	free(script);
	free(ours);
	free(out);
	todolist_free(book);
	todolist_free(theirs);
}
END_TEST

static Suite *
interop_suite(void)
{
	Suite *s = suite_create("interop");
	TCase *tc = tcase_create("interop");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, t_erlang);
	tcase_add_test(tc, t_elixir);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	if (!st_have_program("erl")) {
		fprintf(stderr, "erl is not installed: skipped\n");
		return 77;
	}
	return ck_run(interop_suite());
}
