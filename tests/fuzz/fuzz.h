/*
 * What every harness under tests/fuzz/ shares. A harness defines
 * LLVMFuzzerTestOneInput (and LLVMFuzzerInitialize when it needs set-up);
 * it is linked either with libFuzzer (`make fuzz`) or with replay.c, which
 * feeds it the saved corpus and regression inputs (`make test`).
 *
 * A broken promise of the code under test is reported with FUZZ_ASSERT,
 * which aborts: the fuzzer and the replay driver both count that as a
 * crash, like a sanitizer report.
 */
#ifndef HUSK_FUZZ_H
#define HUSK_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The sanitizers' own summary line reaches libFuzzer's log even when
 * the target's standard error is closed (-close_fd_mask). */
void __sanitizer_report_error_summary(const char *summary)
	__attribute__((weak));

static inline void fuzz_broken(const char *file, int line, const char *cond)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "promise broken: %s:%d: %s", file, line, cond);
	if (__sanitizer_report_error_summary)
		__sanitizer_report_error_summary(msg);
	else
		fprintf(stderr, "SUMMARY: %s\n", msg);
	abort();
}

#define FUZZ_ASSERT(cond)                                                    \
	do {                                                                 \
		if (!(cond))                                                 \
			fuzz_broken(__FILE__, __LINE__, #cond);              \
	} while (0)

/* The input read front to back, as a guest or a driver would act. */
struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

static inline int fuzz_more(const struct fuzz_in *in)
{
	return in->left != 0;
}

/* The next n bytes as a little-endian number (missing bytes are 0). */
static inline uint64_t fuzz_uint(struct fuzz_in *in, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n && in->left; i++, in->p++, in->left--)
		v |= (uint64_t)*in->p << (8 * i);
	return v;
}

/* Up to n bytes; how many there were in *got. */
static inline const uint8_t *fuzz_bytes(struct fuzz_in *in, size_t n,
					size_t *got)
{
	const uint8_t *p = in->p;

	*got = n < in->left ? n : in->left;
	in->p += *got;
	in->left -= *got;
	return p;
}

#endif
