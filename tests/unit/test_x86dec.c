/*
 * The loader's x86 decoder (kernel/loader/x86dec.c over Zydis, built for
 * the host with the same configuration as the guest's, under ASan/UBSan):
 *   - instruction lengths: every length 1-15, prefixes, VEX, EVEX, invalid
 *     encodings, truncated ones; each buffer is exactly as long as its
 *     bytes, so that any read past the end is an ASan error
 *   - the sweep's verdicts on hand-made code, one heuristic at a time
 *   - garbage: no crash, no read out of bounds, every site real
 *   - real binaries (a static glibc and a static musl program, built by
 *     kernel/loader/module.mk; glibc's libc.so.6 and ld.so): the syscall
 *     sites of every executable section must be exactly those objdump -d
 *     finds, also when the whole executable segment is swept at once.
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "x86dec.h"

#ifndef X86DEC_SAMPLES_DIR
#define X86DEC_SAMPLES_DIR "build/tests/unit/x86dec"
#endif

static char name[256];

#define CHECKF(cond, ...)                                                    \
	do {                                                                 \
		snprintf(name, sizeof(name), __VA_ARGS__);                   \
		CHECK(name, cond);                                           \
	} while (0)

/* A heap copy with nothing after it: reading past the end is caught. */
static uint8_t *exact(const uint8_t *bytes, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	if (!p)
		abort();
	memcpy(p, bytes, n);
	return p;
}

static int len_of(const uint8_t *bytes, size_t n)
{
	uint8_t *p = exact(bytes, n);
	int l = x86_insn_len(p, n);

	free(p);
	return l;
}

struct insn_case {
	const char *what;
	uint8_t bytes[16];
	size_t n;
	int want;
};

static void test_lengths(void)
{
	static const struct insn_case cases[] = {
		{ "nop", { 0x90 }, 1, 1 },
		{ "ret", { 0xc3 }, 1, 1 },
		{ "push %rbp", { 0x55 }, 1, 1 },
		{ "syscall", { 0x0f, 0x05 }, 2, 2 },
		{ "xor %eax,%eax", { 0x31, 0xc0 }, 2, 2 },
		{ "rep movsb", { 0xf3, 0xa4 }, 2, 2 },
		{ "ud2", { 0x0f, 0x0b }, 2, 2 },
		{ "int $0x80", { 0xcd, 0x80 }, 2, 2 },
		{ "sysenter", { 0x0f, 0x34 }, 2, 2 },
		{ "mov %rsp,%rbp", { 0x48, 0x89, 0xe5 }, 3, 3 },
		{ "vzeroupper (VEX2)", { 0xc5, 0xf8, 0x77 }, 3, 3 },
		{ "sub $8,%rsp", { 0x48, 0x83, 0xec, 0x08 }, 4, 4 },
		{ "endbr64", { 0xf3, 0x0f, 0x1e, 0xfa }, 4, 4 },
		{ "vpxor %ymm0 (VEX2)", { 0xc5, 0xfd, 0xef, 0xc0 }, 4, 4 },
		{ "vpbroadcastb (VEX3)", { 0xc4, 0xe2, 0x7d, 0x78, 0xc0 }, 5, 5 },
		{ "mov $0x27,%eax", { 0xb8, 0x27, 0, 0, 0 }, 5, 5 },
		{ "call rel32", { 0xe8, 0xfb, 0xff, 0xff, 0xff }, 5, 5 },
		{ "nopl 0(%rax,%rax)", { 0x0f, 0x1f, 0x44, 0, 0 }, 5, 5 },
		{ "lock cmpxchg", { 0xf0, 0x48, 0x0f, 0xb1, 0x0e }, 5, 5 },
		{ "nopw 0(%rax,%rax)", { 0x66, 0x0f, 0x1f, 0x44, 0, 0 }, 6, 6 },
		{ "vmovups (%rsi),%zmm0 (EVEX)", { 0x62, 0xf1, 0x7c, 0x48, 0x10, 0x06 }, 6, 6 },
		{ "mov $0xf,%rax", { 0x48, 0xc7, 0xc0, 0x0f, 0, 0, 0 }, 7, 7 },
		{ "mov 0x10(%rip),%rax", { 0x48, 0x8b, 0x05, 0x10, 0, 0, 0 }, 7, 7 },
		{ "nopl 0(%rax,%rax) disp32", { 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0 }, 8, 8 },
		{ "mov %fs:0x28,%rax", { 0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0 }, 9, 9 },
		{ "movabs $imm64,%rax", { 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8 }, 10, 10 },
		{ "cs nopw disp32", { 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0 }, 10, 10 },
		{ "data16 cs nopw", { 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0 }, 11, 11 },
		{ "2x data16 cs nopw", { 0x66, 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0 }, 12, 12 },
		{ "3x data16 cs nopw", { 0x66, 0x66, 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0 }, 13, 13 },
		{ "4x data16 cs nopw", { 0x66, 0x66, 0x66, 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0 }, 14, 14 },
		{ "5x data16 cs nopw (15)", { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0 }, 15, 15 },
		{ "EVEX disp32 imm8 (12)", { 0x62, 0xf3, 0x7d, 0x48, 0x39, 0x84, 0x24, 0, 1, 0, 0, 1 }, 12, 12 },
		/* followed by more bytes: the length stops where it should */
		{ "mov $1,%eax + more", { 0xb8, 1, 0, 0, 0, 0x0f, 0x05, 0x90 }, 8, 5 },
		/* invalid */
		{ "16 bytes (too long)", { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0 }, 16, X86_ERR_INVALID },
		{ "push %es (not in 64-bit)", { 0x06 }, 1, X86_ERR_INVALID },
		{ "aaa (not in 64-bit)", { 0x37, 0x90 }, 2, X86_ERR_INVALID },
		{ "lock nop", { 0xf0, 0x90 }, 2, X86_ERR_INVALID },
		{ "0f 04", { 0x0f, 0x04, 0x90, 0x90 }, 4, X86_ERR_INVALID },
		{ "ljmp far (not in 64-bit)", { 0xea, 1, 2, 3, 4, 5, 6 }, 7, X86_ERR_INVALID },
		/* truncated */
		{ "mov $imm32 cut", { 0xb8, 0x01, 0x00 }, 3, X86_ERR_TRUNCATED },
		{ "0f alone", { 0x0f }, 1, X86_ERR_TRUNCATED },
		{ "REX alone", { 0x48 }, 1, X86_ERR_TRUNCATED },
		{ "EVEX cut", { 0x62, 0xf1, 0x7c, 0x48, 0x10 }, 5, X86_ERR_TRUNCATED },
		{ "rip-relative cut", { 0x48, 0x8b, 0x05, 0x10, 0 }, 5, X86_ERR_TRUNCATED },
		{ "empty", { 0 }, 0, X86_ERR_TRUNCATED },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int l = len_of(cases[i].bytes, cases[i].n);

		CHECKF(l == cases[i].want, "x86_insn_len: %s = %d (got %d)",
		       cases[i].what, cases[i].want, l);
	}
	CHECK("x86_insn_len: NULL", x86_insn_len(NULL, 4) == X86_ERR_INVALID);
}

/* Scans bytes (copied exactly) at vaddr. */
static size_t scan(const uint8_t *bytes, size_t n, uint64_t vaddr,
		   struct x86_syscall_site *out, size_t max,
		   struct x86_scan_stats *st)
{
	uint8_t *p = exact(bytes, n);
	size_t r = x86_scan_syscalls_ex(p, n, vaddr, out, max, st);

	free(p);
	return r;
}

#define NOP8 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90
#define NOP64 NOP8, NOP8, NOP8, NOP8, NOP8, NOP8, NOP8, NOP8
#define MOV_EAX(nr) 0xb8, (nr), 0, 0, 0
#define SYSCALL 0x0f, 0x05

static void test_sweep(void)
{
	struct x86_syscall_site s[8];
	struct x86_scan_stats st;
	size_t n;

	{	/* the usual pattern */
		static const uint8_t c[] = { 0x55, MOV_EAX(0x27), SYSCALL, 0xc3 };

		n = scan(c, sizeof(c), 0x1000, s, 8, &st);
		CHECK("sweep: mov $NR,%eax; syscall found", n == 1 && s[0].addr == 0x1006 &&
		      s[0].kind == X86_SITE_SYSCALL && s[0].len == 2);
		CHECK("sweep: mov $NR,%eax; syscall: prev", s[0].prev_addr == 0x1001 &&
		      s[0].prev_len == 5 && s[0].prev_mov_imm && s[0].nr == 0x27 &&
		      !s[0].prev_pc_rel);
		CHECK("sweep: mov $NR,%eax; syscall: patchable",
		      s[0].flags == (X86_PATCH_MOV | X86_PATCH_PAIR) && !s[0].decline);
		CHECK("sweep: stats", st.insns == 4 && st.syscalls == 1 && st.patch_mov == 1 &&
		      st.patch_pair == 1 && !st.bad_bytes && !st.int80 && !st.sysenter);
	}
	{	/* the long forms of the mov */
		static const uint8_t c[] = { 0xc7, 0xc0, 0x3c, 0, 0, 0, SYSCALL,
					     0x48, 0xc7, 0xc0, 0xe7, 0, 0, 0, SYSCALL };

		n = scan(c, sizeof(c), 0, s, 8, NULL);
		CHECK("sweep: c7 c0 id and 48 c7 c0 id are movs to eax/rax",
		      n == 2 && s[0].prev_len == 6 && s[0].nr == 60 &&
		      s[0].flags & X86_PATCH_MOV && s[1].prev_len == 7 && s[1].nr == 231 &&
		      s[1].flags & X86_PATCH_MOV);
	}
	{	/* __restore_rt */
		static const uint8_t c[] = { 0x48, 0xc7, 0xc0, 0x0f, 0, 0, 0, SYSCALL };

		n = scan(c, sizeof(c), 0, s, 8, &st);
		CHECK("sweep: rt_sigreturn declined", n == 1 && s[0].prev_mov_imm &&
		      s[0].nr == 15 && !s[0].flags && s[0].decline == X86_DECLINE_SIGRETURN &&
		      st.decline[X86_DECLINE_SIGRETURN] == 1);
	}
	{	/* mov %rdi,%rax; syscall; and syscall first */
		static const uint8_t c[] = { SYSCALL, 0x48, 0x89, 0xf8, SYSCALL };

		n = scan(c, sizeof(c), 0, s, 8, &st);
		CHECK("sweep: syscall at the region start declined",
		      n == 2 && s[0].addr == 0 && !s[0].prev_len &&
		      s[0].decline == X86_DECLINE_NO_PREV && !s[0].flags);
		CHECK("sweep: mov %rdi,%rax; syscall declined",
		      s[1].addr == 5 && s[1].prev_len == 3 && !s[1].prev_mov_imm &&
		      s[1].decline == X86_DECLINE_PREV_NOT_MOV && !s[1].flags);
	}
	{	/* mov 0x10(%rip),%rax; syscall: pc-relative prev */
		static const uint8_t c[] = { 0x48, 0x8b, 0x05, 0x10, 0, 0, 0, SYSCALL };

		n = scan(c, sizeof(c), 0, s, 8, NULL);
		CHECK("sweep: rip-relative previous instruction flagged",
		      n == 1 && s[0].prev_pc_rel && s[0].decline == X86_DECLINE_PREV_NOT_MOV);
	}
	{	/* an undecodable byte just before, and one 64 bytes before */
		static const uint8_t c[] = { 0x06, MOV_EAX(1), SYSCALL,
					     0x06, NOP64, MOV_EAX(2), SYSCALL };

		n = scan(c, sizeof(c), 0, s, 8, &st);
		CHECK("sweep: site right after an undecodable byte declined",
		      n == 2 && s[0].addr == 6 && s[0].prev_mov_imm &&
		      s[0].decline == X86_DECLINE_NEAR_RESYNC && !s[0].flags);
		CHECK("sweep: site X86_SYNC_GUARD bytes after one accepted",
		      s[1].nr == 2 && s[1].flags & X86_PATCH_MOV);
		CHECK("sweep: bad bytes counted", st.bad_bytes == 2 && st.resyncs == 2);
	}
	{	/* an undecodable byte right before the syscall */
		static const uint8_t c[] = { MOV_EAX(1), 0x06, SYSCALL };

		n = scan(c, sizeof(c), 0, s, 8, NULL);
		CHECK("sweep: syscall right after an undecodable byte declined",
		      n == 1 && !s[0].prev_len && s[0].decline == X86_DECLINE_NO_PREV);
	}
	{	/* 0f 05 inside other instructions is no site */
		static const uint8_t c[] = { 0xb8, 0x0f, 0x05, 0, 0,
					     0x48, 0xb8, 0x0f, 0x05, 0x0f, 0x05, 0, 0, 0, 0,
					     0x48, 0x8d, 0x05, 0x0f, 0x05, 0, 0,
					     0xcd, 0x80, 0x0f, 0x34, 0x66, 0x0f, 0x05 };

		n = scan(c, sizeof(c), 0x400000, s, 8, &st);
		CHECK("sweep: 0f 05 inside immediates and displacements ignored",
		      n == 3 && s[0].addr == 0x400000 + 22);
		CHECK("sweep: int $0x80 reported, unsupported",
		      s[0].kind == X86_SITE_INT80 && s[0].decline == X86_DECLINE_UNSUPPORTED &&
		      !s[0].flags && st.int80 == 1);
		CHECK("sweep: sysenter reported, unsupported",
		      s[1].kind == X86_SITE_SYSENTER && s[1].addr == 0x400000 + 24 &&
		      s[1].decline == X86_DECLINE_UNSUPPORTED && st.sysenter == 1);
		CHECK("sweep: syscall with a prefix found, declined",
		      s[2].kind == X86_SITE_SYSCALL && s[2].len == 3 &&
		      s[2].decline == X86_DECLINE_ENCODING && st.syscalls == 1);
	}
	{	/* direct branches onto the syscall and into the mov */
		static const uint8_t c[] = {
			MOV_EAX(1), SYSCALL,	/* 0 */
			0x75, 0xfc,		/* 7: jne 5, onto the syscall */
			MOV_EAX(2), SYSCALL,	/* 9 */
			0xe9, 0xf6, 0xff, 0xff, 0xff, /* 16: jmp 11, into the mov */
			MOV_EAX(3), SYSCALL,	/* 21 */
			0xeb, 0xf7,		/* 28: jmp 21, onto the mov */
			MOV_EAX(4), SYSCALL,	/* 30 */
			0x74, 0xfd,		/* 37: je 36, into the syscall */
		};

		n = scan(c, sizeof(c), 0, s, 8, &st);
		CHECK("sweep: branch onto the syscall keeps PATCH_MOV only",
		      n == 4 && s[0].flags == (X86_PATCH_MOV | X86_BRANCH_TO_SYSCALL) &&
		      !s[0].decline);
		CHECK("sweep: branch into the mov declines",
		      !s[1].flags && s[1].decline == X86_DECLINE_BRANCH_INSIDE);
		CHECK("sweep: branch onto the mov is fine",
		      s[2].flags == (X86_PATCH_MOV | X86_PATCH_PAIR));
		CHECK("sweep: branch into the syscall declines",
		      !s[3].flags && s[3].decline == X86_DECLINE_BRANCH_INSIDE);
		CHECK("sweep: stats follow the branch check",
		      st.patch_mov == 2 && st.patch_pair == 1 &&
		      st.decline[X86_DECLINE_BRANCH_INSIDE] == 2);
	}
	{	/* forward branches onto a syscall, into a mov, into a syscall */
		static const uint8_t c[] = {
			0x75, 0x0c,		/* 0: jne 14 */
			0xe9, 0x0b, 0, 0, 0,	/* 2: jmp 18 */
			0xeb, 0x14,		/* 7: jmp 29 */
			MOV_EAX(1), SYSCALL,	/* 9, syscall at 14 */
			MOV_EAX(2), SYSCALL,	/* 16 */
			MOV_EAX(3), SYSCALL,	/* 23, syscall at 28 */
		};

		n = scan(c, sizeof(c), 0x1000, s, 8, &st);
		CHECK("sweep: forward branch onto the syscall keeps PATCH_MOV only",
		      n == 3 && s[0].flags == (X86_PATCH_MOV | X86_BRANCH_TO_SYSCALL));
		CHECK("sweep: forward branches into the mov and the syscall decline",
		      s[1].decline == X86_DECLINE_BRANCH_INSIDE && !s[1].flags &&
		      s[2].decline == X86_DECLINE_BRANCH_INSIDE && !s[2].flags &&
		      st.patch_mov == 1 && st.patch_pair == 0);
	}
	{	/* more forward candidates than the sweep keeps (64): the
		 * second sweep checks them; the last one hits the 2nd mov */
		enum { NB = 100, A = NB * 6, B = A + 7 };
		uint8_t c[B + 7];
		int i;

		for (i = 0; i < NB; i++) {
			int32_t rel = (i < NB - 1 ? A + 5 : B + 2) - (6 * i + 6);

			c[6 * i] = 0x0f;	/* jne rel32 */
			c[6 * i + 1] = 0x85;
			memcpy(c + 6 * i + 2, &rel, 4);
		}
		memcpy(c + A, (const uint8_t[]){ MOV_EAX(1), SYSCALL, MOV_EAX(2), SYSCALL }, 14);
		n = scan(c, sizeof(c), 0, s, 8, &st);
		CHECK("sweep: many forward branches: all checked",
		      n == 2 && s[0].flags == (X86_PATCH_MOV | X86_BRANCH_TO_SYSCALL) &&
		      s[1].decline == X86_DECLINE_BRANCH_INSIDE && st.patch_mov == 1 &&
		      st.patch_pair == 0 && st.decline[X86_DECLINE_BRANCH_INSIDE] == 1);
	}
	{	/* a backward branch from before the region start and a wild one */
		static const uint8_t c[] = { 0xe9, 0x00, 0x00, 0x00, 0x80, /* far */
					     0xeb, 0x80, MOV_EAX(1), SYSCALL };

		n = scan(c, sizeof(c), 0x10, s, 8, NULL);
		CHECK("sweep: branches outside the region ignored",
		      n == 1 && s[0].flags == (X86_PATCH_MOV | X86_PATCH_PAIR));
	}
	{	/* truncated instruction at the end */
		static const uint8_t c[] = { MOV_EAX(1), SYSCALL, 0xb8, 0x01 };

		n = scan(c, sizeof(c), 0, s, 8, &st);
		CHECK("sweep: truncated tail skipped safely",
		      n == 1 && s[0].flags & X86_PATCH_MOV && st.bad_bytes == 2 &&
		      st.insns == 2);
	}
	{	/* more sites than room */
		static const uint8_t c[] = { MOV_EAX(1), SYSCALL, MOV_EAX(2), SYSCALL,
					     MOV_EAX(3), SYSCALL };

		memset(s, 0xee, sizeof(s));
		n = scan(c, sizeof(c), 0, s, 1, NULL);
		CHECK("sweep: returns the total, stores max",
		      n == 3 && s[0].nr == 1 && s[1].addr == 0xeeeeeeeeeeeeeeeeULL);
		CHECK("sweep: counts with no room", scan(c, sizeof(c), 0, NULL, 0, NULL) == 3);
	}
	CHECK("sweep: NULL and empty",
	      x86_scan_syscalls(NULL, 100, 0, s, 8) == 0 &&
	      x86_scan_syscalls((const uint8_t *)"", 0, 0, s, 8) == 0);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Garbage of several textures: the scan must stay in bounds and report
 * only real sites, on the boundaries x86_insn_len gives. */
static void test_garbage(void)
{
	static const size_t size = 256 * 1024;
	uint8_t *buf = malloc(size);
	struct x86_syscall_site *s;
	struct x86_scan_stats st;
	size_t i, n, ok = 0, max = 4096;
	int texture, bad = 0;

	s = malloc(max * sizeof(*s));
	if (!buf || !s)
		abort();
	for (texture = 0; texture < 3; texture++) {
		for (i = 0; i < size; i++) {
			uint8_t b = (uint8_t)next();

			if (texture == 1 && (next() & 3) == 0)
				b = (i & 1) ? 0x05 : 0x0f; /* syscall-rich */
			if (texture == 2 && (next() & 1))
				b = (uint8_t[]){ 0x66, 0xf0, 0xf3, 0x48, 0x62,
						 0xc4, 0xc5, 0x0f }[next() & 7];
			buf[i] = b;
		}
		n = x86_scan_syscalls_ex(buf, size, 0x7000000, s, max, &st);
		for (i = 0; i < n && i < max; i++) {
			uint64_t off = s[i].addr - 0x7000000;
			int l = off < size ? x86_insn_len(buf + off, size - off) : -9;

			if (l != s[i].len || (i && s[i].addr <= s[i - 1].addr) ||
			    (s[i].prev_len && s[i].prev_addr + s[i].prev_len != s[i].addr) ||
			    (s[i].flags & X86_PATCH_MOV && buf[off - s[i].prev_len] != 0xb8 &&
			     buf[off - s[i].prev_len] != 0xc7 && buf[off - s[i].prev_len] != 0x48))
				bad++;
			else
				ok++;
		}
		printf("x86dec: garbage texture %d: %zu bytes, %llu insns, %llu bad bytes, "
		       "%zu sites (%u syscall, %u patchable), %u int80, %u sysenter\n",
		       texture, size, (unsigned long long)st.insns,
		       (unsigned long long)st.bad_bytes, n, st.syscalls, st.patch_mov,
		       st.int80, st.sysenter);
	}
	CHECKF(!bad && ok > 0, "garbage: %zu sites all on real boundaries (%d wrong)", ok, bad);

	/* Every offset, with the buffer ending right after it: in bounds. */
	for (i = 0; i < 4096; i++) {
		size_t off = size - 1 - i;

		(void)x86_insn_len(buf + off, size - off);
	}
	for (i = 0; i < 64; i++)
		(void)x86_scan_syscalls(buf + size - i, i, 0, s, max);
	CHECK("garbage: lengths and scans at the very end stay in bounds", 1);
	free(s);
	free(buf);
}

/* ---- real binaries ---- */

struct elf {
	uint8_t *data;
	size_t size;
	const Elf64_Ehdr *eh;
};

static int elf_load(const char *path, struct elf *e)
{
	FILE *f = fopen(path, "rb");
	long sz;

	memset(e, 0, sizeof(*e));
	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) || (sz = ftell(f)) < (long)sizeof(Elf64_Ehdr) ||
	    fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return -1;
	}
	e->size = (size_t)sz;
	e->data = malloc(e->size);
	if (!e->data || fread(e->data, 1, e->size, f) != e->size) {
		fclose(f);
		return -1;
	}
	fclose(f);
	e->eh = (const Elf64_Ehdr *)e->data;
	if (memcmp(e->eh->e_ident, ELFMAG, SELFMAG) ||
	    e->eh->e_ident[EI_CLASS] != ELFCLASS64 || e->eh->e_machine != EM_X86_64)
		return -1;
	if (e->eh->e_shoff > e->size ||
	    (size_t)e->eh->e_shnum * sizeof(Elf64_Shdr) > e->size - e->eh->e_shoff ||
	    e->eh->e_phoff > e->size ||
	    (size_t)e->eh->e_phnum * sizeof(Elf64_Phdr) > e->size - e->eh->e_phoff ||
	    e->eh->e_shstrndx >= e->eh->e_shnum)
		return -1;
	return 0;
}

static const Elf64_Shdr *shdr(const struct elf *e, unsigned i)
{
	return (const Elf64_Shdr *)(e->data + e->eh->e_shoff) + i;
}

static const char *sec_name(const struct elf *e, const Elf64_Shdr *sh)
{
	const Elf64_Shdr *str = shdr(e, e->eh->e_shstrndx);

	if (str->sh_offset > e->size || sh->sh_name >= e->size - str->sh_offset)
		return "?";
	return (const char *)e->data + str->sh_offset + sh->sh_name;
}

static int in_file(const struct elf *e, uint64_t off, uint64_t len)
{
	return off <= e->size && len <= e->size - off;
}

/* objdump's syscall instructions in one section, sorted. */
static size_t objdump_syscalls(const char *path, const char *sec, uint64_t **out)
{
	char cmd[1024], line[512];
	size_t n = 0, cap = 256;
	FILE *p;

	*out = malloc(cap * sizeof(**out));
	snprintf(cmd, sizeof(cmd),
		 "objdump -d --no-show-raw-insn -j '%s' '%s' 2>/dev/null", sec, path);
	p = popen(cmd, "r");
	if (!p || !*out)
		abort();
	while (fgets(line, sizeof(line), p)) {
		char *colon, *end;
		unsigned long long a = strtoull(line, &end, 16);
		size_t l;

		colon = strchr(line, ':');
		if (!colon || end != colon || end == line)
			continue;
		l = strlen(colon);
		while (l && (colon[l - 1] == '\n' || colon[l - 1] == ' '))
			colon[--l] = 0;
		/* "syscall", possibly after prefixes ("data16 syscall") */
		if (l < 8 || strcmp(colon + l - 7, "syscall") ||
		    (colon[l - 8] != ' ' && colon[l - 8] != '\t'))
			continue;
		if (n == cap && !(*out = realloc(*out, (cap *= 2) * sizeof(**out))))
			abort();
		(*out)[n++] = a;
	}
	pclose(p);
	return n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Compares our syscall addresses within [lo, hi) with objdump's. */
static int compare(const char *what, const struct x86_syscall_site *s, size_t n,
		   uint64_t lo, uint64_t hi, uint64_t *od, size_t nod)
{
	size_t i, j = 0, ours = 0, missing = 0, extra = 0;

	qsort(od, nod, sizeof(*od), cmp_u64);
	for (i = 0; i < n; i++) {
		if (s[i].kind != X86_SITE_SYSCALL || s[i].addr < lo || s[i].addr >= hi)
			continue;
		ours++;
		while (j < nod && od[j] < s[i].addr) {
			if (missing++ < 5)
				printf("x86dec: %s: objdump has a syscall at %llx, we do not\n",
				       what, (unsigned long long)od[j]);
			j++;
		}
		if (j < nod && od[j] == s[i].addr) {
			j++;
		} else if (extra++ < 5) {
			printf("x86dec: %s: we have a syscall at %llx, objdump does not\n",
			       what, (unsigned long long)s[i].addr);
		}
	}
	for (; j < nod; j++)
		if (missing++ < 5)
			printf("x86dec: %s: objdump has a syscall at %llx, we do not\n",
			       what, (unsigned long long)od[j]);
	CHECKF(!missing && !extra, "%s: %zu syscall sites, objdump %zu (%zu missing, %zu extra)",
	       what, ours, nod, missing, extra);
	return !missing && !extra;
}

static void report(const char *what, const struct x86_scan_stats *st, double ms,
		   uint64_t bytes)
{
	unsigned d, declined = 0;
	char reasons[512] = "";
	size_t o = 0;

	for (d = 1; d < X86_DECLINE_MAX; d++) {
		if (!st->decline[d])
			continue;
		declined += st->decline[d];
		o += (size_t)snprintf(reasons + o, sizeof(reasons) - o, "%s%s %u",
				      o ? ", " : "", x86_decline_name(d), st->decline[d]);
		if (o >= sizeof(reasons))
			break;
	}
	printf("x86dec: %s: %llu bytes, %llu insns, %llu bad bytes; %u syscall, "
	       "%u int80, %u sysenter; patchable %u (pair %u), declined %u%s%s%s; %.1f ms\n",
	       what, (unsigned long long)bytes, (unsigned long long)st->insns,
	       (unsigned long long)st->bad_bytes, st->syscalls, st->int80, st->sysenter,
	       st->patch_mov, st->patch_pair, declined, *reasons ? " (" : "", reasons,
	       *reasons ? ")" : "", ms);
}

/* What the declined sites have before the syscall: what a rewriter that
 * moves that instruction into the trampoline could take on. */
static void report_prev(const char *what, const struct x86_syscall_site *s, size_t n)
{
	unsigned long big = 0, small = 0, pcrel = 0, none = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i].kind != X86_SITE_SYSCALL || s[i].decline != X86_DECLINE_PREV_NOT_MOV)
			continue;
		if (!s[i].prev_len)
			none++;
		else if (s[i].prev_pc_rel)
			pcrel++;
		else if (s[i].prev_len >= 5)
			big++;
		else
			small++;
	}
	printf("x86dec: %s: before the syscall of the %lu declined for not a mov: "
	       "%lu position-independent of 5+ bytes, %lu shorter, %lu pc-relative\n",
	       what, big + small + pcrel + none, big, small, pcrel);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static size_t scan_all(const uint8_t *p, size_t len, uint64_t vaddr,
		       struct x86_syscall_site **s, struct x86_scan_stats *st, double *ms)
{
	double t0 = now_ms();
	size_t n = x86_scan_syscalls_ex(p, len, vaddr, NULL, 0, NULL);

	*s = malloc((n ? n : 1) * sizeof(**s));
	if (!*s)
		abort();
	t0 = now_ms();
	if (x86_scan_syscalls_ex(p, len, vaddr, *s, n, st) != n)
		abort();
	*ms = now_ms() - t0;
	return n;
}

static void test_binary(const char *label, const char *path)
{
	struct elf e;
	struct x86_syscall_site *s;
	struct x86_scan_stats st;
	uint64_t text_lo = 0, text_hi = 0, *od_text = NULL;
	size_t nod_text = 0, n;
	unsigned i, nsec = 0;
	char what[300];
	double ms;

	if (elf_load(path, &e)) {
		printf("SKIP: x86dec: %s: cannot read %s\n", label, path);
		free(e.data);
		return;
	}
	/* Every executable section, on its own, as objdump -d sees it. */
	for (i = 0; i < e.eh->e_shnum; i++) {
		const Elf64_Shdr *sh = shdr(&e, i);
		const char *sn = sec_name(&e, sh);
		uint64_t *od;
		size_t nod;

		if (sh->sh_type != SHT_PROGBITS || !(sh->sh_flags & SHF_EXECINSTR) ||
		    !sh->sh_size || !in_file(&e, sh->sh_offset, sh->sh_size))
			continue;
		nsec++;
		n = scan_all(e.data + sh->sh_offset, sh->sh_size, sh->sh_addr, &s, &st, &ms);
		nod = objdump_syscalls(path, sn, &od);
		snprintf(what, sizeof(what), "%s %s", label, sn);
		compare(what, s, n, 0, UINT64_MAX, od, nod);
		report(what, &st, ms, sh->sh_size);
		if (!strcmp(sn, ".text"))
			report_prev(what, s, n);
		if (!strcmp(sn, ".text")) {
			text_lo = sh->sh_addr;
			text_hi = sh->sh_addr + sh->sh_size;
			od_text = od;
			nod_text = nod;
		} else {
			free(od);
		}
		free(s);
	}
	CHECKF(nsec > 0 && od_text, "%s: has executable sections and .text", label);
	/* Every executable segment in one sweep, as the loader will. */
	for (i = 0; od_text && i < e.eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(e.data + e.eh->e_phoff) + i;

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) ||
		    !in_file(&e, ph->p_offset, ph->p_filesz))
			continue;
		if (text_lo < ph->p_vaddr || text_hi > ph->p_vaddr + ph->p_filesz)
			continue;
		n = scan_all(e.data + ph->p_offset, ph->p_filesz, ph->p_vaddr, &s, &st, &ms);
		snprintf(what, sizeof(what), "%s executable PT_LOAD, .text part", label);
		compare(what, s, n, text_lo, text_hi, od_text, nod_text);
		snprintf(what, sizeof(what), "%s executable PT_LOAD", label);
		report(what, &st, ms, ph->p_filesz);
		free(s);
	}
	free(od_text);
	free(e.data);
}

int main(void)
{
	test_lengths();
	test_sweep();
	test_garbage();
	test_binary("glibc static", X86DEC_SAMPLES_DIR "/sample-glibc");
	test_binary("musl static", X86DEC_SAMPLES_DIR "/sample-musl");
	test_binary("glibc libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6");
	test_binary("glibc ld.so", "/lib64/ld-linux-x86-64.so.2");
	return CHECK_DONE();
}
