/* test_journal.h: the suites of test_journal. */
#ifndef TODOD_TEST_JOURNAL_H
#define TODOD_TEST_JOURNAL_H

#include <check.h>

/* test_journal_worker.c: the journal through a worker process. */
Suite	*journal_worker_suite(void);
/* test_journal_recover.c: across restarts and crashes. */
Suite	*journal_recover_suite(void);

#endif /* TODOD_TEST_JOURNAL_H */
