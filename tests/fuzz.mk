# tests/fuzz.mk: libFuzzer targets.  tests/fuzz/run builds and runs them
# straight from the sources with clang (what CI does).  They also build in
# a configured tree:
#   ./configure CC=clang --enable-fuzzing \
#       CFLAGS='-g -O1 -fsanitize=fuzzer-no-link,address,undefined'
FUZZ_LIBS = proto/libproto.la $(LIBEVENT_LIBS) $(ZLIB_LIBS)
FUZZ_LINK = $(AM_LDFLAGS) -fsanitize=fuzzer

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_etf_decode tests/fuzz/fuzz_frame
endif
tests_fuzz_fuzz_etf_decode_SOURCES = tests/fuzz/fuzz_etf_decode.c
tests_fuzz_fuzz_etf_decode_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_etf_decode_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_frame_SOURCES = tests/fuzz/fuzz_frame.c
tests_fuzz_fuzz_frame_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_frame_LDADD = $(FUZZ_LIBS)

# The targets that need more of the daemon's sources than a library holds
# build with tests/fuzz/run only.
EXTRA_DIST += tests/fuzz/run tests/fuzz/make-corpus.escript \
	tests/fuzz/corpus tests/fuzz/fuzz_listsrv.c tests/fuzz/fuzz_listfile.c \
	tests/fuzz/fuzz_recovery.c tests/fuzz/fuzz_worker.c \
	tests/fuzz/fuzz_ctl_csv.c \
	tests/fuzz/fuzzdir.c tests/fuzz/fuzzdir.h tests/fuzz/wmodel.c \
	tests/fuzz/wmodel.h
