# tests/fault.mk: fault injection and crash tests.  Each program starts
# its own todod (TODOD) through the integration harness; test_store_faults
# needs a todod configured with --enable-fault-injection (else it skips).
# `faultrun` is also the long fault-injection run, by hand:
#   TODOD=daemon/todod tests/fault/faultrun --seconds 300
# `powercut` shuts an ext4 file system in a loop device down under load
# (root only, else skipped); many trials, by hand:
#   TODOD=daemon/todod tests/fault/powercut --trials 50
noinst_LTLIBRARIES += tests/fault/libfault.la
tests_fault_libfault_la_SOURCES = \
	tests/fault/fclient.h tests/fault/fclient.c \
	tests/fault/fmodel.h tests/fault/fmodel.c \
	tests/fault/fload.h tests/fault/fload.c \
	tests/fault/fkill.h tests/fault/fkill.c
tests_fault_libfault_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/integ
tests_fault_libfault_la_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -pthread

FAULT_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/integ
FAULT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -pthread
FAULT_LDADD = tests/fault/libfault.la tests/integ/libharness.la \
	daemon/libdaemon.la proto/libproto.la \
	$(CHECK_LIBS) $(LIBEVENT_LIBS) $(ZLIB_LIBS) $(LIBBSD_LIBS) -lpthread
FAULT_TESTS = tests/fault/test_crash tests/fault/test_store_faults \
	tests/fault/faultrun tests/fault/powercut
check_PROGRAMS += $(FAULT_TESTS)
TESTS += $(FAULT_TESTS)

tests_fault_test_crash_SOURCES = tests/fault/test_crash.c \
	tests/fault/crash_util.h tests/fault/crash_util.c \
	tests/fault/crash_start.c tests/fault/crash_idle.c \
	tests/fault/crash_uids.c tests/fault/crash_syslog.c \
	tests/fault/crash_relink.c tests/fault/crash_stop.c \
	tests/fault/crash_reuse.c
tests_fault_test_crash_CPPFLAGS = $(FAULT_CPPFLAGS)
tests_fault_test_crash_CFLAGS = $(FAULT_CFLAGS)
tests_fault_test_crash_LDADD = $(FAULT_LDADD)

tests_fault_test_store_faults_SOURCES = tests/fault/test_store_faults.c \
	tests/fault/crash_util.h tests/fault/crash_util.c
tests_fault_test_store_faults_CPPFLAGS = $(FAULT_CPPFLAGS)
tests_fault_test_store_faults_CFLAGS = $(FAULT_CFLAGS)
tests_fault_test_store_faults_LDADD = $(FAULT_LDADD)

tests_fault_faultrun_SOURCES = tests/fault/faultrun.c
tests_fault_faultrun_CPPFLAGS = $(FAULT_CPPFLAGS)
tests_fault_faultrun_CFLAGS = $(FAULT_CFLAGS)
tests_fault_faultrun_LDADD = $(FAULT_LDADD)

tests_fault_powercut_SOURCES = tests/fault/powercut.c
tests_fault_powercut_CPPFLAGS = $(FAULT_CPPFLAGS)
tests_fault_powercut_CFLAGS = $(FAULT_CFLAGS)
tests_fault_powercut_LDADD = $(FAULT_LDADD)
