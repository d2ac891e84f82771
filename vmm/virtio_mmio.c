/*
 * The virtio-mmio transport, version 2 (virtio 1.1, 4.2.2): one register
 * block per device, reached by the guest as MMIO exits on the vCPU
 * thread. The device's own work happens on its I/O thread; the register
 * state is shared with it under d->lock, held only for one access.
 *
 * The guest is untrusted: only aligned 32-bit accesses reach a register
 * (the configuration space also takes 8- and 16-bit reads, as the spec
 * requires); anything else reads as 0, is ignored when written, and is
 * counted. A queue's rings are checked when it goes ready; a bad one
 * stops the device (DEVICE_NEEDS_RESET), never husk-vmm.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "vmm.h"

#define VIRTIO_MMIO_VENDOR 0x6b737568 /* "husk" */

void virtio_dev_init(struct virtio_dev *d, const char *name, uint32_t id,
		     uint64_t paddr, const struct guest_mem *g,
		     const struct virtio_dev_ops *ops, uint64_t offered,
		     unsigned nqueues)
{
	unsigned i;

	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
	d->name = name;
	d->device_id = id;
	d->paddr = paddr;
	d->g = g;
	d->ops = ops;
	d->offered = offered;
	d->nqueues = nqueues;
	d->irq_fd = -1;
	for (i = 0; i < nqueues; i++)
		virtq_reset(&d->q[i]);
}

int virtio_running(const struct virtio_dev *d)
{
	uint32_t want = VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK;

	return (d->status & want) == want && !d->stopped;
}

void virtio_interrupt(struct virtio_dev *d, uint32_t bits)
{
	uint64_t one = 1;

	d->isr |= bits;
	/* An eventfd write fails only if the counter would overflow, which
	 * takes 2^64 - 1 unread interrupts. */
	if (d->irq_fd >= 0 && write(d->irq_fd, &one, sizeof(one)) < 0 &&
	    errno != EAGAIN)
		d->bad_accesses++;
}

void virtio_stop(struct virtio_dev *d, const char *why)
{
	if (d->stopped)
		return;
	d->stopped = 1;
	d->status |= VIRTIO_STATUS_NEEDS_RESET;
	vmm_msg("%s: %s; device stopped", d->name, why);
	virtio_interrupt(d, VIRTIO_MMIO_INT_CONFIG);
}

/* Status 0: back to the state before the driver first looked. */
static void reset(struct virtio_dev *d)
{
	unsigned i;

	d->status = d->isr = 0;
	d->features = 0;
	d->dev_features_sel = d->drv_features_sel = d->queue_sel = 0;
	d->stopped = 0;
	for (i = 0; i < d->nqueues; i++)
		virtq_reset(&d->q[i]);
}

/* The driver may only accept what we offered, and must speak 1.x. */
static int features_acceptable(const struct virtio_dev *d)
{
	return !(d->features & ~d->offered) &&
	       (d->features & (1ULL << VIRTIO_F_VERSION_1));
}

static void set_status(struct virtio_dev *d, uint32_t v)
{
	uint32_t old = d->status;

	if (!v) {
		reset(d);
		return;
	}
	v &= 0xff & ~VIRTIO_STATUS_NEEDS_RESET;
	/* Refusing FEATURES_OK is how a device says no (3.1.1 step 6). */
	if ((v & VIRTIO_STATUS_FEATURES_OK) &&
	    !(old & VIRTIO_STATUS_FEATURES_OK) && !features_acceptable(d))
		v &= ~VIRTIO_STATUS_FEATURES_OK;
	d->status = v | (old & VIRTIO_STATUS_NEEDS_RESET);
	if (!(old & VIRTIO_STATUS_DRIVER_OK) && virtio_running(d) &&
	    d->ops->start)
		d->ops->start(d);
}

static struct virtq *selected(struct virtio_dev *d)
{
	return d->queue_sel < d->nqueues ? &d->q[d->queue_sel] : NULL;
}

static void set_half(uint64_t *v, uint32_t sel, uint32_t value)
{
	if (sel == 0)
		*v = (*v & ~0xffffffffULL) | value;
	else if (sel == 1)
		*v = (*v & 0xffffffffULL) | ((uint64_t)value << 32);
}

static void queue_ready(struct virtio_dev *d, struct virtq *q, uint32_t v)
{
	if (!v) {
		q->ready = 0;
		return;
	}
	if (q->ready)
		return;
	if (virtq_start(q, d->g, d->features))
		virtio_stop(d, q->err);
}

static int is_queue_reg(uint64_t off)
{
	return off == VIRTIO_MMIO_QUEUE_NUM || off == VIRTIO_MMIO_QUEUE_READY ||
	       (off >= VIRTIO_MMIO_QUEUE_DESC_LOW &&
		off <= VIRTIO_MMIO_QUEUE_DEVICE_HIGH && (off & 0xf) <= 4);
}

/* Queue registers: only while the selected queue is not ready. */
static int write_queue(struct virtio_dev *d, uint64_t off, uint32_t v)
{
	struct virtq *q = selected(d);

	if (!is_queue_reg(off))
		return -1;
	if (!q)
		return 0; /* no such queue: ignored, as the spec allows */
	if (off == VIRTIO_MMIO_QUEUE_READY) {
		queue_ready(d, q, v);
		return 0;
	}
	if (q->ready)
		return 0;
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:       q->num = (uint16_t)(v > 0xffff ? 0 : v); break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:  set_half(&q->desc_pa, 0, v); break;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH: set_half(&q->desc_pa, 1, v); break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:  set_half(&q->avail_pa, 0, v); break;
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH: set_half(&q->avail_pa, 1, v); break;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:  set_half(&q->used_pa, 0, v); break;
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH: set_half(&q->used_pa, 1, v); break;
	default: return -1;
	}
	return 0;
}

static int write_reg(struct virtio_dev *d, uint64_t off, uint32_t v)
{
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL: d->dev_features_sel = v; return 0;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL: d->drv_features_sel = v; return 0;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (!(d->status & VIRTIO_STATUS_FEATURES_OK))
			set_half(&d->features, d->drv_features_sel, v);
		return 0;
	case VIRTIO_MMIO_QUEUE_SEL: d->queue_sel = v; return 0;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		if (v < d->nqueues && d->ops->notify)
			d->ops->notify(d, v);
		return 0;
	case VIRTIO_MMIO_INTERRUPT_ACK: d->isr &= ~v; return 0;
	case VIRTIO_MMIO_STATUS: set_status(d, v); return 0;
	}
	return write_queue(d, off, v);
}

static uint32_t read_reg(struct virtio_dev *d, uint64_t off)
{
	struct virtq *q = selected(d);

	switch (off) {
	case VIRTIO_MMIO_MAGIC:     return VIRTIO_MMIO_MAGIC_VALUE;
	case VIRTIO_MMIO_VERSION:   return 2;
	case VIRTIO_MMIO_DEVICE_ID: return d->device_id;
	case VIRTIO_MMIO_VENDOR_ID: return VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return d->dev_features_sel > 1 ? 0 :
		       (uint32_t)(d->offered >> (32 * d->dev_features_sel));
	case VIRTIO_MMIO_QUEUE_NUM_MAX: return q ? VIRTQ_NUM_MAX : 0;
	case VIRTIO_MMIO_QUEUE_READY:   return q ? (uint32_t)q->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS: return d->isr;
	case VIRTIO_MMIO_STATUS:        return d->status;
	case VIRTIO_MMIO_CONFIG_GENERATION: return 0; /* never changes */
	}
	d->bad_accesses++;
	return 0;
}

/* Fields of 1, 2 or 4 bytes, naturally aligned; past the end reads 0. */
static void read_config(struct virtio_dev *d, uint64_t off, void *data,
			unsigned len)
{
	uint32_t v = 0;

	if ((len != 1 && len != 2 && len != 4) || (off & (len - 1))) {
		d->bad_accesses++;
	} else if (off < d->config_len) {
		uint64_t n = d->config_len - off;
		memcpy(&v, d->config + off, n < len ? n : len);
	}
	memcpy(data, &v, len <= 4 ? len : 4);
	if (len > 4)
		memset((uint8_t *)data + 4, 0, len - 4);
}

void virtio_mmio_read(struct virtio_dev *d, uint64_t off, void *data,
		      unsigned len)
{
	uint32_t v = 0;

	if (len > 8)
		len = 8; /* KVM's mmio.data holds 8 */
	pthread_mutex_lock(&d->lock);
	if (off >= VIRTIO_MMIO_CONFIG) {
		read_config(d, off - VIRTIO_MMIO_CONFIG, data, len);
		pthread_mutex_unlock(&d->lock);
		return;
	}
	if (len == 4 && !(off & 3))
		v = read_reg(d, off);
	else
		d->bad_accesses++;
	pthread_mutex_unlock(&d->lock);
	memset(data, 0, len);
	memcpy(data, &v, len < 4 ? len : 4);
}

void virtio_mmio_write(struct virtio_dev *d, uint64_t off, const void *data,
		       unsigned len)
{
	uint32_t v;

	pthread_mutex_lock(&d->lock);
	/* The network configuration space is read-only. */
	if (off < VIRTIO_MMIO_CONFIG && len == 4 && !(off & 3)) {
		memcpy(&v, data, 4);
		if (write_reg(d, off, v))
			d->bad_accesses++;
	} else {
		d->bad_accesses++;
	}
	pthread_mutex_unlock(&d->lock);
}
