/*
 * The library OS heap. Every block starts with a 16-byte header naming its
 * size class (small blocks, from per-class free lists refilled a page at a
 * time) or its page count (large blocks, straight from pmem).
 */
#include "../console.h"
#include "../lib.h"
#include "../mm.h"

#define PAGE 4096
#define HDR 16
#define NCLASS 8 /* 32, 64, ... 4096 bytes, header included */
#define MAGIC_SMALL 0x68656170u
#define MAGIC_LARGE 0x4c415247u

struct hdr {
	uint32_t magic;
	uint32_t n; /* class, or pages */
	uint64_t pad;
};

struct free_block { struct free_block *next; };

static struct free_block *free_list[NCLASS];

static unsigned class_of(size_t total)
{
	unsigned c = 0;

	while ((32u << c) < total)
		c++;
	return c;
}

static int refill(unsigned c)
{
	uint64_t pa = pmem_alloc(1);
	size_t size = 32u << c;
	char *page;

	if (!pa)
		return 0;
	page = pmem_to_virt(pa);
	for (size_t off = 0; off + size <= PAGE; off += size) {
		struct free_block *b = (struct free_block *)(page + off);
		b->next = free_list[c];
		free_list[c] = b;
	}
	return 1;
}

void *heap_alloc(size_t size)
{
	size_t total = size + HDR;
	struct hdr *h;

	if (size > (1ULL << 40))
		return 0;
	if (total <= PAGE) {
		unsigned c = class_of(total);
		if (!free_list[c] && !refill(c))
			return 0;
		h = (struct hdr *)free_list[c];
		free_list[c] = free_list[c]->next;
		h->magic = MAGIC_SMALL;
		h->n = c;
	} else {
		size_t pages = (total + PAGE - 1) / PAGE;
		uint64_t pa = pmem_alloc(pages);
		if (!pa)
			return 0;
		h = pmem_to_virt(pa);
		h->magic = MAGIC_LARGE;
		h->n = (uint32_t)pages;
	}
	return (char *)h + HDR;
}

void heap_free(void *p)
{
	struct hdr *h;

	if (!p)
		return;
	if ((uintptr_t)p & (HDR - 1))
		panic("heap: free of %p, which is not a heap block (misaligned)", p);
	h = (struct hdr *)((char *)p - HDR);
	if (h->magic == MAGIC_SMALL && h->n < NCLASS) {
		struct free_block *b = (struct free_block *)h;
		h->magic = 0;
		b->next = free_list[h->n];
		free_list[h->n] = b;
	} else if (h->magic == MAGIC_LARGE) {
		uint64_t pa = (uint64_t)((uintptr_t)h - (uintptr_t)pmem_to_virt(0));
		h->magic = 0;
		pmem_free(pa, h->n);
	} else {
		panic("heap: free of %p, which is not a heap block (double free?)", p);
	}
}

void *kmalloc(size_t size)
{
	void *p = heap_alloc(size);

	if (!p)
		panic("out of memory: cannot allocate %zu bytes "
		      "(%lu of %lu pages free)",
		      size, (unsigned long)pmem_free_pages(),
		      (unsigned long)pmem_total_pages());
	return p;
}

void *kcalloc(size_t n, size_t size)
{
	void *p;

	if (size && n > (size_t)-1 / size)
		panic("kcalloc: %zu * %zu overflows", n, size);
	p = kmalloc(n * size);
	memset(p, 0, n * size);
	return p;
}
