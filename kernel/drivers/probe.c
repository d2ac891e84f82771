/*
 * Finding devices. husk-vmm lists its own in the boot info. On the PVH
 * machines the guest looks: QEMU microvm names its virtio-mmio devices in
 * words it appends to the command line (kernel/main.c keeps them out of
 * the program's arguments), and q35/pc have a PCI bus 0 to scan.
 */
#include <husk/bootinfo.h>
#include "../console.h"
#include "../lib.h"
#include "../platform.h"
#include "drivers.h"
#include "pci/pci.h"
#include "virtio/mmio.h"
#include "virtio/pci_modern.h"

#define WORD_PREFIX "virtio_mmio.device="

extern char *husk_device_words[]; /* kernel/main.c */

static void boot_info_devices(void)
{
	uint32_t n = boot_info->ndev;

	if (n > HUSK_MAX_DEVICES) {
		kprintf("husk: boot info lists %u devices; only %u are read\n",
			n, HUSK_MAX_DEVICES);
		n = HUSK_MAX_DEVICES;
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct husk_device *d = &boot_info->dev[i];
		struct virtio_mmio_irq irq = {
			.kind = VIRTIO_MMIO_MSI, .vector = d->vector,
		};

		if (d->kind != HUSK_DEV_VIRTIO_MMIO) {
			kprintf("husk: boot info device %u: unknown kind %u\n",
				i, d->kind);
			continue;
		}
		/* husk-vmm has no IOAPIC: without an MSI, the driver polls. */
		if (!(d->flags & HUSK_DEVF_MSI) || !d->vector)
			irq.kind = VIRTIO_MMIO_POLLED;
		virtio_mmio_probe(d->paddr, d->size, &irq);
	}
}

/* A number as Linux's memparse reads it: decimal or 0x-hex, with an
 * optional K, M or G suffix when `suffix`. NULL when there is none. */
static const char *number(const char *s, uint64_t *v, int suffix)
{
	unsigned base = 10;
	const char *start;

	*v = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (start = s;; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (unsigned)((*s | 0x20) - 'a' + 10);
		else
			break;
		if (*v > (UINT64_MAX - d) / base)
			return 0;
		*v = *v * base + d;
	}
	if (s == start)
		return 0;
	if (suffix && (*s == 'K' || *s == 'k' || *s == 'M' || *s == 'G')) {
		*v <<= *s == 'G' ? 30 : *s == 'M' ? 20 : 10;
		s++;
	}
	return s;
}

/* SIZE@ADDR:IRQ[:ID] */
static int parse_word(const char *w, uint64_t *size, uint64_t *addr,
		      uint64_t *irq)
{
	const char *s = w + sizeof(WORD_PREFIX) - 1;

	if (!(s = number(s, size, 1)) || *s++ != '@' ||
	    !(s = number(s, addr, 0)) || *s++ != ':' ||
	    !(s = number(s, irq, 0)))
		return -1;
	if (*s == ':') {
		uint64_t id;
		if (!(s = number(s + 1, &id, 0)))
			return -1;
	}
	return *s ? -1 : 0;
}

static void command_line_devices(void)
{
	for (char **w = husk_device_words; *w; w++) {
		uint64_t size, addr, irq;
		struct virtio_mmio_irq how = { .kind = VIRTIO_MMIO_IOAPIC };

		if (parse_word(*w, &size, &addr, &irq) || irq > 255) {
			kprintf("husk: %s: not SIZE@ADDRESS:IRQ: ignored\n", *w);
			continue;
		}
		how.gsi = (unsigned)irq;
		virtio_mmio_probe(addr, size, &how);
	}
}

static void pci_function_found(const struct pci_fn *f)
{
	virtio_pci_probe(f);
}

void drivers_probe(void)
{
	if (boot_info->platform == HUSK_PLATFORM_VMM) {
		boot_info_devices();
		return;
	}
	command_line_devices();
	pci_scan(pci_function_found);
}
