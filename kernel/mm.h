/*
 * Physical pages and the library OS heap. Physical memory is reached
 * through the direct map (HUSK_DIRECT_MAP + pa); the host unit tests point
 * it at a buffer instead.
 */
#ifndef KERNEL_MM_H
#define KERNEL_MM_H

#include <stddef.h>
#include <stdint.h>
#include <husk/bootinfo.h>

#define PMEM_MAX_RANGES 40

struct pmem_range { uint64_t base, end; };

/* Free pages: RAM from the memory map above 1 MiB, less the excluded
 * ranges (the image, the initrd). Bitmaps are carved from the RAM itself. */
void pmem_init(const struct husk_mem_region *mem, uint32_t nmem,
	       const struct pmem_range *exclude, unsigned nexclude,
	       uintptr_t direct_base);
uint64_t pmem_alloc(size_t npages); /* physical address, 0 when out */
void pmem_free(uint64_t pa, size_t npages);
uint64_t pmem_free_pages(void);
uint64_t pmem_total_pages(void);
void *pmem_to_virt(uint64_t pa);

/* The heap: small sizes from per-class free lists, large ones as pages.
 * heap_alloc returns NULL when memory is out; kmalloc panics instead. */
void *heap_alloc(size_t size);
void heap_free(void *p);
void *kmalloc(size_t size);
void *kcalloc(size_t n, size_t size);

/* Sets up both from the boot info (guest only). */
void mm_init(const struct husk_boot_info *bi);

#endif
