/*
 * MSI-X: each table entry is an address and data word the device writes
 * to signal; pointed at the local APIC (0xfee00000 + its ID), the write is
 * an edge interrupt on the vector in the data. No IOAPIC, no shared line,
 * nothing to acknowledge at the device.
 */
#include "../../arch/x86_64/lapic.h"
#include "../../console.h"
#include "../../vm.h"
#include "pci.h"

#define MSIX_CONTROL 2 /* from the capability */
#define MSIX_TABLE   4
#define CONTROL_SIZE_MASK 0x7ffu /* entries - 1 */
#define CONTROL_FUNCTION_MASK (1u << 14)
#define CONTROL_ENABLE (1u << 15)
#define ENTRY_WORDS 4
#define ENTRY_MASKED 1u
#define MSI_ADDRESS 0xfee00000u

int pci_msix_init(struct pci_msix *m, const struct pci_fn *f)
{
	unsigned cap = pci_find_cap(f, PCI_CAP_MSIX, 0);
	uint32_t where;
	uint64_t bar;

	if (!cap)
		return -1;
	m->fn = *f;
	m->cap = cap;
	m->entries = (pci_read16(f, cap + MSIX_CONTROL) & CONTROL_SIZE_MASK) + 1;
	where = pci_read32(f, cap + MSIX_TABLE);
	bar = pci_bar_address(f, where & 7);
	if (!bar)
		return -1;
	m->table = vm_map_io(bar + (where & ~7u), m->entries * ENTRY_WORDS * 4);
	return m->table ? 0 : -1;
}

void pci_msix_route(struct pci_msix *m, unsigned i, unsigned vector)
{
	volatile uint32_t *e = m->table + i * ENTRY_WORDS;

	e[3] = ENTRY_MASKED; /* while the entry is half written */
	e[0] = MSI_ADDRESS | lapic_id() << 12;
	e[1] = 0;
	e[2] = vector; /* fixed delivery, edge */
	e[3] = 0;
}

void pci_msix_enable(struct pci_msix *m)
{
	uint16_t c = pci_read16(&m->fn, m->cap + MSIX_CONTROL);

	c = (uint16_t)((c | CONTROL_ENABLE) & ~CONTROL_FUNCTION_MASK);
	pci_write16(&m->fn, m->cap + MSIX_CONTROL, c);
}
