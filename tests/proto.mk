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

# make bench-etf (not part of make check): the ETF codec next to Erlang's
# term_to_binary and binary_to_term on the same %Todo.List{} of 1,000
# entries.  The codec is compiled into the benchmark at -O2, whatever the
# build's flags (e.g. sanitizers).
noinst_PROGRAMS += bench/etf-bench
bench_etf_bench_SOURCES = bench/etf-bench.c \
	proto/etf.h proto/etf_priv.h proto/etf_arena.c proto/etf_decode.c \
	proto/etf_inflate.c proto/etf_encode.c proto/etf_term.c proto/utf8.c \
	proto/todo_term.h proto/todo_term.c
bench_etf_bench_CFLAGS = -std=c11 -O2 -Wall -Wextra -Wno-unused-parameter
bench_etf_bench_LDADD = $(ZLIB_LIBS) $(LIBBSD_LIBS)
EXTRA_DIST += bench/etf-bench.escript

ETF_BENCH_ARGS =
bench-etf: bench/etf-bench$(EXEEXT)
	@echo "ETF codec: %Todo.List{} of 1000 entries, median of 7 runs (CPU time)"
	@printf '%-8s %-14s %9s %10s %12s\n' impl op bytes MB/s terms/s
	@bench/etf-bench$(EXEEXT) $(ETF_BENCH_ARGS)
	@if command -v escript > /dev/null 2>&1; then \
		escript $(srcdir)/bench/etf-bench.escript; \
	else \
		echo "(escript not found: no Erlang figures)"; \
	fi
.PHONY: bench-etf
