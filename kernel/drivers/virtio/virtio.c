/*
 * The transport-independent part of a virtio 1.x device's life (virtio
 * 1.1, 3.1): reset, feature negotiation, queues, DRIVER_OK; configuration
 * reads that retry until the generation is stable; interrupt bookkeeping;
 * and which driver a device goes to.
 */
#include "../../arch/x86_64/lapic.h"
#include "../../console.h"
#include "../../lib.h"
#include "../net/virtio_net.h"
#include "virtio.h"

static void add_status(struct virtio_dev *d, uint8_t bits)
{
	d->t->set_status(d, (uint8_t)(d->t->get_status(d) | bits));
}

void virtio_fail(struct virtio_dev *d, const char *why)
{
	kprintf("husk: %s: %s\n", d->name, why);
	add_status(d, VIRTIO_STATUS_FAILED);
}

int virtio_has(const struct virtio_dev *d, unsigned feature)
{
	return (d->features >> feature) & 1;
}

/* Writing 0 resets; the device says it is done by reading back 0. */
static int reset(struct virtio_dev *d)
{
	d->t->set_status(d, 0);
	for (int tries = 0; tries < 1000; tries++)
		if (!d->t->get_status(d))
			return 0;
	return -1;
}

int virtio_begin(struct virtio_dev *d, uint64_t wanted)
{
	uint64_t offered;

	if (reset(d)) {
		kprintf("husk: %s: does not reset\n", d->name);
		return -1;
	}
	add_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
	add_status(d, VIRTIO_STATUS_DRIVER);
	offered = d->t->device_features(d);
	if (!((offered >> VIRTIO_F_VERSION_1) & 1)) {
		virtio_fail(d, "a legacy device (no VIRTIO_F_VERSION_1): not supported");
		return -1;
	}
	d->features = offered & (wanted | 1ULL << VIRTIO_F_VERSION_1);
	d->t->set_driver_features(d, d->features);
	add_status(d, VIRTIO_STATUS_FEATURES_OK);
	if (!(d->t->get_status(d) & VIRTIO_STATUS_FEATURES_OK)) {
		virtio_fail(d, "refused the features we chose");
		return -1;
	}
	return 0;
}

static uint16_t power_of_two_below(uint16_t n)
{
	uint16_t p = 1;

	while (p <= n / 2)
		p = (uint16_t)(p * 2);
	return p;
}

int virtio_queue_setup(struct virtio_dev *d, struct virtq *q, uint16_t index,
		       uint16_t max_size)
{
	uint16_t max = d->t->queue_max(d, index), size;

	if (!max) {
		virtio_fail(d, "a queue the driver needs is missing");
		return -1;
	}
	size = power_of_two_below(max < max_size ? max : max_size);
	if (virtq_init(q, index, size, virtio_has(d, VIRTIO_F_EVENT_IDX))) {
		virtio_fail(d, "out of memory for a queue");
		return -1;
	}
	if (d->t->queue_enable(d, q)) {
		virtio_fail(d, "refused a queue");
		virtq_free(q);
		return -1;
	}
	return 0;
}

/* Interrupts need the local APIC on (husk-vmm's MSIs and QEMU's alike);
 * without one the driver polls. */
int virtio_setup_irq(struct virtio_dev *d)
{
	d->has_irq = lapic_init() && !d->t->setup_irq(d);
	return d->has_irq ? 0 : -1;
}

void virtio_ready(struct virtio_dev *d)
{
	add_status(d, VIRTIO_STATUS_DRIVER_OK);
}

void virtio_config_read(struct virtio_dev *d, unsigned off, void *buf,
			unsigned len)
{
	uint8_t *out = buf;
	uint32_t before, after;

	do {
		before = d->t->config_generation(d);
		for (unsigned i = 0; i < len; i++)
			out[i] = d->t->config_byte(d, off + i);
		after = d->t->config_generation(d);
	} while (before != after);
}

void virtio_kick(struct virtio_dev *d, struct virtq *q)
{
	if (virtq_kick_needed(q))
		d->t->notify(d, q);
}

void virtio_interrupt(struct virtio_dev *d, unsigned events)
{
	__atomic_fetch_or(&d->events, events, __ATOMIC_SEQ_CST);
}

unsigned virtio_take_events(struct virtio_dev *d)
{
	return __atomic_exchange_n(&d->events, 0, __ATOMIC_SEQ_CST);
}

int virtio_config_changed(struct virtio_dev *d)
{
	return d->t->config_changed ? d->t->config_changed(d) : 0;
}

void virtio_attach(struct virtio_dev *d)
{
	switch (d->device_id) {
	case VIRTIO_ID_NET:
		virtio_net_attach(d);
		break;
	default:
		kprintf("husk: %s: device type %u has no driver: left alone\n",
			d->name, d->device_id);
	}
}
