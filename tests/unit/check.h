/*
 * A minimal unit-test harness. Each test binary prints one line per check,
 * "PASS: name" or "FAIL: name: why", and exits 1 if any failed. tests/run.sh
 * counts those lines into the suite's "N passed, N failed" total.
 */
#ifndef HUSK_CHECK_H
#define HUSK_CHECK_H

#include <stdio.h>

static int check_failures;

#define CHECK(name, cond)                                                    \
	do {                                                                 \
		if (cond) {                                                  \
			printf("PASS: %s\n", (name));                        \
		} else {                                                     \
			printf("FAIL: %s: %s (%s:%d)\n", (name), #cond,      \
			       __FILE__, __LINE__);                          \
			check_failures++;                                    \
		}                                                            \
	} while (0)

#define CHECK_DONE() (check_failures ? 1 : 0)

#endif
