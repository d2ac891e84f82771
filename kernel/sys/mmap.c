/*
 * mmap, munmap, mprotect, madvise, mremap, and the page-fault path that
 * supplies anonymous pages on first touch (the stack included). File
 * mappings are private copies read in full at mmap time (MAP_SHARED ones
 * too: with one process, only writes back to the file would differ, and
 * those are not kept); executable ones pass through the system-call
 * rewriter before they become executable. Mappings are recorded in kernel/mm/vma.c; the page tables
 * only ever hold pages that were touched.
 */
#include "../fs/vfs.h"
#include "../lib.h"
#include "../loader/rewrite.h"
#include "../mm.h"
#include "../mm/vma.h"
#include "../random.h"
#include "../vm.h"
#include "calls.h"
#include "../sched/thread.h"
#include "fd.h"

/* Linked only into images that run Linux programs (husk.elf). */
extern __typeof__(rewrite_code) rewrite_code __attribute__((weak));

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

static unsigned vm_prot_of(unsigned p)
{
	return VM_READ | ((p & PROT_WRITE) ? VM_WRITE : 0) |
	       ((p & PROT_EXEC) ? VM_EXEC : 0);
}

static void release(uint64_t pa)
{
	pmem_free(pa, 1);
}

/* Drops the pages and the records of [start, end). */
static int unmap_range(uint64_t start, uint64_t end)
{
	vm_unmap(start, end - start, release);
	return vma_remove(start, end);
}

/* Reads the file into fresh pages and maps them at [addr, addr+len). */
static long map_file(uint64_t addr, uint64_t len, long prot, long fd, uint64_t off)
{
	struct file *f = fd_file(fd);
	uint64_t pages = len / PAGE, pa;
	uint8_t *mem;
	long got;
	int rc;

	if (!f)
		return -EBADF;
	if (!f->vn || !VFS_ISREG(vfs_mode(f->vn)))
		return -ENODEV;
	if ((f->flags & 3) == 1) /* O_WRONLY */
		return -EACCES;
	pa = pmem_alloc(pages);
	if (!pa)
		return -ENOMEM;
	mem = pmem_to_virt(pa);
	memset(mem, 0, len);
	got = vfs_read(f->vn, mem, len, off);
	if (got < 0) {
		pmem_free(pa, pages);
		return got;
	}
	if ((prot & PROT_EXEC) && rewrite_code) {
		struct rewrite_result r; /* the trampolines live as long */
		rewrite_code(mem, len, addr, addr, addr + len, &r);
	}
	rc = vm_map(addr, pa, len, vm_prot_of((unsigned)prot));
	if (!rc)
		rc = vma_add(addr, addr + len, (unsigned)prot, 0);
	if (rc) {
		vm_unmap(addr, len, 0);
		pmem_free(pa, pages);
		return rc;
	}
	return (long)addr;
}

long sys_mmap(const struct syscall_args *a)
{
	uint64_t addr = (uint64_t)a->a[0], len = page_up((uint64_t)a->a[1]);
	long prot = a->a[2], flags = a->a[3];
	int rc;

	if (!len || (addr & (PAGE - 1)) || (prot & ~7L))
		return -EINVAL;
	if (!(flags & (MAP_SHARED | MAP_PRIVATE)))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS) && ((uint64_t)a->a[5] & (PAGE - 1)))
		return -EINVAL;
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
	if (!(flags & MAP_ANONYMOUS))
		return map_file(addr, len, prot, a->a[4], (uint64_t)a->a[5]);
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
	if (!vm_user_range(va, len))
		return -ENOMEM;
	for (uint64_t x = va; x < va + len; x += PAGE)
		if (!vma_find(x))
			return -ENOMEM;
	rc = vma_protect(va, va + len, (unsigned)p);
	return rc ? rc : vm_protect(va, len, vm_prot_of((unsigned)p));
}

long sys_madvise(const struct syscall_args *a)
{
	uint64_t va = (uint64_t)a->a[0], len = page_up((uint64_t)a->a[1]);

	if ((va & (PAGE - 1)) || !vm_user_range(va, len ? len : PAGE))
		return -EINVAL;
	/* Anonymous pages come back zeroed on the next touch. */
	if (a->a[2] == MADV_DONTNEED && len) {
		for (uint64_t x = va; x < va + len; x += PAGE) {
			const struct vma *v = vma_find(x);
			if (v && (v->flags & VMA_ANON))
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
	if (!(a->a[3] & MREMAP_MAYMOVE))
		return -ENOMEM;
	new = vma_gap(nlen, MMAP_FLOOR, mmap_top());
	if (!new || vma_add(new, new + nlen, prot, flags))
		return -ENOMEM;
	move_pages(old, new, olen);
	vma_remove(old, old + olen);
	return (long)new;
}

/*
 * A page fault in the program. Returns 1 when it was a first touch of an
 * anonymous page the program may access that way (the page is now there:
 * resume), 0 when it is a real fault.
 */
int mm_fault(uint64_t addr, uint64_t error)
{
	const struct vma *v = vma_find(addr);
	uint64_t page = addr & ~(PAGE - 1), pa;

	if (!v || !(v->flags & VMA_ANON) || (error & 1)) /* 1: present */
		return 0;
	if (((error & 2) && !(v->prot & PROT_WRITE)) ||
	    ((error & 16) && !(v->prot & PROT_EXEC)) || !(v->prot & PROT_READ))
		return 0;
	pa = pmem_alloc(1);
	if (!pa)
		return 0; /* out of memory: reported as the fault it is */
	memset(pmem_to_virt(pa), 0, PAGE);
	if (vm_map(page, pa, PAGE, vm_prot_of(v->prot))) {
		pmem_free(pa, 1);
		return 0;
	}
	return 1;
}
