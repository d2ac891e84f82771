/*
 * Reading a Linux program's ELF headers: what to map where, with which
 * permissions, and which interpreter to load. Everything in the file is
 * hostile: every offset, size and address is checked here, so that the
 * loader can trust the result.
 */
#ifndef KERNEL_EXEC_ELF_H
#define KERNEL_EXEC_ELF_H

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGS 16
#define ELF_INTERP_MAX 256

#define ELF_PROT_R 1u
#define ELF_PROT_W 2u
#define ELF_PROT_X 4u

/* Reads len bytes at off; returns the count read or a negative errno. */
typedef long (*elf_read_fn)(void *ctx, void *buf, size_t len, uint64_t off);

struct elf_seg {
	uint64_t vaddr, memsz, offset, filesz;
	unsigned prot; /* ELF_PROT_* */
};

struct elf_info {
	int pie;            /* ET_DYN: loaded at a base of our choosing */
	uint64_t entry;     /* before adding the base */
	uint64_t phdr;      /* vaddr of the program headers in memory, or 0 */
	uint16_t phnum;
	uint64_t lo, hi;    /* page-aligned span of the segments */
	int nseg;
	struct elf_seg seg[ELF_MAX_SEGS];
	char interp[ELF_INTERP_MAX]; /* "" when static */
	int exec_stack;     /* PT_GNU_STACK asks for an executable stack */
};

/* 0, or a negative errno with a message in err: -ENOEXEC (not an ELF we
 * run: the message says why) or the read error. */
int elf_parse(elf_read_fn read, void *ctx, uint64_t file_size,
	      struct elf_info *out, char *err, size_t errlen);

#endif
