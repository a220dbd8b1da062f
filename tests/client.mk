# tests/client.mk: the client library, todoctl's modules, todoctl without
# and with a daemon, the man pages and the systemd unit.
CLIENT_TEST_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS)
CLIENT_TEST_LIBS = client/libtodoctl.la client/libtodoclient.la \
	proto/libproto.la $(CHECK_LIBS) $(JANSSON_LIBS) $(LIBEVENT_LIBS) \
	$(ZLIB_LIBS)
CLIENT_HARNESS = tests/client/harness.h tests/client/harness.c

# Units: dates, CSV, display width, JSON shape, the client library.
check_PROGRAMS += tests/client/test_ctl_date tests/client/test_ctl_csv \
	tests/client/test_ctl_text tests/client/test_ctl_json \
	tests/client/test_todoclient
TESTS += tests/client/test_ctl_date tests/client/test_ctl_csv \
	tests/client/test_ctl_text tests/client/test_ctl_json \
	tests/client/test_todoclient

tests_client_test_ctl_date_SOURCES = tests/client/test_ctl_date.c
tests_client_test_ctl_date_CFLAGS = $(CLIENT_TEST_CFLAGS)
tests_client_test_ctl_date_LDADD = $(CLIENT_TEST_LIBS)

tests_client_test_ctl_csv_SOURCES = tests/client/test_ctl_csv.c
tests_client_test_ctl_csv_CFLAGS = $(CLIENT_TEST_CFLAGS)
tests_client_test_ctl_csv_LDADD = $(CLIENT_TEST_LIBS)

tests_client_test_ctl_text_SOURCES = tests/client/test_ctl_text.c
tests_client_test_ctl_text_CFLAGS = $(CLIENT_TEST_CFLAGS)
tests_client_test_ctl_text_LDADD = $(CLIENT_TEST_LIBS)

tests_client_test_ctl_json_SOURCES = tests/client/test_ctl_json.c
tests_client_test_ctl_json_CFLAGS = $(CLIENT_TEST_CFLAGS)
tests_client_test_ctl_json_LDADD = $(CLIENT_TEST_LIBS)

tests_client_test_todoclient_SOURCES = tests/client/test_todoclient.c \
	$(CLIENT_HARNESS)
tests_client_test_todoclient_CFLAGS = $(CLIENT_TEST_CFLAGS)
tests_client_test_todoclient_LDADD = $(CLIENT_TEST_LIBS)

# todo-bench's look at replies.
check_PROGRAMS += tests/client/test_bench_req
TESTS += tests/client/test_bench_req
tests_client_test_bench_req_SOURCES = tests/client/test_bench_req.c \
	client/bench_req.c client/bench_req.h client/bench.h
tests_client_test_bench_req_CFLAGS = $(CLIENT_TEST_CFLAGS)
tests_client_test_bench_req_LDADD = $(CLIENT_TEST_LIBS)

# todoctl without a daemon (usage errors, fake daemons) and end to end
# against a private todod (TODOD_TEST_PEER=.../elixir-peer.exs runs the
# end-to-end tests against the protocol's reference peer instead; there
# todod's own status counters go unchecked and imports are smaller, and
# H_TODOD_ONLY in the harness skips a case that is todod's alone).
check_PROGRAMS += tests/client/test_todoctl_offline \
	tests/client/test_todoctl_e2e
TESTS += tests/client/test_todoctl_offline tests/client/test_todoctl_e2e

tests_client_test_todoctl_offline_SOURCES = \
	tests/client/test_todoctl_offline.c $(CLIENT_HARNESS)
tests_client_test_todoctl_offline_CFLAGS = $(CLIENT_TEST_CFLAGS)
tests_client_test_todoctl_offline_LDADD = $(CLIENT_TEST_LIBS)

tests_client_test_todoctl_e2e_SOURCES = tests/client/test_todoctl_e2e.c \
	$(CLIENT_HARNESS)
tests_client_test_todoctl_e2e_CFLAGS = $(CLIENT_TEST_CFLAGS)
tests_client_test_todoctl_e2e_LDADD = $(CLIENT_TEST_LIBS)

# The man pages are lint-clean; the unit passes systemd-analyze verify;
# the bash completion parses and completes; the programs say when their
# output cannot be written.  Each skips (77) without its tool.
TESTS += tests/client/check-man tests/client/check-unit \
	tests/client/check-completion tests/client/check-output
dist_noinst_SCRIPTS += tests/client/check-man tests/client/check-unit \
	tests/client/check-completion tests/client/check-output
