# tests/storage.mk: the storage layer (list model, list files, file
# names, the data directory, database workers and their journal) and its
# micro-benchmarks.
STORAGE_TEST_LDADD = daemon/libdaemon.la proto/libproto.la \
	$(CHECK_LIBS) $(LIBEVENT_LIBS) $(ZLIB_LIBS) $(LIBBSD_LIBS)
STORAGE_TEST_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)

storage_tests = \
	tests/storage/test_todolist \
	tests/storage/test_pending \
	tests/storage/test_ckstream \
	tests/storage/test_names \
	tests/storage/test_listfile \
	tests/storage/test_interop \
	tests/storage/test_store \
	tests/storage/test_worker \
	tests/storage/test_journal
check_PROGRAMS += $(storage_tests)
TESTS += $(storage_tests)

tests_storage_test_todolist_SOURCES = tests/storage/test_todolist.c
tests_storage_test_todolist_CFLAGS = $(STORAGE_TEST_CFLAGS)
tests_storage_test_todolist_LDADD = $(STORAGE_TEST_LDADD)

tests_storage_test_pending_SOURCES = tests/storage/test_pending.c \
	tests/storage/storage_test.h tests/storage/storage_test.c
tests_storage_test_pending_CFLAGS = $(STORAGE_TEST_CFLAGS)
tests_storage_test_pending_LDADD = $(STORAGE_TEST_LDADD)

tests_storage_test_ckstream_SOURCES = tests/storage/test_ckstream.c \
	tests/storage/storage_test.h tests/storage/storage_test.c
tests_storage_test_ckstream_CFLAGS = $(STORAGE_TEST_CFLAGS)
tests_storage_test_ckstream_LDADD = $(STORAGE_TEST_LDADD) $(ZLIB_LIBS)

tests_storage_test_names_SOURCES = tests/storage/test_names.c
tests_storage_test_names_CFLAGS = $(STORAGE_TEST_CFLAGS)
tests_storage_test_names_LDADD = $(STORAGE_TEST_LDADD)

tests_storage_test_listfile_SOURCES = tests/storage/test_listfile.c \
	tests/storage/storage_test.h tests/storage/storage_test.c
tests_storage_test_listfile_CFLAGS = $(STORAGE_TEST_CFLAGS)
tests_storage_test_listfile_LDADD = $(STORAGE_TEST_LDADD)

tests_storage_test_interop_SOURCES = tests/storage/test_interop.c \
	tests/storage/storage_test.h tests/storage/storage_test.c
tests_storage_test_interop_CFLAGS = $(STORAGE_TEST_CFLAGS)
tests_storage_test_interop_LDADD = $(STORAGE_TEST_LDADD)

tests_storage_test_store_SOURCES = tests/storage/test_store.c \
	tests/storage/storage_test.h tests/storage/storage_test.c
tests_storage_test_store_CFLAGS = $(STORAGE_TEST_CFLAGS)
tests_storage_test_store_LDADD = $(STORAGE_TEST_LDADD)

tests_storage_test_worker_SOURCES = tests/storage/test_worker.c \
	tests/storage/storage_test.h tests/storage/storage_test.c \
	tests/storage/wtest.h tests/storage/wtest.c
tests_storage_test_worker_CFLAGS = $(STORAGE_TEST_CFLAGS)
tests_storage_test_worker_LDADD = $(STORAGE_TEST_LDADD)
# t_syncfs_own_file watches the worker's syncfs calls.
tests_storage_test_worker_LDFLAGS = -Wl,--wrap=syncfs

tests_storage_test_journal_SOURCES = tests/storage/test_journal.c \
	tests/storage/test_journal_worker.c \
	tests/storage/test_journal_recover.c tests/storage/test_journal.h \
	tests/storage/storage_test.h tests/storage/storage_test.c \
	tests/storage/wtest.h tests/storage/wtest.c
tests_storage_test_journal_CFLAGS = $(STORAGE_TEST_CFLAGS)
tests_storage_test_journal_LDADD = $(STORAGE_TEST_LDADD)
# t_recovery_syncs_first watches the worker's fsync calls.
tests_storage_test_journal_LDFLAGS = -Wl,--wrap=fsync
