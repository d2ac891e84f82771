/*
 * An ELF file held in memory, read the way the guest's loader reads a
 * file (kernel/exec/elf.h's read callback): for the loader's and the
 * symbol reader's unit tests and the loader's fuzz harness.
 */
#ifndef HUSK_TEST_ELF_BYTES_H
#define HUSK_TEST_ELF_BYTES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* A whole file read into memory (data malloc'd; size 0 if unreadable). */
struct test_file {
	unsigned char *data;
	size_t size;
};

static inline struct test_file test_file_load(const char *path)
{
	struct test_file f = { 0, 0 };
	FILE *fp = fopen(path, "rb");

	if (!fp)
		return f;
	fseek(fp, 0, SEEK_END);
	f.size = (size_t)ftell(fp);
	rewind(fp);
	f.data = malloc(f.size);
	if (!f.data || fread(f.data, 1, f.size, fp) != f.size)
		f.size = 0;
	fclose(fp);
	return f;
}

#endif
