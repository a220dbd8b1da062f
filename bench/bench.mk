# bench/bench.mk: benchmark targets (not part of make check).
#
# make bench-compare runs bench/compare on this build: todod against the
# Elixir peer, Redis and the ping-pong floor (see bench/compare --help;
# pass options with BENCH_FLAGS, e.g. BENCH_FLAGS='--quick').

# The round-trip floor, and what a process and a page cost on this
# machine: built on demand by bench-compare, not by `make`.
EXTRA_PROGRAMS = bench/pingpong bench/vmcost
bench_pingpong_SOURCES = bench/pingpong.c bench/benchtime.h
bench_pingpong_LDADD = $(LIBBSD_LIBS)
bench_vmcost_SOURCES = bench/vmcost.c bench/benchtime.h
CLEANFILES += bench/pingpong$(EXEEXT) bench/vmcost$(EXEEXT)

dist_noinst_SCRIPTS += bench/compare
# What limits the targets and what each optimisation bought, measured.
EXTRA_DIST += bench/NOTES.md

bench-compare: daemon/todod$(EXEEXT) client/todo-bench$(EXEEXT) \
    bench/pingpong$(EXEEXT) bench/vmcost$(EXEEXT)
	$(top_srcdir)/bench/compare --build '$(abs_top_builddir)' $(BENCH_FLAGS)
.PHONY: bench-compare

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

# Two micro-benchmarks of the daemon's code, built with the rest so that
# they never rot: the entries(date) reads of the list model (make
# bench-list), and appends per second through a worker's journal, peers
# as list servers with one append in flight each (make bench-worker).
DAEMON_BENCH_LDADD = daemon/libdaemon.la proto/libproto.la \
	$(LIBEVENT_LIBS) $(ZLIB_LIBS) $(LIBBSD_LIBS)
noinst_PROGRAMS += bench/list-bench bench/worker-bench
bench_list_bench_SOURCES = bench/list-bench.c
bench_list_bench_LDADD = $(DAEMON_BENCH_LDADD)
bench_worker_bench_SOURCES = bench/worker-bench.c
bench_worker_bench_LDADD = $(DAEMON_BENCH_LDADD)

bench-list bench-worker: bench-%: bench/%-bench$(EXEEXT)
	@bench/$*-bench$(EXEEXT)
.PHONY: bench-list bench-worker

# All the micro-benchmarks (codec, list model, worker journal); none of
# them is part of make check.
bench: bench-etf bench-list bench-worker
.PHONY: bench
