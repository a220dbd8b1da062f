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

EXTRA_DIST += tests/fuzz/run tests/fuzz/make-corpus.escript \
	tests/fuzz/corpus
