/*
 * PCI configuration mechanism #1: the address (enable bit, bus, device,
 * function, dword offset) goes to port 0xcf8, the data comes and goes at
 * 0xcfc plus the byte offset. Two port accesses per read, each an exit:
 * the scan stops at once on a machine without a PCI bus (microvm), where
 * its host bridge at 00:00.0 reads as all ones.
 */
#include "../../arch/x86_64/cpu.h"
#include "pci.h"

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA    0xcfc
#define ENABLE (1u << 31)

#define OFF_VENDOR   0x00
#define OFF_DEVICE   0x02
#define OFF_COMMAND  0x04
#define OFF_STATUS   0x06
#define OFF_HEADER   0x0e
#define OFF_BAR0     0x10
#define OFF_CAP_PTR  0x34
#define STATUS_CAPS  (1u << 4)
#define HEADER_MULTI 0x80
#define CMD_MEMORY   (1u << 1)
#define CMD_MASTER   (1u << 2)
#define CMD_NO_INTX  (1u << 10)
#define BAR_IO       1u
#define BAR_TYPE_64  (2u << 1)
#define BAR_TYPE     (3u << 1)

static void address(const struct pci_fn *f, unsigned off)
{
	outl(CONFIG_ADDRESS, ENABLE | (uint32_t)f->bus << 16 |
			     (uint32_t)f->dev << 11 | (uint32_t)f->fn << 8 |
			     (off & 0xfc));
}

uint8_t pci_read8(const struct pci_fn *f, unsigned off)
{
	address(f, off);
	return inb((uint16_t)(CONFIG_DATA + (off & 3)));
}

uint16_t pci_read16(const struct pci_fn *f, unsigned off)
{
	address(f, off);
	return inw((uint16_t)(CONFIG_DATA + (off & 2)));
}

uint32_t pci_read32(const struct pci_fn *f, unsigned off)
{
	address(f, off);
	return inl(CONFIG_DATA);
}

void pci_write16(const struct pci_fn *f, unsigned off, uint16_t v)
{
	address(f, off);
	outw((uint16_t)(CONFIG_DATA + (off & 2)), v);
}

static int present(struct pci_fn *f)
{
	uint32_t id = pci_read32(f, OFF_VENDOR);

	f->vendor = (uint16_t)id;
	f->device = (uint16_t)(id >> 16);
	return f->vendor != 0xffff && f->vendor != 0;
}

int pci_scan(void (*found)(const struct pci_fn *f))
{
	struct pci_fn f = { 0 };

	if (!present(&f))
		return 0;
	for (f.dev = 0; f.dev < 32; f.dev++) {
		unsigned nfn;

		f.fn = 0;
		if (!present(&f))
			continue;
		nfn = (pci_read8(&f, OFF_HEADER) & HEADER_MULTI) ? 8 : 1;
		for (f.fn = 0; f.fn < nfn; f.fn++)
			if (present(&f))
				found(&f);
	}
	return 1;
}

void pci_enable(const struct pci_fn *f)
{
	pci_write16(f, OFF_COMMAND, (uint16_t)(pci_read16(f, OFF_COMMAND) |
					       CMD_MEMORY | CMD_MASTER | CMD_NO_INTX));
}

uint64_t pci_bar_address(const struct pci_fn *f, unsigned bar)
{
	uint32_t lo, hi = 0;

	if (bar > 5)
		return 0;
	lo = pci_read32(f, OFF_BAR0 + 4 * bar);
	if (lo & BAR_IO)
		return 0;
	if ((lo & BAR_TYPE) == BAR_TYPE_64 && bar < 5)
		hi = pci_read32(f, OFF_BAR0 + 4 * (bar + 1));
	return ((uint64_t)hi << 32) | (lo & ~0xfu);
}

/* At most 48 capabilities fit in 256 bytes of configuration space: a
 * longer chain is a loop. */
unsigned pci_find_cap(const struct pci_fn *f, uint8_t id, unsigned after)
{
	unsigned off;

	if (!(pci_read16(f, OFF_STATUS) & STATUS_CAPS))
		return 0;
	off = after ? pci_read8(f, after + 1) : pci_read8(f, OFF_CAP_PTR);
	for (int n = 0; off >= 0x40 && n < 48; n++) {
		off &= 0xfc;
		if (pci_read8(f, off) == id)
			return off;
		off = pci_read8(f, off + 1);
	}
	return 0;
}
