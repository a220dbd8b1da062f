# bench/bench.mk: benchmark targets (not part of make check).
#
# make bench-compare runs bench/compare on this build: todod against the
# Elixir peer, Redis and the ping-pong floor (see bench/compare --help;
# pass options with BENCH_FLAGS, e.g. BENCH_FLAGS='--quick').

# The round-trip floor: built on demand by bench-compare, not by `make`.
EXTRA_PROGRAMS = bench/pingpong
bench_pingpong_SOURCES = bench/pingpong.c
bench_pingpong_LDADD = $(LIBBSD_LIBS)
CLEANFILES += bench/pingpong$(EXEEXT)

dist_noinst_SCRIPTS += bench/compare
# What limits the targets and what each optimisation bought, measured.
EXTRA_DIST += bench/NOTES.md

bench-compare: daemon/todod$(EXEEXT) client/todo-bench$(EXEEXT) \
    bench/pingpong$(EXEEXT)
	$(top_srcdir)/bench/compare --build '$(abs_top_builddir)' $(BENCH_FLAGS)
.PHONY: bench-compare

# All the micro-benchmarks (codec, list model, worker journal); none of
# them is part of make check.
bench: bench-etf bench-list bench-worker
.PHONY: bench
