/*
 * The virtio-pci transport, modern interface (virtio 1.1, 4.1): vendor
 * capabilities point into the BARs at the common configuration, the
 * notification area, the ISR byte and the device's own configuration;
 * each region is mapped uncached. Interrupts are MSI-X, two vectors: one
 * for configuration changes, one shared by the queues, so the cause is
 * known without reading the ISR (which would cost an exit).
 */
#include "../../console.h"
#include "../../irq.h"
#include "../../lib.h"
#include "../../mm.h"
#include "../../vm.h"
#include "pci_modern.h"
#include "virtio.h"

#define VIRTIO_PCI_VENDOR 0x1af4
#define DEVICE_MODERN_BASE 0x1040 /* + the device type */
#define DEVICE_TRANSITIONAL_FIRST 0x1000
#define DEVICE_TRANSITIONAL_LAST 0x103f
#define OFF_SUBSYSTEM 0x2e        /* transitional: the device type */

/* struct virtio_pci_cap, from its capability's start. */
#define CAP_CFG_TYPE 3
#define CAP_BAR      4
#define CAP_OFFSET   8
#define CAP_LENGTH   12
#define CAP_NOTIFY_MULTIPLIER 16
#define CFG_COMMON 1
#define CFG_NOTIFY 2
#define CFG_ISR    3
#define CFG_DEVICE 4

/* The common configuration structure. */
#define COMMON_DFSELECT   0x00
#define COMMON_DF         0x04
#define COMMON_GFSELECT   0x08
#define COMMON_GF         0x0c
#define COMMON_MSIX       0x10
#define COMMON_STATUS     0x14
#define COMMON_GENERATION 0x15
#define COMMON_Q_SELECT   0x16
#define COMMON_Q_SIZE     0x18
#define COMMON_Q_MSIX     0x1a
#define COMMON_Q_ENABLE   0x1c
#define COMMON_Q_NOFF     0x1e
#define COMMON_Q_DESC     0x20
#define COMMON_Q_DRIVER   0x28
#define COMMON_Q_DEVICE   0x30
#define NO_VECTOR 0xffff

#define MSIX_CONFIG_ENTRY 0
#define MSIX_QUEUE_ENTRY  1
#define MAX_QUEUES 8

struct virtio_pci {
	struct virtio_dev dev;
	struct pci_fn fn;
	volatile uint8_t *common, *device, *notify;
	uint32_t notify_multiplier;
	volatile uint16_t *notify_at[MAX_QUEUES];
	struct pci_msix msix;
};

static struct virtio_pci *vp_of(struct virtio_dev *d)
{
	return (struct virtio_pci *)d;
}

static volatile uint8_t *c8(struct virtio_dev *d, unsigned off)
{
	return vp_of(d)->common + off;
}

#define C16(d, off) (*(volatile uint16_t *)c8(d, off))
#define C32(d, off) (*(volatile uint32_t *)c8(d, off))

static uint8_t get_status(struct virtio_dev *d)
{
	return *c8(d, COMMON_STATUS);
}

static void set_status(struct virtio_dev *d, uint8_t status)
{
	*c8(d, COMMON_STATUS) = status;
}

static uint64_t device_features(struct virtio_dev *d)
{
	uint64_t f;

	C32(d, COMMON_DFSELECT) = 1;
	f = (uint64_t)C32(d, COMMON_DF) << 32;
	C32(d, COMMON_DFSELECT) = 0;
	return f | C32(d, COMMON_DF);
}

static void set_driver_features(struct virtio_dev *d, uint64_t f)
{
	C32(d, COMMON_GFSELECT) = 1;
	C32(d, COMMON_GF) = (uint32_t)(f >> 32);
	C32(d, COMMON_GFSELECT) = 0;
	C32(d, COMMON_GF) = (uint32_t)f;
}

static uint16_t queue_max(struct virtio_dev *d, uint16_t index)
{
	if (index >= MAX_QUEUES)
		return 0;
	C16(d, COMMON_Q_SELECT) = index;
	return C16(d, COMMON_Q_SIZE);
}

/* 64-bit fields as two 32-bit writes, low first. */
static void c64(struct virtio_dev *d, unsigned off, uint64_t v)
{
	C32(d, off) = (uint32_t)v;
	C32(d, off + 4) = (uint32_t)(v >> 32);
}

static int queue_enable(struct virtio_dev *d, struct virtq *q)
{
	struct virtio_pci *vp = vp_of(d);
	uint32_t noff;

	C16(d, COMMON_Q_SELECT) = q->index;
	C16(d, COMMON_Q_SIZE) = q->size;
	if (d->has_irq) {
		C16(d, COMMON_Q_MSIX) = MSIX_QUEUE_ENTRY;
		if (C16(d, COMMON_Q_MSIX) == NO_VECTOR)
			return -1;
	}
	c64(d, COMMON_Q_DESC, q->desc_pa);
	c64(d, COMMON_Q_DRIVER, q->avail_pa);
	c64(d, COMMON_Q_DEVICE, q->used_pa);
	noff = C16(d, COMMON_Q_NOFF);
	vp->notify_at[q->index] =
		(volatile uint16_t *)(vp->notify + noff * vp->notify_multiplier);
	C16(d, COMMON_Q_ENABLE) = 1;
	return 0;
}

static void notify(struct virtio_dev *d, struct virtq *q)
{
	*vp_of(d)->notify_at[q->index] = q->index;
}

static uint32_t config_generation(struct virtio_dev *d)
{
	return *c8(d, COMMON_GENERATION);
}

static uint8_t config_byte(struct virtio_dev *d, unsigned off)
{
	return vp_of(d)->device[off];
}

static void config_interrupt(void *arg)
{
	virtio_interrupt(arg, VIRTIO_EV_CONFIG);
}

static void queue_interrupt(void *arg)
{
	virtio_interrupt(arg, VIRTIO_EV_QUEUE);
}

static int setup_irq(struct virtio_dev *d)
{
	struct virtio_pci *vp = vp_of(d);
	int vconfig, vqueue;

	if (pci_msix_init(&vp->msix, &vp->fn) || vp->msix.entries < 2) {
		kprintf("husk: %s: no usable MSI-X: polling instead\n", d->name);
		return -1;
	}
	vconfig = irq_alloc(config_interrupt, d);
	vqueue = irq_alloc(queue_interrupt, d);
	if (vconfig < 0 || vqueue < 0) {
		kprintf("husk: %s: no interrupt vector left\n", d->name);
		return -1;
	}
	pci_msix_route(&vp->msix, MSIX_CONFIG_ENTRY, (unsigned)vconfig);
	pci_msix_route(&vp->msix, MSIX_QUEUE_ENTRY, (unsigned)vqueue);
	pci_msix_enable(&vp->msix);
	C16(d, COMMON_MSIX) = MSIX_CONFIG_ENTRY;
	return C16(d, COMMON_MSIX) == MSIX_CONFIG_ENTRY ? 0 : -1;
}

static const struct virtio_transport pci_transport = {
	.get_status = get_status,
	.set_status = set_status,
	.device_features = device_features,
	.set_driver_features = set_driver_features,
	.queue_max = queue_max,
	.queue_enable = queue_enable,
	.notify = notify,
	.config_generation = config_generation,
	.config_byte = config_byte,
	.setup_irq = setup_irq,
};

/* The virtio device type of f, or 0 when f is not a virtio device. */
static uint32_t device_type(const struct pci_fn *f)
{
	if (f->vendor != VIRTIO_PCI_VENDOR)
		return 0;
	if (f->device >= DEVICE_MODERN_BASE)
		return f->device - DEVICE_MODERN_BASE;
	if (f->device >= DEVICE_TRANSITIONAL_FIRST &&
	    f->device <= DEVICE_TRANSITIONAL_LAST)
		return pci_read16(f, OFF_SUBSYSTEM);
	return 0;
}

/* The region a capability points at, mapped; NULL when it cannot be. */
static volatile uint8_t *map_cap(const struct pci_fn *f, unsigned cap)
{
	uint64_t bar = pci_bar_address(f, pci_read8(f, cap + CAP_BAR));
	uint32_t off = pci_read32(f, cap + CAP_OFFSET);
	uint32_t len = pci_read32(f, cap + CAP_LENGTH);

	if (!bar || !len)
		return 0;
	return vm_map_io(bar + off, len);
}

/* The first capability of each kind we use, mapped. */
static int map_caps(struct virtio_pci *vp)
{
	const struct pci_fn *f = &vp->fn;

	for (unsigned cap = 0; (cap = pci_find_cap(f, PCI_CAP_VENDOR, cap));) {
		switch (pci_read8(f, cap + CAP_CFG_TYPE)) {
		case CFG_COMMON:
			if (!vp->common)
				vp->common = map_cap(f, cap);
			break;
		case CFG_DEVICE:
			if (!vp->device)
				vp->device = map_cap(f, cap);
			break;
		case CFG_NOTIFY:
			if (!vp->notify) {
				vp->notify = map_cap(f, cap);
				vp->notify_multiplier =
					pci_read32(f, cap + CAP_NOTIFY_MULTIPLIER);
			}
			break;
		}
	}
	return vp->common && vp->device && vp->notify ? 0 : -1;
}

int virtio_pci_probe(const struct pci_fn *f)
{
	uint32_t type = device_type(f);
	struct virtio_pci *vp;

	if (!type)
		return 0;
	vp = kcalloc(1, sizeof(*vp));
	vp->fn = *f;
	vp->dev.t = &pci_transport;
	vp->dev.device_id = type;
	snprintf(vp->dev.name, sizeof(vp->dev.name), "virtio-pci@%02x:%02x.%x",
		 f->bus, f->dev, f->fn);
	pci_enable(f);
	if (map_caps(vp)) {
		kprintf("husk: %s: no modern virtio-pci interface (common, "
			"notify and device regions); legacy devices are not "
			"supported (QEMU: disable-legacy=on)\n", vp->dev.name);
		heap_free(vp);
		return -1;
	}
	virtio_attach(&vp->dev);
	return 1;
}
