/*
 * The program's FPU/SIMD state, per thread. The library OS never touches
 * these registers (it is built -mgeneral-regs-only), so at every switch
 * they hold the outgoing thread's state: saved with xsave in ring 3 where
 * the monitor enabled it (every component XCR0 holds: AVX included), else
 * with fxsave (x87 and SSE, all there is without XSAVE).
 */
#include <husk/bootinfo.h>
#include "../arch/x86_64/cpu.h"
#include "../lib.h"
#include "../mm.h"
#include "../platform.h"
#include "thread.h"

static uint32_t area_size = 512;
static uint64_t xmask;

void fpu_init(void)
{
	uint32_t r[4];

	if (!(boot_info->cpu_features & HUSK_CPU_XSAVE) || !boot_info->xcr0)
		return;
	xmask = boot_info->xcr0;
	cpuid(0xd, 0, r);
	/* ebx: for XCR0 as set; ecx: for everything the CPU has (under PVM
	 * cpuid reports the host's view, so take the larger). */
	area_size = r[1] > r[2] ? r[1] : r[2];
	if (area_size < 576)
		area_size = 576; /* legacy area + xsave header */
}

void *fpu_alloc(void **block)
{
	uint8_t *p = heap_alloc(area_size + 64);

	*block = p;
	if (!p)
		return 0;
	memset(p, 0, area_size + 64);
	return (void *)ALIGN_UP((uint64_t)p, 64);
}

void fpu_save(uint8_t *area)
{
	if (xmask)
		__asm__ volatile("xsave64 (%0)" : : "r"(area), "a"((uint32_t)xmask),
				 "d"((uint32_t)(xmask >> 32)) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

void fpu_restore(const uint8_t *area)
{
	if (xmask)
		__asm__ volatile("xrstor64 (%0)" : : "r"(area), "a"((uint32_t)xmask),
				 "d"((uint32_t)(xmask >> 32)) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}
