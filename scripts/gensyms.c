/*
 * gensyms: turns `nm -n` output of a husk image (stdin) into the assembly
 * of its .husk_syms table (stdout): function symbols of the code sections,
 * sorted, as 32-bit offsets from __r0text_start plus a blob of names.
 * The build links the image twice, the second time with this table.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sym { uint64_t addr; char name[128]; };

static int keep(const char *type, const char *name)
{
	if (strcmp(type, "t") && strcmp(type, "T") && strcmp(type, "W"))
		return 0;
	/* The 256 vector stubs would only bloat the table. */
	return strncmp(name, "vec_", 4) != 0;
}

int main(void)
{
	static struct sym syms[16384];
	char line[512], type[8], name[128];
	uint64_t addr, base = 0, end = 0;
	size_t n = 0, off = 0;

	while (fgets(line, sizeof(line), stdin)) {
		if (sscanf(line, "%" SCNx64 " %7s %127s", &addr, type, name) != 3)
			continue;
		if (!strcmp(name, "__r0text_start"))
			base = addr;
		else if (!strcmp(name, "__text_end"))
			end = addr;
		else if (keep(type, name) && n < sizeof(syms) / sizeof(syms[0])) {
			syms[n].addr = addr;
			snprintf(syms[n].name, sizeof(syms[n].name), "%s", name);
			n++;
		}
	}
	if (!base || !end) {
		fprintf(stderr, "gensyms: __r0text_start or __text_end missing\n");
		return 1;
	}
	printf("\t.section .husk_syms, \"a\"\n\t.balign 8\n");
	printf("\t.globl husk_syms_count, husk_syms, husk_sym_names\n");
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		count += syms[i].addr >= base && syms[i].addr < end;
	printf("husk_syms_count:\n\t.long %zu\n\t.balign 8\nhusk_syms:\n", count);
	for (size_t i = 0; i < n; i++) {
		if (syms[i].addr < base || syms[i].addr >= end)
			continue;
		printf("\t.long 0x%" PRIx64 ", %zu\n", syms[i].addr - base, off);
		off += strlen(syms[i].name) + 1;
	}
	printf("husk_sym_names:\n");
	for (size_t i = 0; i < n; i++)
		if (syms[i].addr >= base && syms[i].addr < end)
			printf("\t.asciz \"%s\"\n", syms[i].name);
	return 0;
}
