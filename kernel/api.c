/* The program-facing functions of kernel/api/husk.h. */
#include "api/husk.h"
#include "clock.h"
#include "console.h"
#include "mm.h"

/* printf is kprintf itself: see console.c. */

void exit(int status)
{
	husk_exit(status);
}

void *malloc(size_t size)
{
	return heap_alloc(size);
}

void free(void *p)
{
	heap_free(p);
}

uint64_t husk_clock_ns(void)
{
	return clock_monotonic_ns();
}

uint64_t husk_realtime_ns(void)
{
	return clock_realtime_ns();
}
