/*
 * PCI configuration space through mechanism #1 (ports 0xcf8/0xcfc, open
 * to ring 3 on the PVH machines), the bus-0 scan, BARs, capabilities and
 * MSI-X. BARs are as the firmware (SeaBIOS) assigned them.
 */
#ifndef KERNEL_DRIVERS_PCI_PCI_H
#define KERNEL_DRIVERS_PCI_PCI_H

#include <stdint.h>

#define PCI_CAP_MSIX   0x11
#define PCI_CAP_VENDOR 0x09

struct pci_fn {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
};

uint8_t pci_read8(const struct pci_fn *f, unsigned off);
uint16_t pci_read16(const struct pci_fn *f, unsigned off);
uint32_t pci_read32(const struct pci_fn *f, unsigned off);
void pci_write16(const struct pci_fn *f, unsigned off, uint16_t v);

/* Calls found for every function on bus 0; 0 when there is no PCI bus. */
int pci_scan(void (*found)(const struct pci_fn *f));
/* Memory space and bus mastering on, legacy INTx off. */
void pci_enable(const struct pci_fn *f);
/* The address of memory BAR bar (64-bit ones included); 0 when it is an
 * I/O BAR or unassigned. */
uint64_t pci_bar_address(const struct pci_fn *f, unsigned bar);
/* The next capability of type id after the one at `after` (0: from the
 * start): its offset in configuration space, or 0. */
unsigned pci_find_cap(const struct pci_fn *f, uint8_t id, unsigned after);

/* MSI-X (msix.c): the table mapped, entries pointed at this CPU. */
struct pci_msix {
	struct pci_fn fn;
	unsigned cap;                  /* its capability's offset */
	unsigned entries;
	volatile uint32_t *table;      /* 4 words per entry */
};
/* 0, or -1 when the function has no usable MSI-X. */
int pci_msix_init(struct pci_msix *m, const struct pci_fn *f);
/* Entry i raises vector (edge, fixed, to our local APIC), unmasked. */
void pci_msix_route(struct pci_msix *m, unsigned i, unsigned vector);
void pci_msix_enable(struct pci_msix *m);

#endif
