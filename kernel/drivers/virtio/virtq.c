/*
 * Split virtqueues, driver side (see virtq.h). The rings live in pages of
 * their own: the descriptor table and the available ring, which only we
 * write, then the used ring, which only the device writes, from a fresh
 * page so the two sides never share a cache line.
 */
#include "../../console.h"
#include "../../lib.h"
#include "../../mm.h"
#include "virtq.h"

#define PAGE 4096u

/* x86 keeps stores in order, and loads: between ring entries and the
 * index that publishes them (or the index that says they are there) a
 * compiler barrier is enough. A store followed by a load of another
 * location (our event index, then the device's ring index) is the one
 * order x86 does not keep: that needs a fence. */
static inline void compiler_barrier(void)
{
	__asm__ volatile("" : : : "memory");
}

static inline void full_fence(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static uint16_t used_idx(const struct virtq *q)
{
	return *(volatile const uint16_t *)&q->used->idx;
}

int virtq_init(struct virtq *q, uint16_t index, uint16_t size, int event_idx)
{
	uint64_t used_off = ALIGN_UP(VIRTQ_DESC_BYTES(size) + VIRTQ_AVAIL_BYTES(size), PAGE);
	uint64_t total = used_off + ALIGN_UP(VIRTQ_USED_BYTES(size), PAGE);
	uint8_t *mem;

	memset(q, 0, sizeof(*q));
	q->mem_pages = (unsigned)(total / PAGE);
	q->mem_pa = pmem_alloc(q->mem_pages);
	q->cookie = heap_alloc(size * sizeof(void *));
	if (!q->mem_pa || !q->cookie) {
		virtq_free(q);
		return -1;
	}
	mem = pmem_to_virt(q->mem_pa);
	memset(mem, 0, total);
	memset(q->cookie, 0, size * sizeof(void *));
	q->desc = (struct virtq_desc *)mem;
	q->avail = (struct virtq_avail *)(mem + VIRTQ_DESC_BYTES(size));
	q->used = (struct virtq_used *)(mem + used_off);
	q->used_event = &q->avail->ring[size];
	q->avail_event = (volatile uint16_t *)&q->used->ring[size];
	q->desc_pa = q->mem_pa;
	q->avail_pa = q->mem_pa + VIRTQ_DESC_BYTES(size);
	q->used_pa = q->mem_pa + used_off;
	for (uint16_t i = 0; i < size; i++)
		q->desc[i].next = (uint16_t)(i + 1);
	q->index = index;
	q->size = size;
	q->num_free = size;
	q->event_idx = event_idx;
	return 0;
}

void virtq_free(struct virtq *q)
{
	if (q->mem_pa)
		pmem_free(q->mem_pa, q->mem_pages);
	if (q->cookie)
		heap_free(q->cookie);
	q->mem_pa = 0;
	q->cookie = 0;
}

int virtq_add(struct virtq *q, const struct virtq_seg *seg, unsigned n,
	      void *cookie)
{
	uint16_t head = q->free_head, i = head;

	if (!n || n > q->num_free || !cookie)
		return -1;
	for (unsigned k = 0; k < n; k++) {
		struct virtq_desc *d = &q->desc[i];

		d->addr = seg[k].pa;
		d->len = seg[k].len;
		d->flags = (uint16_t)((seg[k].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
				      (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		i = d->next; /* the chain is the free list's order */
	}
	q->free_head = i;
	q->num_free = (uint16_t)(q->num_free - n);
	q->cookie[head] = cookie;
	q->avail->ring[q->avail_idx % q->size] = head;
	q->avail_idx++;
	return 0;
}

void virtq_publish(struct virtq *q)
{
	compiler_barrier(); /* the entries before the index */
	*(volatile uint16_t *)&q->avail->idx = q->avail_idx;
}

int virtq_kick_needed(struct virtq *q)
{
	uint16_t old = q->kicked_idx, now = q->avail_idx;

	full_fence(); /* our avail->idx store before reading its wish */
	q->kicked_idx = now;
	if (q->event_idx)
		return virtq_need_event(*q->avail_event, now, old);
	return now != old &&
	       !(*(volatile uint16_t *)&q->used->flags & VIRTQ_USED_F_NO_NOTIFY);
}

/* Puts the chain at head back on the free list. */
static void free_chain(struct virtq *q, uint16_t head)
{
	uint16_t i = head, n = 1;

	while ((q->desc[i].flags & VIRTQ_DESC_F_NEXT) && n < q->size) {
		i = q->desc[i].next;
		n++;
	}
	q->desc[i].next = q->free_head;
	q->free_head = head;
	q->num_free = (uint16_t)(q->num_free + n);
	q->cookie[head] = 0;
}

int virtq_has_used(const struct virtq *q)
{
	return q->last_used != used_idx(q);
}

void *virtq_take_used(struct virtq *q, uint32_t *len)
{
	while (virtq_has_used(q)) {
		struct virtq_used_elem *e = &q->used->ring[q->last_used % q->size];
		uint32_t id, n;
		void *cookie;

		compiler_barrier(); /* the entry after the index */
		id = e->id;
		n = e->len;
		q->last_used++;
		if (id >= q->size || !(cookie = q->cookie[id])) {
			kprintf("husk: virtio: queue %u: the device returned "
				"descriptor %u, which it does not hold\n",
				q->index, id);
			continue;
		}
		free_chain(q, (uint16_t)id);
		if (len)
			*len = n;
		return cookie;
	}
	return 0;
}

int virtq_arm(struct virtq *q)
{
	if (q->event_idx)
		*q->used_event = q->last_used;
	else
		*(volatile uint16_t *)&q->avail->flags = 0;
	full_fence(); /* the wish stored before the device's index is read */
	return virtq_has_used(q);
}

/* With EVENT_IDX: an event index just behind what the device has passed
 * is the farthest one away, 65535 entries on. */
void virtq_quiet(struct virtq *q)
{
	if (q->event_idx)
		*q->used_event = (uint16_t)(q->last_used - 1);
	else
		*(volatile uint16_t *)&q->avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
}
