/*
 * The driver side of split virtqueues (kernel/drivers/virtio/virtq.c),
 * compiled for the host against the real page allocator over a buffer
 * that plays guest RAM. The test plays the device: it takes chains from
 * the available ring, returns them in the used ring, and decides by the
 * event indexes, as virtio 1.1 (2.6.7, 2.6.10) says a device must, when
 * it would interrupt and when the driver must notify it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "../../kernel/mm.h"
#include "../../kernel/drivers/virtio/virtq.h"

#define MIB (1024 * 1024ULL)
#define RAM_BASE (1 * MIB)
#define RAM_SIZE (4 * MIB)

static unsigned char *ram;
static int messages;

void panic(const char *fmt, ...)
{
	(void)fmt;
	abort();
}

int kprintf(const char *fmt, ...)
{
	(void)fmt;
	return ++messages;
}

/* The device's side of one queue. */
struct device {
	struct virtq *q;
	uint16_t last_avail;  /* next available entry it takes */
	uint16_t signalled;   /* its used index when it last decided */
};

static void *pa_to_ptr(uint64_t pa)
{
	return pmem_to_virt(pa);
}

/* The next chain the driver offered: its head, or -1. */
static int device_take(struct device *d)
{
	struct virtq_avail *avail = pa_to_ptr(d->q->avail_pa);
	uint16_t head;

	if (d->last_avail == avail->idx)
		return -1;
	head = avail->ring[d->last_avail % d->q->size];
	d->last_avail++;
	return head;
}

/* Returns head with len bytes written; 1 when the driver asked for an
 * interrupt at this point (used_event), as the device computes it. */
static int device_return(struct device *d, uint16_t head, uint32_t len)
{
	struct virtq_used *used = pa_to_ptr(d->q->used_pa);
	struct virtq_avail *avail = pa_to_ptr(d->q->avail_pa);
	uint16_t old = d->signalled, event = avail->ring[d->q->size]; /* used_event */

	used->ring[used->idx % d->q->size].id = head;
	used->ring[used->idx % d->q->size].len = len;
	used->idx++;
	d->signalled = used->idx;
	return virtq_need_event(event, used->idx, old);
}

/* The device wants a notification when the driver passes its index. */
static void device_wants_kick(struct device *d)
{
	*d->q->avail_event = d->last_avail;
}

static void setup_ram(void)
{
	struct husk_mem_region mem = { RAM_BASE, RAM_SIZE, HUSK_MEM_RAM, 0 };

	ram = aligned_alloc(4096, RAM_SIZE);
	memset(ram, 0x5a, RAM_SIZE);
	pmem_init(&mem, 1, 0, 0, (uintptr_t)ram - RAM_BASE);
}

static void test_layout(void)
{
	struct virtq q;

	CHECK("init: 256 entries", virtq_init(&q, 3, 256, 1) == 0);
	CHECK("init: all descriptors free", q.num_free == 256 && q.size == 256);
	CHECK("init: rings where the driver reads them",
	      pa_to_ptr(q.desc_pa) == (void *)q.desc &&
	      pa_to_ptr(q.avail_pa) == (void *)q.avail &&
	      pa_to_ptr(q.used_pa) == (void *)q.used);
	CHECK("init: available ring right after the descriptors, aligned",
	      q.avail_pa == q.desc_pa + VIRTQ_DESC_BYTES(256) &&
	      q.avail_pa % VIRTQ_AVAIL_ALIGN == 0);
	CHECK("init: used ring on a page of its own",
	      q.used_pa % 4096 == 0 &&
	      q.used_pa >= q.avail_pa + VIRTQ_AVAIL_BYTES(256));
	CHECK("init: rings zeroed", q.avail->idx == 0 && q.used->idx == 0 &&
	      q.avail->flags == 0 && *q.used_event == 0);
	virtq_free(&q);
}

static void test_chain(void)
{
	struct virtq q;
	struct device d = { &q, 0, 0 };
	struct virtq_seg seg[3] = {
		{ 0x100000, 12, 0 }, { 0x200000, 100, 0 }, { 0x300000, 1514, 1 },
	};
	int cookie = 7, head, ok = 1;
	uint32_t len = 0;
	uint16_t i;

	virtq_init(&q, 0, 8, 1);
	CHECK("add: a 3-buffer chain", virtq_add(&q, seg, 3, &cookie) == 0);
	CHECK("add: 3 descriptors taken", q.num_free == 5);
	CHECK("add: the device sees nothing before publish", device_take(&d) < 0);
	virtq_publish(&q);
	head = device_take(&d);
	CHECK("publish: the device sees the chain", head >= 0);
	i = (uint16_t)head;
	for (unsigned k = 0; k < 3; k++) {
		uint16_t want = (uint16_t)((k < 2 ? VIRTQ_DESC_F_NEXT : 0) |
					   (seg[k].device_writes ? VIRTQ_DESC_F_WRITE : 0));
		ok &= q.desc[i].addr == seg[k].pa && q.desc[i].len == seg[k].len &&
		      q.desc[i].flags == want;
		i = q.desc[i].next;
	}
	CHECK("add: addresses, lengths, NEXT and WRITE flags in chain order", ok);
	CHECK("take: nothing used yet", virtq_take_used(&q, &len) == NULL);
	device_return(&d, (uint16_t)head, 1514);
	CHECK("take: the cookie and the length written",
	      virtq_take_used(&q, &len) == &cookie && len == 1514);
	CHECK("take: the chain's descriptors are free again", q.num_free == 8);
	CHECK("add: refused beyond the free descriptors",
	      virtq_add(&q, seg, 3, &cookie) == 0 &&
	      virtq_add(&q, seg, 3, &cookie) == 0 &&
	      virtq_add(&q, seg, 3, &cookie) == -1 && q.num_free == 2);
	virtq_free(&q);
}

static void test_bad_id(void)
{
	struct virtq q;
	struct device d = { &q, 0, 0 };
	struct virtq_seg seg = { 0x100000, 64, 1 };
	int a = 1, head;
	uint32_t len;

	virtq_init(&q, 0, 4, 1);
	virtq_add(&q, &seg, 1, &a);
	virtq_publish(&q);
	head = device_take(&d);
	messages = 0;
	device_return(&d, 9, 10);              /* beyond the ring */
	device_return(&d, (uint16_t)(head + 1), 10); /* not in flight */
	device_return(&d, (uint16_t)head, 64);
	CHECK("take: ids the device does not hold are skipped, with a message",
	      virtq_take_used(&q, &len) == &a && len == 64 && messages == 2);
	CHECK("take: and the free count is not corrupted", q.num_free == 4);
	virtq_free(&q);
}

static void test_kick(void)
{
	struct virtq q;
	struct device d = { &q, 0, 0 };
	struct virtq_seg seg = { 0x100000, 64, 1 };
	int a = 1;

	virtq_init(&q, 0, 8, 1);
	device_wants_kick(&d); /* avail_event 0: the first entry */
	virtq_add(&q, &seg, 1, &a);
	virtq_add(&q, &seg, 1, &a);
	virtq_publish(&q);
	CHECK("kick: needed when the device waits at the first entry",
	      virtq_kick_needed(&q));
	CHECK("kick: not again for the same entries", !virtq_kick_needed(&q));
	/* The device is busy taking entries and asks for nothing more until
	 * it has caught up past index 5. */
	device_take(&d);
	*q.avail_event = 5;
	virtq_add(&q, &seg, 1, &a);
	virtq_publish(&q);
	CHECK("kick: not needed while the device has not reached its event",
	      !virtq_kick_needed(&q));
	virtq_add(&q, &seg, 1, &a);
	virtq_add(&q, &seg, 1, &a);
	virtq_add(&q, &seg, 1, &a);
	virtq_publish(&q);
	CHECK("kick: needed once the new entries pass the device's event",
	      virtq_kick_needed(&q));
	virtq_free(&q);

	virtq_init(&q, 0, 8, 0); /* without EVENT_IDX: the used ring's flag */
	virtq_add(&q, &seg, 1, &a);
	virtq_publish(&q);
	q.used->flags = VIRTQ_USED_F_NO_NOTIFY;
	CHECK("kick: no EVENT_IDX, NO_NOTIFY set: none", !virtq_kick_needed(&q));
	q.used->flags = 0;
	virtq_add(&q, &seg, 1, &a);
	virtq_publish(&q);
	CHECK("kick: no EVENT_IDX, flag clear: needed", virtq_kick_needed(&q));
	virtq_free(&q);
}

static void test_interrupts(void)
{
	struct virtq q;
	struct device d = { &q, 0, 0 };
	struct virtq_seg seg = { 0x100000, 64, 1 };
	int a = 1, h[4];
	uint32_t len;

	virtq_init(&q, 0, 8, 1);
	for (int i = 0; i < 4; i++)
		virtq_add(&q, &seg, 1, &a);
	virtq_publish(&q);
	for (int i = 0; i < 4; i++)
		h[i] = device_take(&d);
	CHECK("arm: nothing pending, so sleep", virtq_arm(&q) == 0);
	CHECK("arm: the device interrupts at the next used entry",
	      device_return(&d, (uint16_t)h[0], 1) == 1);
	CHECK("arm: ...and not for the ones after it (poll while busy)",
	      device_return(&d, (uint16_t)h[1], 1) == 0);
	virtq_take_used(&q, &len);
	virtq_take_used(&q, &len);
	CHECK("arm: again once drained", virtq_arm(&q) == 0);
	device_return(&d, (uint16_t)h[2], 1);
	/* An entry that arrived between the last take and the arm: the
	 * interrupt may already have gone, so arm says to poll once more. */
	CHECK("arm: an entry already there is reported", virtq_arm(&q) == 1);
	virtq_take_used(&q, &len);
	virtq_quiet(&q);
	CHECK("quiet: no interrupt for the next used entry",
	      device_return(&d, (uint16_t)h[3], 1) == 0);
	virtq_free(&q);
}

/* Indexes are 16 bits and wrap: run past the wrap twice. */
static void test_wrap(void)
{
	struct virtq q;
	struct device d = { &q, 0, 0 };
	struct virtq_seg seg = { 0x100000, 64, 1 };
	static int cookies[8];
	int ok = 1, head, interrupts = 0;
	uint32_t len;

	virtq_init(&q, 0, 8, 1);
	for (long n = 0; n < 140000 && ok; n++) {
		int *c = &cookies[n % 8];
		*c = (int)n;
		ok &= virtq_add(&q, &seg, 1, c) == 0;
		virtq_publish(&q);
		head = device_take(&d);
		ok &= head >= 0;
		virtq_arm(&q);
		interrupts += device_return(&d, (uint16_t)head, (uint32_t)n);
		c = virtq_take_used(&q, &len);
		ok &= c && *c == (int)n && len == (uint32_t)n && q.num_free == 8;
	}
	CHECK("wrap: 140000 round trips across the 16-bit index wrap", ok);
	CHECK("wrap: one interrupt per round trip while armed",
	      interrupts == 140000);
	virtq_free(&q);
}

int main(void)
{
	setup_ram();
	test_layout();
	test_chain();
	test_bad_id();
	test_kick();
	test_interrupts();
	test_wrap();
	return CHECK_DONE();
}
