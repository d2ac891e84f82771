/*
 * The virtio-mmio transport (virtio 1.1, 4.2.2): one register block per
 * device, mapped uncached, every access an exit. Interrupts come two ways:
 *  - husk-vmm: edge MSIs through irqfd on a vector of their own. They
 *    carry no cause, and InterruptACK is skipped (another exit): a queue
 *    interrupt is visible in the rings, and InterruptStatus is read only
 *    when the rings show nothing (virtio_config_changed).
 *  - QEMU microvm: a line of the IOAPIC, programmed level-triggered. The
 *    device holds its line up while InterruptStatus is non-zero, so the
 *    handler reads the status and acknowledges exactly those bits before
 *    the EOI; a cause raised in between keeps the line up and the IOAPIC
 *    delivers again after the EOI, where an edge would have been lost.
 */
#include "../../arch/x86_64/ioapic.h"
#include "../../arch/x86_64/lapic.h"
#include "../../console.h"
#include "../../irq.h"
#include "../../lib.h"
#include "../../mm.h"
#include "../../vm.h"
#include "mmio.h"
#include "virtio.h"

struct virtio_mmio {
	struct virtio_dev dev;
	volatile uint8_t *regs;
	struct virtio_mmio_irq irq;
};

static struct virtio_mmio *mmio_of(struct virtio_dev *d)
{
	return (struct virtio_mmio *)d;
}

static uint32_t rd(struct virtio_dev *d, unsigned off)
{
	return *(volatile uint32_t *)(mmio_of(d)->regs + off);
}

static void wr(struct virtio_dev *d, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(mmio_of(d)->regs + off) = v;
}

static uint8_t get_status(struct virtio_dev *d)
{
	return (uint8_t)rd(d, VIRTIO_MMIO_STATUS);
}

static void set_status(struct virtio_dev *d, uint8_t status)
{
	wr(d, VIRTIO_MMIO_STATUS, status);
}

static uint64_t device_features(struct virtio_dev *d)
{
	uint64_t f;

	wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f = (uint64_t)rd(d, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return f | rd(d, VIRTIO_MMIO_DEVICE_FEATURES);
}

static void set_driver_features(struct virtio_dev *d, uint64_t f)
{
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
}

static uint16_t queue_max(struct virtio_dev *d, uint16_t index)
{
	uint32_t max;

	wr(d, VIRTIO_MMIO_QUEUE_SEL, index);
	if (rd(d, VIRTIO_MMIO_QUEUE_READY))
		return 0; /* in use after a reset: not a queue we can take */
	max = rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX);
	return max > VIRTQ_MAX_SIZE ? VIRTQ_MAX_SIZE : (uint16_t)max;
}

static void wr64(struct virtio_dev *d, unsigned low, uint64_t v)
{
	wr(d, low, (uint32_t)v);
	wr(d, low + 4, (uint32_t)(v >> 32));
}

static int queue_enable(struct virtio_dev *d, struct virtq *q)
{
	wr(d, VIRTIO_MMIO_QUEUE_SEL, q->index);
	wr(d, VIRTIO_MMIO_QUEUE_NUM, q->size);
	wr64(d, VIRTIO_MMIO_QUEUE_DESC_LOW, q->desc_pa);
	wr64(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, q->avail_pa);
	wr64(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, q->used_pa);
	wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
	return rd(d, VIRTIO_MMIO_QUEUE_READY) == 1 ? 0 : -1;
}

static void notify(struct virtio_dev *d, struct virtq *q)
{
	wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, q->index);
}

static uint32_t config_generation(struct virtio_dev *d)
{
	return rd(d, VIRTIO_MMIO_CONFIG_GENERATION);
}

static uint8_t config_byte(struct virtio_dev *d, unsigned off)
{
	return mmio_of(d)->regs[VIRTIO_MMIO_CONFIG + off];
}

static unsigned events_of(uint32_t status)
{
	return ((status & VIRTIO_MMIO_INT_VRING) ? VIRTIO_EV_QUEUE : 0) |
	       ((status & VIRTIO_MMIO_INT_CONFIG) ? VIRTIO_EV_CONFIG : 0);
}

/* The IOAPIC line: quiet it before irq_take's EOI. */
static void level_interrupt(void *arg)
{
	struct virtio_dev *d = arg;
	uint32_t status = rd(d, VIRTIO_MMIO_INTERRUPT_STATUS);

	if (status)
		wr(d, VIRTIO_MMIO_INTERRUPT_ACK, status);
	virtio_interrupt(d, events_of(status));
}

static void msi_interrupt(void *arg)
{
	virtio_interrupt(arg, VIRTIO_EV_EITHER);
}

static int config_changed(struct virtio_dev *d)
{
	uint32_t status = rd(d, VIRTIO_MMIO_INTERRUPT_STATUS);

	if (!(status & VIRTIO_MMIO_INT_CONFIG))
		return 0;
	wr(d, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
	return 1;
}

static int setup_irq(struct virtio_dev *d)
{
	const struct virtio_mmio_irq *irq = &mmio_of(d)->irq;
	int vector;

	if (irq->kind == VIRTIO_MMIO_POLLED)
		return -1;
	if (irq->kind == VIRTIO_MMIO_MSI) {
		if (irq_claim(irq->vector, msi_interrupt, d)) {
			kprintf("husk: %s: interrupt vector %#x unusable\n",
				d->name, irq->vector);
			return -1;
		}
		return 0;
	}
	if ((vector = irq_alloc(level_interrupt, d)) < 0) {
		kprintf("husk: %s: no interrupt vector left\n", d->name);
		return -1;
	}
	lapic_mask_lint0();
	return ioapic_route(irq->gsi, (unsigned)vector, 1);
}

static const struct virtio_transport mmio_transport = {
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
	.config_changed = config_changed,
};

int virtio_mmio_probe(uint64_t paddr, uint64_t size,
		      const struct virtio_mmio_irq *irq)
{
	volatile uint8_t *regs;
	struct virtio_mmio *m;
	uint32_t version, id;

	if (size < VIRTIO_MMIO_SIZE ||
	    !(regs = vm_map_io(paddr, VIRTIO_MMIO_SIZE))) {
		kprintf("husk: virtio-mmio@%#lx: cannot map %#lx bytes of "
			"registers\n", paddr, size);
		return -1;
	}
	if (*(volatile uint32_t *)(regs + VIRTIO_MMIO_MAGIC) != VIRTIO_MMIO_MAGIC_VALUE) {
		kprintf("husk: virtio-mmio@%#lx: no virtio-mmio magic\n", paddr);
		return -1;
	}
	version = *(volatile uint32_t *)(regs + VIRTIO_MMIO_VERSION);
	id = *(volatile uint32_t *)(regs + VIRTIO_MMIO_DEVICE_ID);
	if (!id)
		return 0; /* a transport with nothing behind it */
	if (version != 2) {
		kprintf("husk: virtio-mmio@%#lx: register layout version %u; "
			"only 2 (virtio 1.x) is supported (QEMU: -global "
			"virtio-mmio.force-legacy=false)\n", paddr, version);
		return -1;
	}
	m = kcalloc(1, sizeof(*m));
	m->regs = regs;
	m->irq = *irq;
	m->dev.t = &mmio_transport;
	m->dev.device_id = id;
	snprintf(m->dev.name, sizeof(m->dev.name), "virtio-mmio@%#lx", paddr);
	virtio_attach(&m->dev);
	return 0;
}
