# tests/integ.mk: integration tests.  Each program starts its own todod
# (TODOD) on a private socket and data directory and talks to it over the
# public protocol.  TODOD_TEST_PEER=/path/to/peer.exs runs them against
# the protocol's reference peer instead, to check that they encode the
# protocol of todod-protocol(7) rather than todod's habits: a case that
# checks what only todod has, or where the peer differs from the
# protocol, is skipped there with a line on stderr (H_TODOD_ONLY in the
# harness), and a program that is todod's alone (test_nomem,
# test_fdlimit) exits 77.  `make check-peer PEER=/path/to/peer.exs` runs
# them, and todoctl's end-to-end test, so (CI does).
noinst_LTLIBRARIES += tests/integ/libharness.la
tests_integ_libharness_la_SOURCES = \
	tests/integ/harness.h tests/integ/harness.c \
	tests/integ/hconn.c tests/integ/hproc.c tests/integ/tterm.c
tests_integ_libharness_la_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)

INTEG_LDADD = tests/integ/libharness.la proto/libproto.la \
	$(CHECK_LIBS) $(LIBEVENT_LIBS) $(ZLIB_LIBS)
INTEG_TESTS = tests/integ/test_protocol tests/integ/test_badinput \
	tests/integ/test_badreq \
	tests/integ/test_slow tests/integ/test_erlang tests/integ/test_access \
	tests/integ/test_fdlimit tests/integ/test_flow tests/integ/test_nomem \
	tests/integ/test_syncorder
check_PROGRAMS += $(INTEG_TESTS)
TESTS += $(INTEG_TESTS)

tests_integ_test_protocol_SOURCES = tests/integ/test_protocol.c
tests_integ_test_protocol_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_integ_test_protocol_LDADD = $(INTEG_LDADD)

tests_integ_test_badinput_SOURCES = tests/integ/test_badinput.c
tests_integ_test_badinput_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_integ_test_badinput_LDADD = $(INTEG_LDADD)

tests_integ_test_badreq_SOURCES = tests/integ/test_badreq.c
tests_integ_test_badreq_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_integ_test_badreq_LDADD = $(INTEG_LDADD)

tests_integ_test_slow_SOURCES = tests/integ/test_slow.c
tests_integ_test_slow_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_integ_test_slow_LDADD = $(INTEG_LDADD)

tests_integ_test_erlang_SOURCES = tests/integ/test_erlang.c
tests_integ_test_erlang_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_integ_test_erlang_LDADD = $(INTEG_LDADD)
EXTRA_DIST += tests/integ/erlang_client.escript

tests_integ_test_access_SOURCES = tests/integ/test_access.c
tests_integ_test_access_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_integ_test_access_LDADD = $(INTEG_LDADD)

tests_integ_test_fdlimit_SOURCES = tests/integ/test_fdlimit.c
tests_integ_test_fdlimit_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_integ_test_fdlimit_LDADD = $(INTEG_LDADD)

tests_integ_test_flow_SOURCES = tests/integ/test_flow.c
tests_integ_test_flow_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_integ_test_flow_LDADD = $(INTEG_LDADD)

tests_integ_test_nomem_SOURCES = tests/integ/test_nomem.c
tests_integ_test_nomem_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_integ_test_nomem_LDADD = $(INTEG_LDADD)

tests_integ_test_syncorder_SOURCES = tests/integ/test_syncorder.c \
	tests/integ/syncorder_trace.h tests/integ/syncorder_trace.c
tests_integ_test_syncorder_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_integ_test_syncorder_LDADD = $(INTEG_LDADD)

# The integration tests and todoctl's end-to-end test against the
# reference peer (needs elixir): make check-peer PEER=/path/to/peer.exs
check-peer:
	@test -n "$(PEER)" || { echo "usage: make check-peer" \
	    "PEER=/path/to/elixir-peer.exs" >&2; exit 2; }
	@test -f "$(PEER)" || { echo "check-peer: no file $(PEER)" >&2; \
	    exit 2; }
	$(MAKE) $(AM_MAKEFLAGS) check \
	    TESTS="$(INTEG_TESTS) tests/client/test_todoctl_e2e" \
	    TODOD_TEST_PEER="$(abspath $(PEER))"

# The integration tests that drive the daemon hardest with todod, and every
# process it forks, under valgrind's memcheck (tools/valgrind-todod):
# uninitialised reads and invalid accesses, which ASan does not see all
# of.  A case whose measure valgrind distorts skips itself
# (H_NOT_UNDER_VALGRIND).  Fails if any process's report is not empty.
VALGRIND_TESTS = tests/integ/test_protocol tests/integ/test_badinput \
	tests/integ/test_badreq tests/integ/test_flow tests/integ/test_erlang
check-valgrind:
	@command -v valgrind > /dev/null || { \
	    echo "check-valgrind: valgrind is not installed" >&2; exit 2; }
	rm -rf $(VALGRIND_LOGS) && $(MKDIR_P) $(VALGRIND_LOGS)
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(VALGRIND_TESTS)" \
	    TODOD_UNDER_TEST="$(abs_top_srcdir)/tools/valgrind-todod" \
	    TODOD_REAL="$(abs_top_builddir)/daemon/todod" \
	    TODOD_VALGRIND_LOGS="$(abs_top_builddir)/$(VALGRIND_LOGS)" \
	    TODOD_TEST_VALGRIND=1 TODOD_TEST_TIME_SCALE=10
	@bad=`find $(VALGRIND_LOGS) -name 'vg.*' -size +0`; \
	n=`ls $(VALGRIND_LOGS) | wc -l`; \
	if [ -n "$$bad" ]; then cat $$bad; \
	    echo "check-valgrind: errors in" `echo $$bad | wc -w` \
	    "of $$n processes" >&2; exit 1; fi; \
	echo "check-valgrind: $$n processes under memcheck, no error"
