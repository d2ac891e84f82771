/*
 * The moved form of the loader's decoder (kernel/loader/x86dec.c, on the
 * host under ASan/UBSan): which instructions before a syscall may move
 * into a trampoline (x86_site_movable, win_addr/win_len, win_decline), on
 * hand-made code, one rule at a time; x86_rip_disp; and that the forward
 * branches the sweep keeps are all checked however many there are. Real
 * binaries: tests/unit/test_x86dec.c and the boot cases (husk.rewrite-stats).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "x86dec.h"

#define MOV_EAX(nr) 0xb8, (nr), 0, 0, 0
#define SYSCALL 0x0f, 0x05
#define MOV_RDI_RSI 0x48, 0x89, 0xfe /* mov %rdi, %rsi */
#define MOV_R9_RAX 0x4c, 0x89, 0xc8  /* mov %r9, %rax */
#define ENDBR64 0xf3, 0x0f, 0x1e, 0xfa
#define MAX_SITES 256

static struct x86_syscall_site s[MAX_SITES];
static struct x86_scan_stats st;

/* Scans a heap copy of exactly n bytes (reading past it is caught). */
static size_t scan(const uint8_t *bytes, size_t n, uint64_t vaddr)
{
	uint8_t *p = malloc(n);
	size_t r;

	if (!p)
		abort();
	memcpy(p, bytes, n);
	memset(s, 0, sizeof(s));
	r = x86_scan_syscalls_ex(p, n, vaddr, s, MAX_SITES, &st);
	free(p);
	return r;
}

static int rip_disp(const uint8_t *bytes, size_t n)
{
	uint8_t *p = malloc(n);
	int r;

	if (!p)
		abort();
	memcpy(p, bytes, n);
	r = x86_rip_disp(p, n);
	free(p);
	return r;
}

static void test_windows(void)
{
	size_t n;

	{	/* musl's usual shape: an argument move after the number */
		static const uint8_t c[] = { 0x55, MOV_EAX(39), MOV_RDI_RSI, SYSCALL, 0xc3 };

		n = scan(c, sizeof(c), 0x1000);
		CHECK("window: mov $NR; mov %rdi,%rsi; syscall is movable",
		      n == 1 && x86_site_movable(&s[0]) && s[0].win_addr == 0x1001 &&
		      s[0].win_len == 8 && st.patch_moved == 1);
		CHECK("window: the mov form still declines it",
		      !(s[0].flags & X86_PATCH_MOV) &&
		      s[0].decline == X86_DECLINE_PREV_NOT_MOV);
	}
	{	/* the plain form: the window is the mov */
		static const uint8_t c[] = { MOV_EAX(39), SYSCALL };

		n = scan(c, sizeof(c), 0);
		CHECK("window: plain mov $NR; syscall: the window is the mov",
		      n == 1 && x86_site_movable(&s[0]) && s[0].win_addr == 0 &&
		      s[0].win_len == 5 && (s[0].flags & X86_PATCH_MOV));
	}
	{	/* the number from a register, after a branch */
		static const uint8_t c[] = { 0x74, 0x00, MOV_R9_RAX, SYSCALL };

		n = scan(c, sizeof(c), 0);
		CHECK("window: a branch within the last 5 bytes: unmovable",
		      n == 1 && !x86_site_movable(&s[0]) && !s[0].win_len &&
		      s[0].win_decline == X86_DECLINE_UNMOVABLE &&
		      st.win_decline[X86_DECLINE_UNMOVABLE] == 1);
	}
	{	/* endbr64 marks an indirect branch's target */
		static const uint8_t c[] = { MOV_EAX(1), ENDBR64, SYSCALL };

		n = scan(c, sizeof(c), 0);
		CHECK("window: endbr64 inside: unmovable",
		      n == 1 && s[0].win_decline == X86_DECLINE_UNMOVABLE);
	}
	{	/* mov to a control register is a MOV too */
		static const uint8_t c[] = { MOV_EAX(1), 0x0f, 0x22, 0xd8, SYSCALL };

		n = scan(c, sizeof(c), 0);
		CHECK("window: mov %rax,%cr3: unmovable",
		      n == 1 && s[0].win_decline == X86_DECLINE_UNMOVABLE);
	}
	{	/* rip-relative: movable (the rewriter re-aims it) */
		static const uint8_t c[] = { MOV_EAX(218), 0x48, 0x8d, 0x3d, 0x10, 0, 0, 0,
					     SYSCALL };

		n = scan(c, sizeof(c), 0x400000);
		CHECK("window: lea x(%rip),%rdi; syscall is movable, window the lea",
		      n == 1 && x86_site_movable(&s[0]) && s[0].win_addr == 0x400005 &&
		      s[0].win_len == 7);
	}
	{	/* too little before the syscall */
		static const uint8_t c[] = { MOV_RDI_RSI, SYSCALL };

		n = scan(c, sizeof(c), 0);
		CHECK("window: 3 bytes at the region start: no window",
		      n == 1 && !s[0].win_len && s[0].win_decline == X86_DECLINE_NO_PREV);
	}
	{	/* rt_sigreturn, also with a move after it */
		static const uint8_t c[] = { 0x48, 0xc7, 0xc0, 15, 0, 0, 0, SYSCALL,
					     MOV_EAX(15), MOV_RDI_RSI, SYSCALL };

		n = scan(c, sizeof(c), 0);
		CHECK("window: rt_sigreturn declined in both forms",
		      n == 2 && s[0].win_decline == X86_DECLINE_SIGRETURN &&
		      s[1].win_decline == X86_DECLINE_SIGRETURN &&
		      s[1].win_len == 8 && !x86_site_movable(&s[1]));
	}
	{	/* an undecodable byte (push %es) right before */
		static const uint8_t c[] = { 0x06, MOV_EAX(1), MOV_RDI_RSI, SYSCALL };

		n = scan(c, sizeof(c), 0);
		CHECK("window: after undecodable bytes: near-garbage",
		      n == 1 && s[0].win_len == 8 &&
		      s[0].win_decline == X86_DECLINE_NEAR_RESYNC);
	}
}

static void test_branches(void)
{
	size_t n;

	{	/* backward branches onto, into, and past the window */
		static const uint8_t c[] = {
			MOV_EAX(1), MOV_RDI_RSI, SYSCALL,	/* 0: window 0-8 */
			0xeb, 0xf4,				/* 10: jmp 0, its start */
			MOV_EAX(2), MOV_RDI_RSI, SYSCALL,	/* 12: window 12-20 */
			0xeb, 0xf9,				/* 22: jmp 17, the 2nd insn */
			MOV_EAX(3), MOV_RDI_RSI, SYSCALL,	/* 24: syscall at 32 */
			0xeb, 0xfc,				/* 34: jmp 32, the syscall */
		};

		n = scan(c, sizeof(c), 0);
		CHECK("branch: onto the window's start: still movable",
		      n == 3 && x86_site_movable(&s[0]));
		CHECK("branch: onto an instruction inside the window: declined",
		      !x86_site_movable(&s[1]) &&
		      s[1].win_decline == X86_DECLINE_BRANCH_INSIDE &&
		      s[1].decline == X86_DECLINE_PREV_NOT_MOV);
		CHECK("branch: onto the syscall: still movable (it stays)",
		      x86_site_movable(&s[2]) && (s[2].flags & X86_BRANCH_TO_SYSCALL));
		CHECK("branch: stats follow",
		      st.patch_moved == 2 && st.win_decline[X86_DECLINE_BRANCH_INSIDE] == 1);
	}
	{	/* inside the window but before the mov: the mov form keeps it */
		static const uint8_t c[] = {
			0x48, 0x31, 0xf6,	/* 0: xor %rsi,%rsi */
			0x90,			/* 3: nop (a target) */
			0x90,			/* 4 */
			SYSCALL,		/* 5 */
			MOV_RDI_RSI, 0x90, 0x90, MOV_EAX(7), SYSCALL, /* 7: mov at 12 */
			0xeb, 0xf5,		/* 19: jmp 10, before the mov */
			0xeb, 0xec,		/* 21: jmp 3 */
		};

		n = scan(c, sizeof(c), 0);
		CHECK("branch: into a window: declined, whatever the mov form says",
		      n == 2 && s[0].win_decline == X86_DECLINE_BRANCH_INSIDE);
		CHECK("branch: before the mov but inside nothing: both forms fine",
		      x86_site_movable(&s[1]) && (s[1].flags & X86_PATCH_MOV) &&
		      s[1].win_addr == 12);
	}
}

/* 100 forward branches, each to its own site (6 bytes of jne rel32, 10 of
 * site). ahead 0: all branches first (more than the 64 the sweep keeps
 * wait at once: the second sweep); else each block is a branch then a
 * site, and the branch targets the site `ahead` blocks on (the waiting
 * ones are settled as the sweep passes them, and not before). Targets
 * inside the windows must decline every site, targets on the windows'
 * starts none. */
static void check_forward(int ahead, int inside)
{
	enum { NB = 100, JMP = 6, SITE = 10, BLOCK = JMP + SITE };
	static uint8_t c[(NB + 2) * BLOCK];
	static const uint8_t site[SITE] = { MOV_EAX(1), MOV_RDI_RSI, SYSCALL };
	size_t n, i, declined = 0, movable = 0, len = ahead ? (NB + ahead) * BLOCK :
							      NB * BLOCK;
	char name[160];

	memset(c, 0x90, sizeof(c));
	for (i = 0; i < NB + (size_t)ahead; i++) {
		uint64_t at = ahead ? i * BLOCK : i * JMP;
		uint64_t to = ahead ? (i + ahead) * BLOCK + JMP : NB * JMP + i * SITE;
		int32_t rel = (int32_t)(to + (inside ? 5 : 0) - (at + JMP));

		if (i < NB) {
			c[at] = 0x0f; /* jne rel32 */
			c[at + 1] = 0x85;
			memcpy(c + at + 2, &rel, 4);
		}
		memcpy(c + (ahead ? at + JMP : to), site, SITE);
	}
	n = scan(c, len, 0x10000);
	for (i = 0; i < n && i < MAX_SITES; i++) {
		declined += s[i].win_decline == X86_DECLINE_BRANCH_INSIDE;
		movable += x86_site_movable(&s[i]);
	}
	snprintf(name, sizeof(name), "forward: 100 branches %s (%d), %s: %s",
		 ahead ? "each to the site blocks ahead" : "all first",
		 ahead, inside ? "into the windows" : "onto the windows' starts",
		 inside ? "declined" : "none declined");
	if (ahead) /* the first `ahead` sites have no branch */
		CHECK(name, n == NB + (size_t)ahead &&
		      (inside ? declined == NB && movable == (size_t)ahead :
				movable == n && !declined));
	else
		CHECK(name, n == NB && (inside ? declined == NB && !movable :
					   movable == NB && !declined));
}

static void test_many_forward(void)
{
	for (int ahead = 0; ahead <= 2; ahead++) {
		check_forward(ahead, 1);
		check_forward(ahead, 0);
	}
}

static void test_rip_disp(void)
{
	static const uint8_t lea[] = { 0x48, 0x8d, 0x3d, 1, 2, 3, 4 };
	static const uint8_t movl[] = { 0xc7, 0x05, 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t plain[] = { 0x48, 0x8d, 0x7c, 0x24, 0x08 };
	static const uint8_t sib[] = { 0x48, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0 };

	CHECK("x86_rip_disp: lea x(%rip),%rdi: at 3", rip_disp(lea, sizeof(lea)) == 3);
	CHECK("x86_rip_disp: movl $imm, x(%rip): at 2 (the immediate follows)",
	      rip_disp(movl, sizeof(movl)) == 2);
	CHECK("x86_rip_disp: lea 8(%rsp): none", rip_disp(plain, sizeof(plain)) == 0);
	CHECK("x86_rip_disp: absolute disp32 through a SIB: none",
	      rip_disp(sib, sizeof(sib)) == 0);
	CHECK("x86_rip_disp: truncated: none", rip_disp(lea, 5) == 0);
	CHECK("x86_rip_disp: NULL", x86_rip_disp(NULL, 7) == 0);
}

int main(void)
{
	test_windows();
	test_branches();
	test_many_forward();
	test_rip_disp();
	return CHECK_DONE();
}
