/*
 * The program's address space: page-table edits from ring 3. The page
 * tables are ordinary user-writable memory (the image's page-table pool and
 * pages from pmem); an edit that removes or narrows a mapping is followed
 * by a TLB flush through the ring-0 service (invlpg / CR3 reload), which
 * under PVM is also what makes the edit take effect.
 */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

#include <stdint.h>

#define VM_READ  1u
#define VM_WRITE 2u
#define VM_EXEC  4u
/* The page belongs to someone else (a file's data, for MAP_SHARED):
 * vm_unmap does not hand it to `release`. Kept by vm_protect. */
#define VM_BORROWED 8u

/* root: physical address of the PML4. Page-table pages inside
 * [image_lo, image_hi) are reached at image_delta + pa, others through
 * pmem_to_virt(). nx: the CPU has NX (else no mapping is non-executable). */
void vm_init(uint64_t root, uint64_t image_lo, uint64_t image_hi,
	     uintptr_t image_delta, int nx);

/* The program's part of the address space: page 1 to 128 TiB, minus the
 * library OS's own windows (the image's GiB and the direct map). A
 * non-empty [va, va+len) that lies wholly inside it: 1. */
int vm_program_space(uint64_t va, uint64_t len);
/* The same, for whole pages (what may be mapped). */
int vm_user_range(uint64_t va, uint64_t len);

/* Maps [va, va+len) to [pa, ...) in 4 KiB pages. 0, or -EINVAL (range,
 * alignment, writable and executable at once), -EEXIST (already mapped;
 * nothing is changed), -ENOMEM (no page for a table). prot 0 (PROT_NONE)
 * keeps the page but out of the program's reach: any access faults. */
int vm_map(uint64_t va, uint64_t pa, uint64_t len, unsigned prot);

/* Unmaps what is mapped in [va, va+len); calls release(pa) for each page
 * not VM_BORROWED (release may be NULL). Returns the number of pages
 * unmapped, or -EINVAL. */
long vm_unmap(uint64_t va, uint64_t len, void (*release)(uint64_t pa));

/* New permissions for the pages mapped in [va, va+len); -EINVAL as above. */
int vm_protect(uint64_t va, uint64_t len, unsigned prot);

/* Device registers [pa, pa+len) mapped uncached where the direct map
 * would put them (HUSK_DIRECT_MAP + pa), for drivers: that address, or
 * NULL when the range is beyond the direct map, collides with RAM's
 * mappings or a table cannot be allocated. */
void *vm_map_io(uint64_t pa, uint64_t len);

/* 1 (with *pa and *prot filled in, VM_BORROWED included) when va is
 * mapped, else 0. */
int vm_query(uint64_t va, uint64_t *pa, unsigned *prot);

#endif
