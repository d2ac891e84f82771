/*
 * An ELF file held in memory, read the way the guest's loader reads a
 * file (kernel/exec/elf.h's read callback): for the loader's unit test
 * and its fuzz harness.
 */
#ifndef HUSK_TEST_ELF_BYTES_H
#define HUSK_TEST_ELF_BYTES_H

#include <stdint.h>
#include <string.h>

struct elf_bytes {
	const unsigned char *data;
	size_t size;
};

static inline long elf_bytes_read(void *ctx, void *buf, size_t len,
				  uint64_t off)
{
	const struct elf_bytes *f = ctx;

	if (off > f->size)
		return 0;
	if (len > f->size - off)
		len = f->size - off;
	memcpy(buf, f->data + off, len);
	return (long)len;
}

#endif
