/*
 * x86-64 instruction decoding for the loader's system-call rewriter: a thin
 * layer over Zydis (build/src/zydis, built for the guest by
 * kernel/loader/module.mk), which finds true instruction boundaries.
 *
 * The rewriter (rewrite.c) moves the instructions just before a `syscall`
 * (`mov $NR, %eax`, and the argument moves compilers put after it) into a
 * per-site trampoline that calls into the library OS directly, and puts a
 * jump where they were. Every site it leaves alone still works: SYSCALL
 * enters LSTAR, the slow path.
 *
 * Nothing here allocates, and nothing reads outside [code, code + len),
 * whatever the bytes are (data in code, garbage, a truncated instruction).
 */
#ifndef KERNEL_LOADER_X86DEC_H
#define KERNEL_LOADER_X86DEC_H

#include <stddef.h>
#include <stdint.h>

/* x86_insn_len's errors. */
#define X86_ERR_INVALID   (-1) /* not an instruction in 64-bit mode */
#define X86_ERR_TRUNCATED (-2) /* the instruction goes past avail */

/* Length (1-15) of the 64-bit-mode instruction at p, or an X86_ERR_*. */
int x86_insn_len(const uint8_t *p, size_t avail);

enum x86_site_kind {
	X86_SITE_SYSCALL = 1, /* 0f 05 */
	X86_SITE_INT80,       /* cd 80: the i386 ABI, not supported */
	X86_SITE_SYSENTER,    /* 0f 34: not supported */
};

/* Why a site is not X86_PATCH_MOV (0 when it is). */
enum x86_decline {
	X86_PATCH_OK = 0,
	X86_DECLINE_UNSUPPORTED, /* int $0x80 or sysenter */
	X86_DECLINE_ENCODING,    /* syscall with prefixes (not the plain 0f 05) */
	X86_DECLINE_NO_PREV,     /* at the region start, or right after bytes
				  * that did not decode (moved form: fewer
				  * than 5 bytes of instructions there) */
	X86_DECLINE_PREV_NOT_MOV, /* the instruction before is not mov $imm32
				   * to eax/rax */
	X86_DECLINE_NEAR_RESYNC, /* undecodable bytes within X86_SYNC_GUARD
				  * bytes before the mov: the sweep may not
				  * be on the code's real boundaries yet */
	X86_DECLINE_BRANCH_INSIDE, /* a direct branch in the region targets a
				    * byte inside the mov or the syscall:
				    * the code disagrees with our boundaries */
	X86_DECLINE_SIGRETURN,   /* rt_sigreturn (15): unwinders (libgcc,
				  * gdb) recognise __restore_rt by its bytes */
	X86_DECLINE_UNMOVABLE,   /* (moved form) an instruction among the last
				  * 5 bytes before the syscall cannot run
				  * elsewhere: a branch, an endbr64 (an
				  * indirect branch's target), or not a plain
				  * data instruction */
	X86_DECLINE_MAX
};

/* site flags */
#define X86_PATCH_MOV  0x01 /* the mov's bytes (5-7) may become `jmp rel32`
			     * (plus padding up to prev_len); the syscall
			     * stays in place, so a jump straight to it still
			     * works (through the slow path). Recommended. */
#define X86_PATCH_PAIR 0x02 /* also the syscall's 2 bytes may be covered
			     * (the 7-9 byte form): no direct branch in the
			     * region targets the syscall itself */
#define X86_BRANCH_TO_SYSCALL 0x04 /* a direct branch targets the syscall */

/* Undecodable bytes this close before a mov (or a moved window) decline
 * the site. */
#define X86_SYNC_GUARD 64
/* The longest moved window: under 5 bytes, then one more instruction. */
#define X86_WINDOW_MAX (4 + 15)

struct x86_syscall_site {
	uint64_t addr;      /* of the system-call instruction */
	uint64_t prev_addr; /* of the instruction just before (if prev_len) */
	uint32_t nr;        /* prev's immediate, when prev_mov_imm */
	uint8_t kind;       /* enum x86_site_kind */
	uint8_t len;        /* of the system-call instruction (2 if plain) */
	uint8_t prev_len;   /* 0: no instruction decoded right before */
	uint8_t prev_mov_imm; /* prev is b8 id (mov $imm32, %eax), c7 c0 id
			       * (same, long form) or 48 c7 c0 id (mov
			       * $simm32, %rax); nr holds the immediate */
	uint8_t prev_pc_rel;  /* prev uses rip-relative memory or a relative
			       * immediate: it cannot move to a trampoline
			       * verbatim */
	uint8_t flags;      /* X86_PATCH_*, X86_BRANCH_TO_SYSCALL */
	uint8_t decline;    /* enum x86_decline: why not X86_PATCH_MOV */
	/* The moved form (see x86_site_movable): the shortest run of whole
	 * instructions, on the sweep's boundaries, that ends at the syscall
	 * and is at least 5 bytes long (win_len 0: there is none), and why
	 * it may not move (0: it may). */
	uint64_t win_addr;
	uint8_t win_len;
	uint8_t win_decline; /* enum x86_decline */
};

struct x86_scan_stats {
	uint64_t insns;     /* instructions decoded */
	uint64_t bad_bytes; /* bytes skipped one at a time (undecodable) */
	uint64_t resyncs;   /* runs of undecodable bytes */
	uint32_t syscalls, int80, sysenter;
	uint32_t patch_mov, patch_pair; /* sites with those flags */
	uint32_t decline[X86_DECLINE_MAX]; /* per reason (syscall sites and
					    * unsupported ones) */
	uint32_t patch_moved;               /* movable sites */
	uint32_t win_decline[X86_DECLINE_MAX]; /* the same, for that form */
};

/*
 * Linear-sweep decoding of [code, code + len), which is mapped at vaddr and
 * must start on an instruction boundary (a segment or section start). An
 * undecodable byte is skipped alone, and decoding resumes at the next one.
 * Stores the first max sites (syscall, int $0x80, sysenter) in address
 * order and returns how many there are in all, which may exceed max (call
 * again with more room: the verdicts of unstored sites are not final).
 *
 * The verdict (X86_PATCH_MOV) is a heuristic, as a linear sweep cannot see
 * the code's jump targets; it is conservative: the site is `mov $imm32,
 * %eax|%rax` immediately followed by a plain `syscall`, both found on the
 * sweep's boundaries, with no undecodable byte in the X86_SYNC_GUARD bytes
 * before the mov, no direct branch in the region into either instruction
 * (except onto the syscall itself, which the recommended form survives),
 * and not rt_sigreturn. Indirect branches into the middle of the mov
 * (which compilers do not produce) are the residual risk.
 *
 * The moved form (x86_site_movable) asks the same of its window, and that
 * every instruction in it is a plain data instruction (moves, arithmetic,
 * logic, lea, push/pop, cmov/set, SSE moves): run at another address, with
 * the same registers and stack (and a rip-relative displacement re-aimed),
 * it does the same. There the residual risk is larger: an indirect branch (a jump
 * table's case, which a linear sweep cannot see) to an instruction inside
 * the window other than its first. endbr64, which marks such targets in
 * code built for CET, ends a window.
 */
size_t x86_scan_syscalls(const uint8_t *code, size_t len, uint64_t vaddr,
			 struct x86_syscall_site *out, size_t max);
/* The same, also filling *stats (when not NULL). */
size_t x86_scan_syscalls_ex(const uint8_t *code, size_t len, uint64_t vaddr,
			    struct x86_syscall_site *out, size_t max,
			    struct x86_scan_stats *stats);

/*
 * The moved form: the win_len bytes before the syscall (whole instructions,
 * at least 5, each of which computes the same wherever it runs once its
 * rip-relative displacement, if any, is re-aimed: see x86_rip_disp) may
 * move into a trampoline, their place becoming `jmp rel32` (plus int3
 * padding); the syscall stays, so a jump straight to it still works.
 * Every X86_PATCH_MOV site is movable, its window being the mov.
 */
static inline int x86_site_movable(const struct x86_syscall_site *s)
{
	return s->win_len >= 5 && !s->win_decline;
}

/* Where the 32-bit rip-relative displacement of the instruction at p lies
 * (its offset in the instruction: relative to the instruction's end), or
 * 0 when it has none or p holds no valid instruction. */
int x86_rip_disp(const uint8_t *p, size_t avail);

/* A name for an enum x86_decline value, for reports. */
const char *x86_decline_name(unsigned decline);

#endif
