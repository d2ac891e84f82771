/*
 * Symbolization from the table the build links into .husk_syms: entries
 * sorted by address, offsets from __r0text_start, names in one blob.
 */
#include "syms.h"

struct sym {
	uint32_t off;
	uint32_t name;
};

extern const uint32_t husk_syms_count;
extern const struct sym husk_syms[];
extern const char husk_sym_names[];
extern const char __r0text_start[], __text_end[];

const char *syms_lookup(uint64_t addr, uint64_t *offset)
{
	uint64_t base = (uint64_t)__r0text_start;
	uint32_t lo = 0, hi = husk_syms_count, off;

	if (addr < base || addr >= (uint64_t)__text_end || !hi)
		return 0;
	off = (uint32_t)(addr - base);
	if (off < husk_syms[0].off)
		return 0;
	while (hi - lo > 1) { /* last entry with .off <= off */
		uint32_t mid = lo + (hi - lo) / 2;
		if (husk_syms[mid].off <= off)
			lo = mid;
		else
			hi = mid;
	}
	*offset = off - husk_syms[lo].off;
	return husk_sym_names + husk_syms[lo].name;
}
