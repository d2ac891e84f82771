/*
 * The local APIC, from ring 3: its register page is mapped for us
 * (HUSK_LAPIC_VA) when boot_info says HUSK_CPU_LAPIC. Each register access
 * is an exit to the hypervisor (in-kernel on KVM with a split irqchip), so
 * callers touch it only when something changes.
 */
#ifndef HUSK_ARCH_LAPIC_H
#define HUSK_ARCH_LAPIC_H

#include <stdint.h>
#include <husk/image.h>

#define LAPIC_TIMER_VECTOR 0x40
#define LAPIC_SPURIOUS_VECTOR HUSK_VEC_SPURIOUS

/* 1 when there is a local APIC to use (then it is enabled, timer off);
 * later calls return at once. */
int lapic_init(void);
/* Its APIC ID, where MSIs and IOAPIC entries send interrupts. */
uint32_t lapic_id(void);
/* Stop the legacy 8259 reaching the CPU through LINT0. */
void lapic_mask_lint0(void);
/* Fire LAPIC_TIMER_VECTOR once, ns from now; 0 stops the timer. */
void lapic_timer_set(uint64_t ns);
void lapic_eoi(void);

#endif
