/*
 * The ELF64 file structures the loader (elf.c) and the symbol reader
 * (elfsyms.c) read: the header, program headers and section headers, as
 * they lie in the file (little-endian x86-64).
 */
#ifndef HUSK_EXEC_ELF_FORMAT_H
#define HUSK_EXEC_ELF_FORMAT_H

#include <stdint.h>

#define PT_LOAD 1
#define MAX_PHNUM 64 /* more program headers than any real program has */

struct ehdr {
	unsigned char ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

struct shdr {
	uint32_t name, type;
	uint64_t flags, addr, offset, size;
	uint32_t link, info;
	uint64_t addralign, entsize;
};

#endif
