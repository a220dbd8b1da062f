/*
 * todod_only.h: a test case that checks what only todod does (an
 * extension of the protocol, its process tree, limits, signals, files)
 * or where the protocol's reference peer differs from todod-protocol(7).
 * A run against the peer (TODOD_TEST_PEER) checks that the tests encode
 * the protocol's contract; such a case says so on stderr and passes
 * there, and checks everything it checks against todod.  Each harness
 * defines H_TODOD_ONLY(reason) on top of this with its own test for the
 * peer.
 */
#ifndef TODOD_TEST_TODOD_ONLY_H
#define TODOD_TEST_TODOD_ONLY_H

#include <stdio.h>

#include <check.h>

/* In a test function (START_TEST), before it starts or sends anything. */
#define H_TODOD_ONLY_IF(peer, reason) do {				\
	if (peer) {							\
		fprintf(stderr, "%s: todod only (%s); skipped against "	\
		    "the peer\n", tcase_name(), (reason));		\
		return;							\
	}								\
} while (0)

#endif /* TODOD_TEST_TODOD_ONLY_H */
