/*
 * The program loader (see exec.h). Segment memory comes from pmem, filled
 * from the file, then mapped (kernel/mm/vm.c); a PIE program and the
 * interpreter get randomized bases, and so does the stack.
 */
#include "../arch/x86_64/cpu.h"
#include "../fs/vfs.h"
#include "../lib.h"
#include "../mm.h"
#include "../mm/vma.h"
#include "../random.h"
#include "../vm.h"
#include "../loader/rewrite.h"
#include "../sys/mmap.h"
#include "elf.h"
#include "exec.h"
#include "stack.h"

#ifndef ENOEXEC
#define ENOEXEC 8 /* exec format error */
#endif
#define PAGE 4096ULL
#define STACK_SIZE (256 * 1024) /* mapped up front */
#define STACK_MAX (8ULL << 20)   /* RLIMIT_STACK: the rest comes on touch */
#define PIE_BASE 0x555500000000ULL
#define INTERP_BASE 0x7f0000000000ULL
#define STACK_TOP 0x7fff00000000ULL

/* The system-call rewriter (kernel/loader/rewrite.h), when the image links
 * it (husk.elf does): weak, so that other images need not carry it. */
extern __typeof__(rewrite_code) rewrite_code __attribute__((weak));

struct image {
	struct vnode *vn;
	const char *name; /* its path, for the mappings' records */
	struct elf_info elf;
	uint64_t base;
};

static long vn_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	return vfs_read(ctx, buf, len, off);
}


static int open_image(const char *path, struct image *im, char *err, size_t n)
{
	struct vnode *root = vfs_root();
	struct vfs_stat st;
	int rc = vfs_open(root, path, VFS_O_RDONLY, 0, &im->vn);

	vfs_put(root);
	im->name = vma_intern(path);
	if (rc) {
		snprintf(err, n, "%s: %s", path, rc == -ENOENT ? "no such file" :
			 rc == -EACCES ? "permission denied" : "cannot open");
		return rc;
	}
	rc = vfs_getattr(im->vn, &st);
	if (!rc && !VFS_ISREG(st.mode))
		rc = -EACCES;
	if (!rc && !(st.mode & 0111))
		rc = -EACCES;
	if (rc) {
		snprintf(err, n, "%s: not an executable file", path);
		return rc;
	}
	char why[160];
	rc = elf_parse(vn_read, im->vn, st.size, &im->elf, why, sizeof(why));
	if (rc)
		snprintf(err, n, "%s: %s", path, why);
	return rc;
}

static unsigned vm_prot(unsigned p)
{
	return ((p & ELF_PROT_R) ? VM_READ : 0) | ((p & ELF_PROT_W) ? VM_WRITE : 0) |
	       ((p & ELF_PROT_X) ? VM_EXEC : 0) | VM_READ;
}

/* A segment that is not written and has no zero-filled tail (code, read-only
 * data) gets its pages on first touch, the initrd's own where they can be
 * (kernel/sys/mmap_private.c); any other, or one whose code is not all the
 * initrd's bytes, is copied into fresh pages now. */
static int map_segment(struct image *im, const struct elf_seg *s)
{
	uint64_t va = im->base + s->vaddr;
	uint64_t start = va & ~(PAGE - 1);
	uint64_t end = (va + s->memsz + PAGE - 1) & ~(PAGE - 1);
	struct mm_code code = { va, s->filesz, im->base + im->elf.lo,
				im->base + im->elf.hi };
	const struct mm_code *text = (s->prot & ELF_PROT_X) ? &code : 0;
	int rc = 1;

	if (!(s->prot & ELF_PROT_W) && s->filesz == s->memsz &&
	    (s->offset & (PAGE - 1)) == (va & (PAGE - 1)))
		rc = mmap_private_lazy(start, end, vm_prot(s->prot), im->vn,
				       im->name, s->offset - (va - start),
				       text && rewrite_code ? text : 0);
	if (rc == 1)
		rc = mmap_private_copy(start, end, vm_prot(s->prot), im->vn,
				       im->name, s->offset, va - start,
				       s->filesz, text);
	return rc;
}

static int load_image(struct image *im, uint64_t base, char *err, size_t n)
{
	int i, rc;

	im->base = im->elf.pie ? base : 0;
	for (i = 0; i < im->elf.nseg; i++) {
		rc = map_segment(im, &im->elf.seg[i]);
		if (rc) {
			snprintf(err, n, "segment %d at 0x%lx: %s", i,
				 (unsigned long)(im->base + im->elf.seg[i].vaddr),
				 rc == -ENOMEM ? "out of memory" :
				 rc == -EEXIST ? "overlaps another mapping" :
						 "cannot be mapped");
			return rc;
		}
	}
	return 0;
}

static uint64_t hwcap(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	return r[3];
}

/* The stack: mapped, then filled in place (it is in our address space). */
static int build_stack(const struct image *prog, const struct image *interp,
		       const char *path, char *const argv[], char *const envp[],
		       struct exec_start *out)
{
	uint64_t top = STACK_TOP - (random64() & 0xffff) * PAGE;
	uint64_t pa = pmem_alloc(STACK_SIZE / PAGE), r = random64(), r2 = random64();
	const struct elf_info *e = &prog->elf;
	uint64_t aux[] = {
		AT_PHDR, prog->base + e->phdr, AT_PHENT, 56, AT_PHNUM, e->phnum,
		AT_PAGESZ, PAGE, AT_BASE, interp ? interp->base : 0,
		AT_FLAGS, 0, AT_ENTRY, prog->base + e->entry,
		AT_UID, 0, AT_EUID, 0, AT_GID, 0, AT_EGID, 0,
		AT_HWCAP, hwcap(), AT_HWCAP2, 0, AT_CLKTCK, 100, AT_SECURE, 0,
		AT_NULL, 0,
	};
	struct stack_spec spec = { argv, envp, path, aux, { 0 } };
	int rc;

	if (!pa)
		return -ENOMEM;
	memcpy(spec.random, &r, 8);
	memcpy(spec.random + 8, &r2, 8);
	rc = vm_map(top - STACK_SIZE, pa, STACK_SIZE, VM_READ | VM_WRITE);
	if (rc) {
		pmem_free(pa, STACK_SIZE / PAGE);
		return rc;
	}
	memset(pmem_to_virt(pa), 0, STACK_SIZE);
	rc = vma_add(top - STACK_MAX, top, VM_READ | VM_WRITE, VMA_ANON | VMA_STACK);
	if (rc)
		return rc;
	out->sp = stack_build(pmem_to_virt(pa), STACK_SIZE, top, &spec);
	return out->sp ? 0 : -E2BIG;
}

int exec_check(const char *path, char *err, unsigned long n)
{
	struct image prog = { 0 }, interp = { 0 };
	int rc = open_image(path, &prog, err, n);

	if (!rc && prog.elf.interp[0]) {
		char why[200];
		rc = open_image(prog.elf.interp, &interp, why, sizeof(why));
		if (rc)
			snprintf(err, n, "%s: interpreter %s", path, why);
	}
	if (prog.vn)
		vfs_put(prog.vn);
	if (interp.vn)
		vfs_put(interp.vn);
	return rc;
}

int exec_load(const char *path, char *const argv[], char *const envp[],
	      struct exec_start *out, char *err, unsigned long n)
{
	struct image prog = { 0 }, interp = { 0 };
	int rc = open_image(path, &prog, err, n);

	if (!rc && prog.elf.interp[0]) {
		char why[200];
		rc = open_image(prog.elf.interp, &interp, why, sizeof(why));
		if (rc) /* name the program too: the interpreter is its need */
			snprintf(err, n, "%s: interpreter %s", path, why);
		if (!rc && !interp.elf.pie) {
			snprintf(err, n, "%s: interpreter is not position-independent",
				 prog.elf.interp);
			rc = -ENOEXEC;
		}
	}
	if (!rc)
		rc = load_image(&prog, PIE_BASE + (random64() & 0xfffff) * PAGE, err, n);
	if (!rc && interp.vn)
		rc = load_image(&interp, INTERP_BASE + (random64() & 0xfffff) * PAGE, err, n);
	if (!rc) {
		rc = build_stack(&prog, interp.vn ? &interp : 0, path, argv, envp, out);
		if (rc)
			snprintf(err, n, "%s: no room for the stack (%s)", path,
				 rc == -E2BIG ? "arguments too long" : "out of memory");
	}
	if (!rc) {
		out->entry = interp.vn ? interp.base + interp.elf.entry
				       : prog.base + prog.elf.entry;
		out->brk = prog.base + prog.elf.hi;
	}
	if (prog.vn)
		vfs_put(prog.vn);
	if (interp.vn)
		vfs_put(interp.vn);
	return rc;
}
