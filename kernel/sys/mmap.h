/*
 * What kernel/sys/mmap.c, kernel/sys/mmap_private.c (private file
 * mappings) and the program loader (kernel/exec/exec.c) share.
 */
#ifndef KERNEL_SYS_MMAP_H
#define KERNEL_SYS_MMAP_H

#include <stdint.h>

struct file;
struct vma;
struct vnode;

#define MM_PAGE 4096ULL
#define ENOMEM_ 12
#define EIO_ 5

/* The page-table permissions (VM_*) for mmap's PROT_* bits. */
unsigned mm_vm_prot(unsigned prot);
/* The physical address of a page reached through the direct map. */
uint64_t mm_pa_of(const void *direct);
/* The file's size in bytes (0 when it cannot be had). */
uint64_t mm_file_size(struct vnode *vn);
/* No page for the program's first touch of page: ends it (SIGKILL). */
void mm_out_of_memory(uint64_t page) __attribute__((noreturn));

/* Code in a mapping: [va, va + len) is rewritten (kernel/loader); the
 * trampolines go outside [obj_lo, obj_hi), the whole object. */
struct mm_code {
	uint64_t va, len, obj_lo, obj_hi;
};

/* Records [start, end) (free, page-aligned) as a private mapping of vn
 * from off, filled on first touch; with code, its system calls are
 * rewritten from the initrd's bytes. 0, 1 when the code's bytes are not
 * all the initrd's (nothing done: the caller copies and rewrites them),
 * or -errno. */
int mmap_private_lazy(uint64_t start, uint64_t end, unsigned prot,
		      struct vnode *vn, const char *name, uint64_t off,
		      const struct mm_code *code);
/* What mmap_private_lazy's 1 leaves to its caller: fresh pages for
 * [start, end) holding the n bytes of vn from off at start + skip, zeros
 * elsewhere, with code's system calls rewritten (when code and its len),
 * mapped with prot (PROT_* bits) and recorded as vn's mapping (name)
 * from off - skip. 0, or -errno (-EIO when fewer than n bytes were
 * read). */
int mmap_private_copy(uint64_t start, uint64_t end, unsigned prot,
		      struct vnode *vn, const char *name, uint64_t off,
		      uint64_t skip, uint64_t n, const struct mm_code *code);
/* mmap of [addr, addr+len) (free, page-aligned), MAP_PRIVATE of f from
 * off: the address, or -errno. */
long mmap_private_file(uint64_t addr, uint64_t len, long prot, struct file *f,
		       uint64_t off);
/* First touch of page in v (a VMA_PRIVFILE record): 1 when the page is
 * there now. */
int mmap_private_fault(const struct vma *v, uint64_t page);
/* Before [start, end) (all recorded) takes prot: the private file
 * mappings in it that gain write or execute get every page, as private
 * copies. 0, or -ENOMEM. */
int mmap_private_own(uint64_t start, uint64_t end, long prot);

#endif
