/*
 * The I/O APIC at its usual address, from ring 3: routes a legacy
 * interrupt line (a GSI) to a vector of the local APIC. Only the PVH
 * machines have one that matters (QEMU microvm's virtio-mmio lines);
 * husk-vmm's devices use MSIs instead.
 */
#ifndef HUSK_ARCH_IOAPIC_H
#define HUSK_ARCH_IOAPIC_H

/* GSI gsi raises vector on this CPU, level-triggered and active high
 * when level, else edge. 0, or -1 (with a message) when there is no such
 * line or the IOAPIC cannot be mapped. */
int ioapic_route(unsigned gsi, unsigned vector, int level);

#endif
