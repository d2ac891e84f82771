/*
 * Function names for a program's code, for fault reports: read from the
 * ELF symbol table of the file a mapping came from (.symtab, else
 * .dynsym). The file is as hostile as the program: every offset, size
 * and index is checked, and nothing is allocated (this runs in the trap
 * handler, which may be reporting an out-of-memory program).
 */
#ifndef KERNEL_EXEC_ELFSYMS_H
#define KERNEL_EXEC_ELFSYMS_H

#include <stddef.h>
#include <stdint.h>

#include "elf.h"

/*
 * The function of an ELF file (read through read/ctx, size bytes) that
 * holds the byte at file offset off: its name in name (cut to n - 1
 * bytes) and off's distance from its start in *delta. 0, or -1 when the
 * file has no symbol table, no loaded segment holds off, or no function
 * covers it.
 */
int elfsyms_lookup(elf_read_fn read, void *ctx, uint64_t size, uint64_t off,
		   char *name, size_t n, uint64_t *delta);

/* The same for the file at an absolute path in the root filesystem. */
int elfsyms_lookup_path(const char *path, uint64_t off, char *name, size_t n,
			uint64_t *delta);

#endif
