/*
 * Guest memory: one anonymous mapping, guest physical 0 at its start.
 *
 * MAP_NORESERVE because most of a large --mem is never touched; 2 MiB
 * alignment plus MADV_HUGEPAGE so that the host backs it with huge pages,
 * which makes the guest's first touch of a page about 10x cheaper under
 * PVM (and saves TLB misses everywhere).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "vmm.h"

int guest_mem_alloc(struct guest_mem *g, uint64_t size)
{
	size_t len = (size_t)size + HUGE_SIZE;
	uint8_t *p, *base;
	char sz[32];

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return vmm_fail(HUSK_VMM_EXIT_MEMORY,
				"cannot map %s of guest memory: %s",
				fmt_size(sz, sizeof(sz), size), strerror(errno));
	/* Trim to a 2 MiB-aligned start so that guest huge pages line up
	 * with host huge pages. */
	base = (uint8_t *)(((uintptr_t)p + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1));
	if (base > p)
		munmap(p, (size_t)(base - p));
	if (base + size < p + len)
		munmap(base + size, (size_t)(p + len - (base + size)));
	/* Only a hint: THP may be disabled on the host. */
	madvise(base, size, MADV_HUGEPAGE);
	g->base = base;
	g->size = size;
	g->map_size = size;
	return 0;
}

void guest_mem_free(struct guest_mem *g)
{
	if (g->base)
		munmap(g->base, g->map_size);
	g->base = NULL;
}
