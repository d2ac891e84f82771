/*
 * A virtio device as drivers see it, whatever its transport
 * (virtio-mmio: mmio.c; virtio-pci modern: pci.c): status and feature
 * negotiation, queues, configuration space, interrupts. Drivers
 * (kernel/drivers/net/) use only this.
 */
#ifndef KERNEL_DRIVERS_VIRTIO_VIRTIO_H
#define KERNEL_DRIVERS_VIRTIO_VIRTIO_H

#include <stdint.h>
#include <husk/virtio.h>
#include "virtq.h"

/* What an interrupt said happened (struct virtio_dev.events). */
#define VIRTIO_EV_QUEUE  1u /* a queue has used entries */
#define VIRTIO_EV_CONFIG 2u /* the configuration space changed */
/* An interrupt that cannot tell which (an MSI on a transport with one
 * vector): virtio_config_changed says, at the cost of a register read. */
#define VIRTIO_EV_EITHER 4u

struct virtio_dev;

struct virtio_transport {
	uint8_t (*get_status)(struct virtio_dev *d);
	void (*set_status)(struct virtio_dev *d, uint8_t status);
	uint64_t (*device_features)(struct virtio_dev *d);
	void (*set_driver_features)(struct virtio_dev *d, uint64_t features);
	/* Largest size of queue index; 0 when the device has no such queue. */
	uint16_t (*queue_max)(struct virtio_dev *d, uint16_t index);
	/* Tells the device where q's rings are and enables it: 0 or -1. */
	int (*queue_enable)(struct virtio_dev *d, struct virtq *q);
	void (*notify)(struct virtio_dev *d, struct virtq *q);
	uint32_t (*config_generation)(struct virtio_dev *d);
	uint8_t (*config_byte)(struct virtio_dev *d, unsigned off);
	/* Routes the device's interrupts to virtio_interrupt: 0, or -1 when
	 * it has none we can take (the driver then polls). */
	int (*setup_irq)(struct virtio_dev *d);
	/* Whether the configuration changed since last asked (for
	 * VIRTIO_EV_EITHER); acknowledges it. */
	int (*config_changed)(struct virtio_dev *d);
};

struct virtio_dev {
	const struct virtio_transport *t;
	uint32_t device_id;      /* VIRTIO_ID_* */
	uint64_t features;       /* negotiated */
	char name[48];           /* for messages: "virtio-mmio@0xfeb00000" */
	volatile unsigned events; /* VIRTIO_EV_*, from interrupts */
	int has_irq;             /* setup_irq succeeded */
};

/* Reset, ACKNOWLEDGE and DRIVER, then the features both sides have out of
 * `wanted` (VERSION_1 is required), FEATURES_OK. 0, or -1 after saying
 * why (the device is then marked FAILED). */
int virtio_begin(struct virtio_dev *d, uint64_t wanted);
/* Queue index with at most max_size entries (rounded down to the largest
 * power of two the device allows), enabled. 0 or -1 as above. */
int virtio_queue_setup(struct virtio_dev *d, struct virtq *q, uint16_t index,
		       uint16_t max_size);
/* Interrupts (before virtio_ready): 0, or -1 when the driver must poll. */
int virtio_setup_irq(struct virtio_dev *d);
/* DRIVER_OK: the device may start using the queues. */
void virtio_ready(struct virtio_dev *d);
void virtio_fail(struct virtio_dev *d, const char *why);

int virtio_has(const struct virtio_dev *d, unsigned feature);
/* len bytes of configuration space from off, consistent (generation). */
void virtio_config_read(struct virtio_dev *d, unsigned off, void *buf,
			unsigned len);
/* Notifies the device of q's new entries when it asked to hear. */
void virtio_kick(struct virtio_dev *d, struct virtq *q);

/* Transports' interrupt handlers record what happened... */
void virtio_interrupt(struct virtio_dev *d, unsigned events);
/* ...and the driver takes it, from net_poll. */
unsigned virtio_take_events(struct virtio_dev *d);
int virtio_config_changed(struct virtio_dev *d);

/* A device a transport found: handed to its driver (by device type). */
void virtio_attach(struct virtio_dev *d);

#endif
