/*
 * The program's mappings (virtual memory areas): what each range of the
 * program's address space is for, so that pages can be supplied on first
 * touch (anonymous memory, the stack) and mmap/munmap/mprotect can split
 * and merge ranges as Linux does.
 */
#ifndef KERNEL_MM_VMA_H
#define KERNEL_MM_VMA_H

#include <stdint.h>

#define VMA_MAX 1024

#define VMA_READ  1u /* = PROT_READ */
#define VMA_WRITE 2u
#define VMA_EXEC  4u

#define VMA_ANON  0x10u /* pages come zeroed, on first touch */
#define VMA_STACK 0x20u /* the main thread's stack (for /proc/self/maps) */

struct vma {
	uint64_t start, end; /* page-aligned, end exclusive */
	unsigned prot;       /* VMA_READ | VMA_WRITE | VMA_EXEC */
	unsigned flags;      /* VMA_ANON, VMA_STACK */
};

/* Records [start, end); overlapping records are cut away first. -ENOMEM
 * when the table is full. */
int vma_add(uint64_t start, uint64_t end, unsigned prot, unsigned flags);
/* Forgets [start, end) (splitting records that straddle it). */
int vma_remove(uint64_t start, uint64_t end);
/* New permissions for [start, end), splitting as needed. */
int vma_protect(uint64_t start, uint64_t end, unsigned prot);
/* The record containing addr, or NULL. */
const struct vma *vma_find(uint64_t addr);
/* 1 when some record intersects [start, end). */
int vma_overlaps(uint64_t start, uint64_t end);
/* The highest free gap of len bytes below `below` and above `floor`;
 * 0 when there is none. */
uint64_t vma_gap(uint64_t len, uint64_t floor, uint64_t below);
/* Iteration, in address order. */
const struct vma *vma_at(unsigned i);

#endif
