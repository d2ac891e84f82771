/*
 * Function names for fault reports (kernel/exec/elfsyms.c), on the host:
 * real programs built here (.symtab; stripped, .dynsym only; static musl)
 * and hostile variants of them (cut, corrupted headers and tables, names
 * with control bytes, random damage) under ASan and UBSan.
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../kernel/exec/elfsyms.h"
#include "elf_bytes.h"

static int lookup(struct test_file *f, uint64_t off, char *name, size_t n,
		  uint64_t *delta)
{
	struct elf_bytes b = { f->data, f->size };

	return elfsyms_lookup(elf_bytes_read, &b, f->size, off, name, n, delta);
}

/* The symbol's link-time address, from the file's .symtab (host elf.h). */
static int symbol(const struct test_file *f, const char *want, Elf64_Sym *out,
		  Elf64_Shdr *tab, Elf64_Shdr *strs)
{
	const Elf64_Ehdr *e = (const void *)f->data;
	const Elf64_Shdr *sh = (const void *)(f->data + e->e_shoff);

	for (int i = 0; i < e->e_shnum; i++) {
		if (sh[i].sh_type != SHT_SYMTAB)
			continue;
		const Elf64_Sym *s = (const void *)(f->data + sh[i].sh_offset);
		const char *names = (const char *)f->data + sh[sh[i].sh_link].sh_offset;
		for (size_t k = 0; k < sh[i].sh_size / sizeof(*s); k++)
			if (!strcmp(names + s[k].st_name, want)) {
				*out = s[k];
				if (tab)
					*tab = sh[i];
				if (strs)
					*strs = sh[sh[i].sh_link];
				return 0;
			}
	}
	return -1;
}

/* The file offset holding link-time address va. */
static uint64_t offset_of(const struct test_file *f, uint64_t va)
{
	const Elf64_Ehdr *e = (const void *)f->data;
	const Elf64_Phdr *ph = (const void *)(f->data + e->e_phoff);

	for (int i = 0; i < e->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && va >= ph[i].p_vaddr &&
		    va - ph[i].p_vaddr < ph[i].p_filesz)
			return ph[i].p_offset + (va - ph[i].p_vaddr);
	return (uint64_t)-1;
}

static const char *src = "/tmp/husk_test_elfsyms.c";

static int build(const char *cc, const char *flags, const char *out, struct test_file *f)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "%s %s -o %s %s 2>/dev/null", cc, flags, out, src);
	if (system(cmd) != 0)
		return 0;
	*f = test_file_load(out);
	return f->size != 0;
}

static void write_source(void)
{
	FILE *fp = fopen(src, "w");

	fputs("__attribute__((noinline)) int alpha(int x) { return x * 3 + 1; }\n"
	      "__attribute__((noinline)) static int beta(int x) { return alpha(x) - 7; }\n"
	      "int (*volatile keep)(int) = beta;\n"
	      "int main(int argc, char **argv) { (void)argv; return keep(argc); }\n", fp);
	fclose(fp);
}

/* Where alpha + 3 and beta + 1 are in f; 0 when its .symtab lacks them. */
static int places(const struct test_file *f, uint64_t *a, uint64_t *b)
{
	Elf64_Sym sa, sb;

	if (symbol(f, "alpha", &sa, NULL, NULL) || symbol(f, "beta", &sb, NULL, NULL))
		return 0;
	*a = offset_of(f, sa.st_value + 3);
	*b = offset_of(f, sb.st_value + 1);
	return *a != (uint64_t)-1 && *b != (uint64_t)-1;
}

static void real_binaries(void)
{
	struct test_file f, g;
	char name[64];
	uint64_t a, b, d = 0;

	write_source();
	if (!build("gcc", "-O1", "/tmp/husk_tes_pie", &f) || !places(&f, &a, &b)) {
		printf("SKIP: elfsyms: gcc could not build the sample\n");
		return;
	}
	CHECK("elfsyms: .symtab names a global function and the offset in it",
	      lookup(&f, a, name, sizeof(name), &d) == 0 && !strcmp(name, "alpha") && d == 3);
	CHECK("elfsyms: .symtab names a static function",
	      lookup(&f, b, name, sizeof(name), &d) == 0 && !strcmp(name, "beta") && d == 1);
	CHECK("elfsyms: a short buffer gets the name cut",
	      lookup(&f, a, name, 4, &d) == 0 && !strcmp(name, "alp"));
	CHECK("elfsyms: an offset past every segment names nothing",
	      lookup(&f, f.size - 1, name, sizeof(name), &d) == -1);
	CHECK("elfsyms: an offset in no function (the ELF header) names nothing",
	      lookup(&f, 0, name, sizeof(name), &d) == -1);

	/* Stripped, exported by -rdynamic: .dynsym only, without beta. */
	if (build("gcc", "-O1 -rdynamic", "/tmp/husk_tes_dyn", &g) &&
	    places(&g, &a, &b) && system("strip /tmp/husk_tes_dyn") == 0) {
		free(g.data);
		g = test_file_load("/tmp/husk_tes_dyn");
		CHECK("elfsyms: stripped: .dynsym names an exported function",
		      lookup(&g, a, name, sizeof(name), &d) == 0 &&
		      !strcmp(name, "alpha") && d == 3);
		CHECK("elfsyms: stripped: a local function is not named after another",
		      lookup(&g, b, name, sizeof(name), &d) == -1);
	} else {
		printf("SKIP: elfsyms: stripped: gcc -rdynamic or strip failed\n");
	}
	free(g.data);
	if (build("musl-gcc", "-static -O1", "/tmp/husk_tes_musl", &g) && places(&g, &a, &b))
		CHECK("elfsyms: static musl",
		      lookup(&g, b, name, sizeof(name), &d) == 0 && !strcmp(name, "beta"));
	else
		printf("SKIP: elfsyms: static musl: musl-gcc failed (musl-tools)\n");
	free(g.data);
	free(f.data);
}

static struct test_file copy(const struct test_file *f)
{
	struct test_file g = { malloc(f->size), f->size };

	memcpy(g.data, f->data, f->size);
	return g;
}

/* The .symtab section header of g, to damage. */
static Elf64_Shdr *symtab_header(struct test_file *g)
{
	Elf64_Ehdr *e = (void *)g->data;
	Elf64_Shdr *sh = (void *)(g->data + e->e_shoff);

	for (int i = 0; i < e->e_shnum; i++)
		if (sh[i].sh_type == SHT_SYMTAB)
			return &sh[i];
	return NULL;
}

static void hostile(void)
{
	struct test_file f = test_file_load("/tmp/husk_tes_pie"), g;
	Elf64_Shdr tab, strs, *h;
	Elf64_Sym sa;
	char name[64];
	uint64_t a, b, d;
	int ok = 1;

	if (!f.size || !places(&f, &a, &b) || symbol(&f, "alpha", &sa, &tab, &strs)) {
		printf("SKIP: elfsyms: hostile: no sample\n");
		free(f.data);
		return;
	}
	g = copy(&f);
	for (size_t cut = 0; cut < f.size; cut += 61) { /* every truncation */
		g.size = cut;
		if (lookup(&g, a, name, sizeof(name), &d) == 0 && cut <= tab.sh_offset)
			ok = 0;
	}
	CHECK("elfsyms: a cut file names nothing it cannot read", ok);
	g.size = f.size;

	memcpy(g.data, f.data, f.size);
	h = symtab_header(&g);
	h->sh_offset = (uint64_t)-64;
	CHECK("elfsyms: a table outside the file is refused",
	      lookup(&g, a, name, sizeof(name), &d) == -1);
	memcpy(g.data, f.data, f.size);
	h = symtab_header(&g);
	h->sh_size = (uint64_t)-1 / 2;
	CHECK("elfsyms: a table longer than the file is refused",
	      lookup(&g, a, name, sizeof(name), &d) == -1);
	memcpy(g.data, f.data, f.size);
	h = symtab_header(&g);
	h->sh_entsize = 16;
	CHECK("elfsyms: a bad entry size is refused",
	      lookup(&g, a, name, sizeof(name), &d) == -1);
	memcpy(g.data, f.data, f.size);
	h = symtab_header(&g);
	h->sh_link = 60000;
	CHECK("elfsyms: a string table index out of range is refused",
	      lookup(&g, a, name, sizeof(name), &d) == -1);
	memcpy(g.data, f.data, f.size);
	((Elf64_Ehdr *)g.data)->e_shoff = (uint64_t)-1;
	CHECK("elfsyms: section headers outside the file are refused",
	      lookup(&g, a, name, sizeof(name), &d) == -1);
	memcpy(g.data, f.data, f.size);
	((Elf64_Ehdr *)g.data)->e_phnum = 65535;
	CHECK("elfsyms: too many program headers are refused",
	      lookup(&g, a, name, sizeof(name), &d) == -1);
	memcpy(g.data, f.data, f.size);
	g.data[strs.sh_offset + sa.st_name] = '\n';
	g.data[strs.sh_offset + sa.st_name + 1] = (unsigned char)0xc3;
	CHECK("elfsyms: control and non-ASCII bytes in a name are replaced",
	      lookup(&g, a, name, sizeof(name), &d) == 0 && !strcmp(name, "??pha"));
	memcpy(g.data, f.data, f.size);
	{ /* alpha's name points past its string table: alpha is skipped */
		Elf64_Sym *s = (void *)(g.data + tab.sh_offset);
		for (size_t k = 0; k < tab.sh_size / sizeof(*s); k++)
			if (s[k].st_value == sa.st_value && s[k].st_name == sa.st_name)
				s[k].st_name = 0xfffffff0u;
	}
	CHECK("elfsyms: a name outside the string table is refused",
	      lookup(&g, a, name, sizeof(name), &d) == -1);

	/* Random damage to the headers and tables: nothing is read outside
	 * the file (ASan would stop us) and every answer is a string. */
	srand(7);
	for (int i = 0; i < 3000; i++) {
		memcpy(g.data, f.data, f.size);
		for (int k = 0; k < 8; k++) {
			size_t at = (size_t)rand() % 64;
			switch (rand() % 4) {
			case 0: at = (size_t)rand() % 64; break;
			case 1: at = ((Elf64_Ehdr *)f.data)->e_shoff + (size_t)rand() % 2048; break;
			case 2: at = tab.sh_offset + (size_t)rand() % tab.sh_size; break;
			default: at = ((Elf64_Ehdr *)f.data)->e_phoff + (size_t)rand() % 512; break;
			}
			if (at < g.size)
				g.data[at] = (unsigned char)rand();
		}
		if (lookup(&g, a, name, sizeof(name), &d) == 0 &&
		    strnlen(name, sizeof(name)) == sizeof(name))
			ok = 0;
	}
	CHECK("elfsyms: 3000 randomly damaged files", ok);
	free(g.data);
	free(f.data);
}

int main(void)
{
	real_binaries();
	hostile();
	return CHECK_DONE();
}
