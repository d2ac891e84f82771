/* Interrupts, as ring 3 takes them (see entry.S for how they arrive). */
#ifndef KERNEL_IRQ_H
#define KERNEL_IRQ_H

#include <stdint.h>

/* One interrupt: EOI, then its handler (the timer: sched_tick); a
 * device's handler runs before the EOI. */
void irq_take(uint64_t vector);
/* Those ring 0 recorded in the trap frame's pending bits. */
void irq_drain(void);
/* Notes that platform->take_host_signals() has signals for the program:
 * HUSK_VEC_HOST_SIGNAL's work, also QEMU's COM2 handler's. Interrupt
 * context: nothing is woken here. */
void irq_host_signals(void);
/* Raises them in the program. Only where no library-OS code was
 * interrupted: the scheduler's loop, a trap return to program code. */
void irq_raise_host_signals(void);

/*
 * Device interrupts, vectors HUSK_VEC_DEVICE_BASE..END. A handler runs on
 * the trap stack, possibly in the middle of the library OS: it only quiets
 * its device and records work; the work itself happens in net_poll, which
 * the scheduler runs soon after any device interrupt.
 */
typedef void (*irq_handler_fn)(void *arg);
/* A given vector (husk-vmm assigns them): 0, or -1 when taken or out of
 * the device range. */
int irq_claim(unsigned vector, irq_handler_fn fn, void *arg);
/* Any free device vector: the vector, or -1 when none is left. */
int irq_alloc(irq_handler_fn fn, void *arg);

#endif
