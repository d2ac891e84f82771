/*
 * Interrupt dispatch in ring 3: the local APIC timer and husk-vmm's
 * host-signal interrupt; devices will add theirs here.
 */
#include <husk/image.h>
#include "arch/x86_64/lapic.h"
#include "irq.h"
#include "platform.h"
#include "sched/thread.h"
#include "sys/signal.h"

extern struct husk_trap_frame husk_trap_frame_area;

/* docker stop, husk stop, Ctrl-C: the monitor was sent these signals and
 * passes them on to the program, as a kill(2) from outside would. */
static void host_signals(void)
{
	uint64_t bits = platform->take_host_signals();
	struct ksiginfo info = { .code = SI_USER, .pid = 0 };

	for (int sig = 1; sig <= 64; sig++)
		if (bits & (1ULL << (sig - 1)))
			signal_send(0, sig, &info);
}

void irq_take(uint64_t vector)
{
	if (vector == LAPIC_SPURIOUS_VECTOR)
		return; /* no EOI for the spurious vector */
	lapic_eoi();
	sched_interrupted();
	if (vector == LAPIC_TIMER_VECTOR)
		sched_tick();
	else if (vector == HUSK_VEC_HOST_SIGNAL)
		host_signals();
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
