/*
 * The ASan build only (SAN=1, `make test-asan`): what the AddressSanitizer
 * and UBSan runtimes need under husk-vmm's seccomp filters. They make
 * system calls of their own where our code makes none (their allocator,
 * their per-thread bookkeeping, their reports), and a filter that killed
 * them would turn every sanitizer report into a bare SIGSYS. In the normal
 * build this file compiles to two empty functions.
 *
 * Added to both threads' filters (vmm/README.md lists them):
 *   mmap, mprotect (never PROT_EXEC), munmap, madvise
 *                        the runtime's allocator and shadow memory
 *   sigaltstack          its alternate signal stack, removed at thread exit
 *   getpid, gettid       report headers, thread bookkeeping
 *   futex, sched_yield   its locks
 *   readlink             the executable's name in a report's stack frames
 * And refused with EACCES rather than fatal: a report probes them, and
 * copes without:
 *   open, openat         /proc/self/{cmdline,environ,maps}, the symbolizer's
 *                        debug files (frames stay module+offset: see
 *                        scripts/test-asan.sh)
 *   pipe, pipe2          its check that memory can be read
 *   ioctl TCGETS         isatty(2), for colours
 *
 * UBSan's options come from __ubsan_default_options (below).
 *
 * LeakSanitizer's check at exit stops the world with clone and ptrace,
 * which no filter should allow; seccomp_san_prepare runs it before the
 * first filter instead (when detect_leaks is on): the setup's leaks are
 * found there; later ones (the I/O thread's, slirp's) go unreported.
 */
#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "vmm.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>

static int allow_runtime_calls(scmp_filter_ctx ctx)
{
	static const int plain[] = {
		SCMP_SYS(munmap), SCMP_SYS(madvise), SCMP_SYS(sigaltstack),
		SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(futex),
		SCMP_SYS(sched_yield), SCMP_SYS(readlink),
	};
	int rc = seccomp_allow_calls(ctx, plain,
				     sizeof(plain) / sizeof(plain[0]));

	if (!rc)
		rc = seccomp_allow_noexec_maps(ctx);
	return rc;
}

static int refuse_report_probes(scmp_filter_ctx ctx)
{
	static const int refused[] = {
		SCMP_SYS(open), SCMP_SYS(openat), SCMP_SYS(pipe), SCMP_SYS(pipe2),
	};
	unsigned i;
	int rc = 0;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]) && !rc; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), refused[i], 0);
	if (!rc)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOTTY), SCMP_SYS(ioctl), 1,
				      SCMP_A1_32(SCMP_CMP_EQ, TCGETS));
	return rc;
}

int seccomp_san_rules(scmp_filter_ctx ctx)
{
	int rc = allow_runtime_calls(ctx);

	return rc ? rc : refuse_report_probes(ctx);
}

/*
 * UBSan reads UBSAN_OPTIONS from /proc/self/environ only when it first
 * reports, which under a filter is refused: it would report with its
 * defaults (no stack, status 1). These are its defaults instead, read
 * from our own environment (no system call).
 */
const char *__ubsan_default_options(void); /* libubsan calls it */
const char *__ubsan_default_options(void)
{
	const char *o = getenv("UBSAN_OPTIONS");

	return o ? o : "";
}

/* Once, before the first filter of the process (either thread's). */
void seccomp_san_prepare(void)
{
	static int done;

	if (__atomic_exchange_n(&done, 1, __ATOMIC_SEQ_CST))
		return;
	__lsan_do_leak_check();
}
#else
int seccomp_san_rules(scmp_filter_ctx ctx)
{
	(void)ctx;
	return 0;
}

void seccomp_san_prepare(void)
{
}
#endif
