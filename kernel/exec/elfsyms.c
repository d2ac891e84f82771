/*
 * Function names from a program's ELF symbol table (see elfsyms.h).
 * Everything is read in small pieces on the stack: the trap handler's
 * stack is 16 KiB and the heap may be exhausted when we are called.
 */
#include "../lib.h"
#include "elf_format.h"
#include "elfsyms.h"

#define SHT_SYMTAB 2
#define SHT_DYNSYM 11
#define STT_FUNC 2
#define STT_GNU_IFUNC 10
#define SHN_UNDEF 0
#define MAX_SHNUM 4096
#define MAX_SYMS (1u << 20) /* a bound on the work, not on real programs */
#define CHUNK 32            /* symbols read at a time */

struct sym {
	uint32_t name;
	unsigned char info, other;
	uint16_t shndx;
	uint64_t value, size;
};

struct file {
	elf_read_fn read;
	void *ctx;
	uint64_t size;
};

/* len bytes at off, all inside the file: 0, else -1. */
static int get(const struct file *f, void *buf, size_t len, uint64_t off)
{
	if (off > f->size || len > f->size - off)
		return -1;
	return f->read(f->ctx, buf, len, off) == (long)len ? 0 : -1;
}

static int read_ehdr(const struct file *f, struct ehdr *e)
{
	if (get(f, e, sizeof(*e), 0) || memcmp(e->ident, "\177ELF", 4) ||
	    e->ident[4] != 2 || e->ident[5] != 1 || e->machine != 62)
		return -1;
	return 0;
}

/* The link-time address of file offset off: the loaded segment that
 * holds it says. */
static int vaddr_of(const struct file *f, const struct ehdr *e, uint64_t off,
		    uint64_t *vaddr)
{
	struct phdr p;

	if (e->phentsize != sizeof(p) || e->phnum > MAX_PHNUM)
		return -1;
	for (unsigned i = 0; i < e->phnum; i++) {
		if (get(f, &p, sizeof(p), e->phoff + (uint64_t)i * sizeof(p)))
			return -1;
		if (p.type == PT_LOAD && off >= p.offset && off - p.offset < p.filesz) {
			*vaddr = p.vaddr + (off - p.offset);
			return 0;
		}
	}
	return -1;
}

static int section(const struct file *f, const struct ehdr *e, unsigned i,
		   struct shdr *s)
{
	if (i >= e->shnum)
		return -1;
	return get(f, s, sizeof(*s), e->shoff + (uint64_t)i * sizeof(*s));
}

/* .symtab when the file has one (every function, local ones too), else
 * .dynsym (the exported ones: what a stripped library keeps), with the
 * string table each names. *complete says which. */
static int find_tables(const struct file *f, const struct ehdr *e,
		       struct shdr *syms, struct shdr *strs, int *complete)
{
	struct shdr s;
	int found = 0;

	if (e->shentsize != sizeof(s) || e->shnum > MAX_SHNUM)
		return -1;
	for (unsigned i = 0; i < e->shnum && found != SHT_SYMTAB; i++) {
		if (section(f, e, i, &s))
			return -1;
		if (s.type == SHT_SYMTAB || (s.type == SHT_DYNSYM && !found)) {
			*syms = s;
			found = (int)s.type;
		}
	}
	if (!found || syms->entsize != sizeof(struct sym) ||
	    section(f, e, syms->link, strs) || syms->offset > f->size ||
	    syms->size > f->size - syms->offset)
		return -1;
	*complete = found == SHT_SYMTAB;
	return 0;
}

static int is_function(const struct sym *s)
{
	unsigned type = s->info & 15;

	return (type == STT_FUNC || type == STT_GNU_IFUNC) && s->shndx != SHN_UNDEF;
}

/*
 * The best symbol for addr: one whose [value, value + size) holds it; else,
 * from a complete table only, the nearest size-0 function below it (code
 * written in assembly often has no size). A stripped library's .dynsym
 * lacks its local functions, so "nearest below" would name the wrong one.
 */
static int best_symbol(const struct file *f, const struct shdr *tab,
		       int complete, uint64_t addr, struct sym *best)
{
	struct sym chunk[CHUNK];
	uint64_t count = tab->size / sizeof(struct sym);
	int found = 0, exact = 0;

	if (count > MAX_SYMS)
		count = MAX_SYMS;
	for (uint64_t i = 0; i < count; i += CHUNK) {
		unsigned n = count - i < CHUNK ? (unsigned)(count - i) : CHUNK;
		if (get(f, chunk, n * sizeof(struct sym), tab->offset + i * sizeof(struct sym)))
			return -1;
		for (unsigned k = 0; k < n; k++) {
			const struct sym *s = &chunk[k];
			if (!is_function(s) || s->value > addr)
				continue;
			if (s->size && addr - s->value < s->size) {
				if (!exact || s->value > best->value)
					*best = *s;
				found = exact = 1;
			} else if (!s->size && complete && !exact &&
				   (!found || s->value > best->value)) {
				*best = *s;
				found = 1;
			}
		}
	}
	return found ? 0 : -1;
}

/* The symbol's name: a NUL-terminated string inside the string table
 * and the file, cut to n - 1 bytes. */
static int name_of(const struct file *f, const struct shdr *strs,
		   const struct sym *s, char *name, size_t n)
{
	uint64_t start, len;

	if (n < 2 || s->name >= strs->size || strs->offset > f->size ||
	    s->name > f->size - strs->offset)
		return -1;
	start = strs->offset + s->name;
	len = strs->size - s->name;
	if (len > f->size - start)
		len = f->size - start;
	if (len > n - 1)
		len = n - 1;
	if (!len || get(f, name, (size_t)len, start))
		return -1;
	name[len] = 0;
	len = strnlen(name, (size_t)len);
	/* It goes into a report a host reads line by line: no control bytes. */
	for (uint64_t i = 0; i < len; i++)
		if (name[i] < 0x20 || name[i] > 0x7e)
			name[i] = '?';
	return len ? 0 : -1;
}

int elfsyms_lookup(elf_read_fn read, void *ctx, uint64_t size, uint64_t off,
		   char *name, size_t n, uint64_t *delta)
{
	const struct file f = { read, ctx, size };
	struct shdr syms = { 0 }, strs = { 0 };
	struct sym best = { 0 };
	struct ehdr e;
	uint64_t addr;
	int complete;

	if (read_ehdr(&f, &e) || vaddr_of(&f, &e, off, &addr) ||
	    find_tables(&f, &e, &syms, &strs, &complete) ||
	    best_symbol(&f, &syms, complete, addr, &best) ||
	    name_of(&f, &strs, &best, name, n))
		return -1;
	*delta = addr - best.value;
	return 0;
}
