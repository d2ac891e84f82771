/*
 * The system-call rewriter: turns `mov $NR, %eax; syscall` (and the
 * argument moves compilers put between them) in code being mapped
 * executable into a jump to a per-site trampoline that runs those
 * instructions and calls the library OS's one door (husk_syscall_enter,
 * kernel/sys/entry.S) directly, without the trap. Sites it leaves alone
 * (declined by x86_scan_syscalls, rt_sigreturn, out of reach) keep working
 * through SYSCALL's slow path.
 *
 * Callers: kernel/exec/exec.c for the program and its interpreter;
 * kernel/sys/mmap.c for every private PROT_EXEC mapping of a file, and for
 * memory mprotect makes executable (see README.md).
 */
#ifndef KERNEL_LOADER_REWRITE_H
#define KERNEL_LOADER_REWRITE_H

#include <stddef.h>
#include <stdint.h>

/* What rewrite_code did to one region. area_va/area_len: the trampoline
 * mapping it added (read+exec, 0 when none), recorded in kernel/mm/vma.c
 * as VMA_TRAMPOLINES of [obj_lo, obj_hi): it may go once none of that
 * range is mapped any more (kernel/sys/mmap.c does so). */
struct rewrite_result {
	uint32_t sites;    /* syscall sites found (int $0x80/sysenter too) */
	uint32_t patched;  /* rewritten into trampoline calls */
	uint32_t declined; /* left on the slow path */
	uint64_t area_va, area_len;
};

/*
 * Rewrites the system calls of [mem, mem + len), the loader's writable view
 * of code that will be mapped executable at va (va must be where an
 * instruction starts: a segment or section start). Call it after the bytes
 * are in place and before the code is mapped executable.
 *
 * The trampolines go into new pages mapped read+exec (written through the
 * direct map first: never writable and executable at once) just below
 * obj_lo, else just above obj_hi, within reach (rel32) of all of
 * [va, va + len). [obj_lo, obj_hi) is the whole object (every segment of
 * the ELF file, mapped yet or not): nothing is placed inside it.
 *
 * Does nothing (returns 0, *r zeroed) under the kernel option
 * husk.no-rewrite. Prints one line per region under husk.rewrite-stats.
 * Returns the number of sites patched; never fails the caller: on any
 * problem (no memory, no room within reach) the code is left as it was.
 */
int rewrite_code(uint8_t *mem, size_t len, uint64_t va, uint64_t obj_lo,
		 uint64_t obj_hi, struct rewrite_result *r);

/*
 * The same, for code that is not in memory as it will run: its bytes are
 * read from src (the file's bytes in the initrd) and left as they are;
 * the trampolines are made and recorded, and the patches are written
 * later, page by page, as the code's pages are filled on first touch
 * (rewrite_replay).
 */
int rewrite_code_from(const uint8_t *src, size_t len, uint64_t va,
		      uint64_t obj_lo, uint64_t obj_hi, struct rewrite_result *r);

/*
 * For the page at va being filled (page: its 4096 bytes, through the
 * direct map): writes the part of every live patch (a site neither
 * restored nor forgotten) that falls in it. Returns how many patches
 * touch the page; with page NULL, only counts them.
 */
unsigned rewrite_replay(uint64_t va, uint8_t *page);

/*
 * Sets bit i of bits for each page lo + i * 4096 in [lo, hi) (page-aligned)
 * that some live patch touches: the pages rewrite_replay would write.
 */
void rewrite_mark_pages(uint64_t lo, uint64_t hi, uint8_t *bits);

/*
 * Code at [lo, hi) is going away (unmapped, or replaced by another
 * mapping): its sites' records are spent, so that nothing mapped there
 * later gets its patches replayed. The trampolines stay (a thread may be
 * inside one) until nothing of their object is mapped.
 */
void rewrite_forget(uint64_t lo, uint64_t hi);

/*
 * The same for code already mapped at [va, va + len) (whole pages), not
 * writable: anonymous memory a JIT filled, a file mapped without
 * PROT_EXEC, about to become executable. Reads and patches its pages
 * through the direct map; pages not there yet hold no code, so each run
 * of pages that are there is a region of its own (a stats line each). The
 * trampolines' object is [va, va + len). *r sums the runs' counts (its
 * area fields stay 0: each run's area is recorded as the object's).
 */
int rewrite_mapped(uint64_t va, uint64_t len, struct rewrite_result *r);

/*
 * For a system call that entered the door from a trampoline and returns to
 * ret inside it: the address of the program's own `syscall` instruction of
 * that site (still in place), so that a signal frame can show the program's
 * context, as Linux does; 0 when ret is no trampoline's (or the site has
 * been restored).
 */
uint64_t rewrite_syscall_of(uint64_t ret);

/*
 * The reverse, for code at [lo, hi) about to become writable (not
 * executable any more, and not writable yet): every site patched there
 * gets its original bytes back, so that a JIT patching its code, or ld.so
 * applying text relocations, finds what was there. Their trampolines stay
 * (a thread may still be inside one) until the code is unmapped; making the
 * code executable again rewrites it afresh.
 */
void rewrite_restore(uint64_t lo, uint64_t hi);

/* 0 under husk.no-rewrite, else 1. */
int rewrite_enabled(void);

/* Totals since boot, over every region (for reports). */
void rewrite_totals(uint32_t *patched, uint32_t *declined);

#endif
