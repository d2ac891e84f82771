/*
 * Page-table edits for the program's address space (see vm.h). 4-level
 * paging, 4 KiB leaves; tables come from pmem, zeroed, and are never freed
 * (an address space lives as long as the VM).
 */
#include <husk/abi.h>
#include <husk/x86.h>
#include "../lib.h"
#include "../mm.h"
#include "../platform.h"
#include "../vm.h"

#define EINVAL 22
#define EEXIST 17
#define ENOMEM 12
#define FLUSH_ALL_OVER 32 /* pages: beyond this, one CR3 reload */
#define PTE_BORROWED (1ULL << 9) /* ignored by the CPU: VM_BORROWED */

static uint64_t root, img_lo, img_hi, nx_bit;
static uintptr_t img_delta;

void vm_init(uint64_t r, uint64_t image_lo, uint64_t image_hi,
	     uintptr_t image_delta, int nx)
{
	root = r;
	img_lo = image_lo;
	img_hi = image_hi;
	img_delta = image_delta;
	nx_bit = nx ? PTE_NX : 0;
}

static uint64_t *table(uint64_t pa)
{
	if (pa >= img_lo && pa < img_hi)
		return (uint64_t *)(img_delta + pa);
	return pmem_to_virt(pa);
}

static int overlaps(uint64_t va, uint64_t len, uint64_t lo, uint64_t hi)
{
	return va < hi && lo < va + len;
}

int vm_program_space(uint64_t va, uint64_t len)
{
	if (!len || va < PAGE_SIZE || va >= (1ULL << 47) || len > (1ULL << 47) - va)
		return 0;
	return !overlaps(va, len, HUSK_KERNEL_VBASE, HUSK_KERNEL_VBASE + (1ULL << 30)) &&
	       !overlaps(va, len, HUSK_DIRECT_MAP, HUSK_DIRECT_MAP_END);
}

int vm_user_range(uint64_t va, uint64_t len)
{
	return !((va | len) & (PAGE_SIZE - 1)) && vm_program_space(va, len);
}

/* The leaf entry for va, creating tables on the way when `create`. */
static uint64_t *walk(uint64_t va, int create)
{
	uint64_t *t = table(root);
	int shift;

	for (shift = 39; shift > 12; shift -= 9) {
		uint64_t *e = &t[(va >> shift) & 511];
		if (!(*e & PTE_P)) {
			uint64_t pa;
			if (!create || !(pa = pmem_alloc(1)))
				return 0;
			memset(pmem_to_virt(pa), 0, PAGE_SIZE);
			*e = pa | PTE_P | PTE_W | PTE_U;
		} else if (*e & PTE_PS) {
			return 0; /* a huge page of the library OS: not ours */
		}
		t = table(*e & PTE_ADDR);
	}
	return &t[(va >> 12) & 511];
}

/* No access at all (PROT_NONE) is a supervisor page: the program and the
 * library OS both run in ring 3, so neither reaches it, and its contents
 * survive until the access comes back. */
static uint64_t pte_bits(unsigned prot)
{
	uint64_t pte = PTE_P;

	if (prot & (VM_READ | VM_WRITE | VM_EXEC))
		pte |= PTE_U;
	if (prot & VM_WRITE)
		pte |= PTE_W;
	if (!(prot & VM_EXEC))
		pte |= nx_bit;
	if (prot & VM_BORROWED)
		pte |= PTE_BORROWED;
	return pte;
}

static int prot_ok(unsigned prot)
{
	return !((prot & VM_WRITE) && (prot & VM_EXEC)); /* W^X */
}

static void flush(uint64_t va, uint64_t pages)
{
	if (pages > FLUSH_ALL_OVER) {
		husk_tlb_flush_all();
		return;
	}
	for (; pages; pages--, va += PAGE_SIZE)
		husk_invlpg((const void *)va);
}

int vm_map(uint64_t va, uint64_t pa, uint64_t len, unsigned prot)
{
	uint64_t off;

	if (!vm_user_range(va, len) || (pa & (PAGE_SIZE - 1)) || !prot_ok(prot))
		return -EINVAL;
	for (off = 0; off < len; off += PAGE_SIZE) {
		uint64_t *e = walk(va + off, 0);
		if (e && (*e & PTE_P))
			return -EEXIST;
	}
	for (off = 0; off < len; off += PAGE_SIZE) {
		uint64_t *e = walk(va + off, 1);
		if (!e) { /* undo: nothing was visible yet */
			vm_unmap(va, off, 0);
			return -ENOMEM;
		}
		*e = (pa + off) | pte_bits(prot);
	}
	return 0; /* not-present entries are never cached: no flush */
}

long vm_unmap(uint64_t va, uint64_t len, void (*release)(uint64_t pa))
{
	uint64_t off;
	long n = 0;

	if (!len)
		return 0;
	if (!vm_user_range(va, len))
		return -EINVAL;
	for (off = 0; off < len; off += PAGE_SIZE) {
		uint64_t *e = walk(va + off, 0);
		if (!e || !(*e & PTE_P))
			continue;
		if (release && !(*e & PTE_BORROWED))
			release(*e & PTE_ADDR);
		*e = 0;
		n++;
	}
	if (n)
		flush(va, len / PAGE_SIZE);
	return n;
}

int vm_protect(uint64_t va, uint64_t len, unsigned prot)
{
	uint64_t off;

	if (!vm_user_range(va, len) || !prot_ok(prot))
		return -EINVAL;
	for (off = 0; off < len; off += PAGE_SIZE) {
		uint64_t *e = walk(va + off, 0);
		if (e && (*e & PTE_P))
			*e = (*e & (PTE_ADDR | PTE_BORROWED)) |
			     pte_bits(prot & ~VM_BORROWED);
	}
	flush(va, len / PAGE_SIZE);
	return 0;
}

/* Uncached (PCD | PWT: UC with the reset PAT) and never executable, as
 * the builder maps the LAPIC. An entry already there is fine only when
 * it maps the same page uncached (the LAPIC's own, a second device in
 * one page); RAM's huge pages in the way make walk() fail. */
static int map_io_page(uint64_t pa)
{
	uint64_t want = pa | PTE_P | PTE_W | PTE_U | PTE_PCD | PTE_PWT | nx_bit;
	uint64_t *e = walk(HUSK_DIRECT_MAP + pa, 1);

	if (!e)
		return -ENOMEM;
	if (*e & PTE_P)
		return *e == want ? 0 : -EEXIST;
	*e = want;
	husk_invlpg((const void *)(HUSK_DIRECT_MAP + pa));
	return 0;
}

void *vm_map_io(uint64_t pa, uint64_t len)
{
	uint64_t lo = ALIGN_DOWN(pa, PAGE_SIZE), hi = ALIGN_UP(pa + len, PAGE_SIZE);

	if (!len || hi <= lo || hi > HUSK_DIRECT_MAP_END - HUSK_DIRECT_MAP)
		return 0;
	for (uint64_t p = lo; p < hi; p += PAGE_SIZE)
		if (map_io_page(p))
			return 0;
	return (void *)(HUSK_DIRECT_MAP + pa);
}

int vm_query(uint64_t va, uint64_t *pa, unsigned *prot)
{
	uint64_t *e = walk(va & ~(PAGE_SIZE - 1), 0);

	if (!e || !(*e & PTE_P))
		return 0;
	*pa = (*e & PTE_ADDR) | (va & (PAGE_SIZE - 1));
	*prot = (*e & PTE_BORROWED) ? VM_BORROWED : 0;
	if (*e & PTE_U)
		*prot |= VM_READ | ((*e & PTE_W) ? VM_WRITE : 0) |
			 ((*e & nx_bit) && nx_bit ? 0 : VM_EXEC);
	return 1;
}
