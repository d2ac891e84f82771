/* The physical page allocator and heap, compiled for the host: a buffer
 * plays guest RAM, reached through the same direct-map arithmetic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "../../kernel/mm.h"

#define MIB (1024 * 1024ULL)
#define RAM_BASE (1 * MIB)
#define RAM_SIZE (8 * MIB)

static jmp_buf panicked;
static char panic_msg[256];

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(panic_msg, sizeof(panic_msg), fmt, ap);
	va_end(ap);
	longjmp(panicked, 1);
}

static unsigned char *ram;

static void setup(const struct pmem_range *ex, unsigned nex)
{
	struct husk_mem_region mem[3] = {
		{ 0, 0x9fc00, HUSK_MEM_RAM, 0 },        /* below 1 MiB: unused */
		{ RAM_BASE, RAM_SIZE, HUSK_MEM_RAM, 0 },
		{ RAM_BASE + RAM_SIZE, MIB, HUSK_MEM_RESERVED, 0 },
	};
	memset(ram, 0xaa, RAM_SIZE);
	pmem_init(mem, 3, ex, nex, (uintptr_t)ram - RAM_BASE);
}

static int in_range(uint64_t pa, uint64_t lo, uint64_t hi)
{
	return pa >= lo && pa < hi;
}

int main(void)
{
	struct pmem_range image = { RAM_BASE, RAM_BASE + 512 * 1024 };
	struct pmem_range initrd = { 4 * MIB, 5 * MIB };
	struct pmem_range ex[2] = { image, initrd };
	uint64_t total, a, b, c;

	ram = aligned_alloc(4096, RAM_SIZE);
	setup(ex, 2);
	total = pmem_total_pages();
	/* 8 MiB - 512 KiB image - 1 MiB initrd = 1664 pages, less bitmaps. */
	CHECK("pmem: total excludes image, initrd, low memory",
	      total > 1600 && total <= 1664);
	CHECK("pmem: all free at start", pmem_free_pages() == total);
	a = pmem_alloc(1);
	CHECK("pmem: page outside image", !in_range(a, image.base, image.end));
	CHECK("pmem: page aligned", a && (a & 4095) == 0);
	b = pmem_alloc(16);
	CHECK("pmem: run of 16 avoids initrd",
	      b && !in_range(b, initrd.base, initrd.end) &&
		      !in_range(b + 15 * 4096, initrd.base, initrd.end));
	CHECK("pmem: free count drops", pmem_free_pages() == total - 17);
	pmem_free(b, 16);
	c = pmem_alloc(16);
	CHECK("pmem: freed run is reused", c == b);
	pmem_free(c, 16);
	pmem_free(a, 1);
	CHECK("pmem: all free again", pmem_free_pages() == total);
	CHECK("pmem: too large a run fails", pmem_alloc(total + 1) == 0);
	CHECK("pmem: zero pages fails", pmem_alloc(0) == 0);

	/* Everything can be allocated, each page once, then nothing. */
	{
		uint64_t n = 0, prev = 0, pa;
		int distinct = 1;
		while ((pa = pmem_alloc(1))) {
			distinct &= pa != prev;
			prev = pa;
			n++;
		}
		CHECK("pmem: every free page allocatable", n == total);
		CHECK("pmem: pages distinct", distinct);
		CHECK("pmem: exhausted reports 0 free", pmem_free_pages() == 0);
	}

	setup(ex, 2);
	{
		char *p = heap_alloc(10), *q = heap_alloc(10), *big;
		CHECK("heap: small blocks distinct", p && q && p != q);
		memset(p, 1, 10);
		memset(q, 2, 10);
		CHECK("heap: blocks do not overlap", p[9] == 1 && q[0] == 2);
		heap_free(p);
		CHECK("heap: freed small block reused", heap_alloc(10) == p);
		big = heap_alloc(100000);
		CHECK("heap: large block", big != NULL);
		memset(big, 3, 100000);
		heap_free(big);
		CHECK("heap: large block returns its pages",
		      heap_alloc(100000) == big);
		CHECK("heap: impossible size is NULL",
		      heap_alloc((size_t)1 << 41) == NULL);
		if (!setjmp(panicked)) {
			kmalloc(64 * MIB);
			CHECK("heap: kmalloc panics when out", 0);
		} else {
			CHECK("heap: kmalloc panics when out",
			      strstr(panic_msg, "out of memory") != NULL);
		}
		if (!setjmp(panicked)) {
			heap_free(q + 1);
			CHECK("heap: bad free panics", 0);
		} else {
			CHECK("heap: bad free panics",
			      strstr(panic_msg, "not a heap block") != NULL);
		}
	}
	free(ram);
	return CHECK_DONE();
}
