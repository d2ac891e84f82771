/*
 * What kernel/fs uses from the rest of the library OS, on the host C
 * library, for the test_fs_* unit tests: heap, pages, clock, panic. Every
 * block is a separate malloc, so AddressSanitizer sees each overrun. The
 * budgets make the Nth allocation fail (-1: never) to test out-of-memory
 * paths; the live counters find leaks.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <malloc.h>
#include <time.h>
#include "../../kernel/mm.h"

long fs_shim_heap_budget = -1, fs_shim_page_budget = -1;
long fs_shim_heap_live, fs_shim_pages_live;
size_t fs_shim_heap_bytes;
uint64_t fs_shim_free_pages = 65536;

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("FAIL: panic: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	abort();
}

static int spend(long *budget)
{
	if (*budget == 0)
		return 0;
	if (*budget > 0)
		(*budget)--;
	return 1;
}

void *heap_alloc(size_t size)
{
	void *p;

	if (!spend(&fs_shim_heap_budget))
		return NULL;
	p = malloc(size ? size : 1);
	if (p) {
		fs_shim_heap_live++;
		fs_shim_heap_bytes += malloc_usable_size(p);
	}
	return p;
}

void heap_free(void *p)
{
	if (!p)
		return;
	fs_shim_heap_live--;
	fs_shim_heap_bytes -= malloc_usable_size(p);
	free(p);
}

void *kmalloc(size_t size)
{
	void *p = heap_alloc(size);

	if (!p)
		panic("out of memory: %zu bytes", size);
	return p;
}

void *kcalloc(size_t n, size_t size)
{
	void *p = kmalloc(n * size);

	for (size_t i = 0; i < n * size; i++)
		((char *)p)[i] = 0;
	return p;
}

/* Physical addresses are the host addresses: pmem_to_virt(pa) == pa. */
uint64_t pmem_alloc(size_t npages)
{
	void *p;

	if (!spend(&fs_shim_page_budget))
		return 0;
	p = aligned_alloc(4096, npages * 4096);
	if (p)
		fs_shim_pages_live += (long)npages;
	return (uint64_t)(uintptr_t)p;
}

void pmem_free(uint64_t pa, size_t npages)
{
	fs_shim_pages_live -= (long)npages;
	free((void *)(uintptr_t)pa);
}

void *pmem_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

uint64_t pmem_free_pages(void)
{
	return fs_shim_free_pages;
}

uint64_t pmem_total_pages(void)
{
	return fs_shim_free_pages + (uint64_t)fs_shim_pages_live;
}

uint64_t clock_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
