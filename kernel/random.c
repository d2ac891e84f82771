/*
 * RDRAND when the CPU has it, mixed with the TSC either way into a state
 * that keeps changing (a multiply-xorshift step), so that two calls never
 * return the same value even without RDRAND.
 */
#include "arch/x86_64/cpu.h"
#include "random.h"

uint64_t random64(void)
{
	static uint64_t state;
	static int has_rdrand = -1;
	uint64_t v = 0;
	unsigned char ok = 0;

	if (has_rdrand < 0) {
		uint32_t r[4];
		cpuid(1, 0, r);
		has_rdrand = !!(r[2] & (1u << 30));
	}
	if (has_rdrand)
		__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
	state = (state ^ rdtsc() ^ (ok ? v : 0)) * 0x9e3779b97f4a7c15ULL;
	state ^= state >> 29;
	return state;
}
