/*
 * Private file mappings (MAP_PRIVATE of a file: what ld.so does for every
 * segment of every library), filled on first touch rather than copied in
 * full at mmap time, so that the pages a program never touches cost
 * nothing, and the initrd's own pages are mapped as they are where that is
 * safe, so that a file the program only reads is not in memory twice.
 *
 * A page is:
 * - the initrd's own page (read-only, VM_BORROWED: never freed or written),
 *   when the mapping is not writable, the page is wholly file bytes that
 *   nobody wrote since the archive was unpacked, its bytes sit on a page
 *   boundary in the initrd (husk packs the file data of its root
 *   filesystems page-aligned: lib/rootfs_cpio.c), and no system call site
 *   of the rewriter's lies in it: mapped with the mapping, since it costs
 *   no memory (map_in_place), or on first touch;
 * - else, on first touch, a fresh page holding the file's bytes (zeros
 *   past the end of the file), with the rewriter's patches written in.
 *
 * Code: at mmap, the rewriter scans the file's bytes where they are (in
 * the initrd) and makes the trampolines; the patches are written into
 * each page as it is filled (rewrite_replay). When the code's bytes are
 * not all the initrd's (a library written at run time, or on tmpfs) the
 * mapping is copied and rewritten in full at mmap, as before.
 *
 * A mapping about to become writable or executable that was not gets all
 * its pages first, as private copies (mmap_private_own): the rewriter's
 * restore and rescan work on pages that are there, through the direct
 * map, and must never write into the initrd.
 */
#include "../fs/vfs.h"
#include "../lib.h"
#include "../loader/rewrite.h"
#include "../mm.h"
#include "../mm/vma.h"
#include "../vm.h"
#include "calls.h"
#include "fd.h"
#include "mmap.h"

/* Linked only into images that run Linux programs (husk.elf). */
extern __typeof__(rewrite_code) rewrite_code __attribute__((weak));
extern __typeof__(rewrite_code_from) rewrite_code_from __attribute__((weak));
extern __typeof__(rewrite_replay) rewrite_replay __attribute__((weak));
extern __typeof__(rewrite_enabled) rewrite_enabled __attribute__((weak));
extern __typeof__(rewrite_mark_pages) rewrite_mark_pages __attribute__((weak));

#define PROT_WRITE 2
#define PROT_EXEC 4

int mmap_private_copy(uint64_t start, uint64_t end, unsigned prot,
		      struct vnode *vn, const char *name, uint64_t off,
		      uint64_t skip, uint64_t n, const struct mm_code *code)
{
	uint64_t pages = (end - start) / MM_PAGE, pa;
	uint8_t *mem;
	long got;
	int rc;

	pa = pmem_alloc(pages);
	if (!pa)
		return -ENOMEM_;
	mem = pmem_to_virt(pa);
	memset(mem, 0, end - start);
	got = n ? vfs_read(vn, mem + skip, n, off) : 0;
	if (got != (long)n) {
		pmem_free(pa, pages);
		return got < 0 ? (int)got : -EIO_;
	}
	if (code && code->len && rewrite_code) {
		struct rewrite_result r; /* the trampolines live as long */
		rewrite_code(mem + (code->va - start), code->len, code->va,
			     code->obj_lo, code->obj_hi, &r);
	}
	rc = vm_map(start, pa, end - start, mm_vm_prot(prot));
	if (!rc)
		rc = vma_add_named(start, end, prot, 0, name, off - skip);
	if (rc) {
		vm_unmap(start, end - start, 0);
		pmem_free(pa, pages);
	}
	return rc;
}

static int rewriting(void)
{
	return rewrite_code_from && rewrite_enabled && rewrite_enabled();
}

/* The initrd's own bytes of [fo, fo + len) of vn when they can be mapped
 * as they are (untouched since unpacked, on a page boundary), or NULL. */
static const uint8_t *in_place(struct vnode *vn, uint64_t fo, uint64_t len)
{
	const uint8_t *low = vfs_file_lower(vn, fo, len);

	return low && !((uintptr_t)low & (MM_PAGE - 1)) ? low : 0;
}

/*
 * The pages of a new, not writable mapping that can be the initrd's own
 * are mapped at once: they cost no memory, and a first touch (a trap, the
 * dearest thing under PVM) would map them anyway. Best effort: a page
 * left out comes on first touch.
 */
static void map_in_place(const struct vma *v)
{
	uint64_t size = mm_file_size(v->file), n, i;
	const uint8_t *low;
	uint8_t *marks = 0;

	if ((v->prot & PROT_WRITE) || !v->prot || v->off >= size)
		return;
	n = (v->end - v->start) / MM_PAGE;
	if (n > (size - v->off) / MM_PAGE)
		n = (size - v->off) / MM_PAGE; /* whole pages of the file only */
	low = n ? in_place(v->file, v->off, n * MM_PAGE) : 0;
	if (!low)
		return;
	if (rewrite_mark_pages) {
		marks = heap_alloc((size_t)(n + 7) / 8);
		if (!marks)
			return;
		memset(marks, 0, (size_t)(n + 7) / 8);
		rewrite_mark_pages(v->start, v->start + n * MM_PAGE, marks);
	}
	for (i = 0; i < n; i++)
		if (!marks || !(marks[i / 8] & (1u << (i % 8))))
			vm_map(v->start + i * MM_PAGE, mm_pa_of(low + i * MM_PAGE),
			       MM_PAGE, mm_vm_prot(v->prot) | VM_BORROWED);
	heap_free(marks);
}

int mmap_private_lazy(uint64_t start, uint64_t end, unsigned prot,
		      struct vnode *vn, const char *name, uint64_t off,
		      const struct mm_code *code)
{
	struct vma v = { .start = start, .end = end, .prot = prot,
			 .flags = VMA_PRIVFILE, .file = vn, .off = off,
			 .name = vma_intern(name) };
	const uint8_t *src = 0;
	int rc;

	if (code && code->len && rewriting()) {
		src = vfs_file_lower(vn, off + (code->va - start), code->len);
		if (!src)
			return 1;
	}
	rc = vma_insert(&v);
	if (rc)
		return rc;
	if (src) {
		struct rewrite_result r; /* the trampolines live as long */
		rewrite_code_from(src, code->len, code->va, code->obj_lo,
				  code->obj_hi, &r);
	}
	map_in_place(&v);
	return 0;
}

long mmap_private_file(uint64_t addr, uint64_t len, long prot, struct file *f,
		       uint64_t off)
{
	uint64_t size = mm_file_size(f->vn);
	uint64_t n = off < size ? (size - off < len ? size - off : len) : 0;
	struct mm_code code = { addr, (prot & PROT_EXEC) ? n : 0, addr, addr + len };
	int rc;

	rc = mmap_private_lazy(addr, addr + len, (unsigned)prot, f->vn,
			       file_path(f), off, &code);
	if (rc == 1)
		rc = mmap_private_copy(addr, addr + len, (unsigned)prot, f->vn,
				       file_path(f), off, 0, n, &code);
	return rc ? rc : (long)addr;
}

/* The initrd's own page for page (of v, whose file is size bytes), when
 * it may be mapped as it is; else NULL. */
static const uint8_t *borrowable(const struct vma *v, uint64_t page,
				 uint64_t size)
{
	uint64_t fo = v->off + (page - v->start);
	const uint8_t *low;

	if ((v->prot & PROT_WRITE) || fo + MM_PAGE > size)
		return 0;
	low = in_place(v->file, fo, MM_PAGE);
	if (low && rewrite_replay && rewrite_replay(page, 0))
		return 0;
	return low;
}

/* A fresh page with the file's bytes for page (of v, whose file is size
 * bytes) and the rewriter's patches; its physical address, or 0 when
 * memory is out. */
static uint64_t filled_page(const struct vma *v, uint64_t page, uint64_t size)
{
	uint64_t fo = v->off + (page - v->start);
	uint64_t pa = pmem_alloc(1), n;
	uint8_t *mem;

	if (!pa)
		return 0;
	mem = pmem_to_virt(pa);
	memset(mem, 0, MM_PAGE);
	if (fo >= size)
		return pa;
	n = size - fo < MM_PAGE ? size - fo : MM_PAGE;
	if (vfs_read(v->file, mem, n, fo) < 0)
		memset(mem, 0, MM_PAGE);
	/* The patches fit the bytes they were made for: the initrd's. A
	 * file written since reads as it is now, as on Linux (unpatched:
	 * its system calls take the slow path). */
	if (rewrite_replay && vfs_file_lower(v->file, fo, n))
		rewrite_replay(page, mem);
	return pa;
}

int mmap_private_fault(const struct vma *v, uint64_t page)
{
	uint64_t size = mm_file_size(v->file), pa;
	const uint8_t *low = borrowable(v, page, size);

	if (low)
		return !vm_map(page, mm_pa_of(low), MM_PAGE,
			       mm_vm_prot(v->prot) | VM_BORROWED);
	pa = filled_page(v, page, size);
	if (!pa)
		mm_out_of_memory(page);
	if (vm_map(page, pa, MM_PAGE, mm_vm_prot(v->prot))) {
		pmem_free(pa, 1);
		return 0;
	}
	return 1;
}

/* Page (of v) is there afterwards, as a private copy. 0, or -ENOMEM. */
static int own_page(const struct vma *v, uint64_t page)
{
	uint64_t pa, copy;
	unsigned prot;

	if (!vm_query(page, &pa, &prot)) {
		copy = filled_page(v, page, mm_file_size(v->file));
		if (!copy)
			return -ENOMEM_;
	} else if (prot & VM_BORROWED) {
		copy = pmem_alloc(1);
		if (!copy)
			return -ENOMEM_;
		memcpy(pmem_to_virt(copy), pmem_to_virt(pa & ~(MM_PAGE - 1)), MM_PAGE);
		vm_unmap(page, MM_PAGE, 0);
	} else {
		return 0;
	}
	if (vm_map(page, copy, MM_PAGE, mm_vm_prot(v->prot))) {
		pmem_free(copy, 1);
		return -ENOMEM_;
	}
	return 0;
}

int mmap_private_own(uint64_t start, uint64_t end, long prot)
{
	const struct vma *v;
	int rc = 0;

	while (!rc && start < end && (v = vma_find(start))) {
		uint64_t stop = v->end < end ? v->end : end, page;
		int gains = ((prot & PROT_WRITE) && !(v->prot & PROT_WRITE)) ||
			    ((prot & PROT_EXEC) && !(v->prot & PROT_EXEC));

		if ((v->flags & VMA_PRIVFILE) && gains) {
			struct vma copy = *v; /* own_page may add records */
			for (page = start; !rc && page < stop; page += MM_PAGE)
				rc = own_page(&copy, page);
		}
		start = stop;
	}
	return rc;
}
