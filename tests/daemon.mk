# Unit tests of the daemon's process environment (tests/daemon/).
DAEMON_ENV_TESTS = \
	tests/daemon/test_options \
	tests/daemon/test_listener \
	tests/daemon/test_datadir \
	tests/daemon/test_pidfile \
	tests/daemon/test_pidalive \
	tests/daemon/test_notify \
	tests/daemon/test_detach \
	tests/daemon/test_privdrop \
	tests/daemon/test_pathwalk \
	tests/daemon/test_owngroup \
	tests/daemon/test_fdlimit \
	tests/daemon/test_uidcount \
	tests/daemon/test_lograte \
	tests/daemon/test_log \
	tests/daemon/test_chan \
	tests/daemon/test_conn \
	tests/daemon/test_linger \
	tests/daemon/test_stdfds
check_PROGRAMS += $(DAEMON_ENV_TESTS)
TESTS += $(DAEMON_ENV_TESTS)

DAEMON_ENV_TEST_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
DAEMON_ENV_TEST_LDADD = daemon/libdaemon.la proto/libproto.la \
	$(CHECK_LIBS) $(LIBEVENT_LIBS) $(ZLIB_LIBS) $(LIBBSD_LIBS)
DAEMON_ENV_TEST_UTIL = tests/daemon/tutil.h tests/daemon/tutil.c

tests_daemon_test_options_SOURCES = tests/daemon/test_options.c \
	$(DAEMON_ENV_TEST_UTIL)
tests_daemon_test_options_CFLAGS = $(DAEMON_ENV_TEST_CFLAGS)
tests_daemon_test_options_LDADD = $(DAEMON_ENV_TEST_LDADD)

tests_daemon_test_listener_SOURCES = tests/daemon/test_listener.c \
	$(DAEMON_ENV_TEST_UTIL)
tests_daemon_test_listener_CFLAGS = $(DAEMON_ENV_TEST_CFLAGS)
tests_daemon_test_listener_LDADD = $(DAEMON_ENV_TEST_LDADD)

tests_daemon_test_datadir_SOURCES = tests/daemon/test_datadir.c \
	$(DAEMON_ENV_TEST_UTIL)
tests_daemon_test_datadir_CFLAGS = $(DAEMON_ENV_TEST_CFLAGS)
tests_daemon_test_datadir_LDADD = $(DAEMON_ENV_TEST_LDADD)

tests_daemon_test_pidfile_SOURCES = tests/daemon/test_pidfile.c \
	$(DAEMON_ENV_TEST_UTIL)
tests_daemon_test_pidfile_CFLAGS = $(DAEMON_ENV_TEST_CFLAGS)
tests_daemon_test_pidfile_LDADD = $(DAEMON_ENV_TEST_LDADD)

tests_daemon_test_notify_SOURCES = tests/daemon/test_notify.c \
	$(DAEMON_ENV_TEST_UTIL)
tests_daemon_test_notify_CFLAGS = $(DAEMON_ENV_TEST_CFLAGS)
tests_daemon_test_notify_LDADD = $(DAEMON_ENV_TEST_LDADD)

tests_daemon_test_detach_SOURCES = tests/daemon/test_detach.c \
	$(DAEMON_ENV_TEST_UTIL)
tests_daemon_test_detach_CFLAGS = $(DAEMON_ENV_TEST_CFLAGS)
tests_daemon_test_detach_LDADD = $(DAEMON_ENV_TEST_LDADD)

tests_daemon_test_privdrop_SOURCES = tests/daemon/test_privdrop.c \
	$(DAEMON_ENV_TEST_UTIL)
tests_daemon_test_privdrop_CFLAGS = $(DAEMON_ENV_TEST_CFLAGS)
tests_daemon_test_privdrop_LDADD = $(DAEMON_ENV_TEST_LDADD)

tests_daemon_test_pathwalk_SOURCES = tests/daemon/test_pathwalk.c \
	$(DAEMON_ENV_TEST_UTIL)
tests_daemon_test_pathwalk_CFLAGS = $(DAEMON_ENV_TEST_CFLAGS)
tests_daemon_test_pathwalk_LDADD = $(DAEMON_ENV_TEST_LDADD)

tests_daemon_test_pidalive_SOURCES = tests/daemon/test_pidalive.c
tests_daemon_test_pidalive_CFLAGS = $(DAEMON_ENV_TEST_CFLAGS)
tests_daemon_test_pidalive_LDADD = $(DAEMON_ENV_TEST_LDADD)

tests_daemon_test_fdlimit_SOURCES = tests/daemon/test_fdlimit.c \
	$(DAEMON_ENV_TEST_UTIL)
tests_daemon_test_fdlimit_CFLAGS = $(DAEMON_ENV_TEST_CFLAGS)
tests_daemon_test_fdlimit_LDADD = $(DAEMON_ENV_TEST_LDADD)

tests_daemon_test_log_SOURCES = tests/daemon/test_log.c \
	$(DAEMON_ENV_TEST_UTIL)
tests_daemon_test_log_CFLAGS = $(DAEMON_ENV_TEST_CFLAGS)
tests_daemon_test_log_LDADD = $(DAEMON_ENV_TEST_LDADD)

tests_daemon_test_lograte_SOURCES = tests/daemon/test_lograte.c \
	$(DAEMON_ENV_TEST_UTIL)
tests_daemon_test_lograte_CFLAGS = $(DAEMON_ENV_TEST_CFLAGS)
tests_daemon_test_lograte_LDADD = $(DAEMON_ENV_TEST_LDADD)

tests_daemon_test_uidcount_SOURCES = tests/daemon/test_uidcount.c \
	$(DAEMON_ENV_TEST_UTIL)
tests_daemon_test_uidcount_CFLAGS = $(DAEMON_ENV_TEST_CFLAGS)
tests_daemon_test_uidcount_LDADD = $(DAEMON_ENV_TEST_LDADD)

tests_daemon_test_chan_SOURCES = tests/daemon/test_chan.c \
	$(DAEMON_ENV_TEST_UTIL)
tests_daemon_test_chan_CFLAGS = $(DAEMON_ENV_TEST_CFLAGS)
tests_daemon_test_chan_LDADD = $(DAEMON_ENV_TEST_LDADD)

tests_daemon_test_conn_SOURCES = tests/daemon/test_conn.c \
	$(DAEMON_ENV_TEST_UTIL)
tests_daemon_test_conn_CFLAGS = $(DAEMON_ENV_TEST_CFLAGS)
tests_daemon_test_conn_LDADD = $(DAEMON_ENV_TEST_LDADD)

tests_daemon_test_linger_SOURCES = tests/daemon/test_linger.c
tests_daemon_test_linger_CFLAGS = $(DAEMON_ENV_TEST_CFLAGS)
tests_daemon_test_linger_LDADD = $(DAEMON_ENV_TEST_LDADD)

tests_daemon_test_stdfds_SOURCES = tests/daemon/test_stdfds.c
tests_daemon_test_stdfds_CFLAGS = $(DAEMON_ENV_TEST_CFLAGS)
tests_daemon_test_stdfds_LDADD = $(DAEMON_ENV_TEST_LDADD)

tests_daemon_test_owngroup_SOURCES = tests/daemon/test_owngroup.c \
	$(DAEMON_ENV_TEST_UTIL)
tests_daemon_test_owngroup_CFLAGS = $(DAEMON_ENV_TEST_CFLAGS)
tests_daemon_test_owngroup_LDADD = $(DAEMON_ENV_TEST_LDADD)
