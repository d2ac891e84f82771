/*
 * Interrupt dispatch in ring 3. The only source today is the local APIC
 * timer; devices will add theirs here.
 */
#include <husk/image.h>
#include "arch/x86_64/lapic.h"
#include "irq.h"
#include "sched/thread.h"

extern struct husk_trap_frame husk_trap_frame_area;

void irq_take(uint64_t vector)
{
	if (vector == LAPIC_SPURIOUS_VECTOR)
		return; /* no EOI for the spurious vector */
	lapic_eoi();
	if (vector == LAPIC_TIMER_VECTOR)
		sched_tick();
}

void irq_drain(void)
{
	uint64_t bits;

	while ((bits = __atomic_exchange_n(&husk_trap_frame_area.pending, 0,
					   __ATOMIC_SEQ_CST)))
		for (unsigned i = 0; i < 64; i++)
			if (bits & (1ULL << i))
				irq_take(32 + i);
}
