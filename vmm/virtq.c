/*
 * The device side of a split virtqueue (virtio 1.1, 2.6), with EVENT_IDX.
 *
 * The rings live in guest memory and the guest runs on another thread
 * while we read them, so nothing in them is trusted or read twice: every
 * index is loaded once into a local, every descriptor is copied out once
 * and checked (address, length, their sum, `next`, chain length) before
 * anything it points at is touched. The ring addresses themselves are
 * checked once, when the queue goes ready, and turned into host pointers.
 *
 * Ordering (x86 is TSO, but the compiler is not): the available index is
 * loaded with acquire before the entries it covers; the used index is
 * stored with release after the entries; a full fence separates "ask to
 * be notified" from "look again", and "publish used" from "read
 * used_event", so that neither side can sleep while the other waits.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmm.h"

static int fail(struct virtq *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct virtq *q, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->err, sizeof(q->err), fmt, ap);
	va_end(ap);
	return -1;
}

void virtq_reset(struct virtq *q)
{
	const char *name = q->name;

	memset(q, 0, sizeof(*q));
	q->name = name;
}

/* [pa, pa + len) inside guest RAM, without overflow. */
static int in_ram(const struct guest_mem *g, uint64_t pa, uint64_t len)
{
	return len <= g->size && pa <= g->size - len;
}

static int check_ring(struct virtq *q, const struct guest_mem *g,
		      const char *what, uint64_t pa, uint64_t len,
		      uint64_t align)
{
	if (pa & (align - 1))
		return fail(q, "%s queue: %s at 0x%llx is not %llu-byte aligned",
			    q->name, what, (unsigned long long)pa,
			    (unsigned long long)align);
	if (!in_ram(g, pa, len))
		return fail(q, "%s queue: %s (0x%llx + %llu) lies outside guest "
			    "memory", q->name, what, (unsigned long long)pa,
			    (unsigned long long)len);
	return 0;
}

int virtq_start(struct virtq *q, const struct guest_mem *g, uint64_t features)
{
	uint16_t n = q->num;

	if (!n || n > VIRTQ_NUM_MAX || (n & (n - 1)))
		return fail(q, "%s queue: size %u is not a power of two up to %u",
			    q->name, n, VIRTQ_NUM_MAX);
	if (check_ring(q, g, "descriptor table", q->desc_pa,
		       VIRTQ_DESC_BYTES(n), VIRTQ_DESC_ALIGN) ||
	    check_ring(q, g, "available ring", q->avail_pa,
		       VIRTQ_AVAIL_BYTES(n), VIRTQ_AVAIL_ALIGN) ||
	    check_ring(q, g, "used ring", q->used_pa, VIRTQ_USED_BYTES(n),
		       VIRTQ_USED_ALIGN))
		return -1;
	q->desc = (struct virtq_desc *)(g->base + q->desc_pa);
	q->avail = (struct virtq_avail *)(g->base + q->avail_pa);
	q->used = (struct virtq_used *)(g->base + q->used_pa);
	q->used_event = &q->avail->ring[n];
	q->avail_event = (uint16_t *)&q->used->ring[n];
	q->event_idx = !!(features & (1ULL << VIRTIO_F_EVENT_IDX));
	q->indirect = !!(features & (1ULL << VIRTIO_F_INDIRECT_DESC));
	/* The driver starts with both indices at 0 (it zeroed the rings). */
	q->last_avail = q->used_idx = q->signalled = 0;
	q->ready = 1;
	return 0;
}

static uint16_t load16(const uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* One copy of descriptor i: the guest may rewrite it while we look. */
static void read_desc(const struct virtq *q, uint16_t i, struct virtq_desc *d)
{
	const struct virtq_desc *s = &q->desc[i];

	d->addr = __atomic_load_n(&s->addr, __ATOMIC_RELAXED);
	d->len = __atomic_load_n(&s->len, __ATOMIC_RELAXED);
	d->flags = __atomic_load_n(&s->flags, __ATOMIC_RELAXED);
	d->next = __atomic_load_n(&s->next, __ATOMIC_RELAXED);
}

static int add_seg(struct virtq *q, const struct guest_mem *g,
		   struct virtq_chain *c, uint16_t i, const struct virtq_desc *d)
{
	int writable = d->flags & VIRTQ_DESC_F_WRITE;
	struct virtq_seg *s = &c->seg[c->nout + c->nin];

	if (d->flags & VIRTQ_DESC_F_INDIRECT)
		return fail(q, "%s descriptor %u is indirect, which the device "
			    "did not offer", q->name, i);
	if (!in_ram(g, d->addr, d->len))
		return fail(q, "%s descriptor %u points outside guest memory "
			    "(0x%llx + %u)", q->name, i,
			    (unsigned long long)d->addr, d->len);
	if (!writable && c->nin)
		return fail(q, "%s descriptor %u is device-readable but follows "
			    "a device-writable one", q->name, i);
	s->p = g->base + d->addr;
	s->len = d->len;
	if (writable) {
		c->nin++;
		c->in_len += d->len;
	} else {
		c->nout++;
		c->out_len += d->len;
	}
	return 0;
}

/* Follows the chain from head; at most num descriptors, so a loop ends. */
static int walk_chain(struct virtq *q, const struct guest_mem *g,
		      uint16_t head, struct virtq_chain *c)
{
	struct virtq_desc d;
	uint16_t i = head;
	unsigned count;

	memset(c, 0, offsetof(struct virtq_chain, seg));
	c->head = head;
	for (count = 0;; count++) {
		if (count == q->num)
			return fail(q, "%s descriptor chain from %u is longer than "
				    "the queue's %u entries (a loop?)", q->name,
				    head, q->num);
		read_desc(q, i, &d);
		if (add_seg(q, g, c, i, &d))
			return -1;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		if (d.next >= q->num)
			return fail(q, "%s descriptor %u: next %u is past the "
				    "queue's %u entries", q->name, i, d.next,
				    q->num);
		i = d.next;
	}
}

int virtq_pop(struct virtq *q, const struct guest_mem *g,
	      struct virtq_chain *c)
{
	uint16_t avail = load16(&q->avail->idx);
	uint16_t waiting = (uint16_t)(avail - q->last_avail);
	uint16_t head;

	if (!waiting)
		return 0;
	if (waiting > q->num)
		return fail(q, "%s available index jumped from %u to %u, more "
			    "than the queue's %u entries", q->name,
			    q->last_avail, avail, q->num);
	head = __atomic_load_n(&q->avail->ring[q->last_avail & (q->num - 1)],
			       __ATOMIC_RELAXED);
	if (head >= q->num)
		return fail(q, "%s available entry %u names descriptor %u, past "
			    "the queue's %u entries", q->name, q->last_avail,
			    head, q->num);
	if (walk_chain(q, g, head, c))
		return -1;
	q->last_avail++;
	return 1;
}

void virtq_unpop(struct virtq *q)
{
	q->last_avail--;
}

void virtq_push(struct virtq *q, uint16_t head, uint32_t len)
{
	struct virtq_used_elem *e = &q->used->ring[q->used_idx & (q->num - 1)];

	__atomic_store_n(&e->id, head, __ATOMIC_RELAXED);
	__atomic_store_n(&e->len, len, __ATOMIC_RELAXED);
	q->used_idx++;
	__atomic_store_n(&q->used->idx, q->used_idx, __ATOMIC_RELEASE);
}

int virtq_must_signal(struct virtq *q)
{
	uint16_t old = q->signalled, now = q->used_idx;

	if (old == now)
		return 0;
	q->signalled = now;
	/* Our used index must be visible before we read what the driver
	 * asked for, or both could miss the other. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!q->event_idx)
		return !(load16(&q->avail->flags) & VIRTQ_AVAIL_F_NO_INTERRUPT);
	return virtq_need_event(load16(q->used_event), now, old);
}

int virtq_notify_on_avail(struct virtq *q)
{
	if (q->event_idx)
		__atomic_store_n(q->avail_event, q->last_avail, __ATOMIC_RELAXED);
	else
		__atomic_store_n(&q->used->flags, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return virtq_has_avail(q);
}

int virtq_has_avail(const struct virtq *q)
{
	return q->ready && load16(&q->avail->idx) != q->last_avail;
}
