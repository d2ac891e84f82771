/*
 * The program's mappings (virtual memory areas): what each range of the
 * program's address space is for, so that pages can be supplied on first
 * touch (anonymous memory, the stack, shared file mappings) and
 * mmap/munmap/mprotect can split and merge ranges as Linux does.
 */
#ifndef KERNEL_MM_VMA_H
#define KERNEL_MM_VMA_H

#include <stdint.h>

struct vnode;

#define VMA_MAX 1024

#define VMA_READ  1u /* = PROT_READ */
#define VMA_WRITE 2u
#define VMA_EXEC  4u

#define VMA_ANON  0x10u /* pages come zeroed, on first touch */
#define VMA_STACK 0x20u /* the main thread's stack (for /proc/self/maps) */
#define VMA_SHARED 0x40u /* MAP_SHARED file: its pages are the file's own,
			  * mapped on first touch (see file, off) */
#define VMA_MAYWRITE 0x80u /* the file was opened for writing: a shared
			    * mapping may become writable */
#define VMA_PRIVFILE 0x200u /* MAP_PRIVATE file: pages filled from the file
			     * (file, off) on first touch, or the initrd's
			     * own (kernel/sys/mmap_private.c) */
#define VMA_TRAMPOLINES 0x100u /* the rewriter's trampolines for the code
				* in [owner_lo, owner_hi) */

struct vma {
	uint64_t start, end; /* page-aligned, end exclusive */
	unsigned prot;       /* VMA_READ | VMA_WRITE | VMA_EXEC */
	unsigned flags;      /* VMA_ANON, VMA_STACK, ... */
	struct vnode *file;  /* VMA_SHARED, VMA_PRIVFILE: the file (a
			      * reference held by the record) */
	uint64_t off;        /* a file's, or named: the file offset of start */
	const char *name;    /* a file's mapping: its path (vma_intern), for
			      * fault reports and /proc/self/maps; or NULL */
	uint64_t owner_lo, owner_hi; /* VMA_TRAMPOLINES */
};

/* Records [start, end); overlapping records are cut away first. -ENOMEM
 * when the table is full. */
int vma_add(uint64_t start, uint64_t end, unsigned prot, unsigned flags);
/* The same for a private copy of a file's bytes from offset off. */
int vma_add_named(uint64_t start, uint64_t end, unsigned prot, unsigned flags,
		  const char *path, uint64_t off);
/* A stable copy of path (one per distinct path, kept for good). */
const char *vma_intern(const char *path);
/* The same for a full record (its file gets a reference of its own). */
int vma_insert(const struct vma *v);
/* Forgets [start, end) (splitting records that straddle it). */
int vma_remove(uint64_t start, uint64_t end);
/* New permissions for [start, end), splitting as needed. */
int vma_protect(uint64_t start, uint64_t end, unsigned prot);
/* The record containing addr, or NULL. */
const struct vma *vma_find(uint64_t addr);
/* 1 when some record intersects [start, end). */
int vma_overlaps(uint64_t start, uint64_t end);
/* 1 when records cover every byte of [start, end) (end > start). */
int vma_covers(uint64_t start, uint64_t end);
/* The highest free gap of len bytes below `below` and above `floor`;
 * 0 when there is none. */
uint64_t vma_gap(uint64_t len, uint64_t floor, uint64_t below);
/* Iteration, in address order. */
const struct vma *vma_at(unsigned i);

#endif
