/* The program loader's ELF checks and initial stack, on the host, against
 * real binaries built here and hostile variants of them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "../../kernel/exec/elf.h"
#include "../../kernel/exec/stack.h"
#include "elf_bytes.h"

static int parse(struct test_file *f, struct elf_info *o, char *err)
{
	struct elf_bytes b = { f->data, f->size };

	return elf_parse(elf_bytes_read, &b, f->size, o, err, 200);
}

static int build(const char *cmd, const char *out, struct test_file *f)
{
	if (system(cmd) != 0)
		return 0;
	*f = test_file_load(out);
	return f->size != 0;
}

static void real_binaries(void)
{
	struct elf_info o;
	char err[200] = "", cmd[512];
	struct test_file f;
	const char *src = "/tmp/husk_test_exec.c";
	FILE *fp = fopen(src, "w");

	fputs("int main(void){return 0;}\n", fp);
	fclose(fp);
	f = test_file_load("/bin/true");
	CHECK("elf: /bin/true parses", parse(&f, &o, err) == 0);
	CHECK("elf: /bin/true is PIE with glibc's interpreter",
	      o.pie && !strcmp(o.interp, "/lib64/ld-linux-x86-64.so.2"));
	CHECK("elf: /bin/true program headers located", o.phdr != 0 && o.phnum > 4);
	free(f.data);
	snprintf(cmd, sizeof(cmd), "gcc -static -no-pie -o /tmp/husk_te_static %s", src);
	if (build(cmd, "/tmp/husk_te_static", &f)) {
		CHECK("elf: static glibc parses", parse(&f, &o, err) == 0);
		CHECK("elf: static glibc: ET_EXEC, no interpreter",
		      !o.pie && !o.interp[0] && o.lo >= 0x400000);
		free(f.data);
	} else {
		printf("SKIP: elf: static glibc: gcc -static failed\n");
	}
	snprintf(cmd, sizeof(cmd), "gcc -static-pie -o /tmp/husk_te_spie %s", src);
	if (build(cmd, "/tmp/husk_te_spie", &f)) {
		CHECK("elf: static-pie parses as PIE without interpreter",
		      parse(&f, &o, err) == 0 && o.pie && !o.interp[0]);
		free(f.data);
	} else {
		printf("SKIP: elf: static-pie: gcc -static-pie failed\n");
	}
	snprintf(cmd, sizeof(cmd), "musl-gcc -static -o /tmp/husk_te_musl %s", src);
	if (build(cmd, "/tmp/husk_te_musl", &f)) {
		CHECK("elf: static musl parses", parse(&f, &o, err) == 0 && !o.interp[0]);
		free(f.data);
	} else {
		printf("SKIP: elf: static musl: musl-gcc failed (musl-tools)\n");
	}
}

static void hostile(void)
{
	struct test_file f = test_file_load("/bin/true"), g;
	struct elf_info o;
	char err[200];
	size_t cut;
	int all_rejected = 1;
	uint64_t phoff;
	uint16_t phnum;

	g.data = malloc(f.size);
	for (cut = 0; cut < 4096; cut += 7) { /* every truncation of the headers */
		memcpy(g.data, f.data, f.size);
		g.size = cut;
		if (parse(&g, &o, err) == 0)
			all_rejected = 0;
	}
	CHECK("elf: truncated headers rejected", all_rejected);
	memcpy(g.data, f.data, f.size);
	g.size = f.size;
	g.data[18] = 183; /* aarch64 */
	CHECK("elf: wrong machine rejected",
	      parse(&g, &o, err) == -8 && strstr(err, "not an x86_64 program"));
	memcpy(g.data, f.data, f.size);
	memcpy(&phoff, g.data + 32, 8);
	memcpy(&phnum, g.data + 56, 2);
	for (int i = 0; i < phnum; i++) {
		uint32_t type, flags;
		memcpy(&type, g.data + phoff + 56 * i, 4);
		memcpy(&flags, g.data + phoff + 56 * i + 4, 4);
		if (type == 1 && (flags & 1)) { /* executable PT_LOAD: add W */
			flags |= 2;
			memcpy(g.data + phoff + 56 * i + 4, &flags, 4);
			break;
		}
	}
	CHECK("elf: writable+executable segment rejected",
	      parse(&g, &o, err) == -8 && strstr(err, "writable and executable"));
	memcpy(g.data, f.data, f.size);
	{ /* the second PT_LOAD moved onto the first */
		uint64_t first = 0;
		int seen = 0;
		for (int i = 0; i < phnum; i++) {
			uint32_t type;
			memcpy(&type, g.data + phoff + 56 * i, 4);
			if (type != 1)
				continue;
			if (!seen++) {
				memcpy(&first, g.data + phoff + 56 * i + 16, 8);
			} else {
				memcpy(g.data + phoff + 56 * i + 16, &first, 8);
				break;
			}
		}
	}
	CHECK("elf: overlapping segments rejected",
	      parse(&g, &o, err) == -8 && strstr(err, "overlaps"));
	memcpy(g.data, f.data, f.size);
	memcpy(g.data, "\177ELG", 4);
	CHECK("elf: bad magic rejected", parse(&g, &o, err) == -8 && strstr(err, "not an ELF"));
	free(g.data);
	free(f.data);
}

static uint64_t word(const uint8_t *buf, uint64_t base, uint64_t va)
{
	uint64_t v;
	memcpy(&v, buf + (va - base), 8);
	return v;
}

static void stack(void)
{
	static uint8_t buf[8192];
	char *argv[] = { "/bin/prog", "a b", NULL };
	char *envp[] = { "HOME=/", NULL };
	uint64_t aux[] = { AT_PAGESZ, 4096, AT_ENTRY, 0x401000, AT_NULL, 0 };
	struct stack_spec s = { argv, envp, "/bin/prog", aux, { 1, 2, 3 } };
	uint64_t top = 0x7ff000000000ULL, base = top - sizeof(buf), sp, p;
	int found_random = 0, found_pagesz = 0, found_execfn = 0;

	sp = stack_build(buf, sizeof(buf), top, &s);
	CHECK("stack: built, 16-byte aligned", sp && !(sp & 15) && sp >= base);
	CHECK("stack: argc", word(buf, base, sp) == 2);
	p = word(buf, base, sp + 16);
	CHECK("stack: argv[1] string", p > sp && p < top && !strcmp((char *)buf + (p - base), "a b"));
	CHECK("stack: argv NULL, envp", word(buf, base, sp + 24) == 0 &&
	      !strcmp((char *)buf + (word(buf, base, sp + 32) - base), "HOME=/") &&
	      word(buf, base, sp + 40) == 0);
	for (uint64_t a = sp + 48; word(buf, base, a) != AT_NULL; a += 16) {
		uint64_t t = word(buf, base, a), v = word(buf, base, a + 8);
		if (t == AT_RANDOM)
			found_random = buf[v - base] == 1 && buf[v - base + 2] == 3;
		if (t == AT_PAGESZ)
			found_pagesz = v == 4096;
		if (t == AT_EXECFN)
			found_execfn = !strcmp((char *)buf + (v - base), "/bin/prog");
	}
	CHECK("stack: auxv carries AT_PAGESZ, AT_RANDOM bytes, AT_EXECFN",
	      found_random && found_pagesz && found_execfn);
	CHECK("stack: too small a buffer is refused",
	      stack_build(buf, 64, top, &s) == 0);
}

int main(void)
{
	real_binaries();
	hostile();
	stack();
	return CHECK_DONE();
}
