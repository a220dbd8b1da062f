# tests/proto.mk: unit tests of proto/ (codec, framing, to-do terms),
# golden vectors made by Erlang, and the live round trip through erl.
PROTO_TEST_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
PROTO_TEST_LIBS = proto/libproto.la $(CHECK_LIBS) $(LIBEVENT_LIBS) $(ZLIB_LIBS)
PROTO_TEST_UTIL = tests/proto/testutil.h tests/proto/testutil.c

check_PROGRAMS += tests/proto/test_etf tests/proto/test_frame \
	tests/proto/test_todo_term
TESTS += tests/proto/test_etf tests/proto/test_frame \
	tests/proto/test_todo_term

tests_proto_test_etf_SOURCES = tests/proto/test_etf.c $(PROTO_TEST_UTIL)
tests_proto_test_etf_CFLAGS = $(PROTO_TEST_CFLAGS)
tests_proto_test_etf_LDADD = $(PROTO_TEST_LIBS)

tests_proto_test_frame_SOURCES = tests/proto/test_frame.c
tests_proto_test_frame_CFLAGS = $(PROTO_TEST_CFLAGS)
tests_proto_test_frame_LDADD = $(PROTO_TEST_LIBS)

tests_proto_test_todo_term_SOURCES = tests/proto/test_todo_term.c \
	$(PROTO_TEST_UTIL)
tests_proto_test_todo_term_CFLAGS = $(PROTO_TEST_CFLAGS)
tests_proto_test_todo_term_LDADD = $(PROTO_TEST_LIBS)

# Golden vectors written by real Erlang (tests/data/make-golden.escript).
check_PROGRAMS += tests/proto/test_golden
TESTS += tests/proto/test_golden
tests_proto_test_golden_SOURCES = tests/proto/test_golden.c $(PROTO_TEST_UTIL)
tests_proto_test_golden_CFLAGS = $(PROTO_TEST_CFLAGS)
tests_proto_test_golden_LDADD = $(PROTO_TEST_LIBS)
EXTRA_DIST += tests/data/golden.txt tests/data/make-golden.escript

# Random terms through real Erlang, both ways (skipped without escript).
check_PROGRAMS += tests/proto/test_roundtrip
TESTS += tests/proto/test_roundtrip
tests_proto_test_roundtrip_SOURCES = tests/proto/test_roundtrip.c \
	$(PROTO_TEST_UTIL)
tests_proto_test_roundtrip_CFLAGS = $(PROTO_TEST_CFLAGS)
tests_proto_test_roundtrip_LDADD = $(PROTO_TEST_LIBS)
EXTRA_DIST += tests/proto/etf-roundtrip.escript
