/* The virtio-mmio transport (version 2 register block). */
#ifndef KERNEL_DRIVERS_VIRTIO_MMIO_H
#define KERNEL_DRIVERS_VIRTIO_MMIO_H

#include <stdint.h>

/* How a virtio-mmio device interrupts. */
enum virtio_mmio_irq_kind {
	VIRTIO_MMIO_POLLED, /* not at all: the driver polls */
	VIRTIO_MMIO_MSI,    /* husk-vmm: an edge MSI on `vector`, no ack */
	VIRTIO_MMIO_IOAPIC, /* QEMU microvm: IOAPIC line `gsi` */
};

struct virtio_mmio_irq {
	enum virtio_mmio_irq_kind kind;
	unsigned vector;
	unsigned gsi;
};

/* The register block at paddr (size bytes): a device there is handed to
 * its driver. Returns 0 (also when the slot is empty), -1 when it is not
 * a usable virtio-mmio device (said why). */
int virtio_mmio_probe(uint64_t paddr, uint64_t size,
		      const struct virtio_mmio_irq *irq);

#endif
