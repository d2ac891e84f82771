/*
 * lwIP's port to the library OS: memory from the heap, time from the
 * monotonic clock, randomness (initial sequence numbers, ports) from
 * kernel/random.c, diagnostics through kprintf.
 */
#include <stdarg.h>
#include "../clock.h"
#include "../console.h"
#include "../lib.h"
#include "../mm.h"
#include "../random.h"
#include "lwip/sys.h"

void *lwip_port_malloc(size_t size)
{
	return heap_alloc(size);
}

void *lwip_port_calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return 0;
	if ((p = heap_alloc(n * size)))
		memset(p, 0, n * size);
	return p;
}

void lwip_port_free(void *p)
{
	heap_free(p);
}

uint32_t lwip_port_rand(void)
{
	return (uint32_t)random64();
}

/* lwIP's timers count milliseconds; wrapping is expected by lwIP. */
u32_t sys_now(void)
{
	return (u32_t)(clock_monotonic_ns() / 1000000);
}

void lwip_port_diag(const char *fmt, ...)
{
	va_list ap;

	kprintf("husk: lwip: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

/* lwIP asserts where an allocation it cannot do without fails (its
 * timers, at start): with memory gone, say that and what to do. */
void lwip_port_assert(const char *msg, const char *file, int line)
{
	if (pmem_free_pages() < 16)
		panic("out of memory in the network stack (lwip: \"%s\"): %lu of "
		      "%lu KiB free; give the guest more memory (husk run -m, "
		      "husk-vmm --mem)", msg, (unsigned long)pmem_free_pages() * 4,
		      (unsigned long)pmem_total_pages() * 4);
	panic("lwip assertion \"%s\" failed at %s:%d", msg, file, line);
}

int atoi(const char *s)
{
	int v = 0, neg = *s == '-';

	if (*s == '-' || *s == '+')
		s++;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return neg ? -v : v;
}
