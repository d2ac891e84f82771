/*
 * What a program gets for trying ring 0's business: privileged
 * instructions and software interrupts to every vector. Linux answers each
 * with a signal (SIGSEGV for a #GP, SIGTRAP for int3, SIGILL for ud2) and
 * the program may catch it and go on; husk must answer the same, without
 * taking the VM down, although its library OS runs in ring 3 beside the
 * program and its ring-0 stubs own the IDT. Prints one line per attempt,
 * marked "unexpected" where the signal is not Linux's, and a summary;
 * exits 1 if any was unexpected. int $0x80 is left out: on Linux it is the
 * 32-bit system call. (Not compared with the host run: a host that is
 * itself a guest may answer some vectors its own way; this one, a PVM
 * guest, lets int $0x1a through.)
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static sigjmp_buf back;
static volatile sig_atomic_t got;

static void on_fault(int sig)
{
	got = sig;
	siglongjmp(back, 1);
}

/* 256 stubs of three bytes: int $N; ret (raw bytes: an assembler may
 * shorten int $3 to int3). Its symbol must not be a C name of this file. */
__asm__(".pushsection .text\n"
	".globl int_stubs\n"
	"int_stubs:\n"
	".set vec, 0\n"
	".rept 256\n"
	".byte 0xcd, vec, 0xc3\n"
	".set vec, vec + 1\n"
	".endr\n"
	".popsection\n");
extern const unsigned char int_stubs[];

static void op_cli(void) { __asm__ volatile("cli"); }
static void op_sti(void) { __asm__ volatile("sti"); }
static void op_hlt(void) { __asm__ volatile("hlt"); }
static void op_read_cr0(void) { unsigned long v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); }
static void op_read_cr3(void) { unsigned long v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); }
static void op_write_cr3(void) { __asm__ volatile("mov %0, %%cr3" : : "r"(0UL)); }
static void op_read_cr4(void) { unsigned long v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); }
static void op_invlpg(void) { char c; __asm__ volatile("invlpg %0" : : "m"(c)); }
static void op_wbinvd(void) { __asm__ volatile("wbinvd"); }
static void op_rdmsr(void) { __asm__ volatile("rdmsr" : : "c"(0x10) : "rax", "rdx"); }
static void op_wrmsr_fs(void) { __asm__ volatile("wrmsr" : : "c"(0xc0000100), "a"(0), "d"(0)); }
static void op_wrmsr_lstar(void) { __asm__ volatile("wrmsr" : : "c"(0xc0000082), "a"(0), "d"(0)); }
static void op_lgdt(void) { char d[10] = { 0 }; __asm__ volatile("lgdt %0" : : "m"(d)); }
static void op_lidt(void) { char d[10] = { 0 }; __asm__ volatile("lidt %0" : : "m"(d)); }
static void op_ltr(void) { __asm__ volatile("ltr %w0" : : "r"(0x28)); }
static void op_clts(void) { __asm__ volatile("clts"); }
static void op_in80(void) { __asm__ volatile("inb $0x80, %%al" : : : "rax"); }
static void op_out80(void) { __asm__ volatile("outb %%al, $0x80" : : "a"(0)); }
static void op_int3(void) { __asm__ volatile("int3"); }
static void op_ud2(void) { __asm__ volatile("ud2"); }
static void op_iretq(void) { __asm__ volatile("push $0\n push $0\n push $0\n push $0\n push $0\n iretq"); }
static void op_noncanonical(void) { ((void (*)(void))0x8000000000000000UL)(); }

static const struct {
	const char *name;
	void (*fn)(void);
} ops[] = {
	{ "cli", op_cli }, { "sti", op_sti }, { "hlt", op_hlt },
	{ "mov %cr0", op_read_cr0 }, { "mov %cr3 (read)", op_read_cr3 },
	{ "mov %cr3 (write)", op_write_cr3 }, { "mov %cr4", op_read_cr4 },
	{ "invlpg", op_invlpg }, { "wbinvd", op_wbinvd },
	{ "rdmsr", op_rdmsr }, { "wrmsr FS base", op_wrmsr_fs },
	{ "wrmsr LSTAR", op_wrmsr_lstar }, { "lgdt", op_lgdt },
	{ "lidt", op_lidt }, { "ltr", op_ltr }, { "clts", op_clts },
	{ "in port 0x80", op_in80 }, { "out port 0x80", op_out80 },
	{ "int3", op_int3 }, { "ud2", op_ud2 }, { "iretq to nowhere", op_iretq },
	{ "call a non-canonical address", op_noncanonical },
};

/* The signal fn raises, 0 if none. Never inlined: after the siglongjmp,
 * the caller's registers must not depend on what fn clobbered. */
__attribute__((noinline)) static int attempt(void (*fn)(void))
{
	got = 0;
	if (!sigsetjmp(back, 1))
		fn();
	return got;
}

static const char *name_of(int sig)
{
	switch (sig) {
	case 0: return "no signal";
	case SIGSEGV: return "SIGSEGV";
	case SIGILL: return "SIGILL";
	case SIGTRAP: return "SIGTRAP";
	case SIGBUS: return "SIGBUS";
	case SIGFPE: return "SIGFPE";
	}
	return "another signal";
}

/* Linux's answer: #GP (SIGSEGV) for everything but the breakpoint and
 * the undefined instruction. */
static int expected(const char *name, int vector)
{
	if (vector == 3 || (name && !strcmp(name, "int3")))
		return SIGTRAP;
	if (name && !strcmp(name, "ud2"))
		return SIGILL;
	return SIGSEGV;
}

static unsigned n, unexpected;

static void report(const char *what, int sig, int want)
{
	n++;
	unexpected += sig != want;
	printf("%s: %s%s\n", what, name_of(sig), sig != want ? " (unexpected)" : "");
}

int main(void)
{
	struct sigaction sa;
	int sigs[] = { SIGSEGV, SIGILL, SIGTRAP, SIGBUS, SIGFPE };
	char what[32];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sa.sa_flags = SA_NODEFER;
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		report(ops[i].name, attempt(ops[i].fn), expected(ops[i].name, -1));
	for (int v = 0; v < 256; v++) {
		if (v == 0x80)
			continue;
		snprintf(what, sizeof(what), "int $%#x", v);
		report(what, attempt((void (*)(void))(int_stubs + 3 * v)),
		       expected(NULL, v));
	}
	printf("privileged: %u attempts, %u unexpected\n", n, unexpected);
	return unexpected != 0;
}
