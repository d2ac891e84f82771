/* Interrupts, as ring 3 takes them (see entry.S for how they arrive). */
#ifndef KERNEL_IRQ_H
#define KERNEL_IRQ_H

#include <stdint.h>

/* One interrupt: EOI, then its handler (the timer: sched_tick). */
void irq_take(uint64_t vector);
/* Those ring 0 recorded in the trap frame's pending bits. */
void irq_drain(void);

#endif
