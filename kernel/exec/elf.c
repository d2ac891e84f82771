/* ELF64 header checks for the program loader (see elf.h). */
#include "../lib.h"
#include "elf.h"
#include "elf_format.h"

#define ENOEXEC 8
#define EIO 5

#define PT_INTERP 3
#define PT_PHDR 6
#define PT_GNU_STACK 0x6474e551
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define USER_TOP (1ULL << 47)
#define PAGE 4096ULL

static int bad(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -ENOEXEC;
}

static int read_exact(elf_read_fn read, void *ctx, void *buf, size_t len,
		      uint64_t off)
{
	long n = read(ctx, buf, len, off);

	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -EIO;
}

static int check_ehdr(const struct ehdr *e, uint64_t size, char *err, size_t n)
{
	if (memcmp(e->ident, "\177ELF", 4))
		return bad(err, n, "not an ELF file");
	if (e->ident[4] != 2 || e->ident[5] != 1)
		return bad(err, n, "not a 64-bit little-endian ELF");
	if (e->machine != 62)
		return bad(err, n, "not an x86_64 program (e_machine %u)", e->machine);
	if (e->type != 2 && e->type != 3)
		return bad(err, n, "not an executable (e_type %u)", e->type);
	if (e->phentsize != sizeof(struct phdr))
		return bad(err, n, "bad e_phentsize %u", e->phentsize);
	if (!e->phnum || e->phnum > MAX_PHNUM)
		return bad(err, n, "bad e_phnum %u", e->phnum);
	if (e->phoff > size || (uint64_t)e->phnum * sizeof(struct phdr) > size - e->phoff)
		return bad(err, n, "program headers lie outside the file (truncated?)");
	return 0;
}

static unsigned prot_of(uint32_t flags)
{
	return ((flags & PF_R) ? ELF_PROT_R : 0) |
	       ((flags & PF_W) ? ELF_PROT_W : 0) |
	       ((flags & PF_X) ? ELF_PROT_X : 0);
}

static int add_load(struct elf_info *o, const struct phdr *p, int i,
		    uint64_t size, char *err, size_t n)
{
	struct elf_seg *s;

	if (o->nseg == ELF_MAX_SEGS)
		return bad(err, n, "more than %d loadable segments", ELF_MAX_SEGS);
	if (p->filesz > p->memsz)
		return bad(err, n, "segment %d: file size exceeds memory size", i);
	if (p->offset > size || p->filesz > size - p->offset)
		return bad(err, n, "segment %d lies outside the file (truncated?)", i);
	if (p->vaddr >= USER_TOP || p->memsz > USER_TOP - p->vaddr || !p->memsz)
		return bad(err, n, "segment %d: address 0x%lx+0x%lx out of range",
			   i, (unsigned long)p->vaddr, (unsigned long)p->memsz);
	if ((p->vaddr - p->offset) % PAGE)
		return bad(err, n, "segment %d: address and offset disagree modulo the page size", i);
	if ((p->flags & PF_W) && (p->flags & PF_X))
		return bad(err, n, "segment %d is both writable and executable", i);
	if (o->nseg && p->vaddr < o->seg[o->nseg - 1].vaddr + o->seg[o->nseg - 1].memsz)
		return bad(err, n, "segment %d overlaps or precedes the one before", i);
	s = &o->seg[o->nseg++];
	s->vaddr = p->vaddr;
	s->memsz = p->memsz;
	s->offset = p->offset;
	s->filesz = p->filesz;
	s->prot = prot_of(p->flags);
	return 0;
}

static int read_interp(elf_read_fn read, void *ctx, const struct phdr *p,
		       uint64_t size, struct elf_info *o, char *err, size_t n)
{
	int rc;

	if (p->filesz < 2 || p->filesz > ELF_INTERP_MAX ||
	    p->offset > size || p->filesz > size - p->offset)
		return bad(err, n, "bad PT_INTERP");
	rc = read_exact(read, ctx, o->interp, p->filesz, p->offset);
	if (rc)
		return rc;
	if (o->interp[p->filesz - 1] || strlen(o->interp) != p->filesz - 1 ||
	    o->interp[0] != '/')
		return bad(err, n, "PT_INTERP is not an absolute path");
	return 0;
}

/* The vaddr of the program headers: PT_PHDR, else the segment mapping phoff. */
static uint64_t phdr_vaddr(const struct elf_info *o, const struct ehdr *e,
			   uint64_t pt_phdr)
{
	int i;

	if (pt_phdr)
		return pt_phdr;
	for (i = 0; i < o->nseg; i++) {
		const struct elf_seg *s = &o->seg[i];
		if (e->phoff >= s->offset && e->phoff < s->offset + s->filesz)
			return s->vaddr + (e->phoff - s->offset);
	}
	return 0;
}

static int entry_ok(const struct elf_info *o)
{
	for (int i = 0; i < o->nseg; i++)
		if ((o->seg[i].prot & ELF_PROT_X) && o->entry >= o->seg[i].vaddr &&
		    o->entry < o->seg[i].vaddr + o->seg[i].memsz)
			return 1;
	return 0;
}

int elf_parse(elf_read_fn read, void *ctx, uint64_t size,
	      struct elf_info *o, char *err, size_t n)
{
	struct ehdr e;
	struct phdr ph[MAX_PHNUM];
	uint64_t pt_phdr = 0;
	int rc, i;

	memset(o, 0, sizeof(*o));
	if (size < sizeof(e))
		return bad(err, n, "too short for an ELF header (%lu bytes)",
			   (unsigned long)size);
	rc = read_exact(read, ctx, &e, sizeof(e), 0);
	if (!rc)
		rc = check_ehdr(&e, size, err, n);
	if (!rc)
		rc = read_exact(read, ctx, ph, e.phnum * sizeof(ph[0]), e.phoff);
	for (i = 0; !rc && i < e.phnum; i++) {
		if (ph[i].type == PT_LOAD)
			rc = add_load(o, &ph[i], i, size, err, n);
		else if (ph[i].type == PT_INTERP && !o->interp[0])
			rc = read_interp(read, ctx, &ph[i], size, o, err, n);
		else if (ph[i].type == PT_PHDR)
			pt_phdr = ph[i].vaddr;
		else if (ph[i].type == PT_GNU_STACK)
			o->exec_stack = !!(ph[i].flags & PF_X);
	}
	if (rc)
		return rc;
	if (!o->nseg)
		return bad(err, n, "no loadable segment");
	o->pie = e.type == 3;
	o->entry = e.entry;
	o->phnum = e.phnum;
	o->phdr = phdr_vaddr(o, &e, pt_phdr);
	o->lo = o->seg[0].vaddr & ~(PAGE - 1);
	o->hi = (o->seg[o->nseg - 1].vaddr + o->seg[o->nseg - 1].memsz + PAGE - 1) & ~(PAGE - 1);
	if (!entry_ok(o))
		return bad(err, n, "entry point 0x%lx is not in an executable segment",
			   (unsigned long)o->entry);
	return 0;
}
