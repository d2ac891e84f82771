/*
 * Memory system calls as a Linux program uses them: anonymous mmap (lazy),
 * munmap, mprotect (PROT_NONE included), madvise(DONTNEED), mremap, brk
 * through malloc, a stack that grows past what the loader maps up front,
 * code written into memory and made executable (as a JIT does), msync, the
 * mlock family, and MAP_SHARED file mappings that agree with read(),
 * write(), ftruncate and each other. One line per check; exits 0 only when
 * all passed. Runs the same on Linux, with the same output.
 *
 *   memops              the checks
 *   memops prot-none    reads a PROT_NONE page: must die of SIGSEGV
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int failures, n;

static void check(const char *what, int ok)
{
	printf("%s %d %s\n", ok ? "ok" : "not ok", ++n, what);
	failures += !ok;
}

static int deep(int depth)
{
	volatile char pad[1024];

	pad[0] = (char)depth;
	if (depth == 0)
		return pad[0];
	return deep(depth - 1) + pad[0];
}

#define PAGE 4096

/* The call fails with errno e. */
static int fails_with(long rc, int e)
{
	return rc == -1 && errno == e;
}

static sigjmp_buf fault_jmp;
static volatile int fault_sig, fault_code;
static void *volatile fault_addr;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	fault_sig = sig;
	fault_code = si->si_code;
	fault_addr = si->si_addr;
	siglongjmp(fault_jmp, 1);
}

/* The signal that reading p raises (its code and address in fault_*), or
 * 0 when the read works. */
static int read_signal(volatile char *p)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old);
	fault_sig = 0;
	if (!sigsetjmp(fault_jmp, 1))
		(void)*p;
	sigaction(SIGSEGV, &old, NULL);
	return fault_sig;
}

/* A page made unreachable keeps its contents for when it comes back. */
static void check_prot_none(void)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	check("mmap PROT_NONE", p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	check("mprotect PROT_NONE to read-write, then write",
	      mprotect(p, 2 * PAGE, PROT_READ | PROT_WRITE) == 0);
	p[0] = 'a';
	p[PAGE] = 'b';
	check("mprotect written pages to PROT_NONE",
	      mprotect(p, 2 * PAGE, PROT_NONE) == 0);
	check("reading a PROT_NONE page: SIGSEGV, SEGV_ACCERR, its address",
	      read_signal(p + PAGE + 8) == SIGSEGV && fault_code == SEGV_ACCERR &&
	      fault_addr == p + PAGE + 8);
	check("PROT_NONE and back keeps the contents",
	      mprotect(p, 2 * PAGE, PROT_READ) == 0 && p[0] == 'a' && p[PAGE] == 'b');
	munmap(p, 2 * PAGE);
}

/* Dies reading a PROT_NONE page (the caller expects SIGSEGV). */
static int read_prot_none(void)
{
	volatile char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 2;
	p[0] = 'x';
	if (mprotect((void *)p, PAGE, PROT_NONE))
		return 2;
	printf("memops: reading a PROT_NONE page\n");
	fflush(stdout);
	printf("memops: read '%c' from a PROT_NONE page\n", p[0]);
	return 1;
}

/* Machine code, as a JIT writes it: three functions, each with a system
 * call in another form (see check_jit). */
static const uint8_t jit_getpid[] = { /* mov $39, %eax; syscall; ret */
	0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0xc3 };
static const uint8_t jit_gettid[] = { /* mov $186, %eax; syscall; ret */
	0xb8, 186, 0, 0, 0, 0x0f, 0x05, 0xc3 };
static const uint8_t jit_moved[] = { /* mov $39, %eax; mov %rdi, %rsi;
				      * syscall; ret */
	0xb8, 39, 0, 0, 0, 0x48, 0x89, 0xfe, 0x0f, 0x05, 0xc3 };
static const uint8_t jit_riprel[] = { /* mov $39, %eax; lea 0x1000(%rip),
				       * %rsi; syscall; mov %rsi, %rax; ret */
	0xb8, 39, 0, 0, 0, 0x48, 0x8d, 0x35, 0x00, 0x10, 0, 0, 0x0f, 0x05,
	0x48, 0x89, 0xf0, 0xc3 };
#define JIT_B 32  /* where each function goes in the page */
#define JIT_C 64

/* Code written into anonymous memory and made executable by mprotect
 * runs, reads back as written once writable again, and runs again after
 * a change (under husk the rewriter patches it each time it becomes
 * executable, and puts the bytes back each time it becomes writable:
 * husk.rewrite-stats shows the patching). */
static void check_jit(void)
{
	uint8_t *code = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long (*a)(void) = (long (*)(void))code;
	long (*b)(long) = (long (*)(long))(code + JIT_B);
	uint64_t (*c)(void) = (uint64_t (*)(void))(code + JIT_C);
	long pid = getpid(), tid = syscall(SYS_gettid);

	check("mmap for code", code != MAP_FAILED);
	if (code == MAP_FAILED)
		return;
	memset(code, 0xcc, PAGE);
	memcpy(code, jit_getpid, sizeof(jit_getpid));
	memcpy(code + JIT_B, jit_moved, sizeof(jit_moved));
	memcpy(code + JIT_C, jit_riprel, sizeof(jit_riprel));
	check("mprotect written code to read+exec",
	      mprotect(code, PAGE, PROT_READ | PROT_EXEC) == 0);
	check("jit: mov $NR, %eax; syscall", a() == pid);
	check("jit: a move between the mov and the syscall", b(7) == pid);
	check("jit: rip-relative lea before the syscall",
	      c() == (uint64_t)(uintptr_t)(code + JIT_C + 12 + 0x1000));
	check("mprotect code back to read-write",
	      mprotect(code, PAGE, PROT_READ | PROT_WRITE) == 0);
	check("code reads back as written",
	      !memcmp(code, jit_getpid, sizeof(jit_getpid)) &&
	      !memcmp(code + JIT_B, jit_moved, sizeof(jit_moved)) &&
	      !memcmp(code + JIT_C, jit_riprel, sizeof(jit_riprel)));
	memcpy(code, jit_gettid, sizeof(jit_gettid));
	check("mprotect rewritten code to read+exec",
	      mprotect(code, PAGE, PROT_READ | PROT_EXEC) == 0);
	check("jit: new code runs", a() == tid);
	check("jit: unchanged code still runs", b(7) == pid &&
	      c() == (uint64_t)(uintptr_t)(code + JIT_C + 12 + 0x1000));
	check("munmap code", munmap(code, PAGE) == 0);
}

static void check_msync(void)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	check("msync MS_SYNC, MS_ASYNC, MS_INVALIDATE",
	      msync(p, 2 * PAGE, MS_SYNC) == 0 && msync(p, PAGE, MS_ASYNC) == 0 &&
	      msync(p, 100, MS_INVALIDATE) == 0 && msync(p, 0, MS_SYNC) == 0);
	check("msync MS_SYNC | MS_ASYNC: EINVAL",
	      fails_with(msync(p, PAGE, MS_SYNC | MS_ASYNC), EINVAL));
	check("msync unknown flag: EINVAL", fails_with(msync(p, PAGE, 8), EINVAL));
	check("msync unaligned address: EINVAL",
	      fails_with(msync(p + 1, PAGE, MS_SYNC), EINVAL));
	munmap(p + PAGE, PAGE);
	check("msync over an unmapped page: ENOMEM",
	      fails_with(msync(p, 2 * PAGE, MS_SYNC), ENOMEM));
	munmap(p, PAGE);
}

static void check_mlock(void)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	check("mlock, munlock (unaligned start)",
	      mlock(p + 10, PAGE) == 0 && munlock(p + 10, PAGE) == 0);
	check("mlock2 MLOCK_ONFAULT",
	      syscall(SYS_mlock2, p, PAGE, 1) == 0 && munlock(p, PAGE) == 0);
	check("mlock2 unknown flag: EINVAL",
	      fails_with(syscall(SYS_mlock2, p, PAGE, 2), EINVAL));
	check("mlockall MCL_FUTURE, munlockall",
	      mlockall(MCL_FUTURE) == 0 && munlockall() == 0);
	check("mlockall 0 or MCL_ONFAULT alone: EINVAL",
	      fails_with(mlockall(0), EINVAL) && fails_with(mlockall(4), EINVAL) &&
	      fails_with(mlockall(8), EINVAL));
	munmap(p + PAGE, PAGE);
	check("mlock, munlock over an unmapped page: ENOMEM",
	      fails_with(mlock(p, 2 * PAGE), ENOMEM) &&
	      fails_with(munlock(p, 2 * PAGE), ENOMEM));
	munmap(p, PAGE);
}

static char byte_at(int fd, off_t off)
{
	char c = '?';

	return pread(fd, &c, 1, off) == 1 ? c : '?';
}

/* Two MAP_SHARED mappings of one file, write() and read() agree at every
 * moment; ftruncate drops what lies past the new end. */
static void check_shared(void)
{
	static char buf[2 * PAGE + 100];
	const char *path = "/tmp/memops-shared";
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644), ro;
	char *m1, *m2;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('a' + i % 26);
	check("file for MAP_SHARED",
	      fd >= 0 && write(fd, buf, sizeof(buf)) == sizeof(buf));
	m1 = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	m2 = mmap(NULL, 3 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	check("mmap MAP_SHARED twice", m1 != MAP_FAILED && m2 != MAP_FAILED);
	if (m1 == MAP_FAILED || m2 == MAP_FAILED)
		return;
	check("shared mapping shows the file", !memcmp(m1, buf, sizeof(buf)) &&
	      m2[sizeof(buf) - 1] == buf[sizeof(buf) - 1] && m1[sizeof(buf)] == 0);
	m1[100] = 'X';
	check("store through one mapping: read() and the other see it",
	      byte_at(fd, 100) == 'X' && m2[100] == 'X');
	check("pwrite: both mappings see it",
	      pwrite(fd, "Y", 1, PAGE + 5) == 1 && m1[PAGE + 5] == 'Y' &&
	      m2[PAGE + 5] == 'Y');
	check("ftruncate longer, store in the new part",
	      ftruncate(fd, 3 * PAGE) == 0 && (m1[3 * PAGE - 1] = 'Z') &&
	      byte_at(fd, 3 * PAGE - 1) == 'Z' && m2[3 * PAGE - 1] == 'Z');
	check("ftruncate shorter and back: the dropped part reads zeros",
	      ftruncate(fd, PAGE) == 0 && ftruncate(fd, 3 * PAGE) == 0 &&
	      m1[PAGE + 5] == 0 && m2[3 * PAGE - 1] == 0 && m1[100] == 'X');
	check("msync MS_SYNC of a shared mapping", msync(m1, 3 * PAGE, MS_SYNC) == 0);
	check("munmap both", munmap(m1, 3 * PAGE) == 0 && munmap(m2, 3 * PAGE) == 0);
	close(fd);
	ro = open(path, O_RDONLY);
	check("the file keeps what the mapping stored", byte_at(ro, 100) == 'X');
	check("MAP_SHARED writable of a read-only file: EACCES",
	      mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED &&
	      errno == EACCES);
	m2 = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, ro, 0);
	check("mprotect writable, shared read-only file: EACCES",
	      m2 != MAP_FAILED &&
	      fails_with(mprotect(m2, PAGE, PROT_READ | PROT_WRITE), EACCES));
	m1 = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
	check("MAP_PRIVATE writable of a read-only file: a store stays private",
	      m1 != MAP_FAILED && (m1[100] = 'P') && m2[100] == 'X' &&
	      byte_at(ro, 100) == 'X');
	close(ro);
	unlink(path);
	check("mappings outlive close and unlink", m2[100] == 'X' && m2[0] == 'a');
	munmap(m1, PAGE);
	munmap(m2, PAGE);
	fd = open("/proc/self/exe", O_RDONLY);
	m1 = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	check("MAP_SHARED of the program's own file",
	      m1 != MAP_FAILED && !memcmp(m1, "\177ELF", 4));
	close(fd);
}

/* MAP_PRIVATE of a file, as Linux has it: a page not yet stored to shows
 * the file as it is when first touched; a stored page is the program's
 * own; MADV_DONTNEED drops it and the file shows again. (husk fills such
 * pages on first touch: kernel/sys/mmap_private.c.) */
static void check_private(void)
{
	static char buf[2 * PAGE + 100], exe[2 * PAGE];
	const char *path = "/tmp/memops-private";
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	char *m, *x;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('a' + i % 26);
	check("file for MAP_PRIVATE",
	      fd >= 0 && write(fd, buf, sizeof(buf)) == sizeof(buf));
	m = mmap(NULL, 3 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	check("mmap MAP_PRIVATE read-only", m != MAP_FAILED);
	if (m == MAP_FAILED)
		return;
	check("pwrite before the first touch: the private mapping shows it",
	      pwrite(fd, "N", 1, 10) == 1 && m[10] == 'N' && m[11] == buf[11]);
	check("the tail of the last page reads zeros",
	      m[sizeof(buf) - 1] == buf[sizeof(buf) - 1] && m[sizeof(buf)] == 0 &&
	      m[3 * PAGE - 1] == 0);
	check("mprotect read-write, then a store stays private",
	      mprotect(m, 3 * PAGE, PROT_READ | PROT_WRITE) == 0 &&
	      (m[20] = 'W') && byte_at(fd, 20) == buf[20] && m[10] == 'N' &&
	      m[PAGE + 1] == buf[PAGE + 1]);
	check("pwrite after the store: the private page keeps its own",
	      pwrite(fd, "Q", 1, 20) == 1 && m[20] == 'W');
	check("madvise DONTNEED: the file's bytes come back",
	      madvise(m, PAGE, MADV_DONTNEED) == 0 && m[20] == 'Q' && m[10] == 'N');
	check("munmap the private mapping", munmap(m, 3 * PAGE) == 0);
	close(fd);
	unlink(path);
	fd = open("/proc/self/exe", O_RDONLY);
	x = fd >= 0 ? mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
	check("MAP_PRIVATE of the program's own file: its bytes",
	      x != MAP_FAILED && pread(fd, exe, sizeof(exe), 0) == sizeof(exe) &&
	      !memcmp(x, exe, sizeof(exe)));
	check("made writable, a store stays private",
	      x != MAP_FAILED && mprotect(x, 2 * PAGE, PROT_READ | PROT_WRITE) == 0 &&
	      (x[PAGE] = 'S') && x[PAGE] == 'S' && byte_at(fd, PAGE) == exe[PAGE] &&
	      !memcmp(x, exe, PAGE));
	if (x != MAP_FAILED)
		munmap(x, 2 * PAGE);
	if (fd >= 0)
		close(fd);
}

/* Takes memory 1 MiB at a time and touches every page, for ever: the
 * guest runs out. What must follow is a clear report and an exit (the
 * boot case checks it), never a hang. */
static int exhaust(void)
{
	for (unsigned mib = 0;; mib++) {
		char *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED) {
			printf("exhaust: mmap failed after %u MiB\n", mib);
			return 0;
		}
		for (size_t off = 0; off < 1 << 20; off += 4096)
			m[off] = 1;
		if (mib % 16 == 0)
			printf("exhaust: %u MiB\n", mib);
	}
}

int main(int argc, char **argv)
{
	size_t big = 64 << 20;
	char *p;

	if (argc > 1 && !strcmp(argv[1], "prot-none"))
		return read_prot_none();
	if (argc > 1 && !strcmp(argv[1], "exhaust"))
		return exhaust();
	p = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check("mmap 64 MiB anonymous", p != MAP_FAILED);
	if (p == MAP_FAILED)
		return 1;
	check("fresh pages read as zero", p[0] == 0 && p[big - 1] == 0);
	p[0] = 1;
	p[big / 2] = 2;
	p[big - 1] = 3;
	check("writes stick", p[0] == 1 && p[big / 2] == 2 && p[big - 1] == 3);
	check("madvise DONTNEED", madvise(p, 4096, MADV_DONTNEED) == 0 && p[0] == 0);
	check("mprotect read-only", mprotect(p, 4096, PROT_READ) == 0 && p[0] == 0);
	check("mprotect back to read-write", mprotect(p, 4096, PROT_READ | PROT_WRITE) == 0);
	p[0] = 5;
	char *q = mremap(p, big, 2 * big, MREMAP_MAYMOVE);
	check("mremap grows, contents kept", q != MAP_FAILED && q[0] == 5 && q[big / 2] == 2);
	check("munmap", munmap(q, 2 * big) == 0);
	char *f = mmap((void *)0x600000000000, 8192, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check("MAP_FIXED at the address asked", f == (void *)0x600000000000);
	f[8191] = 7;
	check("MAP_FIXED_NOREPLACE refuses an occupied range",
	      mmap(f, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		   -1, 0) == MAP_FAILED);
	size_t total = 0;
	for (int i = 1; i < 2000; i++) {
		char *m = malloc((size_t)i * 37);
		if (!m)
			break;
		memset(m, i & 0xff, (size_t)i * 37);
		total += (size_t)i * 37;
		if (i % 3)
			free(m);
	}
	check("malloc and free 2000 blocks", total > 70000000);
	check("stack grows to 2 MiB", deep(2000) >= 0);
	check_prot_none();
	check_jit();
	check_msync();
	check_mlock();
	check_shared();
	check_private();
	printf("memops: %s\n", failures ? "FAILED" : "all passed");
	return failures ? 1 : 0;
}
