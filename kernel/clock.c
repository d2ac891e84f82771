/*
 * Monotonic and wall-clock time from the TSC and the frequency the starter
 * measured. ns = ticks * mult >> 32, with a 128-bit product so that neither
 * precision nor range is lost.
 */
#include "clock.h"
#include "console.h"

static uint64_t tsc_boot, wall_boot, mult;

void clock_init(const struct husk_boot_info *bi)
{
	uint64_t khz = bi->tsc_khz;

	if (!khz) {
		kprintf("husk: warning: TSC frequency unknown; assuming 1 GHz\n");
		khz = 1000000;
	}
	mult = (1000000ULL << 32) / khz;
	tsc_boot = bi->tsc_at_boot;
	wall_boot = bi->wall_ns_at_boot;
}

uint64_t tsc_to_ns(uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * mult) >> 32);
}

uint64_t clock_monotonic_ns(void)
{
	return tsc_to_ns(rdtsc() - tsc_boot);
}

uint64_t clock_realtime_ns(void)
{
	return wall_boot + clock_monotonic_ns();
}
