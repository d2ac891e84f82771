/*
 * Backtraces for fault reports and panics: the frame-pointer chain (the
 * library OS and the test programs are built with frame pointers), each
 * frame named from the image's own symbol table (syms.c) or, for the
 * program's code, from the ELF file its mapping came from
 * (exec/elfsyms.h).
 */
#ifndef KERNEL_BACKTRACE_H
#define KERNEL_BACKTRACE_H

#include <stdint.h>

/* At most this many frames are printed. */
#define BACKTRACE_MAX 16

/*
 * Prints "husk: backtrace:" and one line per frame: rip first (0: none),
 * then the return addresses up the chain from fp. The chain is read from
 * the library OS's stacks, and from the program's memory only where it is
 * mapped and readable (the program is untrusted); the walk stops at the
 * first frame that is not. Program frames are named from their files
 * only when rip is program code: a panic or a library-OS fault may have
 * left the filesystem half-changed.
 */
void backtrace_print(uint64_t rip, uint64_t fp);

/* An address: the library OS's as "0xADDR <NAME+0xOFF>", the program's
 * as "NAME+0xOFF (FILE+0xOFF)" or "0xADDR (FILE+0xOFF)" (from its mapping
 * record and the file's symbols), else "0xADDR". */
void backtrace_print_addr(uint64_t addr);

#endif
