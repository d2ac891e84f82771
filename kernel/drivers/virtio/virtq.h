/*
 * Split virtqueues, the driver's side (virtio 1.1, 2.6): descriptors,
 * available and used rings in page-allocator memory that the device reads
 * and writes by guest-physical address. With VIRTIO_F_EVENT_IDX, each side
 * tells the other where it wants to be signalled (used_event,
 * avail_event) instead of turning signals on and off with flags.
 */
#ifndef KERNEL_DRIVERS_VIRTIO_VIRTQ_H
#define KERNEL_DRIVERS_VIRTIO_VIRTQ_H

#include <stdint.h>
#include <husk/virtio.h>

/* One buffer of a chain: guest-physical address, length, and whether the
 * device writes it (receive) or reads it (transmit). */
struct virtq_seg {
	uint64_t pa;
	uint32_t len;
	int device_writes;
};

struct virtq {
	uint16_t index;      /* the queue's number on its device */
	uint16_t size;       /* entries */
	uint16_t num_free;   /* free descriptors */
	uint16_t free_head;  /* first of them, chained through next */
	uint16_t avail_idx;  /* our avail->idx, published or not */
	uint16_t kicked_idx; /* avail->idx when the device was last notified */
	uint16_t last_used;  /* the next used entry to take */
	int event_idx;
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	volatile uint16_t *used_event;  /* ours, after the available ring */
	volatile uint16_t *avail_event; /* the device's, after the used ring */
	uint64_t desc_pa, avail_pa, used_pa;
	uint64_t mem_pa;
	unsigned mem_pages;
	void **cookie;       /* per head: what the caller gave virtq_add */
};

/* Memory for a queue of size entries (a power of two). 0, or -1 when
 * memory is out. */
int virtq_init(struct virtq *q, uint16_t index, uint16_t size, int event_idx);
void virtq_free(struct virtq *q);

/* A chain of n buffers, placed in the available ring but not yet seen by
 * the device (virtq_publish): 0, or -1 when descriptors are short. */
int virtq_add(struct virtq *q, const struct virtq_seg *seg, unsigned n,
	      void *cookie);
/* Makes what virtq_add placed visible to the device. */
void virtq_publish(struct virtq *q);
/* After publishing: 1 when the device asked to be notified of it (its
 * avail_event), and from then on counts it as notified. */
int virtq_kick_needed(struct virtq *q);

/* The next chain the device has finished with: its cookie (and *len, the
 * bytes it wrote), its descriptors freed; NULL when there is none. */
void *virtq_take_used(struct virtq *q, uint32_t *len);
int virtq_has_used(const struct virtq *q);

/* Interrupt at the next used entry. Returns 1 when one came in while
 * arming, so that the caller polls again rather than sleeps. */
int virtq_arm(struct virtq *q);
/* No interrupts for this queue until virtq_arm (the caller polls it). */
void virtq_quiet(struct virtq *q);

#endif
