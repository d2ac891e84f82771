/*
 * mmap, munmap, mprotect, madvise, mremap, and the page-fault path that
 * supplies pages on first touch. Mappings are recorded in kernel/mm/vma.c;
 * the page tables only ever hold pages that were touched (or that a file
 * mapping found already there).
 *
 * - Anonymous memory (the stack included) comes zeroed on first touch.
 * - A private file mapping gets its pages on first touch: the file's
 *   bytes, or the initrd's own page where that is safe (mmap_private.c).
 * - A shared file mapping maps the file's own pages (kernel/fs/file.c
 *   keeps file data in page-allocator pages), so that it, read(), write()
 *   and every other shared mapping of the file see the same bytes at every
 *   moment, with nothing to write back at msync, munmap or exit.
 * - PROT_NONE pages stay but out of reach (kernel/mm/vm.c): any access
 *   faults, and the contents come back with the access.
 * - W^X: no mapping is ever writable and executable. Code becoming
 *   executable passes through the system-call rewriter first (a private
 *   PROT_EXEC file mapping at mmap, memory made executable by mprotect),
 *   while it is neither; shared file pages are left alone (patching them
 *   would change the file), their system calls take the slow path.
 */
#include "../fs/vfs.h"
#include "../lib.h"
#include "../loader/rewrite.h"
#include "../mm.h"
#include "../console.h"
#include "../mm/vma.h"
#include "../platform.h"
#include "../random.h"
#include "../vm.h"
#include "calls.h"
#include "../sched/thread.h"
#include "fd.h"
#include "mmap.h"
#include "signal.h"

/* Linked only into images that run Linux programs (husk.elf). */
extern __typeof__(rewrite_mapped) rewrite_mapped __attribute__((weak));
extern __typeof__(rewrite_restore) rewrite_restore __attribute__((weak));
extern __typeof__(rewrite_enabled) rewrite_enabled __attribute__((weak));
extern __typeof__(rewrite_forget) rewrite_forget __attribute__((weak));

#define PAGE 4096ULL
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED_NOREPLACE 0x100000
#define MREMAP_MAYMOVE 1
#define MADV_DONTNEED 4
#define EACCES 13
#define EEXIST 17
#define EINVAL 22
#define ENOMEM 12
#define ENODEV 19
#define EOVERFLOW 75
/* Where mmap looks for room: above the library OS's windows, below the
 * stack. */
#define MMAP_FLOOR 0x200000000000ULL
#define MMAP_TOP_MAX 0x7f0000000000ULL

/* The top of the mmap area, randomized once (ASLR): up to 4 GiB lower. */
static uint64_t mmap_top(void)
{
	static uint64_t top;

	if (!top)
		top = MMAP_TOP_MAX - (random64() & 0xfffff) * PAGE;
	return top;
}

static uint64_t page_up(uint64_t x)
{
	return (x + PAGE - 1) & ~(PAGE - 1);
}

/* x86 pages cannot be write- or execute-only: any access reads. */
unsigned mm_vm_prot(unsigned p)
{
	if (!(p & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return 0;
	return VM_READ | ((p & PROT_WRITE) ? VM_WRITE : 0) |
	       ((p & PROT_EXEC) ? VM_EXEC : 0);
}

static void release(uint64_t pa)
{
	pmem_free(pa, 1);
}

uint64_t mm_pa_of(const void *direct)
{
	return (uint64_t)((uintptr_t)direct - (uintptr_t)pmem_to_virt(0));
}

/* Trampoline areas (kernel/loader/rewrite.c) whose code is no longer
 * mapped at all: nothing can jump there any more. */
static void drop_orphan_trampolines(void)
{
	const struct vma *v;
	unsigned i = 0;

	while ((v = vma_at(i))) {
		uint64_t start = v->start, end = v->end;

		if (!(v->flags & VMA_TRAMPOLINES) ||
		    vma_overlaps(v->owner_lo, v->owner_hi)) {
			i++;
			continue;
		}
		vm_unmap(start, end - start, release);
		vma_remove(start, end); /* the next record is now at i */
	}
}

/* Drops the pages and the records of [start, end). A shared file's pages
 * stay the file's (VM_BORROWED). */
static int unmap_range(uint64_t start, uint64_t end)
{
	int rc;

	vm_unmap(start, end - start, release);
	if (rewrite_forget)
		rewrite_forget(start, end);
	rc = vma_remove(start, end);
	drop_orphan_trampolines();
	return rc;
}

uint64_t mm_file_size(struct vnode *vn)
{
	struct vfs_stat st;

	return vfs_getattr(vn, &st) ? 0 : (uint64_t)st.size;
}

/* Maps the file's page for `page` (in v, inside the file); make: also one
 * that the file does not hold yet (a hole, or still in the initrd). */
static int map_file_page(const struct vma *v, uint64_t page, int make)
{
	void *p = vfs_file_page(v->file, (v->off + (page - v->start)) / PAGE, make);

	if (!p)
		return make ? -ENOMEM : 0;
	return vm_map(page, mm_pa_of(p), PAGE, mm_vm_prot(v->prot) | VM_BORROWED);
}

static long map_shared_file(uint64_t addr, uint64_t len, long prot,
			    struct file *f, uint64_t off)
{
	struct vma v = { .start = addr, .end = addr + len, .prot = (unsigned)prot,
			 .flags = VMA_SHARED, .file = f->vn, .off = off };
	uint64_t size = mm_file_size(f->vn), page;
	int rc;

	if ((f->flags & VFS_O_ACCMODE) == VFS_O_RDWR)
		v.flags |= VMA_MAYWRITE;
	else if (prot & PROT_WRITE)
		return -EACCES;
	rc = vma_insert(&v);
	/* The pages the file holds now; the rest come on first touch. */
	for (page = addr; !rc && page < addr + len &&
	     off + (page - addr) < size; page += PAGE)
		rc = map_file_page(&v, page, 0);
	if (rc)
		unmap_range(addr, addr + len);
	return rc ? rc : (long)addr;
}

/* The file behind fd, checked for a mapping of it: 0, or -errno. */
static int mappable(long fd, long flags, struct file **out)
{
	struct file *f = fd_file(fd);

	if (!f)
		return -EBADF;
	if (!f->vn || !VFS_ISREG(vfs_mode(f->vn)))
		return -ENODEV;
	if ((f->flags & VFS_O_ACCMODE) == VFS_O_WRONLY)
		return -EACCES;
	if ((flags & MAP_SHARED) && !vfs_file_mappable(f->vn))
		return -ENODEV; /* data made on the fly (/proc) */
	*out = f;
	return 0;
}

long sys_mmap(const struct syscall_args *a)
{
	uint64_t addr = (uint64_t)a->a[0], len = page_up((uint64_t)a->a[1]);
	uint64_t off = (uint64_t)a->a[5];
	long prot = a->a[2], flags = a->a[3];
	struct file *f = 0;
	int rc;

	if (!a->a[1] || (addr & (PAGE - 1)) || (prot & ~7L))
		return -EINVAL;
	if (!len)
		return -ENOMEM; /* rounded past the end of the address space */
	if (!(flags & (MAP_SHARED | MAP_PRIVATE)))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS)) {
		if (off & (PAGE - 1))
			return -EINVAL;
		if (off + len < off)
			return -EOVERFLOW;
		if ((rc = mappable(a->a[4], flags, &f)))
			return rc;
	}
	if ((prot & PROT_WRITE) && (prot & PROT_EXEC))
		return -EACCES; /* husk keeps W^X */
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (!vm_user_range(addr, len))
			return -EINVAL;
		if (vma_overlaps(addr, addr + len)) {
			if (flags & MAP_FIXED_NOREPLACE)
				return -EEXIST;
			unmap_range(addr, addr + len);
		}
	} else if (!addr || !vm_user_range(addr, len) || vma_overlaps(addr, addr + len)) {
		addr = vma_gap(len, MMAP_FLOOR, mmap_top());
		if (!addr)
			return -ENOMEM;
	}
	if (f && (flags & MAP_SHARED))
		return map_shared_file(addr, len, prot, f, off);
	if (f)
		return mmap_private_file(addr, len, prot, f, off);
	rc = vma_add(addr, addr + len, (unsigned)prot, VMA_ANON);
	return rc ? rc : (long)addr;
}

long sys_munmap(const struct syscall_args *a)
{
	uint64_t addr = (uint64_t)a->a[0], len = page_up((uint64_t)a->a[1]);

	if ((addr & (PAGE - 1)) || !len || !vm_user_range(addr, len))
		return -EINVAL;
	if (thread_defer_unmap(a, addr, len))
		return 0;
	return unmap_range(addr, addr + len);
}

/* A shared mapping of a file not opened for writing in [start, end). */
static int has_readonly_file(uint64_t start, uint64_t end)
{
	const struct vma *v;

	for (; start < end && (v = vma_find(start)); start = v->end)
		if ((v->flags & VMA_SHARED) && !(v->flags & VMA_MAYWRITE))
			return 1;
	return 0;
}

/* Memory of [start, end) (all mapped) about to become executable that is
 * not so yet goes through the rewriter, made read-only first so that it
 * is neither writable nor executable meanwhile: it may have been written
 * since it last ran (a JIT), or never have been code before. */
static void rewrite_before_exec(uint64_t start, uint64_t end)
{
	const struct vma *v;
	struct rewrite_result r;

	if (!rewrite_mapped || !rewrite_enabled || !rewrite_enabled())
		return;
	while (start < end && (v = vma_find(start))) {
		uint64_t stop = v->end < end ? v->end : end;

		if (!(v->prot & PROT_EXEC) && !(v->flags & VMA_SHARED)) {
			vm_protect(start, stop - start, VM_READ);
			rewrite_mapped(start, stop - start, &r); /* may add records */
		}
		start = stop;
	}
}

/* Memory of [start, end) (all mapped) about to become writable that is not
 * so yet gets back the bytes the rewriter patched, with execution taken
 * away first (never writable and executable): a JIT patching its own code
 * or ld.so applying text relocations must find what it wrote there. */
static void restore_before_write(uint64_t start, uint64_t end)
{
	const struct vma *v;

	if (!rewrite_restore)
		return;
	while (start < end && (v = vma_find(start))) {
		uint64_t stop = v->end < end ? v->end : end;

		if (!(v->prot & PROT_WRITE) && !(v->flags & VMA_SHARED)) {
			if (v->prot & PROT_EXEC) /* no thread runs it half done */
				vm_protect(start, stop - start, VM_READ);
			rewrite_restore(start, stop);
		}
		start = stop;
	}
}

/* mprotect: W^X holds (EACCES); the range must be mapped (ENOMEM). */
long sys_mprotect(const struct syscall_args *a)
{
	uint64_t va = (uint64_t)a->a[0], len = page_up((uint64_t)a->a[1]);
	long p = a->a[2];
	int rc;

	if ((va & (PAGE - 1)) || (p & ~7L))
		return -EINVAL;
	if (!len)
		return 0;
	if ((p & PROT_WRITE) && (p & PROT_EXEC))
		return -EACCES;
	if (!vm_user_range(va, len) || !vma_covers(va, va + len))
		return -ENOMEM;
	if ((p & PROT_WRITE) && has_readonly_file(va, va + len))
		return -EACCES;
	if ((rc = mmap_private_own(va, va + len, p)))
		return rc;
	if (p & PROT_EXEC)
		rewrite_before_exec(va, va + len);
	if (p & PROT_WRITE)
		restore_before_write(va, va + len);
	rc = vma_protect(va, va + len, (unsigned)p);
	return rc ? rc : vm_protect(va, len, mm_vm_prot((unsigned)p));
}

long sys_madvise(const struct syscall_args *a)
{
	uint64_t va = (uint64_t)a->a[0], len = page_up((uint64_t)a->a[1]);

	if ((va & (PAGE - 1)) || !vm_user_range(va, len ? len : PAGE))
		return -EINVAL;
	/* Anonymous pages come back zeroed on the next touch, a file's
	 * from the file (a shared file's pages stay its own, as do the
	 * initrd's: VM_BORROWED). */
	if (a->a[2] == MADV_DONTNEED && len) {
		for (uint64_t x = va; x < va + len; x += PAGE) {
			const struct vma *v = vma_find(x);
			if (v && (v->flags & (VMA_ANON | VMA_SHARED | VMA_PRIVFILE)))
				vm_unmap(x, PAGE, release);
		}
	}
	return 0;
}

/* Moves the pages of [old, old+len) to new (both page-aligned). */
static void move_pages(uint64_t old, uint64_t new, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += PAGE) {
		uint64_t pa;
		unsigned prot;
		if (!vm_query(old + off, &pa, &prot))
			continue;
		vm_unmap(old + off, PAGE, 0);
		vm_map(new + off, pa & ~(PAGE - 1), PAGE, prot);
	}
}

long sys_mremap(const struct syscall_args *a)
{
	uint64_t old = (uint64_t)a->a[0], olen = page_up((uint64_t)a->a[1]);
	uint64_t nlen = page_up((uint64_t)a->a[2]), new;
	const struct vma *v = vma_find(old);
	unsigned prot, flags;

	if ((old & (PAGE - 1)) || !nlen || !v || !(v->flags & VMA_ANON) ||
	    !vm_user_range(old, olen ? olen : PAGE) || v->end < old + olen)
		return -EINVAL;
	prot = v->prot;
	flags = v->flags;
	if (nlen <= olen) {
		unmap_range(old + nlen, old + olen);
		return (long)old;
	}
	if (vm_user_range(old, nlen) && !vma_overlaps(old + olen, old + nlen))
		return vma_add(old, old + nlen, prot, flags) ?: (long)old;
	/* Rewritten code jumps to its trampolines by rel32: it cannot move
	 * (say no room, as Linux does when it may not move). */
	if (!(a->a[3] & MREMAP_MAYMOVE) || (prot & PROT_EXEC))
		return -ENOMEM;
	new = vma_gap(nlen, MMAP_FLOOR, mmap_top());
	if (!new || vma_add(new, new + nlen, prot, flags))
		return -ENOMEM;
	move_pages(old, new, olen);
	vma_remove(old, old + olen);
	return (long)new;
}

/* The access (page-fault error code: 2 write, 16 fetch) is one v allows. */
static int allowed(const struct vma *v, uint64_t error)
{
	if ((error & 2) && !(v->prot & PROT_WRITE))
		return 0;
	if ((error & 16) && !(v->prot & PROT_EXEC))
		return 0;
	return (v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) != 0;
}

/* No page left for a first touch: what Linux's OOM killer would do (the
 * program ends by SIGKILL, status 137), with a line that says why and
 * what to change, instead of a page-fault report that blames the
 * program's address. */
void mm_out_of_memory(uint64_t page)
{
	platform->console_flush();
	kprintf("husk: out of memory: no free page for the program's access at "
		"%#lx (all %lu MiB of it in use); give the guest more "
		"memory (husk run -m, husk-vmm --mem)\n", (unsigned long)page,
		(unsigned long)(pmem_total_pages() * PAGE >> 20));
	signal_terminate(SIGKILL);
}

static int fault_anon(const struct vma *v, uint64_t page)
{
	uint64_t pa = pmem_alloc(1);

	if (!pa)
		mm_out_of_memory(page);
	memset(pmem_to_virt(pa), 0, PAGE);
	if (vm_map(page, pa, PAGE, mm_vm_prot(v->prot))) {
		pmem_free(pa, 1);
		return 0;
	}
	return 1;
}

/* Past the end of the file is a fault (SIGBUS on Linux). */
static int fault_shared(const struct vma *v, uint64_t page)
{
	if (v->off + (page - v->start) >= mm_file_size(v->file))
		return 0;
	return !map_file_page(v, page, 1);
}

/*
 * A page fault in the program. Returns 1 when it was a first touch of a
 * page the program may access that way (the page is now there: resume),
 * 0 when it is a real fault.
 */
int mm_fault(uint64_t addr, uint64_t error)
{
	const struct vma *v = vma_find(addr);
	uint64_t page = addr & ~(PAGE - 1);

	if (!v || (error & 1) || !allowed(v, error)) /* 1: present */
		return 0;
	if (v->flags & VMA_ANON)
		return fault_anon(v, page);
	if (v->flags & VMA_SHARED)
		return fault_shared(v, page);
	if (v->flags & VMA_PRIVFILE)
		return mmap_private_fault(v, page);
	return 0;
}

/* kernel/fs/file.c: the file's pages from first_page on are about to be
 * freed (truncate). Unmapped from every shared mapping first; touching
 * them again faults, as past the end of a file does. */
void mm_file_truncating(struct vnode *vn, uint64_t first_page)
{
	const struct vma *v;
	unsigned i;

	for (i = 0; (v = vma_at(i)); i++) {
		uint64_t from = first_page * PAGE, start = v->start;

		if (!(v->flags & VMA_SHARED) || v->file != vn)
			continue;
		if (from > v->off)
			start += from - v->off;
		if (start < v->end)
			vm_unmap(start, v->end - start, 0);
	}
}
