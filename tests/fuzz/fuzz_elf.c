/*
 * The program loader's ELF checks (kernel/exec/elf.c), on the host: the
 * input is the file. elf.h promises that the loader can trust what
 * elf_parse accepts, so each accepted segment is then "mapped" as
 * kernel/exec/exec.c maps it, into a buffer of exactly its pages, where
 * AddressSanitizer sees any byte that would land outside.
 */
#include "fuzz.h"
#include "../../kernel/exec/elf.h"
#include "../unit/elf_bytes.h"

#define PAGE 4096ULL
#define MAP_MAX (1u << 20) /* larger segments are only checked, not copied */

/* What map_segment does with s: its pages, the file bytes at their offset. */
static void map_segment(const struct elf_bytes *f, const struct elf_seg *s)
{
	uint64_t start = s->vaddr & ~(PAGE - 1);
	uint64_t end = (s->vaddr + s->memsz + PAGE - 1) & ~(PAGE - 1);
	uint8_t *mem;

	FUZZ_ASSERT(s->filesz <= s->memsz && end > start);
	FUZZ_ASSERT(s->offset <= f->size && s->filesz <= f->size - s->offset);
	if (end - start > MAP_MAX)
		return;
	mem = malloc(end - start);
	FUZZ_ASSERT(mem);
	memcpy(mem + (s->vaddr & (PAGE - 1)), f->data + s->offset, s->filesz);
	free(mem);
}

static void check(const struct elf_bytes *f, const struct elf_info *o)
{
	int i;

	FUZZ_ASSERT(o->nseg > 0 && o->nseg <= ELF_MAX_SEGS);
	FUZZ_ASSERT(memchr(o->interp, 0, sizeof(o->interp)));
	FUZZ_ASSERT(!o->interp[0] || o->interp[0] == '/');
	FUZZ_ASSERT(o->lo <= o->seg[0].vaddr && o->hi <= 1ULL << 47);
	for (i = 0; i < o->nseg; i++) {
		const struct elf_seg *s = &o->seg[i];
		FUZZ_ASSERT(!((s->prot & ELF_PROT_W) && (s->prot & ELF_PROT_X)));
		FUZZ_ASSERT(s->vaddr >= o->lo && s->vaddr + s->memsz <= o->hi);
		FUZZ_ASSERT(!i || s->vaddr >= o->seg[i - 1].vaddr + o->seg[i - 1].memsz);
		map_segment(f, s);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_bytes f = { data, size };
	struct elf_info o;
	char err[200];

	err[0] = 0;
	if (elf_parse(elf_bytes_read, &f, size, &o, err, sizeof(err)) == 0)
		check(&f, &o);
	else
		FUZZ_ASSERT(memchr(err, 0, sizeof(err)));
	return 0;
}
