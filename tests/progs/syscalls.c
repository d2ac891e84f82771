/*
 * System calls as a Linux program issues them, checked register by
 * register. Built static (musl and glibc) into the test rootfs; runs the
 * same on Linux, under husk with the rewriter (the loader turns `mov $NR,
 * %eax; syscall` into a call into the library OS) and under husk with
 * husk.no-rewrite (every SYSCALL takes the slow path).
 *
 *   syscalls [N]   N: iterations of the timing loops (default 2000)
 *
 * Checks: after `mov $39, %eax; syscall` with a sentinel in every register,
 * in the 128-byte red zone and in xmm0-15, only rax (the result), rcx (the
 * address after the syscall) and r11 (rflags) have changed, and the flags
 * are preserved. The same after a site whose last instructions before the
 * syscall are an rsp-relative move and a rip-relative lea (the rewriter
 * moves them into the trampoline: they must compute what they did in
 * place). A site the rewriter declines (a branch targets an instruction
 * between the mov and the syscall) and a syscall reached by a jump work
 * too. Prints which sites were rewritten (their first byte became a jmp,
 * 0xe9), the average getpid round trip through a rewritable site and a
 * declined one, and "syscalls: all passed".
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { R_RAX, R_RBX, R_RCX, R_RDX, R_RSI, R_RDI, R_RBP, R_R8, R_R9, R_R10,
       R_R11, R_R12, R_R13, R_R14, R_R15, R_FLAGS, R_N };
static const char *const rname[R_N] = { "rax", "rbx", "rcx", "rdx", "rsi",
	"rdi", "rbp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
	"rflags" };

uint64_t probe_out[R_N], probe_flags_before, probe_rz[16], probe_rsp;
uint8_t probe_xmm_in[256], probe_xmm_out[256];
void probe(void), probe_moved(void);
extern const uint8_t probe_site[], probe_ret[], moved_site[], moved_ret[];
extern const uint8_t moved_anchor[];
long declined_getpid(void);
extern const uint8_t declined_site[];
long jumped(long straight);  /* 0: getpid through its mov; 1: gettid by a
			      * jump straight to the same syscall */
extern const uint8_t jumped_site[];

#define S(n) "movabs $0x5e47" #n "00000000" #n ", "
/* Fills every register, the red zone and xmm0-15 with sentinels, runs
 * `site` (which ends with the syscall, at label ret), and saves what they
 * hold after it. rsp at the site goes to probe_rsp. */
#define PROBE(name, site, ret)						\
	".globl " #name ", " #ret "\n"					\
	#name ":\n"							\
	"	push %rbx\n	push %rbp\n	push %r12\n	push %r13\n"	\
	"	push %r14\n	push %r15\n"					\
	"	mov %rsp, probe_rsp(%rip)\n"				\
	"	stc\n" /* CF set: must survive, and be in r11 */		\
	"	pushfq\n	pop %rax\n"					\
	"	mov %rax, probe_flags_before(%rip)\n"			\
	/* the red zone: 16 distinct quadwords (lea/mov leave the flags) */ \
	"	movabs $0x7ed2011e00000000, %rax\n"			\
	".irp i,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16\n"		\
	"	lea 1(%rax), %rax\n	mov %rax, -8*\\i(%rsp)\n"		\
	".endr\n"							\
	".irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"		\
	"	movdqu probe_xmm_in+16*\\i(%rip), %xmm\\i\n"		\
	".endr\n"							\
	"	" S(1) "%rbx\n	" S(2) "%rcx\n	" S(3) "%rdx\n"		\
	"	" S(4) "%rsi\n	" S(5) "%rdi\n	" S(6) "%rbp\n"		\
	"	" S(7) "%r8\n	" S(8) "%r9\n	" S(9) "%r10\n"		\
	"	" S(a) "%r11\n	" S(b) "%r12\n	" S(c) "%r13\n"		\
	"	" S(d) "%r14\n	" S(e) "%r15\n"				\
	site								\
	#ret ":\n"							\
	"	mov %rax, probe_out+8*0(%rip)\n	mov %rbx, probe_out+8*1(%rip)\n" \
	"	mov %rcx, probe_out+8*2(%rip)\n	mov %rdx, probe_out+8*3(%rip)\n" \
	"	mov %rsi, probe_out+8*4(%rip)\n	mov %rdi, probe_out+8*5(%rip)\n" \
	"	mov %rbp, probe_out+8*6(%rip)\n	mov %r8, probe_out+8*7(%rip)\n" \
	"	mov %r9, probe_out+8*8(%rip)\n	mov %r10, probe_out+8*9(%rip)\n" \
	"	mov %r11, probe_out+8*10(%rip)\n	mov %r12, probe_out+8*11(%rip)\n" \
	"	mov %r13, probe_out+8*12(%rip)\n	mov %r14, probe_out+8*13(%rip)\n" \
	"	mov %r15, probe_out+8*14(%rip)\n"				\
	".irp i,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16\n"		\
	"	mov -8*\\i(%rsp), %rax\n	mov %rax, probe_rz+8*(\\i-1)(%rip)\n" \
	".endr\n"							\
	"	pushfq\n	pop %rax\n	mov %rax, probe_out+8*15(%rip)\n"	\
	".irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"		\
	"	movdqu %xmm\\i, probe_xmm_out+16*\\i(%rip)\n"		\
	".endr\n"							\
	"	pop %r15\n	pop %r14\n	pop %r13\n	pop %r12\n"	\
	"	pop %rbp\n	pop %rbx\n"					\
	"	ret\n"

__asm__(
	".text\n"
	/* The plain form: `mov $NR, %eax; syscall`. */
	PROBE(probe,
	      ".globl probe_site\n"
	      "probe_site:\n"
	      "	mov $39, %eax\n"
	      "	syscall\n", probe_ret)

	/* The moved form: the instructions right before the syscall (7 + 3
	 * bytes) use rip and rsp; in a trampoline they must still give
	 * moved_anchor and the program's rsp. */
	PROBE(probe_moved,
	      "	mov $39, %eax\n"
	      ".globl moved_site, moved_anchor\n"
	      "moved_site:\n"
	      "	lea moved_anchor(%rip), %r8\n"
	      "	mov %rsp, %rdx\n"
	      "	syscall\n", moved_ret)
	".section .rodata\n"
	"moved_anchor:\n"
	"	.byte 0\n"
	".text\n"

	/* Declined: a (never taken) branch back to the instruction between
	 * the mov and the syscall, which a patch would overwrite. */
	".globl declined_getpid, declined_site\n"
	"declined_getpid:\n"
	"declined_site:\n"
	"	mov $39, %eax\n"
	"1:	mov %rdi, %rdi\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	js 1b\n"
	"	ret\n"

	/* A rewritable site whose syscall is also a jump target. */
	".globl jumped, jumped_site\n"
	"jumped:\n"
	"	test %rdi, %rdi\n"
	"	jz 2f\n"
	"	mov $186, %eax\n"
	"	jmp 1f\n"
	"2:\n"
	"jumped_site:\n"
	"	mov $39, %eax\n"
	"1:	syscall\n"
	"	ret\n");

static inline long fast_getpid(void)
{
	long r;

	__asm__ volatile("mov $39, %%eax\n\tsyscall"
			 : "=a"(r) : : "rcx", "r11", "memory");
	return r;
}

static int failures;

static void fail(const char *what, uint64_t got, uint64_t want)
{
	printf("syscalls: FAIL %s: 0x%llx, want 0x%llx\n", what,
	       (unsigned long long)got, (unsigned long long)want);
	failures++;
}

static const char *how(const uint8_t *site)
{
	return site[0] == 0xe9 ? "rewritten" : "syscall";
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Runs one probe (moved: probe_moved, whose site leaves rdx = its rsp
 * and r8 = moved_anchor) and checks every register it saved. */
static void check_registers(long pid, int moved)
{
	uint64_t want[R_N];
	int i;

	for (i = 0; i < 256; i++)
		probe_xmm_in[i] = (uint8_t)(0xa5 ^ i * 7);
	memset(probe_xmm_out, 0, sizeof(probe_xmm_out));
	memset(probe_out, 0, sizeof(probe_out));
	if (moved)
		probe_moved();
	else
		probe();
	/* The sentinels 0x5e47K00000000K, K in the order set: rbx 1, rcx 2,
	 * rdx 3, rsi 4, rdi 5, rbp 6, r8 7, r9 8, r10 9, r11 a, r12 b, r13 c,
	 * r14 d, r15 e (rcx and r11 must change). */
	for (i = R_RBX; i <= R_R15; i++)
		want[i] = 0x5e47ULL << 40 | (uint64_t)(i - R_RBX + 1) << 36 |
			  (uint64_t)(i - R_RBX + 1);
	want[R_RAX] = (uint64_t)pid;
	want[R_RCX] = (uint64_t)(uintptr_t)(moved ? moved_ret : probe_ret);
	if (moved) {
		want[R_RDX] = probe_rsp;
		want[R_R8] = (uint64_t)(uintptr_t)moved_anchor;
	}
	want[R_R11] = probe_flags_before;
	want[R_FLAGS] = probe_flags_before;
	for (i = 0; i < R_N; i++)
		if (probe_out[i] != want[i])
			fail(rname[i], probe_out[i], want[i]);
	if (!(probe_out[R_FLAGS] & 1))
		fail("carry flag", probe_out[R_FLAGS], probe_out[R_FLAGS] | 1);
	for (i = 0; i < 16; i++)
		if (probe_rz[i] != 0x7ed2011e00000000ULL + i + 1)
			fail("red zone quadword", probe_rz[i],
			     0x7ed2011e00000000ULL + i + 1);
	for (i = 0; i < 256; i++)
		if (probe_xmm_out[i] != probe_xmm_in[i]) {
			fail("xmm byte", probe_xmm_out[i], probe_xmm_in[i]);
			break;
		}
}

int main(int argc, char **argv)
{
	long pid = syscall(SYS_getpid), tid = syscall(SYS_gettid);
	long n = argc > 1 ? atol(argv[1]) : 2000, i;
	uint64_t t0, t1, t2;

	printf("syscalls: sites probe=%s moved=%s declined=%s jumped=%s\n",
	       how(probe_site), how(moved_site), how(declined_site),
	       how(jumped_site));
	check_registers(pid, 0);
	check_registers(pid, 1);
	if (declined_getpid() != pid)
		fail("declined site's getpid", (uint64_t)declined_getpid(), (uint64_t)pid);
	if (jumped(0) != pid)
		fail("getpid through the mov", (uint64_t)jumped(0), (uint64_t)pid);
	if (jumped(1) != tid)
		fail("gettid by a jump to the syscall", (uint64_t)jumped(1), (uint64_t)tid);
	if (n < 1)
		n = 1;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (fast_getpid() != pid)
			fail("getpid in the loop", 0, (uint64_t)pid);
	t1 = now_ns();
	for (i = 0; i < n; i++)
		if (declined_getpid() != pid)
			fail("declined getpid in the loop", 0, (uint64_t)pid);
	t2 = now_ns();
	printf("getpid: %llu ns\n", (unsigned long long)((t1 - t0) / (uint64_t)n));
	printf("getpid-declined-site: %llu ns\n",
	       (unsigned long long)((t2 - t1) / (uint64_t)n));
	if (failures) {
		printf("syscalls: %d failures\n", failures);
		return 1;
	}
	printf("syscalls: all passed\n");
	return 0;
}
