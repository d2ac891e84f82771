/* Time from the TSC, read in ring 3 (9.5 ns under PVM, no exit). */
#ifndef KERNEL_CLOCK_H
#define KERNEL_CLOCK_H

#include <stdint.h>
#include <husk/bootinfo.h>
#include "arch/x86_64/cpu.h"

void clock_init(const struct husk_boot_info *bi);
uint64_t tsc_to_ns(uint64_t ticks);
uint64_t clock_monotonic_ns(void); /* since boot */
uint64_t clock_realtime_ns(void);  /* Unix time; 0-based if unknown */

#endif
