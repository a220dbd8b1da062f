/* test_journal.h: the suites of test_journal. */
#ifndef TODOD_TEST_JOURNAL_H
#define TODOD_TEST_JOURNAL_H

#include <check.h>

struct todo_list;

/* test_journal_worker.c: the journal through a worker process. */
Suite	*journal_worker_suite(void);
/* On worker 0, list "s": adds of ids 1 and 2 (store 1), then a store of
 * x, made {1 => "X"} with next_id 3 (store 2), which differs from what
 * the ops would give. */
void	 tj_ops_then_store(struct todo_list *x);
/* Then an add of id 3 and its new title "three" (store 3), applied to x
 * as well. */
void	 tj_ops_after_store(struct todo_list *x);
/* test_journal_recover.c: across restarts and crashes. */
Suite	*journal_recover_suite(void);

#endif /* TODOD_TEST_JOURNAL_H */
