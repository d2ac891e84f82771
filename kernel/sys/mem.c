/* brk: the program break grows by mapping zeroed pages right after the
 * program's segments, and shrinks by unmapping them. */
#include "../lib.h"
#include "../mm.h"
#include "../mm/vma.h"
#include "../vm.h"
#include "calls.h"

#define PAGE 4096ULL
#define BRK_MAX (1ULL << 30) /* past which malloc falls back to mmap */

static uint64_t brk_start, brk_cur, brk_mapped;

void sys_brk_init(uint64_t start)
{
	brk_start = brk_cur = brk_mapped = (start + PAGE - 1) & ~(PAGE - 1);
}

static void release(uint64_t pa)
{
	pmem_free(pa, 1);
}

/* Maps [brk_mapped, want) page by page; stops at the first failure. */
static void grow(uint64_t want)
{
	while (brk_mapped < want) {
		uint64_t pa = pmem_alloc(1);
		if (!pa)
			return;
		memset(pmem_to_virt(pa), 0, PAGE);
		if (vm_map(brk_mapped, pa, PAGE, VM_READ | VM_WRITE)) {
			pmem_free(pa, 1);
			return;
		}
		brk_mapped += PAGE;
		vma_add(brk_start, brk_mapped, VMA_READ | VMA_WRITE, 0);
	}
}

long sys_brk(const struct syscall_args *a)
{
	uint64_t want = (uint64_t)a->a[0], top;

	if (!brk_start || want < brk_start || want - brk_start > BRK_MAX)
		return (long)brk_cur; /* Linux answers the current break */
	top = (want + PAGE - 1) & ~(PAGE - 1);
	if (top > brk_mapped)
		grow(top);
	else if (top < brk_mapped) {
		vm_unmap(top, brk_mapped - top, release);
		vma_remove(top, brk_mapped);
		brk_mapped = top;
	}
	if (top <= brk_mapped)
		brk_cur = want;
	return (long)brk_cur;
}

