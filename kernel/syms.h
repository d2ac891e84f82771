/* The image's own symbol table, for backtraces (scripts/gensyms.c). */
#ifndef KERNEL_SYMS_H
#define KERNEL_SYMS_H

#include <stdint.h>

/* Name of the function containing addr, and addr's offset into it; NULL
 * when addr is outside the image's code. */
const char *syms_lookup(uint64_t addr, uint64_t *offset);

#endif
