/*
 * vmm/virtq.c against crafted rings in a malloc'd "guest memory": a good
 * chain goes through; loops, descriptors outside memory (plain, wrapping
 * past 2^64, 4 GiB long), index jumps, bad `next` and head values,
 * indirect descriptors nobody offered and misplaced rings are each
 * refused with their own message; event-index suppression asks for
 * exactly the interrupts and notifications it should.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "vmm.h"

#define MEM_SIZE (1u << 20)
#define NUM 8
#define DESC_PA 0x1000
#define AVAIL_PA 0x2000
#define USED_PA 0x3000
#define DATA_PA 0x10000

static struct guest_mem g;

static struct virtq_desc *desc(unsigned i)
{
	return (struct virtq_desc *)(g.base + DESC_PA) + i;
}

static struct virtq_avail *avail(void)
{
	return (struct virtq_avail *)(g.base + AVAIL_PA);
}

static struct virtq_used *used(void)
{
	return (struct virtq_used *)(g.base + USED_PA);
}

static void set_desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	*desc(i) = (struct virtq_desc){ addr, len, flags, next };
}

/* The driver offers chain `head` as available entry avail->idx. */
static void offer(uint16_t head)
{
	avail()->ring[avail()->idx % NUM] = head;
	avail()->idx++;
}

/* A fresh queue over zeroed rings, ready, with the given features. */
static void fresh(struct virtq *q, uint64_t features)
{
	memset(g.base, 0, MEM_SIZE);
	q->name = "tx";
	virtq_reset(q);
	q->num = NUM;
	q->desc_pa = DESC_PA;
	q->avail_pa = AVAIL_PA;
	q->used_pa = USED_PA;
	if (virtq_start(q, &g, features))
		printf("# virtq_start: %s\n", q->err);
}

static int refused(struct virtq *q, const char *msg)
{
	static struct virtq_chain c;
	int r = virtq_pop(q, &g, &c);

	if (r != -1 || strcmp(q->err, msg)) {
		printf("# pop returned %d, message '%s'\n#   expected '%s'\n", r,
		       r == -1 ? q->err : "", msg);
		return 0;
	}
	return 1;
}

static void good_path(void)
{
	static struct virtq_chain c;
	struct virtq q;

	fresh(&q, 0);
	set_desc(3, DATA_PA, 12, VIRTQ_DESC_F_NEXT, 5);
	set_desc(5, DATA_PA + 0x100, 100, VIRTQ_DESC_F_NEXT, 6);
	set_desc(6, DATA_PA + 0x1000, 1526, VIRTQ_DESC_F_WRITE, 0);
	offer(3);
	CHECK("virtq: a good chain is taken", virtq_pop(&q, &g, &c) == 1);
	CHECK("virtq: head, readable then writable segments",
	      c.head == 3 && c.nout == 2 && c.nin == 1);
	CHECK("virtq: lengths add up", c.out_len == 112 && c.in_len == 1526);
	CHECK("virtq: segments point into guest memory",
	      c.seg[0].p == g.base + DATA_PA &&
	      c.seg[1].p == g.base + DATA_PA + 0x100 &&
	      c.seg[2].p == g.base + DATA_PA + 0x1000);
	CHECK("virtq: nothing more available", virtq_pop(&q, &g, &c) == 0);
	virtq_push(&q, c.head, 60);
	CHECK("virtq: push fills the used ring",
	      used()->idx == 1 && used()->ring[0].id == 3 &&
	      used()->ring[0].len == 60);
	offer(3);
	CHECK("virtq: taken again", virtq_pop(&q, &g, &c) == 1);
	virtq_unpop(&q);
	CHECK("virtq: unpop gives it back", virtq_pop(&q, &g, &c) == 1 &&
	      c.head == 3);
	/* Memory's last byte is fine; one past it is not. */
	fresh(&q, 0);
	set_desc(0, MEM_SIZE - 16, 16, 0, 0);
	offer(0);
	CHECK("virtq: a descriptor ending at the end of memory is fine",
	      virtq_pop(&q, &g, &c) == 1);
}

static void hostile_chains(void)
{
	char msg[192];
	struct virtq q;

	fresh(&q, 0);
	set_desc(0, DATA_PA, 10, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, DATA_PA, 10, VIRTQ_DESC_F_NEXT, 0);
	offer(0);
	CHECK("virtq: a looping chain is refused",
	      refused(&q, "tx descriptor chain from 0 is longer than the "
		      "queue's 8 entries (a loop?)"));

	fresh(&q, 0);
	set_desc(7, MEM_SIZE - 1000, 1526, 0, 0);
	offer(7);
	snprintf(msg, sizeof(msg), "tx descriptor 7 points outside guest "
		 "memory (0x%x + 1526)", MEM_SIZE - 1000);
	CHECK("virtq: a descriptor past the end of memory is refused",
	      refused(&q, msg));

	fresh(&q, 0);
	set_desc(2, 0xffffffffffffff00ULL, 0x200, 0, 0);
	offer(2);
	CHECK("virtq: an address + length that wraps is refused",
	      refused(&q, "tx descriptor 2 points outside guest memory "
		      "(0xffffffffffffff00 + 512)"));

	fresh(&q, 0);
	set_desc(1, 0, 0xffffffffu, 0, 0);
	offer(1);
	CHECK("virtq: a 4 GiB length is refused",
	      refused(&q, "tx descriptor 1 points outside guest memory "
		      "(0x0 + 4294967295)"));

	fresh(&q, 0);
	set_desc(0, DATA_PA, 10, VIRTQ_DESC_F_NEXT, NUM + 1);
	offer(0);
	CHECK("virtq: next past the queue is refused",
	      refused(&q, "tx descriptor 0: next 9 is past the queue's 8 "
		      "entries"));

	fresh(&q, 0);
	offer(12);
	CHECK("virtq: an available entry past the queue is refused",
	      refused(&q, "tx available entry 0 names descriptor 12, past the "
		      "queue's 8 entries"));

	fresh(&q, 0);
	avail()->idx = NUM + 1;
	CHECK("virtq: an available index jump is refused",
	      refused(&q, "tx available index jumped from 0 to 9, more than "
		      "the queue's 8 entries"));

	fresh(&q, 0);
	set_desc(4, DATA_PA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(4);
	CHECK("virtq: indirect descriptors are refused unless offered",
	      refused(&q, "tx descriptor 4 is indirect, which the device did "
		      "not offer"));

	fresh(&q, 0);
	set_desc(0, DATA_PA, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, DATA_PA, 16, 0, 0);
	offer(0);
	CHECK("virtq: readable after writable is refused",
	      refused(&q, "tx descriptor 1 is device-readable but follows a "
		      "device-writable one"));
}

static int start_fails(uint16_t num, uint64_t d, uint64_t a, uint64_t u,
		       const char *msg)
{
	struct virtq q = { .name = "rx" };

	q.num = num;
	q.desc_pa = d;
	q.avail_pa = a;
	q.used_pa = u;
	if (virtq_start(&q, &g, 0) != -1 || strcmp(q.err, msg)) {
		printf("# virtq_start: '%s'\n#   expected '%s'\n", q.err, msg);
		return 0;
	}
	return !q.ready;
}

static void hostile_rings(void)
{
	CHECK("virtq: a size that is no power of two is refused",
	      start_fails(6, DESC_PA, AVAIL_PA, USED_PA,
			  "rx queue: size 6 is not a power of two up to 256"));
	CHECK("virtq: a size past QueueNumMax is refused",
	      start_fails(512, DESC_PA, AVAIL_PA, USED_PA,
			  "rx queue: size 512 is not a power of two up to 256"));
	CHECK("virtq: a descriptor table outside memory is refused",
	      start_fails(NUM, MEM_SIZE - 64, AVAIL_PA, USED_PA,
			  "rx queue: descriptor table (0xfffc0 + 128) lies "
			  "outside guest memory"));
	CHECK("virtq: a wrapping used ring is refused",
	      start_fails(NUM, DESC_PA, AVAIL_PA, 0xfffffffffffffff0ULL,
			  "rx queue: used ring (0xfffffffffffffff0 + 70) lies "
			  "outside guest memory"));
	CHECK("virtq: a misaligned available ring is refused",
	      start_fails(NUM, DESC_PA, AVAIL_PA + 1, USED_PA,
			  "rx queue: available ring at 0x2001 is not 2-byte "
			  "aligned"));
}

static void event_index(void)
{
	static struct virtq_chain c;
	uint16_t *used_event = &avail()->ring[NUM];
	uint16_t *avail_event = (uint16_t *)&used()->ring[NUM];
	struct virtq q;
	int i;

	fresh(&q, 1ULL << VIRTIO_F_EVENT_IDX);
	CHECK("virtq: nothing pushed, no interrupt", !virtq_must_signal(&q));
	set_desc(0, DATA_PA, 64, 0, 0);
	for (i = 0; i < 3; i++)
		offer(0);
	*used_event = 0; /* "interrupt me when used passes 0" */
	virtq_pop(&q, &g, &c);
	virtq_push(&q, 0, 0);
	CHECK("virtq: used passes used_event: interrupt", virtq_must_signal(&q));
	virtq_pop(&q, &g, &c);
	virtq_push(&q, 0, 0);
	CHECK("virtq: used_event not moved: no second interrupt",
	      !virtq_must_signal(&q));
	*used_event = 1;
	virtq_pop(&q, &g, &c);
	virtq_push(&q, 0, 0);
	CHECK("virtq: used_event moved to 1, used went 2 -> 3: none",
	      !virtq_must_signal(&q));
	CHECK("virtq: no entries left", !virtq_notify_on_avail(&q));
	CHECK("virtq: avail_event asks for the next entry", *avail_event == 3);
	offer(0);
	CHECK("virtq: a new entry is seen on the re-check",
	      virtq_has_avail(&q));

	fresh(&q, 0);
	set_desc(0, DATA_PA, 64, 0, 0);
	offer(0);
	offer(0);
	avail()->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	virtq_pop(&q, &g, &c);
	virtq_push(&q, 0, 0);
	CHECK("virtq: without EVENT_IDX, NO_INTERRUPT suppresses",
	      !virtq_must_signal(&q));
	avail()->flags = 0;
	virtq_pop(&q, &g, &c);
	virtq_push(&q, 0, 0);
	CHECK("virtq: without EVENT_IDX, an interrupt otherwise",
	      virtq_must_signal(&q));
}

int main(void)
{
	g.base = calloc(1, MEM_SIZE);
	g.size = MEM_SIZE;
	if (!g.base)
		return 2;
	good_path();
	hostile_chains();
	hostile_rings();
	event_index();
	free(g.base);
	return CHECK_DONE();
}
